"""The student's accuracy history: which series the grader reads, and at which steps.

The contract name (``accuracies``) comes first.  Without it, the accuracy series
the notebook displayed in a plot is used (values in [0, 1]), named after the
notebook variable holding the same values when there is one, and a note says so.
Record spacing comes from the notebook's own ``steps`` or the plot's x values;
unknown spacing is left unknown (None), never assumed.

Everything here is kernel-written and untrusted: the plot check still compares
the last value with the grader's own accuracy of the trained parameters.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..run import cells
from ..run.protocol import HISTORY_CANDIDATES, result_key
from .figures import shown_series

VALUES_ATOL = 1e-6      # a variable "is" a plotted series when equal to this


@dataclass(frozen=True)
class History:
    values: np.ndarray            # float64, one per record
    steps: np.ndarray | None      # the training step of each record, when known
    name: str                     # the notebook variable, or "" (taken from the plot)
    note: str = ""                # said in the feedback when not the contract name


def _series_array(value):
    arr = None if value is None else np.asarray(value, dtype=np.float64).reshape(-1)
    return arr if arr is not None and arr.size else None


def _steps_for(values, *sources):
    """The first source that is one increasing, finite step (>= 0) per record; a
    plain count of records (0, 1, 2, ... or 1, 2, 3, ...: ``plt.plot(acc)``) is not."""
    n = values.size
    for s in sources:
        s = _series_array(s)
        if s is None or s.shape != values.shape or not np.all(np.isfinite(s)) \
                or s[0] < 0 or not np.all(np.diff(s) > 0):
            continue
        if not (np.array_equal(s, np.arange(n)) or np.array_equal(s, np.arange(1, n + 1))):
            return s
    return None


def _candidates(bundle):
    """{name: values} the kernel handed over as other series of fractions."""
    names = bundle.probe.get(HISTORY_CANDIDATES) if isinstance(bundle.probe, dict) else None
    out = {}
    for i, n in enumerate(names if isinstance(names, list) else []):
        arr = _series_array(bundle.arrays.get(result_key(HISTORY_CANDIDATES, i)))
        if isinstance(n, str) and arr is not None:
            out[n[:60]] = arr
    return out


def _shown_series(bundle):
    return [(s, cell) for s, cell in shown_series(bundle) if len(s["y"]) == s["n"]]


def _cell_name(bundle, ordinal):
    """The executed cell with this ordinal as Jupyter shows it ('code cell 3 (...)')."""
    return cells.in_bundle(bundle, ordinal=ordinal)


def _main_curve(shown, prefer):
    """The assignment's curve among several displayed: the one with the most records
    (an extra-credit or side curve is shorter), then the one ending nearest the
    grader's own accuracy (``prefer``), then the first shown."""
    def rank(item):
        (series, _), order = item
        near = abs(series["y"][-1] - prefer) if prefer is not None else 0.0
        return (-series["n"], near, order)
    return min(zip(shown, range(len(shown))), key=rank)[0]


def _later_reuse(bundle, contract, hist, shown):
    """When the contract's list holds a shorter curve plotted after a longer one (the
    name reused for an extra-credit curve): (the longer, earlier curve, a note)."""
    mine = [c for s, c in shown if len(s["y"]) == hist.size
            and np.allclose(s["y"], hist, rtol=0.0, atol=VALUES_ATOL)]
    if not mine:
        return None
    earlier = [(s, c) for s, c in shown if s["n"] > hist.size and c < min(mine)]
    if not earlier:
        return None
    series, cell = _main_curve(earlier, None)
    note = (f"`{contract}` holds a later, shorter curve ({hist.size} values, plotted in "
            f"{_cell_name(bundle, min(mine))}): the accuracy history graded is the longer "
            f"curve plotted before it in {_cell_name(bundle, cell)} "
            f"({series['n']} values), the plot the assignment asks for")
    return series, note


def recorded(bundle, names, prefer=None) -> History | None:
    """The history to grade.  ``prefer``: the grader's own test accuracy, used to
    choose among several plotted series of the same length (the one ending closest
    to it)."""
    contract = names.get("history", "accuracies")
    own_steps = bundle.arrays.get("steps")
    shown = _shown_series(bundle)
    hist = _series_array(bundle.arrays.get("history"))
    if hist is not None:
        reused = _later_reuse(bundle, contract, hist, shown)
        if reused is not None:
            series, note = reused
            values = np.asarray(series["y"], dtype=np.float64)
            return History(values, _steps_for(values, series.get("x")), "", note)
        xs = [s["x"] for s, _ in shown if len(s["y"]) == hist.size
              and np.allclose(s["y"], hist, rtol=0.0, atol=VALUES_ATOL) and s["x"] is not None]
        return History(hist, _steps_for(hist, own_steps, *xs), contract)
    if not shown:
        return None
    series, cell = _main_curve(shown, prefer)
    values = np.asarray(series["y"], dtype=np.float64)
    name = next((n for n, v in _candidates(bundle).items() if v.shape == values.shape
                 and np.allclose(v, values, rtol=0.0, atol=VALUES_ATOL)), "")
    what = f"`{name}`, the series" if name else "the series"
    others = len(shown) - 1
    note = (f"no `{contract}` in the notebook: the accuracy history graded is {what} "
            f"plotted in {_cell_name(bundle, cell)} ({values.size} values)"
            + (f"; {others} other accuracy curve{'s' * (others > 1)} not graded"
               if others and series["n"] > min(s["n"] for s, _ in shown) else ""))
    return History(values, _steps_for(values, series.get("x"), own_steps), name, note)
