"""grader.run.lost_names: the names a stopped cell would have defined."""
from grader.run.lost_names import defined_names, lost_note

NAMES = {"batch_grad": "batch_loss_grad", "history": "accuracies", "params": "params"}


def test_top_level_bindings_in_order_without_locals():
    src = ("import numpy as np, jax.numpy as jnp\nfrom jax import grad as g\n"
           "def fractionCorrect(p, x, y):\n    local = 1\n    return local\n"
           "class Params:\n    W1 = None\n"
           "accs, (w, b) = [], (1, 2)\nn: int = 3\nn += 1\n"
           "for step in range(3):\n    if step:\n        last = step\n"
           "with open('f') as fh:\n    pass\n[q for q in range(2)]\n_private = 1\n")
    assert defined_names(src) == ["np", "jnp", "g", "fractionCorrect", "Params", "accs", "w",
                                  "b", "n", "step", "last", "fh"]


def test_ipython_syntax_is_read_as_the_kernel_reads_it():
    assert defined_names("!wget http://x/dataG.pkl.gz\n%matplotlib inline\nx = 1") == ["x"]


def test_what_cannot_be_parsed_defines_nothing_known():
    assert defined_names("def (:") == [] and lost_note("def (:", NAMES) == ""


def test_the_note_names_what_the_grader_looks_up():
    note = lost_note("params = [1]\naccuracies = []\ntmp = 0", NAMES)
    assert note == ("; it would have defined `params`, `accuracies`, `tmp`, so the grader found "
                    "nothing for `params` for the trained accuracy, `accuracies` for the plot")


def test_long_lists_are_cut():
    note = lost_note("\n".join(f"v{i} = {i}" for i in range(12)), NAMES)
    assert note.endswith("`v7` ...")
