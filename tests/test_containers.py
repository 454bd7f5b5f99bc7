"""Grading where courses grade: as root inside a default Docker container (Gradescope's
autograder, a course's grading image) and as a user who may not create namespaces,
simulated without Docker by tools/containersim.py (Docker's 14 capabilities and its
seccomp profile's namespace and mount denials; /sys read-only).

There bubblewrap cannot make namespaces, so the grader confines kernels with Landlock
and seccomp (grader/run/nonamespace.py).  In each mode one ``grader grade`` run grades an
honest notebook and the attack corpus (the answer key by import and by path, forged probe
output, planted figures, ...), and the hostile cells that attack the grader's files, other
kernels and the network are graded too (as a user in that same run; in the default
container by tests/test_hostile.py run inside it): each earns exactly its honest part,
and every output names the confinement that graded it.
"""
import csv
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest

from grader.report.text import file_names
from grader.run import landlock
from tests.conftest import FIXTURES, ROOT, TEST_RUBRIC
from tests.fixtures.make_attacks import write_attacks
from tests.fixtures.make_hostile import RUNAWAY, notebook as hostile_notebook
from tests.test_attacks import ON_TIME, _targets

SIM = ROOT / "tools" / "containersim.py"
HOSTILE = ("tamper_abs", "tamper_dotdot", "tamper_read_others", "exit_kill_parent",
           "tamper_network", "runaway_fork", "tamper_forge_probe", "tamper_builtins")


def _sim(mode, *cmd, opts=(), timeout=900):
    return subprocess.run([sys.executable, str(SIM), mode, *opts, "--", *map(str, cmd)],
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT)


def _needs_sim():
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root and setpriv to simulate a container")
    if landlock.abi() < 1:
        pytest.skip("this kernel has no Landlock: the no-namespace mode cannot run here")


def _protections(mode, opts=(), python=(sys.executable,)):
    """What the grader detects inside ``mode`` (``python``: the command that runs it)."""
    run = _sim(mode, *python, "-c", "import json; from grader.run.protections import "
               "detect_protections as d; p = d(); print(json.dumps({**p.to_dict(), "
               "'signals_isolated': p.signals_isolated, 'files_isolated': p.files_isolated, "
               "'processes_capped': p.processes_capped, 'sockets_isolated': p.sockets_isolated}))",
               opts=opts, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


class _Listener:
    """A unix socket in a folder anyone may enter (like /tmp/.X11-unix): nothing
    inside a kernel may reach it."""

    def __init__(self, folder: Path):
        self.path = folder / "sock"
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.bind(str(self.path))
        self.sock.listen(8)
        self.sock.settimeout(0.0)

    def reached(self) -> bool:
        try:
            self.sock.accept()
            return True
        except OSError:
            return False


def _batch(easy_data, mode, opts=(), python=sys.executable, uid=None):
    """Grade the honest notebook, the attack corpus and (as a user without namespaces)
    the hostile cells this mode protects against in one ``grader grade`` run inside the
    simulated ``mode``; in the default container the whole runaway corpus is graded by
    ``test_the_hostile_corpus_holds_in_a_container`` instead."""
    prot = _protections(mode, opts) if python == sys.executable else None
    root = Path(tempfile.mkdtemp(prefix=".containers-", dir=ROOT))
    os.chmod(root, 0o755)                   # world-readable: only confinement keeps kernels out
    p = {k: root / v for k, v in (("subs", "subs"), ("out", "out"), ("old_out", "old_out"),
                                  ("rubric", "rubric.yaml"), ("data", "data/easy.pkl.gz"),
                                  ("home", "home"))}
    for k in ("subs", "old_out", "home"):
        p[k].mkdir()
    p["data"].parent.mkdir()
    shutil.copy(easy_data, p["data"])
    shutil.copy(TEST_RUBRIC, p["rubric"])
    (p["old_out"] / "grades.csv").write_text("last week's grades\n")
    cmd = [python, "-m", "grader"]
    if uid is not None:
        cmd = ["env", f"HOME={p['home']}", f"XDG_CACHE_HOME={p['home']}/.cache"] + cmd
        for path in [root, *root.rglob("*")]:
            os.chown(path, uid, uid)
        prot = _protections(mode, opts, cmd[:-2])
    listener = _Listener(root)
    os.chmod(listener.path, 0o777)
    expected = write_attacks(p["subs"], _targets(p))
    if not prot["processes_capped"]:       # root without cgroups: nothing caps a fork storm
        shutil.rmtree(p["subs"] / "fork_zombies")
        expected.pop("fork_zombies")
    (p["subs"] / "honest").mkdir()
    shutil.copy(FIXTURES / "full_marks.ipynb", p["subs"] / "honest" / "homework.ipynb")
    expected["honest"] = (105, None)
    targets = {"subs": str(p["subs"]), "rubric": str(p["rubric"]), "data": str(p["data"]),
               "other_nb": str(p["subs"] / "honest" / "homework.ipynb"),
               "hidden": str(p["data"]), "out": str(p["out"]), "cache": str(p["out"] / "cache"),
               "cache_file": str(p["out"] / "cache" / "x" / "bundle.json"),
               "old_out": str(p["old_out"]), "old_grades": str(p["old_out"] / "grades.csv"),
               "port": 9, "unix": str(listener.path), "processes": 64,
               "memory_mb": 6144, "file_size_mb": 256, "disk_mb": 1024, "confined": True}
    for sid in HOSTILE if mode != "docker-default" else ():   # there: the nested run below
        cell, parts, first, points, reason, needs = RUNAWAY[sid]
        if needs and not prot.get(needs):
            continue                          # this mode does not give that protection
        nb = hostile_notebook(parts, cell, first, {**targets, "relative": sid == "tamper_dotdot"})
        (p["subs"] / sid).mkdir()
        nbformat.write(nb, p["subs"] / sid / "homework.ipynb")
        expected[sid] = (points, reason)
    for folder in p["subs"].iterdir():
        (folder / "timestamp.txt").write_text(ON_TIME)
    if uid is not None:
        for path in [root, *root.rglob("*")]:
            os.chown(path, uid, uid)
    before = {f: f.read_bytes() for f in (p["rubric"], p["data"], p["old_out"] / "grades.csv")}
    run = _sim(mode, *cmd, "grade", p["subs"], "--out", p["out"], "--rubric", p["rubric"],
               "--data", p["data"], "-j", "2", "--no-progress", opts=opts)
    rows = {r["student_id"]: r for r in csv.DictReader(open(p["out"] / "grades.csv"))} \
        if (p["out"] / "grades.csv").exists() else {}
    return {"run": run, "rows": rows, "expected": expected, "prot": prot, "p": p, "mode": mode,
            "before": before, "listener": listener, "root": root,
            "json": json.loads((p["out"] / "grades.json").read_text())
            if (p["out"] / "grades.json").exists() else {}}


@pytest.fixture(scope="module")
def docker_batch(easy_data, kernel):
    _needs_sim()
    done = _batch(easy_data, "docker-default", ("--ro-sys",))
    try:
        yield done
    finally:
        shutil.rmtree(done["root"], ignore_errors=True)


@pytest.fixture(scope="module")
def world_venv(tmp_path_factory):
    """A venv every user can read, made by the system's Python, with this checkout
    installed (a non-root user cannot use a Python under /root)."""
    _needs_sim()
    system = Path("/usr/bin/python3")
    if not system.exists():
        pytest.skip("no system Python to make a world-readable venv")
    venv = Path(tempfile.mkdtemp(prefix="gg-world-"))
    os.chmod(venv, 0o755)
    try:
        made = subprocess.run([str(system), "-m", "venv", str(venv)], capture_output=True)
        if made.returncode != 0:
            pytest.skip(f"the system Python cannot make a venv: {made.stderr[-200:]!r}")
        done = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "-e", str(ROOT)],
                              capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stderr[-2000:]
        yield venv / "bin" / "python"
    finally:
        shutil.rmtree(venv, ignore_errors=True)


@pytest.fixture(scope="module")
def user_batch(easy_data, world_venv, kernel):
    done = _batch(easy_data, "user-nsdeny", ("--uid", "1500"), python=str(world_venv), uid=1500)
    try:
        yield done
    finally:
        shutil.rmtree(done["root"], ignore_errors=True)


def test_a_default_container_confines_with_landlock(kernel, docker_batch):
    prot = docker_batch["prot"]
    assert prot["mode"] == "landlock" and prot["confined"], prot
    assert prot["landlock_abi"] >= 1 and not prot["cgroup_memory"]      # /sys read-only
    assert prot["own_uid"] and prot["kernel_uid"] in ("pool", "pool-override"), prot
    assert "Landlock without namespaces" in docker_batch["json"]["protections"]


@pytest.fixture(params=["docker_batch", "user_batch"])
def any_batch(request):
    return request.getfixturevalue(request.param)


def test_every_notebook_earns_exactly_its_honest_part_in_a_container(kernel, any_batch):
    run, rows = any_batch["run"], any_batch["rows"]
    assert rows, run.stdout[-3000:] + run.stderr[-3000:]
    students = {s["student_id"]: s for s in any_batch["json"]["students"]}
    wrong = {}
    for sid, (points, reason) in any_batch["expected"].items():
        said = " | ".join([*students[sid]["notes"], *(c["message"] for c in students[sid]["checks"])])
        if float(rows[sid]["final"]) != points or (reason and reason not in said):
            wrong[sid] = (rows[sid]["final"], points, reason, said[:600])
    assert not wrong, "\n".join(f"{k}: {v}" for k, v in wrong.items())
    if any_batch["mode"] != "docker-default":         # there the whole runaway corpus runs
        assert "tamper_abs" in rows and "exit_kill_parent" in rows  # (the nested test below)
    assert "sandbox: Landlock" in run.stdout
    out = any_batch["p"]["out"]              # an extreme history breaks no one's report
    for sid, stem in file_names(rows).items():
        for ext in ("md", "html"):
            page = out / "feedback" / f"{stem}.{ext}"
            assert page.is_file() and page.stat().st_size > 0, page
    assert (out / "class_report.html").stat().st_size > 0


def test_nothing_outside_the_kernels_changed_in_a_container(kernel, any_batch):
    for path, data in any_batch["before"].items():
        assert path.read_bytes() == data, path
    assert not list(any_batch["root"].rglob("planted.txt"))
    assert not any_batch["listener"].reached() or not any_batch["prot"]["sockets_isolated"]


def test_a_user_without_namespaces_confines_as_its_own_uid(user_batch):
    prot = user_batch["prot"]
    assert prot["mode"] == "landlock" and prot["kernel_uid"] == "self", prot
    assert "kernels as the grader's uid" in user_batch["run"].stdout


def test_refusal_names_what_it_found_and_what_works():
    _needs_sim()
    env = {**os.environ, "GALAXY_GRADER_LANDLOCK": "none"}
    run = subprocess.run([sys.executable, str(SIM), "docker-default", "--", sys.executable, "-m",
                          "grader", "check", str(FIXTURES / "full_marks.ipynb"), "--rubric",
                          str(TEST_RUBRIC)], capture_output=True, text=True, timeout=120,
                         cwd=ROOT, env=env)
    err = run.stderr.strip()
    assert run.returncode == 2 and "\n" not in err, err
    assert "root inside a container" in err or "root on this machine" in err, err
    assert "Operation not permitted" in err and "What works" in err, err


def test_the_hostile_corpus_holds_in_a_container(kernel, tmp_path):
    """tests/test_hostile.py, run as it is inside the simulated default container (/sys
    read-only): every runaway, crashing and tampering notebook earns exactly its honest
    part in the Landlock mode too, nothing outside the kernels changes, no connection
    leaves, a second run gives the same CSV.  The broken files are left out
    (GG_HOSTILE_CORPUS=runaway: refused before any kernel starts, the same in every mode)
    and so is tests/test_attacks.py, whose corpus ``docker_batch`` grades in this same
    mode with the same exact points.  (test_protections_active asserts bubblewrap's full
    set, which a container does not give.)"""
    _needs_sim()
    run = _sim("docker-default", "env", "GG_HOSTILE_CORPUS=runaway", sys.executable, "-m",
               "pytest", "-q", "-p", "no:cacheprovider", "--basetemp", tmp_path / "inner",
               "tests/test_hostile.py",
               "--deselect", "tests/test_hostile.py::test_protections_active",
               opts=("--ro-sys",), timeout=1800)
    tail = (run.stdout + run.stderr)[-3000:]
    assert run.returncode == 0, tail
    assert "5 passed" in run.stdout and " failed" not in run.stdout, tail
