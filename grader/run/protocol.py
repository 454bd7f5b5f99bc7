"""The probe protocol, declared once: each role, what the probe cell calls in the
student's kernel, on which probe inputs, and the key its result comes back under.

Standard library only and no imports: this file is shipped into the kernel ahead of
``kernel_capture.py`` and ``kernel_probe.py`` (``notebook.KERNEL_SIDE``), and the
grader's probe-input maker (``grader.probes``) and checks read the same names.  What a probe can and
cannot prove: docs/security.md.
"""

PARAMS = ("W1", "b1", "W2", "b2")      # the probe parameters, in the inputs file
# role -> what follows the parameters in the call: the probe image "x" (and its label "y")
PER_IMAGE = {"net": ("x",), "loss": ("x", "y"), "loss_grad": ("x", "y")}
# loss(params +/- h * direction_j, x_0, y_0): the student's own gradient, checked by their loss
FINITE_DIFFERENCES = ("fd_plus", "fd_minus")
# role -> the inputs-file arrays it is called on, after the parameters
WHOLE_SET = {"fraction_correct": ("fc_images", "fc_labels"),
             "batch_grad": ("batch_images", "batch_labels")}
FUNCTIONS = tuple(PER_IMAGE) + tuple(WHOLE_SET)
GRADIENTS = ("loss_grad", "batch_grad")  # return parameters' shapes (in the student's structure)
NAMESPACE = ("params", "history", "steps")   # values read from the notebook, not called
# the trained-parameter candidates handed over, best first (the grader chooses among them)
PARAMS_KEYS = ("params", "params_alt1", "params_alt2")
# without the contract's history name: the notebook's other series of fractions, by name
HISTORY_CANDIDATES = "history_candidates"
MAX_CANDIDATES = 20
# the figure records handed over: the latest MAX_FIGURES, up to FIGURES_BYTES of JSON
# (the grader refuses a probe record over twice this: artifacts.MAX_META_BYTES, keeps
# only the latest MAX_FIGURES in a bundle and reads no more)
MAX_FIGURES = 200
FIGURES_BYTES = 2 * 1024 * 1024
# data arrays -> the inputs-file row indices read from them
DATA_ROWS = {"train_images": "rows_train", "train_labels": "rows_train",
             "test_images": "rows_test", "test_labels": "rows_test"}


def result_key(role, index=None):
    """Where a result is stored: ``net/3``, ``fd_plus/0``, ``fraction_correct``."""
    return role if index is None else role + "/" + str(index)


def rows_key(role):
    return role + "_rows"
