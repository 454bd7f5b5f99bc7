"""Grading on dask.distributed: a 2-worker LocalCluster of processes grades the fixture
notebooks to the same CSV as the local executor, while one worker is killed
mid-notebook; a notebook that kills every worker that runs it gets a reason and is
not retried forever."""
import csv
import os
import shutil
import signal
import sys
import threading
import time

import pytest

distributed = pytest.importorskip("distributed")

from grader import cli  # noqa: E402
from grader.run.artifacts import Bundle  # noqa: E402
from grader.run.cluster import BatchFiles, DaskExecutor, run_on_worker  # noqa: E402
from grader.run.execute import Job  # noqa: E402
from tests.conftest import FIXTURES, TEST_RUBRIC, tree_hash  # noqa: E402


@pytest.fixture(scope="module")
def cluster():
    import dask
    # as docs/cluster.md sets a grading scheduler: a worker holds only the notebook it runs
    # (else the ones queued behind a worker-killing notebook die with it and count as suspects)
    with dask.config.set({"distributed.scheduler.allowed-failures": 1,
                          "distributed.scheduler.worker-saturation": 1.0}):
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                      dashboard_address=None) as c:
            yield c


def _kill_a_busy_worker(address, killed: list, stop: threading.Event):
    """Once a notebook has run for 3 s on a worker, SIGKILL that worker (once)."""
    with distributed.Client(address) as client:
        pids = client.run(os.getpid)
        busy_since = {}
        while not stop.is_set() and not killed:
            for worker, keys in client.processing().items():
                if any(str(k).startswith("grade-") and "self-test" not in str(k) for k in keys):
                    busy_since.setdefault(worker, time.monotonic())
                    if time.monotonic() - busy_since[worker] > 3 and worker in pids:
                        os.kill(pids[worker], signal.SIGKILL)
                        killed.append(worker)
                        break
            time.sleep(0.2)


# a cross-section of the fixtures the local pool graded (tests/conftest.py: graded)
ON_THE_CLUSTER = ("full_marks", "late", "fails_loss_missing_one_minus_y", "fails_gradient",
                  "raises_mid_notebook")


def test_a_cluster_grades_like_the_local_pool_even_when_a_worker_dies(kernel, 
        cluster, graded, easy_data, tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "grading"
    for sid in ON_THE_CLUSTER:
        shutil.copytree(graded["subs"] / sid, subs / sid)
    before = tree_hash(subs)
    killed, stop = [], threading.Event()
    killer = threading.Thread(target=_kill_a_busy_worker,
                              args=(cluster.scheduler_address, killed, stop))
    killer.start()
    try:
        rc = cli.main(["grade", str(subs), "--out", str(out), "--rubric",
                       str(TEST_RUBRIC), "--data", str(easy_data), "--no-progress",
                       "--scheduler", cluster.scheduler_address])
    finally:
        stop.set()
        killer.join()
    assert killed, "no worker was killed mid-notebook: the test did not test recovery"
    assert rc == 0
    rows = {r["student_id"]: r for r in csv.DictReader(open(out / "grades.csv"))}
    assert rows == {sid: graded["rows"][sid] for sid in ON_THE_CLUSTER}   # every column, once
    assert tree_hash(subs) == before
    sizes = [sum(f.stat().st_size for f in b.iterdir()) for b in (out / "cache").iterdir()]
    assert sizes and max(sizes) < 3 * 2 ** 20
    # re-scoring from the cache needs no cluster and changes nothing
    assert cli.main(["grade", str(subs), "--out", str(out), "--rubric",
                     str(TEST_RUBRIC), "--data", str(easy_data), "--no-progress", "-j", "1"]) == rc
    assert {r["student_id"]: r for r in csv.DictReader(open(out / "grades.csv"))} == rows


def dies_for_killer(job, digest, notebook):
    """A task that takes its worker down for the student "killer" (as a notebook that
    exhausted the worker's memory would); the others return at once."""
    if job.student_id == "killer":
        os.kill(os.getpid(), signal.SIGKILL)
    return Bundle(key=job.key, status="executed", notes=[f"ran on {os.getpid()}"])


def _job(sid, folder):
    (folder / f"{sid}.ipynb").write_text("{}")
    return Job(student_id=sid, notebook=str(folder / f"{sid}.ipynb"), key=f"key-{sid}", data_file=None,
               data_name="dataG.pkl.gz", probe_inputs="p.npz", names={}, timeouts={},
               limits={}, work_dir="/tmp")


def test_a_notebook_that_kills_its_workers_gets_a_reason_and_is_not_retried(cluster, tmp_path):
    import cloudpickle
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    with distributed.Client(cluster.scheduler_address) as client:
        ex = DaskExecutor(client, BatchFiles(data_name="", data=None, probe_inputs=b"x",
                                             digest="d"), run=dies_for_killer)
        ids = ["a", "b", "killer", "c", "d", "e", "f"]
        got = list(ex.map([_job(s, tmp_path) for s in ids]))
    assert sorted(j.student_id for j, _ in got) == sorted(ids)             # each once
    by_id = {j.student_id: b for j, b in got}
    for sid in set(ids) - {"killer"}:       # bystanders that died with a worker ran again
        assert by_id[sid].status == "executed", (sid, by_id[sid].reason)
    assert by_id["killer"].status == "error"
    assert "stopped every grading worker" in by_id["killer"].reason


def test_an_unreachable_scheduler_is_one_line(tmp_path, capsys):
    import dask
    (tmp_path / "subs" / "s1").mkdir(parents=True)
    shutil.copy(FIXTURES / "full_marks.ipynb", tmp_path / "subs" / "s1" / "homework.ipynb")
    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        rc = cli.main(["grade", str(tmp_path / "subs"), "--out", str(tmp_path / "out"),
                       "--scheduler", "tcp://127.0.0.1:9"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1, err
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err[0]
    assert not (tmp_path / "out" / "grades.csv").exists()


@pytest.mark.parametrize("content, why", [
    (None, "scheduler file cannot be read"),
    ("{not json", "not a Dask scheduler file"),
    ('{"type": "Scheduler"}', "not a Dask scheduler file"),
])
def test_a_missing_or_broken_scheduler_file_is_one_line(tmp_path, capsys, content, why):
    (tmp_path / "subs" / "s1").mkdir(parents=True)
    shutil.copy(FIXTURES / "full_marks.ipynb", tmp_path / "subs" / "s1" / "homework.ipynb")
    file = tmp_path / "scheduler.json"
    if content is not None:
        file.write_text(content)
    rc = cli.main(["grade", str(tmp_path / "subs"), "--out", str(tmp_path / "out"),
                   "--scheduler", str(file)])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and f"{file}: {why}" in err[0], err
    assert not (tmp_path / "out" / "grades.csv").exists()
    assert (tmp_path / "subs" / "s1" / "homework.ipynb").read_bytes() == \
        (FIXTURES / "full_marks.ipynb").read_bytes()


def test_the_worker_task_is_the_real_one():
    assert DaskExecutor.__init__.__kwdefaults__["run"] is run_on_worker


def test_workers_that_cannot_confine_stop_the_batch_unless_allowed():
    from grader import batch
    from grader.errors import InputError
    unconfined = {"rlimits": True, "own_uid": True, "confined": False,
                  "why_unconfined": "no user namespaces"}
    with pytest.raises(InputError, match=r"the cluster's workers cannot confine kernels "
                                         r"\(no user namespaces\)"):
        batch.require_confinement(False, unconfined)
    assert batch.require_confinement(True, unconfined).startswith("UNCONFINED")
