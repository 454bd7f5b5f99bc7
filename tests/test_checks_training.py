"""Training checks as pure functions of a bundle (no kernel needed)."""
import jax
import numpy as np

from grader import probes
from grader.checks.context import Context
from grader.checks.training import check_trained_accuracy
from grader.checks.catalog import TrainedAccuracySettings as CheckSpec
from grader.run.artifacts import Bundle
from reference import model, train
from tests.conftest import easy_arrays
from reference.data import prepare


def _bundle(params):
    arrays = {f"params/{i}": np.asarray(p) for i, p in enumerate(params)}
    return Bundle(key="k", status="executed", probe={"found": {"params": 4}}, arrays=arrays)


def _setup():
    tr, trl, te, tel = easy_arrays(n_train=600, n_test=200, seed=3)
    tx, ty = prepare(tr, trl)
    vx, vy = prepare(te, tel)
    pset = probes.make((tx, ty, vx, vy), seed=1, n_images=2, batch_size=4)
    return tx, ty, vx, vy, pset


def test_accuracy_points_come_from_held_back_galaxies_and_test_fitting_scores_zero():
    tx, ty, vx, vy, pset = _setup()
    hidden = (tx[:200], ty[:200])                  # images the "student" never trained on
    ctx = Context.build(pset, rtol=1e-3, atol=1e-5, hidden=hidden)
    spec = CheckSpec(points=30, threshold=0.66, floor=0.4, max_gap=0.08)
    # honest: trained on part of the training set -> similar accuracy on both sets
    honest = train.train_sgd(tx[200:], ty[200:], vx, vy, seed=0, n_records=3,
                             record_every=2000, lr=1e-2)
    ok = check_trained_accuracy(_bundle(honest.params), ctx, spec, {})
    # cheat: trained on the test set, randomly relabelled so it cannot generalise
    rng = np.random.default_rng(0)
    vy_fake = np.eye(5, dtype=np.float32)[rng.integers(0, 5, len(vy))]
    ctx_cheat = Context.build(probes.make((tx, ty, vx, vy_fake), seed=1, n_images=2, batch_size=4),
                              rtol=1e-3, atol=1e-5, hidden=hidden)
    cheat = train.train_sgd(vx, vy_fake, vx, vy_fake, seed=0, n_records=6,
                            record_every=2000, lr=3e-2)
    bad = check_trained_accuracy(_bundle(cheat.params), ctx_cheat, spec, {})
    assert ok.score == 30 and "flag" not in ok.details, ok.message
    assert ok.details["accuracy"] == ok.details["hidden"] and "test set" in ok.message
    assert bad.score == 0 and bad.details["flag"], bad.message
    assert "trained on the test data" in bad.message and "held-back galaxies" in bad.message
    assert bad.details["diagnosis"] == "trained_on_test_data"


def test_any_width_earns_its_held_back_accuracy_unless_the_rubric_pins_d():
    tx, ty, vx, vy, pset = _setup()
    ctx = Context.build(pset, rtol=1e-3, atol=1e-5, hidden=(tx[:100], ty[:100]))
    for d in (10, 164):
        params = model.init_params(jax.random.PRNGKey(0), d=d)
        free = check_trained_accuracy(_bundle(params), ctx, CheckSpec(points=30, threshold=0.1), {})
        assert free.score == 30 and f"d = {d} hidden units" in free.message, free.message
        assert free.details["hidden_units"] == d
        pinned = check_trained_accuracy(_bundle(params), ctx,
                                        CheckSpec(points=30, threshold=0.1, hidden_width=100), {})
        assert pinned.score == 0 and "asks for d = 100" in pinned.message
    same = check_trained_accuracy(_bundle(model.init_params(jax.random.PRNGKey(0))), ctx,
                                  CheckSpec(points=30, threshold=0.1), {})
    assert same.score == 30 and "hidden units" not in same.message


def test_trained_accuracy_partial_credit_is_linear_between_floor_and_goal():
    tx, ty, vx, vy, pset = _setup()
    ctx = Context.build(pset, rtol=1e-3, atol=1e-5)
    params = model.init_params(jax.random.PRNGKey(0))
    res = check_trained_accuracy(_bundle(params), ctx, CheckSpec(points=30, threshold=0.66,
                                                                 floor=0.0), {})
    acc = res.details["accuracy"]       # no held-back set given: the test set
    assert acc < 0.66
    assert res.score == round(30 * acc / 0.66, 2)
    wrong = [np.asarray(p).T if i == 0 else np.asarray(p) for i, p in enumerate(params)]
    res = check_trained_accuracy(_bundle(wrong), ctx, CheckSpec(points=30, threshold=0.66), {})
    assert res.score == 0 and "transposed" in res.message


def test_each_accuracy_is_named_by_its_set_alike_in_the_message_and_the_feedback_line():
    """Issue 25 item 5: the graded figure is the held-back one, the other the notebook's
    test set; the feedback's accuracy line names the set and the number as the row does."""
    from grader.report import view
    from grader.results import SubmissionResult
    tx, ty, vx, vy, pset = _setup()
    params = model.init_params(jax.random.PRNGKey(0))
    spec = CheckSpec(points=30, threshold=0.66, floor=0.0)
    for hidden, on in (((tx[:100], ty[:100]), "the grader's held-back galaxies (never seen "
                        "by the notebook)"), (None, "the notebook's test set")):
        ctx = Context.build(pset, rtol=1e-3, atol=1e-5, hidden=hidden)
        res = check_trained_accuracy(_bundle(params), ctx, spec, {})
        acc, test = res.details["accuracy"], res.details["test"]
        graded = f"accuracy on {on} {acc:.3f}"
        assert graded in res.message, res.message
        if hidden is not None:
            assert f"on the notebook's test set {test:.3f}" in res.message, res.message
        else:
            assert "held-back" not in res.message, res.message
        fb = view.build(SubmissionResult(student_id="s", checks=[res], late=None, final=0,
                                         accuracy=acc))
        assert fb.accuracy_line.startswith(f"Accuracy on {on}, measured by the grader: "
                                           f"{acc:.3f} (threshold 0.66)"), fb.accuracy_line


def _with_grads(b, grads):
    """``b`` with the student's loss_grad on each probe image (4 arrays each)."""
    from grader.run.protocol import result_key
    for i, per_image in enumerate(grads):
        key = result_key("loss_grad", i)
        for j, g in enumerate(per_image):
            b.arrays[f"{key}/{j}"] = np.asarray(g, dtype=np.float64)
        b.probe["found"][key] = len(per_image)
    return b


def test_a_low_accuracy_after_a_failed_gradient_check_names_the_gradient():
    """Issue 25 item 2: the cause, not the symptom; the points stay what they were."""
    _, _, _, _, pset = _setup()
    ctx = Context.build(pset, rtol=1e-3, atol=1e-5)
    params = model.init_params(jax.random.PRNGKey(0))
    spec = CheckSpec(points=30, threshold=0.66, floor=0.0)
    names = {"loss_grad": "loss_grad"}
    wrong = [[2 * g if j >= 2 else g for j, g in enumerate(per)] for per in ctx.grads]
    bad = check_trained_accuracy(_with_grads(_bundle(params), wrong), ctx, spec, names)
    right = check_trained_accuracy(_with_grads(_bundle(params), ctx.grads), ctx, spec, names)
    none = check_trained_accuracy(_bundle(params), ctx, spec, names)
    assert bad.score == right.score == none.score < 30
    assert "follows from the failed gradient check: `loss_grad` is not the gradient" \
        in bad.message and "(gW2, gb2 wrong)" in bad.message, bad.message
    assert "Train longer" not in bad.message and bad.details["cause"] == "loss_grad"
    assert "diagnosis" not in bad.details                # a cause, not this check's mistake
    for other in (right, none):                          # nothing found wrong: the suspects
        assert other.message.endswith("Train longer or check the update step.")
        assert "cause" not in other.details
