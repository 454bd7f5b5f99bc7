"""How long honest but slow notebooks take, cell by cell, on the course data size.

    python -m benchmarks.slow_styles [--records 50] [--styles lecture,slow] [--jobs 2]

Each style is a complete, correct solution written the slow ways real students write
it, graded by ``grader grade`` on the built-in synthetic set (17457 training and 1940
test images) with the course rubric's time limits lifted, so every cell runs to the
end.  ``--jobs 2`` grades two copies side by side, as a TA's batch does on a 2-core
machine.  It prints each style's slowest cell and total, and the grade, which shows
the work was done (an honest notebook that finished gets full marks).  The course
rubric's ``timeouts`` are chosen from these figures (docs/benchmarks.md).
"""
import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat
import yaml

from grader import cli
from tests.fixtures.make_mistakes import BASE
from tests.fixtures.make_styles import notebook

ROOT = Path(__file__).resolve().parents[1]
ON_TIME = "2025-10-30 18:00:00 America/New_York\n"

# the lecture's plain loop: one jitted gradient per Python step, list update, jitted accuracy
LECTURE_TRAIN = '''import time
X, Y = train_images, train_labels
fractionCorrect_jit = jit(fractionCorrect)
rng = np.random.default_rng(0)
steps, accuracies = [], []
t0 = time.time()
for r in range(RECORDS):
    for i in rng.integers(0, len(X), 2000):
        g = loss_grad(params, X[i], Y[i])
        params = [w - 1e-3 * gw for w, gw in zip(params, g)]
    steps.append(2000 * (r + 1))
    accuracies.append(float(fractionCorrect_jit(params, test_images, test_labels)))
print(time.time() - t0, accuracies[-1])'''

# slower still: a Python loop over the test images for the accuracy, the parameters in a
# dict updated key by key each step, nothing jitted but the gradient
SLOW_FRACTION = '''def fractionCorrect(params, images, labels):
    right = 0
    for v, y in zip(images, labels):
        right += int(jnp.argmax(net(params, v)) == jnp.argmax(y))
    return right / len(images)'''
SLOW_TRAIN = '''import time
P = {"W1": params[0], "b1": params[1], "W2": params[2], "b2": params[3]}
names = ["W1", "b1", "W2", "b2"]
rng = np.random.default_rng(0)
steps, accuracies = [], []
t0 = time.time()
for r in range(RECORDS):
    for i in rng.integers(0, len(train_images), 2000):
        g = loss_grad([P[k] for k in names], train_images[i], train_labels[i])
        for k, gk in zip(names, g):
            P[k] = P[k] - 1e-3 * gk
    params = [P[k] for k in names]
    steps.append(2000 * (r + 1))
    accuracies.append(fractionCorrect(params, test_images, test_labels))
print(time.time() - t0, accuracies[-1])'''
# the extra credit the slow way first: a Python loop over ten images per step
LOOP_BATCH = BASE["batch"] + '''

def loop_batch_grad(params, images, labels):
    gs = [loss_grad(params, v, y) for v, y in zip(images, labels)]
    return [sum(g[k] for g in gs) / len(gs) for k in range(4)]

for i in np.random.default_rng(1).integers(0, len(train_images) - 10, 2000):
    g = loop_batch_grad(params, train_images[i:i + 10], train_labels[i:i + 10])
    params = [w - 1e-3 * gw for w, gw in zip(params, g)]'''

STYLES = {
    "lecture": {"train": LECTURE_TRAIN, "batch": LOOP_BATCH},
    "slow": {"fraction": SLOW_FRACTION, "train": SLOW_TRAIN, "batch": LOOP_BATCH},
}


def style_notebook(changes, records, copy):
    cells = [changes.get(k, v).replace("RECORDS", str(records)) for k, v in BASE.items()]
    return notebook([f"# copy {copy}"] + cells)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m benchmarks.slow_styles")
    ap.add_argument("--records", type=int, default=50)
    ap.add_argument("--styles", default=",".join(STYLES))
    ap.add_argument("--jobs", type=int, default=2, help="copies graded side by side")
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="slow-styles-"))
    work.chmod(0o711)
    try:
        rub = yaml.safe_load((ROOT / "rubric.yaml").read_text())
        rub["timeouts"] = {"cell_seconds": 7200, "notebook_seconds": 14400, "startup_seconds": 120}
        (work / "rubric.yaml").write_text(yaml.safe_dump(rub))
        subs = work / "subs"
        for name in args.styles.split(","):
            for copy in range(args.jobs):
                (subs / f"{name}-{copy}").mkdir(parents=True)
                nbformat.write(style_notebook(STYLES[name], args.records, copy),
                               subs / f"{name}-{copy}" / "galaxy_classifier.ipynb")
                (subs / f"{name}-{copy}" / "timestamp.txt").write_text(ON_TIME)
        out = work / "out"
        cli.main(["grade", str(subs), "--out", str(out), "--rubric", str(work / "rubric.yaml"),
                  "-j", str(args.jobs), "--no-progress"])
        report(out)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(out):
    """Per notebook: grade, the grader's accuracy, slowest cell and all cells (seconds),
    from grades.json and the cached bundles (matched by their total seconds)."""
    students = json.loads((out / "grades.json").read_text())["students"]
    cells = {}
    for meta in (out / "cache").glob("*/bundle.json"):
        b = json.loads(meta.read_text())
        cells[b.get("seconds")] = [c.get("seconds") or 0.0 for c in b.get("cells", [])]
    print(f"{'notebook':<12} {'grade':>6} {'accuracy':>8} {'slowest cell s':>15} {'all cells s':>12}")
    for s in sorted(students, key=lambda s: s["student_id"]):
        secs = cells.get(s["seconds"], [])
        acc = "-" if s.get("accuracy") is None else f"{s['accuracy']:.3f}"
        print(f"{s['student_id']:<12} {s['final']:>6} {acc:>8} {max(secs, default=0):>15.1f} "
              f"{sum(secs):>12.1f}")


if __name__ == "__main__":
    sys.exit(main())
