"""The hostile corpus (issue 5), graded as ONE batch with honest notebooks.

Runaway, crashing, tampering and broken submissions (tests/fixtures/make_hostile.py)
plus two honest full_marks copies, in one ``grader grade`` run: every student
gets exactly the points their honest part earns, with a reason; nothing
outside the sandboxes changes (hashes before/after); no connection leaves a
kernel; the grader's own workers stay small; a second run gives the same CSV.
The batch lives in a world-readable folder inside the checkout (not /tmp, which
kernels never see): only the grader's own confinement keeps kernels out of it.

``GG_HOSTILE_CORPUS=runaway`` leaves the broken files out (refused or converted before
any kernel starts, the same under every confinement): tests/test_containers.py runs this
module so inside a simulated container, where only the confinement differs.
"""
import csv
import hashlib
import json
import os
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path

import pytest

from grader import __version__, cli
from grader import rubric as rubric_mod
from grader.batch import execution_settings
from grader.run import artifacts, sandbox, uids
from grader.intake.submissions import sanitise_id
from tests.conftest import FIXTURES, ROOT, TEST_RUBRIC
from tests.fixtures.make_hostile import write_corpus

pytestmark = pytest.mark.usefixtures("kernel")   # real kernels: the kernel tier

HONEST = ("honest_1", "honest_2")
BROKEN_TOO = os.environ.get("GG_HOSTILE_CORPUS", "all") != "runaway"
EARLIER_KEY = "e" * 32
ON_TIME = "2025-10-30 12:00:00 America/New_York"


def _hash(path: Path) -> str:
    """sha256 of a file or a whole tree (names, links as links, contents, modes)."""
    h = hashlib.sha256()
    items = [path] + (sorted(path.rglob("*")) if path.is_dir() and not path.is_symlink() else [])
    for p in items:
        st = p.lstat()
        h.update(f"{p.relative_to(path.parent)}|{st.st_mode:o}".encode(errors="surrogateescape"))
        if p.is_symlink():
            h.update(os.readlink(p).encode(errors="surrogateescape"))
        elif p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()


class _Listener:
    """A TCP port on 127.0.0.1 and a world-writable unix socket; counts connections."""

    def __init__(self, unix_path: Path):
        self.hits, self.path = [], unix_path
        self.tcp = socket.create_server(("127.0.0.1", 0))
        self.unix = socket.socket(socket.AF_UNIX)
        self.unix.bind(str(unix_path))
        os.chmod(unix_path, 0o777)
        self.unix.listen()
        self.port = self.tcp.getsockname()[1]
        for s in (self.tcp, self.unix):
            s.settimeout(0.5)
            threading.Thread(target=self._accept, args=(s,), daemon=True).start()

    def _accept(self, s):
        while s.fileno() != -1:
            try:
                conn, _ = s.accept()
                self.hits.append(conn.recv(100))
                conn.close()
            except (socket.timeout, OSError):
                continue

    def close(self):
        self.tcp.close()
        self.unix.close()


class _WorkerMemory:
    """Peak resident memory (VmHWM) of this process's children (the pool workers)."""

    def __init__(self):
        self.peak_mb, self._stop = 0.0, threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        me = str(os.getpid())
        while not self._stop.wait(0.5):
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
                if fields.get("PPid", "").strip() == me and "VmHWM" in fields:
                    self.peak_mb = max(self.peak_mb, int(fields["VmHWM"].split()[0]) / 1024)

    def stop(self):
        self._stop.set()


def _grade(subs, out, rubric, data, jobs="2"):
    return cli.main(["grade", str(subs), "--out", str(out), "--rubric", str(rubric),
                     "--data", str(data), "-j", jobs, "--no-progress"])


def _setup(root: Path, easy_data):
    """Rubric, data, held-back set, earlier outputs and the corpus; returns paths."""
    p = {k: root / v for k, v in (("subs", "subs"), ("out", "out"), ("old_out", "old_out"),
                                  ("rubric", "rubric.yaml"), ("data", "data/easy.pkl.gz"),
                                  ("hidden", "hidden.pkl.gz"), ("outside", "outside"))}
    p["cache"] = p["out"] / "cache"
    for k in ("subs", "old_out", "outside"):
        p[k].mkdir()
    p["data"].parent.mkdir()
    shutil.copy(easy_data, p["data"])
    shutil.copy(easy_data, p["hidden"])
    text = TEST_RUBRIC.read_text().replace("memory_mb: 6144", "memory_mb: 4096")
    text = text.replace("name_in_notebook: dataG.pkl.gz",
                        "name_in_notebook: dataG.pkl.gz\n  hidden_file: hidden.pkl.gz")
    assert "hidden_file" in text and "4096" in text
    p["rubric"].write_text(text)
    for name in ("grades.csv", "grades.json", "feedback/x.md"):
        (p["old_out"] / name).parent.mkdir(exist_ok=True)
        (p["old_out"] / name).write_text(f"last week's {name}\n")
    p["cache"].mkdir(parents=True)
    artifacts.save(artifacts.Bundle(key=EARLIER_KEY, status="invalid", reason="earlier"),
                   p["cache"])
    for sid in HONEST:
        (p["subs"] / sid).mkdir()
        shutil.copy(FIXTURES / "full_marks.ipynb", p["subs"] / sid / "homework.ipynb")
    return p


@pytest.fixture(scope="module")
def batch(easy_data):
    root = Path(tempfile.mkdtemp(prefix=".hostile-", dir=ROOT))
    os.chmod(root, 0o755)
    listener = None
    try:
        p = _setup(root, easy_data)
        listener = _Listener(Path(tempfile.mkdtemp(prefix="gg-hostile-")) / "sock")
        os.chmod(listener.path.parent, 0o755)   # like /tmp/.X11-unix: reachable by anyone
        targets = {"subs": str(p["subs"]), "other_nb": str(p["subs"] / "honest_1" / "homework.ipynb"),
                   "rubric": str(p["rubric"]), "data": str(p["data"]), "hidden": str(p["hidden"]),
                   "out": str(p["out"]), "cache": str(p["cache"]),
                   "cache_file": str(p["cache"] / EARLIER_KEY / "bundle.json"),
                   "old_out": str(p["old_out"]), "old_grades": str(p["old_out"] / "grades.csv"),
                   "port": listener.port, "unix": str(listener.path),
                   "memory_mb": 4096, "processes": 64, "file_size_mb": 256, "disk_mb": 1024,
                   "confined": sandbox.detect_protections().confined}
        prot = sandbox.detect_protections()
        expected = write_corpus(p["subs"], targets, p["outside"],
                                available=lambda name: getattr(prot, name), broken=BROKEN_TOO)
        expected = {sanitise_id(k): v for k, v in expected.items()}
        expected.update({sid: (105, None, None) for sid in HONEST})
        for folder in p["subs"].iterdir():
            (folder / "timestamp.txt").write_text(ON_TIME)
        watched = ("subs", "rubric", "data", "hidden", "old_out", "outside")
        before = {k: _hash(p[k]) for k in watched}
        before["earlier bundle"] = _hash(p["cache"] / EARLIER_KEY)
        memory = _WorkerMemory()
        scratch_before = set(_scratch_entries())
        t0 = time.monotonic()
        rc = _grade(p["subs"], p["out"], p["rubric"], p["data"])
        seconds = time.monotonic() - t0
        memory.stop()
        after = {k: _hash(p[k]) for k in watched}
        after["earlier bundle"] = _hash(p["cache"] / EARLIER_KEY)
        yield {"rc": rc, "p": p, "root": root, "expected": expected, "before": before,
               "scratch before": scratch_before,
               "after": after, "seconds": seconds, "listener": listener, "memory": memory,
               "rows": {r["student_id"]: r for r in csv.DictReader(open(p["out"] / "grades.csv"))},
               "json": {s["student_id"]: s for s in
                        json.loads((p["out"] / "grades.json").read_text())["students"]}}
    finally:
        if listener:
            listener.close()
            shutil.rmtree(listener.path.parent, ignore_errors=True)
        shutil.rmtree(root, ignore_errors=True)


def _said(student: dict) -> str:
    return " ".join([*student["notes"], *(c["message"] for c in student["checks"])])


def test_every_student_gets_exactly_their_honest_points(batch):
    rows, expected = batch["rows"], batch["expected"]
    refused = any(points == 0 for points, _, _ in expected.values())
    assert batch["rc"] == (1 if refused else 0)  # some notebooks could not be graded
    assert set(rows) == set(expected)            # (cases needing a missing protection
    wrong = {}                                   #  are left out: test_protections_active)
    for sid, (points, reason, needs) in expected.items():
        said = _said(batch["json"][sid])
        if float(rows[sid]["final"]) != points or (reason and reason not in said):
            wrong[sid] = (rows[sid]["final"], points, reason, said[:300])
        if points == 0:
            assert rows[sid]["status"] == "not graded" and reason in said, (sid, said)
    assert not wrong, wrong
    print(f"hostile batch: {len(expected)} students in {batch['seconds']:.0f} s")


def test_protections_active():
    """On CI (root, Linux with namespaces and cgroup v1) every protection holds."""
    prot = sandbox.detect_protections()
    if os.geteuid() != 0:
        pytest.skip(f"not root: {prot.describe()}")
    assert all(v for v in prot.to_dict().values() if isinstance(v, bool)), prot.describe()
    assert prot.confined and not prot.why_unconfined


def test_nothing_outside_the_sandboxes_changed(batch):
    assert batch["after"] == batch["before"]
    planted = [str(q) for q in batch["root"].rglob("planted.txt")]
    assert not planted
    assert not list(batch["p"]["out"].glob("*.x"))
    # the uids of this run's pool (this process's: the batch ran in it) own nothing new in
    # the shared scratch folders, and no process of theirs outlived the batch; other runs
    # on the machine (their own pools, their own scratch files) are left out
    pool = _own_uids()
    left = {path for path, uid in _scratch_entries().items() if uid in pool}
    assert not left - batch["scratch before"], left
    orphans = [pid for pid in filter(str.isdigit, os.listdir("/proc")) if _uid(pid) in pool]
    assert not orphans, orphans


def _own_uids() -> range:
    """The sandbox uids this process's grader runs lease (none when not root: kernels
    keep the grader's uid)."""
    index = uids.reserve_pool()
    if index is not None:
        assert uids.pool_holders().get(index) == os.getpid()
    return range(0) if index is None else uids.pool_uids(index)


def _scratch_entries() -> dict:
    """{path: owner uid} at the top of the shared scratch folders."""
    out = {}
    for top in ("/tmp", "/var/tmp", "/dev/shm"):
        try:
            entries = list(os.scandir(top))
        except OSError:
            continue
        for e in entries:
            try:
                out[e.path] = e.stat(follow_symlinks=False).st_uid
            except OSError:
                pass
    return out


def _uid(pid):
    try:
        return os.stat(f"/proc/{pid}").st_uid
    except OSError:
        return -1


def test_no_connection_left_a_kernel(batch):
    assert batch["listener"].hits == []


def test_grader_workers_stay_small(batch):
    """1 GB of printed output and forged probe files never reach the grader's memory."""
    assert 0 < batch["memory"].peak_mb < 768, batch["memory"].peak_mb


def test_second_run_gives_the_same_csv(batch, tmp_path):
    """Same inputs, same grades: the cached batch re-scored, and a few notebooks
    (a crash-and-rerun among them) executed again from scratch."""
    p = batch["p"]
    out2 = tmp_path / "second"
    shutil.copytree(p["cache"], out2 / "cache")
    rub = rubric_mod.load(p["rubric"])
    digest = artifacts.file_digest(p["data"].resolve())
    for sid in ("exit_os", "tamper_fake_result", "broken_nbformat3")[:3 if BROKEN_TOO else 2]:
        raw = (p["subs"] / sid / "homework.ipynb").read_bytes()
        key = artifacts.cache_key(raw, digest, execution_settings(rub, rub.probes.seed), __version__)
        shutil.rmtree(out2 / "cache" / key)
    assert _grade(p["subs"], out2, p["rubric"], p["data"]) == batch["rc"]
    assert (out2 / "grades.csv").read_bytes() == (p["out"] / "grades.csv").read_bytes()
