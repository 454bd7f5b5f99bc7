"""The probe, shipped into the student's kernel (never imported by the grader).

``probe(in_path, out_path, names, nonce)`` calls the student's functions on
grader-chosen inputs, as the probe protocol (protocol.py, shipped ahead of this
file) declares, and saves what they return (``.npz`` + ``.json``).  Nothing
here is trusted by the grader: whatever the kernel writes is checked against
reference answers computed outside it.  About 330 lines in one file: it is shipped
whole into the kernel, where none of the grader's modules can be imported.
"""
import json
import signal

try:    # the probe protocol's names: shipped ahead of this file into the kernel
    PARAMS  # noqa: F821
except NameError:       # imported on its own (a tool, a test)
    from grader.run.protocol import (DATA_ROWS, FINITE_DIFFERENCES, FUNCTIONS,  # noqa: F401
                                     FIGURES_BYTES, GRADIENTS, HISTORY_CANDIDATES, MAX_CANDIDATES,
                                     NAMESPACE, PARAMS, PARAMS_KEYS, PER_IMAGE, WHOLE_SET,
                                     result_key, rows_key)
    from grader.run.kernel_params import Layout, describe, network_shaped, slots  # noqa: F401


class _Timeout(Exception):
    pass


def _guarded(seconds, fn):
    def on_alarm(*_):
        raise _Timeout(f"took longer than {seconds:.3g} s")
    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return fn()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _compiled(fn):
    """``fn`` through ``jax.jit`` (one compile instead of one per operation of an
    eager call); a function that does not trace runs as it is, so the value is
    the student's either way.  A function the notebook compiled itself
    (``jit(grad(loss))``) is called as it is: at the shapes the notebook called it
    with, its own program is reused instead of compiled again."""
    if type(fn).__name__ == "PjitFunction":
        return fn
    try:
        import jax
        jitted = jax.jit(fn)
    except Exception:
        return fn

    def run(*args):
        try:
            return jitted(*args)
        except _Timeout:
            raise
        except Exception:
            return fn(*args)
    return run


def probe(in_path, out_path, names, nonce, capture=None, seconds=20, budget=90):
    """Run ``_probe``; if it fails as a whole, leave a note of why for the grader."""
    try:
        _probe(in_path, out_path, names, nonce, capture, seconds, budget)
    except BaseException as exc:
        why = f"the probe itself failed: {type(exc).__name__}: {exc}"[:400]
        with open(out_path + ".json", "w") as fh:
            fh.write(json.dumps({"nonce": nonce, "errors": {"probe": why}, "found": {}}))
        with open(out_path + ".npz", "wb") as fh:
            fh.write(b"PK\x05\x06" + b"\0" * 18)          # an empty zip archive


class _Caller:
    """Calls one student function at a time and keeps what it returns (as float64
    arrays) or why not.  Each call is stopped after ``seconds``; after one call of
    a role timed out, that role's other calls are skipped; after ``budget``
    seconds in all, every call left is skipped: a hanging function costs little."""

    def __init__(self, meta, seconds, budget):
        import time
        self.out, self.meta, self.seconds, self.budget = {}, meta, seconds, budget
        self.clock = time.monotonic
        self.end, self.hung = self.clock() + budget, set()

    def __call__(self, key, fn):
        import numpy as np
        role, errors = key.split("/")[0], self.meta["errors"]
        if role in self.hung or self.clock() > self.end:
            errors[key] = ("skipped: an earlier call timed out" if role in self.hung
                           else f"skipped: probes ran out of time ({self.budget} s)")
            return
        try:
            val = _guarded(min(self.seconds, max(self.end - self.clock(), 0.1)), fn)
            if isinstance(val, (list, tuple)):
                for i, v in enumerate(val[:16]):
                    self.out[f"{key}/{i}"] = np.asarray(v, dtype=np.float64)
                self.meta["found"][key] = min(len(val), 16)
            else:
                self.out[key] = np.asarray(val, dtype=np.float64)
                self.meta["found"][key] = "array"
        except _Timeout as exc:
            self.hung.add(role)
            errors[key] = f"stopped: {exc}"
        except BaseException as exc:  # student code may raise anything
            stub = _stub(exc)
            text = f"{type(exc).__name__}: {exc}"[:400]
            errors[key] = f"{text.rstrip(': ')} ({stub})" if stub else text


def _stub(exc) -> str:
    """For a stub's NotImplementedError, which function is still the stub (the
    innermost frame: the function called, or one it calls)."""
    tb = exc.__traceback__ if isinstance(exc, NotImplementedError) else None
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    name = tb.tb_frame.f_code.co_name if tb is not None else ""
    return f"`{name}` is still the stub" if name.isidentifier() else ""


def _probe(in_path, out_path, names, nonce, capture, seconds, budget):
    """Call the student's functions on the grader's inputs; save what they return."""
    import numpy as np
    from IPython import get_ipython
    ns = get_ipython().user_ns
    with open(in_path, "rb") as fh:      # our own open: the student may have replaced theirs
        inp = dict(np.load(fh))
    meta = {"nonce": nonce, "errors": {}, "found": {}, "figures": []}
    call = _Caller(meta, seconds, budget)

    def fn(role):
        obj = ns.get(names[role])
        if obj is None and role == "batch_grad":        # kept under another name
            alt = next((k for k in names.get("batch_grad_alt") or () if callable(ns.get(k))), None)
            if alt is not None:
                obj, meta["batch_grad_name"] = ns[alt], alt
        if obj is None:
            meta["errors"].setdefault(role, f"name {names[role]!r} is not defined")
        return _compiled(obj) if callable(obj) else obj

    layout = _student_params(ns, names, inp, call, meta, seconds)
    _probe_data(ns, names, inp, call, meta)
    if ns.get(names["history"]) is None:
        _history_candidates(ns, call, meta, seconds)
    _probe_functions({r: fn(r) for r in FUNCTIONS}, inp, call, layout)
    _probe_figures(capture, meta)
    meta["per_image_mean"] = sorted(_PER_IMAGE_MEAN)
    with open(out_path + ".npz", "wb") as fh:
        np.savez(fh, **call.out)
    with open(out_path + ".json", "w") as fh:
        json.dump(meta, fh)


def _student_params(ns, names, inp, call, meta, seconds):
    """Hand over the trained-parameter candidates (PARAMS_KEYS, in PARAMS order): the
    network-shaped values under the names the grader read from the code, best first
    (``params_order``), then the contract name, then any other network-shaped value;
    never a gradient (``params_never``).  Return the Layout of the student's structure
    for the probe calls (from the first candidate, else from a gradient or the
    notebook's NamedTuple class, which have the same structure)."""
    import numpy as np
    n_in, n_out = int(inp["W1"].shape[1]), int(inp["b2"].shape[0])
    name, never = names["params"], [k for k in names.get("params_never") or () if isinstance(k, str)]

    def shaped(k):
        v = ns.get(k)
        return v is not None and not callable(v) and network_shaped(slots(v) or [], n_in, n_out)

    def find():
        order = [k for k in list(names.get("params_order") or ()) + [name] if isinstance(k, str)]
        rest = [k for k in list(ns) if isinstance(k, str) and not k.startswith("_")]
        found = [k for k in dict.fromkeys(order + rest) if k not in never and shaped(k)]
        excluded = [k for k in never if shaped(k)]
        meta["params_excluded"] = excluded[:4]
        return found[:len(PARAMS_KEYS)], (ns[excluded[0]] if excluded else None)
    try:
        found, spare = _guarded(seconds, find)
    except BaseException as exc:
        found, spare = [], None
        meta["errors"]["params"] = f"{type(exc).__name__}: {exc}"[:400]
    if not found and ns.get(name) is not None:          # the contract name, whatever it holds
        found = [name]
    if not found:
        meta["errors"].setdefault("params", f"name {name!r} is not defined")
        template = spare if spare is not None else _namedtuple_template(ns)
        if template is not None:
            meta["params_structure"] = describe(template)
        return Layout(template, n_in, n_out)
    layout = Layout(ns[found[0]], n_in, n_out)
    meta["params_name"], meta["params_kind"] = found[0], describe(ns[found[0]])
    meta["params_candidates"] = found
    for key, k in zip(PARAMS_KEYS, found):
        value = ns[k]
        call(key, lambda: [np.asarray(v) for v in (Layout(value, n_in, n_out).flat(value) or [])])
    return layout


def _namedtuple_template(ns):
    """An instance of the notebook's own class with fields W1, b1, W2, b2 (a
    ``NamedTuple`` ``Params``), when no value shows the structure."""
    for v in list(ns.values()):
        fields = getattr(v, "_fields", None)
        if isinstance(v, type) and isinstance(fields, tuple) and set(PARAMS) <= set(fields) \
                and len(fields) == 4:
            try:
                return v(*([None] * 4))
            except Exception:
                continue
    return None


def _probe_functions(f, inp, call, layout):
    """Per-image calls, finite differences of the loss, whole-set calls (protocol.py),
    with the parameters in the student's own structure; gradients read back from it."""
    import numpy as np
    try:        # device_put, not jnp.asarray: the same arrays, no program compiled per shape
        import jax
        conv = jax.device_put
    except Exception:
        conv = np.asarray
    plain = [conv(inp[k]) for k in PARAMS]
    P = layout.build(plain)
    flat = {role: layout.flat if role in GRADIENTS else (lambda v: v) for role in FUNCTIONS}
    X, Y = inp["images"], inp["labels"]
    for i in range(len(X)):
        xy = {"x": conv(X[i]), "y": conv(Y[i])}
        for role, args in PER_IMAGE.items():
            if f[role] is not None:
                call(result_key(role, i), lambda: flat[role](f[role](P, *[xy[a] for a in args])))
    D = [inp[f"dir{k}"] for k in range(sum(1 for key in inp if key.startswith("dir")))]
    h = float(inp["fd_step"][0])
    if f["loss"] is not None:
        for j in range(len(D) // 4):
            Dj = [D[4 * j + k] for k in range(4)]
            for sign, tag in zip((1, -1), FINITE_DIFFERENCES):
                Pj = layout.build([conv(np.asarray(p) + sign * h * d) for p, d in zip(plain, Dj)])
                call(result_key(tag, j), lambda: f["loss"](Pj, conv(X[0]), conv(Y[0])))
    for role, (a, b) in WHOLE_SET.items():
        if f[role] is not None:
            n = len(inp[a])
            call(role, lambda: _mean_if_per_image(flat[role](f[role](P, conv(inp[a]), conv(inp[b]))),
                                                  n, plain, layout, role))


def _mean_if_per_image(value, n, plain, layout, role):
    """A gradient function that returns one gradient per image (``vmap(grad(loss))``):
    their mean, the mini-batch gradient, marked so the grader can say so."""
    import numpy as np
    if role not in GRADIENTS or not isinstance(value, list) or len(value) != 4:
        return value
    shapes = [tuple(getattr(v, "shape", ())) for v in value]
    if all(s == (n,) + tuple(p.shape) for s, p in zip(shapes, plain)):
        value = [np.mean(np.asarray(v, dtype=np.float64), axis=0) for v in value]
        _PER_IMAGE_MEAN.add(role)
    return value


_PER_IMAGE_MEAN = set()


def _fractions(value):
    """``value`` as a float64 series of 2-5000 numbers in [0, 1], or None."""
    import numpy as np
    if isinstance(value, (str, bytes, dict)) or callable(value) or not hasattr(value, "__len__"):
        return None
    if not 2 <= len(value) <= 5000:
        return None
    try:
        arr = np.asarray(value, dtype=np.float64)
    except Exception:
        return None
    ok = arr.ndim == 1 and bool(np.all(np.isfinite(arr))) and bool(np.all((arr >= 0) & (arr <= 1)))
    return arr if ok else None


def _history_candidates(ns, call, meta, seconds):
    """No history under the contract's name: hand over the notebook's other series of
    fractions, by name (the grader keeps the one it saw plotted)."""
    def find():
        out = []
        for k, v in list(ns.items()):
            if k.startswith("_") or type(v).__name__ == "module":
                continue
            arr = _fractions(v)
            if arr is not None:
                out.append((k, arr))
            if len(out) >= MAX_CANDIDATES:
                break
        return out
    try:
        found = _guarded(seconds, find)
    except BaseException as exc:
        meta["errors"][HISTORY_CANDIDATES] = f"{type(exc).__name__}: {exc}"[:400]
        return
    meta[HISTORY_CANDIDATES] = [k[:60] for k, _ in found]
    for i, (_, arr) in enumerate(found):
        call(result_key(HISTORY_CANDIDATES, i), lambda: arr)


def _latest_figures(figures):
    """The latest records that fit in FIGURES_BYTES of JSON, in order."""
    kept, size = [], 0
    for fig in reversed(figures):
        size += len(json.dumps(fig, default=str))
        if size > FIGURES_BYTES:
            break
        kept.append(fig)
    return kept[::-1]


def _probe_figures(capture, meta):
    if capture is not None and hasattr(capture, "capture_all"):
        try:
            capture.capture_all()
            meta["figures"] = _latest_figures(list(capture.figures.values()))
        except Exception as exc:
            meta["errors"]["figures"] = f"{type(exc).__name__}: {exc}"[:400]


def _probe_data(ns, names, inp, call, meta):
    import numpy as np
    for role in NAMESPACE:
        if role == "params":                 # found by _student_params
            continue
        obj = ns.get(names[role])
        if obj is None:
            meta["errors"][role] = f"name {names[role]!r} is not defined"
        else:
            call(role, lambda: list(obj) if role == "params" else np.asarray(obj, dtype=float))
    for role, row_input in DATA_ROWS.items():
        obj = ns.get(names[role])
        if obj is None:
            meta["errors"][role] = f"name {names[role]!r} is not defined"
            continue
        rows = inp[row_input]
        try:
            arr = np.asarray(obj)
            meta[f"{role}_shape"] = [int(s) for s in arr.shape]
            ok = arr.ndim >= 1 and len(arr) > int(rows.max())
            call(rows_key(role), lambda: arr[rows] if ok else np.zeros(0))
        except BaseException as exc:
            meta["errors"][role] = f"{type(exc).__name__}: {exc}"[:400]
