"""What the student's own code says about its variables: read by the grader with the
AST before the probe runs, never executed.

Real notebooks keep several network-shaped values at top level: the parameters
being trained (``p``, ``params``, ``weights``), the gradient of the last step
(``grads = loss_grad(p, img, lbl)``, a ``Params`` too), an initial copy (``p0 = p``),
the best parameters so far (``best_p = p`` inside the loop).  A TA takes the one the
training loop updates and the code passes to ``net``/``loss``/``fractionCorrect``;
``rank_params`` orders the names that way, with the reason, and names the gradients
that must never be taken.  The probe (``kernel_probe._student_params``) hands over
the first network-shaped values in that order; the grader chooses among them
(``checks/choice.py``).  ``batch_gradient_names`` finds an extra-credit mini-batch
gradient kept under another name.  One reading of the code in one module (about 340
lines: the walker, the roles and their reasons belong together).
"""
from __future__ import annotations

import ast
from dataclasses import asdict, dataclass, field
from functools import partial

from . import cells

MAX_CELL_CHARS = 200_000        # a cell longer than this is not read (padding, data)
MAX_TOTAL_CHARS = 2_000_000
GRAD_CALLS = {"grad", "value_and_grad", "jacfwd", "jacrev"}
COPY_CALLS = {"copy", "deepcopy", "tree_map", "_replace", "asarray", "array"}
MODEL_FUNCTIONS = ("net", "loss", "loss_grad", "fraction_correct")   # rubric roles
SCORES = {"trained": 3.0, "kept": 2.0, "template": 1.0, "copy": 0.5}


@dataclass
class Candidate:
    """One top-level name and what the code does with it."""
    name: str
    role: str = "template"          # trained | kept | template | copy | gradient
    cell: int | None = None         # where it was first assigned
    update_cell: int | None = None  # where the code updates it
    passed_to: list = field(default_factory=list)   # functions it is the first argument of
    copied_from: str = ""
    grad_call: str = ""

    @property
    def score(self) -> float:
        return SCORES.get(self.role, 0.0) + (0.5 if self.passed_to else 0.0)

    def reason(self, name_cell=lambda index: f"cell {index}") -> str:
        """Why it is a candidate; ``name_cell``: notebook cell index -> its name."""
        passed = " and ".join(f"`{f}`" for f in self.passed_to[:3])
        used = f"passed to {passed}" if passed else ""
        if self.role == "gradient":
            return f"the value of `{self.grad_call or 'a gradient'}(...)`: a gradient"
        if self.role == "trained":
            where = f" in {name_cell(self.update_cell)}" if self.update_cell is not None else ""
            return ", ".join(filter(None, (used, f"updated by the training code{where}")))
        if self.role == "kept":
            return f"a copy of `{self.copied_from}` kept inside the training loop" + \
                (f" in {name_cell(self.update_cell)}" if self.update_cell is not None else "")
        if self.role == "copy":
            return f"a copy of `{self.copied_from}` made once, never updated"
        return ", ".join(filter(None, (used, "assigned once and never updated")))


def code_cells(nb) -> list:
    """(notebook cell index, source) of each code cell, within the size caps."""
    out, total = [], 0
    for i, cell in enumerate(nb.get("cells", [])):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else str(src)
        total += len(src)
        if len(src) > MAX_CELL_CHARS or total > MAX_TOTAL_CHARS:
            continue
        out.append((i, src))
    return out


def _python(src: str) -> str:
    """The cell as plain Python: a cell magic's line dropped (``%%time`` runs its body
    as Python), line magics and shell escapes turned into calls by IPython."""
    lines = src.lstrip("\n").splitlines()
    if lines and lines[0].lstrip().startswith("%%"):
        src = "\n".join(lines[1:])
    try:
        from IPython.core.inputtransformer2 import TransformerManager
        return TransformerManager().transform_cell(src)
    except Exception:       # IPython missing or a transform it cannot do
        return src


def parse(src: str):
    """The cell's syntax tree (magics made Python first), or None when it is not Python."""
    try:
        return ast.parse(_python(src))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _trees(nb):
    for index, src in code_cells(nb):
        tree = parse(src)
        if tree is not None:
            yield index, tree


def _call_name(func) -> str:
    """``f`` for ``f(...)``, ``jax.grad`` -> ``grad``, ``grad(loss)(...)`` -> ``grad``."""
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Call):
        return _call_name(func.func)
    return ""


def _mentions_grad(node) -> bool:
    return any(isinstance(n, ast.Call) and _call_name(n.func) in GRAD_CALLS
               for n in ast.walk(node))


def _bound_names(target) -> list:
    out = []
    _target_names(target, out)
    return out


def _target_names(target, out, mutated=False):
    """Top-level names a target binds (``a``, ``a, b``) or mutates (``a[0]``, ``a.W1``)."""
    if isinstance(target, ast.Name):
        out.append((target.id, mutated))
    elif isinstance(target, (ast.Tuple, ast.List)):
        for t in target.elts:
            _target_names(t, out, mutated)
    elif isinstance(target, ast.Starred):
        _target_names(target.value, out, mutated)
    elif isinstance(target, (ast.Subscript, ast.Attribute)):
        _target_names(target.value, out, True)


class _Reader:
    """Walks the top level of every cell (into loops, ifs, withs, trys; into a function
    only for the names it declares ``global``) and records each name's assignments."""

    def __init__(self, grad_functions):
        self.grad_functions = set(grad_functions)
        self.found: dict[str, Candidate] = {}
        self.defs: set[str] = set()
        self.grad_vars: set[str] = set()
        self.kinds: dict[str, list] = {}

    def cell(self, index, tree):
        self.index = index
        self._body(tree.body, in_loop=False, only=None)

    def _body(self, stmts, in_loop, only):
        for s in stmts:
            if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.defs.add(s.name)
                glob = {n for g in ast.walk(s) if isinstance(g, ast.Global) for n in g.names}
                if "grad" in s.name.lower():
                    self.grad_functions.add(s.name)
                if glob:          # a function that updates globals is training code
                    self._body(s.body, in_loop=True, only=glob)
                continue
            if isinstance(s, ast.ClassDef):
                continue
            if isinstance(s, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and \
                    getattr(s, "value", None) is not None:
                self._assign(s, in_loop, only)
            for name in ("body", "orelse", "finalbody"):
                inner = getattr(s, name, None)
                if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                    self._body(inner, in_loop or isinstance(s, (ast.For, ast.While,
                                                                 ast.AsyncFor)), only)
            for handler in getattr(s, "handlers", []) or []:
                self._body(handler.body, in_loop, only)
            if not isinstance(s, (ast.FunctionDef, ast.ClassDef)):
                self._calls(s)

    def _assign(self, s, in_loop, only):
        targets = s.targets if isinstance(s, ast.Assign) else [s.target]
        pairs = []                      # (target, its own value): a, b = x, y pairs them
        for t in targets:
            if isinstance(t, (ast.Tuple, ast.List)) and isinstance(s.value, (ast.Tuple, ast.List)) \
                    and len(t.elts) == len(s.value.elts):
                pairs += list(zip(t.elts, s.value.elts))
            else:
                pairs.append((t, s.value))
        for target, value in pairs:
            bound = []
            _target_names(target, bound)
            for name, mutated in bound:
                if only is None or name in only:
                    self._bind(name, mutated, value, in_loop, isinstance(s, ast.AugAssign))
        if isinstance(s, ast.Assign) and _mentions_grad(s.value):
            for t in s.targets:         # loss_grad = jit(grad(loss)), vmap(grad(...)) ...
                self.grad_functions.update(n for n, _ in _bound_names(t))

    def _bind(self, name, mutated, value, in_loop, augmented):
        kind, source = self._kind(name, value, mutated or augmented, in_loop)
        c = self.found.setdefault(name, Candidate(name, cell=self.index))
        self.kinds.setdefault(name, []).append((kind, in_loop, source, self.index))
        if kind == "gradient":
            c.grad_call = c.grad_call or source
            self.grad_vars.add(name)
        elif kind == "copy":
            c.copied_from = c.copied_from or source
        if c.update_cell is None and (kind == "update" or kind == "copy" and in_loop):
            c.update_cell = self.index

    def _kind(self, name, value, mutated, in_loop):
        """(gradient | copy | update | init | derived, what it came from): ``derived``
        is a call on another name (``trained = train(p0)``), decided once the whole
        notebook is read."""
        if "grad" in name.lower() or self._gradient_valued(value):
            return "gradient", _call_name(value.func) if isinstance(value, ast.Call) else ""
        if mutated:
            return "update", ""
        copied = _copied(value)
        if copied and copied != name:
            return "copy", copied
        refs = {n.id for n in ast.walk(value) if isinstance(n, ast.Name)}
        if in_loop or name in refs:
            return "update", ""
        if isinstance(value, ast.Call) and value.args and isinstance(value.args[0], ast.Name):
            return "derived", value.args[0].id
        return "init", ""

    def _gradient_valued(self, value, depth=0) -> bool:
        """A gradient call (``loss_grad(...)``, ``grad(loss)(...)``, a function named
        for gradients), a name holding one, or a call on nothing but gradients
        (``average(batch_grads(p, xb, yb))``; ``update(p, grads)`` is not)."""
        if depth > 20:
            return False
        if isinstance(value, ast.Name):
            return value.id in self.grad_vars
        if not isinstance(value, ast.Call):
            return False
        fname = _call_name(value.func)
        if fname in self.grad_functions or fname in GRAD_CALLS or "grad" in fname.lower():
            return True
        args = [a for a in value.args if not isinstance(a, ast.Lambda)]
        return bool(args) and all(self._gradient_valued(a, depth + 1) for a in args)

    def _calls(self, stmt):
        for n in ast.walk(stmt):
            if isinstance(n, ast.Call) and n.args and isinstance(n.args[0], ast.Name):
                c = self.found.get(n.args[0].id)
                fname = _call_name(n.func)
                if c is not None and fname and fname not in c.passed_to \
                        and fname not in COPY_CALLS and fname not in ("print", "len", "type"):
                    c.passed_to.append(fname)

    def candidates(self, model_functions):
        """Each name's role from all its assignments; ``model_functions``: the calls that
        take parameters first (with the student's own functions, the only ones kept in
        ``passed_to``; a ``derived`` value counts as trained when its source is passed
        to one of them)."""
        for c in self.found.values():
            c.passed_to = [f for f in c.passed_to if f in model_functions or f in self.defs]

        def derived(source):         # trained = train(p0): p0 goes into the student's code
            src = self.found.get(source)
            return src is not None and bool(src.passed_to)

        for name, c in self.found.items():
            kinds = self.kinds[name]
            if any(k == "gradient" for k, *_ in kinds):
                c.role = "gradient"
            elif any(k == "update" or k == "derived" and src != name and derived(src)
                     for k, _, src, _ in kinds):
                c.role = "trained"
                c.update_cell = next((cell for k, _, src, cell in kinds if k == "update"
                                      or k == "derived" and derived(src)), c.update_cell)
            elif any(k == "copy" and loop for k, loop, *_ in kinds):
                c.role = "kept"
            elif all(k == "copy" for k, *_ in kinds):
                c.role = "copy"
            else:
                c.role = "template"
        return list(self.found.values())


def _copied(value) -> str:
    """The name ``value`` copies (``p``, ``copy.deepcopy(p)``, ``p._replace()``,
    ``jax.tree_util.tree_map(lambda a: a, p)``), or ""."""
    if isinstance(value, ast.Name):
        return value.id
    if isinstance(value, ast.Call) and _call_name(value.func) in COPY_CALLS:
        names = [a.id for a in value.args if isinstance(a, ast.Name)]
        if isinstance(value.func, ast.Attribute) and isinstance(value.func.value, ast.Name) \
                and value.func.attr == "_replace" and not value.keywords:
            return value.func.value.id
        if len(names) == 1 and len(value.args) <= 2:
            return names[0]
    return ""


def rank_params(nb, names) -> list:
    """Every top-level name the code assigns, best trained-parameter candidate first
    (gradients last, marked ``role == "gradient"``).  ``names``: the rubric's names."""
    reader = _Reader({names.get("loss_grad", "loss_grad"), names.get("batch_grad", "")} - {""})
    for index, tree in _trees(nb):
        try:
            reader.cell(index, tree)
        except RecursionError:
            continue
    contract = names.get("params", "params")
    found = reader.candidates({names.get(k, k) for k in MODEL_FUNCTIONS} | {"accuracy"})
    return sorted(found, key=lambda c: (c.role == "gradient", -c.score - 0.1 * (c.name == contract)))


def batch_gradient_names(nb, names) -> list:
    """Top-level names bound to a vmapped gradient (``jit(vmap(grad(loss), ...))``) or
    a function whose name says batch and gradient: where an extra-credit mini-batch
    gradient lives when not under the contract name."""
    found = []
    for _, tree in _trees(nb):
        for s in tree.body:
            if isinstance(s, ast.Assign) and _mentions_grad(s.value) and any(
                    isinstance(n, ast.Call) and _call_name(n.func) == "vmap"
                    for n in ast.walk(s.value)):
                found += [t.id for t in s.targets if isinstance(t, ast.Name)]
            elif isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)):
                low = s.name.lower()
                if "grad" in low and ("batch" in low or "mini" in low):
                    found.append(s.name)
    contract = names.get("batch_grad", "batch_loss_grad")
    # a helper that averages comes after the vmapped function it calls: prefer it
    return [n for n in dict.fromkeys(reversed(found)) if n != contract][:4]


def read(nb, names) -> tuple[dict, dict]:
    """(the extra names the probe cell reads, the grader's reading for the bundle).

    The probe reads where to look for the trained parameters (in order), which values
    are gradients (never the parameters) and where else a mini-batch gradient may
    live; the bundle keeps each candidate's role and reason for the feedback."""
    ranked = rank_params(nb, names)
    alt = batch_gradient_names(nb, names)
    probe = {"params_order": [c.name for c in ranked if c.role != "gradient"][:40],
             "params_never": [c.name for c in ranked if c.role == "gradient"][:40],
             "batch_grad_alt": alt}
    named = partial(cells.in_notebook, nb)
    kept = {"params": [{**asdict(c), "score": c.score, "reason": c.reason(named)}
                       for c in ranked[:40]], "batch_grad_alt": alt}
    return probe, kept
