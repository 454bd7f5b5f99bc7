"""The notebook generator: the TA's solution notebook -> the student notebook.

Code between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` lines is
replaced by a ``raise NotImplementedError()`` stub, markdown answers become
``YOUR ANSWER HERE``, and ``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS``
regions are deleted. Outputs are cleared and cell ids are kept, so the same
solution always gives a byte-identical student notebook.

Used by ``grader assign`` (the student notebook, ``grader/verbs/assign.py``), the release
folder (``grader/release``) and the integrity report (the given code,
``grader/integrity/code.py``); it writes nothing itself.
"""

from __future__ import annotations

import copy
import importlib.util
import json
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from .errors import GraderError, not_found, one_line
from .run import cells
from .run.notebook import read_notebook

DEFAULT_NAME = "galaxy_classifier.ipynb"
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
        super().__init__(one_line(message))


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
    the cell as Jupyter shows it: ``run.cells.in_notebook``) for malformed markers, or when the notebook has no
    solution region at all.
    """
    student = copy.deepcopy(nb)
    total = 0
    for index, cell in enumerate(student.cells):
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(source)
        cell.source, found = _strip_source(source, cell.cell_type,
                                           f"{source_name}: {cells.in_notebook(nb, index)}")
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


def read_solution(path: Path) -> NotebookNode:
    """Read the solution notebook (the grader's one notebook reader); every failure
    is a one-line AssignError naming the file."""
    if not path.exists():
        raise AssignError(not_found(path))
    nb, why = read_notebook(path)
    if nb is None:
        raise AssignError(f"{path}: {why}")
    return nb


def generate(solution: Path) -> str:
    """The student notebook text generated from the solution file (byte-identical for the
    same solution)."""
    student = strip_solutions(read_solution(solution), source_name=str(solution))
    student.metadata[META_KEY] = {"generated_from": solution.name}
    return render(student)


def is_generated(path: Path, solution_name: str) -> bool:
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
