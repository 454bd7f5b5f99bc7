"""Self-check for the galaxy-classifier homework: run it before you hand in.

    python selfcheck.py [galaxy_classifier.ipynb] [--quick] [--timeout SECONDS]

It runs your notebook from top to bottom in a fresh local kernel (the data file
``dataG.pkl.gz`` must sit beside the notebook), then calls your ``net``, ``loss``,
``loss_grad``, ``fractionCorrect`` and ``batch_loss_grad`` on public inputs and
compares the results with the expected values stored in ``selfcheck_expected.npz``.
``--quick`` shortens training (so the trained accuracy is only shown, not judged).

The TA's grading runs the same kind of checks on different, private inputs and also
measures accuracy on galaxies you have not seen: passing here is a good sign, not a
guarantee. Your notebook file is never modified.

This file needs only numpy, nbformat, nbclient and ipykernel (and jax for your notebook).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
EXPECTED = HERE / "selfcheck_expected.npz"
DATA_NAME = "dataG.pkl.gz"
QUICK_RECORDS = "2"
GOAL = 0.66
GRAD_PARTS = ("W1", "b1", "W2", "b2")

# Runs inside your kernel after your last cell; results go to a file, never to your notebook.
PROBE_CELL = r'''
def __selfcheck_probe(inputs_path, out_path):
    import json as _json
    import numpy as _np
    found = globals()
    x = _np.load(inputs_path)
    p = [x["W1"], x["b1"], x["W2"], x["b2"]]
    results, errors = {}, {}

    def attempt(item, names, call):
        missing = [n for n in names if n not in found]
        if missing:
            errors[item] = f"{missing[0]} is not defined in the notebook"
            return
        try:
            value = call()
        except Exception as exc:
            text = (str(exc).strip().splitlines() or [""])[0][:200]
            if isinstance(exc, NotImplementedError):
                text = "its answer cell still holds the stub"
            errors[item] = f"raised {type(exc).__name__}" + (f": {text}" if text else "")
            return
        if isinstance(value, (list, tuple)) and not isinstance(value, _np.ndarray):
            for i, v in enumerate(value):
                results[f"{item}.{i}"] = _np.asarray(v, dtype=_np.float64)
            results[f"{item}.n"] = _np.asarray(len(value))
        else:
            results[item] = _np.asarray(value, dtype=_np.float64)

    f = found.get
    attempt("net", ["net"], lambda: [f("net")(p, v) for v in x["images"]])
    attempt("loss", ["loss"],
            lambda: [f("loss")(p, v, y) for v, y in zip(x["images"], x["labels"])])
    attempt("loss_grad", ["loss_grad"], lambda: f("loss_grad")(p, x["images"][0], x["labels"][0]))
    attempt("fractionCorrect", ["fractionCorrect"],
            lambda: f("fractionCorrect")(p, x["fc_images"], x["fc_labels"]))
    attempt("batch_loss_grad", ["batch_loss_grad"],
            lambda: f("batch_loss_grad")(p, x["batch_images"], x["batch_labels"]))
    def prep():
        out = []
        for name in ("train_images", "test_images"):
            a = _np.asarray(found[name])
            scaled = a.astype(_np.float64) * 256
            n_labels = len(found[name.replace("images", "labels")])
            off_grid = float(_np.abs(scaled - _np.round(scaled)).max())
            out.append([a.ndim, a.shape[0], a.shape[-1], n_labels,
                        float(a.min()), float(a.max()), off_grid])
        return out
    attempt("data_prep", ["train_images", "test_images", "train_labels", "test_labels"], prep)
    attempt("accuracy", ["params", "fractionCorrect", "test_images", "test_labels"],
            lambda: f("fractionCorrect")(f("params"), f("test_images"), f("test_labels")))
    attempt("param_shapes", ["params"], lambda: [_np.shape(a) for a in f("params")][:4])
    _np.savez(out_path, **results)
    with open(out_path + ".json", "w") as fh:
        _json.dump(errors, fh)

__selfcheck_probe({inputs!r}, {out!r})
del __selfcheck_probe
'''


class SelfCheckError(Exception):
    """A problem that stops the self-check before it starts (one line)."""


def run_notebook(notebook: Path, probe: str, *, timeout: float, quick: bool) -> list[str]:
    """Execute ``notebook`` plus the probe cell; return one line per cell that raised."""
    import nbformat
    from nbclient import NotebookClient
    try:
        nb = nbformat.read(str(notebook), as_version=4)
    except Exception as exc:
        raise SelfCheckError(f"{notebook}: not a readable notebook "
                             f"({type(exc).__name__})") from None
    nb.cells.append(nbformat.v4.new_code_cell(probe))
    if quick:
        os.environ["GG_RECORDS"] = QUICK_RECORDS   # the notebook reads it for N_RECORDS
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(notebook.parent)}})
    client.execute()
    raised = []
    for index, cell in enumerate(nb.cells[:-1]):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                raised.append(f"cell {index} raised {out.get('ename')}")
    return raised


def _close(got, want, tol):
    return got.shape == want.shape and bool(np.allclose(got, want, rtol=tol[0], atol=tol[1]))


def _compare(item, results, expected, tol) -> str | None:
    """None when the item matches the expected values, else the reason."""
    if item in ("loss_grad", "batch_loss_grad"):
        if results.get(f"{item}.n", np.asarray(0)).item() != 4:
            return "expected a list of 4 arrays [gW1, gb1, gW2, gb2]"
        wrong = [name for i, name in enumerate(GRAD_PARTS)
                 if not _close(results[f"{item}.{i}"], expected[f"{item}.{i}"], tol)]
        return f"wrong values or shape for g{', g'.join(wrong)}" if wrong else None
    got = results.get(item)
    if got is None and f"{item}.n" in results:
        got = np.stack([results[f"{item}.{i}"] for i in range(int(results[f"{item}.n"]))])
    want = expected[item]
    if got is None or got.shape != want.shape:
        shape = None if got is None else got.shape
        return f"result has shape {shape}, expected {want.shape}"
    if not np.allclose(got, want, rtol=tol[0], atol=tol[1]):
        worst = float(np.max(np.abs(got - want)))
        return f"values differ from the expected ones (largest difference {worst:.3g})"
    return None


def _data_prep(results) -> str | None:
    if "data_prep.n" not in results:
        return "train_images/test_images could not be inspected"
    for name, i in (("train_images", 0), ("test_images", 1)):
        ndim, n, width, n_labels, lo, hi, off = results[f"data_prep.{i}"].tolist()
        if ndim != 2 or width != 69 * 69:
            return f"{name} should have shape (N, 4761), one flattened image per row"
        if n != n_labels:
            return f"{name} has {n:g} rows but there are {n_labels:g} labels"
        if lo < 0 or hi >= 1 or off > 1e-3:
            return f"{name} values should be pixel values divided by 256 (found {lo:g}..{hi:g})"
    return None


def _accuracy(results, errors, quick) -> tuple[str, str]:
    """(mark, message) for the trained-accuracy line."""
    if "accuracy" in errors:
        return "FAIL", f"no trained accuracy: {errors['accuracy']}"
    shapes = [tuple(int(s) for s in results[f"param_shapes.{i}"])
              for i in range(int(results.get("param_shapes.n", np.asarray(0))))]
    acc = float(results["accuracy"])
    text = f"{acc:.3f} on your notebook's own test set with your fractionCorrect (goal {GOAL})"
    if shapes != [(100, 4761), (100,), (5, 100), (5,)]:
        return "FAIL", f"params shapes {shapes}, expected [(100, 4761), (100,), (5, 100), (5,)]"
    if quick:
        return "INFO", text + "; training was shortened by --quick"
    return ("PASS" if acc >= GOAL else "FAIL"), text


def report(results, errors, expected, raised, *, notebook, quick) -> tuple[list[str], bool]:
    """The printed lines and whether every required item passed."""
    tol = (float(expected["rtol"]), float(expected["atol"]))
    lines = [f"Self-check of {notebook}" + (" (quick)" if quick else "")]
    ok = True
    for item, extra in (("data_prep", False), ("net", False), ("loss", False),
                        ("loss_grad", False), ("fractionCorrect", False),
                        ("batch_loss_grad", True)):
        if item in errors:
            reason = errors[item]
        elif item == "data_prep":
            reason = _data_prep(results)
        else:
            reason = _compare(item, results, expected, tol)
        ok &= extra or reason is None
        passed = ("train_images and test_images: shape (N, 4761), pixel values / 256"
                  if item == "data_prep" else "matches the expected values on the public inputs")
        tag = " (extra credit)" if extra else ""
        lines.append(f"  [{'PASS' if reason is None else 'FAIL'}] {item:<16} "
                     f"{reason or passed}{tag}")
    mark, text = _accuracy(results, errors, quick)
    ok &= mark != "FAIL"
    lines.append(f"  [{mark}] {'trained accuracy':<16} {text}")
    lines += [f"  note: {r}" for r in raised[:8]]
    lines += ["These checks use public inputs. The TA's grading uses different, private inputs",
              "and also measures accuracy on held-back galaxies: passing here is a good sign,",
              "not a guarantee of full marks."]
    return lines, ok


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="selfcheck.py", description=__doc__.splitlines()[0])
    p.add_argument("notebook", nargs="?", default="galaxy_classifier.ipynb")
    p.add_argument("--quick", action="store_true", help="short training; accuracy not judged")
    p.add_argument("--timeout", type=float, default=600, help="seconds per cell (default 600)")
    a = p.parse_args(argv)
    notebook = Path(a.notebook).resolve()
    try:
        if not notebook.is_file():
            raise SelfCheckError(f"{a.notebook}: file not found")
        if not (notebook.parent / DATA_NAME).is_file():
            raise SelfCheckError(f"{notebook.parent / DATA_NAME}: file not found; put the "
                                 "course's data file (from your instructor) beside the notebook")
        if not EXPECTED.is_file():
            raise SelfCheckError(f"{EXPECTED}: file not found; keep this script in the "
                                 "release folder it came with")
        expected = dict(np.load(EXPECTED))
        with tempfile.TemporaryDirectory(prefix="selfcheck-") as tmp:
            out = os.path.join(tmp, "results.npz")
            probe = (PROBE_CELL.replace("{inputs!r}", repr(str(EXPECTED)))
                     .replace("{out!r}", repr(out)))
            raised = run_notebook(notebook, probe, timeout=a.timeout, quick=a.quick)
            if not os.path.exists(out):
                raise SelfCheckError(f"{a.notebook}: the kernel stopped before the checks ran")
            results = dict(np.load(out))
            with open(out + ".json") as fh:
                errors = json.load(fh)
    except SelfCheckError as exc:
        print(f"selfcheck: error: {exc}", file=sys.stderr)
        return 2
    lines, ok = report(results, errors, expected, raised, notebook=a.notebook, quick=a.quick)
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
