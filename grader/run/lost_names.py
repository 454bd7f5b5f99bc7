"""What a student loses when a cell is stopped: the names it would have defined.

A cell that hits the time limit (or crashes the kernel) is skipped and the notebook
re-run without it, so whatever that cell would have defined is missing later.  The
note names those names and, for the ones the grader looks up, what they are graded
for.  The cell is read with IPython's own transformer first, so ``!wget`` and
``%time`` lines parse as they do in the kernel.
"""
from __future__ import annotations

import ast

from ..checks.catalog import GRADED_FOR   # rubric name role -> what it is graded for
from .student_code import parse

MAX_NAMES = 8


def _targets(node) -> list:
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, (ast.Tuple, ast.List)):
        return [n for e in node.elts for n in _targets(e)]
    if isinstance(node, ast.Starred):
        return _targets(node.value)
    return []


def _top_level(nodes):
    """Statements run at the cell's top level (inside if/for/while/with/try too), not
    function or class bodies, whose names are local."""
    for node in nodes:
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for field in ("body", "orelse", "finalbody", "handlers"):
                yield from _top_level(getattr(node, field, []) or [])


def _bound(node) -> list:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, ast.Assign):
        return [n for t in node.targets for n in _targets(t)]
    if isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        return _targets(node.target)
    if isinstance(node, (ast.For, ast.AsyncFor)):
        return _targets(node.target)
    if isinstance(node, (ast.With, ast.AsyncWith)):
        return [n for w in node.items if w.optional_vars is not None
                for n in _targets(w.optional_vars)]
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [(a.asname or a.name).split(".")[0] for a in node.names]
    return []


def defined_names(source: str) -> list:
    """Names a cell binds at its top level (assignments, def, class, import, for,
    with), in order, without repeats; [] when it cannot be parsed."""
    tree = parse(source)
    if tree is None:           # not Python even after IPython's transforms
        return []
    found = [n for node in _top_level(tree.body) for n in _bound(node)]
    return list(dict.fromkeys(n for n in found if not n.startswith("_") and n != "*"))


def lost_note(source: str, names: dict) -> str:
    """'; it would have defined `a`, `b` (graded: `b` for the plot)', or ''."""
    got = defined_names(source)
    if not got:
        return ""
    roles = {name: role for role, name in names.items() if role in GRADED_FOR}
    shown = ", ".join(f"`{n}`" for n in got[:MAX_NAMES]) + (" ..." if len(got) > MAX_NAMES else "")
    graded = [f"`{n}` for {GRADED_FOR[roles[n]]}" for n in got if n in roles]
    return (f"; it would have defined {shown}" +
            (f", so the grader found nothing for {', '.join(graded)}" if graded else ""))
