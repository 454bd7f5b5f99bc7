"""End-to-end: real fixture notebooks through real kernels, exact points."""
import csv

import pytest

from grader import cli
from tests.conftest import EXPECTED, TEST_RUBRIC, tree_hash

pytestmark = pytest.mark.usefixtures("kernel")   # real kernels: the kernel tier


def test_every_fixture_gets_its_grade(graded):
    rows = graded["rows"]
    assert set(rows) == set(EXPECTED)
    for sid, want in EXPECTED.items():
        if want is not None:
            assert float(rows[sid]["final"]) == pytest.approx(want), (sid, rows[sid])


def test_identical_notebooks_are_executed_once(graded):
    """full_marks, late and late_with_extension are one notebook: one kernel, three grades."""
    assert graded["timings"]["shared_runs"] == 2
    assert graded["timings"]["notebooks_run"] == len(EXPECTED) - 2
    rows = graded["rows"]
    assert [float(rows[s]["final"]) for s in ("full_marks", "late", "late_with_extension")] \
        == [105, 84, 105]


def test_late_arithmetic(graded):
    late, ext = graded["rows"]["late"], graded["rows"]["late_with_extension"]
    assert late["late"] == "yes" and float(late["multiplier"]) == 0.8
    assert float(late["raw_total"]) == 105 and float(late["extra_credit"]) == 5
    assert ext["late"] == "no" and ext["extension_applied"] == "yes"


def test_sigmoid_typo(graded):
    r = graded["rows"]["fails_sigmoid_typo"]
    assert float(r["net"]) == 0 and float(r["loss"]) == 0 and float(r["data_prep"]) == 5
    fb = (graded["out"] / "feedback" / "fails_sigmoid_typo.md").read_text()
    assert "1/(1 + exp(-x))" in fb


def test_loss_missing_term_gets_self_consistent_gradient_credit(graded):
    r = graded["rows"]["fails_loss_missing_one_minus_y"]
    assert float(r["net"]) == 15 and float(r["loss"]) == 0
    assert float(r["loss_grad"]) == 7          # right gradient of its own (wrong) loss
    fb = (graded["out"] / "feedback" / "fails_loss_missing_one_minus_y.md").read_text()
    assert "(1 - y)" in fb


def test_transposed_w1(graded):
    r = graded["rows"]["fails_transposed_w1"]
    assert float(r["trained_accuracy"]) == 0 and float(r["net"]) == 0
    assert "transposed" in (graded["out"] / "feedback" / "fails_transposed_w1.md").read_text()


def test_hand_written_wrong_gradient(graded):
    r = graded["rows"]["fails_gradient"]
    assert float(r["loss_grad"]) == 0 and float(r["net"]) == 15 and float(r["loss"]) == 10


def test_printed_accuracy_counts_for_nothing(graded):
    r = graded["rows"]["fails_accuracy_printed_not_reached"]
    assert float(r["trained_accuracy"]) == 0


def test_line_only_plot_gets_course_advice(graded):
    fb = (graded["out"] / "feedback" / "fails_plot_line_only.md").read_text()
    assert "data points" in fb and float(graded["rows"]["fails_plot_line_only"]["plot"]) == 0


def test_submissions_untouched_and_outputs_outside(graded):
    assert tree_hash(graded["subs"]) == graded["before"]
    assert (graded["out"] / "grades.json").exists()
    assert (graded["out"] / "class_report.html").exists()


def test_rescore_uses_cache(graded, easy_data, tmp_path):
    """A rubric change re-scores from cached bundles: no kernel is started."""
    text = TEST_RUBRIC.read_text().replace("plot:            {points: 15", "plot:            {points: 20")
    rub = tmp_path / "rubric.yaml"
    rub.write_text(text)
    import grader.run.executor as ex
    calls = []
    orig = ex._safe_execute
    ex._safe_execute = lambda job: calls.append(job) or orig(job)
    try:
        cli.main(["grade", str(graded["subs"]), "--out", str(graded["out"]), "--rubric", str(rub),
                  "--data", str(easy_data), "-j", "1", "--no-progress"])
    finally:
        ex._safe_execute = orig
    assert calls == []
    rows = {r["student_id"]: r for r in csv.DictReader(open(graded["out"] / "grades.csv"))}
    assert float(rows["full_marks"]["final"]) == 110
    assert list((graded["out"] / "previous").iterdir())      # earlier results kept


def test_outputs_appear_all_at_once_and_a_run_archives_everything_the_last_wrote(
        graded, easy_data, monkeypatch):
    """A run that fails while writing reports leaves the previous results untouched
    (nothing archived, nothing half written); the next complete run archives every
    file the previous one wrote, class charts included (re-scored from the cache)."""
    from grader.report import integrity as integrity_report
    out = graded["out"]

    def ours():
        return {p.name: tree_hash(p) if p.is_dir() else p.read_bytes() for p in out.iterdir()
                if p.name not in ("cache", "previous")}
    args = ["grade", str(graded["subs"]), "--out", str(out), "--rubric", str(TEST_RUBRIC),
            "--data", str(easy_data), "-j", "1", "--no-progress"]
    before = ours()
    assert {"grades.csv", "feedback", "integrity.json", "timings.json"} <= set(before)
    assert any(n.startswith("class_") and n.endswith(".png") for n in before)
    archived = set((out / "previous").iterdir()) if (out / "previous").exists() else set()

    def fail(*_, **__):
        raise RuntimeError("disk full while writing the integrity report")
    monkeypatch.setattr(integrity_report, "write", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        cli.main(args)
    assert ours() == before
    assert set((out / "previous").iterdir()) == archived if archived else \
        not (out / "previous").exists()
    monkeypatch.undo()
    cli.main(args)
    (new,) = set((out / "previous").iterdir()) - archived
    assert sorted(p.name for p in new.iterdir()) == sorted(before)
