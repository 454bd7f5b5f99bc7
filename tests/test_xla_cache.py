"""The compiled programs the grader shares with kernels (grader/run/xla_cache.py): a
kernel reads them and can change none of them."""
import hashlib
import os
import subprocess
import sys

import pytest

from grader.run import confine, xla_cache
from tests.conftest import TEST_RUBRIC
from tests.fixtures import make_fixtures as fx
from tests.test_sandbox import _bwrap

# kernel-side: the course's first draws, then every way to change the folder
KERNEL = r'''
import json, logging, os
hits = []
class Count(logging.Handler):
    def emit(self, record):
        hits.append("cache hit" in record.getMessage())
logging.getLogger("jax._src.compiler").addHandler(Count())
logging.getLogger("jax._src.compiler").setLevel(logging.DEBUG)
import jax
''' + fx.BASE["init"] + '''
[p.block_until_ready() for p in params]
tried, d = {}, os.environ["JAX_COMPILATION_CACHE_DIR"]
first = sorted(os.listdir(d))[0]
for name, act in {"new file": lambda: open(os.path.join(d, "planted"), "w"),
                  "append": lambda: open(os.path.join(d, first), "ab"),
                  "chmod": lambda: os.chmod(d, 0o777),
                  "unlink": lambda: os.unlink(os.path.join(d, first)),
                  "rename": lambda: os.rename(os.path.join(d, first), os.path.join(d, "x"))}.items():
    try:
        act()
        tried[name] = "done"
    except OSError as exc:
        tried[name] = exc.errno
jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
jax.jit(lambda x: x * 3 + 1)(params[0]).block_until_ready()      # a new program, written?
print(json.dumps({"hits": sum(hits), "misses": hits.count(False), "tried": tried}))
'''


def _digest(folder):
    return {p: hashlib.sha256(open(os.path.join(folder, p), "rb").read()).hexdigest()
            for p in sorted(os.listdir(folder))}


@pytest.fixture(scope="module")
def programs(tmp_path_factory):
    home = tmp_path_factory.mktemp("xla")
    found = xla_cache.folder(str(home))
    assert found, "the grader could not compile the shared programs"
    return found


def test_the_folder_is_bound_read_only_where_the_kernel_reads_it(tmp_path):
    common = dict(bwrap="bwrap", sandbox=tmp_path, io=tmp_path, notebook=tmp_path / "nb.ipynb",
                  data_name="none", ipc=None, disk_mb=8, as_root=True, seccomp=3)
    args = confine.bwrap_args(**common, xla_cache="/cache/xla")
    at = args.index(xla_cache.INSIDE)
    assert args[at - 2:at + 1] == ["--ro-bind", "/cache/xla", xla_cache.INSIDE]
    assert xla_cache.INSIDE not in confine.bwrap_args(**common)
    env = xla_cache.kernel_env()
    assert env["JAX_COMPILATION_CACHE_DIR"] == xla_cache.INSIDE
    assert float(env["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"]) >= 1e9


def test_the_programs_are_compiled_once_and_are_the_graders_alone(programs, monkeypatch):
    names = os.listdir(programs)
    assert any(n.startswith("jit__normal") for n in names), names
    assert all(not os.stat(os.path.join(programs, n)).st_mode & 0o022 for n in names)
    monkeypatch.setattr(xla_cache, "_compile_into", lambda work: pytest.fail("compiled again"))
    xla_cache.folder.cache_clear()
    assert xla_cache.folder(os.path.dirname(programs)) == programs
    assert [p for p in os.listdir(os.path.dirname(programs)) if p.startswith(".warming-")] == []


def test_a_folder_someone_else_can_write_is_not_used(programs, tmp_path):
    import shutil
    home = tmp_path / "home"
    shutil.copytree(os.path.dirname(programs), home)
    copy = home / os.path.basename(programs)
    victim = copy / sorted(os.listdir(copy))[0]
    os.chmod(victim, 0o666)
    xla_cache.folder.cache_clear()
    assert xla_cache.folder(str(home)) is None
    os.chmod(victim, 0o644)
    (copy / "link").symlink_to(victim)
    xla_cache.folder.cache_clear()
    assert xla_cache.folder(str(home)) is None
    (copy / "link").unlink()
    os.chmod(home, 0o777)                   # anyone could swap the folder for their own
    xla_cache.folder.cache_clear()
    assert xla_cache.folder(str(home)) is None
    os.chmod(home, 0o755)
    xla_cache.folder.cache_clear()
    assert xla_cache.folder(str(home)) == str(copy)


def test_a_failed_compile_leaves_no_folder_and_kernels_compile_as_before(tmp_path, monkeypatch):
    def fail(work):
        raise subprocess.CalledProcessError(1, "python")
    monkeypatch.setattr(xla_cache, "_compile_into", fail)
    xla_cache.folder.cache_clear()
    assert xla_cache.folder(str(tmp_path)) is None
    assert os.listdir(tmp_path) == []


def test_a_kernel_reads_the_programs_and_can_change_none(programs, tmp_path):
    """As the launcher runs a kernel (bwrap, then setpriv to a uid of its own): the
    course's first draws are read, not compiled; every write to the folder fails, and
    a program the kernel compiles with writing switched back on is not kept."""
    import json
    from grader.run import launch, sandbox, seccomp
    from tests.fixtures.shared_state import spare_uid
    for name in confine.OUTPUTS + ("nb.ipynb",):
        (tmp_path / name).write_text("")
    before = _digest(programs)
    fd = seccomp.bpf_fd()
    args = confine.bwrap_args(bwrap=_bwrap(), sandbox=tmp_path, io=tmp_path,
                              notebook=tmp_path / "nb.ipynb", data_name="none", ipc=None,
                              disk_mb=64, as_root=True, seccomp=fd, xla_cache=programs)
    env = {**sandbox.kernel_env(tmp_path, True), **xla_cache.kernel_env()}
    with spare_uid() as uid:
        cmd = launch._as_user({"uid": uid, "gid": uid, "python": sys.executable},
                              [sys.executable, "-c", KERNEL])
        run = subprocess.run(args + cmd, capture_output=True, text=True, timeout=120,
                             pass_fds=(fd,), env=env)
    os.close(fd)
    assert run.returncode == 0, run.stderr[-2000:]
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen["hits"] >= 8, seen                  # split, 4 normal draws, 4 multiplies
    assert set(seen["tried"].values()) <= {30, 13}, seen          # EROFS, EACCES
    assert _digest(programs) == before


def test_a_graded_notebook_draws_its_start_from_the_shared_programs(kernel, tmp_path, easy_data):
    """The whole path (kernelspec, launcher, bubblewrap): a notebook's first draws are
    read from the grader's folder (the count travels in the cell's error), which the
    grading leaves as it was."""
    import json
    import nbformat
    from grader import cli
    from grader.run.protections import detect_protections
    if not detect_protections().namespaces:
        pytest.skip("bubblewrap namespaces are not available here")
    programs = xla_cache.folder()
    before = _digest(programs)
    subs = tmp_path / "subs"
    subs.mkdir()
    cell = KERNEL.replace("print(json.dumps(", "raise RuntimeError(json.dumps(")
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(cell)]),
                   subs / "ana.ipynb")
    out = tmp_path / "out"
    cli.main(["grade", str(subs), "--out", str(out), "--rubric", str(TEST_RUBRIC),
              "--data", str(easy_data), "-j", "1", "--no-progress"])
    (bundle,) = out.glob("cache/*/bundle.json")
    (rec,) = json.loads(bundle.read_text())["cells"]
    seen = json.loads(rec["error"].split(": ", 1)[1])
    assert seen["hits"] >= 8, seen
    assert set(seen["tried"].values()) <= {30, 13}, seen
    assert _digest(programs) == before
