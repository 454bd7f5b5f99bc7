"""The class report: ``class_report.html`` (self-contained) plus its chart PNGs.

Charts (each with a legend): final-grade histogram (whole-number counts, the pass
mark drawn), pass rate per check (bars coloured by rate: ``charts.RATE_BANDS``),
accuracy reached vs the threshold (one marked point per student), grading time per
notebook.  Notebooks that were not graded are counted apart (``attention.counted``):
never a 0 in the histogram or a failure in a pass rate.  Each chart is drawn on its
own guard: one that fails is left out with a line under "problems", and the page is
still written.
"""
from __future__ import annotations

from pathlib import Path

from matplotlib.patches import Patch

from . import atomic, attention
from .charts import (RATE_BANDS, finite, fraction, new_figure, png_bytes, rate_band,
                     remembered, whole_numbers)
from .class_page import class_report_html
from .tables import check_names
from .text import clip, num

MAX_TICK_LABELS = 40


def _tick(text, limit: int = 30) -> str:
    """A tick label: short (a long id cut with '...'), no mathtext from ids."""
    text = str(text)
    text = text if len(text) <= limit else text[:limit - 3] + "..."
    return text.replace("$", r"\$")


def _students_axis(ax, ids):
    """x axis = student index (sorted by id); ids as tick labels when few enough."""
    ax.set_xlabel("student (sorted by id)")
    if len(ids) <= MAX_TICK_LABELS:
        ax.set_xticks(range(len(ids)))
        ax.set_xticklabels([_tick(i) for i in ids], rotation=60,
                           ha="right", fontsize="x-small")
    else:
        whole_numbers(ax.xaxis)


def _histogram_inputs(results, fraction) -> tuple:
    """(grades of the graded students, their pass marks, how many were not graded)."""
    shown = [r for r in results if attention.counted(r)]
    marks = sorted({attention.pass_mark(r, fraction) for r in shown})
    return finite(r.final for r in shown), marks, len(results) - len(shown)


def grade_histogram(results, fraction=attention.PASS_FRACTION) -> bytes:
    """Final grades of the graded students (whole-number counts); those not graded are
    counted apart, in the legend, never as 0."""
    return _histogram(*_histogram_inputs(results, fraction))


def _histogram(grades, marks, apart) -> bytes:
    fig, ax = new_figure()
    ax.hist(grades, bins=20, range=(0, max(grades + [100.0])), color="tab:blue",
            edgecolor="white", label=f"graded students ({len(grades)})")
    if len(marks) == 1:
        ax.axvline(marks[0], color="tab:red", linestyle="--", label=f"pass mark {num(marks[0])}")
    if apart:
        ax.plot([], [], " ", label=f"{apart} not graded, counted apart")
    whole_numbers(ax.yaxis)
    ax.set_xlabel("final grade")
    ax.set_ylabel("students")
    ax.set_title(f"Final grades (n={len(grades)})")
    ax.legend(loc="upper left", fontsize="small")
    return png_bytes(fig)


def pass_rates(results, rubric=None) -> list:
    """[(check, passed, checked)] in column order; a check counts only where it ran
    (``attention.checked``: notebooks not graded are counted apart)."""
    rows = []
    for name in check_names(results, rubric):
        got = [c.passed for r in results for c in r.checks
               if c.name == name and attention.checked(r, c)]
        rows.append((name, sum(got), len(got)))
    return rows


def pass_rate_chart(rates, apart=0) -> bytes:
    """One bar per check, coloured by its pass rate (``charts.RATE_BANDS``, in the legend)."""
    fig, ax = new_figure()
    names = [n for n, _, _ in rates]
    values = [100 * p / t if t else 0 for _, p, t in rates]
    colours = [RATE_BANDS[rate_band(v)][1] if t else "lightgray"
               for v, (_, _, t) in zip(values, rates)]
    bars = ax.bar(range(len(names)), values, color=colours)
    ax.bar_label(bars, labels=[f"{p}/{t}" for _, p, t in rates], fontsize="small")
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels([_tick(n) for n in names], rotation=30,
                       ha="right", fontsize="small")
    ax.set_ylim(0, 135)
    ax.set_yticks(range(0, 101, 20))
    ax.set_ylabel("students passing (%)")
    handles = [Patch(color=colour, label=label) for _, colour, label in RATE_BANDS]
    if apart:
        handles.append(Patch(color="none", label=f"{apart} not graded, counted apart"))
    ax.legend(handles=handles, loc="upper center", ncol=len(handles), fontsize="x-small",
              title="pass rate", title_fontsize="x-small")
    ax.set_title("Pass rate per check")
    return png_bytes(fig)


def _accuracy_inputs(results) -> tuple:
    """(student ids, [(index, accuracy)] of those with one measured)."""
    pts = [(i, fraction(r.accuracy)) for i, r in enumerate(results)
           if fraction(r.accuracy) is not None]
    return [r.student_id for r in results], pts


def accuracy_chart(results, threshold=None) -> bytes:
    return _accuracy(*_accuracy_inputs(results), threshold)


def _accuracy(ids, pts, threshold) -> bytes:
    fig, ax = new_figure()
    above = [p for p in pts if threshold is None or p[1] >= threshold]
    below = [p for p in pts if p not in above]
    for group, colour, label in ((above, "tab:green", "reached"), (below, "tab:red", "below")):
        if group:
            ax.plot([p[0] for p in group], [p[1] for p in group], "o", color=colour,
                    label=label if threshold is not None else "accuracy")
    if threshold is not None:
        ax.axhline(threshold, color="tab:red", linestyle="--", label=f"threshold {threshold:g}")
    if not pts:
        ax.plot([], [], "o", color="tab:gray", label="no accuracy measured")
    ax.set_xlim(-0.5, max(len(ids), 1) - 0.5)
    _students_axis(ax, ids)
    ax.set_ylabel("accuracy on held-back galaxies (grader)")
    ax.set_title(f"Accuracy reached ({len(pts)} of {len(ids)} students measured)")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize="small")
    return png_bytes(fig)


def _time_inputs(results) -> tuple:
    """(student ids, seconds each notebook took to run and grade)."""
    return ([r.student_id for r in results],
            [max((finite([r.seconds or 0]) or [0.0])[0], 0.0) for r in results])


def time_chart(results) -> bytes:
    return _time(*_time_inputs(results))


def _time(ids, secs) -> bytes:
    fig, ax = new_figure()
    ax.bar(range(len(ids)), secs, color="tab:gray", alpha=0.5,
           label="seconds to run and grade the notebook")
    ax.plot(range(len(ids)), secs, "o", color="tab:blue", markersize=4)
    ax.set_xlim(-0.5, max(len(ids), 1) - 0.5)
    _students_axis(ax, ids)
    ax.set_ylabel("seconds")
    ax.set_title("Time per notebook")
    ax.legend(loc="upper right", fontsize="small")
    return png_bytes(fig)


CHARTS = ("class_grades.png", "class_pass_rates.png", "class_accuracy.png", "class_time.png")


def _charts(results, rates, threshold, fraction, cache=None) -> tuple[dict, list]:
    """({name: png} for the charts drawn, [problem per chart that could not be]); each
    drawn from plain inputs alone, so ``cache`` (``charts.remembered``) keeps it by them."""
    apart = sum(not attention.counted(r) for r in results)
    plans = ((_histogram, lambda: _histogram_inputs(results, fraction)),
             (pass_rate_chart, lambda: (rates, apart)),
             (_accuracy, lambda: (*_accuracy_inputs(results), threshold)),
             (_time, lambda: _time_inputs(results)))
    images, problems = {}, []
    for name, (draw, inputs) in zip(CHARTS, plans):
        try:
            got = inputs()
            images[name] = remembered(cache, lambda: draw(*got), name, *got)
        except Exception as exc:            # odd values must not cost the whole report
            problems.append(f"class chart {name} could not be drawn "
                            f"({type(exc).__name__}: {clip(exc, 200)})")
    return images, problems


def write_class_report(results, out_dir, *, rubric=None, threshold=None, problems=(),
                       protections="", stems=None, flagged=(), charts=None) -> dict:
    """class_report.html and the chart PNGs that could be drawn; {relative name: path}.
    ``flagged``: the integrity check's flagged pairs (``attention.flagged_pairs``);
    ``charts``: the folder drawn charts are kept in (``charts.remembered``)."""
    out_dir = Path(out_dir)
    results = sorted(results, key=lambda r: r.student_id)
    rates, fraction = pass_rates(results, rubric), attention.pass_fraction(rubric)
    images, failed = _charts(results, rates, threshold, fraction, charts)
    written = {n: atomic.write_bytes(out_dir / n, b) for n, b in images.items()}
    for name in set(CHARTS) - set(images):  # no stale chart left from an earlier run
        (out_dir / name).unlink(missing_ok=True)
    page = class_report_html(results, images, rates=rates, problems=[*problems, *failed],
                             protections=protections, stems=stems, flagged=flagged,
                             pass_fraction=fraction)
    written["class_report.html"] = atomic.write_text(out_dir / "class_report.html", page)
    return written
