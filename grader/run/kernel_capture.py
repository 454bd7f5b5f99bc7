"""Figure capture, shipped into the student's kernel (never imported by the grader).

``install_capture()`` records every matplotlib figure as data (per axes: each
line / scatter with its point count, marker, labels and a copy of the points)
before the inline backend closes it at the end of a cell, and which cell it
came from.  The record is the student's (it lives in their kernel): the plot
check trusts it only as far as the grader's own observations confirm it
(checks/plot.py).  Runs with the other kernel-side sources in one private
module (see notebook.py).
"""
import sys
import types

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
