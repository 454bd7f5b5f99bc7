"""Reports built from hand-made results (no notebooks are run)."""
import csv
import errno
import io
import json
import os
import re
from datetime import datetime, timedelta

import pytest
from matplotlib.image import imread

from grader import report
from grader.verbs.check import format_result
from grader.late import assess
from grader.report import atomic, gradescope, tables, view
from grader.report.lateness import arithmetic as late_arithmetic
from grader.report.tables import summary_table
from grader.report.text import md, num
from grader.results import CheckResult, SubmissionResult
from tests import report_cases

WEIRD = '<b>&"x'
RUBRIC = report_cases.RUBRIC
DEADLINE = datetime.fromisoformat("2025-10-31T23:59:00-04:00")


def late_result(after=timedelta(hours=-1), **kwargs):
    """The real verdict for work handed in ``after`` the deadline (on time by default)."""
    return assess(DEADLINE + after, deadline=DEADLINE, **kwargs)


def checks(data, net, loss, acc, plot, extra, msg="ok"):
    return [CheckResult("data_prep", data, 5, msg), CheckResult("net", net, 15, msg),
            CheckResult("loss", loss, 10, "loss returned NaN" if loss == 0 else msg),
            CheckResult("trained_accuracy", acc, 60, f"{msg} acc",
                        details={"accuracy": 0.7, "threshold": 0.66}),
            CheckResult("plot", plot, 10, msg),
            CheckResult("extra_credit", extra, 5, "extra credit done", extra_credit=True)]


def make_results(seconds=12.3):
    alice = SubmissionResult(
        "alice", checks(5, 15, 10, 60, 10, 5), final=84.0, seconds=seconds, accuracy=0.7,
        late=late_result(timedelta(hours=3, minutes=12)),
        submitted_at="2025-11-01T03:11:00-04:00", time_source="timestamp.txt",
        history=[0.3, 0.5, 0.7], notes=["two notebooks found; graded hw.ipynb"])
    bob = SubmissionResult(
        "bob", checks(5, 15, 0, 20.5, 10, 0), final=50.5, seconds=3.0, accuracy=0.6,
        late=late_result(timedelta(days=1, hours=11, minutes=1),
                         extension=datetime.fromisoformat("2025-11-03T23:59:00-05:00")),
        submitted_at="2025-11-02T10:00:00-05:00", time_source="manifest",
        history=[0.2, float("nan"), 0.61])
    carol = SubmissionResult(
        "carol", [CheckResult("net", 0, 15, "not checked: notebook timed out")],
        late=late_result(), final=0.0, status="not graded", notes=["not run: timed out"])
    weird = SubmissionResult(
        WEIRD, checks(5, 15, 10, 60, 10, 0, msg="<script>alert(1)</script>"),
        late=late_result(), final=100.0, seconds=1.0, accuracy=0.9, history=[0.5, 0.9])
    return [weird, carol, bob, alice]          # deliberately unsorted


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reports")
    written = report.write_all(make_results(), folder, rubric=RUBRIC,
                               problems=["manifest row 'dave' with no matching submission"],
                               protections="kernels run with rlimits")
    return folder, written


def read_csv(folder):
    return list(csv.DictReader(io.StringIO((folder / "grades.csv").read_text("utf-8"))))


def test_csv_columns_and_values(out):
    folder, _ = out
    text = (folder / "grades.csv").read_text("utf-8")
    assert text.splitlines()[0] == (
        "student_id,data_prep,net,loss,trained_accuracy,extra_credit,plot,raw_total,"
        "extra_credit,possible,late,minutes_late,extension_applied,multiplier,final,status,"
        "submitted_at,time_source,overrides,original_id".replace("extra_credit,plot", "check_extra_credit,plot"))
    rows = read_csv(folder)
    assert [r["student_id"] for r in rows] == sorted(["alice", "bob", "carol", WEIRD])
    a = next(r for r in rows if r["student_id"] == "alice")
    assert (a["net"], a["raw_total"], a["extra_credit"], a["possible"], a["late"],
            a["minutes_late"], a["extension_applied"], a["multiplier"], a["final"],
            a["status"]) == ("15", "105", "5", "100", "yes", "192", "no", "0.8", "84", "graded")
    b = next(r for r in rows if r["student_id"] == "bob")
    assert (b["loss"], b["trained_accuracy"], b["raw_total"], b["extension_applied"],
            b["late"], b["final"], b["time_source"]) == (
        "0", "20.5", "50.5", "yes", "no", "50.5", "manifest")
    c = next(r for r in rows if r["student_id"] == "carol")
    assert (c["status"], c["net"], c["loss"], c["final"]) == ("not graded", "0", "", "0")
    assert "seconds" not in rows[0]


def test_csv_is_byte_identical_across_runs(tmp_path):
    tables.write_csv(make_results(seconds=1.0), tmp_path / "a.csv", rubric=RUBRIC)
    tables.write_csv(list(reversed(make_results(seconds=99.9))), tmp_path / "b.csv",
                     rubric=RUBRIC)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_numbers_have_no_trailing_noise():
    assert [num(x) for x in (84.0, 73.599999999, 0.1 + 0.2, -0.0001, 105, None, 2.5)] == \
        ["84", "73.6", "0.3", "0", "105", "", "2.5"]


def test_json_contents(out):
    folder, _ = out
    text = (folder / "grades.json").read_text("utf-8")
    data = json.loads(text, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))
    assert data["rubric"]["checks"]["net"]["points"] == 15
    assert data["problems"] == ["manifest row 'dave' with no matching submission"]
    assert data["protections"] == "kernels run with rlimits"
    students = {s["student_id"]: s for s in data["students"]}
    assert [s["student_id"] for s in data["students"]] == sorted(students)
    alice = students["alice"]
    assert (alice["score"], alice["extra"], alice["final"], alice["seconds"]) == (105, 5, 84.0, 12.3)
    assert alice["late"]["multiplier"] == 0.8
    assert students["bob"]["checks"][2]["message"] == "loss returned NaN"
    assert students["bob"]["history"] == [0.2, None, 0.61]


def test_feedback_markdown_arithmetic_and_messages(out):
    folder, _ = out
    alice = (folder / "feedback" / "alice.md").read_text("utf-8")
    assert ("raw 105 (incl. 5 extra credit) x 0.8 (late: 3 h 12 min after the deadline "
            "2025-10-31 23:59 -04:00) = 84") in alice
    assert "extra credit done" in alice and "two notebooks found" in alice
    assert "![accuracy curve](alice.png)" in alice
    bob = (folder / "feedback" / "bob.md").read_text("utf-8")
    assert "extension to 2025-11-03 23:59 -05:00 applied" in bob
    assert "on time: no penalty; raw 50.5 = 50.5" in bob
    assert "loss returned NaN" in bob
    carol = (folder / "feedback" / "carol.md").read_text("utf-8")
    assert "No accuracy curve" in carol and "not checked: notebook timed out" in carol
    assert not (folder / "feedback" / "carol.png").exists()


def test_html_and_markdown_escape_student_strings(out):
    folder, written = out
    names = [p for p in written if WEIRD in p or "<" in p]
    assert names == []
    page = next(p for k, p in written.items() if k.startswith("feedback/_b") and
                k.endswith(".html")).read_text("utf-8")
    assert "&lt;b&gt;&amp;&#34;x" in page and WEIRD not in page
    assert "&lt;script&gt;" in page and "<script>" not in page
    mdtext = next(p for k, p in written.items() if k.startswith("feedback/_b") and
                  k.endswith(".md")).read_text("utf-8")
    assert r"\<b\>\&" in mdtext and "<script>" not in mdtext
    assert md("a|b\nc") == r"a\|b c"
    cls = (folder / "class_report.html").read_text("utf-8")
    assert "&lt;b&gt;&amp;&#34;x" in cls and WEIRD not in cls


def test_pngs_are_valid_images(out):
    folder, written = out
    pngs = [k for k in written if k.endswith(".png")]
    assert sorted(pngs) == sorted(["feedback/alice.png", "feedback/bob.png",
                                   next(k for k in pngs if k.startswith("feedback/_b")),
                                   *report.class_report.CHARTS])
    for key in pngs:
        img = imread(written[key])
        assert img.ndim == 3 and img.shape[0] > 100 and img.shape[1] > 100
    assert "data:image/png;base64," in (folder / "feedback" / "alice.html").read_text()
    assert "data:image/png;base64," not in (folder / "feedback" / "carol.html").read_text()


def test_class_report_and_return_value(out):
    folder, written = out
    for key in ("grades.csv", "grades.json", "class_report.html", "feedback/carol.md",
                "feedback/carol.html", *report.class_report.CHARTS):
        assert written[key] == folder / key and written[key].is_file()
    page = (folder / "class_report.html").read_text("utf-8")
    assert page.count("data:image/png;base64,") == 4
    assert "manifest row" in page and "kernels run with rlimits" in page
    assert 'href="feedback/alice.html"' in page


def test_gradescope_results(tmp_path):
    alice = next(r for r in make_results() if r.student_id == "alice")
    data = gradescope.results_json(alice, visibility="after_published")
    assert (data["score"], data["execution_time"], data["visibility"]) == (84.0, 12,
                                                                         "after_published")
    assert "x 0.8" in data["output"] and "= 84" in data["output"]
    tests = data["tests"]
    assert [t["number"] for t in tests] == ["1", "2", "3", "4", "5", "6"]
    assert {t["status"] for t in tests} == {"passed"}
    extra = tests[-1]
    assert extra["tags"] == ["extra credit"] and extra["max_score"] == 5
    assert tests[1]["tags"] == [] and tests[1]["output"] == "ok"
    assert data["output_format"] == "text" and {t["output_format"] for t in tests} == {"html"}
    assert data["leaderboard"] == [{"name": "Held-back accuracy", "value": 0.7}]
    bob = next(r for r in make_results() if r.student_id == "bob")
    assert gradescope.results_json(bob)["tests"][2]["status"] == "failed"
    path = gradescope.write_results_json(alice, tmp_path / "results" / "results.json")
    assert json.loads(path.read_text())["score"] == 84.0
    with pytest.raises(ValueError, match="visibility"):
        gradescope.results_json(alice, visibility="public")


def test_summary_table():
    text = summary_table(make_results())
    lines = text.splitlines()
    assert lines[0].split() == ["student", "raw", "late", "final", "status"]
    assert [ln.split()[0] for ln in lines[2:]] == sorted(["alice", "bob", "carol", WEIRD])
    assert lines[3].split() == ["alice", "105", "yes", "x0.8", "84", "graded"]
    assert "(ext)" in lines[4]
    assert lines[0].index("final") + len("final") == max(
        ln.rfind("84") + 2 for ln in lines if "84" in ln)       # right-aligned column


def test_late_arithmetic_uses_the_stored_numbers():
    r = SubmissionResult("x", [CheckResult("net", 15, 15, "ok")], late=late_result(), final=15.0)
    assert late_arithmetic(r) == "on time: no penalty; raw 15 = 15"
    odd = SubmissionResult("y", [CheckResult("net", 15, 15, "ok")], final=7.0,
                           late=late_result(timedelta(seconds=30), multiplier=0.5))
    assert late_arithmetic(odd) == ("raw 15 x 0.5 (late: 30 s after the deadline "
                                    "2025-10-31 23:59 -04:00) = 7")   # not recomputed


def test_atomic_write_replaces_and_leaves_no_temp(tmp_path):
    target = tmp_path / "sub" / "f.txt"
    atomic.write_text(target, "one")
    atomic.write_text(target, "two")
    assert target.read_text() == "two"
    assert os.listdir(target.parent) == ["f.txt"]


def test_atomic_write_disk_full(tmp_path, monkeypatch):
    target = tmp_path / "f.txt"
    target.write_text("old")
    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(atomic.os, "fsync", full)
    with pytest.raises(OSError) as info:
        atomic.write_text(target, "new")
    msg = str(info.value)
    assert "\n" not in msg and str(target) in msg and "disk is full" in msg
    assert info.value.errno == errno.ENOSPC
    assert os.listdir(tmp_path) == ["f.txt"] and target.read_text() == "old"


def test_atomic_write_unwritable_folder(tmp_path):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("x")
    target = blocker / "grades.csv"
    with pytest.raises(OSError) as info:
        atomic.write_text(target, "a")
    msg = str(info.value)
    assert "\n" not in msg and str(blocker) in msg and "not a folder" in msg
    assert os.listdir(tmp_path) == ["not_a_folder"]
    with pytest.raises(report.ReportWriteError, match="not_a_folder"):
        report.write_all(make_results()[:1], blocker, rubric=RUBRIC)


# --- one student's odd values never cost anyone else their reports -------------------

def hostile_results():
    huge = "x" * 1_000_000
    overflow = SubmissionResult(
        "overflow", checks(5, 15, 10, 60, 10, 0), late=late_result(), final=100.0,
        seconds=2.0, accuracy=0.7, history=[1.7e308, -1.7e308])
    nonfinite = SubmissionResult(
        "nonfinite", checks(5, 15, 10, 60, 10, 0, msg=huge), late=late_result(),
        final=float("nan"), seconds=float("inf"), accuracy=float("nan"),
        history=[float("nan"), float("inf"), -float("inf"), 0.5, 42.0], notes=[huge])
    honest = SubmissionResult(
        "honest", checks(5, 15, 10, 60, 10, 5), late=late_result(), final=105.0,
        seconds=3.0, accuracy=0.71, history=[0.3, 0.5, 0.71])
    return [overflow, nonfinite, honest]


def test_plottable_history_keeps_only_fractions():
    steps, values, note = report.charts.plottable_history([0.2, float("nan"), 1.7e308, 0.4,
                                                           -0.1, "a", 10 ** 400])
    assert (steps, values) == ([1, 4], [0.2, 0.4])           # record numbers: no steps
    assert note.startswith("5 of 7 recorded accuracies are not numbers between 0 and 1")
    assert report.charts.plottable_history([0.1, 0.2]) == ([1, 2], [0.1, 0.2], "")


def test_plottable_history_uses_the_notebooks_own_steps():
    assert report.charts.plottable_history([0.1, 0.2, 0.3], [0, 1000, 2000]) == \
        ([0, 1000, 2000], [0.1, 0.2, 0.3], "")
    # steps that do not fit the history (or are not numbers) fall back to record numbers
    assert report.charts.plottable_history([0.1, 0.2], [1000]) == ([1, 2], [0.1, 0.2], "")
    assert report.charts.plottable_history([0.1, 0.2], ["x", 2]) == ([1, 2], [0.1, 0.2], "")


def test_overflowing_and_nonfinite_histories_do_not_stop_the_batch(tmp_path):
    written = report.write_all(hostile_results(), tmp_path, rubric=RUBRIC)
    fb = tmp_path / "feedback"
    for sid in ("overflow", "nonfinite", "honest"):
        for ext in ("md", "html"):
            assert (fb / f"{sid}.{ext}").is_file() and f"feedback/{sid}.{ext}" in written
    assert (tmp_path / "class_report.html").is_file()
    assert all((tmp_path / n).is_file() for n in report.class_report.CHARTS)
    bad = (fb / "overflow.md").read_text("utf-8")
    assert "2 of 2 recorded accuracies are not numbers between 0 and 1" in bad
    assert "none of the recorded accuracies could be plotted" in bad
    assert not (fb / "overflow.png").exists()
    odd = (fb / "nonfinite.md").read_text("utf-8")
    assert "4 of 5 recorded accuracies" in odd and (fb / "nonfinite.png").is_file()
    assert len(odd) < 20_000 and "more characters cut" in odd     # a 1 MB message, clipped
    assert (fb / "honest.png").is_file() and "Notes" not in (fb / "honest.md").read_text()
    assert imread(fb / "honest.png").ndim == 3
    data = json.loads((tmp_path / "grades.json").read_text("utf-8"))
    assert data["problems"] == []


def test_a_failing_feedback_page_becomes_a_note_and_a_plain_page(tmp_path, monkeypatch):
    real = report.feedback.markdown

    def markdown(r, **kw):
        if r.student_id == "overflow":
            raise RuntimeError("boom")
        return real(r, **kw)
    monkeypatch.setattr(report.feedback, "markdown", markdown)
    report.write_all(hostile_results(), tmp_path, rubric=RUBRIC)
    fb = tmp_path / "feedback"
    plain = (fb / "overflow.md").read_text("utf-8")
    assert "could not be written (RuntimeError: boom)" in plain and "Final grade: 100" in plain
    assert "loss: 10 of 10" in plain
    assert "<p>" in (fb / "overflow.html").read_text("utf-8")
    assert (fb / "honest.png").is_file() and "![accuracy curve]" in (fb / "honest.md").read_text()
    problem = "overflow: full feedback could not be written (RuntimeError: boom)"
    assert problem in (tmp_path / "class_report.html").read_text("utf-8")
    assert any(problem in p for p in json.loads((tmp_path / "grades.json").read_text())["problems"])


def test_a_failing_class_chart_is_left_out_with_a_note(tmp_path, monkeypatch):
    def broken(*a, **k):
        raise ValueError("Axis limits cannot be NaN or Inf")
    monkeypatch.setattr(report.class_report, "_accuracy", broken)
    (tmp_path / "class_accuracy.png").write_bytes(b"stale")
    written = report.write_all(hostile_results(), tmp_path, rubric=RUBRIC)
    page = (tmp_path / "class_report.html").read_text("utf-8")
    assert page.count("data:image/png;base64,") == 3
    assert "class chart class_accuracy.png could not be drawn (ValueError" in page
    assert "class_accuracy.png" not in written and not (tmp_path / "class_accuracy.png").exists()


def test_class_stats_survive_overflowing_grades():
    r = SubmissionResult("a", [CheckResult("net", 1, 1, "ok")], late=late_result(), final=1e308)
    page = report.class_page.class_report_html([r, r], {}, rates=[])
    assert "mean and median not computable" in page


# --- one view-model, templates, and grades files unchanged by the move to them --------

def test_grades_files_are_byte_identical_to_the_golden_ones():
    """tests/fixtures/reports/ was written by the f-string reports (late as a dict); since
    then grades.json's echo of the rubric changed (each check lists its own settings, its
    default time limits, timestamp_zone), each student gained `history_steps` and
    `original_id`, trained_accuracy's `hidden_width` became null (any d), and the CSV gained the `overrides` and `original_id` columns; an unknown
    submission time leaves `late` and `minutes_late` blank and is worded as unknown
    (issue 25 item 7); the rubric gained `report` (pass_percent, issue 25 item 10)."""
    results = report_cases.golden_results()
    golden = report_cases.__file__.replace("report_cases.py", "fixtures/reports/")
    with open(golden + "grades.csv", "rb") as f:
        assert tables.csv_text(results, report_cases.RUBRIC).encode("utf-8") == f.read()
    with open(golden + "grades.json", "rb") as f:
        assert tables.json_text(results, rubric=report_cases.RUBRIC,
                                problems=report_cases.PROBLEMS,
                                protections=report_cases.PROTECTIONS).encode("utf-8") == f.read()


def test_one_wording_of_totals_and_late_in_every_output():
    alice = next(r for r in make_results() if r.student_id == "alice")
    fb = view.build(alice, threshold=0.66)
    assert fb.total == "105 of 100 (incl. 5 extra credit)"
    assert fb.late == late_arithmetic(alice) and fb.late.endswith("= 84")
    assert fb.submission_time.startswith("submitted 2025-11-01 03:11 -04:00, 3 h 12 min after")
    assert fb.accuracy_line == ("Accuracy on the grader's held-back galaxies (never seen by "
                                "the notebook), measured by the grader: 0.700 (threshold 0.66)")
    assert [r.label for r in fb.rows][-1] == "extra_credit"
    outputs = {"gradescope": gradescope.results_json(alice)["output"],
               "check": format_result(alice),
               "markdown": report.feedback.markdown(fb),
               "html": report.feedback.html_page(fb)}
    for name, text in outputs.items():
        assert "105 of 100 (incl. 5 extra credit)" in text, name
        assert text.count("incl.") == text.count("(incl. 5 extra credit)"), name   # one way
    for name in ("gradescope", "markdown", "html"):
        assert fb.late in outputs[name] and fb.submission_time in outputs[name], name
    assert "[PASS] extra_credit" in outputs["check"] and "  total 105 of 100" in outputs["check"]


def test_bonus_checks_are_labelled_and_unknown_late_is_worded():
    r = SubmissionResult("x", [CheckResult("net", 15, 15, "ok"),
                               CheckResult("bonus", 2, 5, "half", extra_credit=True)],
                         late=assess(None, deadline=DEADLINE), final=17.0, status="not graded")
    fb = view.build(r)
    assert [row.label for row in fb.rows] == ["net", "bonus (extra credit)"]
    assert fb.submission_time == ("submission time unknown (deadline 2025-10-31 23:59 "
                                  "-04:00): lateness not assessed, no penalty applied, "
                                  "grade x 1")
    assert fb.no_curve == "No accuracy curve: the notebook was not graded."
    assert fb.accuracy_line == "" and re.search(r"\[FAIL\] bonus \(extra credit\) +2/5",
                                                format_result(r))
    never = SubmissionResult("y", [], late=None, final=0.0)
    assert view.build(never).late == "on time: no penalty; raw 0 = 0"
    assert tables.student_dict(never)["late"] is None


def test_feedback_pages_keep_every_piece_of_information(out):
    folder, _ = out
    alice_md = (folder / "feedback" / "alice.md").read_text("utf-8")
    alice_html = (folder / "feedback" / "alice.html").read_text("utf-8")
    for text in (alice_md, alice_html):
        assert "Feedback for alice" in text and "Status: graded" in text
        assert "Total:" in text and "105 of 100 (incl. 5 extra credit)" in text
        assert "Final grade: 84" in text and "Submission time: submitted" in text
        assert "two notebooks found; graded hw.ipynb" in text and "Notes" in text
        assert "against record number" in text and "0.700 (threshold 0.66)" in text
        assert text.count("extra credit done") == 1 and text.count("ok acc") == 1
    assert alice_md.count("| passed |") == 6 and alice_html.count('class="pass"') == 6


def test_templates_ship_with_the_package():
    import importlib.resources
    names = {p.name for p in importlib.resources.files("grader.report").joinpath(
        "templates").iterdir()}
    assert {"feedback.md.j2", "feedback.html.j2", "class_report.html.j2"} <= names
    with open(report_cases.__file__.replace("tests/report_cases.py", "pyproject.toml")) as f:
        assert '"report/templates/*.j2"' in f.read()


def test_no_csv_cell_can_start_a_spreadsheet_formula():
    from grader.report.tables import spreadsheet_safe
    for evil in ("=SUM(A1)", "+1", "-2_3-b3828ec4", "@SUM_A1_-3f3f65a6", "\tx", "\rx"):
        assert spreadsheet_safe(evil) == "'" + evil
    assert spreadsheet_safe("ada") == "ada" and spreadsheet_safe(105) == "105"
    results = [SubmissionResult("@SUM_A1_-3f3f65a6", [], late=None, final=0.0,
                                submitted_at="", time_source="none")]
    text = report.tables.csv_text(results)
    rows = list(csv.reader(io.StringIO(text)))
    assert all(not c.startswith(("=", "+", "-", "@")) for row in rows for c in row), rows


def test_an_unknown_submission_time_is_unknown_never_on_time():
    """Issue 25 item 7: feedback, grades.csv (late blank), the summary and the class
    report say 'unknown', and the class report lists those students first."""
    known = SubmissionResult("ada", checks(5, 15, 10, 60, 10, 0), final=100.0,
                             late=late_result())
    unknown = SubmissionResult("zed", checks(5, 15, 10, 60, 10, 0), final=100.0,
                               late=assess(None, deadline=DEADLINE, grace_minutes=5))
    fb = view.build(unknown)
    assert fb.late == "submission time unknown: no penalty applied; raw 100 = 100"
    assert not re.search(r"\bon time\b", fb.late + fb.submission_time) and not fb.is_late
    assert view.build(known).late.startswith("on time: no penalty")
    rows = {r["student_id"]: r for r in csv.DictReader(io.StringIO(tables.csv_text([known, unknown])))}
    assert (rows["zed"]["late"], rows["zed"]["minutes_late"], rows["zed"]["final"]) == ("", "", "100")
    assert (rows["ada"]["late"], rows["ada"]["minutes_late"]) == ("no", "0")
    assert [line.split()[2] for line in summary_table([known, unknown]).splitlines()[2:]] == \
        ["no", "unknown"]
    page = report.class_page.class_report_html([known, unknown], {"chart": b"png"}, rates=[],
                                               stems={"zed": "zed"})
    assert "1 submission time unknown" in page
    first = page.index("<h2>Submission time unknown</h2>")
    assert first < page.index("<img") < page.index("<h2>Students</h2>")
    assert '<li><a href="feedback/zed.html">zed</a></li>' in page[first:page.index("<img")]
    assert "ada" not in page[first:page.index("<img")]
    assert "<td>unknown</td>" in page and "<td>no</td>" in page


def test_feedback_curves_kept_in_the_cache_are_not_drawn_again(tmp_path, monkeypatch):
    from grader.report import charts
    first = report.write_all(make_results(), tmp_path / "one", rubric=RUBRIC,
                             charts=tmp_path / "charts")
    drawn = []
    monkeypatch.setattr(charts, "_accuracy_curve", lambda *a: drawn.append(a))
    again = report.write_all(make_results(), tmp_path / "two", rubric=RUBRIC,
                             charts=tmp_path / "charts")
    pngs = sorted(n for n in first if n.startswith("feedback/") and n.endswith(".png"))
    assert pngs and drawn == []
    assert all(first[n].read_bytes() == again[n].read_bytes() for n in pngs)


def test_class_charts_kept_in_the_cache_are_drawn_again_only_when_their_inputs_change(
        tmp_path, monkeypatch):
    from grader.report import class_report
    first = report.write_all(make_results(), tmp_path / "one", rubric=RUBRIC,
                             charts=tmp_path / "charts")
    drawn = []
    for name in ("_histogram", "_accuracy", "_time", "pass_rate_chart"):
        real = getattr(class_report, name)
        monkeypatch.setattr(class_report, name,
                            lambda *a, _n=name, _f=real: drawn.append(_n) or _f(*a))
    again = report.write_all(make_results(), tmp_path / "two", rubric=RUBRIC,
                             charts=tmp_path / "charts")
    assert drawn == []
    assert all(first[n].read_bytes() == again[n].read_bytes() for n in class_report.CHARTS)
    changed = make_results()
    changed[0].final += 1                       # a re-score: one grade moves, nothing else
    report.write_all(changed, tmp_path / "three", rubric=RUBRIC, charts=tmp_path / "charts")
    assert drawn == ["_histogram"]


def test_what_is_drawn_ahead_during_execution_is_what_the_writers_read_back(tmp_path, monkeypatch):
    from pathlib import Path

    from grader import integrity
    from grader.intake.submissions import Submission
    from grader.report import charts
    results = make_results()
    books = Path(__file__).parent / "fixtures" / "notebooks"
    subs = [Submission(student_id=r.student_id, notebook=books / name, submitted_at=None,
                       time_source="none", notes=())
            for r, name in zip(results, ("full_marks.ipynb", "fails_gradient.ipynb",
                                         "fails_sigmoid_typo.ipynb", "no_extra_credit.ipynb"))]
    for r, s in zip(results, subs):
        report.draw_ahead(r, s.notebook, RUBRIC, charts=tmp_path / "charts",
                          lexed=tmp_path / "lexed")
    curves, lexed = (sorted((tmp_path / d).iterdir()) for d in ("charts", "lexed"))
    assert curves and len(lexed) == len(subs)
    drawn = []
    monkeypatch.setattr(charts, "_accuracy_curve", lambda *a: drawn.append(a))
    report.write_all(results, tmp_path / "out", rubric=RUBRIC, charts=tmp_path / "charts")
    assert drawn == []                       # every feedback curve was read back
    integrity.analyse(subs, results, {}, None, threshold=0.6, cache=tmp_path / "lexed")
    assert sorted((tmp_path / "lexed").iterdir()) == lexed      # nothing filtered anew


def test_drawing_ahead_never_raises(tmp_path):
    (tmp_path / "charts").write_text("a file where the folder should be")
    r = make_results()[0]
    report.draw_ahead(r, tmp_path / "missing.ipynb", RUBRIC, charts=tmp_path / "charts",
                      lexed=tmp_path / "charts")
