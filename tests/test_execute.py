"""grader.run.execute: one notebook through a real sandboxed kernel, time limits."""
from dataclasses import asdict

import nbformat
import numpy as np

from grader import rubric as rubric_mod
from grader.run.execute import Job, execute
from tests.conftest import TEST_RUBRIC


def _job(tmp_path, cells, notebook_seconds):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in cells]
    path = tmp_path / "student.ipynb"
    nbformat.write(nb, path)
    probe = tmp_path / "probe.npz"
    np.savez(probe, W1=np.zeros((2, 3), np.float32))   # the probe finds no student names
    rub = rubric_mod.load(TEST_RUBRIC)
    timeouts = {**asdict(rub.timeouts), "notebook_seconds": notebook_seconds}
    work = tmp_path / "work"
    work.mkdir(mode=0o711)
    work.chmod(0o711)
    return Job(student_id="s", notebook=str(path), key="k" * 32, data_file=None,
               data_name="dataG.pkl.gz", probe_inputs=str(probe), names=asdict(rub.names),
               timeouts=timeouts, limits=asdict(rub.limits), work_dir=str(work))


def test_notebook_time_limit_stops_the_rest_and_keeps_what_ran(tmp_path):
    """Near the notebook limit a cell gets the seconds left (a fraction, rounded up
    for nbclient's integer timeout); cells after the limit are marked, not run."""
    tmp_path.chmod(0o711)
    job = _job(tmp_path, ["import time\ntime.sleep(5)", "time.sleep(30)", "z = 3"],
               notebook_seconds=8)
    bundle = execute(job)
    assert bundle.status == "executed", bundle
    assert not [n for n in bundle.notes if n.startswith("kernel problem")], bundle.notes
    statuses = [c["status"] for c in bundle.cells]
    assert statuses[-1] == "not run" and "ok" not in statuses[1:], statuses
    assert bundle.stats["kernel_start_s"] > 0 and bundle.stats["worker_peak_mb"] > 0
