"""The function checks and the data-preparation check on hand-built bundles (no kernel):
every message and every partial-credit rule."""
import numpy as np
import pytest

from grader.checks import functions as fn
from grader.checks.training import check_data_prep
from grader.pipeline import CHECKS
from grader.probes import params_of
from grader.run.protocol import FINITE_DIFFERENCES, result_key
from tests.pure_layer import bundle, context, names, reference_fd, right, spec, stored


@pytest.fixture(scope="module")
def ctx():
    return context()


def run(check, b, ctx, **settings):
    name = {fn.check_net: "net", fn.check_loss: "loss", fn.check_loss_grad: "loss_grad",
            fn.check_fraction_correct: "fraction_correct", fn.check_extra_credit: "extra_credit",
            check_data_prep: "data_prep"}[check]
    res = check(b, ctx, spec(name, **settings), names())
    assert res.name == name and res.possible == spec(name, **settings).points
    assert 0 <= res.score <= res.possible
    kept = check(stored(b, ctx), ctx, spec(name, **settings), names())   # as cached: same result
    assert (kept.score, kept.message) == (res.score, res.message)
    assert kept.details.keys() == res.details.keys()
    for k, v in res.details.items():
        words = isinstance(v, str) or isinstance(v, list) and all(isinstance(x, str) for x in v)
        assert kept.details[k] == (v if words else pytest.approx(v, rel=1e-9, nan_ok=True))
    return res


def test_the_pipeline_runs_these_checks():
    checks = {name: c.function for name, c in CHECKS.items()}
    assert checks["net"] is fn.check_net and checks["loss"] is fn.check_loss
    assert checks["loss_grad"] is fn.check_loss_grad
    assert checks["fraction_correct"] is fn.check_fraction_correct
    assert checks["extra_credit"] is fn.check_extra_credit and checks["data_prep"] is check_data_prep


def test_the_probe_batch_is_one_where_wrong_answers_show(ctx):
    """Preconditions the tests below rely on (tiny data, seed 1)."""
    assert len(ctx.net) == 2 and len(ctx.probes.inputs["fc_images"]) == 10
    assert 0 < ctx.fraction_correct < 1
    fd = reference_fd()
    h = float(ctx.probes.inputs["fd_step"][0])
    slopes = [(fd[result_key("fd_plus", j)] - fd[result_key("fd_minus", j)]) / (2 * h)
              for j in range(3)]
    assert all(abs(s) > 10 * fn.FLAT_LOSS for s in slopes)   # the loss is not flat here


# ---------------------------------------------------------------- net

def test_net_right(ctx):
    res = run(fn.check_net, bundle(), ctx)
    assert res.score == 15 and res.passed
    assert res.message == "`net` matches the reference on 2 probe images"


def test_net_wrong_values_report_the_largest_difference(ctx):
    res = run(fn.check_net, bundle(net=[o + 0.05 for o in ctx.net]), ctx)
    assert res.score == 0
    assert res.details["max_abs_diff"] == pytest.approx(0.05)
    assert "differ from sigmoid(W2 tanh(W1 v + b1) + b2) by up to 0.05" in res.message
    assert "W1 is d x 4761" in res.message


def test_net_wrong_on_one_image_only_is_wrong(ctx):
    res = run(fn.check_net, bundle(net=[ctx.net[0], ctx.net[1] * 0.9]), ctx)
    assert res.score == 0 and "differ from" in res.message


def test_net_within_tolerance_is_right(ctx):
    res = run(fn.check_net, bundle(net=[o * (1 + 1e-5) for o in ctx.net]), ctx)
    assert res.score == 15, res.message


def test_net_nan_scores_zero_without_the_typo_hint(ctx):
    res = run(fn.check_net, bundle(net=[np.full(5, np.nan), ctx.net[1]]), ctx)
    assert res.score == 0
    assert "not all between 0 and 1" in res.message and "typo" not in res.message


def test_net_outside_0_1_is_not_a_sigmoid(ctx):
    res = run(fn.check_net, bundle(net=[o * 2 for o in ctx.net]), ctx)   # some exceed 1
    assert res.score == 0
    assert res.message == ("`net` outputs are not all between 0 and 1, so the output layer is "
                           "not a sigmoid.")


def test_net_with_the_lecture_typo_gets_the_hint(ctx):
    W1, b1, W2, b2 = (np.asarray(p, np.float64) for p in params_of(ctx.probes.inputs))
    z = [W2 @ np.tanh(W1 @ x + b1) + b2 for x in ctx.probes.inputs["images"]]
    typo = [(1 / (1 - np.exp(-zz))).astype(np.float32) for zz in z]     # as a float32 kernel
    res = run(fn.check_net, bundle(net=typo), ctx)
    assert res.score == 0
    assert "the lecture's typo 1/(1 - exp(-x)); the sigmoid is 1/(1 + exp(-x))" in res.message


def test_net_wrong_shape(ctx):
    res = run(fn.check_net, bundle(net=[o.reshape(5, 1) for o in ctx.net]), ctx)
    assert res.score == 0
    assert res.message == "`net` returned shape (5, 1); expected (5,) for one image"


def test_net_missing_name_reports_the_probe_error(ctx):
    res = run(fn.check_net, bundle(net=None, errors={"net": "name 'net' is not defined"}), ctx)
    assert res.score == 0
    assert res.message == "could not check `net`: name 'net' is not defined"


def test_net_that_raised_reports_its_error_text(ctx):
    err = {result_key("net", 0): "TypeError: unsupported operand type(s) for @"}
    res = run(fn.check_net, bundle(net=[None, ctx.net[1]], errors=err), ctx)
    assert res.score == 0
    assert res.message == "could not check `net`: TypeError: unsupported operand type(s) for @"


def test_net_missing_without_a_reason_uses_the_rubric_name(ctx):
    res = fn.check_net(bundle(net=None), ctx, spec("net"), names(net="forward"))
    assert res.score == 0
    assert res.message == "could not check `forward`: `forward` returned nothing the grader could read"


def test_net_points_come_from_the_spec(ctx):
    res = run(fn.check_net, bundle(), ctx, points=4)
    assert res.score == 4 and res.possible == 4


# ---------------------------------------------------------------- loss

def test_loss_right(ctx):
    res = run(fn.check_loss, bundle(), ctx)
    assert res.score == 10
    assert res.message == "`loss` matches the cross-entropy on 2 probe images"


def test_loss_of_shape_1_is_one_number(ctx):
    res = run(fn.check_loss, bundle(loss=[np.array([[v]]) for v in ctx.loss]), ctx)
    assert res.score == 10, res.message


def test_loss_missing_the_one_minus_y_term_gets_the_hint(ctx):
    Y = ctx.probes.inputs["labels"]
    first = [np.float32(np.sum(-y * np.log(a))) for y, a in zip(Y, ctx.net)]
    res = run(fn.check_loss, bundle(loss=first), ctx)
    assert res.score == 0
    assert f"(e.g. {first[0]:.5g} instead of {ctx.loss[0]:.5g})" in res.message
    assert res.message.endswith(" It looks like the (1 - y) log(1 - a) term is missing.")
    assert res.details["diagnosis"] == "loss_missing_term"


def test_loss_averaged_over_the_classes_gets_the_hint(ctx):
    res = run(fn.check_loss, bundle(loss=[v / 5 for v in ctx.loss]), ctx)
    assert res.score == 0
    assert res.message.endswith(" It is the mean over the 5 classes; the course's loss is "
                                "their sum (use jnp.sum).")
    assert res.details["diagnosis"] == "loss_mean_over_classes"


def test_net_with_a_softmax_gets_the_hint(ctx):
    z = [np.log(r / (1 - r)) for r in ctx.net]
    soft = [np.exp(v - v.max()) / np.exp(v - v.max()).sum() for v in z]
    res = run(fn.check_net, bundle(net=soft), ctx)
    assert res.score == 0
    assert res.message.endswith(" It looks like a softmax over the classes; the course network "
                                "puts a sigmoid on each output.")
    assert res.details["diagnosis"] == "softmax"


def test_loss_otherwise_wrong_has_no_hint(ctx):
    res = run(fn.check_loss, bundle(loss=[2 * v for v in ctx.loss]), ctx)
    assert res.score == 0
    assert res.message.startswith("`loss` differs from sum -y log(a) - (1 - y) log(1 - a)")
    assert "term is missing" not in res.message


def test_loss_nan_is_wrong(ctx):
    res = run(fn.check_loss, bundle(loss=[np.nan, ctx.loss[1]]), ctx)
    assert res.score == 0 and "differs" in res.message


def test_loss_not_a_scalar(ctx):
    Y = ctx.probes.inputs["labels"]
    per_class = [-y * np.log(a) - (1 - y) * np.log(1 - a) for y, a in zip(Y, ctx.net)]
    res = run(fn.check_loss, bundle(loss=per_class), ctx)
    assert res.score == 0
    assert res.message == "`loss` must return a single number per image"


def test_loss_missing(ctx):
    res = run(fn.check_loss, bundle(loss=None, errors={"loss": "name 'loss' is not defined"}), ctx)
    assert res.score == 0 and res.message == "could not check `loss`: name 'loss' is not defined"
    err = {result_key("loss", 0): "ValueError: shapes (5,) and (4,) not aligned"}
    res = run(fn.check_loss, bundle(loss=[None, ctx.loss[1]], errors=err), ctx)
    assert res.message == "could not check `loss`: ValueError: shapes (5,) and (4,) not aligned"


def test_the_error_of_a_later_probe_image_is_reported_too(ctx):
    """A function that fails on image 1 only: the student sees why (as for `net`)."""
    why = "FloatingPointError: invalid value"
    res = run(fn.check_net, bundle(net=[ctx.net[0], None], errors={result_key("net", 1): why}), ctx)
    assert res.message == f"could not check `net`: {why}"
    res = run(fn.check_loss, bundle(loss=[ctx.loss[0], None], errors={result_key("loss", 1): why}),
              ctx)
    assert res.score == 0 and res.message == f"could not check `loss`: {why}"
    b = bundle(loss_grad=[ctx.grads[0], None], errors={result_key("loss_grad", 1): why})
    res = run(fn.check_loss_grad, b, ctx)
    assert res.score == 0 and res.message == f"could not check `loss_grad`: {why}"


# ---------------------------------------------------------------- loss_grad

def scaled(grads, k):
    return [[k * g for g in per_image] for per_image in grads]


def scaled_fd(k):
    return {key: k * v for key, v in reference_fd().items()}


def test_loss_grad_exact(ctx):
    res = run(fn.check_loss_grad, bundle(), ctx)
    assert res.score == 15
    assert res.message == "`loss_grad` equals the gradient of the reference loss"


def test_loss_grad_of_the_students_own_loss_gets_the_self_consistent_points(ctx):
    # the student's loss is twice the cross-entropy, and their gradient is its gradient
    b = bundle(loss=[2 * v for v in ctx.loss], loss_grad=scaled(ctx.grads, 2), fd=scaled_fd(2))
    res = run(fn.check_loss_grad, b, ctx)
    assert res.score == 7 and not res.passed
    assert "gradient of your own `loss` (finite differences agree): partial credit" in res.message
    assert res.details["directional"] == pytest.approx(res.details["finite_differences"], rel=2e-2)


def test_self_consistent_points_never_exceed_the_checks_points(ctx):
    b = bundle(loss_grad=scaled(ctx.grads, 2), fd=scaled_fd(2))
    assert run(fn.check_loss_grad, b, ctx, points=5, self_consistent_points=7).score == 5
    assert run(fn.check_loss_grad, b, ctx, self_consistent_points=0).score == 0


def test_loss_grad_neither_reference_nor_own_loss(ctx):
    b = bundle(loss_grad=scaled(ctx.grads, 2))          # the loss itself is the right one
    res = run(fn.check_loss_grad, b, ctx)
    assert res.score == 0
    assert res.message == ("`loss_grad` is neither the reference gradient nor the gradient of "
                           "your `loss` (finite differences disagree); use jax.grad(loss). "
                           "Wrong: gW1, gb1, gW2, gb2 (every part); the gradient's parts follow "
                           "params = [W1, b1, W2, b2].")
    assert "reason" not in res.details


@pytest.mark.parametrize("wrong", [[1], [0, 3], [2]])
def test_loss_grad_names_the_parts_that_are_wrong(ctx, wrong):
    """Issue 25 item 2: which of gW1, gb1, gW2, gb2 differ, as the self-check says."""
    grads = [[2 * g if i in wrong else g for i, g in enumerate(per_image)]
             for per_image in ctx.grads]
    res = run(fn.check_loss_grad, bundle(loss_grad=grads), ctx)
    assert not res.passed
    named = [fn.GRAD_PARTS[i] for i in wrong]
    right = [p for p in fn.GRAD_PARTS if p not in named]
    assert res.details["wrong_parts"] == named
    assert f"Wrong: {', '.join(named)} ({', '.join(right)} right)" in res.message


def test_a_constant_loss_earns_no_self_consistent_credit(ctx):
    # loss returns 0 whatever the parameters, loss_grad returns zeros: trivially "consistent"
    zeros = [[np.zeros_like(g) for g in per_image] for per_image in ctx.grads]
    fd = {key: 0.0 for key in reference_fd()}
    res = run(fn.check_loss_grad, bundle(loss=[0.0, 0.0], loss_grad=zeros, fd=fd), ctx)
    assert res.score == 0
    assert res.details["reason"] == "the loss does not change with the parameters"
    assert "your `loss` does not change with the parameters" in res.message
    # a loss that moves by less than FLAT_LOSS per unit step counts as constant too
    h = float(ctx.probes.inputs["fd_step"][0])
    tiny = {key: 1.0 + (0.5 * fn.FLAT_LOSS * h if key.startswith(FINITE_DIFFERENCES[0]) else 0.0)
            for key in reference_fd()}
    res = run(fn.check_loss_grad, bundle(loss_grad=zeros, fd=tiny), ctx)
    assert res.score == 0 and "does not change" in res.message


def test_loss_grad_without_finite_differences_gets_no_partial_credit(ctx):
    res = run(fn.check_loss_grad, bundle(loss_grad=scaled(ctx.grads, 2), fd={}), ctx)
    assert res.score == 0 and res.details["reason"] == "finite differences unavailable"
    assert "neither the reference gradient" in res.message


def test_loss_grad_with_the_wrong_number_or_shapes_of_arrays(ctx):
    three = [g[:3] for g in ctx.grads]
    res = run(fn.check_loss_grad, bundle(loss_grad=three), ctx)
    assert res.score == 0 and res.details["reason"] == "finite differences unavailable"
    transposed = [[g[0].T, *g[1:]] for g in ctx.grads]
    res = run(fn.check_loss_grad, bundle(loss_grad=transposed), ctx)
    assert res.score == 0
    assert res.details["reason"] == "gradient shapes do not match the parameters"


def test_loss_grad_with_column_vector_biases_is_not_self_consistent(ctx):
    """The right numbers with b1, b2 as (d, 1) and (5, 1) columns (a hand-written gradient):
    not what jax.grad(loss) returns, and p - lr * g would broadcast b1 to (d, d).  Its
    directional derivatives equal the loss's, but it is not the gradient of the student's
    loss, so no self-consistent credit (and no claim that the loss is wrong)."""
    columns = [[g[0], g[1].reshape(-1, 1), g[2], g[3].reshape(-1, 1)] for g in ctx.grads]
    res = run(fn.check_loss_grad, bundle(loss_grad=columns), ctx)
    assert res.score == 0, res.message
    assert res.details["reason"] == "gradient shapes do not match the parameters"


def test_loss_grad_nan_gets_nothing(ctx):
    nan = [[np.full_like(g, np.nan) for g in per_image] for per_image in ctx.grads]
    res = run(fn.check_loss_grad, bundle(loss_grad=nan), ctx)
    assert res.score == 0 and "neither" in res.message


def test_loss_grad_missing(ctx):
    res = run(fn.check_loss_grad, bundle(loss_grad=None), ctx)
    assert res.score == 0
    assert res.message == ("could not check `loss_grad`: `loss_grad` returned nothing the "
                           "grader could read")
    err = {result_key("loss_grad", 0): "TypeError: grad requires real-valued outputs"}
    res = run(fn.check_loss_grad, bundle(loss_grad=None, errors=err), ctx)
    assert res.message == "could not check `loss_grad`: TypeError: grad requires real-valued outputs"


# ---------------------------------------------------------------- fractionCorrect

def test_fraction_correct_right_within_half_an_image(ctx):
    for off in (0.0, 0.04, -0.04):                         # n = 10: half an image is 0.05
        res = run(fn.check_fraction_correct, bundle(fraction_correct=ctx.fraction_correct + off), ctx)
        assert res.score == 10, res.message
    assert res.message == "`fractionCorrect` is right on a batch of 10 images"


def test_fraction_correct_wrong(ctx):
    got = ctx.fraction_correct + 0.1                       # one image off
    res = run(fn.check_fraction_correct, bundle(fraction_correct=got), ctx)
    assert res.score == 0
    assert res.message == (f"`fractionCorrect` gave {got:.4g} on a batch where the right value "
                           f"is {ctx.fraction_correct:.4g}.")


def test_fraction_correct_as_a_percentage_gets_the_hint(ctx):
    res = run(fn.check_fraction_correct, bundle(fraction_correct=100 * ctx.fraction_correct), ctx)
    assert res.score == 0
    assert res.message.endswith(" It looks like a percentage; return a fraction.")
    assert res.details["diagnosis"] == "percentage"


def test_fraction_correct_one_value_per_image_counts_with_a_note(ctx):
    n = len(ctx.probes.inputs["fc_images"])
    per_image = np.zeros(n)
    per_image[:round(n * ctx.fraction_correct)] = 1.0    # its mean is the right fraction
    res = run(fn.check_fraction_correct, bundle(fraction_correct=per_image), ctx)
    assert res.score == res.possible, res.message
    assert "one right/wrong value per image; the grader took their mean" in res.message
    wrong = np.zeros(n)                                   # every image wrong: mean 0
    res = run(fn.check_fraction_correct, bundle(fraction_correct=wrong), ctx)
    assert res.score == 0 and "gave 0 on a batch" in res.message


def test_fraction_correct_of_another_shape_is_not_a_fraction(ctx):
    res = run(fn.check_fraction_correct, bundle(fraction_correct=np.ones((2, 3))), ctx)
    assert res.score == 0
    assert res.message == ("`fractionCorrect` must return one number (a fraction), or one "
                           "right/wrong value per image; it returned shape (2, 3)")


def test_fraction_correct_missing(ctx):
    err = {"fraction_correct": "NameError: name 'vmap' is not defined"}
    res = run(fn.check_fraction_correct, bundle(fraction_correct=None, errors=err), ctx)
    assert res.score == 0
    assert res.message == "could not check `fractionCorrect`: NameError: name 'vmap' is not defined"


# ---------------------------------------------------------------- extra credit (batch gradient)

def test_extra_credit_right(ctx):
    res = run(fn.check_extra_credit, bundle(), ctx)
    assert res.score == 5 and res.extra_credit
    assert res.message == "the mini-batch gradient equals the mean of per-image gradients"


def test_extra_credit_sum_instead_of_mean(ctx):
    n = len(ctx.probes.inputs["batch_images"])
    res = run(fn.check_extra_credit, bundle(batch_grad=[n * g for g in ctx.batch_grad]), ctx)
    assert res.score == 0 and res.extra_credit
    assert "is not the mean of the per-image gradients" in res.message


def test_extra_credit_wrong_structure(ctx):
    res = run(fn.check_extra_credit, bundle(batch_grad=ctx.batch_grad[:3]), ctx)
    assert res.score == 0 and "not the mean" in res.message
    one = bundle(batch_grad=None)
    one.arrays["batch_grad"], one.probe["found"]["batch_grad"] = np.zeros(3), "array"
    res = run(fn.check_extra_credit, one, ctx)
    assert res.score == 0 and res.message.startswith("no mini-batch gradient")


def test_extra_credit_missing(ctx):
    res = run(fn.check_extra_credit, bundle(batch_grad=None), ctx)
    assert res.score == 0 and res.extra_credit
    assert res.message == "no mini-batch gradient `batch_loss_grad` found"
    err = {"batch_grad": "name 'batch_loss_grad' is not defined"}
    res = run(fn.check_extra_credit, bundle(batch_grad=None, errors=err), ctx)
    assert res.message == ("no mini-batch gradient `batch_loss_grad` found "
                           "(name 'batch_loss_grad' is not defined)")


# ---------------------------------------------------------------- data preparation

def data(**changed):
    return {**right()["data"], **changed}


def test_data_prep_right(ctx):
    res = run(check_data_prep, bundle(), ctx)
    assert res.score == 5
    assert res.message == "images flattened to 4761-vectors and divided by 256; labels one-hot"


def test_data_prep_divided_by_255(ctx):
    shape, rows = right()["data"]["train_images"]
    res = run(check_data_prep, bundle(data=data(train_images=(shape, rows * 256 / 255))), ctx)
    assert res.score == 0
    assert res.message == ("`train_images` rows do not match the data file. The images look "
                           "divided by 255; the course divides by 256.")
    assert res.details == {"diagnosis": "divided_by_255"}


def test_data_prep_not_divided(ctx):
    shape, rows = right()["data"]["test_images"]
    res = run(check_data_prep, bundle(data=data(test_images=(shape, rows * 256))), ctx)
    assert res.score == 0
    assert res.message == ("`test_images` rows do not match the data file. The images look not "
                           "divided by 256 at all.")
    assert res.details == {"diagnosis": "not_scaled"}


def test_data_prep_other_rows(ctx):
    shape, rows = right()["data"]["train_images"]
    res = run(check_data_prep, bundle(data=data(train_images=(shape, rows[::-1]))), ctx)
    assert res.score == 0
    assert res.message == "`train_images` rows do not match the data file"
    assert "diagnosis" not in res.details


def test_data_prep_wrong_shapes(ctx):
    shape, rows = right()["data"]["train_images"]
    unflat = ([shape[0], 69, 69, 1], rows.reshape(-1, 69, 69, 1))
    (n, _), labels = right()["data"]["test_labels"]
    ints = ([n], labels.argmax(axis=1))
    res = run(check_data_prep, bundle(data=data(train_images=unflat, test_labels=ints)), ctx)
    assert res.score == 0
    assert res.message == ("`train_images` has shape (40, 69, 69, 1), expected (N, 4761); "
                           "`test_labels` has shape (10,), expected (N, 5). The labels look like "
                           "class numbers; the course keeps them one-hot, as in the data file.")
    assert res.details == {"diagnosis": "labels_not_one_hot"}


def test_data_prep_missing(ctx):
    d = data()
    del d["test_labels"]
    res = check_data_prep(bundle(data=d), ctx, spec("data_prep"), names(test_labels="y_test"))
    assert res.score == 0 and res.message == "`y_test` not found"


# ---------------------------------------------------------------- what the notebook wrote (issue 25 item 4)

def test_a_probe_error_is_the_notebooks_text_in_the_message_parts(ctx):
    from grader.message import CODE, STUDENT, TEXT
    err = {result_key("net", 0): "TypeError: `x` <b>"}
    res = run(fn.check_net, bundle(net=[None, ctx.net[1]], errors=err), ctx)
    assert res.parts == ((TEXT, "could not check "), (CODE, "net"), (TEXT, ": "),
                         (STUDENT, "TypeError: `x` <b>"))


def test_a_name_the_kernel_handed_over_is_code_from_the_notebook(ctx):
    from grader.message import CODE, STUDENT
    b = bundle()
    b.probe["batch_grad_name"] = "grad`s"
    res = fn.check_extra_credit(b, ctx, spec("extra_credit"), names())
    assert (CODE, "grad`s") in res.parts and (CODE, names()["batch_grad"]) in res.parts
    assert "``grad`s``" in res.message
    missing = bundle(batch_grad=None, errors={"batch_grad": "`x` failed"})
    res = fn.check_extra_credit(missing, ctx, spec("extra_credit"), names())
    assert res.parts[-2:] == ((STUDENT, "`x` failed"), ("text", ")"))
