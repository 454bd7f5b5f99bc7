"""Self-check for the galaxy-classifier homework: run it before you hand in.

    python selfcheck.py [galaxy_classifier.ipynb] [--quick] [--timeout SECONDS]

It runs your notebook from top to bottom in a fresh local kernel (the data file
``dataG.pkl.gz`` must sit beside the notebook), then calls your ``net``, ``loss``,
``loss_grad``, ``fractionCorrect`` and ``batch_loss_grad`` on public inputs and
compares the results with the expected values stored in ``selfcheck_expected.npz``,
shows the accuracy of your trained ``params``, and checks your accuracy plot the way
the course asks for it (the figure your notebook displayed: your ``accuracies`` as
visible data points, at least as many as the course asks for, the last one agreeing
with the accuracy of your final ``params``).

``--quick`` shortens training: it sets the environment variable GG_RECORDS to 2, which
the notebook's ``N_RECORDS = int(os.environ.get("GG_RECORDS", 100))`` line reads, so a
training loop that runs ``N_RECORDS`` times records 2 accuracies (4,000 steps) instead
of 100.  The trained accuracy and the plot's number of points are then only shown, not
judged.  A loop that ignores ``N_RECORDS`` trains in full, and the self-check says so.

The TA's grading runs the same kind of checks on different, private inputs and also
measures accuracy on galaxies you have not seen: passing here is a good sign, not a
guarantee. Your notebook file is never modified.

This file needs only numpy, nbformat, nbclient and ipykernel (and jax and matplotlib for
your notebook).  It is one file of about 400 lines on purpose: it is all a student gets.
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
HISTORY = "accuracies"
PLOT_EXAMPLE = "plt.plot(steps, accuracies, 'o-')"
PLOT_DEFAULTS = {"plot_min_points": 20, "plot_values_atol": 1e-6,
                 "plot_last_value_tolerance": 0.03}     # the course's (the release stores its own)
MAX_POINTS = 2000

# Runs inside your kernel before your first cell: each time matplotlib draws a figure (to
# show it, or to save it) it notes what the figure holds and which cell drew it (counted
# from this cell, as execution counts are: IPython versions differ in when they count).
SETUP_CELL = r'''
def __selfcheck_capture():
    import itertools, sys, types
    from IPython import get_ipython
    ip = get_ipython()
    box = sys.modules.setdefault("_selfcheck", types.ModuleType("_selfcheck"))
    box.figures, box.cell, keys, base = {}, [0], itertools.count(), ip.execution_count

    def first(*_):
        box.cell[0] = ip.execution_count - base
    ip.events.register("pre_execute", first)
    try:
        from matplotlib.figure import Figure
    except ImportError:
        return

    def series(ax):
        for line in ax.get_lines():
            m, y = line.get_marker(), list(line.get_ydata(orig=False))
            yield {"marker": None if m in (None, "None", "", " ", ",") else str(m),
                   "size": float(line.get_markersize()), "visible": bool(line.get_visible()),
                   "n": len(y), "y": [float(v) for v in y[:{MAX_POINTS}]]}
        for coll in ax.collections:
            offsets, sizes = list(coll.get_offsets()), list(coll.get_sizes()[:1])
            yield {"marker": "o", "size": float(sizes[0]) if sizes else 0.0,
                   "visible": bool(coll.get_visible()), "n": len(offsets),
                   "y": [float(p[1]) for p in offsets[:{MAX_POINTS}]]}

    draw = Figure.draw

    def recording_draw(self, renderer):
        out = draw(self, renderer)
        try:
            key = self.__dict__.setdefault("_selfcheck_key", next(keys))
            box.figures[key] = {"cell": box.cell[0],
                                "series": [s for ax in self.get_axes() for s in series(ax)]}
        except Exception:
            pass
        return out
    Figure.draw = recording_draw

__selfcheck_capture()
del __selfcheck_capture
'''.replace("{MAX_POINTS}", str(MAX_POINTS))

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
                tb = exc.__traceback__
                while tb is not None and tb.tb_next is not None:
                    tb = tb.tb_next
                stub = tb.tb_frame.f_code.co_name if tb is not None else "?"
                if stub == names[0]:
                    errors[item] = (f"{stub} is still the stub: replace the "
                                    "raise NotImplementedError() in its answer cell")
                elif stub.isidentifier():
                    errors[item] = (f"raised NotImplementedError: it calls {stub}, "
                                    "which is still the stub")
                else:
                    errors[item] = ("raised NotImplementedError: an answer cell it "
                                    "depends on still holds the stub")
                return
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
    attempt("history", ["accuracies"], lambda: _np.asarray(f("accuracies"), dtype=float).ravel())
    import sys as _sys
    box = _sys.modules.get("_selfcheck")
    _np.savez(out_path, **results)
    with open(out_path + ".json", "w") as fh:
        _json.dump({"errors": errors,
                    "figures": list(box.figures.values()) if box is not None else []}, fh)

__selfcheck_probe({inputs!r}, {out!r})
del __selfcheck_probe
'''


class SelfCheckError(Exception):
    """A problem that stops the self-check before it starts (one line)."""


def _kernel_settings(folder: str) -> tuple[dict, list[str]]:
    """(kernel manager settings, kernel arguments) for a local kernel that talks over
    unix sockets in ``folder`` where it can (no TCP port is opened, so ipykernel has
    nothing to warn about), else over TCP (Windows) with ipykernel's warning about
    unencrypted TCP turned off: a student's first line is their own result."""
    where = os.path.join(folder, "k")
    if os.name == "posix" and len(where) < 90:      # a unix socket's path has a length limit
        return {"transport": "ipc", "ip": where}, []
    return {}, ["--IPKernelApp.log_level=ERROR"]


def _cell_name(number: int, source) -> str:
    """'code cell 3 (`for step in range(...`)': the grader's wording (grader/run/cells.py)."""
    text = "".join(source) if isinstance(source, list) else str(source or "")
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    line = line if len(line) <= 40 else line[:37].rstrip() + "..."
    return f"code cell {number}" + (f" (`{line}`)" if line else "")


def run_notebook(notebook: Path, probe: str, *, timeout: float,
                 quick: bool) -> tuple[list[str], dict]:
    """Execute the set-up cell, ``notebook`` and the probe cell; return one line per cell
    that raised and {cell: images it displayed}, a cell counted as execution counts are,
    from the set-up cell (the figure records count the same way)."""
    import nbformat
    from nbclient import NotebookClient
    try:
        nb = nbformat.read(str(notebook), as_version=4)
    except Exception as exc:
        raise SelfCheckError(f"{notebook}: not a readable notebook "
                             f"({type(exc).__name__})") from None
    nb.cells.insert(0, nbformat.v4.new_code_cell(SETUP_CELL))
    nb.cells.append(nbformat.v4.new_code_cell(probe))
    if quick:
        os.environ["GG_RECORDS"] = QUICK_RECORDS   # the notebook reads it for N_RECORDS
    from traitlets.config import Config
    with tempfile.TemporaryDirectory(prefix="sc-") as sockets:
        manager, arguments = _kernel_settings(sockets)
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                                config=Config({"KernelManager": manager}),
                                extra_arguments=arguments,
                                resources={"metadata": {"path": str(notebook.parent)}})
        client.execute()
    raised, images, setup = [], {}, nb.cells[0].get("execution_count") or 0
    code = [c for c in nb.cells[1:-1] if c.get("cell_type") == "code"]
    for number, cell in enumerate(code, start=1):     # numbered as Jupyter shows them
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                raised.append(f"{_cell_name(number, cell.get('source', ''))} raised "
                              f"{out.get('ename')}")
            if any(str(kind).startswith("image/") for kind in out.get("data", {})):
                count = (cell.get("execution_count") or 0) - setup
                images[count] = images.get(count, 0) + 1
    return raised, images


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
        return "INFO", text + " (not judged with --quick)"
    return ("PASS" if acc >= GOAL else "FAIL"), text


def _accuracy_series(figures, images) -> tuple[list, list]:
    """(every visible series of >= 2 values in [0, 1], those of them in a figure that was
    displayed: its cell showed at least as many images as it drew figures)."""
    drawn_in = {}
    for fig in figures:
        drawn_in[fig.get("cell")] = drawn_in.get(fig.get("cell"), 0) + 1
    found, shown = [], []
    for fig in figures:
        for s in fig.get("series", []):
            if s.get("visible") and s.get("n", 0) >= 2 and s.get("y") and \
                    all(0 <= v <= 1 for v in s["y"]):
                found.append(s)
                if images.get(fig.get("cell"), 0) >= drawn_in[fig.get("cell")]:
                    shown.append(s)
    return found, shown


def _shows_points(series) -> bool:
    return series.get("marker") is not None and series.get("size", 0) > 0


def _plot(results, errors, figures, images, settings, quick) -> tuple[str, str]:
    """(mark, message) for the accuracy plot: the course's rule, read from the figures
    your notebook drew (the TA's grading reads the picture it received as well)."""
    need, atol, tol = (settings["plot_min_points"], settings["plot_values_atol"],
                       settings["plot_last_value_tolerance"])
    found, shown = _accuracy_series(figures, images)
    if not found:
        return "FAIL", "no plot of accuracy (values between 0 and 1) against step was found"
    if not shown:
        return "FAIL", ("the accuracy plot was drawn but never displayed: show it with "
                        "plt.show() in the notebook")
    history = results.get("history")
    name = f"`{HISTORY}`"
    if history is None:
        history = np.asarray(max(shown, key=lambda s: s["n"])["y"], dtype=np.float64)
        name = f"accuracy series (no `{HISTORY}` in the notebook)"
    same = [s for s in shown if s["n"] == len(history) == len(s["y"])
            and np.allclose(s["y"], history, rtol=0.0, atol=atol)]
    if not same:
        return "FAIL", (f"the plotted values are not the recorded {name} ({len(history)} "
                        "values): plot the accuracies your training recorded")
    last = float(history[-1])
    if "accuracy" in results and "accuracy" not in errors:
        acc = float(results["accuracy"])
        if not abs(last - acc) <= tol:
            return "FAIL", (f"the last recorded accuracy {last:.3f} does not agree with the "
                            f"test accuracy {acc:.3f} of your final params (tolerance {tol:g}): "
                            "plot the accuracies of the network you trained")
    best = max(same, key=lambda s: (_shows_points(s), s["n"]))
    if not _shows_points(best):
        if best.get("marker") is not None:
            return "FAIL", (f"the accuracy curve ({best['n']} points) has markers of size 0, "
                            f"which show no points: give the markers a visible size "
                            f"(e.g. {PLOT_EXAMPLE})")
        return "FAIL", (f"the accuracy curve ({best['n']} points) is drawn as a bare line: "
                        f"plot the data points too so a reader can see there is data "
                        f"(e.g. {PLOT_EXAMPLE})")
    if best["n"] < need:
        text = f"the accuracy plot shows {best['n']} points; at least {need} expected"
        return ("INFO", text + " after full training (not judged with --quick)") if quick \
            else ("FAIL", text)
    return "PASS", (f"{best['n']} data points shown as markers, matching the recorded {name}, "
                    f"the last one your final accuracy")


def _settings(expected) -> dict:
    """The course's plot rule stored in the release (the defaults for an older release)."""
    return {k: type(v)(expected[k].item()) if k in expected else v
            for k, v in PLOT_DEFAULTS.items()}


def _not_shortened(results, quick) -> list[str]:
    history = results.get("history")
    if not quick or history is None or len(history) <= int(QUICK_RECORDS):
        return []
    return [f"--quick did not shorten training: `{HISTORY}` has {len(history)} records, "
            f"not {QUICK_RECORDS}; run the training loop N_RECORDS times (N_RECORDS reads "
            "GG_RECORDS, which --quick sets to 2)"]


def report(results, errors, expected, raised, *, notebook, quick, figures=(),
           images=None) -> tuple[list[str], bool]:
    """The printed lines and whether every required item passed.  ``figures``: what the
    notebook drew (the set-up cell's records); ``images``: {cell: images} (run_notebook)."""
    tol = (float(expected["rtol"]), float(expected["atol"]))
    lines = [f"Self-check of {notebook}" + (
        f" (quick: training shortened to {QUICK_RECORDS} records through GG_RECORDS)"
        if quick else "")]
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
    mark, text = _plot(results, errors, list(figures), images or {}, _settings(expected), quick)
    ok &= mark != "FAIL"
    lines.append(f"  [{mark}] {'plot':<16} {text}")
    lines += [f"  note: {r}" for r in _not_shortened(results, quick) + raised[:8]]
    lines += ["These checks use public inputs. The TA's grading uses different, private inputs",
              "and also measures accuracy on held-back galaxies: passing here is a good sign,",
              "not a guarantee of full marks."]
    return lines, ok


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="selfcheck.py", description=__doc__.splitlines()[0])
    p.add_argument("notebook", nargs="?", default="galaxy_classifier.ipynb")
    p.add_argument("--quick", action="store_true",
                   help=f"shorter training: sets GG_RECORDS={QUICK_RECORDS}, which the notebook's "
                        "N_RECORDS line reads; trained accuracy and the plot's length not judged")
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
            raised, images = run_notebook(notebook, probe, timeout=a.timeout, quick=a.quick)
            if not os.path.exists(out):
                raise SelfCheckError(f"{a.notebook}: the kernel stopped before the checks ran")
            results = dict(np.load(out))
            with open(out + ".json") as fh:
                found = json.load(fh)
    except SelfCheckError as exc:
        print(f"selfcheck: error: {exc}", file=sys.stderr)
        return 2
    lines, ok = report(results, found["errors"], expected, raised, notebook=a.notebook,
                       quick=a.quick, figures=found["figures"], images=images)
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
