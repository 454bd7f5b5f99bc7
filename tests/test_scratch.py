"""grader/run/scratch.py: a run removes the scratch folders of killed runs, never one a
live run holds, even when that run's pid is not visible from here (a grader in another
pid namespace sharing /tmp: a container, ``unshare --pid``)."""
import os
import subprocess
import sys
import time

from grader.run import scratch

GONE_PID = 2 ** 22 + 12345      # above pid_max's default ceiling: no such process here


def _named_for(folder, pid):
    """``folder`` renamed as if a process ``pid`` had made it."""
    target = folder.with_name(f"{scratch.PREFIX}{pid}-{folder.name.rsplit('-', 1)[-1]}")
    folder.rename(target)
    return target


def test_a_held_folder_stays_even_when_its_pid_is_not_visible(tmp_path):
    """The bug a TA's grading met beside the test suite: a grader in a pid namespace saw
    no process with the folder's pid and removed a live run's probe inputs."""
    held = scratch.Scratch(root=tmp_path)
    held.path = _named_for(held.path, GONE_PID)       # the owner's pid: invisible here
    (held.path / "probe-inputs.npz").write_bytes(b"x")
    assert scratch.sweep(tmp_path) == []
    assert (held.path / "probe-inputs.npz").exists()
    held.release()
    assert not held.path.exists()


def test_a_killed_runs_folder_is_removed(tmp_path):
    child = subprocess.run(
        [sys.executable, "-c", "import os, sys\nfrom grader.run import scratch\n"
         f"s = scratch.Scratch(root={str(tmp_path)!r})\nprint(s.path)\nos._exit(9)"],
        capture_output=True, text=True, timeout=60)
    folder = tmp_path / os.path.basename(child.stdout.strip())
    assert child.returncode == 9 and folder.is_dir(), child.stderr
    assert scratch.sweep(tmp_path) == [folder] and not folder.exists()


def test_a_folder_another_process_holds_stays(tmp_path):
    code = ("import sys, time\nfrom grader.run import scratch\n"
            f"s = scratch.Scratch(root={str(tmp_path)!r})\nprint(s.path, flush=True)\n"
            "sys.stdin.read()\ns.release()")
    owner = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        folder = tmp_path / os.path.basename(owner.stdout.readline().strip())
        assert folder.is_dir()
        assert scratch.sweep(tmp_path) == [] and folder.is_dir()
    finally:
        owner.communicate("", timeout=60)
    assert not folder.exists()


def test_a_folder_without_a_lock_goes_only_when_its_pid_is_gone_and_it_is_old(tmp_path):
    old_gone = tmp_path / f"{scratch.PREFIX}{GONE_PID}-aaaa"
    new_gone = tmp_path / f"{scratch.PREFIX}{GONE_PID}-bbbb"
    old_alive = tmp_path / f"{scratch.PREFIX}{os.getpid()}-cccc"
    for folder in (old_gone, new_gone, old_alive):
        folder.mkdir()
    past = time.time() - scratch.LEGACY_AGE_S - 60
    for folder in (old_gone, old_alive):
        os.utime(folder, (past, past))
    assert scratch.sweep(tmp_path) == [old_gone]
    assert new_gone.is_dir() and old_alive.is_dir()


def test_links_and_other_names_are_left_alone(tmp_path):
    target = tmp_path / "elsewhere"
    target.mkdir()
    (tmp_path / f"{scratch.PREFIX}{GONE_PID}-link").symlink_to(target)
    (tmp_path / f"{scratch.PREFIX}uids").mkdir()
    assert scratch.sweep(tmp_path) == []
    assert target.is_dir() and (tmp_path / f"{scratch.PREFIX}uids").is_dir()
