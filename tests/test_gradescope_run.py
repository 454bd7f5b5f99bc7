"""grader gradescope without a kernel: Gradescope's metadata as its container writes
it, the notebook found anywhere in the submission, results.json whatever happens."""
import json
import os

import pytest

from grader import cli
from grader.errors import InputError
from grader.verbs.gradescope import find_notebook, read_metadata

# the shape of /autograder/submission_metadata.json
META = {
    "id": 123456789, "created_at": "2025-11-01T00:30:00.000000-04:00",
    "assignment": {"due_date": "2025-11-01T23:59:00.000000-04:00",
                   "late_due_date": None, "title": "Galaxy classifier", "id": 6543},
    "submission_method": "upload",
    "users": [{"email": "jane.doe+test@example.edu", "id": 314159, "name": "Jane Doe"}],
    "previous_submissions": [],
}


def test_metadata_gives_the_id_the_time_and_gradescopes_due_date(tmp_path):
    path = tmp_path / "submission_metadata.json"
    path.write_text(json.dumps(META))
    meta = read_metadata(path)
    assert meta.student_id == "jane.doe+test"
    assert meta.created_at.isoformat() == "2025-11-01T00:30:00-04:00"
    assert meta.due_date.isoformat() == "2025-11-01T23:59:00-04:00"
    group = dict(META, users=META["users"] + [{"email": "bo@x.edu", "id": 2, "name": "Bo",
                                                "sid": "900"}])
    path.write_text(json.dumps(group))
    assert read_metadata(path).notes == ("group submission by jane.doe+test, 900",)


def test_unreadable_metadata_is_one_line(tmp_path):
    path = tmp_path / "submission_metadata.json"
    path.write_text('{"created_at": "next tuesday"}')
    with pytest.raises(InputError, match="cannot read Gradescope's metadata"):
        read_metadata(path)


def test_the_notebook_is_found_in_a_subfolder(tmp_path):
    (tmp_path / "work" / ".ipynb_checkpoints").mkdir(parents=True)
    (tmp_path / "work" / ".ipynb_checkpoints" / "galaxy_classifier-checkpoint.ipynb").write_text("{}")
    (tmp_path / "work" / "scratch.ipynb").write_text("{}")
    (tmp_path / "work" / "galaxy_classifier.ipynb").write_text("{}")
    assert find_notebook(tmp_path).notebook.name == "galaxy_classifier.ipynb"


def test_a_link_out_of_the_submission_is_refused_and_the_student_told(tmp_path):
    """The answer key is shipped in the wheel: a notebook linking to it is not graded, and
    results.json says why (no kernel starts); the same link is read the same way by
    ``grader grade`` (one reading, ``folders.Bounds``)."""
    from grader.intake.submissions import discover
    from tests.conftest import ROOT
    sub = tmp_path / "batch" / "submission"
    sub.mkdir(parents=True)
    os.symlink(ROOT / "reference" / "solution.ipynb", sub / "galaxy_classifier.ipynb")
    results = tmp_path / "results" / "results.json"
    assert cli.main(["gradescope", "--submission", str(sub), "--results", str(results)]) == 2
    doc = json.loads(results.read_text())
    assert doc["score"] == 0 and doc["tests"] == []
    assert doc["output"] == ("Not graded: nothing to grade in your submission: refused: "
                             "galaxy_classifier.ipynb is a link leading out of your "
                             "submission: submit the file itself, not a link")
    graded = discover(tmp_path / "batch").submissions
    assert [s.notes for s in graded] == [("refused: submission/galaxy_classifier.ipynb is a "
                                          "link leading out of the submissions folder: "
                                          "submit the file itself, not a link",)]


def test_links_inside_the_submission_are_the_students_own_files(tmp_path):
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "draft.ipynb").write_text("{}")
    os.symlink("work/draft.ipynb", tmp_path / "galaxy_classifier.ipynb")
    found = find_notebook(tmp_path)
    assert found.notebook == tmp_path / "galaxy_classifier.ipynb" and found.notes == ()


@pytest.mark.parametrize("case", ["empty", "missing", "bad metadata"])
def test_results_json_is_written_whatever_fails(tmp_path, case):
    sub = tmp_path / "submission"
    if case != "missing":
        sub.mkdir()
    if case == "bad metadata":
        (sub / "hw.ipynb").write_text("{}")
        (tmp_path / "submission_metadata.json").write_text("not json")
    results = tmp_path / "results" / "results.json"
    assert cli.main(["gradescope", "--submission", str(sub), "--results", str(results)]) == 2
    doc = json.loads(results.read_text())
    assert doc["score"] == 0 and doc["tests"] == [] and doc["output"].startswith("Not graded: ")


def test_a_grader_side_failure_shows_students_no_detail(tmp_path):
    """The grader cannot grade here (no confinement at all): the student reads that
    grading failed on the grader's side; the reason goes to the hidden output."""
    import subprocess
    import sys
    from tests.conftest import FIXTURES, ROOT
    sub = tmp_path / "submission"
    sub.mkdir()
    (sub / "hw.ipynb").write_text((FIXTURES / "full_marks.ipynb").read_text())
    results = tmp_path / "results" / "results.json"
    run = subprocess.run([sys.executable, "-m", "grader", "gradescope", "--submission", str(sub),
                          "--results", str(results)], capture_output=True, text=True, cwd=ROOT,
                         timeout=300, env={**__import__("os").environ, "GALAXY_GRADER_BWRAP": "none",
                                           "GALAXY_GRADER_LANDLOCK": "none"})
    assert run.returncode == 2
    doc = json.loads(results.read_text())
    assert doc["score"] == 0 and doc["stdout_visibility"] == "hidden"
    assert "not because of your notebook" in doc["output"]
    assert "confined" not in doc["output"] and "kernels cannot be confined" in run.stdout
