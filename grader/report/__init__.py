"""Reports written after grading.  They only read results; points are never re-derived.

``write(graded, out)`` writes every output of a graded batch (``graded.Graded``) at
once (``publish``: staged, then moved in; the previous run archived): the gradebooks
(``gradebooks.write``: nbgrader_grades.csv, canvas_grades.csv with a roster), the
results' reports (``write_all``: ``grades.csv`` (LMS import), ``grades.json``,
``feedback/<id>.md|.html|.png`` per student, ``class_report.html`` and its PNGs), the
integrity report (``integrity.write``) and ``timings.json``.  Per-submission Gradescope
output is ``gradescope.write_results_json``.

What a student is told is one view-model (``view.Feedback``) rendered by each
output; the wording of points lives in ``text`` and of lateness in ``lateness``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from . import attention, class_report, feedback, figure, gradebooks, gradescope, publish, tables
from .atomic import ReportWriteError, write_bytes, write_text
from .lateness import arithmetic as late_arithmetic
from .tables import summary_table
from ..errors import printable
from .text import clip, figure_names, file_names

__all__ = ["write", "Written", "write_all", "summary_table", "late_arithmetic", "ReportWriteError",
           "write_text", "write_bytes", "gradescope", "gradebooks", "threshold_of"]


def threshold_of(rubric):
    """The trained-accuracy threshold from the rubric, or None."""
    try:
        return rubric.check("trained_accuracy").threshold
    except AttributeError:
        return None


def draw_ahead(result, notebook, rubric, *, charts=None, lexed=None) -> None:
    """Make now, into the batch's cache, what the reports will need for one student: the
    feedback page's accuracy curve (``charts``) and the notebook's filtered code for the
    integrity analysis (``lexed``).  Called while later notebooks still run, so writing
    the reports afterwards reads them back; the same calls with the same inputs as the
    writers', so nothing is drawn differently.  A failure here costs nothing: the
    writers make it again and report it their own way."""
    try:
        if charts:
            from . import view
            feedback.curve(result, view.threshold_used(result, threshold_of(rubric)), charts)
        if lexed and notebook:
            from ..integrity import code
            code.lex_ahead(notebook, lexed)
    except Exception:
        pass


@dataclass(frozen=True)
class Written:
    """What ``write`` did: files {path relative to out (posix): Path in out}; gradebooks:
    their names; problems: the lines the writers added (a roster that does not match
    the batch); archive: where the previous run went (None: there was none)."""
    files: dict
    gradebooks: tuple
    problems: tuple
    archive: Path | None


def write(graded, out, *, roster=None) -> Written:
    """Write every output of ``graded`` into the folder ``out``: all of them or none (a
    writer that fails leaves the previous run in place), the previous run archived from
    what its writers returned.  ``roster``: what ``gradebooks.read_roster`` returned, for
    canvas_grades.csv.  Raises ReportWriteError when a file cannot be written."""
    from . import integrity           # the analysis behind it is imported only to write it
    out, rub = Path(out), graded.rubric
    with publish.staged(out) as stage:
        files, problems = gradebooks.write(graded.results, stage, rubric=rub, roster=roster)
        books = tuple(sorted(files))
        found, data = integrity.write(graded.submissions, graded.results, graded.bundles,
                                      graded.ctx, rub, stage,
                                      cache=graded.lexed_dir)
        files.update(found)
        files.update(write_all(graded.results, stage, rubric=rub,
                               problems=[*graded.problems, *problems],
                               protections=graded.protections,
                               flagged=attention.flagged_pairs(data),
                               bundles=graded.bundles, charts=graded.chart_dir))
        files["timings.json"] = write_text(stage / "timings.json",
                                           json.dumps(graded.timings_until_now(), indent=1))
        archive = publish.publish(stage, out, files)
    return Written(files={name: out / name for name in files}, gradebooks=books,
                   problems=tuple(problems), archive=archive)


def write_all(results, out_dir, *, rubric, problems=(), protections: str = "",
              flagged=(), bundles=None, charts=None) -> dict:
    """Write the results' reports (grades, feedback, class report: what needs nothing
    but results; ``write`` writes everything); returns {path relative to out_dir
    (posix): absolute Path}.  ``flagged``: the integrity check's flagged pairs, for the
    class report's needs-attention table (``attention.flagged_pairs``); ``bundles``
    ({student id: bundle}): where each feedback page finds the student's own figure
    (None: the pages show the grader's re-plot alone); ``charts``: the folder the
    feedback curves are kept in between runs (None: drawn every time).

    One student's feedback failing (odd values, a matplotlib error) never stops the
    others: that student gets a plain fallback page and a line under "problems" in
    grades.json and the class report.  Raises ReportWriteError (an OSError, one line
    naming the path) when a file cannot be written.
    """
    out = Path(out_dir)
    results = sorted(results, key=lambda r: r.student_id)
    threshold = threshold_of(rubric)
    stems = file_names([r.student_id for r in results])
    figures = figure_names(stems)
    problems, written = list(problems), {}
    for r in results:
        own = None if bundles is None else figure.own_figure(r, bundles.get(r.student_id))
        files, problem = _feedback(r, out / "feedback", stems[r.student_id], threshold,
                                   own=own, figure_stem=figures[r.student_id], charts=charts)
        written.update({f"feedback/{name}": path for name, path in files.items()})
        problems += [problem] if problem else []
    written.update({
        "grades.csv": tables.write_csv(results, out / "grades.csv", rubric=rubric),
        "grades.json": tables.write_json(results, out / "grades.json", rubric=rubric,
                                         problems=problems, protections=protections),
    })
    written.update(class_report.write_class_report(
        results, out, rubric=rubric, threshold=threshold, problems=problems,
        protections=protections, stems=stems, flagged=flagged, charts=charts))
    return written


def _feedback(r, folder, stem, threshold, **own) -> tuple[dict, str]:
    """({name: path} written, "" or a problem line naming the student); ``own``: the
    student's own figure and its file's stem (``feedback.write_feedback``)."""
    who = printable(clip(r.student_id, 200))
    try:
        return feedback.write_feedback(r, folder, stem=stem, threshold=threshold, **own), ""
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
