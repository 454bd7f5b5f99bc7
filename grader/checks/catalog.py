"""The checks by name: the one place a check's name, its rubric keys (its settings
class) and what it reads are declared.

Light on purpose: no check code, no numpy, no JAX.  The rubric validates
``checks:`` against this table (``grader list`` reads a rubric and runs nothing),
every check function names its results with these constants, and the pipeline
(grader/pipeline.py) pairs each entry with its function, in this order
(tests/test_pipeline.py asserts the two agree).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from . import Settings

DATA_PREP = "data_prep"
NET = "net"
LOSS = "loss"
LOSS_GRAD = "loss_grad"
FRACTION_CORRECT = "fraction_correct"
TRAINED_ACCURACY = "trained_accuracy"
PLOT = "plot"
EXTRA_CREDIT = "extra_credit"
# the set trained_accuracy's graded accuracy is on (its details["accuracy_on"])
HELD_BACK, TEST_SET = "held-back", "test"


@dataclass(frozen=True)
class LossGradSettings(Settings):
    self_consistent_points: float = 0.0   # for the gradient of the student's own (wrong) loss


@dataclass(frozen=True)
class TrainedAccuracySettings(Settings):
    threshold: float = 0.66               # the course's goal: full points from here
    floor: float = 0.0                    # partial credit rises linearly from here
    max_gap: float | None = None          # test minus held-back accuracy that zeroes the points
    hidden_width: int | None = None       # None: any d earns the points on its held-back
                                          # result (with a note); a number pins d
    learning_rate: float = 1e-3           # the course's SGD step (the 10x diagnosis)
    steps_per_record: int = 2000          # the course's record spacing, when the notebook's is unknown


@dataclass(frozen=True)
class PlotSettings(Settings):
    min_points: int = 2                   # data points the curve must show
    values_atol: float = 1e-6             # plotted y vs the recorded history
    last_value_tolerance: float = 0.03    # last record vs the grader's own accuracy


class Entry(NamedTuple):
    name: str
    settings: type                # the rubric's keys for it: grader.checks.Settings or a child
    quick: bool = False           # part of ``grader check --quick`` (no long training)
    extra_credit: bool = False
    reads: tuple = ()             # (rubric name role, what it is graded for), for the note on
                                  # a stopped cell (grader/run/lost_names.py)


CATALOG = (
    Entry(DATA_PREP, Settings, quick=True, reads=(
        ("train_images", "data preparation"), ("train_labels", "data preparation"),
        ("test_images", "data preparation"), ("test_labels", "data preparation"))),
    Entry(NET, Settings, quick=True, reads=(("net", "the net check"),)),
    Entry(LOSS, Settings, quick=True, reads=(("loss", "the loss check"),)),
    Entry(LOSS_GRAD, LossGradSettings, quick=True, reads=(("loss_grad", "the gradient check"),)),
    Entry(FRACTION_CORRECT, Settings, quick=True,
          reads=(("fraction_correct", "the fractionCorrect check"),)),
    Entry(TRAINED_ACCURACY, TrainedAccuracySettings, reads=(("params", "the trained accuracy"),)),
    Entry(PLOT, PlotSettings, reads=(("history", "the plot"), ("steps", "the plot's steps"))),
    Entry(EXTRA_CREDIT, Settings, quick=True, extra_credit=True,
          reads=(("batch_grad", "the extra credit"),)),
)
BY_NAME = {e.name: e for e in CATALOG}
NAMES = tuple(BY_NAME)
QUICK = tuple(e.name for e in CATALOG if e.quick)
GRADED_FOR = {role: words for e in CATALOG for role, words in e.reads}
