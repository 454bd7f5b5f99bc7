"""Figures really drawn, recorded the way the kernel records them, with the picture
the grader would receive: for the plot check's tests without a kernel."""
import base64
import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from grader.run import kernel_capture


def picture_of(rgb) -> str:
    """A base64 PNG of an (h, w, 3) uint8 array, as a notebook output holds it."""
    buf = io.BytesIO()
    Image.fromarray(np.asarray(rgb, np.uint8)).save(buf, "PNG")
    return base64.b64encode(buf.getvalue()).decode()


def drawn_figure(series, cell=1, width=1.5) -> dict:
    """Draw ``series`` (dicts with kind, x, y, marker, markersize, visible) in one
    axes; the kernel's record of it (``_snapshot`` plus ``"drawn"``) with
    ``"cell"`` and ``"picture"`` (the PNG, base64)."""
    fig = Figure(figsize=(6, 4), dpi=72)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for s in series:
        if s["kind"] == "scatter":
            ax.scatter(s["x"], s["y"], s=s["markersize"], visible=s["visible"])
        else:
            ax.plot(s["x"], s["y"], marker=s["marker"] or "None", linewidth=width,
                    markersize=s["markersize"], visible=s["visible"])
    ax.set_xlabel("step")
    canvas.draw()
    record = kernel_capture._snapshot(fig)
    record["drawn"] = kernel_capture._geometry(fig, canvas.get_renderer())
    record["cell"] = cell
    record["picture"] = picture_of(np.asarray(canvas.buffer_rgba())[..., :3])
    return record
