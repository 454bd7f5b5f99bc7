"""Reports written after grading.  They only read results; points are never re-derived.

``write_all`` writes, under out_dir: ``grades.csv`` (LMS import), ``grades.json``,
``feedback/<id>.md|.html|.png`` per student, ``class_report.html`` and its PNGs.
Per-submission Gradescope output is ``gradescope.write_results_json``; the Canvas
and nbgrader gradebooks are ``gradebooks.write``.

What a student is told is one view-model (``view.Feedback``) rendered by each
output; the wording of points lives in ``text`` and of lateness in ``lateness``.
"""
from __future__ import annotations

from pathlib import Path

from . import class_report, feedback, gradebooks, gradescope, tables
from .atomic import ReportWriteError, write_bytes, write_text
from .lateness import arithmetic as late_arithmetic
from .tables import summary_table
from ..errors import printable
from .text import clip, file_names

__all__ = ["write_all", "summary_table", "late_arithmetic", "ReportWriteError",
           "write_text", "write_bytes", "gradescope", "gradebooks", "threshold_of"]


def threshold_of(rubric):
    """The trained-accuracy threshold from the rubric, or None."""
    try:
        return rubric.check("trained_accuracy").threshold
    except AttributeError:
        return None


def write_all(results, out_dir, *, rubric, problems=(), protections: str = "") -> dict:
    """Write every report; returns {path relative to out_dir (posix): absolute Path}.

    One student's feedback failing (odd values, a matplotlib error) never stops the
    others: that student gets a plain fallback page and a line under "problems" in
    grades.json and the class report.  Raises ReportWriteError (an OSError, one line
    naming the path) when a file cannot be written.
    """
    out = Path(out_dir)
    results = sorted(results, key=lambda r: r.student_id)
    threshold = threshold_of(rubric)
    stems = file_names([r.student_id for r in results])
    problems, written = list(problems), {}
    for r in results:
        files, problem = _feedback(r, out / "feedback", stems[r.student_id], threshold)
        written.update({f"feedback/{name}": path for name, path in files.items()})
        problems += [problem] if problem else []
    written.update({
        "grades.csv": tables.write_csv(results, out / "grades.csv", rubric=rubric),
        "grades.json": tables.write_json(results, out / "grades.json", rubric=rubric,
                                         problems=problems, protections=protections),
    })
    written.update(class_report.write_class_report(
        results, out, rubric=rubric, threshold=threshold, problems=problems,
        protections=protections, stems=stems))
    return written


def _feedback(r, folder, stem, threshold) -> tuple[dict, str]:
    """({name: path} written, "" or a problem line naming the student)."""
    who = printable(clip(r.student_id, 200))
    try:
        return feedback.write_feedback(r, folder, stem=stem, threshold=threshold), ""
    except ReportWriteError:
        raise                              # the disk, not the student: stop the batch
    except Exception as exc:
        why = f"{type(exc).__name__}: {clip(exc, 200)}"
    try:
        files = feedback.write_plain(r, folder, stem=stem, why=why)
        return files, f"{who}: full feedback could not be written ({why}); a plain version was written"
    except ReportWriteError:
        raise
    except Exception as exc:
        return {}, f"{who}: no feedback could be written ({why}; then {type(exc).__name__})"
