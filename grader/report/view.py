"""The feedback view-model: one ``Feedback`` per student, built from a SubmissionResult.

Every way a student's result is shown (the Markdown and HTML feedback pages,
Gradescope's results.json, ``grader check``) reads this one object, so points,
totals, extra credit and the late arithmetic are worded in one place
(``text`` and ``lateness``).  Values are plain text, clipped but not escaped:
each renderer escapes for its own format (Jinja autoescape for HTML, ``md``
for Markdown).  No I/O here.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..checks.catalog import HELD_BACK, TEST_SET, TRAINED_ACCURACY
from . import lateness
from .charts import fraction
from .text import MAX_TEXT, check_label, clip, message_parts, num, total_words

CURVE_CAPTION = ("Test accuracy recorded by your notebook, re-plotted by the grader at the "
                 "training step of each record:")
CURVE_CAPTION_RECORDS = ("Test accuracy recorded by your notebook, re-plotted by the grader "
                         "against record number (the notebook's training steps were not found):")


ACCURACY_SETS = {     # named as the trained_accuracy row names them
    HELD_BACK: "the grader's held-back galaxies (never seen by the notebook), measured by "
               "the grader",
    TEST_SET: "the notebook's test set, measured by the grader"}


@dataclass(frozen=True)
class CheckRow:
    """One rubric item: numbers for machines, words for people (clipped, unescaped)."""
    key: str              # the check's name as graded
    label: str            # its name for people: 'bonus (extra credit)'
    score: float
    possible: float
    points: str           # '20.5'
    out_of: str           # '60'
    passed: bool
    extra_credit: bool
    message: str          # plain, the grader's backticks round code (the console)
    parts: tuple = ()     # the same message in parts (grader.message): what pages render

    @property
    def result(self) -> str:
        return "passed" if self.passed else "not passed"


@dataclass(frozen=True)
class Feedback:
    """What a student is told about one submission."""
    student_id: str
    status: str
    notebook: str
    rows: tuple
    total: str            # '105 of 100 (incl. 5 extra credit)'
    late: str             # the late arithmetic, ending '= <final>'
    is_late: bool
    submission_time: str  # the late verdict in words ('' when never assessed)
    final: str
    notes: tuple
    accuracy: str         # the graded accuracy the grader measured, '' when not measured
    threshold: str
    graded: bool
    recorded: bool        # the notebook recorded accuracies (plottable or not)
    curve_caption: str = CURVE_CAPTION
    accuracy_on: str = HELD_BACK    # the set it is on: HELD_BACK or TEST_SET
    own_caption: tuple = ()         # the student's own figure (report.figure): its caption
    own_note: tuple = ()            # ... or why it is not shown (both in message parts)

    @property
    def note_parts(self) -> tuple:
        """Each note in message parts, as pages show it (code as code)."""
        return tuple(message_parts(n, getattr(n, "parts", ())) for n in self.notes)

    @property
    def accuracy_line(self) -> str:
        """'Accuracy on the grader's held-back galaxies (never seen by the notebook),
        measured by the grader: 0.700 (threshold 0.66)', or ''; the set named as the
        trained_accuracy row names it."""
        if not self.accuracy:
            return ""
        limit = f" (threshold {self.threshold})" if self.threshold else ""
        return f"Accuracy on {ACCURACY_SETS[self.accuracy_on]}: {self.accuracy}{limit}"

    @property
    def no_curve(self) -> str:
        """Why there is no accuracy curve."""
        if not self.graded:
            return "No accuracy curve: the notebook was not graded."
        if self.recorded:
            return "No accuracy curve: none of the recorded accuracies could be plotted."
        return "No accuracy curve: the notebook recorded no accuracies."


def row(check) -> CheckRow:
    return CheckRow(key=clip(check.name, 200), label=check_label(check), score=check.score,
                    possible=check.possible, points=num(check.score),
                    out_of=num(check.possible), passed=bool(check.passed),
                    extra_credit=bool(check.extra_credit), message=clip(check.message),
                    parts=message_parts(check.message, getattr(check, "parts", ())))


def threshold_used(result, default=None):
    """The accuracy threshold the trained_accuracy check applied, else ``default``."""
    used = next((c.details.get("threshold") for c in result.checks
                 if c.name == "trained_accuracy" and c.details.get("threshold") is not None),
                None)
    return used if used is not None else default


def accuracy_set(result) -> str:
    """The set the graded accuracy is on, as the trained_accuracy check recorded it
    (results from before it said: the held-back galaxies, which every batch has)."""
    on = next((c.details.get("accuracy_on") for c in result.checks
               if c.name == TRAINED_ACCURACY), None)
    return on if on in ACCURACY_SETS else HELD_BACK


def build(result, *, threshold=None, extra_notes=(), own=None) -> Feedback:
    """The view of one result; ``extra_notes``: what the report itself has to add;
    ``own``: the student's own figure (``figure.OwnFigure``), None when not known."""
    accuracy = fraction(result.accuracy)
    limit = fraction(threshold_used(result, threshold))
    return Feedback(
        student_id=clip(result.student_id, MAX_TEXT), status=clip(result.status, 200),
        notebook=clip(result.notebook or "", 500),
        rows=tuple(row(c) for c in result.checks), total=total_words(result),
        late=lateness.arithmetic(result), is_late=lateness.is_late(result),
        submission_time=clip(lateness.explanation(result.late)), final=num(result.final),
        notes=tuple(clip(n) for n in [*(result.notes or []), *extra_notes]),
        accuracy=f"{accuracy:.3f}" if accuracy is not None else "",
        accuracy_on=accuracy_set(result),
        threshold=num(limit) if limit is not None else "",
        graded=result.status == "graded", recorded=bool(result.history),
        curve_caption=CURVE_CAPTION if result.history_steps else CURVE_CAPTION_RECORDS,
        own_caption=own.caption if own is not None and own.png else (),
        own_note=own.note if own is not None else ())
