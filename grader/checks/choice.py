"""Which of the notebook's network-shaped values are the trained parameters.

The probe hands over up to three candidates (``PARAMS_KEYS``), in the order the
grader's reading of the code put them (``run/student_code.py``: the value the
training code updates and passes to ``net``/``loss`` first; never a gradient).
When several candidates are equally good by that reading (``p`` and ``best_p``,
a main and an extra-credit network), the grader takes the one whose accuracy, which
it computes itself, is nearest the last accuracy the notebook recorded.  The choice
and its reason are said in the feedback.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import jax
import jax.numpy as jnp
import numpy as np

from reference import model

from ..message import say, student
from ..run.artifacts import arrays_digest
from ..run.protocol import PARAMS_KEYS
from . import history as hs
from .context import on_device
from .kept import Kept

_fraction_correct = jax.jit(model.fractionCorrect)
_ACCURACY = Kept(64)     # (parameters' digest; images, labels) -> accuracy


def accuracy_of(params, x, y) -> float:
    """The grader's accuracy of ``params`` on one of the batch's data sets (images ``x``,
    labels ``y``), computed once per parameters and set: the checks ask for it again."""
    return _ACCURACY.get((x, y), lambda: float(_fraction_correct(params, on_device(x),
                                                                 on_device(y))),
                         key=arrays_digest(params) or None)


@dataclass(frozen=True)
class Choice:
    name: str                   # the notebook variable ("" when none was handed over)
    arrays: list | None         # its values in PARAMS order, as the kernel gave them
    why: str = ""               # why this one, when there was anything to choose
    others: dict = field(default_factory=dict)   # name -> why not


def _consistent(ps) -> bool:
    """Four arrays of the network's shapes (NaN allowed: a diverged run is still the
    trained value, and the accuracy check says so)."""
    try:
        W1, b1, W2, b2 = (np.asarray(a) for a in ps)
    except (TypeError, ValueError):
        return False
    d = W1.shape[0] if W1.ndim == 2 else -1
    return (W1.ndim == 2 and W1.shape[1] == model.N_PIXELS and b1.shape == (d,)
            and W2.shape == (model.N_CLASSES, d) and b2.shape == (model.N_CLASSES,))


def _handed_over(bundle) -> list:
    """(name, arrays or None) per candidate key the probe filled, in its order."""
    names = bundle.probe.get("params_candidates") if isinstance(bundle.probe, dict) else None
    if not isinstance(names, list):
        names = [bundle.probe.get("params_name") or ""]
    out = []
    for key, name in zip(PARAMS_KEYS, names):
        arrays = bundle.get_list(key)
        if key == PARAMS_KEYS[0] or arrays is not None:
            out.append((str(name or "")[:60], arrays))
    return out


def _reading(bundle) -> dict:
    """The grader's reading of the code: name -> {role, score, reason}."""
    code = bundle.code if isinstance(getattr(bundle, "code", None), dict) else {}
    return {c["name"]: c for c in code.get("params", []) if isinstance(c, dict)
            and isinstance(c.get("name"), str)}


def choose(bundle, ctx=None, names=None) -> Choice:
    """The trained parameters (see the module's docstring); worked out once per bundle
    and context (several checks ask)."""
    memo = bundle.__dict__.setdefault("_choices", {})
    hit = memo.get(id(ctx))
    if hit is not None and hit[0] is ctx:      # the context is held: its id is not reused
        return hit[1]
    made = _choose(bundle, ctx, names)
    memo[id(ctx)] = (ctx, made)
    return made


def _choose(bundle, ctx, names) -> Choice:
    found = _handed_over(bundle)
    if not found:
        return Choice("", None)
    reading = _reading(bundle)
    score = {n: float(reading.get(n, {}).get("score", 0.0)) for n, _ in found}
    usable = [(n, a) for n, a in found if a is not None and _consistent(a)]
    if len(usable) < 2:
        name, arrays = usable[0] if usable else found[0]
        return Choice(name, arrays, _reason(reading.get(name)), _others(bundle, found, name, reading))
    top = max(score[n] for n, _ in usable)
    tied = [(n, a) for n, a in usable if score[n] == top]
    name, arrays, why = tied[0][0], tied[0][1], _reason(reading.get(tied[0][0]))
    history = hs.recorded(bundle, names or {}) if ctx is not None and len(tied) > 1 else None
    if history is not None:
        last = float(history.values[-1])
        accs = {n: accuracy_of([jnp.asarray(x, jnp.float32) for x in a], ctx.probes.test_x,
                               ctx.probes.test_y) for n, a in tied}
        name = min(accs, key=lambda n: abs(accs[n] - last))
        arrays = dict(tied)[name]
        why = (f"{_reason(reading.get(name))}; its test accuracy {accs[name]:.3f} is the "
               f"nearest to the last recorded {last:.3f}")
    return Choice(name, arrays, why, _others(bundle, found, name, reading))


def _reason(entry) -> str:
    return str(entry.get("reason", ""))[:200] if isinstance(entry, dict) else ""


def _others(bundle, found, chosen, reading) -> dict:
    """Why not each other network-shaped value: the candidates handed over and the
    gradients the probe left out."""
    left_out = bundle.probe.get("params_excluded") if isinstance(bundle.probe, dict) else None
    names = [n for n, _ in found] + [str(n)[:60] for n in (left_out or [])
                                     if isinstance(n, str)][:4]
    return {n: _reason(reading.get(n)) or "not chosen" for n in names if n != chosen}


def note(choice: Choice, contract: str, kind: str = "") -> str:
    """What the feedback says about the choice, or "" when there was nothing to say
    (the contract name, the only candidate)."""
    if not choice.name or (choice.name == contract and "nearest" not in choice.why):
        return ""
    others = [say("`{n}` ({why})", n=student(n), why=why)
              for n, why in list(choice.others.items())[:3] if why]
    said = say("the trained parameters were taken from `{name}`", name=student(choice.name)) \
        + (say(" ({kind})", kind=student(kind)) if kind else "") \
        + (say(": {why}", why=choice.why) if choice.why else "")
    if choice.name != contract:
        said = say("no `{contract}` in the notebook: ", contract=contract) + said
    for i, other in enumerate(others):
        said += ("; not " if i == 0 else ", ") + other
    return said
