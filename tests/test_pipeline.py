"""``pipeline.run_checks`` and ``pipeline.score`` on hand-built bundles (no kernel):
status, notes, raw total, extra credit, the late multiplier, a check that raises,
a bundle that did not execute."""
from datetime import timedelta

import numpy as np
import pytest

from grader import pipeline
from grader.probes import params_of
from grader.results import CheckResult
from grader.intake.submissions import Submission
from tests.pure_layer import bundle, context, right, rubric, rubric_with, spec

FUNCTION_CHECKS = ("data_prep", "net", "loss", "loss_grad", "fraction_correct", "extra_credit")


@pytest.fixture(scope="module")
def ctx():
    return context()


def submission(sid="ada", after_deadline=None, notes=()):
    when = None if after_deadline is None else rubric().deadline + after_deadline
    return Submission(sid, None, when, "test", tuple(notes))


CHECK_NAMES = tuple(pipeline.CHECKS)


def test_the_check_names_come_from_the_pipeline_table():
    assert tuple(c.name for c in pipeline.PIPELINE) == CHECK_NAMES == (
        "data_prep", "net", "loss", "loss_grad", "fraction_correct", "trained_accuracy",
        "plot", "extra_credit")
    assert pipeline.QUICK_CHECKS == ("data_prep", "net", "loss", "loss_grad",
                                     "fraction_correct", "extra_credit")


def test_the_pipeline_table_matches_the_light_catalog():
    """The rubric validates against grader.checks.catalog (no check code, no JAX): the
    pipeline pairs every entry with a function, in its order, and has no other check."""
    from grader.checks import catalog
    assert tuple(pipeline.FUNCTIONS) == catalog.NAMES == CHECK_NAMES
    for entry in catalog.CATALOG:
        check = pipeline.CHECKS[entry.name]
        assert (check.settings, check.quick) == (entry.settings, entry.quick)
        assert check.function is pipeline.FUNCTIONS[entry.name]
    assert catalog.QUICK == pipeline.QUICK_CHECKS


def test_a_right_bundle_scores_every_function_point_and_the_extra_credit(ctx):
    res = pipeline.score(submission(notes=["from a zip"]), bundle(notes=["kernel restarted"]),
                         ctx, rubric(), only=FUNCTION_CHECKS)
    assert [c.name for c in res.checks] == list(FUNCTION_CHECKS)
    assert all(c.passed for c in res.checks), [c.message for c in res.checks]
    assert res.score == 5 + 15 + 10 + 15 + 10 + 5          # raw total, extra credit included
    assert res.possible == 55 and res.extra == 5
    assert res.final == 60 and res.status == "graded"
    assert res.late.late is False and res.late.multiplier == 1.0
    assert res.notes == ["from a zip", "kernel restarted"]
    assert res.seconds == 1.5 and res.accuracy is None and res.history == []
    assert [c["name"] for c in res.to_dict()["checks"]] == list(FUNCTION_CHECKS)


def test_every_check_reports_and_accuracy_and_history_come_from_the_bundle(ctx):
    params = [np.asarray(p) for p in params_of(ctx.probes.inputs)]   # the probes' random net
    history = [0.1, 0.2, 0.3]
    res = pipeline.score(submission(), bundle(params=params, history=history), ctx, rubric())
    assert [c.name for c in res.checks] == list(CHECK_NAMES)
    acc = next(c for c in res.checks if c.name == "trained_accuracy")
    assert res.accuracy == acc.details["accuracy"] is not None
    assert res.history == pytest.approx(history)
    assert res.possible == sum(spec(n).points for n in CHECK_NAMES if n != "extra_credit")


@pytest.mark.parametrize("after,late", [(timedelta(hours=-1), False),
                                        (timedelta(minutes=5), False),     # within the grace
                                        (timedelta(hours=2), True),
                                        (None, False)])                    # time unknown
def test_the_late_multiplier_applies_to_the_raw_total_with_extra_credit(ctx, after, late):
    res = pipeline.score(submission(after_deadline=after), bundle(), ctx, rubric(),
                         only=FUNCTION_CHECKS)
    assert res.score == 60 and res.late.late is late
    assert res.final == (60 * 0.8 if late else 60)
    assert res.late.multiplier == (0.8 if late else 1.0)


def test_an_extension_replaces_the_deadline(ctx):
    sub = submission("late_with_extension", after_deadline=timedelta(days=2))
    res = pipeline.score(sub, bundle(), ctx, rubric(), only=FUNCTION_CHECKS)
    assert res.late.late is False and res.late.extension_applied and res.final == 60


def test_totals_are_rounded(ctx, monkeypatch):
    def third(name):
        return lambda *_: CheckResult(name, 10 / 3, 15, "", extra_credit=name == "extra_credit")
    monkeypatch.setattr(pipeline, "PIPELINE", (
        pipeline.CHECKS["net"]._replace(function=third("net")),
        pipeline.CHECKS["extra_credit"]._replace(function=third("extra_credit"))))
    res = pipeline.score(submission(after_deadline=timedelta(days=1)), bundle(), ctx, rubric())
    assert res.score == round(20 / 3, 4)
    assert res.final == round(20 / 3 * 0.8, 2)
    assert res.possible == 15 and res.extra == round(10 / 3, 4)


def test_a_check_that_raises_is_a_check_error_and_the_batch_goes_on(ctx, monkeypatch):
    def boom(*_):
        raise RuntimeError("malformed `artifact`")      # text that may be the notebook's
    checks = pipeline.CHECKS
    monkeypatch.setattr(pipeline, "PIPELINE", (checks["net"]._replace(function=boom),
                                               checks["loss"],
                                               checks["extra_credit"]._replace(function=boom)))
    res = pipeline.score(submission(), bundle(), ctx, rubric())
    net, loss, extra = res.checks
    assert net.score == 0 and net.possible == 15 and not net.extra_credit
    assert net.message == "could not check: the grader failed (RuntimeError: malformed `artifact`)"
    assert net.parts[-2] == ("student", "RuntimeError: malformed `artifact`")  # never read as code
    assert "RuntimeError: malformed `artifact`" in net.details["traceback"]
    assert loss.score == 10 and loss.passed                  # the batch goes on
    assert extra.extra_credit and extra.score == 0 and "could not check" in extra.message
    assert res.status == "check error" and res.score == 10 and res.possible == 25


def test_a_check_past_the_time_budget_stops_this_notebooks_scoring_only(ctx, monkeypatch):
    """A check that does not return (here a loop that swallows every Exception, as a
    slow read of a huge record would run) is stopped at the budget; it and the checks
    after it are not checked, with the reason; the next notebook scores normally."""
    def stuck(*_):
        while True:
            try:
                sum(range(10_000))
            except Exception:
                pass
    checks = pipeline.CHECKS
    monkeypatch.setattr(pipeline, "PIPELINE", (checks["net"], checks["loss"]._replace(
        function=stuck), checks["extra_credit"]))
    slow = pipeline.run_checks(bundle(), ctx, rubric(), seconds=0.3)
    net, loss, extra = slow
    assert net.score == 15 and loss.score == 0 and extra.score == 0
    for c in (loss, extra):
        assert c.message.startswith("not checked: scoring this notebook took over 0.3 s"), c
        assert c.details["out_of_time"]
    monkeypatch.setattr(pipeline, "PIPELINE", (checks["net"], checks["loss"]))
    assert [c.score for c in pipeline.run_checks(bundle(), ctx, rubric(), seconds=0.3)] == \
        [15, 10]
    import signal
    assert signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, None, signal.default_int_handler) \
        and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)      # nothing left armed


def test_a_malformed_probe_record_is_the_students_problem_not_a_check_error(ctx):
    b = bundle()
    b.probe["train_images_shape"] = 4761             # not a list of sizes (written by the kernel)
    res = pipeline.run_checks(b, ctx, rubric(), only=("data_prep", "net"))
    prep, net = res
    assert prep.score == 0 and "train_images" in prep.message, prep.message
    assert "traceback" not in prep.details
    assert net.score == 15


@pytest.mark.parametrize("status", ["invalid", "refused", "error"])
def test_a_bundle_that_did_not_execute_is_not_checked(ctx, status):
    b = bundle(status=status, reason="kernel died at start-up", notes=["retried once"])
    res = pipeline.score(submission(notes=["from a zip"]), b, ctx, rubric())
    assert [c.name for c in res.checks] == list(CHECK_NAMES)
    assert all(c.score == 0 and c.message == "not checked: kernel died at start-up"
               for c in res.checks)
    assert [c.name for c in res.checks if c.extra_credit] == ["extra_credit"]
    assert res.status == "not graded" and res.final == 0 and res.possible == 100
    assert res.notes == ["from a zip", "retried once", "not run: kernel died at start-up"]


def test_no_bundle_at_all_is_not_checked(ctx):
    res = pipeline.score(submission(notes=["no notebook found"]), None, ctx, rubric())
    assert all(c.message == "not checked: notebook was not run" for c in res.checks)
    assert res.status == "not graded" and res.final == 0 and res.seconds == 0.0
    assert res.notes == ["no notebook found"] and res.history == []


def test_disabled_checks_and_only_leave_checks_out(ctx):
    r = rubric_with(plot=spec("plot", enabled=False), loss=spec("loss", enabled=False))
    res = pipeline.run_checks(None, ctx, r)
    assert [c.name for c in res] == [n for n in CHECK_NAMES if n not in ("plot", "loss")]
    res = pipeline.run_checks(bundle(), ctx, r, only=("loss", "net"))
    assert [c.name for c in res] == ["net"]


def test_points_come_from_the_rubric(ctx):
    r = rubric_with(net=spec("net", points=3), extra_credit=spec("extra_credit", points=2))
    res = pipeline.score(submission(), bundle(), ctx, r, only=FUNCTION_CHECKS)
    assert res.score == 5 + 3 + 10 + 15 + 10 + 2 and res.extra == 2


def test_a_wrong_answer_costs_only_its_own_points(ctx):
    b = bundle(net=[o + 0.05 for o in right()["net"]])
    res = pipeline.score(submission(), b, ctx, rubric(), only=FUNCTION_CHECKS)
    assert {c.name: c.score for c in res.checks}["net"] == 0
    assert res.score == 60 - 15 and res.final == 45
