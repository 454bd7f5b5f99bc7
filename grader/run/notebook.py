"""What a notebook file must be before a kernel runs it, and the cells the grader adds.

``read_notebook`` never reads past the size cap and turns every kind of
broken file into one line of reason; ``setup_source``/``probe_source`` are
the grader's first and last cells (kernel_capture.py, kernel_probe.py).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat

# the source shipped into the kernel: the probe protocol's names first, then the
# figure capture and the probe that use them (one private module: see setup_source)
KERNEL_SIDE = "\n".join((Path(__file__).parent / name).read_text()
                         for name in ("protocol.py", "kernel_params.py", "kernel_capture.py",
                                      "kernel_probe.py"))
MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
MAX_CELLS = 20_000                    # far above any real notebook; time limits bound the rest
PROBE_BUDGET = 90                     # seconds for all probe calls together


def read_notebook_bytes(path: Path):
    """(the file's bytes, "") or (None, why not); never reads past the size cap."""
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            raw = fh.read(MAX_NOTEBOOK_BYTES + 1)
    except OSError as exc:
        return None, f"notebook cannot be read ({exc.strerror or type(exc).__name__})"
    if max(size, len(raw)) > MAX_NOTEBOOK_BYTES:
        return None, f"notebook is {max(size, len(raw)) / 2**20:.0f} MB (limit " \
                     f"{MAX_NOTEBOOK_BYTES // 2**20} MB)"
    return raw, ""


def read_notebook(path: Path):
    """(notebook, "") or (None, why it cannot be run); never reads past the size cap."""
    raw, why = read_notebook_bytes(path)
    if raw is None:
        return None, why
    if not raw.strip():
        return None, "notebook file is empty"
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, "notebook is not UTF-8 text (a binary file?)"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, f"not a readable Jupyter notebook: invalid JSON at line {exc.lineno} ({exc.msg})"
    except RecursionError:
        return None, "not a readable Jupyter notebook: JSON nested too deeply"
    if not isinstance(data, dict) or not isinstance(data.get("nbformat"), int):
        return None, "not a readable Jupyter notebook (JSON without an 'nbformat' version)"
    cells = data.get("cells")
    if isinstance(cells, list) and len(cells) > MAX_CELLS:
        return None, f"notebook has {len(cells)} cells (limit {MAX_CELLS})"
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as exc:    # nbformat raises many types for broken files
        why = str(exc).splitlines()[0][:120] if str(exc) else ""
        return None, f"not a readable Jupyter notebook ({type(exc).__name__}: {why})"
    return _usable(nb)


def _usable(nb):
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return None, "not a Jupyter notebook (no list of cells)"
    for i, cell in enumerate(nb.cells):
        if not isinstance(cell, dict) or not isinstance(cell.get("source", ""), str) \
                or not isinstance(cell.get("cell_type"), str):
            return None, (f"not a valid Jupyter notebook (its cell {i + 1} of "
                          f"{len(nb.cells)}, markdown cells counted, is malformed)")
    meta = nb.get("metadata") if isinstance(nb.get("metadata"), dict) else {}
    spec = meta.get("kernelspec") if isinstance(meta.get("kernelspec"), dict) else {}
    info = meta.get("language_info") if isinstance(meta.get("language_info"), dict) else {}
    lang = spec.get("language") or info.get("name") or "python"
    if str(lang).lower() not in ("python", "python3"):
        return None, f"notebook is written for {str(lang)[:40]!r}, not Python"
    if len(nb.cells) > MAX_CELLS:
        return None, f"notebook has {len(nb.cells)} cells (limit {MAX_CELLS})"
    return nb, ""


def setup_source() -> str:
    """The first cell: the grader's kernel-side code in a private module
    ``_galaxy_grader`` whose builtins are a copy taken before any student cell ran;
    the probe cell runs a fresh copy of the source with those same builtins.  So a
    student who shadows or rebinds ``open``, ``print``, ``dict``, ``len`` ... (even
    in ``builtins``) does not break the probes, and no grader name lands in the
    student's namespace."""
    return f"""def __gg_setup(src):
    import builtins, sys, types
    mod = types.ModuleType("_galaxy_grader")
    mod.__dict__["__builtins__"] = builtins.dict(builtins.vars(builtins))
    builtins.exec(builtins.compile(src, "<galaxy-grader>", "exec"), mod.__dict__)
    sys.modules["_galaxy_grader"] = mod
    mod.install_capture()
__gg_setup({KERNEL_SIDE!r})
del __gg_setup
"""


def probe_source(inp, stem, names, nonce, budget=PROBE_BUDGET) -> str:
    """The last cell: a fresh copy of the helpers, with the builtins saved before
    the student's cells, calls the student's functions."""
    return f"""def __gg_probe(src, args):
    import builtins as b, sys, types
    old = sys.modules.get("_galaxy_grader")
    saved = b.getattr(old, "__dict__", {{}}).get("__builtins__")
    mod = types.ModuleType("_galaxy_grader_probe")
    mod.__dict__["__builtins__"] = saved if b.isinstance(saved, b.dict) else b.dict(b.vars(b))
    b.exec(b.compile(src, "<galaxy-grader>", "exec"), mod.__dict__)
    mod.probe(*args, capture=old, budget={budget!r})
__gg_probe({KERNEL_SIDE!r}, ({str(inp)!r}, {str(stem)!r}, {names!r}, {nonce!r}))
del __gg_probe
"""
