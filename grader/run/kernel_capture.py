"""Figure capture, shipped into the student's kernel (never imported by the grader).

``install_capture()`` records every matplotlib figure as data (per axes: each
line / scatter with its point count, marker, labels and a copy of the points)
before the inline backend closes it at the end of a cell, and which cell it
came from; and, each time a figure is drawn, where its points landed in the
picture (``"drawn"``: the canvas size in pixels, each axes' box and each
series' points in pixels, and how each series is drawn).  The record is the
student's (it lives in their kernel): the plot check trusts it only as far as
the image the grader itself received confirms it (checks/picture.py).  Runs with the other kernel-side sources in one private
module (see notebook.py).
"""
import sys
import types
import weakref

_MAX_POINTS = 2000
try:    # the probe protocol's names: shipped ahead of this file into the kernel
    MAX_FIGURES  # noqa: F821
except NameError:       # imported on its own (a tool, a test)
    from grader.run.protocol import MAX_FIGURES


def _rgba(value):
    from matplotlib.colors import to_rgba
    try:
        return [round(float(v), 4) for v in to_rgba(value)]
    except (ValueError, TypeError):
        return None


def _style(line):
    """How a line is drawn, enough for the grader to draw it again."""
    return {"color": _rgba(line.get_color()), "mfc": _rgba(line.get_markerfacecolor()),
            "mec": _rgba(line.get_markeredgecolor()), "lw": float(line.get_linewidth()),
            "mew": float(line.get_markeredgewidth()), "ls": str(line.get_linestyle()),
            "alpha": line.get_alpha(), "drawstyle": str(line.get_drawstyle()),
            "markevery": line.get_markevery() if isinstance(line.get_markevery(), int) else None}


def _scatter_style(coll):
    def first(values):
        return values[0] if len(values) else None
    return {"color": _rgba(first(coll.get_facecolors())) if len(coll.get_facecolors()) else None,
            "mfc": _rgba(first(coll.get_facecolors())) if len(coll.get_facecolors()) else None,
            "mec": _rgba(first(coll.get_edgecolors())) if len(coll.get_edgecolors()) else None,
            "lw": 0.0, "mew": float(first(coll.get_linewidths()) or 0.0), "ls": "None",
            "alpha": coll.get_alpha(), "drawstyle": "default"}


def _pixels(transform, xy, height):
    pts = transform.transform(xy[:_MAX_POINTS])
    return [[round(float(x), 3), round(float(height - y), 3)] for x, y in pts]


def _geometry(fig, renderer):
    """Where the figure's series landed in the picture just drawn (pixels, from the
    top left), the axes' boxes, and the picture's size."""
    width, height = int(renderer.width), int(renderer.height)
    axes = []
    for ax in fig.get_axes():
        x0, y0, x1, y1 = (float(v) for v in ax.bbox.extents)
        series = [{"px": _pixels(line.get_transform(), line.get_xydata(), height),
                   "style": _style(line)} for line in ax.get_lines()]
        series += [{"px": _pixels(coll.get_offset_transform(), coll.get_offsets(), height),
                    "style": _scatter_style(coll)} for coll in ax.collections]
        axes.append({"box": [x0, height - y1, x1, height - y0], "series": series})
    return {"canvas": [width, height], "dpi": float(fig.dpi), "axes": axes}


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
    mod.figures, mod.cell, mod.refs, mod.retired = {}, [-1], {}, [0]

    def capture_all(*_):
        plt = sys.modules.get("matplotlib.pyplot")
        if plt is None or not hasattr(plt, "get_fignums"):
            return
        for num in plt.get_fignums():
            fig = plt.figure(num)
            key = id(fig)
            ref = mod.refs.get(key)
            if ref is not None and ref() is not fig and key in mod.figures:  # id reused
                mod.retired[0] += 1
                mod.figures[f"{key}-{mod.retired[0]}"] = mod.figures.pop(key)
            mod.refs[key] = weakref.ref(fig)
            try:
                snap = _snapshot(fig)
            except Exception as exc:
                snap = {"axes": [], "error": f"{type(exc).__name__}: {exc}"}
            old = mod.figures.pop(key, None)
            snap["cell"] = old["cell"] if old else mod.cell[0]
            if old and "drawn" in old:
                snap["drawn"] = old["drawn"]
            mod.figures[key] = snap
            while len(mod.figures) > MAX_FIGURES:
                mod.figures.pop(next(iter(mod.figures)))

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

        orig_draw = Figure.draw

        def draw(self, renderer):
            out = orig_draw(self, renderer)
            ref = mod.refs.get(id(self))
            snap = mod.figures.get(id(self)) if ref is not None and ref() is self else None
            if snap is not None and hasattr(renderer, "width"):
                try:
                    snap["drawn"] = _geometry(self, renderer)
                except Exception as exc:
                    snap["drawn"] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
            return out

        plt.show, plt.close, Figure.savefig, Figure.draw = show, close, savefig, draw

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
