"""Per-student feedback: ``feedback/<id>.md``, ``.html`` (self-contained) and ``.png``.

Everything a student controls (id, messages quoting their code, notes) is
escaped: ``html.escape`` for HTML, backslash escapes for Markdown.
"""
from __future__ import annotations

import base64
import html
from pathlib import Path

from . import atomic
from .charts import STEPS_PER_RECORD, accuracy_curve_png
from .text import late_arithmetic, md, num

CSS = ("body{font-family:sans-serif;max-width:52em;margin:2em auto;color:#222}"
       "table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:.3em .6em;"
       "text-align:left;vertical-align:top}td.n{text-align:right}.fail{color:#a00}"
       ".pass{color:#070}.arith{background:#f4f4f4;padding:.6em}img{max-width:100%}")


def _rows(r):
    """(name, points, possible, passed word, message) per check."""
    for c in r.checks:
        kind = " (extra credit)" if c.extra_credit and "extra" not in c.name else ""
        yield (c.name + kind, num(c.score), num(c.possible),
               "passed" if c.passed else "not passed", c.message)


def _no_plot(r) -> str:
    return ("No accuracy curve: the notebook was not graded." if r.status != "graded"
            else "No accuracy curve: the notebook recorded no accuracies.")


def markdown(r, *, png_name: str | None = None) -> str:
    """The feedback page in Markdown (png_name: the curve next to it, or None)."""
    out = [f"# Feedback for {md(r.student_id)}", "", f"Status: {md(r.status)}", "",
           "| check | points | possible | result | reason |", "|---|---:|---:|---|---|"]
    out += [f"| {md(a)} | {b} | {c} | {d} | {md(e)} |" for a, b, c, d, e in _rows(r)]
    out += ["", f"**Total:** {num(r.score)} of {num(r.possible)}"
            + (f" (incl. {num(r.extra)} extra credit)" if r.extra else ""), "",
            f"**Late policy:** {md(late_arithmetic(r))}", "",
            f"**Final grade: {num(r.final)}**", ""]
    if (r.late or {}).get("explanation"):
        out += [f"Submission time: {md(r.late['explanation'])}", ""]
    if r.notes:
        out += ["## Notes", ""] + [f"- {md(n)}" for n in r.notes] + [""]
    out += ["## Accuracy curve", ""]
    if png_name:
        out += [f"Test accuracy recorded by your notebook (one point per {STEPS_PER_RECORD} "
                f"steps), re-plotted by the grader:", "", f"![accuracy curve]({png_name})", ""]
    else:
        out += [_no_plot(r), ""]
    return "\n".join(out)


def html_page(r, *, png: bytes | None = None) -> str:
    """The feedback page as one self-contained HTML file (PNG inlined as base64)."""
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(a)}</td><td class='n'>{b}</td><td class='n'>{c}</td>"
        f"<td class='{'pass' if d == 'passed' else 'fail'}'>{d}</td><td>{e(m)}</td></tr>"
        for a, b, c, d, m in _rows(r))
    total = f"{num(r.score)} of {num(r.possible)}" + (
        f" (incl. {num(r.extra)} extra credit)" if r.extra else "")
    expl = (r.late or {}).get("explanation")
    notes = "".join(f"<li>{e(str(n))}</li>" for n in r.notes)
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


def write_feedback(r, folder, *, stem: str, threshold=None) -> dict:
    """Write <stem>.md, <stem>.html and (with a history) <stem>.png; {relative name: path}."""
    folder = Path(folder)
    used = next((c.details.get("threshold") for c in r.checks
                 if c.name == "trained_accuracy" and c.details.get("threshold") is not None), None)
    threshold = used if used is not None else threshold
    png = (accuracy_curve_png(r.history, threshold, f"Test accuracy: {r.student_id}")
           if r.history else None)
    written = {}
    if png:
        written[f"{stem}.png"] = atomic.write_bytes(folder / f"{stem}.png", png)
    written[f"{stem}.md"] = atomic.write_text(
        folder / f"{stem}.md", markdown(r, png_name=f"{stem}.png" if png else None))
    written[f"{stem}.html"] = atomic.write_text(folder / f"{stem}.html", html_page(r, png=png))
    if not png:                            # no stale curve left from an earlier run
        (folder / f"{stem}.png").unlink(missing_ok=True)
    return written
