"""``grader gradescope``: grade one submission inside Gradescope's container.

Reads the notebook from the submission folder and, when present,
``submission_metadata.json`` beside it (``created_at``), scores it with the
same pipeline as ``grader grade`` and writes Gradescope's ``results.json``.
"""
from __future__ import annotations

import json
from pathlib import Path

from .check import run
from .errors import InputError
from .report.gradescope import write_results_json
from .times import parse_time


def _created_at(submission: Path):
    meta = submission.parent / "submission_metadata.json"
    if not meta.exists():
        return None
    try:
        return parse_time(json.loads(meta.read_text())["created_at"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{meta}: cannot read created_at ({exc})") from None


def main(*, submission, results, rubric=None, data=None, allow_unconfined=False) -> int:
    """Grade the single notebook in ``submission``; write ``results`` JSON.

    submission: folder holding the student's .ipynb; results: path of
    results.json; rubric/data: as for ``grader grade``.
    """
    folder = Path(submission)
    notebooks = sorted(folder.glob("*.ipynb")) if folder.is_dir() else []
    if not notebooks:
        raise InputError(f"{folder}: no .ipynb notebook found")
    when = _created_at(folder)
    result = run(notebooks[0], rubric=rubric, data=data, submitted_at=when,
                 time_source="submission_metadata.json" if when else "none",
                 allow_unconfined=allow_unconfined)
    write_results_json(result, Path(results))
    print(f"wrote {results}: {result.final:g} points")
    return 0
