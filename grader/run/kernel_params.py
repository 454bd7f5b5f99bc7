"""The student's own parameter structure, shipped into the kernel (never imported by
the grader).

Real notebooks keep ``[W1, b1, W2, b2]`` as a list, a tuple, a dict keyed ``0..3`` or
``"W1".."b2"``, a ``NamedTuple`` ``Params(W1, b1, W2, b2)`` or any object with those
fields.  The probe calls the student's functions with its parameters in the
student's structure (``Layout.build``) and reads gradients back from that
structure (``Layout.flat``), always handing the grader plain arrays in the order
``[W1, b1, W2, b2]`` (PARAMS, from protocol.py, shipped ahead of this file).
"""
import copy

try:    # the probe protocol's names: shipped ahead of this file into the kernel
    PARAMS  # noqa: F821
except NameError:       # imported on its own (a tool, a test)
    from grader.run.protocol import PARAMS


def slots(obj):
    """The values of a parameter structure, in its own order, or None."""
    if isinstance(obj, dict):
        if all(k in obj for k in PARAMS):
            return [obj[k] for k in PARAMS]
        if all(k in obj for k in range(4)):
            return [obj[k] for k in range(4)]
        return list(obj.values())
    if isinstance(obj, (list, tuple)):          # a NamedTuple is a tuple
        return list(obj)
    if all(hasattr(obj, k) for k in PARAMS):
        return [getattr(obj, k) for k in PARAMS]
    return None


def describe(obj):
    """What a parameter structure looks like, for a message: type, length, keys, shapes."""
    kind = type(obj).__name__
    vals = slots(obj)
    if vals is None:
        return f"a {kind}"
    keys = f", keys {list(obj)[:6]}" if isinstance(obj, dict) else ""
    shapes = [tuple(getattr(v, "shape", ())) for v in vals[:6]]
    return f"a {kind} of {len(vals)}{keys}, shapes {shapes}"


def network_shaped(vals, n_in, n_out):
    """Whether four values have the course network's shapes (any hidden width d)."""
    try:
        s = [tuple(v.shape) for v in vals]
    except AttributeError:
        return False
    return (len(s) == 4 and len(s[0]) == 2 and s[0][1] == n_in and s[1] == (s[0][0],)
            and s[2] == (n_out, s[0][0]) and s[3] == (n_out,))


class Layout:
    """Where W1, b1, W2, b2 sit in the student's structure (``order[i]``: the PARAMS
    index of slot i, found from the shapes when they tell, else slot i is PARAMS[i])."""

    def __init__(self, template, n_in, n_out):
        self.template = template
        vals = slots(template) if template is not None else None
        self.order = list(range(4))
        if vals is not None and len(vals) == 4:
            roles = [_role(getattr(v, "shape", None), n_in, n_out) for v in vals]
            if sorted(r for r in roles if r is not None) == [0, 1, 2, 3]:
                self.order = roles

    def build(self, arrays):
        """The arrays (in PARAMS order) in the student's structure."""
        t, mine = self.template, [arrays[i] for i in self.order]
        if isinstance(t, dict):
            if all(k in t for k in PARAMS):
                return dict(zip(PARAMS, arrays))
            keys = list(range(4)) if all(k in t for k in range(4)) else list(t)
            return dict(zip(keys, mine))
        if hasattr(t, "_fields"):
            return type(t)(*mine)
        if isinstance(t, tuple):
            return tuple(mine)
        if t is not None and not isinstance(t, list) and all(hasattr(t, k) for k in PARAMS):
            new = copy.copy(t)
            try:
                for k, a in zip(PARAMS, arrays):
                    setattr(new, k, a)
                return new
            except Exception:
                pass
        return mine

    def flat(self, value):
        """A gradient in the student's structure as a list in PARAMS order."""
        vals = slots(value)
        if vals is None or len(vals) != 4:
            return value
        if isinstance(value, dict) and all(k in value for k in PARAMS) or \
                not isinstance(value, (dict, list, tuple)):
            return vals                           # already in PARAMS order
        out = [None] * 4
        for slot, index in enumerate(self.order):
            out[index] = vals[slot]
        return out


def _role(shape, n_in, n_out):
    """Which of W1, b1, W2, b2 an array of this shape can only be (index), or None."""
    if shape is None:
        return None
    if len(shape) == 2:
        return 0 if shape[1] == n_in else 2 if shape[0] == n_out else None
    if len(shape) == 1:
        return 3 if shape[0] == n_out else 1
    return None
