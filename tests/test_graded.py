"""The facade: ``grade() -> Graded`` and ``report.write(graded, out)``, which writes every
output.  A Graded is built here by hand (results as in report_cases, no kernel), so the
reports are checked from memory; the last test grades the kernel tier's batch again
from its cache."""
import json
from pathlib import Path

import pytest

from grader import report
from grader.graded import Batch, Graded, Options, grade
from grader.report import gradebooks, publish
from grader.intake.submissions import Submission
from tests import report_cases
from tests.conftest import TEST_RUBRIC, tree_hash
from tests.test_gradebooks import ROSTER

GOLDEN = Path(report_cases.__file__).parent / "fixtures" / "reports"
TIMINGS = ("setup_s", "execute_s", "score_s", "score_and_report_s", "score_and_report_cpu_s",
           "total_s",
           "reference_curves_s", "workers", "engine", "grader_peak_mb", "sandbox",
           "shared_runs")


def few():
    """Five of report_cases' results (feedback pages take a while): three graded, the
    one with odd values, carol (not graded)."""
    everyone = report_cases.golden_results()
    return everyone[:3] + everyone[-2:]


def by_hand(results=None, clock=None) -> Graded:
    results = few() if results is None else results
    return Graded(rubric=report_cases.RUBRIC, results=results,
                  submissions=tuple(Submission(r.student_id, None, None, "none")
                                    for r in results),
                  protections=report_cases.PROTECTIONS, problems=tuple(report_cases.PROBLEMS),
                  timings={k: 0 for k in TIMINGS}, clock=clock)


def roster(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER)
    return gradebooks.read_roster(path)


def top(folder: Path) -> set:
    return {p.name for p in folder.iterdir()} - {"cache", "previous"}


def test_write_writes_every_output_and_says_what(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    graded = by_hand()
    written = report.write(graded, out, roster=roster(tmp_path))
    assert {"grades.csv", "grades.json", "class_report.html", "nbgrader_grades.csv",
            "canvas_grades.csv", "integrity.html", "integrity.json", "timings.json"} \
        <= set(written.files)
    assert any(n.startswith("class_") and n.endswith(".png") for n in written.files)
    assert len([n for n in written.files if n.startswith("feedback/") and n.endswith(".md")]) \
        == len(graded.results)
    assert all(p.is_file() and p.parent.is_relative_to(out) for p in written.files.values())
    # what is in the folder is what the writers said, and the list of it
    assert top(out) == {n.split("/")[0] for n in written.files} | {publish.MANIFEST}
    assert (out / publish.MANIFEST).read_text().split() == sorted(top(out) - {publish.MANIFEST})
    assert sorted(written.gradebooks) == ["canvas_grades.csv", "nbgrader_grades.csv"]
    assert written.problems and written.archive is None
    assert not [p for p in out.iterdir() if p.name.startswith(".staging")]
    assert "error" not in json.loads((out / "integrity.json").read_text())
    assert list(json.loads((out / "timings.json").read_text())) == list(TIMINGS)


def test_the_grades_files_are_the_golden_bytes(tmp_path):
    """report.write writes grades.csv/json exactly as the reports always have."""
    report.write(by_hand(report_cases.golden_results()), tmp_path)
    for name in ("grades.csv", "grades.json"):
        assert (tmp_path / name).read_bytes() == (GOLDEN / name).read_bytes(), name


def test_timings_gain_the_reports_share_when_timed(tmp_path):
    import time
    now, cpu = time.monotonic(), time.process_time()
    report.write(by_hand(clock=(now - 5, now - 2, cpu - 1)), tmp_path)
    t = json.loads((tmp_path / "timings.json").read_text())
    assert list(t) == list(TIMINGS)
    assert t["total_s"] >= 5 and 2 <= t["score_and_report_s"] < t["total_s"]
    assert 1 <= t["score_and_report_cpu_s"] < t["score_and_report_s"]   # the grader's CPU
    assert t["grader_peak_mb"] > 0 and t["setup_s"] == 0


def test_a_second_write_archives_everything_the_first_wrote(tmp_path):
    """Whatever the first run wrote - the Canvas gradebook, every class chart - moves to
    previous/ even where the second run writes no such file."""
    out = tmp_path / "out"
    out.mkdir()
    report.write(by_hand(), out, roster=roster(tmp_path))
    first = {p.name: tree_hash(p) if p.is_dir() else p.read_bytes() for p in out.iterdir()}
    carol = [r for r in report_cases.golden_results() if r.student_id == "carol"]
    written = report.write(by_hand(carol), out)      # no roster, no chart to draw
    assert written.archive is not None and written.archive.parent == out / "previous"
    kept = {p.name: tree_hash(p) if p.is_dir() else p.read_bytes()
            for p in written.archive.iterdir()}
    assert kept == first
    assert "canvas_grades.csv" not in top(out)
    assert top(out) == {n.split("/")[0] for n in written.files} | {publish.MANIFEST}


def test_a_writer_that_fails_leaves_the_previous_run(tmp_path, monkeypatch):
    from grader.report import integrity
    out = tmp_path / "out"
    out.mkdir()
    report.write(by_hand(), out)
    before = {p.name: tree_hash(p) if p.is_dir() else p.read_bytes() for p in out.iterdir()}

    def fail(*_, **__):
        raise OSError("disk full while writing the integrity report")
    monkeypatch.setattr(integrity, "write", fail)
    with pytest.raises(OSError, match="disk full"):
        report.write(by_hand(), out)
    assert {p.name: tree_hash(p) if p.is_dir() else p.read_bytes()
            for p in out.iterdir()} == before


def test_an_output_folder_from_before_the_list_is_archived_by_name(tmp_path):
    for name in ("grades.csv", "class_time.png", "class.html", "notes.txt"):
        (tmp_path / name).write_text(name)
    report.write(by_hand(), tmp_path)
    (moved,) = (tmp_path / "previous").iterdir()
    assert sorted(p.name for p in moved.iterdir()) == ["class_time.png", "grades.csv"]
    assert (tmp_path / "notes.txt").exists() and (tmp_path / "class.html").exists()


def test_grade_from_the_cache_touches_nothing_else_and_reports_the_same(graded, easy_data,
                                                                        tmp_path, monkeypatch):
    """The kernel tier's batch graded again in memory from its bundle cache (nothing
    executed): the same grades, nothing outside the cache written, and report.write
    reproduces the CLI's grade files byte for byte."""
    import grader.run.executor as ex
    from grader import rubric
    out, ran = graded["out"], []
    monkeypatch.setattr(ex, "_safe_execute", lambda job: ran.append(job))

    def outside():
        return {p.name: tree_hash(p) if p.is_dir() else p.read_bytes() for p in out.iterdir()
                if p.name != "cache"}
    before = outside()
    batch = Batch.find(graded["subs"], rubric.load(TEST_RUBRIC))
    again = grade(batch, Options(data=easy_data, cache=out / "cache", jobs=1, progress=False))
    assert outside() == before
    assert ran == []
    assert {r.student_id: r.final for r in again.results} == \
        {sid: float(row["final"]) for sid, row in graded["rows"].items()}
    # issue 25 item 13: nothing ran now, and the timings and the console say so
    assert again.timings["notebooks_run"] == 0 and again.timings["student_cells_s"] == 0
    assert again.timings["from_cache"] == len(graded["rows"]) - again.timings["shared_runs"]
    written = report.write(again, tmp_path)
    for name in ("grades.csv", "nbgrader_grades.csv"):
        assert written.files[name].read_bytes() == (out / name).read_bytes(), name
    assert tree_hash(tmp_path / "feedback") == tree_hash(out / "feedback")


def test_the_console_and_timings_say_what_ran_now(tmp_path):
    """Issue 25 item 13: '7 graded: 6 from cache, 1 executed; 1 override applied', and
    timings.json's notebooks_run counts only the notebooks a kernel ran this time."""
    from grader.batch import execution_summary
    from grader.results import CheckResult, SubmissionResult
    from grader.run import artifacts
    from grader.verbs.grade import what_happened
    cells = [{"index": 0, "status": "ok", "seconds": 1.5}]
    artifacts.save(artifacts.Bundle(key="old", status="executed", cells=cells), tmp_path)
    assert "cached" not in json.loads((tmp_path / "old" / "bundle.json").read_text())
    assert artifacts.load(tmp_path, "old").cached                  # read, not executed now
    now = artifacts.Bundle(key="now", status="executed", cells=cells, seconds=2.0)
    bundles = {f"s{i}": artifacts.load(tmp_path, "old") for i in range(6)} | {"s6": now}

    def result(sid, override=False, status="graded"):
        note = {"override": {"points": 5, "reason": "regrade", "grader_points": 0}}
        return SubmissionResult(student_id=sid, late=None, final=5, status=status, checks=[
            CheckResult("net", 5, 5, "ok", details=note if override else {})])
    graded = Graded(rubric=report_cases.RUBRIC, bundles=bundles,
                    submissions=tuple(Submission(s, None, None, "none") for s in bundles),
                    results=[result(s, override=s == "s6") for s in bundles])
    assert what_happened(graded) == "7 graded: 6 from cache, 1 executed; 1 override applied"
    run = execution_summary(bundles.values())
    assert run["notebooks_run"] == 1 and run["from_cache"] == 6
    assert run["student_cells_s"] == 1.5 and run["notebook_s"] == 2.0      # this run's only
    # a copy of the notebook run now, a notebook that could not be run, no override
    bundles |= {"copy": now, "broken": artifacts.Bundle(key="b", status="invalid")}
    graded = Graded(rubric=report_cases.RUBRIC, bundles=bundles,
                    submissions=tuple(Submission(s, None, None, "none") for s in bundles),
                    results=[result(s, status="not graded" if s == "broken" else "graded")
                             for s in bundles])
    assert what_happened(graded) == ("8 graded, 1 not graded: 6 from cache, 1 executed, 1 "
                                     "identical to another's notebook (graded from its run)")
    assert execution_summary(bundles.values())["notebooks_run"] == 1
