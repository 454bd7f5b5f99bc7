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
    assert "nope.ipynb: notebook not found" in capsys.readouterr().err


def test_broken_notebook_is_reported_not_crashed(kernel, capsys, tmp_path, easy_data):
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{not json")
    rc = cli.main(["check", str(bad), "--quick", "--data", str(easy_data)])
    out = capsys.readouterr().out
    assert rc == 1 and "not a readable Jupyter notebook" in out
    assert bad.read_text() == "{not json"


@pytest.mark.slow
def test_solution_passes_every_item_on_default_data(kernel, capsys):
    rc = cli.main(["check", str(SOLUTION)])
    out = capsys.readouterr().out
    print(out)
    assert rc == 0, out
    assert "[FAIL]" not in out and "total 105 of 100 (incl. 5 extra credit)" in out
