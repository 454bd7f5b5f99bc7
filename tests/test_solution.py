"""The TA's solution notebook and the student notebook generated from it.

``reference/solution.ipynb`` is the source (edited in Jupyter, kept normalised by
``tools/normalise_solution.py``, see tests/test_normalise.py); the student notebook
``assignment/galaxy_classifier.ipynb`` is generated from it by ``grader.verbs.assign``. Cells
tagged ``definitions`` hold the imports and the function definitions only, so they can be
executed here without data or training.
"""
import json
import re
from pathlib import Path

import jax
import jax.numpy as jnp
import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell

from grader.verbs.assign import check_in_sync
from reference import model
from reference.data import write_course_file
from reference.synthetic import generate

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "reference" / "solution.ipynb"
STUDENT = ROOT / "assignment" / "galaxy_classifier.ipynb"
CONTRACT = ("train_images", "test_images", "train_labels", "test_labels", "net", "loss",
            "loss_grad", "fractionCorrect", "params", "accuracies", "steps", "batch_loss_grad")
DEFINED = ("net", "loss", "loss_grad", "fractionCorrect", "batch_loss_grad_loop",
           "batch_loss_grad")
STUB = "raise NotImplementedError()"


def read(path):
    return nbformat.read(str(path), as_version=4)


def tagged(nb, tag):
    return [c for c in nb.cells if tag in c.metadata.get("tags", [])]


def errors(cell):
    return [o.ename for o in cell.get("outputs", []) if o.output_type == "error"]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """A folder holding a small synthetic dataG.pkl.gz (2000 train + 300 test images)."""
    folder = tmp_path_factory.mktemp("notebook")
    write_course_file(folder / "dataG.pkl.gz", *generate(n_train=2000, n_test=300, seed=1))
    return folder


def run_notebook(nb, folder, *, timeout, allow_errors=False):
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=allow_errors,
                            resources={"metadata": {"path": str(folder)}})
    client.execute()
    return nb


def test_student_notebook_is_generated_from_solution():
    assert check_in_sync(solution=SOLUTION, student=STUDENT) == []


def test_solution_notebook_layout():
    nb = read(SOLUTION)
    assert nb.metadata.kernelspec == {"name": "python3", "display_name": "Python 3",
                                      "language": "python"}
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    contract = next(c.source for c in nb.cells if "How this notebook is graded" in c.source)
    for name in CONTRACT:
        assert f"`{name}" in contract, name
    assert "dataG.pkl.gz" in contract and "instructor gives you the file" in contract
    # answer cells: marked for students, and each holds a solution region
    answers = tagged(nb, "answer")
    assert len(answers) == 11
    for cell in answers:
        assert cell.source.startswith("# ANSWER CELL")
        assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source
    # definitions cells: the imports plus exactly the graded functions
    defs = tagged(nb, "definitions")
    assert "jax.config.update('jax_platform_name', 'cpu')" in defs[0].source
    defined = [n for c in defs for n in re.findall(r"^(\w+)\s*=|^def (\w+)", c.source, re.M)]
    assert sorted(a or b for a, b in defined) == sorted(DEFINED)
    for cell in code:   # the notebook stands alone: no harness imports, no downloads
        assert not re.search(r"\b(import|from) (reference|grader)\b|urllib|requests|wget",
                             cell.source)
    assert 'N_RECORDS = int(os.environ.get("GG_RECORDS", 100))' in "".join(c.source for c in code)
    assert "python selfcheck.py --quick galaxy_classifier.ipynb" in nb.cells[-1].source


def test_student_notebook_has_stubs_not_solutions():
    nb = read(STUDENT)
    answers = tagged(nb, "answer")
    assert len(answers) == len(tagged(read(SOLUTION), "answer"))
    for cell in answers:
        assert STUB in cell.source and "### BEGIN SOLUTION" not in cell.source
        compile(cell.source, cell.id, "exec")   # still valid Python
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    for leaked in ("jnp.tanh", "log_sigmoid", "jit(grad(loss))", "jax.lax.scan", "vmap(grad"):
        assert leaked not in text, leaked


def solution_definitions():
    """Namespace after running only the solution's ``definitions`` cells."""
    namespace = {}
    for cell in tagged(read(SOLUTION), "definitions"):
        exec(compile(cell.source, f"solution.ipynb:{cell.id}", "exec"), namespace)
    return namespace


def assert_trees_close(got, want, **tol):
    assert isinstance(got, list) and len(got) == len(want) == 4
    for g, w in zip(got, want):
        assert g.shape == w.shape
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), **tol)


def test_solution_functions_match_reference_model():
    ns = solution_definitions()
    assert "train_images" not in ns and "params" not in ns   # no data loading, no training
    kp, ki, kl = jax.random.split(jax.random.PRNGKey(7), 3)
    params = model.init_params(kp)
    images = jax.random.uniform(ki, (64, model.N_PIXELS))
    classes = jax.random.randint(kl, (64,), 0, model.N_CLASSES)
    labels = jax.nn.one_hot(classes, model.N_CLASSES)

    for x, y in zip(images[:6], labels[:6]):
        np.testing.assert_allclose(ns["net"](params, x), model.net(params, x), rtol=1e-5)
        np.testing.assert_allclose(ns["loss"](params, x, y), model.loss(params, x, y), rtol=1e-5)
        assert_trees_close(ns["loss_grad"](params, x, y), model.loss_grad(params, x, y),
                           rtol=1e-4, atol=1e-6)

    # half the labels agree with the reference's guess, so the fraction is not trivial
    guesses = jnp.argmax(model.batched_net(params, images), axis=1)
    mixed = jax.nn.one_hot(jnp.where(jnp.arange(64) % 2 == 0, guesses, classes), model.N_CLASSES)
    want = float(model.fractionCorrect(params, images, mixed))
    assert 0 < want < 1
    assert float(ns["fractionCorrect"](params, images, mixed)) == want

    batch_x, batch_y = images[:10], labels[:10]
    per_image = [model.loss_grad(params, x, y) for x, y in zip(batch_x, batch_y)]
    mean = [jnp.mean(jnp.stack(parts), axis=0) for parts in zip(*per_image)]
    for name in ("batch_loss_grad", "batch_loss_grad_loop"):
        assert_trees_close(ns[name](params, batch_x, batch_y), mean, rtol=1e-4, atol=1e-6)


REPORT = """
import json
print(json.dumps({"steps": steps, "accuracies": accuracies,
                  "shapes": [list(p.shape) for p in params],
                  "train": list(train_images.shape), "test": list(test_images.shape),
                  "mb_steps": MB_STEPS}))
"""


def test_solution_notebook_runs(data_dir, monkeypatch):
    monkeypatch.setenv("GG_RECORDS", "3")
    nb = read(SOLUTION)
    nb.cells.append(new_code_cell(REPORT))
    run_notebook(nb, data_dir, timeout=300)   # raises CellExecutionError on any error

    report = json.loads(nb.cells[-1].outputs[0].text)
    assert report["steps"] == [2000, 4000, 6000]
    assert len(report["accuracies"]) == 3
    assert all(0 <= a <= 1 for a in report["accuracies"])
    assert report["shapes"] == [[100, 4761], [100], [5, 100], [5]]
    assert report["train"] == [2000, 4761] and report["test"] == [300, 4761]
    assert report["mb_steps"] == 60                # 20 x N_RECORDS
    cells = {c.id: c for c in nb.cells}
    plot_outputs = cells["plot"].outputs
    assert any("image/png" in o.get("data", {}) for o in plot_outputs)
    assert "final test accuracy" in "".join(o.get("text", "") for o in plot_outputs)
    assert "gradients agree" in "".join(o.get("text", "") for o in cells["batch-compare"].outputs)


def test_untouched_student_notebook_stops_at_stubs(data_dir, monkeypatch):
    monkeypatch.setenv("GG_RECORDS", "1")
    nb = run_notebook(read(STUDENT), data_dir, timeout=60, allow_errors=True)
    cells = {c.id: c for c in nb.cells}
    # the given cells before the first answer work: data loads, galaxies are shown
    assert errors(cells["load"]) == [] and errors(cells["show"]) == []
    assert any("image/png" in o.get("data", {}) for o in cells["show"].outputs)
    # every answer cell whose stub runs at top level stops with NotImplementedError
    top_level = [c for c in tagged(nb, "answer") if re.search(rf"^{re.escape(STUB)}", c.source, re.M)]
    assert len(top_level) >= 6
    for cell in top_level:
        assert errors(cell) == ["NotImplementedError"], cell.id
    # the other cells fail only because something above is missing
    found = {e for c in nb.cells for e in errors(c)}
    assert found <= {"NotImplementedError", "NameError"}
