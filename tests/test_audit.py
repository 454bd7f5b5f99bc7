"""Issue 22's audit as one batch: a submission for each hole the audit found beside
honest ones, graded by ``grader grade -j 1`` (the worker is the grader's own process,
and every kernel gets the same uid) through real kernels; then a clean batch of the
honest notebooks alone, for the grader's cost.  One submission must neither buy points
nor damage the batch.  Item 10 (overrides.yaml, a TA's file) and the
Gradescope side of 6 have their own tests too (test_artifacts, test_yamlfile,
test_hostile_intake); the confinement modes theirs (test_uid_state, test_containers)."""
import csv
import json
import os
import subprocess
import sys

import nbformat
import pytest

from grader.intake.ids import sanitise_id
from tests.conftest import ON_TIME, ROOT, TEST_RUBRIC
from tests.fixtures import shared_state
from tests.fixtures.make_hostile import FAST, NO_EXTRA, notebook

pytestmark = pytest.mark.usefixtures("kernel")   # real kernels: the kernel tier

SURROGATE = '''def net(params, imageVector):          # after training: every probe call raises
    raise RuntimeError("\\ud800 broken \\udfff")

raise ValueError("\\ud800 in a cell error")'''
PADDING = ("# " + "padding " * 12 + "\n") * 2100                   # 210 kB of comment
CODE_PADDING = ("'''", "x = 1\n" * 50_000)       # a cell opening a string, 300 kB of code
ZED = " \u202ezed"                                  # a leading space, a bidi override
HIDDEN = ("\u202e", "\ud800")

LINE = {**FAST, "plot": FAST["plot"].replace('"o-"', '"-"')}
NO_PLOT = {**FAST, "plot": "# the plot is left for later"}
# student id -> (solution parts, hostile cell, expected grade, words in the feedback)
HONEST = {"honest": (FAST, None, 105, None),
          "honest_line_only": (LINE, None, 90, "bare line")}
AUDIT = {
    "flood_records": (FAST, "flood_records", 90, "never displayed"),              # item 1
    "surrogate": (FAST, SURROGATE, 65, "\\ud800 broken"),                        # item 2
    "flood_messages": (FAST, "flood_messages", 105, "MB of cell output was not kept"),  # 3
    "npz_flood": (FAST, "npz_flood", 0, "probe output refused (more than 4,096 arrays)"),  # 4
    "forge_marker": (LINE, "forge_marker", 90, "does not show the curve"),        # item 5
    "plant_picture": (NO_PLOT, "plant_picture", 90, "does not show the curve"),   # item 5
    "eve": (None, "link to the answer key", 0, "a link leading out of the submissions"),  # 6
    "mallory": (None, "link to honest", 0, "a link to another student's file"),   # item 7
    "padded_copy": (FAST, PADDING, 105, None),        # item 8: flagged with its source
    "code_padded": (FAST, CODE_PADDING, 105, None),
    "state_first": (None, "shared state", 0, None),   # item 9: nothing read, nothing written
    "state_second": (None, "shared state", 0, None),
    ZED: (NO_EXTRA, None, 100, None),                 # item 11: shown plainly
}


def _write(subs, sid, parts, cell):
    folder = subs / sid
    folder.mkdir()
    (folder / "timestamp.txt").write_text(ON_TIME)
    if cell == "link to the answer key":
        os.symlink(ROOT / "reference" / "solution.ipynb", folder / "homework.ipynb")
    elif cell == "link to honest":
        os.symlink("../honest/homework.ipynb", folder / "homework.ipynb")
    elif cell == "shared state":
        nbformat.write(shared_state.notebook(), folder / "homework.ipynb")
    elif cell in (SURROGATE, PADDING, CODE_PADDING):
        nb = notebook(parts)
        at = len(nb.cells) if cell == SURROGATE else 1        # padding first, error last
        nb.cells[at:at] = [nbformat.v4.new_code_cell(c) for c in
                           (cell if isinstance(cell, tuple) else (cell,))]
        nbformat.write(nb, folder / "homework.ipynb")
    else:
        nbformat.write(notebook(parts, cell), folder / "homework.ipynb")


def _grade(tmp_path_factory, easy_data, cases, name):
    subs = tmp_path_factory.mktemp(name)
    for sid, (parts, cell, _, _) in cases.items():
        _write(subs, sid, parts, cell)
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


def test_every_hostile_submission_gets_exactly_its_own_points(batches):
    (run, out, rows), _ = batches
    assert run.returncode in (0, 1) and "Traceback" not in run.stderr, run.stderr[-3000:]
    for sid, (_, _, points, words) in {**HONEST, **AUDIT}.items():
        key = sanitise_id(sid)
        assert float(rows[key]["final"]) == points, (sid, rows[key])
        if words:
            feedback = (out / "feedback" / f"{key}.md").read_text()
            assert words in feedback, (sid, feedback[-2000:])


def test_a_padded_copy_is_flagged_with_its_source(batches):                  # item 8
    (_, out, _), _ = batches
    report = json.loads((out / "integrity.json").read_text())
    flagged = {frozenset((p["a"], p["b"])) for p in report["pairs"] if p["flagged"]}
    assert {frozenset(("honest", "padded_copy")), frozenset(("honest", "code_padded"))} \
        <= flagged, report["pairs"]
    assert [n.split(":")[0] for n in report["compared_in_part"]] == ["code_padded"]


def test_nothing_passes_between_students_on_one_uid(batches):               # item 9
    (_, out, _), _ = batches
    students = {s["student_id"]: s for s in json.loads((out / "grades.json").read_text())[
        "students"]}
    notes = {sid: shared_state.reported(" ".join(c["message"] for c in students[sid]["checks"]))
             for sid in ("state_first", "state_second")}
    assert notes["state_first"]["uid"] == notes["state_second"]["uid"], notes
    for sid, note in notes.items():
        assert note["read"] == {}, (sid, note)
        assert not [w for w in note["wrote"] if not w.startswith("/")], (sid, note)  # denied


def test_names_are_shown_plainly_everywhere(batches):                        # items 2, 11
    (run, out, rows), _ = batches
    assert rows[sanitise_id(ZED)]["original_id"] == "' \\u202ezed"
    texts = [p.read_text() for p in out.rglob("*") if p.suffix in (".csv", ".json", ".html", ".md")
             and "cache" not in p.parts] + [run.stdout]
    assert not [t[:200] for t in texts if any(c in t for c in HIDDEN)]


def test_every_output_is_written(batches):
    (_, out, _), _ = batches
    for name in ("grades.csv", "grades.json", "class_report.html", "integrity.html",
                 "integrity.json", "timings.json", "nbgrader_grades.csv"):
        assert (out / name).stat().st_size > 0, name
    students = json.loads((out / "grades.json").read_text())["students"]
    assert len(students) == len(HONEST) + len(AUDIT)


def test_the_grader_spends_about_what_a_clean_batch_costs(batches):
    """Scoring and reporting after execution cost the grader's process (CPU seconds, so
    another grading on the same machine does not count) at most the clean batch's plus
    one second per added student and a few seconds, and its own peak memory (execution
    included: -j 1) stays within 100 MB of the clean batch's: no flood buys the
    grader's time or memory."""
    (_, out, _), (_, clean_out, _) = batches
    audit, clean = (json.loads((o / "timings.json").read_text()) for o in (out, clean_out))
    allowed = clean["score_and_report_cpu_s"] + 1.0 * len(AUDIT) + 5
    assert audit["score_and_report_cpu_s"] <= allowed, (audit, clean)
    assert audit["grader_peak_mb"] <= clean["grader_peak_mb"] + 100, (audit, clean)
