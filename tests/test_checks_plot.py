"""The plot check on hand-built bundles (no kernel): every rule and its message."""
from types import SimpleNamespace

import jax
import numpy as np
import pytest

from grader.checks.history import recorded
from grader.checks.figures import shown_series
from grader.checks.plot import check_plot
from grader.checks.training import accuracy_of
from grader.pipeline import CHECKS
from grader.checks.catalog import PlotSettings
from grader.run.artifacts import Bundle
from reference import model
from tests.pictures import drawn_figure, picture_of

SPEC = PlotSettings(points=15, min_points=20, values_atol=1e-6, last_value_tolerance=0.03)
NAMES = {"history": "accuracies", "params": "params"}
N = 20


@pytest.fixture(scope="module")
def setup():
    rng = np.random.default_rng(0)
    x = rng.random((60, model.N_PIXELS)).astype(np.float32)
    y = np.eye(5, dtype=np.float32)[rng.integers(0, 5, 60)]
    params = [np.asarray(p) for p in model.init_params(jax.random.PRNGKey(0))]
    acc = accuracy_of(params, x, y)
    tx = rng.random((80, model.N_PIXELS)).astype(np.float32)
    ty = np.eye(5, dtype=np.float32)[rng.integers(0, 5, 80)]
    ctx = SimpleNamespace(probes=SimpleNamespace(test_x=x, test_y=y, train_x=tx, train_y=ty))
    history = list(np.linspace(0.1, acc, N))       # ends at the true final accuracy
    return ctx, params, acc, history


def series(ys, marker="o", size=6.0, kind="line", visible=True):
    return {"kind": kind, "n": len(ys), "label": "_child0", "marker": marker,
            "markersize": size, "linestyle": "-", "visible": visible,
            "x": [2000.0 * (i + 1) for i in range(len(ys))], "y": [float(v) for v in ys]}


def bundle(params, history, figures, cells=None):
    """A bundle whose notebook has 3 code cells; the figure is shown in cell ordinal 1
    (its picture is the one ``figure`` drew)."""
    if cells is None:
        cells = [{"index": i, "status": "ok", "seconds": 0.1, "error": "", "ordinal": i,
                  "images": 1 if i == 1 else 0} for i in range(3)]
    arrays = {f"params/{i}": p for i, p in enumerate(params)}
    if history is not None:
        arrays["history"] = np.asarray(history, dtype=np.float64)
    images = {}
    for f in figures:
        if isinstance(f, dict) and "picture" in f:
            images.setdefault(str(f["cell"]), []).append(f.pop("picture"))
    return Bundle(key="k", status="executed", cells=cells, arrays=arrays,
                  probe={"found": {"params": 4}, "figures": figures}, images=images)


def figure(*ser, cell=1, width=1.5):
    """The kernel's record of a figure really drawn with these series, and its picture."""
    return drawn_figure(list(ser), cell, width)


def run(b, setup, spec=SPEC):
    return check_plot(b, setup[0], spec, NAMES)


def test_honest_plot_gets_full_points(setup):
    _, params, acc, hist = setup
    res = run(bundle(params, hist, [figure(series(hist))]), setup)
    assert res.score == 15, res.message
    assert "20 visible data points" in res.message
    assert res.details["recomputed"] == pytest.approx(acc)


def test_honest_scatter_with_extra_lines_gets_full_points(setup):
    _, params, _, hist = setup
    goal = series([0.66, 0.66], marker=None)                 # axhline
    res = run(bundle(params, hist, [figure(goal, series(hist, kind="scatter", size=36.0))]),
              setup)
    assert res.score == 15, res.message


def test_pipeline_uses_the_plot_module():
    assert CHECKS["plot"].function is check_plot and CHECKS["plot"].settings is PlotSettings


def test_no_accuracy_plot(setup):
    _, params, _, hist = setup
    res = run(bundle(params, hist, [figure(series([5.0, 7.0, 9.0]))]), setup)
    assert res.score == 0 and "no plot of accuracy" in res.message
    res = run(bundle(params, hist, []), setup)
    assert res.score == 0 and "no plot of accuracy" in res.message


def test_injected_snapshot_without_an_image_does_not_count(setup):
    _, params, _, hist = setup
    res = run(bundle(params, hist, [figure(series(hist), cell=2)]), setup)   # cell 2: 0 images
    assert res.score == 0 and "never displayed" in res.message
    res = run(bundle(params, hist, [figure(series(hist), cell=7)]), setup)   # no such cell
    assert res.score == 0 and "never displayed" in res.message


def test_old_bundles_without_image_counts_are_not_verified(setup):
    _, params, _, hist = setup
    old = [{"index": i, "status": "ok", "seconds": 0.1, "error": ""} for i in range(3)]
    res = run(bundle(params, hist, [figure(series(hist))], cells=old), setup)
    assert res.score == 0 and "never displayed" in res.message


def test_shown_series_reads_exactly_the_ordinal_and_image_count(setup):
    _, params, _, hist = setup
    cells = [{"ordinal": 0, "images": 0}, {"ordinal": 1, "images": 2},
             {"ordinal": None, "images": 0, "status": "not run"}]

    def shown(cell, cells=cells, records=1):
        figs = [{**figure(series(hist), cell=cell), "cell": cell} for _ in range(records)]
        return bool(shown_series(bundle(params, hist, figs, cells)))
    assert shown(1) and not shown(0) and not shown(2)
    assert shown(1, records=2) and not shown(1, records=3)     # more records than images
    assert not shown(True, [{"ordinal": 1, "images": 1}])     # a bool is not a cell
    assert not shown("1") and not shown(None)
    assert not shown(1, [{"ordinal": 1, "images": "3"}])


def test_a_record_edited_to_claim_markers_over_a_bare_line_gets_nothing(setup):
    _, params, _, hist = setup
    fig = figure(series(hist, marker=None))
    for s in fig["axes"][0]["series"]:
        s["marker"], s["markersize"] = "o", 6.0
    res = run(bundle(params, hist, [fig]), setup)
    assert res.score == 0 and "does not show the curve" in res.message, res.message


def test_a_thick_line_recorded_as_a_thin_line_with_markers_gets_nothing(setup):
    _, params, _, hist = setup
    fig = figure(series(hist, marker=None), width=9.0)
    for s in fig["axes"][0]["series"]:
        s["marker"], s["markersize"] = "o", 6.0
    for s in fig["drawn"]["axes"][0]["series"]:
        s["style"]["lw"] = 1.0
    res = run(bundle(params, hist, [fig]), setup)
    assert res.score == 0 and "ring around it" in res.message, res.message


def test_a_record_planted_beside_another_picture_gets_nothing(setup):
    _, params, _, hist = setup
    for other in (picture_of(np.full((2, 2, 3), 255, np.uint8)),           # a 2x2 image
                  figure(series(list(np.linspace(0.9, 0.1, N))))["picture"]):  # another curve
        fig = figure(series(hist))
        fig["picture"] = other
        res = run(bundle(params, hist, [fig]), setup)
        assert res.score == 0 and "does not show the curve" in res.message, res.message


def test_a_record_whose_pixels_do_not_follow_its_values_gets_nothing(setup):
    _, params, _, hist = setup
    fig = figure(series(hist))
    px = fig["drawn"]["axes"][0]["series"][0]["px"]
    px[3][1] -= 12.0                   # one point claimed 12 pixels higher than its value
    res = run(bundle(params, hist, [fig]), setup)
    assert res.score == 0 and "do not follow the values" in res.message, res.message


def test_markers_of_size_zero_are_no_markers(setup):
    _, params, _, hist = setup
    res = run(bundle(params, hist, [figure(series(hist, size=0.0))]), setup)
    assert res.score == 0 and "markers of size 0" in res.message
    res = run(bundle(params, hist, [figure(series(hist, kind="scatter", size=0.0))]), setup)
    assert res.score == 0 and "markers of size 0" in res.message


def test_bare_line_keeps_the_course_advice(setup):
    _, params, _, hist = setup
    res = run(bundle(params, hist, [figure(series(hist, marker=None))]), setup)
    assert res.score == 0 and "bare line" in res.message and "data points" in res.message


def test_plotted_values_must_be_the_recorded_accuracies(setup):
    _, params, _, hist = setup
    fake = [min(v + 0.05, 1.0) for v in hist]
    res = run(bundle(params, hist, [figure(series(fake))]), setup)
    assert res.score == 0
    assert "the plotted values are not the recorded `accuracies`" in res.message
    shorter = run(bundle(params, hist, [figure(series(hist[:-1]))]), setup)
    assert shorter.score == 0 and "not the recorded" in shorter.message
    nohist = run(bundle(params, None, [figure(series(hist))]), setup)
    assert nohist.score == 15 and "the recorded accuracy series" in nohist.message  # the plot stands in


def test_within_values_atol_counts(setup):
    _, params, _, hist = setup
    res = run(bundle(params, hist, [figure(series([v + 5e-7 for v in hist]))]), setup)
    assert res.score == 15, res.message


def test_last_value_far_from_recomputed_accuracy(setup):
    _, params, acc, _ = setup
    claimed = list(np.linspace(0.3, 0.93, N))
    assert abs(claimed[-1] - acc) > 0.03
    res = run(bundle(params, claimed, [figure(series(claimed))]), setup)
    assert res.score == 0
    assert "0.930" in res.message and f"{acc:.3f}" in res.message
    assert res.details["last_recorded"] == pytest.approx(0.93)


def test_last_value_tolerance_comes_from_the_rubric(setup):
    _, params, acc, hist = setup
    off = hist[:-1] + [acc + 0.02]
    assert run(bundle(params, off, [figure(series(off))]), setup).score == 15
    strict = PlotSettings(points=15, min_points=20, values_atol=1e-6, last_value_tolerance=0.01)
    res = run(bundle(params, off, [figure(series(off))]), setup, strict)
    assert res.score == 0 and "tolerance 0.01" in res.message


def test_unusable_params_leave_the_plot_unverified(setup):
    _, params, _, hist = setup
    bad = [np.full_like(p, np.nan) for p in params]
    res = run(bundle(bad, hist, [figure(series(hist))]), setup)
    assert res.score == 0 and "cannot be checked" in res.message and "NaN" in res.message


def test_too_few_points(setup):
    _, params, acc, _ = setup
    short = [0.2, 0.3, acc]
    res = run(bundle(params, short, [figure(series(short))]), setup)
    assert res.score == 0 and "shows 3 points inside its axes; at least 20" in res.message


def test_malformed_snapshots_are_ignored(setup):
    _, params, _, hist = setup
    junk = [None, "x", {"axes": "no"}, {"axes": [{"series": [{"n": True, "y": ["a"]}]}],
                                        "cell": 0}]
    res = run(bundle(params, hist, junk + [figure(series(hist))]), setup)
    assert res.score == 15, res.message
    res = run(bundle(params, hist, junk), setup)
    assert res.score == 0 and "no plot of accuracy" in res.message


def test_tolerances_come_from_the_settings(setup):
    """The tolerances are the settings' (rubric's), their defaults visible beside the check."""
    _, params, _, hist = setup
    off = [v + 0.02 for v in hist]                   # plotted values 0.02 off the record
    res = run(bundle(params, hist, [figure(series(off))]), setup, PlotSettings(points=15))
    assert res.score == 0 and "plotted values are not the recorded" in res.message
    loose = PlotSettings(points=15, values_atol=0.05)
    assert run(bundle(params, hist, [figure(series(off))]), setup, loose).score == 15


def _with_candidates(b, **named):
    """The bundle as the probe leaves it when `accuracies` is missing: the notebook's
    other series of fractions, by name."""
    b.probe["history_candidates"] = list(named)
    for i, v in enumerate(named.values()):
        b.arrays[f"history_candidates/{i}"] = np.asarray(v, dtype=np.float64)
    return b


def test_plotted_series_stands_in_for_a_history_with_another_name(setup):
    _, params, _, hist = setup
    b = _with_candidates(bundle(params, None, [figure(series(hist))]), fracs=hist,
                         loss_values=[0.5, 0.4])
    res = run(b, setup)
    assert res.score == 15, res.message
    assert "matching the recorded `fracs`" in res.message
    found = recorded(b, NAMES)
    assert found.name == "fracs" and "plotted in code cell 2" in found.note
    assert list(found.steps) == [2000.0 * (i + 1) for i in range(N)]


def test_plotted_series_without_a_variable_is_named_as_the_plot(setup):
    _, params, _, hist = setup
    found = recorded(bundle(params, None, [figure(series(hist))]), NAMES)
    assert found.name == "" and "the series plotted in code cell 2 (20 values)" in found.note


def test_of_two_plotted_series_the_test_accuracy_is_taken(setup):
    _, params, acc, hist = setup
    train_curve = list(np.linspace(0.2, 0.99, N))
    b = bundle(params, None, [figure(series(train_curve), series(hist))])
    assert list(recorded(b, NAMES, prefer=acc).values) == pytest.approx(hist)
    assert run(b, setup).score == 15


def test_record_numbers_on_the_x_axis_are_not_steps(setup):
    _, params, _, hist = setup
    s = series(hist)
    s["x"] = [float(i) for i in range(N)]                  # plt.plot(accuracies)
    assert recorded(bundle(params, hist, [figure(s)]), NAMES).steps is None
    b = bundle(params, hist, [figure(s)])
    b.arrays["steps"] = np.arange(0, 1000 * N, 1000.0)     # the notebook's own steps
    assert list(recorded(b, NAMES).steps) == list(np.arange(0, 1000 * N, 1000.0))


def test_history_measured_on_the_training_set_is_named(setup):
    ctx, params, acc, _ = setup
    on_train = accuracy_of(params, ctx.probes.train_x, ctx.probes.train_y)
    assert abs(on_train - acc) > 0.5 / len(ctx.probes.test_y)
    hist = list(np.linspace(0.1, on_train, N))
    res = run(bundle(params, hist, [figure(series(hist))]), setup)
    assert res.score == 0 and res.details["diagnosis"] == "accuracy_on_training_set"
    assert f"training set ({on_train:.3f}" in res.message


def test_the_check_records_the_picture_it_judged(setup):
    """Issue 25 item 3: the feedback shows the student's own figure the check read."""
    _, params, _, hist = setup
    res = run(bundle(params, hist, [figure(series(hist))]), setup)
    assert res.details["figure"] == {"cell": 1, "index": 0}
    bare = run(bundle(params, hist, [figure(series(hist, marker=None))]), setup)
    assert bare.score == 0 and bare.details["figure"] == {"cell": 1, "index": 0}
    cells = [{"index": i, "status": "ok", "seconds": 0.1, "error": "", "ordinal": i,
              "images": 2 if i == 1 else 0} for i in range(3)]
    other = series(list(np.linspace(0.9, 0.2, N)))           # a loss curve, shown first
    two = run(bundle(params, hist, [figure(other), figure(series(hist))], cells), setup)
    assert two.score == 15 and two.details["figure"] == {"cell": 1, "index": 1}
    none = run(bundle(params, [0.5] * N, [figure(series(hist))]), setup)
    assert none.score == 0 and "figure" not in none.details      # no curve matched
