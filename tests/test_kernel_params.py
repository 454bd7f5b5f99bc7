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
