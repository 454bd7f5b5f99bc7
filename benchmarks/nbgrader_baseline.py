"""nbgrader `autograde` on the same submissions, with equivalent autograded tests.

Run with a Python that has nbgrader (never a project dependency):

    python3 -m venv /tmp/nbg-venv && /tmp/nbg-venv/bin/pip install nbgrader jax jaxlib matplotlib
    /tmp/nbg-venv/bin/python -m benchmarks.nbgrader_baseline --n 20 --data dataG.pkl.gz

Builds an nbgrader course (source -> generate_assignment), fills each
student's copy with the same code as benchmarks/make_submissions.py, and
times `nbgrader autograde` over all of them.  Prints wall seconds.
"""
import argparse
import csv
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import nbformat

from benchmarks import proof
from benchmarks.make_submissions import STYLES
from tests.fixtures import make_fixtures as fx

TESTS = {
    "data_prep": (5, "assert train_images.shape[1] == 4761 and test_images.max() <= 1.0\n"
                     "assert np.allclose(train_images[0], train_images_raw[0].reshape(-1) / 256)"),
    "net": (15, "_P = [np.random.default_rng(1).normal(0, .1, s) for s in ((100, 4761), (100,), (5, 100), (5,))]\n"
                "_v = test_images[0]\n"
                "_ref = 1 / (1 + np.exp(-(_P[2] @ np.tanh(_P[0] @ _v + _P[1]) + _P[3])))\n"
                "assert np.allclose(net(_P, _v), _ref, rtol=1e-3)"),
    "loss": (10, "_y = test_labels[0]\n"
                 "assert np.isclose(loss(_P, _v, _y), np.sum(-_y*np.log(_ref) - (1-_y)*np.log(1-_ref)), rtol=1e-3)"),
    "grad": (15, "def _l(p, v, y):\n"
                 "    a = 1 / (1 + jnp.exp(-(p[2] @ jnp.tanh(p[0] @ v + p[1]) + p[3])))\n"
                 "    return jnp.sum(-y*jnp.log(a) - (1-y)*jnp.log(1-a))\n"
                 "_g = jax.grad(_l)([jnp.asarray(p, jnp.float32) for p in _P], _v, _y)\n"
                 "assert all(np.allclose(a, b, rtol=1e-3, atol=1e-5) for a, b in zip(loss_grad(_P, _v, _y), _g))"),
    "fc": (10, "_o = np.array([np.argmax(net(_P, x)) for x in test_images[:100]])\n"
               "assert np.isclose(fractionCorrect(_P, test_images[:100], test_labels[:100]), "
               "np.mean(_o == np.argmax(test_labels[:100], 1)))"),
    "accuracy": (30, "_h = jnp.tanh(test_images @ params[0].T + params[1])\n"
                     "assert np.mean(np.argmax(_h @ params[2].T + params[3], 1) == np.argmax(test_labels, 1)) >= 0.66"),
    "plot": (15, "assert len(accuracies) >= 20"),
    "extra": (5, "_b = batch_loss_grad(_P, test_images[:10], test_labels[:10])\n"
                 "_m = [np.mean([np.asarray(loss_grad(_P, x, y)[k]) for x, y in zip(test_images[:10], test_labels[:10])], 0) for k in range(4)]\n"
                 "assert all(np.allclose(a, b, rtol=1e-3, atol=1e-5) for a, b in zip(_b, _m))"),
}


def source_notebook():
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for k in fx.ORDER:
        c = nbformat.v4.new_code_cell(f"### BEGIN SOLUTION\n{fx.BASE[k]}\n### END SOLUTION")
        c.metadata["nbgrader"] = {"solution": True, "grade": False, "locked": False,
                                  "grade_id": f"sol_{k}", "schema_version": 3}
        nb.cells.append(c)
    for name, (pts, src) in TESTS.items():
        c = nbformat.v4.new_code_cell(src)
        c.metadata["nbgrader"] = {"solution": False, "grade": True, "locked": True, "points": pts,
                                  "grade_id": f"test_{name}", "schema_version": 3}
        nb.cells.append(c)
    return nb


def fill(release, style, student):
    nb = nbformat.from_dict(release)
    parts = {**fx.BASE, "train": fx.COURSE_TRAIN, **STYLES[style]}
    parts["init"] = parts["init"].replace("PRNGKey(0)", f"PRNGKey({student})")
    for c in nb.cells:
        gid = c.metadata.get("nbgrader", {}).get("grade_id", "")
        if gid.startswith("sol_"):
            c.source = parts[gid[4:]]
    return nb


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--data", required=True)
    a = ap.parse_args()
    course = Path(tempfile.mkdtemp(prefix="nbg-course-"))
    (course / "source" / "ps7").mkdir(parents=True)
    nbformat.write(source_notebook(), course / "source" / "ps7" / "ps7.ipynb")
    shutil.copy(a.data, course / "source" / "ps7" / "dataG.pkl.gz")
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\nc.CourseDirectory.db_assignments = [dict(name='ps7')]\n"
        "c.ExecutePreprocessor.timeout = 300\n")
    run = lambda *args: subprocess.run(["nbgrader", *args], cwd=course, check=True,  # noqa: E731
                                       capture_output=True)
    run("generate_assignment", "ps7", "--create", "--force")
    release = nbformat.read(course / "release" / "ps7" / "ps7.ipynb", 4)
    names = list(STYLES)
    for i in range(a.n):
        d = course / "submitted" / f"s{i:03d}" / "ps7"
        d.mkdir(parents=True)
        nbformat.write(fill(release, names[i % len(names)], i), d / "ps7.ipynb")
        shutil.copy(a.data, d / "dataG.pkl.gz")
        (d / "timestamp.txt").write_text("2025-10-30 12:00:00.000000 UTC\n")
    t = time.perf_counter()
    run("autograde", "ps7", "--create", "--force")
    wall = time.perf_counter() - t
    print(f"nbgrader autograde: {a.n} notebooks in {wall:.1f} s")
    run("export", "--to", str(course / "grades.csv"))
    scores = {}
    with open(course / "grades.csv") as fh:
        for row in csv.DictReader(fh):       # nbgrader's export: student_id, raw_score, ...
            sid = f"{row['student_id']}_{names[int(row['student_id'][1:]) % len(names)]}"
            scores[sid] = float(row["raw_score"] or 0)
            print(f"  {sid}: {row['raw_score']}/{row['max_score']}")
    shutil.rmtree(course, ignore_errors=True)
    if len(scores) != a.n:
        raise proof.NotGraded("nbgrader autograde", f"{len(scores)} grades for {a.n} notebooks")
    # every test but the accuracy goal (short training: data-dependent) passes when it ran
    proof.check_scores("nbgrader autograde", scores,
                       float(sum(p for p, _ in TESTS.values()) - TESTS["accuracy"][0]))


if __name__ == "__main__":
    main()
