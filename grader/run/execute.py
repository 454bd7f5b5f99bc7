"""Run one notebook in a sandboxed kernel and return its artifact bundle.

A small facade over nbclient: ``allow_errors`` on (partial credit for what
works), per-cell and per-notebook time limits, and the kernel always shut
down and its whole process tree killed in ``finally``.

Nothing the kernel can reach is trusted: notebooks are read with a size cap;
the kernel's messages are capped in size (``MAX_MESSAGE_BYTES``) and kept
only up to ``OUTPUT_BUDGET``; the probe inputs go to a root-owned folder and
the probe output is read from a folder the kernel cannot swap for a link,
without following links, with size caps (``artifacts.read_probe_output``).
"""
from __future__ import annotations

import math
import re
import os
import secrets
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import nbformat
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from . import cells as cell_names, sandbox, student_code, uids
from .artifacts import Bundle, read_probe_output, valid_text
from .client import OUTPUT_BUDGET, BoundedClient
from .compact import compact, probe_directions
from .confine import IO
from .kernel_box import KernelRun, NoKernel, own_peak_mb
from .lost_names import lost_note
from .notebook import PROBE_BUDGET, probe_source, read_notebook, setup_source
from .protocol import MAX_FIGURES

NB_NAME = "submission.ipynb"          # the notebook's name in the sandbox
# a cell that fetches something from the network (the lecture downloads the data file)
DOWNLOAD = re.compile(r"urlretrieve|urlopen|requests\.get|^\s*!\s*(wget|curl)\b|wget\.download|"
                      r"gdown", re.MULTILINE)


@dataclass(frozen=True)
class Job:
    """Everything a worker needs to execute one submission (picklable)."""
    student_id: str
    notebook: str
    key: str
    data_file: str | None
    data_name: str
    probe_inputs: str                 # .npz written by the grader
    names: dict
    timeouts: dict
    limits: dict
    work_dir: str
    extra: dict = field(default_factory=dict)


def execute(job: Job) -> Bundle:
    """Execute ``job.notebook``; never raises for anything the student did."""
    started = time.monotonic()
    nb, problem = read_notebook(Path(job.notebook))
    if nb is None:
        return Bundle(key=job.key, status="invalid", reason=problem)
    probe_names, reading = student_code.read(nb, job.names)
    job = replace(job, extra={**(job.extra or {}), "probe_names": probe_names})
    protections = sandbox.detect_protections()
    uids.become_subreaper()
    # a uid of its own unless the kernel must keep root's (its runtime is closed to others)
    lease = uids.UidLease((job.extra or {}).get("uid_pool")) if protections.own_uid or \
        not protections.confined else uids.UidLease.none()
    private = Path(tempfile.mkdtemp(prefix="gg-", dir=job.work_dir))
    os.chmod(private, 0o711)
    try:
        bundle = _run(job, nb, private, lease.uid, protections)
    finally:
        uids.reap_orphans()
        lease.release()
        shutil.rmtree(private, ignore_errors=True)
    bundle.seconds = round(time.monotonic() - started, 3)
    bundle.code = reading
    bundle.protections = protections.to_dict()
    bundle.stats["worker_peak_mb"] = own_peak_mb()
    return bundle


class _Restart(Exception):
    """A cell timed out or killed the kernel: re-run without it in a fresh kernel."""

    def __init__(self, index, status, error):
        super().__init__(error)
        self.index, self.status, self.error = index, status, error
        self.dropped = 0                  # bytes of output the attempt did not keep


MAX_RESTARTS = 3


def _run(job, nb, private, uid, protections) -> Bundle:
    """Run the notebook; a cell that hangs or crashes the kernel is skipped on a
    fresh kernel, so everything else still earns its points."""
    deadline = time.monotonic() + job.timeouts["notebook_seconds"]
    skipped, notes, dropped = {}, [], 0
    for _ in range(MAX_RESTARTS + 1):
        bundle = Bundle(key=job.key, status="executed", notes=list(notes))
        try:
            _attempt(job, nb, private, uid, protections, bundle, skipped, deadline, dropped)
            return bundle
        except NoKernel as exc:
            return Bundle(key=job.key, status="error", reason=str(exc))
        except _Restart as r:
            dropped += r.dropped          # a flood in a cell that then hung still counts
            skipped[r.index] = {"status": r.status, "error": r.error}
            source = nb.cells[r.index].get("source", "") if r.index < len(nb.cells) else ""
            notes.append(f"{cell_names.in_notebook(nb, r.index)}: {r.error}; the notebook "
                         "was re-run without it"
                         + lost_note(str(source), job.names))
    bundle.notes = notes + ["too many cells hung or crashed: gave up"]
    _note_dropped(dropped, bundle)
    return bundle


def _run_notebook(nb):
    """The notebook the kernel runs: set-up cell, the student's cells, probe cell."""
    run_nb = nbformat.from_dict(nb)
    run_nb.cells = [nbformat.v4.new_code_cell(setup_source())] + \
        run_nb.cells + [nbformat.v4.new_code_cell("")]
    return run_nb


def _attempt(job, nb, private, uid, protections, bundle, skipped, deadline, dropped):
    """One kernel's run of the notebook, ``skipped`` cells left out; ``dropped``: bytes
    of output earlier attempts did not keep."""
    run_nb = _run_notebook(nb)
    box = sandbox.make_sandbox(private, nbformat.writes(nb).encode(), NB_NAME,
                               Path(job.data_file) if job.data_file else None,
                               job.data_name, uid,
                               private_data=protections.kernel_uid == "pool-override")
    kernel = KernelRun(box, uid, protections)
    started = False
    try:
        km = kernel.start(private, job, NB_NAME)
        client = BoundedClient(run_nb, km=km, timeout=job.timeouts["cell_seconds"],
                               startup_timeout=job.timeouts["startup_seconds"],
                               allow_errors=True, interrupt_on_timeout=False,
                               record_timing=True, shutdown_kernel="immediate",
                               resources={"metadata": {"path": str(box.path)}})
        t0 = time.monotonic()
        with client.setup_kernel(cleanup_kc=True, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL):
            kernel.started()
            bundle.stats["kernel_start_s"] = round(time.monotonic() - t0, 3)
            _exec(client, 0, 60)
            started = True
            bundle.stats["capture_setup_s"] = round(time.monotonic() - t0, 3)
            _cells(client, run_nb, job, bundle, skipped, deadline)
            t1 = time.monotonic()
            _probe(client, job, box, uid, bundle, protections.namespaces)
            bundle.stats["probe_s"] = round(time.monotonic() - t1, 3)
        _note_dropped(dropped + client.dropped, bundle)
    except _Restart as r:
        r.dropped = client.dropped
        raise
    except Exception as exc:   # kernel failed to start, died in set-up, ...
        why = f"{type(exc).__name__}: {str(exc)[:200]}"
        if not started:
            raise NoKernel(f"the grader could not start a sandboxed kernel ({why})") from None
        bundle.notes.append(valid_text(f"kernel problem: {why}"))
    finally:
        kernel.clean_up(bundle.stats)


def _note_dropped(dropped, bundle):
    if dropped:
        bundle.notes.append(f"{dropped / 2**20:.0f} MB of cell output was not kept "
                            f"(limit {OUTPUT_BUDGET // 2**20} MB per notebook)")


def _exec(client, index, timeout, source=None):
    cell = client.nb.cells[index]
    if source is not None:
        cell.source = source
    old = client.timeout
    client.timeout = timeout
    try:
        client.execute_cell(cell, index, store_history=False)
    finally:
        client.timeout = old
    return cell


def _cells(client, nb, job, bundle, skipped, deadline):
    """Run every student code cell within the limits; record what each showed."""
    ordinal, not_run = 0, []
    for i, cell in enumerate(nb.cells[1:-1]):
        if cell.cell_type != "code":
            continue
        rec = {"index": i, "status": "ok", "seconds": 0.0, "error": "", "images": 0,
               "line": cell_names.first_line(cell.source)}
        bundle.cells.append(rec)
        left = deadline - time.monotonic()
        if i in skipped:
            rec.update(skipped[i])
            continue
        if left <= 0:
            rec.update(status="not run", error="notebook time limit reached")
            not_run.append((cell_names.label(len(bundle.cells), cell.source), cell.source))
            continue
        if cell.source.strip():           # nbclient sends no empty cell to the kernel
            rec["ordinal"] = ordinal
            ordinal += 1
        t0 = time.monotonic()
        client.timeout = max(1, math.ceil(min(job.timeouts["cell_seconds"], left)))  # an int trait
        try:
            client.execute_cell(cell, i + 1)
        except DeadKernelError:
            raise _Restart(i, "crashed", "the kernel died while running this cell") from None
        except CellTimeoutError:
            raise _Restart(i, "timeout", f"stopped at the {client.timeout:g} s time limit") from None
        rec["seconds"] = round(time.monotonic() - t0, 3)
        pngs = [out["data"]["image/png"] for out in cell.get("outputs", [])
                if isinstance((out.get("data") or {}).get("image/png"), str)]
        rec["images"] = len(pngs)
        if pngs and "ordinal" in rec:
            bundle.images[str(rec["ordinal"])] = pngs
        _note_error(cell, rec)
        if rec["status"] == "error" and DOWNLOAD.search(cell.source):
            rec["download"] = True
    if not_run:
        bundle.notes.append(
            f"the notebook's {job.timeouts['notebook_seconds']:g} s time limit was reached: "
            f"{cell_names.listed(name for name, _ in not_run)} did not run"
            + lost_note("\n".join(src for _, src in not_run), job.names))


def _note_error(cell, rec):
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error" and rec["status"] == "ok":
            ename = out.get("ename", "Error")
            rec.update(status="timeout" if ename == "CellTimeout" else "error",
                       error=valid_text(f"{ename}: {str(out.get('evalue', ''))[:300]}"))


MAX_PICTURES = 16         # pictures kept per notebook: those of cells with figure records


def _keep_pictures(bundle):
    """Keep only the pictures of cells a figure record names (the plot check's
    evidence), at most MAX_PICTURES, the latest cells first."""
    figures = bundle.probe.get("figures") if isinstance(bundle.probe, dict) else None
    named = {str(f.get("cell")) for f in (figures if isinstance(figures, list) else [])
             if isinstance(f, dict)}
    kept, left = {}, MAX_PICTURES
    for cell in sorted((c for c in bundle.images if c in named), key=int, reverse=True):
        if left > 0:
            kept[cell] = bundle.images[cell][:left]
            left -= len(kept[cell])
    bundle.images = kept


def _probe(client, job, box, uid, bundle, namespaces):
    """Hand the probe inputs to the kernel only now, run the probe, read its output.

    Both go through ``box.io``, a folder of the grader's that the kernel sees
    read-only but for the two output files made for it: the inputs are created
    there exclusively under a fresh name; the output is read without following
    links (``artifacts.read_probe_output``).
    """
    nonce = secrets.token_hex(16)
    name = f"in-{nonce}.npz"
    with open(job.probe_inputs, "rb") as src, os.fdopen(os.open(
            box.io / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o444),
            "wb") as dst:
        shutil.copyfileobj(src, dst)
    inside = Path(IO) if namespaces else box.io
    try:
        _exec(client, len(client.nb.cells) - 1, PROBE_BUDGET + 60,
              probe_source(inside / name, inside / "out",
                           {**job.names, **(job.extra or {}).get("probe_names", {})}, nonce))
    except (CellTimeoutError, DeadKernelError) as exc:
        bundle.notes.append(f"probes did not finish ({type(exc).__name__})")
    meta, arrays, problem = read_probe_output(box.io / "out", nonce, uid)
    if problem:
        bundle.notes.append(problem)
    if isinstance(meta, dict) and isinstance(meta.get("figures"), list):   # the latest only
        meta["figures"] = meta["figures"][-MAX_FIGURES:]
    bundle.probe = meta
    _keep_pictures(bundle)
    bundle.arrays = compact(arrays, seed=int((job.extra or {}).get("sketch_seed", 0)),
                            directions=probe_directions(job.probe_inputs))
