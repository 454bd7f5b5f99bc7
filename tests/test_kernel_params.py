"""grader.run.kernel_params: probe parameters in the student's own structure."""
from typing import NamedTuple

import numpy as np
import pytest

from grader.run.kernel_params import Layout, describe, network_shaped, slots

N_IN, N_OUT, D = 12, 5, 7
W1, B1, W2, B2 = (np.full(s, i, float) for i, s in enumerate([(D, N_IN), (D,), (N_OUT, D),
                                                              (N_OUT,)]))
PROBE = [np.zeros((D, N_IN)), np.ones(D), 2 * np.ones((N_OUT, D)), 3 * np.ones(N_OUT)]


class Params(NamedTuple):
    W1: object
    b1: object
    W2: object
    b2: object


class Holder:
    def __init__(self, W1, b1, W2, b2):
        self.W1, self.b1, self.W2, self.b2 = W1, b1, W2, b2


STRUCTURES = {
    "list": [W1, B1, W2, B2],
    "tuple": (W1, B1, W2, B2),
    "dict 0..3": {0: W1, 1: B1, 2: W2, 3: B2},
    "dict names, other order": {"W1": W1, "W2": W2, "b1": B1, "b2": B2},
    "NamedTuple": Params(W1, B1, W2, B2),
    "object": Holder(W1, B1, W2, B2),
    "list in another order": [W1, W2, B1, B2],
}


@pytest.mark.parametrize("name", STRUCTURES)
def test_probe_parameters_take_the_students_structure_and_come_back_in_order(name):
    template = STRUCTURES[name]
    layout = Layout(template, N_IN, N_OUT)
    built = layout.build(PROBE)
    assert type(built) is type(template) or name == "object" and isinstance(built, Holder)
    back = layout.flat(built)                   # a gradient has the parameters' structure
    assert [a.shape for a in back] == [a.shape for a in PROBE]
    assert all(np.array_equal(a, b) for a, b in zip(back, PROBE))
    trained = layout.flat(template)
    assert [float(a.flat[0]) for a in trained] == [0.0, 1.0, 2.0, 3.0]


def test_network_shapes_and_descriptions():
    assert network_shaped(slots({"W1": W1, "b1": B1, "W2": W2, "b2": B2}), N_IN, N_OUT)
    assert not network_shaped([W1.T, B1, W2, B2], N_IN, N_OUT)
    assert not network_shaped(slots([1.0, 2.0]), N_IN, N_OUT)
    text = describe({"a": W1, "b": B1})
    assert text.startswith("a dict of 2, keys ['a', 'b'], shapes [(7, 12), (7,)]")
    assert describe(42) == "a int"


def _probe_params(ns, **names):
    """kernel_probe._student_params on a namespace: (meta, arrays handed over, layout)."""
    from grader.run import kernel_probe
    inp = {"W1": PROBE[0], "b2": PROBE[3]}
    meta, out = {"errors": {}, "found": {}}, {}

    def call(key, fn):
        val = fn()
        for i, v in enumerate(val):
            out[f"{key}/{i}"] = v
        meta["found"][key] = len(val)
    layout = kernel_probe._student_params(ns, {"params": "params", **names}, inp, call, meta, 5)
    return meta, out, layout


def test_the_gradient_beside_the_trained_params_is_never_handed_over():
    p, grads = Params(W1, B1, W2, B2), Params(W1 * 0, B1 * 0, W2 * 0, B2 * 0)
    meta, out, layout = _probe_params({"grads": grads, "p": p},
                                      params_order=["p"], params_never=["grads"])
    assert meta["params_candidates"] == ["p"] and meta["params_excluded"] == ["grads"]
    assert float(out["params/0"].flat[0]) == 0.0 and float(out["params/2"].flat[0]) == 2.0
    assert type(layout.build(PROBE)) is Params


def test_candidates_come_in_the_order_the_code_was_read_then_the_rest():
    ns = {"best_p": Params(W1, B1, W2, B2), "p": Params(W1, B1, W2, B2),
          "p0": Params(W1, B1, W2, B2), "other": [W1, B1, W2, B2]}
    meta, out, _ = _probe_params(ns, params_order=["p", "best_p", "p0"])
    assert meta["params_candidates"] == ["p", "best_p", "p0"]
    assert "params_alt2/3" in out


def test_without_trained_params_the_functions_still_get_the_students_structure():
    grads = {"W1": W1, "b1": B1, "W2": W2, "b2": B2}
    meta, out, layout = _probe_params({"grads": grads}, params_never=["grads"])
    assert "params" in meta["errors"] and not out
    assert isinstance(layout.build(PROBE), dict)                 # from the gradient
    meta, _, layout = _probe_params({"Params": Params, "x": 3})
    assert type(layout.build(PROBE)) is Params                   # from the notebook's class
    assert "Params" in meta["params_structure"]


def test_per_image_gradients_are_averaged_and_marked():
    from grader.run import kernel_probe
    per_image = [np.stack([a + k for k in range(3)]) for a in PROBE]
    got = kernel_probe._mean_if_per_image(per_image, 3, PROBE, None, "batch_grad")
    assert all(np.allclose(g, a + 1) for g, a in zip(got, PROBE))
    assert "batch_grad" in kernel_probe._PER_IMAGE_MEAN
    same = kernel_probe._mean_if_per_image(list(PROBE), 3, PROBE, None, "batch_grad")
    assert all(g is a for g, a in zip(same, PROBE))
