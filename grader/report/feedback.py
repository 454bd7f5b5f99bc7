"""Per-student feedback: ``feedback/<id>.md``, ``.html`` (self-contained) and ``.png``.

Both pages render one ``view.Feedback`` through the templates in ``templates/``:
HTML with Jinja autoescaping, Markdown with every value passed through ``md``.
Everything a student controls (id, messages quoting their code, notes) is cut
to a bounded length in the view; the student's own figure is shown only as the
grader wrote it again after validating it (``figure``).  The recorded accuracies are validated before
they are plotted (``charts.plottable_history``).  ``write_plain`` is the fallback
page when the full one cannot be built: it uses no template (the templates may
be what failed) and escapes by hand.
"""
from __future__ import annotations

import base64
import html
from pathlib import Path

from . import atomic, lateness, render, view
from .charts import accuracy_curve_png, plottable_history
from .text import clip, md, num, total_words


def markdown(fb, *, png_name: str | None = None, figure_name: str | None = None) -> str:
    """The feedback page in Markdown (png_name: the curve next to it, figure_name: the
    student's own figure next to it, or None)."""
    return render.markdown("feedback.md.j2", fb=fb, png_name=png_name,
                           figure_name=figure_name if fb.own_caption else None)


def _inline(png) -> str:
    return base64.b64encode(png).decode("ascii") if png else ""


def html_page(fb, *, png: bytes | None = None, figure: bytes | None = None) -> str:
    """The feedback page as one self-contained HTML file (PNGs inlined as base64):
    ``png`` the grader's re-plot, ``figure`` the student's own (validated) figure."""
    return render.html("feedback.html.j2", fb=fb, png_base64=_inline(png),
                       own_base64=_inline(figure) if fb.own_caption else "")


def curve(r, threshold=None, cache=None) -> tuple[bytes | None, list]:
    """(the re-plotted accuracy curve as PNG, or None; notes on what could not be drawn);
    ``cache``: the folder drawn curves are kept in (``charts.remembered``)."""
    steps, values, note = plottable_history(r.history, r.history_steps)
    notes = [note] if note else []
    if not values:
        return None, notes
    try:
        return accuracy_curve_png(steps, values, threshold, f"Test accuracy: {r.student_id}",
                                  "training step" if r.history_steps else "record",
                                  cache=cache), notes
    except Exception as exc:              # matplotlib on odd values: no curve, say so
        return None, notes + [f"the accuracy curve could not be drawn ({type(exc).__name__})"]


def write_feedback(r, folder, *, stem: str, threshold=None, own=None,
                   figure_stem: str | None = None, charts=None) -> dict:
    """Write <stem>.md, <stem>.html, (with a history) <stem>.png and (with ``own``, the
    student's own figure: ``figure.own_figure``) <figure_stem>.png; {relative name: path}.
    ``charts``: the folder drawn curves are kept in (None: drawn every time)."""
    folder = Path(folder)
    png, notes = curve(r, view.threshold_used(r, threshold), charts)
    fb = view.build(r, threshold=threshold, extra_notes=notes, own=own)
    figure = own.png if own is not None and fb.own_caption else None
    figure_name = f"{figure_stem or stem + '-figure'}.png"
    written = {}
    if png:
        written[f"{stem}.png"] = atomic.write_bytes(folder / f"{stem}.png", png)
    if figure:
        written[figure_name] = atomic.write_bytes(folder / figure_name, figure)
    written[f"{stem}.md"] = atomic.write_text(folder / f"{stem}.md", markdown(
        fb, png_name=f"{stem}.png" if png else None, figure_name=figure_name))
    written[f"{stem}.html"] = atomic.write_text(folder / f"{stem}.html",
                                                html_page(fb, png=png, figure=figure))
    if not png:                            # no stale curve left from an earlier run
        (folder / f"{stem}.png").unlink(missing_ok=True)
    if not figure:
        (folder / figure_name).unlink(missing_ok=True)
    return written


def _plain_lines(r, why) -> list:
    """The fallback feedback as lines of plain text, each part guarded on its own."""
    lines = [f"Feedback for {clip(getattr(r, 'student_id', '?'), 200)}",
             f"Note: the full feedback page could not be written ({clip(why, 300)}); "
             f"this is a plain version."]
    for c in getattr(r, "checks", None) or []:
        try:
            lines.append(f"{clip(c.name, 200)}: {num(c.score)} of {num(c.possible)}: "
                         f"{clip(c.message)}")
        except Exception:
            lines.append("(a check result that could not be shown)")
    for label, get in (("Total", lambda: total_words(r)),
                       ("Late policy", lambda: lateness.arithmetic(r)),
                       ("Submission time", lambda: lateness.explanation(r.late)),
                       ("Final grade", lambda: num(r.final))):
        try:
            lines.append(f"{label}: {get()}")
        except Exception:
            lines.append(f"{label}: (could not be shown)")
    try:
        lines += [f"Note: {clip(n)}" for n in r.notes or []]
    except Exception:
        lines.append("Note: (notes could not be shown)")
    return lines


def write_plain(r, folder, *, stem: str, why: str) -> dict:
    """Fallback <stem>.md and <stem>.html (no curve) when ``write_feedback`` failed."""
    folder = Path(folder)
    lines = _plain_lines(r, why)
    text = "\n\n".join(md(line) for line in lines) + "\n"
    page = ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>Feedback"
            "</title></head><body>\n" + "".join(f"<p>{html.escape(line)}</p>\n" for line in lines)
            + "</body></html>\n")
    written = {f"{stem}.md": atomic.write_text(folder / f"{stem}.md", text),
               f"{stem}.html": atomic.write_text(folder / f"{stem}.html", page)}
    (folder / f"{stem}.png").unlink(missing_ok=True)
    return written
