"""grader.run.landlock and grader.run.nonamespace: confinement without namespaces,
each piece checked in a child process (a restriction cannot be undone)."""
import os
import socket
import subprocess
import sys

import pytest

from grader.run import landlock, nonamespace
from tests.conftest import ROOT


def _child(code: str, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
                           + code, *map(str, args)], capture_output=True, text=True, timeout=60)


def test_a_folder_holding_the_project_is_list_only_and_everything_else_readable(tmp_path):
    site = tmp_path / "site-packages"
    for d in ("grader/run", "reference", "numpy", "jax"):
        (site / d).mkdir(parents=True)
    (site / "six.py").write_text("")
    (site / "__editable___galaxy_grader_finder.py").write_text("")
    rules = dict(nonamespace._around(str(site), [str(site / "grader"), str(site / "reference")]))
    assert rules[str(site)] == landlock.READ_DIR
    assert rules[str(site / "numpy")] == landlock.RUN and rules[str(site / "six.py")] == landlock.RUN
    assert not any(p.startswith(str(site / "grader")) or p.startswith(str(site / "reference"))
                   or "editable" in p for p in rules)


@pytest.mark.skipif(landlock.abi() < 1, reason="no Landlock on this kernel")
def test_landlock_allows_the_allowlist_and_nothing_else(tmp_path):
    inside, outside = tmp_path / "in", tmp_path / "out"
    inside.mkdir()
    outside.mkdir()
    (outside / "secret").write_text("key")
    run = _child("""
from grader.run import landlock as ll
import os
import socket
ll.restrict([(p, ll.RUN) for p in ("/usr", "/lib", "/lib64", "/etc")] +
            [(sys.prefix, ll.RUN), (sys.base_prefix, ll.RUN), (sys.argv[1], ll.RUN | ll.WRITE)])
open(os.path.join(sys.argv[1], "mine"), "w").write("ok")
try:
    open(sys.argv[2]).read(); print("LEAK")
except PermissionError:
    print("denied")
""", inside, outside / "secret")
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == ["denied"] and (inside / "mine").read_text() == "ok"


def test_the_filter_denies_internet_sockets_and_makes_owner_changes_do_nothing(tmp_path):
    target = tmp_path / "f"
    target.write_text("")
    os.chmod(target, 0o600)
    run = _child("""
from grader.run import nonamespace as n
import os, socket
n.load_filter(n.KERNEL_DENY, no_effect=n.OWNER_DENY)
try:
    socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); print("udp")
except OSError:
    print("no-udp")
socket.socket(socket.AF_UNIX).close()
os.chmod(sys.argv[1], 0o777)
print(oct(os.stat(sys.argv[1]).st_mode & 0o777))
import ctypes
print("unshare", ctypes.CDLL(None, use_errno=True).unshare(0x10000000))
""", target)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == ["no-udp", "0o600", "unshare", "-1"]


def test_the_filter_denies_keyrings_sysv_ipc_and_message_queues():
    """Without namespaces they are the host's: a uid's keyrings and every SysV and POSIX
    queue would outlive the kernel (issue 22, item 9).  The files are Landlock's."""
    from tests.fixtures.shared_state import CHANNELS
    run = _child("from grader.run import nonamespace as n\n"
                 "n.load_filter(n.KERNEL_DENY, no_effect=n.OWNER_DENY)\n" + CHANNELS +
                 "\n_FILES = ()\nprint(repr(write_notes('x')))")
    assert run.returncode == 0, run.stderr[-2000:]
    wrote = eval(run.stdout)
    assert len(wrote) == 7 and set(wrote.values()) == {"errno 1"}, wrote      # EPERM


@pytest.mark.skipif(landlock.abi() < 1, reason="no Landlock on this kernel")
def test_the_self_test_fails_when_the_allowlist_shows_the_project(tmp_path):
    """The self-test is the proof the ladder relies on: a rule that shows the checkout
    (a mistake in the allowlist) must make it fail, naming what was read."""
    assert nonamespace.selftest(None, str(tmp_path / "secret")) == ""
    why = nonamespace.selftest(None, str(tmp_path / "secret"), more=[(str(ROOT), landlock.RUN)])
    assert why.startswith("confinement without namespaces failed: read ") and "grader" in why, why


@pytest.mark.skipif(landlock.abi() < 6, reason="abstract sockets are scoped from Landlock ABI 6")
def test_a_kernel_cannot_reach_another_kernels_abstract_socket():
    """Kernels' Jupyter sockets are abstract in this mode: one kernel's domain cannot
    connect to another's (and the grader, outside both, can)."""
    name = f"gg-test-{os.getpid()}"
    owner = subprocess.Popen([sys.executable, "-c", f"""
import sys, socket, time; sys.path.insert(0, {str(ROOT)!r})
from grader.run import landlock as ll
ll.restrict([(p, ll.RUN) for p in ("/usr", "/lib", "/lib64", "/etc", sys.prefix, sys.base_prefix)])
s = socket.socket(socket.AF_UNIX); s.bind("\\0{name}"); s.listen(4)
print("ready", flush=True); time.sleep(20)
"""], stdout=subprocess.PIPE, text=True)
    try:
        assert owner.stdout.readline().strip() == "ready"
        other = _child(f"""
from grader.run import landlock as ll
import socket
ll.restrict([(p, ll.RUN) for p in ("/usr", "/lib", "/lib64", "/etc", sys.prefix, sys.base_prefix)])
try:
    socket.socket(socket.AF_UNIX).connect("\\0{name}"); print("reached")
except OSError as exc:
    print("refused", exc.errno)
""")
        assert other.stdout.split()[0] == "refused", other.stdout + other.stderr[-500:]
        grader_side = socket.socket(socket.AF_UNIX)
        grader_side.connect("\0" + name)            # the grader is outside every domain
        grader_side.close()
    finally:
        owner.kill()
        owner.wait()
