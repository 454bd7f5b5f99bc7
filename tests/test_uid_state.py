"""State a kernel leaves for the next kernel of its uid (issue 22, item 9): at ``-j 1``
consecutive students get the same uid, and a uid's keyrings, SysV IPC objects, POSIX
message queues and scratch files outlive its processes.  Every confined kernel is denied
the calls that make them (``seccomp.SHARED_STATE``), and a uid is cleared of whatever it
still left before it is leased again (``leftovers.py``).  Checked here directly and
through real kernels, in the bubblewrap mode and in the simulated default container
(Landlock mode)."""
import csv
import json
import os
import shutil
import subprocess
import sys

import nbformat
import pytest

from grader import cli
from grader.run import uids
from tests.conftest import FIXTURES, ROOT, TEST_RUBRIC
from tests.fixtures.shared_state import CHANNELS, notebook, reported, spare_uid

STATE = ("user keyring", "user session keyring", "session keyring", "sysv shm", "sysv msg",
         "sysv sem", "mqueue")
SIM = ROOT / "tools" / "containersim.py"
ON_TIME = "2025-10-30 12:00:00 America/New_York"


def _needs_root():
    if os.geteuid() != 0:
        pytest.skip("needs root: kernels get a uid of their own only under a root grader")


def _as_uid(uid: int, expression: str):
    """The value of ``expression`` evaluated after CHANNELS in a Python that becomes
    ``uid`` (no filter: the channels as an unconfined process of that uid has them),
    with a session keyring of its own (the test's is no uid's state)."""
    run = subprocess.run([sys.executable, "-I", "-c", CHANNELS + f"""
_IPC_KEY, _MQ = 0x67000000 + {uid}, b"/gg-test-{uid}"  # not the kernels' notes of the tests
_FILES = tuple(f + "-test-{uid}" for f in _FILES)       # below, nor another test run's
os.setgroups([])
os.setresgid({uid}, {uid}, {uid})
os.setresuid({uid}, {uid}, {uid})
_libc.syscall(_KEYCTL, 1, None)                 # KEYCTL_JOIN_SESSION_KEYRING, anonymous
print(repr({expression}))"""], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr[-2000:]
    return eval(run.stdout)


def test_a_uid_is_cleared_of_its_keyrings_ipc_and_files_before_its_next_lease():
    _needs_root()
    with spare_uid() as uid:                    # outside every pool, and this run's alone
        note = f"/tmp/gg-note-test-{uid}"
        wrote = _as_uid(uid, "write_notes('left behind')")
        assert {wrote[c] for c in ("user keyring", "user session keyring", "sysv shm",
                                   "sysv msg", "sysv sem", "mqueue", note)} == {"ok"}, wrote
        before = _as_uid(uid, "read_notes()")  # the next holder of the uid finds them
        assert set(STATE) - {"session keyring"} | {note} <= set(before), before
        assert uids._clean(uid)
        after = _as_uid(uid, "read_notes()")
        if not os.path.ismount("/dev/mqueue"):  # a queue is found to remove only there
            assert after.pop("mqueue") == "queue"
            _as_uid(uid, "_libc.mq_unlink(_MQ)")
        assert after == {}, after


def _grade(subs, out, *prefix):
    """``grader grade`` of ``subs`` at -j 1 (so every kernel gets the same uid),
    run under ``prefix`` (a simulated container) or in this process."""
    args = ["grade", str(subs), "--out", str(out), "--rubric", str(TEST_RUBRIC),
            "--data", str(subs.parent / "data.pkl.gz"), "-j", "1", "--no-progress"]
    if prefix:
        run = subprocess.run([*prefix, sys.executable, "-m", "grader", *args],
                             capture_output=True, text=True, timeout=900, cwd=ROOT)
        assert (out / "grades.json").exists(), run.stdout[-2000:] + run.stderr[-2000:]
    else:
        cli.main(args)
    rows = {r["student_id"]: r for r in csv.DictReader(open(out / "grades.csv"))}
    students = {s["student_id"]: s for s in json.loads((out / "grades.json").read_text())["students"]}
    return rows, students


def _batch(tmp_path, easy_data, honest):
    subs = tmp_path / "subs"
    nbs = {"first": notebook(), "second": notebook()}
    if honest:
        nbs["honest"] = nbformat.read(FIXTURES / "full_marks.ipynb", as_version=4)
    for sid, nb in nbs.items():
        (subs / sid).mkdir(parents=True)
        nbformat.write(nb, subs / sid / "homework.ipynb")
        (subs / sid / "timestamp.txt").write_text(ON_TIME)
    shutil.copy(easy_data, tmp_path / "data.pkl.gz")
    return subs


def _assert_nothing_passed(students):
    notes = {sid: reported(" ".join(c["message"] for c in students[sid]["checks"]))
             for sid in ("first", "second")}
    assert notes["first"]["uid"] == notes["second"]["uid"], notes      # -j 1: one uid
    for sid, note in notes.items():
        assert not set(STATE) & set(note["wrote"]), (sid, note)         # all denied
        assert note["read"] == {}, (sid, note)


def test_nothing_passes_between_students_on_one_uid_under_bubblewrap(kernel, tmp_path, easy_data):
    _needs_root()
    from grader.run.protections import detect_protections
    if detect_protections().mode != "bubblewrap":
        pytest.skip("bubblewrap cannot make namespaces here")
    subs = _batch(tmp_path, easy_data, honest=True)
    rows, students = _grade(subs, tmp_path / "out")
    _assert_nothing_passed(students)
    assert float(rows["honest"]["final"]) == 105        # the filter takes nothing honest


def test_nothing_passes_between_students_on_one_uid_in_a_default_container(kernel, tmp_path,
                                                                           easy_data):
    _needs_root()
    from grader.run import landlock
    if not shutil.which("setpriv") or landlock.abi() < 1:
        pytest.skip("needs setpriv and Landlock to simulate a default container")
    subs = _batch(tmp_path, easy_data, honest=False)
    rows, students = _grade(subs, tmp_path / "out", sys.executable, str(SIM),
                            "docker-default", "--")
    assert "Landlock" in json.loads((tmp_path / "out" / "grades.json").read_text())["protections"]
    _assert_nothing_passed(students)
