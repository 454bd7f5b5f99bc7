"""Normalise the TA's solution notebook ``reference/solution.ipynb`` in place.

The committed notebook is the one source of the solution: edit it in Jupyter,
then run

    python tools/normalise_solution.py            # normalise it in place
    python tools/normalise_solution.py --assign   # ... and regenerate the student notebook
    python tools/normalise_solution.py --check    # exit 1 with one line if not normalised

Normalised means: no outputs or execution counts, cell metadata reduced to
``tags`` (non-empty), ``deletable`` and ``editable``, notebook metadata reduced
to the fixed kernelspec and ``language_info.name``, nbformat 4.5, cell ids kept
(missing ones become ``cell-<index>``), written as ``grader.verbs.assign.render``
writes it. ``tests/test_solution.py`` fails while the notebook is not normalised.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from grader.verbs.assign import AssignError, render  # noqa: E402  (after the sys.path line)

SOLUTION = ROOT / "reference" / "solution.ipynb"
STUDENT = ROOT / "assignment" / "galaxy_classifier.ipynb"
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
CELL_METADATA = ("tags", "deletable", "editable")   # every other cell metadata key is dropped
COMMAND = "python tools/normalise_solution.py"


def _load(path: Path) -> dict:
    """The notebook's JSON, with one-line AssignErrors naming ``path``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeError) as exc:
        raise AssignError(f"{path}: cannot read file ({exc})") from None
    except json.JSONDecodeError as exc:
        raise AssignError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(data, dict) or data.get("nbformat") != 4 \
            or not isinstance(data.get("cells"), list):
        raise AssignError(f"{path}: not a version 4 Jupyter notebook")
    return data


def normalised(path: str | Path) -> str:
    """The normalised text of the notebook at ``path``."""
    path = Path(path)
    data = _load(path)
    data["nbformat_minor"] = 5   # set before nbformat reads it, so no random ids are made
    for index, cell in enumerate(data["cells"]):
        if isinstance(cell, dict):
            cell.setdefault("id", f"cell-{index}")
    try:
        nb = nbformat.reads(json.dumps(data), as_version=4)
        nb.metadata = nbformat.from_dict({"kernelspec": dict(KERNELSPEC),
                                          "language_info": {"name": "python"}})
        for cell in nb.cells:
            keep = {k: v for k, v in cell.metadata.items() if k in CELL_METADATA}
            if not keep.get("tags", True):
                del keep["tags"]
            cell.metadata = nbformat.from_dict(keep)
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        nbformat.validate(nb)
    except Exception as exc:  # nbformat raises many different types here
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise AssignError(f"{path}: not a valid notebook ({first})") from None
    return render(nb)


def check(path: str | Path = SOLUTION) -> str | None:
    """None if the file is normalised, otherwise a one-line message saying how to fix it."""
    text = normalised(path)
    if Path(path).read_text(encoding="utf-8") == text:
        return None
    where = "" if Path(path).resolve() == SOLUTION else f" {path}"
    return f"{path}: not normalised (outputs or editor metadata?); run: {COMMAND}{where}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Normalise the solution notebook in place.")
    ap.add_argument("notebook", nargs="?", default=str(SOLUTION))
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="only report; exit 1 if not normalised")
    mode.add_argument("--assign", action="store_true",
                      help=f"also regenerate {STUDENT.relative_to(ROOT)} with grader.verbs.assign")
    args = ap.parse_args(argv)
    path = Path(args.notebook)
    try:
        if args.check:
            problem = check(path)
            print(problem or f"{path}: normalised", file=sys.stderr if problem else sys.stdout)
            return 1 if problem else 0
        text = normalised(path)
        if path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8", newline="")
            print(f"normalised {path}")
        if args.assign:
            from grader.verbs.assign import main as assign_main
            assign_main(solution=path, out=STUDENT, force=True)
            print(f"wrote {STUDENT}")
    except AssignError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
