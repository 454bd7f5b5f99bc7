"""Write N realistic submissions: solution variants in different coding styles.

    python -m benchmarks.make_submissions --n 20 --out /tmp/subs20

Styles cycle through: compiled training (lax.scan), a plain Python training
loop (slow, like most students write it), a vmapped-gradient variant, a
line-only plot, a wrong gradient, a cell that raises.  Deterministic; each
student draws their own initial weights (``PRNGKey(i)``), so no two notebooks are
identical and the grader cannot share one execution between them.
"""
import argparse
from pathlib import Path

import nbformat

from tests.fixtures import make_fixtures as fx

PY_LOOP = '''X, Y = jnp.asarray(train_images), jnp.asarray(train_labels)
rng = np.random.default_rng(0)
steps, accuracies = [], []
for r in range(20):
    for i in rng.integers(0, len(X), 500):
        g = loss_grad(params, X[i], Y[i])
        params = [w - 1e-3 * gw for w, gw in zip(params, g)]
    steps.append((r + 1) * 500)
    accuracies.append(float(fractionCorrect(params, test_images, test_labels)))
print(accuracies[-1])'''

STYLES = {
    "compiled": {},
    "python_loop": {"train": PY_LOOP},
    "line_plot": fx.VARIANTS["fails_plot_line_only"],
    "wrong_grad": fx.VARIANTS["fails_gradient"],
    "raises": fx.VARIANTS["raises_mid_notebook"],
}


def build(style, student=0):
    parts = {**fx.BASE, "train": fx.COURSE_TRAIN, **STYLES[style]}
    parts["init"] = parts["init"].replace("PRNGKey(0)", f"PRNGKey({student})")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(parts[k]) for k in fx.ORDER]
    for i, c in enumerate(nb.cells):
        c["id"] = f"c{i}"
    return nb


def write(n, out):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    names = list(STYLES)
    for i in range(n):
        style = names[i % len(names)]
        nbformat.write(build(style, i), out / f"student{i:03d}_{style}.ipynb")
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    print("wrote", write(a.n, a.out))
