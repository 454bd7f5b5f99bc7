"""Issue 22's audit as one batch: every hostile notebook the audit found beside an
honest one, graded by ``grader grade -j 1`` (the worker is the grader's own process)
through real kernels; then a clean batch of the honest notebooks alone, for the
grader's cost.  One notebook must neither buy points nor damage the batch."""
import csv
import json
import subprocess
import sys

import nbformat
import pytest

from tests.conftest import ROOT, TEST_RUBRIC
from tests.fixtures.make_hostile import FAST, notebook

LINE = {**FAST, "plot": FAST["plot"].replace('"o-"', '"-"')}
NO_PLOT = {**FAST, "plot": "# the plot is left for later"}
# student id -> (solution parts, hostile cell, expected grade, words in the feedback)
HONEST = {"honest": (FAST, None, 105, None),
          "honest_line_only": (LINE, None, 90, "bare line")}
AUDIT = {
    "flood_records": (FAST, "flood_records", 90, "never displayed"),              # item 1
    "flood_messages": (FAST, "flood_messages", 105, "MB of cell output was not kept"),  # 3
    "forge_marker": (LINE, "forge_marker", 90, "does not show the curve"),        # item 5
    "plant_picture": (NO_PLOT, "plant_picture", 90, "does not show the curve"),   # item 5
}


def _grade(tmp_path_factory, easy_data, cases, name):
    subs = tmp_path_factory.mktemp(name)
    for sid, (parts, cell, _, _) in cases.items():
        (subs / sid).mkdir()
        nbformat.write(notebook(parts, cell), subs / sid / "homework.ipynb")
        (subs / sid / "timestamp.txt").write_text("2025-10-30 12:00:00 America/New_York")
    out = tmp_path_factory.mktemp(f"{name}-out") / "grading"
    run = subprocess.run([sys.executable, "-m", "grader", "grade", str(subs), "--out", str(out),
                          "--rubric", str(TEST_RUBRIC), "--data", str(easy_data), "-j", "1",
                          "--no-progress"], cwd=ROOT, capture_output=True, text=True,
                         timeout=1200)
    rows = {r["student_id"]: r for r in csv.DictReader(open(out / "grades.csv"))} \
        if (out / "grades.csv").exists() else {}
    return run, out, rows


@pytest.fixture(scope="module")
def batches(tmp_path_factory, easy_data):
    audit = _grade(tmp_path_factory, easy_data, {**HONEST, **AUDIT}, "audit")
    clean = _grade(tmp_path_factory, easy_data, HONEST, "clean")
    return audit, clean


def test_every_hostile_notebook_gets_exactly_its_own_points(batches):
    (run, out, rows), _ = batches
    assert run.returncode in (0, 1) and "Traceback" not in run.stderr, run.stderr[-3000:]
    for sid, (_, _, points, words) in {**HONEST, **AUDIT}.items():
        assert float(rows[sid]["final"]) == points, (sid, rows[sid])
        if words:
            feedback = (out / "feedback" / f"{sid}.md").read_text()
            assert words in feedback, (sid, feedback[-2000:])


def test_every_output_is_written(batches):
    (_, out, _), _ = batches
    for name in ("grades.csv", "grades.json", "class_report.html", "integrity.html",
                 "integrity.json", "timings.json", "nbgrader_grades.csv"):
        assert (out / name).stat().st_size > 0, name
    students = json.loads((out / "grades.json").read_text())["students"]
    assert len(students) == len(HONEST) + len(AUDIT)


def test_the_grader_spends_about_what_a_clean_batch_costs(batches):
    """Score and report within a few seconds of the clean batch's, and the grader's own
    peak memory (execution included: -j 1) within 100 MB of it."""
    (_, out, _), (_, clean_out, _) = batches
    audit, clean = (json.loads((o / "timings.json").read_text()) for o in (out, clean_out))
    assert audit["score_and_report_s"] <= clean["score_and_report_s"] + 5, (audit, clean)
    assert audit["grader_peak_mb"] <= clean["grader_peak_mb"] + 100, (audit, clean)
