import pytest

from grader import rubric


def test_course_rubric_loads():
    r = rubric.load()
    assert r.check("trained_accuracy").threshold == 0.66
    assert r.late.multiplier == 0.8 and r.late.policy == "multiplier"
    assert r.deadline.utcoffset() is not None
    plot = r.check("plot")
    assert plot.values_atol == 1e-6 and plot.last_value_tolerance == 0.03


@pytest.mark.parametrize("text,fragment", [
    ("checks: {net: {points: 5}}\nbogus: 1\n", "bogus: unknown key"),
    ("checks: {net: {points: five}}\n", "checks.net.points: expected a number"),
    ("checks: {nett: {points: 5}}\n", "checks.nett: unknown check"),
    ("checks: {net: {points: 5}}\ndeadline: 'next tuesday'\n", "deadline: cannot read"),
    ("checks: {net: {points: 5}}\ndeadline: '2025-10-31 23:59:00'\n", "no time zone"),
    ("checks: {net: {points: 5}}\nlate: {policy: halve}\n", "late.policy: unknown policy"),
    ("checks: {net: {points: 5}}\nextensions: {ada: 'soon'}\n", "extensions.ada"),
    ("checks: [1, 2\n", "not valid YAML"),
    ("checks: {plot: {points: 5, threshold: 0.5}}\n", "checks.plot.threshold: unknown key"),
    ("checks: {net: {points: 5, max_gap: 0.1}}\n", "checks.net.max_gap: unknown key"),
    ("checks: {plot: {points: 5, min_points: 2.5}}\n",
     "checks.plot.min_points: expected a whole number"),
    ("checks: {trained_accuracy: {points: 5, threshold: null}}\n",
     "checks.trained_accuracy.threshold: a value is required"),
    ("checks: {plot: {points: 5, values_atol: -1, last_value_tolerance: 0.03}}\n",
     "checks.plot.values_atol: expected a number >= 0"),
    ("", "expected a mapping"),
    ("report: {pass_percent: 0}\n", "report.pass_percent: expected a percentage in (0, 100]"),
    ("report: {pass_percent: sixty}\n", "report.pass_percent: expected a number"),
    ("report: {pass_mark: 60}\n", "report.pass_mark: unknown key"),
])
def test_bad_rubrics_give_one_line_errors(tmp_path, text, fragment):
    p = tmp_path / "rubric.yaml"
    p.write_text(text)
    with pytest.raises(rubric.RubricError) as info:
        rubric.load(p)
    msg = str(info.value)
    assert "\n" not in msg and str(p) in msg and fragment in msg, msg


def test_missing_rubric(tmp_path):
    with pytest.raises(rubric.RubricError, match="file not found"):
        rubric.load(tmp_path / "none.yaml")
