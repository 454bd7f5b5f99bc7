"""The README's first command: the shipped examples grade to what their names promise,
with the course rubric on the built-in synthetic data, whenever the repository was
copied (their nbgrader time stamps are in the files)."""
import csv

import pytest

from grader import cli
from tests.fixtures.make_examples import DIR, EXAMPLES

pytestmark = pytest.mark.usefixtures("kernel")   # real kernels: the kernel tier


@pytest.mark.slow
def test_every_example_grades_to_its_promise(tmp_path):
    out = tmp_path / "grading-output"
    assert cli.main(["grade", str(DIR), "--out", str(out), "--no-progress"]) == 0
    rows = {r["student_id"]: r for r in csv.DictReader(open(out / "grades.csv"))}
    assert set(rows) == set(EXAMPLES)
    for sid, (_, _, promise) in EXAMPLES.items():
        for column, points in promise.items():
            got = rows[sid][column] if isinstance(points, str) else float(rows[sid][column])
            assert got == points, (sid, column, rows[sid])
        assert rows[sid]["time_source"] == "timestamp.txt", rows[sid]
    sizes = [sum(f.stat().st_size for f in b.iterdir()) for b in (out / "cache").iterdir()]
    assert sizes and max(sizes) < 3 * 2 ** 20, sizes     # bundles scale (identical notebooks share one)
