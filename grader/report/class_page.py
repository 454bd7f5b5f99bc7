"""The class report page: summary, embedded charts, pass rates, one row per student."""
from __future__ import annotations

import base64
import html
import statistics

from .charts import finite
from .text import clip, late_flag, num

CSS = ("body{font-family:sans-serif;max-width:64em;margin:2em auto;color:#222}"
       "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;"
       "padding:.25em .5em;text-align:left}td.n{text-align:right}img{max-width:100%}"
       "pre{background:#f4f4f4;padding:.6em;white-space:pre-wrap}")


def _stats(results) -> str:
    grades = finite(r.final for r in results)
    graded = sum(r.status == "graded" for r in results)
    late = sum(late_flag(r) == "yes" for r in results)
    parts = [f"{len(results)} students", f"{graded} graded", f"{late} late"]
    try:
        if grades:
            parts += [f"mean final {num(statistics.fmean(grades))}",
                      f"median final {num(statistics.median(grades))}"]
    except (ArithmeticError, ValueError):   # e.g. overflow summing huge grades
        parts.append("mean and median not computable")
    return ", ".join(parts)


def _student_rows(results, stems) -> str:
    e = html.escape
    out = []
    for r in results:
        name = e(r.student_id)
        if stems and r.student_id in stems:
            name = f"<a href='feedback/{e(stems[r.student_id])}.html'>{name}</a>"
        out.append(f"<tr><td>{name}</td><td class='n'>{num(r.score)}</td>"
                   f"<td class='n'>{num(r.extra)}</td><td>{late_flag(r)}</td>"
                   f"<td class='n'>{num((r.late or {}).get('multiplier', 1.0))}</td>"
                   f"<td class='n'>{num(r.final)}</td><td>{e(r.status)}</td>"
                   f"<td class='n'>{num(r.accuracy)}</td><td class='n'>{num(r.seconds)}</td></tr>")
    return "".join(out)


def class_report_html(results, images: dict, *, rates, problems=(), protections="",
                      stems=None) -> str:
    e = html.escape
    imgs = "".join(f"<p><img alt='{e(n)}' src='data:image/png;base64,"
                   f"{base64.b64encode(b).decode('ascii')}'></p>" for n, b in images.items())
    rate_rows = "".join(f"<tr><td>{e(n)}</td><td class='n'>{p}</td><td class='n'>{t}</td>"
                        f"<td class='n'>{num(100 * p / t) if t else ''}</td></tr>"
                        for n, p, t in rates)
    probs = "".join(f"<li>{e(clip(p))}</li>" for p in problems)
    return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<title>Class report</title><style>{CSS}</style></head><body>\n"
            f"<h1>Class report</h1><p>{e(_stats(results))}</p>\n{imgs}\n"
            "<h2>Pass rate per check</h2><table><tr><th>check</th><th>passed</th>"
            f"<th>checked</th><th>%</th></tr>{rate_rows}</table>\n"
            "<h2>Students</h2><table><tr><th>student</th><th>raw</th><th>extra</th>"
            "<th>late</th><th>multiplier</th><th>final</th><th>status</th><th>accuracy</th>"
            f"<th>seconds</th></tr>{_student_rows(results, stems)}</table>\n"
            + (f"<h2>Problems</h2><ul>{probs}</ul>\n" if probs else "")
            + (f"<h2>Protections</h2><pre>{e(clip(protections, 20000))}</pre>\n" if protections else "")
            + "</body></html>\n")
