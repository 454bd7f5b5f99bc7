"""grader.run.student_code: the grader's reading of the student's code (pure, no kernel)."""
import nbformat

from grader.run import student_code

NAMES = {"params": "params", "net": "net", "loss": "loss", "loss_grad": "loss_grad",
         "fraction_correct": "fractionCorrect", "batch_grad": "batch_loss_grad"}


def _nb(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# hw")] + [nbformat.v4.new_code_cell(c) for c in cells]
    return nb


def _roles(*cells):
    return {c.name: c for c in student_code.rank_params(_nb(*cells), NAMES)}


INIT = "p = Params(W1=0.1*normal(key, (d, 4761)), b1=zeros(d), W2=w2, b2=zeros(5))"
LOOP = """%%time
for step in range(2000):
    grads = loss_grad(p, x[i], y[i])
    p = Params(W1=p.W1 - eta*grads.W1, b1=p.b1, W2=p.W2, b2=p.b2)
    if step % 100 == 0:
        acc = fractionCorrect(p, tx, ty)"""


def test_the_trained_value_comes_first_and_the_gradient_is_never_a_candidate():
    r = _roles(INIT, "p0 = p\nprint(fractionCorrect(p0, tx, ty))", LOOP)
    assert r["p"].role == "trained" and r["grads"].role == "gradient"
    assert r["p0"].role == "copy" and r["p0"].copied_from == "p"
    probe, kept = student_code.read(_nb(INIT, "p0 = p", LOOP), NAMES)
    assert probe["params_order"][0] == "p" and "grads" in probe["params_never"]
    assert "grads" not in probe["params_order"]
    assert "updated by the training code in code cell 3 (`%%time`)" in kept["params"][0]["reason"]
    assert "`net`" not in kept["params"][0]["reason"] and "`fractionCorrect`" in kept["params"][0]["reason"]


def test_a_copy_kept_in_the_loop_ranks_below_the_trained_value():
    best = LOOP + "\n        if acc > best:\n            best, best_p = acc, p"
    r = _roles(INIT, best)
    assert r["best_p"].role == "kept" and r["best_p"].score < r["p"].score
    assert r["best"].role == "kept"               # a number: never network-shaped anyway


def test_values_trained_by_a_call_and_by_a_function_with_global_count_as_trained():
    r = _roles("p0 = init(key)\nacc0 = fractionCorrect(p0, tx, ty)", "trained = train(p0, 1000)",
               "def step(x, y):\n    global params\n    params = update(params, x, y)",
               "params = [W1, b1, W2, b2]")
    assert r["trained"].role == "trained" and r["params"].role == "trained"
    r = _roles("def train(p, n):\n    return p", "p = init(key)", "p_trained = train(p, 100000)",
               "key2 = split(key)")
    assert r["p_trained"].role == "trained" and r["key2"].role == "template"


def test_gradient_helpers_and_value_and_grad_are_gradients():
    r = _roles("batch_loss_grad = jit(vmap(grad(loss), in_axes=(None, 0, 0)))",
               "g = average(batch_loss_grad(p, xb, yb))\nval, gg = value_and_grad(loss)(p, x, y)",
               "delta = my_grad_fn(p, x, y)\ngs = [delta]\np = update(p, delta)")
    assert r["g"].role == "gradient" and r["gg"].role == "gradient"
    assert r["delta"].role == "gradient" and r["p"].role == "trained"
    assert student_code.batch_gradient_names(_nb(
        "bg = jit(vmap(grad(loss), in_axes=(None, 0, 0)))",
        "def minibatch_grad(p, xs, ys):\n    return mean(bg(p, xs, ys))"), NAMES) == \
        ["minibatch_grad", "bg"]


def test_code_that_does_not_parse_is_skipped_and_nothing_crashes():
    deep = "x = " + "(" * 5000 + "1" + ")" * 5000
    nested = "\n".join(" " * i + "if a:" for i in range(300)) + "\n" + " " * 300 + "p = 1"
    huge = "p = 1\n" + "#" * (student_code.MAX_CELL_CHARS + 1)
    r = _roles("def broken(:", deep, nested, huge, "%matplotlib inline\n!wget x\nq = [1, 2]")
    assert "q" in r and "p" not in r
