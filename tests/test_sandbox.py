"""grader.run.confine / sandbox: what a kernel may see, and a grader whose Python a
kernel's uid cannot reach (a venv under a 0700 folder, the usual place in a container)."""
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from grader.run import confine, sandbox
from tests.conftest import FIXTURES, ROOT, TEST_RUBRIC


def test_runtime_folders_hold_python_but_never_the_checkout():
    folders = confine.runtime_folders()
    assert any(Path(sys.base_prefix).resolve() == Path(f) or
               Path(f) in Path(sys.base_prefix).resolve().parents for f in folders), folders
    for f in folders:
        assert not (Path(f) / "grader").is_dir() and not (Path(f) / "reference").is_dir(), f
        assert not confine._under(confine.PROJECT, f), f      # no folder holding the checkout


def test_the_projects_packages_are_covered_where_a_visible_folder_holds_them():
    outer = str(Path(confine.PROJECT).parent)
    assert set(confine.covered([outer])) >= {os.path.join(confine.PROJECT, "grader"),
                                            os.path.join(confine.PROJECT, "reference")}
    assert confine.covered(["/usr/share/doc"]) == []


def test_a_site_packages_folder_inside_the_checkout_is_runtime_its_tests_are_not():
    needed = {os.path.realpath(sys.prefix)}
    inside = os.path.join(confine.PROJECT, "env", "lib", "python3.11", "site-packages")
    assert not confine._shows_project(inside, needed)
    assert confine._shows_project(os.path.join(confine.PROJECT, "tests"), needed)
    assert confine._shows_project(os.path.dirname(confine.PROJECT), needed)


def test_an_unconfined_kernel_cannot_import_the_project(tmp_path):
    """Without confinement the kernel starts without the project's packages on its
    path (its editable-install hook and the checkout are left out)."""
    (tmp_path / "tries.py").write_text(
        "import sys\ntry:\n    import reference\nexcept ImportError:\n    sys.exit(0)\n"
        "sys.exit(3)\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    ok = subprocess.run(sandbox.kernel_cmd(False, "tries"), cwd=ROOT, env=env)
    assert ok.returncode == 0
    plain = subprocess.run([sys.executable, "-m", "tries"], cwd=ROOT, env=env)
    assert plain.returncode == 3                   # the same module finds it without the boot


def _cli(python, *args, env=None, cwd=ROOT):
    return subprocess.run([str(python), "-m", "grader", *map(str, args)], cwd=cwd,
                          env={**os.environ, **(env or {})}, capture_output=True, text=True,
                          timeout=600)


def test_unconfined_grading_is_refused_unless_allowed(tmp_path):
    run = _cli(sys.executable, "check", FIXTURES / "full_marks.ipynb", "--rubric", TEST_RUBRIC,
               env={"GALAXY_GRADER_BWRAP": "none", "GALAXY_GRADER_LANDLOCK": "none"})
    err = run.stderr.strip()
    assert run.returncode == 2 and "\n" not in err, err
    assert "cannot be confined" in err and "--allow-unconfined" in err


@pytest.fixture(scope="module")
def closed_venv(tmp_path_factory):
    """A venv inside a folder of mode 0700 whose packages are the test venv's."""
    if os.geteuid() != 0:
        pytest.skip("needs root: the kernel runs under a uid of its own")
    closed = tmp_path_factory.mktemp("closed") / "private"
    closed.mkdir(mode=0o700)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(closed / "venv")],
                   check=True)
    site = subprocess.run([str(closed / "venv" / "bin" / "python"), "-c",
                           "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "test-venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return closed / "venv" / "bin" / "python"


def test_a_grader_in_a_closed_folder_still_grades_when_confined(kernel, closed_venv, easy_data):
    run = _cli(closed_venv, "check", FIXTURES / "full_marks.ipynb", "--quick",
               "--rubric", TEST_RUBRIC, "--data", easy_data)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert run.stdout.count("[PASS]") == 6, run.stdout


def test_a_grader_in_a_closed_folder_refuses_unconfined_with_one_line(kernel, closed_venv, easy_data):
    run = _cli(closed_venv, "check", FIXTURES / "full_marks.ipynb", "--quick",
               "--rubric", TEST_RUBRIC, "--data", easy_data, "--allow-unconfined",
               env={"GALAXY_GRADER_BWRAP": "none", "GALAXY_GRADER_LANDLOCK": "none"})
    err = run.stderr.strip()
    assert run.returncode == 2 and "\n" not in err, err
    assert "sandbox self-test failed, nothing was graded" in err
    assert "cannot enter" in err, err


def _bwrap():
    bwrap = confine.bwrap_path()
    if bwrap is None or os.geteuid() != 0 or confine.selftest(bwrap, True):
        pytest.skip("needs root and a bubblewrap that can make namespaces here")
    return bwrap


def test_bubblewrap_denies_keyrings_sysv_ipc_and_message_queues(tmp_path):
    """The filter bwrap loads (``seccomp.SHARED_STATE``) stops what would outlive the
    kernel under its uid: run as the launcher runs a kernel (bwrap, then setpriv)."""
    from grader.run import launch, seccomp
    from tests.fixtures.shared_state import CHANNELS, spare_uid
    for name in confine.OUTPUTS + ("nb.ipynb",):
        (tmp_path / name).write_text("")
    fd = seccomp.bpf_fd()
    args = confine.bwrap_args(bwrap=_bwrap(), sandbox=tmp_path, io=tmp_path,
                              notebook=tmp_path / "nb.ipynb", data_name="none", ipc=None,
                              disk_mb=8, as_root=True, seccomp=fd)
    with spare_uid() as uid:                 # no grader's, nor another test run's
        cmd = launch._as_user({"uid": uid, "gid": uid, "python": sys.executable},
                              [sys.executable, "-c", CHANNELS + "\nprint(repr(write_notes('x')))"])
        run = subprocess.run(args + cmd, capture_output=True, text=True, timeout=60,
                             pass_fds=(fd,))
    os.close(fd)
    assert run.returncode == 0, run.stderr[-2000:]
    wrote = eval(run.stdout)
    shared = {k: v for k, v in wrote.items() if not k.startswith("/")}
    assert len(shared) == 7 and set(shared.values()) == {"errno 1"}, wrote       # EPERM
    assert wrote["/tmp/gg-note"] == "ok"              # its own /tmp: gone with the sandbox


def test_the_bubblewrap_self_test_fails_without_the_filter(monkeypatch):
    from grader.run import seccomp
    bwrap = _bwrap()
    real = seccomp.bpf_fd
    monkeypatch.setattr(seccomp, "bpf_fd", lambda: real(()))     # a filter denying nothing
    why = confine.selftest(bwrap, True)
    assert why == "bubblewrap failed: the sandbox reached keyrings", why
