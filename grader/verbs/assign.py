"""``grader assign``: write the student notebook made from the solution notebook
(``grader.student_notebook``), or with ``--release`` the students' release folder
(``grader.release``).
"""

from __future__ import annotations

import json
from pathlib import Path

from .. import rubric as rubric_mod
from ..errors import not_found
from ..report.atomic import write_text
from ..run import cells
from ..student_notebook import DEFAULT_NAME, AssignError, default_solution, generate, is_generated, render, strip_solutions

__all__ = ["AssignError", "strip_solutions", "render", "main", "check_in_sync"]

DEFAULT_OUT = Path("assignment") / DEFAULT_NAME


def _target(out: str | Path) -> Path:
    """The output file: ``out`` itself, or the default name inside a directory."""
    out = Path(out)
    return out / DEFAULT_NAME if out.is_dir() else out


def main(*, solution: str | Path | None = None, out: str | Path | None = None,
         force: bool = False, release: str | Path | None = None,
         rubric: str | Path | None = None, data: str | Path | None = None) -> int:
    """Generate the student notebook from ``solution`` and write it to ``out``.

    ``solution`` defaults to the packaged ``reference/solution.ipynb``. ``out``
    may be a directory, in which case the file is named
    ``galaxy_classifier.ipynb``. An existing file is replaced only when
    ``force`` is true or when it was itself generated from the same solution
    file; a hand-edited notebook is never overwritten silently. The write is
    atomic. With ``release`` the students' release folder is written instead
    (``grader.release.build``: notebook, self-check, public expected values,
    ``data`` copied in if given; ``rubric`` supplies tolerances and is checked
    so its private probe seed never reaches the release); a folder that already
    holds files is refused unless ``force``, and what was written is printed.
    Returns 0; raises
    AssignError (or another ValueError) with a one-line message on failure.
    """
    solution = Path(solution) if solution is not None else default_solution()
    if release is not None:
        if out is not None:
            raise AssignError(f"{out}: --out and --release are exclusive; the release folder "
                              f"{release} holds the student notebook")
        from ..release import build
        target = build(release=release, solution=solution, rubric=rubric, data=data,
                       force=force)
        print(written(target, data_name=None if data is not None else
                      rubric_mod.load(rubric).data.name_in_notebook))
        return 0
    if rubric is not None or data is not None:
        raise AssignError(f"{rubric or data}: --rubric and --data only apply with --release")
    out = out if out is not None else DEFAULT_OUT
    target = _target(out)
    if target.exists() and target.resolve() == solution.resolve():
        raise AssignError(f"{target}: output path is the solution notebook itself")
    text = generate(solution)
    if not target.parent.is_dir():
        raise AssignError(not_found(target.parent, folder=True))
    if target.exists():
        try:
            unchanged = target.read_text(encoding="utf-8") == text
        except (OSError, UnicodeError):
            unchanged = False
        if unchanged:
            return 0
        if not force and not is_generated(target, solution.name):
            raise AssignError(f"{target}: exists and was not generated from {solution.name}; "
                              "refusing to overwrite it (use --force)")
    write_text(target, text)
    return 0


def written(target: Path, *, data_name: str | None) -> str:
    """What ``grader assign --release`` says it wrote: the folder and its files (from
    the release's manifest), and, when no data file was given (``data_name``: the
    file the notebook reads), that none is included."""
    from ..release import MANIFEST
    files = json.loads((target / MANIFEST).read_text(encoding="utf-8"))["files"]
    lines = [f"wrote {target}/: {', '.join(files)}"]
    if data_name is not None:
        lines.append(f"no data file included: students need {data_name} from you beside "
                     f"the notebook (give --data FILE to include it)")
    return "\n".join(lines)


def _differences(expected: dict, actual: dict) -> list[str]:
    """One line per cell (or the notebook metadata) that differs."""
    lines = []
    want, got = expected.get("cells", []), actual.get("cells", [])
    if len(want) != len(got):
        lines.append(f"cell count differs: expected {len(want)}, found {len(got)}")
    for index, (a, b) in enumerate(zip(want, got)):
        fields = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
        if fields:
            lines.append(f"{cells.in_notebook(actual, index)}: {', '.join(fields)} differ")
    if expected.get("metadata") != actual.get("metadata"):
        lines.append("notebook metadata differs")
    return lines or ["same content but different formatting"]


def check_in_sync(*, solution: str | Path, student: str | Path) -> list[str]:
    """Compare the committed student notebook with what ``main`` would write.

    Returns [] when they are byte-for-byte identical, otherwise one-line
    descriptions of what differs, each prefixed with the student file name.
    """
    expected = generate(Path(solution))
    target = _target(student)
    try:
        actual = target.read_text(encoding="utf-8")
    except (OSError, UnicodeError) as exc:
        return [f"{target}: cannot read ({type(exc).__name__}); regenerate it"]
    if actual == expected:
        return []
    try:
        parsed = json.loads(actual)
    except ValueError:
        return [f"{target}: not valid JSON; regenerate it"]
    if not isinstance(parsed, dict):
        return [f"{target}: not a notebook; regenerate it"]
    return [f"{target}: {line}" for line in _differences(json.loads(expected), parsed)]
