"""Source shipped into the student's kernel (never imported by the grader).

Two jobs, both producing *data* for the trusted grader to verify:
- ``install_capture()``: records every matplotlib figure as data (per axes:
  each line / scatter with its point count, marker, labels and a copy of the
  points) before the inline backend closes it at the end of a cell;
- ``probe(in_path, out_path, names, nonce)``: calls the student's functions
  on grader-chosen inputs and saves what they return (``.npz`` + ``.json``).

The set-up cell runs this source in a private module ``_galaxy_grader``
whose builtins are a copy taken before any student cell ran; the probe cell
runs a fresh copy of the source with those same builtins.  So a student
who shadows or rebinds ``open``, ``print``, ``dict``, ``len`` ... (even in
``builtins``) does not break the probes, and no grader name lands in the
student's namespace.  Nothing here is trusted by the grader: whatever the
kernel writes is checked against reference answers computed outside it.
"""
import json
import signal
import sys
import types

try:    # the probe protocol's names: shipped ahead of this file into the kernel
    PARAMS  # noqa: F821
except NameError:       # imported on its own (a tool, a test)
    from grader.run.protocol import (DATA_ROWS, FINITE_DIFFERENCES, FUNCTIONS,  # noqa: F401
                                     NAMESPACE, PARAMS, PER_IMAGE, WHOLE_SET, result_key, rows_key)

_MAX_POINTS = 2000


def _snapshot(fig):
    axes = []
    for ax in fig.get_axes():
        series = []
        for line in ax.get_lines():
            x, y = line.get_xdata(orig=False), line.get_ydata(orig=False)
            marker = line.get_marker()
            series.append({"kind": "line", "n": int(len(y)), "label": str(line.get_label()),
                           "marker": None if marker in (None, "None", "", " ", ",") else str(marker),
                           "markersize": float(line.get_markersize()),
                           "linestyle": str(line.get_linestyle()), "visible": bool(line.get_visible()),
                           "x": [float(v) for v in list(x)[:_MAX_POINTS]],
                           "y": [float(v) for v in list(y)[:_MAX_POINTS]]})
        for coll in ax.collections:
            offs = coll.get_offsets()
            try:
                sizes = [float(s) for s in coll.get_sizes()[:1]]
            except Exception:
                sizes = []
            series.append({"kind": "scatter", "n": int(len(offs)), "label": str(coll.get_label()),
                           "marker": "o", "markersize": sizes[0] if sizes else 0.0,
                           "linestyle": "None", "visible": bool(coll.get_visible()),
                           "x": [float(p[0]) for p in list(offs)[:_MAX_POINTS]],
                           "y": [float(p[1]) for p in list(offs)[:_MAX_POINTS]]})
        axes.append({"title": ax.get_title(), "xlabel": ax.get_xlabel(),
                     "ylabel": ax.get_ylabel(), "n_images": len(ax.images), "series": series})
    return {"axes": axes}


def install_capture():
    """Record figures as data from the moment the student imports pyplot (an
    import hook: the kernel never pays for matplotlib it does not use)."""
    mod = sys.modules.setdefault("_galaxy_grader", types.ModuleType("_galaxy_grader"))
    mod.figures, mod.cell = {}, [-1]

    def capture_all(*_):
        plt = sys.modules.get("matplotlib.pyplot")
        if plt is None or not hasattr(plt, "get_fignums"):
            return
        for num in plt.get_fignums():
            fig = plt.figure(num)
            key = id(fig)
            try:
                snap = _snapshot(fig)
            except Exception as exc:
                snap = {"axes": [], "error": f"{type(exc).__name__}: {exc}"}
            old = mod.figures.get(key)
            snap["cell"] = old["cell"] if old else mod.cell[0]
            mod.figures[key] = snap

    def patch(plt):
        from matplotlib.figure import Figure
        orig_show, orig_close, orig_savefig = plt.show, plt.close, Figure.savefig

        def show(*a, **k):
            capture_all()
            return orig_show(*a, **k)

        def close(*a, **k):
            capture_all()
            return orig_close(*a, **k)

        def savefig(self, *a, **k):
            capture_all()
            return orig_savefig(self, *a, **k)

        plt.show, plt.close, Figure.savefig = show, close, savefig

    if "matplotlib.pyplot" in sys.modules:
        patch(sys.modules["matplotlib.pyplot"])
    else:
        sys.meta_path.insert(0, _PyplotHook(patch))
    from IPython import get_ipython
    ip = get_ipython()

    def first_in_line(*_):
        mod.cell[0] += 1
        hooks = ip.events.callbacks["post_execute"]
        if capture_all in hooks and hooks[0] is not capture_all:
            hooks.remove(capture_all)
            hooks.insert(0, capture_all)      # before the inline backend's flush

    ip.ask_exit = lambda *a, **k: None      # exit()/quit() must not stop the kernel
    ip.events.register("pre_execute", first_in_line)
    ip.events.register("post_execute", capture_all)
    mod.capture_all = capture_all


class _PyplotHook:
    """Finds ``matplotlib.pyplot`` like the normal path finder, then hands the
    freshly executed module to ``patch`` (once)."""

    def __init__(self, patch):
        self.patch = patch

    def find_spec(self, name, path=None, target=None):
        if name != "matplotlib.pyplot":
            return None
        import importlib.machinery
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        loader = getattr(spec, "loader", None)
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        run, hook = loader.exec_module, self

        def exec_module(module):
            run(module)
            if hook in sys.meta_path:
                sys.meta_path.remove(hook)
            hook.patch(module)
        loader.exec_module = exec_module
        return spec


class _Timeout(Exception):
    pass


def _guarded(seconds, fn):
    def on_alarm(*_):
        raise _Timeout(f"took longer than {seconds:.3g} s")
    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return fn()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _compiled(fn):
    """``fn`` through ``jax.jit`` (one compile instead of one per operation of an
    eager call); a function that does not trace runs as it is, so the value is
    the student's either way."""
    try:
        import jax
        jitted = jax.jit(fn)
    except Exception:
        return fn

    def run(*args):
        try:
            return jitted(*args)
        except _Timeout:
            raise
        except Exception:
            return fn(*args)
    return run


def probe(in_path, out_path, names, nonce, capture=None, seconds=20, budget=90):
    """Run ``_probe``; if it fails as a whole, leave a note of why for the grader."""
    try:
        _probe(in_path, out_path, names, nonce, capture, seconds, budget)
    except BaseException as exc:
        why = f"the probe itself failed: {type(exc).__name__}: {exc}"[:400]
        with open(out_path + ".json", "w") as fh:
            fh.write(json.dumps({"nonce": nonce, "errors": {"probe": why}, "found": {}}))
        with open(out_path + ".npz", "wb") as fh:
            fh.write(b"PK\x05\x06" + b"\0" * 18)          # an empty zip archive


def _probe(in_path, out_path, names, nonce, capture, seconds, budget):
    """Call the student's functions on the grader's inputs; save what they return.

    Each call is stopped after ``seconds``; after one call of a role timed
    out, that role's other calls are skipped; after ``budget`` seconds in all,
    every call left is skipped.  So a hanging function costs little time.
    """
    import time
    import numpy as np
    from IPython import get_ipython
    ns = get_ipython().user_ns
    with open(in_path, "rb") as fh:      # our own open: the student may have replaced theirs
        inp = dict(np.load(fh))
    out, meta = {}, {"nonce": nonce, "errors": {}, "found": {}, "figures": []}
    try:
        import jax.numpy as jnp
        conv = jnp.asarray
    except Exception:
        conv = np.asarray
    P = [conv(inp[k]) for k in PARAMS]
    end = time.monotonic() + budget
    hung = set()

    def call(key, fn):
        role = key.split("/")[0]
        if role in hung or time.monotonic() > end:
            meta["errors"][key] = ("skipped: an earlier call timed out" if role in hung
                                   else f"skipped: probes ran out of time ({budget} s)")
            return
        try:
            val = _guarded(min(seconds, max(end - time.monotonic(), 0.1)), fn)
            if isinstance(val, (list, tuple)):
                for i, v in enumerate(val[:16]):
                    out[f"{key}/{i}"] = np.asarray(v, dtype=np.float64)
                meta["found"][key] = min(len(val), 16)
            else:
                out[key] = np.asarray(val, dtype=np.float64)
                meta["found"][key] = "array"
        except _Timeout as exc:
            hung.add(role)
            meta["errors"][key] = f"stopped: {exc}"
        except BaseException as exc:  # student code may raise anything
            meta["errors"][key] = f"{type(exc).__name__}: {exc}"[:400]

    def fn(role):
        obj = ns.get(names[role])
        if obj is None:
            meta["errors"].setdefault(role, f"name {names[role]!r} is not defined")
        return _compiled(obj) if callable(obj) else obj

    _probe_data(ns, names, inp, call, meta)
    f = {r: fn(r) for r in FUNCTIONS}
    X, Y = inp["images"], inp["labels"]
    D = [inp[f"dir{k}"] for k in range(sum(1 for key in inp if key.startswith("dir")))]
    for i in range(len(X)):
        xy = {"x": conv(X[i]), "y": conv(Y[i])}
        for role, args in PER_IMAGE.items():
            if f[role] is not None:
                call(result_key(role, i), lambda: f[role](P, *[xy[a] for a in args]))
    h = float(inp["fd_step"][0])
    if f["loss"] is not None:
        for j in range(len(D) // 4):
            Dj = [D[4 * j + k] for k in range(4)]
            for sign, tag in zip((1, -1), FINITE_DIFFERENCES):
                Pj = [conv(np.asarray(p) + sign * h * d) for p, d in zip(P, Dj)]
                call(result_key(tag, j), lambda: f["loss"](Pj, conv(X[0]), conv(Y[0])))
    for role, (a, b) in WHOLE_SET.items():
        if f[role] is not None:
            call(role, lambda: f[role](P, conv(inp[a]), conv(inp[b])))
    if capture is not None and hasattr(capture, "capture_all"):
        try:
            capture.capture_all()
            meta["figures"] = list(capture.figures.values())
        except Exception as exc:
            meta["errors"]["figures"] = f"{type(exc).__name__}: {exc}"[:400]
    with open(out_path + ".npz", "wb") as fh:
        np.savez(fh, **out)
    with open(out_path + ".json", "w") as fh:
        json.dump(meta, fh)


def _probe_data(ns, names, inp, call, meta):
    import numpy as np
    for role in NAMESPACE:
        obj = ns.get(names[role])
        if obj is None:
            meta["errors"][role] = f"name {names[role]!r} is not defined"
        else:
            call(role, lambda: list(obj) if role == "params" else np.asarray(obj, dtype=float))
    for role, row_input in DATA_ROWS.items():
        obj = ns.get(names[role])
        if obj is None:
            meta["errors"][role] = f"name {names[role]!r} is not defined"
            continue
        rows = inp[row_input]
        try:
            arr = np.asarray(obj)
            meta[f"{role}_shape"] = [int(s) for s in arr.shape]
            ok = arr.ndim >= 1 and len(arr) > int(rows.max())
            call(rows_key(role), lambda: arr[rows] if ok else np.zeros(0))
        except BaseException as exc:
            meta["errors"][role] = f"{type(exc).__name__}: {exc}"[:400]
