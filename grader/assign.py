"""Turn the TA's solution notebook into the student notebook.

Code between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` lines is
replaced by a ``raise NotImplementedError()`` stub, markdown answers become
``YOUR ANSWER HERE``, and ``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS``
regions are deleted. Outputs are cleared and cell ids are kept, so the same
solution always gives a byte-identical student notebook.
"""

from __future__ import annotations

import copy
import importlib.util
import json
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from .errors import GraderError
from .report.atomic import write_text
from .run.notebook import read_notebook

__all__ = ["AssignError", "strip_solutions", "render", "main", "check_in_sync"]

DEFAULT_NAME = "galaxy_classifier.ipynb"
DEFAULT_OUT = Path("assignment") / DEFAULT_NAME
META_KEY = "galaxy_grader"
BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
END_HIDDEN = "### END HIDDEN TESTS"
# marker text -> (is_begin, region kind)
_MARKERS = {
    BEGIN_SOLUTION: (True, "solution"),
    END_SOLUTION: (False, "solution"),
    BEGIN_HIDDEN: (True, "hidden"),
    END_HIDDEN: (False, "hidden"),
}
_BEGIN_OF = {"solution": BEGIN_SOLUTION, "hidden": BEGIN_HIDDEN}
_NOISY_METADATA = ("execution", "collapsed", "scrolled")


class AssignError(GraderError, ValueError):
    """A problem with the solution notebook or the output file (one-line message)."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))


def _replacement(kind: str, cell_type: str, indent: str) -> list[str]:
    """Lines that stand in for a removed region."""
    if kind == "hidden":
        return []
    if cell_type == "markdown":
        return ["YOUR ANSWER HERE"]
    return [f"{indent}# YOUR CODE HERE", f"{indent}raise NotImplementedError()"]


def _strip_source(source: str, cell_type: str, where: str) -> tuple[str, int]:
    """Replace the marked regions of one cell's source.

    Returns the new source and the number of solution regions found.
    ``where`` (e.g. "sol.ipynb: cell 3") prefixes every error message.
    """
    out: list[str] = []
    open_region = None  # (kind, line number, indentation) while inside a region
    solutions = 0
    for number, line in enumerate(source.split("\n"), start=1):
        marker = _MARKERS.get(line.strip())
        if marker is None:
            if open_region is None:
                out.append(line)
            continue
        if cell_type == "raw":
            raise AssignError(f"{where}: marker '{line.strip()}' at line {number} in a raw cell; "
                              "markers are only allowed in code and markdown cells")
        is_begin, kind = marker
        if is_begin and open_region is not None:
            raise AssignError(f"{where}: nested '{line.strip()}' at line {number} inside the "
                              f"'{_BEGIN_OF[open_region[0]]}' opened at line {open_region[1]}")
        if is_begin:
            open_region = (kind, number, line[: len(line) - len(line.lstrip())])
            continue
        if open_region is None or open_region[0] != kind:
            raise AssignError(f"{where}: '{line.strip()}' at line {number} without a matching "
                              f"'{_BEGIN_OF[kind]}' before it")
        out.extend(_replacement(kind, cell_type, open_region[2]))
        solutions += kind == "solution"
        open_region = None
    if open_region is not None:
        raise AssignError(f"{where}: unbalanced '{_BEGIN_OF[open_region[0]]}' at line "
                          f"{open_region[1]} has no matching END line")
    return "\n".join(out), solutions


def strip_solutions(nb: NotebookNode, *, source_name: str = "<notebook>") -> NotebookNode:
    """Return a new student notebook made from the solution notebook ``nb``.

    The input is not modified. Raises AssignError (naming ``source_name`` and
    the 0-based cell index) for malformed markers, or when the notebook has no
    solution region at all.
    """
    student = copy.deepcopy(nb)
    total = 0
    for index, cell in enumerate(student.cells):
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(source)
        cell.source, found = _strip_source(source, cell.cell_type, f"{source_name}: cell {index}")
        total += found
        for key in _NOISY_METADATA:
            cell.metadata.pop(key, None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    if total == 0:
        raise AssignError(f"{source_name}: no {BEGIN_SOLUTION} markers found")
    return student


def render(nb: NotebookNode) -> str:
    """Serialise ``nb`` deterministically, ending with exactly one newline."""
    return nbformat.writes(nb, version=4).rstrip("\n") + "\n"


def _read_notebook(path: Path) -> NotebookNode:
    """Read the solution notebook (the grader's one notebook reader); every failure
    is a one-line AssignError naming the file."""
    if not path.exists():
        raise AssignError(f"{path}: solution notebook not found")
    nb, why = read_notebook(path)
    if nb is None:
        raise AssignError(f"{path}: {why}")
    return nb


def _generate(solution: Path) -> str:
    """Return the student notebook text generated from the solution file."""
    student = strip_solutions(_read_notebook(solution), source_name=str(solution))
    student.metadata[META_KEY] = {"generated_from": solution.name}
    return render(student)


def _target(out: str | Path) -> Path:
    """The output file: ``out`` itself, or the default name inside a directory."""
    out = Path(out)
    return out / DEFAULT_NAME if out.is_dir() else out


def _is_generated(path: Path, solution_name: str) -> bool:
    """True if ``path`` is a notebook this module generated from ``solution_name``."""
    try:
        meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
        return meta.get(META_KEY, {}).get("generated_from") == solution_name
    except (OSError, ValueError, AttributeError):
        return False


def default_solution() -> Path:
    """The solution notebook shipped in the ``reference`` package (found, not imported)."""
    spec = importlib.util.find_spec("reference")
    if spec is None or not spec.origin:
        raise AssignError("reference/solution.ipynb: the reference package is not installed; "
                          "pass --solution")
    return Path(spec.origin).parent / "solution.ipynb"


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
    so its private probe seed never reaches the release). Returns 0; raises
    AssignError (or another ValueError) with a one-line message on failure.
    """
    solution = Path(solution) if solution is not None else default_solution()
    if release is not None:
        if out is not None:
            raise AssignError(f"{out}: --out and --release are exclusive; the release folder "
                              f"{release} holds the student notebook")
        from .release import build
        build(release=release, solution=solution, rubric=rubric, data=data, force=force)
        return 0
    if rubric is not None or data is not None:
        raise AssignError(f"{rubric or data}: --rubric and --data only apply with --release")
    out = out if out is not None else DEFAULT_OUT
    target = _target(out)
    if target.exists() and target.resolve() == solution.resolve():
        raise AssignError(f"{target}: output path is the solution notebook itself")
    text = _generate(solution)
    if not target.parent.is_dir():
        raise AssignError(f"{target}: output directory {target.parent} does not exist")
    if target.exists():
        try:
            unchanged = target.read_text(encoding="utf-8") == text
        except (OSError, UnicodeError):
            unchanged = False
        if unchanged:
            return 0
        if not force and not _is_generated(target, solution.name):
            raise AssignError(f"{target}: exists and was not generated from {solution.name}; "
                              "refusing to overwrite it (use --force)")
    write_text(target, text)
    return 0


def _differences(expected: dict, actual: dict) -> list[str]:
    """One line per cell (or the notebook metadata) that differs."""
    lines = []
    want, got = expected.get("cells", []), actual.get("cells", [])
    if len(want) != len(got):
        lines.append(f"cell count differs: expected {len(want)}, found {len(got)}")
    for index, (a, b) in enumerate(zip(want, got)):
        fields = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
        if fields:
            lines.append(f"cell {index}: {', '.join(fields)} differ")
    if expected.get("metadata") != actual.get("metadata"):
        lines.append("notebook metadata differs")
    return lines or ["same content but different formatting"]


def check_in_sync(*, solution: str | Path, student: str | Path) -> list[str]:
    """Compare the committed student notebook with what ``main`` would write.

    Returns [] when they are byte-for-byte identical, otherwise one-line
    descriptions of what differs, each prefixed with the student file name.
    """
    expected = _generate(Path(solution))
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
