"""Grading on a dask.distributed cluster: each notebook is one task on a worker.

``DaskExecutor.map(jobs)`` is the local pool's contract (``executor.py``): it yields
``(job, bundle)`` as each finishes, so the batch engine caches bundles, resumes and
reports exactly as with local processes.  What differs is where the work runs:

* the batch's files (the data file the kernels read, the probe inputs) reach each
  worker once, by a worker plugin (workers that join or restart later get them too),
  and are written to a private folder of the worker's, not sent with each task;
* each task carries its notebook (read by the grader with the size cap; the
  workers need no shared file system) and runs ``execute`` on the worker, with the
  same sandbox as a local run, one notebook at a time per worker process (the uid
  lease and the orphan reaping are per process), and returns the bundle, compacted
  there (``compact.py``);
* a worker lost mid-task is the scheduler's to retry elsewhere (its
  ``allowed-failures``); a task that ends as ``KilledWorker`` runs once more, alone
  on the cluster after the rest (a notebook running beside a worker-killer can die
  with it), and a notebook that kills its workers then gets that reason, like a local
  worker's crash, instead of being retried forever.  A bundle is taken once per job.

Deployment (Slurm, Kubernetes, the workers' image): docs/cluster.md.
"""
from __future__ import annotations

import atexit
import dataclasses
import json
import os
import tempfile
import threading
from pathlib import Path

from ..errors import InputError
from .artifacts import Bundle, file_digest
from .execute import Job, execute
from . import scratch
from .notebook import read_notebook_bytes

try:                                     # optional: pip install 'galaxy-grader[cluster]'
    from distributed import WorkerPlugin as _PluginBase
except ImportError:                      # pragma: no cover - only without the extra
    _PluginBase = object

_ONE_AT_A_TIME = threading.Lock()        # a worker with several threads still runs one kernel
_materialised: dict = {}                 # digest of the batch's files -> local paths (per process)


@dataclasses.dataclass(frozen=True)
class BatchFiles:
    """The files every task of a batch needs, sent to each worker once."""
    data_name: str
    data: bytes | None
    probe_inputs: bytes
    digest: str                          # of both: the worker's folder is reused by digest

    @classmethod
    def read(cls, data_file, probe_inputs) -> "BatchFiles":
        data = Path(data_file).read_bytes() if data_file else None
        probes = Path(probe_inputs).read_bytes()
        digest = f"{file_digest(Path(data_file)) if data_file else 'none'}-" \
                 f"{file_digest(Path(probe_inputs))}"
        return cls(Path(data_file).name if data_file else "", data, probes, digest)


def _worker_folder(files: BatchFiles) -> dict:
    """This worker process's copies of the batch's files (written once per batch)."""
    if files.digest in _materialised:
        return _materialised[files.digest]
    held = scratch.Scratch("worker-")    # sandbox uids reach their own folders inside
    atexit.register(held.release)
    work = held.path
    data = None
    if files.data is not None:
        data = work / (files.data_name or "data.pkl.gz")
        data.write_bytes(files.data)
        os.chmod(data, 0o644)
    probes = work / "probe-inputs.npz"
    probes.write_bytes(files.probe_inputs)
    os.chmod(probes, 0o600)
    _materialised[files.digest] = {"data_file": str(data) if data else None,
                                   "probe_inputs": str(probes), "work_dir": str(work)}
    return _materialised[files.digest]


class BatchFilesPlugin(_PluginBase):
    """Installs a batch's files on every worker of the cluster, present and future (a
    worker restarted after a crash gets them too), before it runs any of its tasks."""

    def __init__(self, files: BatchFiles):
        self.files = files
        self.name = f"galaxy-grader-{files.digest[:40]}"

    def setup(self, worker=None):
        _worker_folder(self.files)


def run_on_worker(job: Job, digest: str, notebook: bytes) -> Bundle:
    """The task: the job with this worker's copies of the batch's files (installed by
    ``BatchFilesPlugin``), its uid pool and the notebook's bytes, executed here."""
    from . import uids
    with _ONE_AT_A_TIME:
        paths = _materialised.get(digest)
        if paths is None:
            return Bundle(key=job.key, status="error",
                          reason="grader error on a worker: the batch's files are not installed")
        copy = Path(tempfile.mkstemp(prefix="nb-", suffix=".ipynb", dir=paths["work_dir"])[1])
        try:
            copy.write_bytes(notebook)
            return execute(dataclasses.replace(
                job, **paths, notebook=str(copy),
                extra={**job.extra, "uid_pool": uids.reserve_pool()}))
        except Exception as exc:   # the grader's own failure for one job: report, go on
            return Bundle(key=job.key, status="error",
                          reason=f"grader error on a worker: {type(exc).__name__}: {exc}")
        finally:
            copy.unlink(missing_ok=True)


def _scheduler_address(scheduler: str) -> str:
    """The address itself, or the one a scheduler file (``dask scheduler
    --scheduler-file``) names; one-line errors for a missing or broken file."""
    if not (scheduler.endswith(".json") or Path(scheduler).is_file()):
        return scheduler
    try:
        address = json.loads(Path(scheduler).read_text()).get("address")
    except OSError as exc:
        raise InputError(f"{scheduler}: scheduler file cannot be read "
                         f"({exc.strerror or type(exc).__name__})") from None
    except (ValueError, AttributeError):
        address = None
    if not isinstance(address, str) or not address:
        raise InputError(f"{scheduler}: not a Dask scheduler file (JSON with an \"address\")")
    return address


def connect(scheduler: str):
    """A client of the scheduler at ``scheduler`` (an address, or a scheduler file)."""
    try:
        from distributed import Client
    except ImportError:
        raise InputError("--scheduler needs dask.distributed: pip install "
                         "'galaxy-grader[cluster]'") from None
    address = _scheduler_address(scheduler)
    try:
        return Client(address)      # timeout: distributed.comm.timeouts.connect
    except (OSError, TimeoutError, ValueError, AssertionError) as exc:
        raise InputError(f"cannot reach the Dask scheduler at {scheduler} "
                         f"({type(exc).__name__}: {str(exc)[:200]})") from None


class DaskExecutor:
    """Jobs as tasks on the cluster behind ``client``; ``files`` go to every worker once."""

    def __init__(self, client, files: BatchFiles, *, run=run_on_worker):
        self.client, self.files, self.run = client, files, run
        self._plugin = None

    def _install(self):
        """Every worker gets the batch's files once: a worker plugin (tasks then have
        no dependency, so the scheduler queues them and a worker holds only what it
        runs; a scattered copy would also die with the workers that held it)."""
        if self._plugin is None:
            self._plugin = BatchFilesPlugin(self.files)
            self.client.register_plugin(self._plugin)

    def _submit(self, job: Job, nb: bytes):
        return self.client.submit(self.run, job, self.files.digest, nb, pure=False,
                                  key=f"grade-{job.student_id[:60]}-{job.key[:12]}-"
                                      f"{os.urandom(4).hex()}")

    def map(self, jobs):
        from distributed import as_completed
        jobs = list(jobs)
        if not jobs:
            return
        self._install()
        futures, notebooks, killed = {}, {}, []
        for job in jobs:
            nb, why = read_notebook_bytes(Path(job.notebook))
            if nb is None:                # as a local run: not run, with the reason
                yield job, Bundle(key=job.key, status="invalid", reason=why)
                continue
            notebooks[job.student_id] = nb
            futures[self._submit(job, nb)] = job
        try:
            for fut in as_completed(list(futures)):
                job = futures.pop(fut)
                bundle, died = _result(fut, job)
                if died:                  # maybe only queued beside a worker-killer: later
                    killed.append(job)
                    continue
                yield job, bundle
            for job in killed:            # alone on the cluster, each convicts only itself
                fut = self._submit(job, notebooks[job.student_id])
                futures[fut] = job
                bundle, _ = _result(fut, job)
                futures.pop(fut)
                yield job, bundle
        finally:                          # Ctrl-C or an error: nothing left running for us
            if futures:
                self.client.cancel(list(futures), force=True)

    def close(self):
        """Take the batch's files off the scheduler (the workers' copies go with them)."""
        if self._plugin is not None:
            try:
                self.client.unregister_worker_plugin(self._plugin.name)
            except Exception:            # the cluster may be gone already
                pass
            self._plugin = None


def _result(fut, job: Job) -> tuple[Bundle, bool]:
    """(the task's bundle, whether the task's workers all died under it)."""
    from distributed import KilledWorker
    try:
        return fut.result(), False
    except KilledWorker:
        return Bundle(key=job.key, status="error",
                      reason="its run stopped every grading worker that tried it, also when "
                             "it ran alone (the scheduler's allowed-failures); it was not "
                             "retried again"), True
    except Exception as exc:     # the task failed outside execute (lost data, cancelled)
        return Bundle(key=job.key, status="error",
                      reason=f"cluster task failed: {type(exc).__name__}: "
                             f"{str(exc)[:200]}"), False
