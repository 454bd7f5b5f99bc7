"""grader.checks.learning_rate: the record schedule read from the notebook's steps."""
from types import SimpleNamespace

import numpy as np

from grader.checks import learning_rate as lr


def test_schedule_from_steps_after_training():
    assert lr.schedule([2000, 4000, 6000], 3, 2000) == (2000, 3, False)


def test_schedule_with_a_record_before_training():
    assert lr.schedule([0, 1000, 2000, 3000], 4, 2000) == (1000, 3, True)


def test_unknown_steps_take_the_course_spacing():
    assert lr.schedule(None, 50, 2000) == (2000, 50, False)


def test_uneven_or_fractional_steps_are_not_simulated():
    assert lr.schedule([1000, 3000, 4000], 3, 2000) is None
    assert lr.schedule([0.5, 1.0, 1.5], 3, 2000) is None
    assert lr.schedule([500, 1500, 2500], 3, 2000) is None       # first record off the grid


def test_too_long_or_too_short_histories_get_no_diagnosis():
    long = SimpleNamespace(values=np.linspace(0.2, 0.5, 300), steps=np.arange(1, 301) * 2000.0)
    assert lr.diagnose(None, long, 1e-3, 2000) == ""             # 600,000 steps: not re-trained
    one = SimpleNamespace(values=np.array([0.3]), steps=None)
    assert lr.diagnose(None, one, 1e-3, 2000) == ""


def test_only_a_jumpy_history_counts_as_unstable():
    smooth = SimpleNamespace(values=np.linspace(0.3, 0.7, 20))
    jumpy = SimpleNamespace(values=np.array([0.3, 0.7] * 10))
    assert not lr.unstable(smooth) and lr.unstable(jumpy)
