"""Compiled programs every notebook starts with, compiled once and read by each kernel.

A notebook's first random draws compile a few small XLA programs (the key, its split,
normal draws at the course's shapes, the scale multiply): about 1.5 s of each kernel's
time, the same in every notebook.  The grader compiles them once per machine and JAX
version, in a process of its own that runs only the code below (random inputs: no
course data, no answers), into a folder under its cache home that only the grader's
user can write.  Bubblewrap binds that folder read-only into each kernel, whose JAX
reads it (``JAX_COMPILATION_CACHE_DIR``) and never writes (a minimum compile time no
compile reaches), so no kernel can add or change a program another kernel loads.  A
student's own programs miss it and compile as before.  Confinement modes without
namespaces run without it; so does a folder that is not the grader's alone.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

INSIDE = "/galaxy-grader-xla"          # where a kernel sees the folder (its own top folder)
NEVER_WRITE = "1e9"                     # seconds: no compile in a kernel is written
WARM_SECONDS = 120                      # the compile run's time limit


# XLA's own caches off: their folder, named after the cache folder, would enter every
# program's key, and the grader compiles where the kernel reads (different paths)
_SAME_KEYS = {"JAX_PLATFORMS": "cpu", "JAX_PERSISTENT_CACHE_ENABLE_XLA_CACHES": "none"}


def kernel_env() -> dict:
    """What a kernel's environment needs to read the folder (bound at ``INSIDE``)."""
    return {**_SAME_KEYS, "JAX_COMPILATION_CACHE_DIR": INSIDE,
            "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": NEVER_WRITE}


def _cpu() -> str:
    """The processor's model and features: programs are compiled for them (a cache home
    shared by machines of a cluster must not hand one machine's programs to another)."""
    try:
        with open("/proc/cpuinfo") as fh:
            lines = [ln for ln in fh if ln.startswith(("model name", "flags", "Features"))]
        return "".join(sorted(set(lines)))
    except OSError:
        import platform
        return platform.processor() or platform.machine()


def _version() -> str:
    """The folder's name: what the programs depend on (this code, JAX, jaxlib, the
    XLA flags a kernel inherits, the processor)."""
    from importlib.metadata import version
    what = repr((Path(__file__).read_bytes(), version("jax"), version("jaxlib"),
                 os.environ.get("XLA_FLAGS", ""), _cpu()))
    return hashlib.sha256(what.encode()).hexdigest()[:20]


def _ours_alone(path: Path) -> bool:
    """Owned by this user and writable by nobody else: the folder, the folder holding it
    (no one else can swap it) and every file in it."""
    try:
        for p in [path.parent, path, *path.iterdir()]:
            st = p.lstat()
            if st.st_uid != os.geteuid() or st.st_mode & 0o022 or \
                    not (p.is_dir() or p.is_file()) or p.is_symlink():
                return False
    except OSError:
        return False
    return True


@lru_cache(maxsize=None)
def folder(home: str | None = None) -> str | None:
    """The compiled programs' folder, compiled now when missing (once per machine and
    version; a concurrent grader's run is harmless: the first complete folder wins);
    None when it cannot be had, and kernels then compile as they always did."""
    from reference.synthetic import cache_dir
    base = Path(home) if home else cache_dir() / "kernel-xla"
    final = base / _version()
    if not final.is_dir():
        try:
            base.mkdir(parents=True, exist_ok=True)
            work = Path(tempfile.mkdtemp(prefix=".warming-", dir=base))
            try:
                _compile_into(work)
                os.chmod(work, 0o755)
                os.rename(work, final)
            finally:
                shutil.rmtree(work, ignore_errors=True)
        except (OSError, subprocess.SubprocessError):
            pass                          # another grader won the rename, or no room
    return str(final) if final.is_dir() and _ours_alone(final) else None


def _compile_into(work: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JAX_")}
    env.update(_SAME_KEYS, JAX_COMPILATION_CACHE_DIR=str(work),
               JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="0",
               JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES="0")
    subprocess.run([sys.executable, "-m", "grader.run.xla_cache"], env=env, check=True,
                   timeout=WARM_SECONDS, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    files = list(work.iterdir())
    if not files:
        raise OSError("nothing was compiled")
    for f in files:                       # readable by a kernel's uid, writable by us alone
        os.chmod(f, 0o755 if f.is_dir() else 0o644)


def _compile_here() -> None:
    """The programs, written the ways notebooks write them (the course's shapes)."""
    import jax
    from reference.model import HIDDEN, N_CLASSES, N_PIXELS
    shapes = [(HIDDEN, N_PIXELS), (HIDDEN,), (N_CLASSES, HIDDEN), (N_CLASSES,)]
    key = jax.random.PRNGKey(0)
    k1, k2, k3, k4, key = jax.random.split(key, 5)
    k1, k2, k3, k4 = jax.random.split(key, 4)
    key, sub = jax.random.split(key)
    for s in shapes:
        w = jax.random.normal(sub, s)
        (0.1 * w).block_until_ready()
        (w * 0.1).block_until_ready()
    for n in ((), (2000,), (100,)):
        jax.random.randint(sub, n, 0, 1000).block_until_ready()


if __name__ == "__main__":
    os.umask(0o022)
    _compile_here()
