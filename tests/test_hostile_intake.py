"""Hostile submission folders through real kernels (issue 22, items 6, 7 and 11).

One batch, graded once: an honest student (alice, full marks); mallory, whose notebook
is a link to alice's; eve, whose notebook is a link to the answer key shipped with the
grader; and a student whose folder name starts with a space and a right-to-left
override, whose notebook is a link to a draft in her own folder.  Then one Gradescope
submission holding a link to the answer key beside the student's own notebook.
"""
import contextlib
import csv
import io
import json
import os
import shutil

import pytest

from grader import cli
from grader.intake.ids import sanitise_id
from tests.conftest import FIXTURES, ON_TIME, ROOT, TEST_RUBRIC

pytestmark = pytest.mark.usefixtures("kernel")   # real kernels: the kernel tier

KEY = ROOT / "reference" / "solution.ipynb"
ZED = " \u202ezed"                       # shows as "dez " where bidi is obeyed
HIDDEN = ("\u202e", "\u200b", "\u2066")


def _write_batch(subs):
    for sid in ("alice", "mallory", "eve", ZED):
        (subs / sid).mkdir()
        (subs / sid / "timestamp.txt").write_text(ON_TIME)
    shutil.copy(FIXTURES / "full_marks.ipynb", subs / "alice" / "homework.ipynb")
    os.symlink("../alice/homework.ipynb", subs / "mallory" / "homework.ipynb")
    os.symlink(KEY, subs / "eve" / "homework.ipynb")
    (subs / ZED / "drafts").mkdir()
    shutil.copy(FIXTURES / "no_extra_credit.ipynb", subs / ZED / "drafts" / "homework.ipynb")
    os.symlink("drafts/homework.ipynb", subs / ZED / "homework.ipynb")


@pytest.fixture(scope="module")
def batch(tmp_path_factory, easy_data):
    subs = tmp_path_factory.mktemp("intake")
    _write_batch(subs)
    out = tmp_path_factory.mktemp("out") / "grading"
    said = io.StringIO()
    with contextlib.redirect_stdout(said):
        rc = cli.main(["grade", str(subs), "--out", str(out), "--rubric", str(TEST_RUBRIC),
                       "--data", str(easy_data), "-j", "2", "--no-progress"])
    rows = {r["student_id"]: r for r in csv.DictReader(open(out / "grades.csv"))}
    students = {s["student_id"]: s
                for s in json.loads((out / "grades.json").read_text())["students"]}
    return {"rc": rc, "rows": rows, "students": students, "out": out, "said": said.getvalue()}


def _honest_alice(batch):
    assert batch["rows"]["alice"]["final"] == "105" and batch["rows"]["alice"]["status"] == "graded"
    assert not any("link" in n for n in batch["students"]["alice"]["notes"])


def test_a_link_to_the_answer_key_is_refused_not_graded(batch):       # item 6
    assert batch["rc"] == 1                      # not every notebook was graded
    eve = batch["rows"]["eve"]
    assert (eve["final"], eve["status"]) == ("0", "not graded")
    assert batch["students"]["eve"]["notes"] == [
        "refused: eve/homework.ipynb is a link leading out of the submissions folder: submit "
        "the file itself, not a link"]
    _honest_alice(batch)


def test_a_link_to_another_students_notebook_is_refused(batch):         # item 7
    mallory = batch["rows"]["mallory"]
    assert (mallory["final"], mallory["status"]) == ("0", "not graded")
    assert batch["students"]["mallory"]["notes"] == [
        "refused: mallory/homework.ipynb is a link to another student's file "
        "(alice/homework.ipynb): submit your own file"]
    _honest_alice(batch)


def test_an_id_with_a_leading_space_and_a_bidi_control_is_shown_plainly(batch):   # item 11
    sid = sanitise_id(ZED)
    row = batch["rows"][sid]
    assert (row["final"], row["status"]) == ("100", "graded")    # her own draft, via her link
    assert batch["students"][sid]["notes"] == []
    assert row["original_id"] == "' \\u202ezed"                  # no formula, nothing hidden
    assert batch["students"][sid]["original_id"] == " \\u202ezed"
    shown = [p for p in batch["out"].rglob("*") if p.suffix in (".csv", ".json", ".html", ".md")
             and "cache" not in p.parts]
    assert {p.name for p in shown} >= {"grades.csv", "nbgrader_grades.csv", "class_report.html",
                                       f"{sid}.md", f"{sid}.html"}
    texts = {p.name: p.read_text() for p in shown if p.name != "grades.json"}
    texts["terminal"] = batch["said"]
    # grades.json keeps the notebook's path (data, the file to open), ids written out
    texts["grades.json"] = json.dumps([{k: v for k, v in s.items() if k != "notebook"}
                                       for s in batch["students"].values()], ensure_ascii=False)
    assert [name for name, text in texts.items() if any(c in text for c in HIDDEN)] == []
    _honest_alice(batch)


def test_gradescope_refuses_a_link_to_the_answer_key_and_grades_the_students_own(
        tmp_path, easy_data):                                         # items 6 and 11
    sub = tmp_path / "autograder" / "submission"
    sub.mkdir(parents=True)
    os.symlink(KEY, sub / "galaxy_classifier.ipynb")
    shutil.copy(FIXTURES / "no_extra_credit.ipynb", sub / "hw.ipynb")
    (tmp_path / "autograder" / "submission_metadata.json").write_text(json.dumps(
        {"users": [{"id": 1, "sid": "1"}, {"id": 2, "sid": "\u202elivE"}]}))
    results = tmp_path / "autograder" / "results" / "results.json"
    assert cli.main(["gradescope", "--submission", str(sub), "--results", str(results),
                     "--rubric", str(TEST_RUBRIC), "--data", str(easy_data)]) == 0
    doc = json.loads(results.read_text())
    assert doc["score"] == 100, doc["output"]                  # hw.ipynb, not the key's 105
    notes = [line for line in doc["output"].splitlines() if line.startswith("Note: ")]
    assert notes == ["Note: refused: galaxy_classifier.ipynb is a link leading out of your "
                     "submission: submit the file itself, not a link",
                     "Note: group submission by 1, \\u202elivE"]
    assert not any(c in results.read_text() for c in HIDDEN)
