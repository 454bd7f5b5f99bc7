"""`grader check`: the student's view, through a real kernel."""
import pytest

from grader import cli
from tests.conftest import FIXTURES, ROOT, TEST_RUBRIC

STUDENT = ROOT / "assignment" / "galaxy_classifier.ipynb"
SOLUTION = ROOT / "reference" / "solution.ipynb"


def test_untouched_student_notebook_fails_clearly(kernel, capsys, easy_data):
    rc = cli.main(["check", str(STUDENT), "--quick", "--data", str(easy_data)])
    out = capsys.readouterr().out
    assert rc == 1
    assert "[PASS]" not in out
    assert "[FAIL] net" in out and "0/15" in out
    assert "not defined" in out or "NotImplementedError" in out


def test_quick_check_of_a_wrong_gradient(kernel, capsys, easy_data):
    rc = cli.main(["check", str(FIXTURES / "fails_gradient.ipynb"), "--quick",
                   "--rubric", str(TEST_RUBRIC), "--data", str(easy_data)])
    out = capsys.readouterr().out
    assert rc == 1
    assert "[PASS] net" in out and "[FAIL] loss_grad" in out
    assert "trained_accuracy" not in out          # --quick skips training checks


def test_missing_notebook(capsys, tmp_path):
    assert cli.main(["check", str(tmp_path / "nope.ipynb")]) == 2
    assert "nope.ipynb: file not found" in capsys.readouterr().err


@pytest.mark.parametrize("name,text", [("README.md", "# Galaxy grader\n"),
                                       ("bad.ipynb", "{not json")])
def test_a_file_that_is_no_notebook_is_one_line_before_anything_runs(capsys, tmp_path, name,
                                                                      text):
    path = tmp_path / name          # issue 25 item 12: not a graded-0 report, not a traceback
    path.write_text(text)
    assert cli.main(["check", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1, captured
    assert f"{path}: not a readable Jupyter notebook" in captured.err
    assert path.read_text() == text


@pytest.mark.slow
def test_solution_passes_every_item_on_default_data(kernel, capsys):
    rc = cli.main(["check", str(SOLUTION)])
    out = capsys.readouterr().out
    print(out)
    assert rc == 0, out
    assert "[FAIL]" not in out and "total 105 of 100 (incl. 5 extra credit)" in out
