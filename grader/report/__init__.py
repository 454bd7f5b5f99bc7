"""Reports written after grading.  They only read results; points are never re-derived.

``write_all`` writes, under out_dir: ``grades.csv`` (LMS import), ``grades.json``,
``feedback/<id>.md|.html|.png`` per student, ``class_report.html`` and its PNGs.
Per-submission Gradescope output is ``gradescope.write_results_json``.
"""
from __future__ import annotations

from pathlib import Path

from . import feedback, gradescope, plots, tables
from .atomic import ReportWriteError, write_bytes, write_text
from .text import file_names, late_arithmetic, summary_table

__all__ = ["write_all", "summary_table", "late_arithmetic", "ReportWriteError",
           "write_text", "write_bytes", "gradescope", "threshold_of"]


def threshold_of(rubric):
    """The trained-accuracy threshold from the rubric, or None."""
    try:
        return rubric.check("trained_accuracy").threshold
    except AttributeError:
        return None


def write_all(results, out_dir, *, rubric, problems=(), protections: str = "") -> dict:
    """Write every report; returns {path relative to out_dir (posix): absolute Path}.

    Raises ReportWriteError (an OSError, one line naming the path) when a file
    cannot be written.
    """
    out = Path(out_dir)
    results = sorted(results, key=lambda r: r.student_id)
    written = {
        "grades.csv": tables.write_csv(results, out / "grades.csv", rubric=rubric),
        "grades.json": tables.write_json(results, out / "grades.json", rubric=rubric,
                                         problems=problems, protections=protections),
    }
    threshold = threshold_of(rubric)
    stems = file_names([r.student_id for r in results])
    for r in results:
        files = feedback.write_feedback(r, out / "feedback", stem=stems[r.student_id],
                                        threshold=threshold)
        written.update({f"feedback/{name}": path for name, path in files.items()})
    written.update(plots.write_class_report(results, out, rubric=rubric, threshold=threshold,
                                            problems=problems, protections=protections,
                                            stems=stems))
    return written
