"""Per-student feedback: ``feedback/<id>.md``, ``.html`` (self-contained) and ``.png``.

Everything a student controls (id, messages quoting their code, notes) is
escaped: ``html.escape`` for HTML, backslash escapes for Markdown, and cut to a
bounded length.  The recorded accuracies are validated before they are plotted
(``charts.plottable_history``); ``write_plain`` is the fallback page when the
full one cannot be built.
"""
from __future__ import annotations

import base64
import html
from pathlib import Path

from . import atomic
from .charts import STEPS_PER_RECORD, accuracy_curve_png, plottable_history
from .text import clip, late_arithmetic, md, num

CSS = ("body{font-family:sans-serif;max-width:52em;margin:2em auto;color:#222}"
       "table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:.3em .6em;"
       "text-align:left;vertical-align:top}td.n{text-align:right}.fail{color:#a00}"
       ".pass{color:#070}.arith{background:#f4f4f4;padding:.6em}img{max-width:100%}")


def _rows(r):
    """(name, points, possible, passed word, message) per check."""
    for c in r.checks:
        kind = " (extra credit)" if c.extra_credit and "extra" not in c.name else ""
        yield (clip(c.name, 200) + kind, num(c.score), num(c.possible),
               "passed" if c.passed else "not passed", clip(c.message))


def _no_plot(r) -> str:
    if r.status != "graded":
        return "No accuracy curve: the notebook was not graded."
    if r.history:
        return "No accuracy curve: none of the recorded accuracies could be plotted."
    return "No accuracy curve: the notebook recorded no accuracies."


def _all_notes(r, extra=()) -> list:
    return [clip(n) for n in [*(r.notes or []), *extra]]


def markdown(r, *, png_name: str | None = None, extra_notes=()) -> str:
    """The feedback page in Markdown (png_name: the curve next to it, or None)."""
    notes = _all_notes(r, extra_notes)
    out = [f"# Feedback for {md(r.student_id)}", "", f"Status: {md(r.status)}", "",
           "| check | points | possible | result | reason |", "|---|---:|---:|---|---|"]
    out += [f"| {md(a)} | {b} | {c} | {d} | {md(e)} |" for a, b, c, d, e in _rows(r)]
    out += ["", f"**Total:** {num(r.score)} of {num(r.possible)}"
            + (f" (incl. {num(r.extra)} extra credit)" if r.extra else ""), "",
            f"**Late policy:** {md(late_arithmetic(r))}", "",
            f"**Final grade: {num(r.final)}**", ""]
    if (r.late or {}).get("explanation"):
        out += [f"Submission time: {md(r.late['explanation'])}", ""]
    if notes:
        out += ["## Notes", ""] + [f"- {md(n)}" for n in notes] + [""]
    out += ["## Accuracy curve", ""]
    if png_name:
        out += [f"Test accuracy recorded by your notebook (one point per {STEPS_PER_RECORD} "
                f"steps), re-plotted by the grader:", "", f"![accuracy curve]({png_name})", ""]
    else:
        out += [_no_plot(r), ""]
    return "\n".join(out)


def html_page(r, *, png: bytes | None = None, extra_notes=()) -> str:
    """The feedback page as one self-contained HTML file (PNG inlined as base64)."""
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(a)}</td><td class='n'>{b}</td><td class='n'>{c}</td>"
        f"<td class='{'pass' if d == 'passed' else 'fail'}'>{d}</td><td>{e(m)}</td></tr>"
        for a, b, c, d, m in _rows(r))
    total = f"{num(r.score)} of {num(r.possible)}" + (
        f" (incl. {num(r.extra)} extra credit)" if r.extra else "")
    expl = clip((r.late or {}).get("explanation") or "")
    notes = "".join(f"<li>{e(n)}</li>" for n in _all_notes(r, extra_notes))
    if png:
        curve = (f"<p>Test accuracy recorded by your notebook (one point per "
                 f"{STEPS_PER_RECORD} steps), re-plotted by the grader:</p>"
                 f"<img alt='accuracy curve' src='data:image/png;base64,"
                 f"{base64.b64encode(png).decode('ascii')}'>")
    else:
        curve = f"<p>{e(_no_plot(r))}</p>"
    return (f"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<title>Feedback for {e(r.student_id)}</title><style>{CSS}</style></head><body>\n"
            f"<h1>Feedback for {e(r.student_id)}</h1><p>Status: {e(r.status)}</p>\n"
            f"<table><tr><th>check</th><th>points</th><th>possible</th><th>result</th>"
            f"<th>reason</th></tr>{rows}</table>\n<p><b>Total:</b> {e(total)}</p>\n"
            f"<p class='arith'><b>Late policy:</b> {e(late_arithmetic(r))}</p>\n"
            f"<p><b>Final grade: {num(r.final)}</b></p>\n"
            + (f"<p>Submission time: {e(expl)}</p>\n" if expl else "")
            + (f"<h2>Notes</h2><ul>{notes}</ul>\n" if notes else "")
            + f"<h2>Accuracy curve</h2>{curve}\n</body></html>\n")


def curve(r, threshold=None) -> tuple[bytes | None, list]:
    """(the re-plotted accuracy curve as PNG, or None; notes on what could not be drawn)."""
    steps, values, note = plottable_history(r.history)
    notes = [note] if note else []
    if not values:
        return None, notes
    try:
        return accuracy_curve_png(steps, values, threshold,
                                  f"Test accuracy: {r.student_id}"), notes
    except Exception as exc:              # matplotlib on odd values: no curve, say so
        return None, notes + [f"the accuracy curve could not be drawn ({type(exc).__name__})"]


def write_feedback(r, folder, *, stem: str, threshold=None) -> dict:
    """Write <stem>.md, <stem>.html and (with a history) <stem>.png; {relative name: path}."""
    folder = Path(folder)
    used = next((c.details.get("threshold") for c in r.checks
                 if c.name == "trained_accuracy" and c.details.get("threshold") is not None), None)
    png, notes = curve(r, used if used is not None else threshold)
    written = {}
    if png:
        written[f"{stem}.png"] = atomic.write_bytes(folder / f"{stem}.png", png)
    written[f"{stem}.md"] = atomic.write_text(folder / f"{stem}.md", markdown(
        r, png_name=f"{stem}.png" if png else None, extra_notes=notes))
    written[f"{stem}.html"] = atomic.write_text(folder / f"{stem}.html",
                                                html_page(r, png=png, extra_notes=notes))
    if not png:                            # no stale curve left from an earlier run
        (folder / f"{stem}.png").unlink(missing_ok=True)
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
    for label, get in (("Total", lambda: f"{num(r.score)} of {num(r.possible)}"),
                       ("Late policy", lambda: late_arithmetic(r)),
                       ("Final grade", lambda: num(r.final))):
        try:
            lines.append(f"{label}: {get()}")
        except Exception:
            lines.append(f"{label}: (could not be shown)")
    try:
        lines += [f"Note: {n}" for n in _all_notes(r)]
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
