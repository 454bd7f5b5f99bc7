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


def test_notebook_time_limit_stops_the_rest_and_keeps_what_ran(kernel, tmp_path):
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


def test_a_stopped_cell_says_what_it_would_have_defined(kernel, tmp_path):
    """A cell stopped by the cell limit is skipped on a re-run, and the note names what
    it would have defined, and which of those the grader looks up; so do cells the
    notebook limit never reached."""
    tmp_path.chmod(0o711)
    slow = "import time\ndef batch_loss_grad(p, x, y):\n    return p\nwhile True:\n    time.sleep(1)"
    job = _job(tmp_path, ["a = 1", slow, "import time\ntime.sleep(30)", "accuracies = [0.5]"],
               notebook_seconds=60)
    job.timeouts["cell_seconds"] = 3
    bundle = execute(job)
    said = " ".join(bundle.notes)
    assert "code cell 2 (`import time`): stopped at the 3 s time limit; the notebook was " \
           "re-run without it; it " \
           "would have defined `time`, `batch_loss_grad`, so the grader found nothing for " \
           "`batch_loss_grad` for the extra credit" in said, bundle.notes
    assert "code cell 3 (`import time`): stopped" in said


def test_output_a_hung_cell_flooded_is_still_noted_after_the_rerun(monkeypatch):
    """A cell that floods output and then hangs is re-run without; the output its kernel
    sent and the grader did not keep is still in the notes (the TA sees the flood)."""
    from types import SimpleNamespace
    from grader.run import execute as ex
    seen = []

    def attempt(job, nb, private, uid, protections, bundle, skipped, deadline, dropped):
        seen.append(dropped)
        if not skipped:
            r = ex._Restart(1, "timeout", "stopped at the 25 s time limit")
            r.dropped = 40 * 2**20
            raise r
        ex._note_dropped(dropped + 2 * 2**20, bundle)     # this attempt's own flood
    monkeypatch.setattr(ex, "_attempt", attempt)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"),
                                         nbformat.v4.new_code_cell("flood()")])
    job = SimpleNamespace(key="k", timeouts={"notebook_seconds": 60}, names={"history": "h"})
    bundle = ex._run(job, nb, None, None, None)
    assert seen == [0, 40 * 2**20]
    assert "42 MB of cell output was not kept (limit 2 MB per notebook)" in bundle.notes, \
        bundle.notes
