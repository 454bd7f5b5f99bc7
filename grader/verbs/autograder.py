"""``grader autograder``: the zip Gradescope's "Configure Autograder" page takes.

Like otter-grader's generate step: everything the container needs, built from this
checkout: ``setup.sh`` (a venv with the pinned requirements and bubblewrap, then the
grader's wheel), ``run_autograder`` (``grader gradescope`` on the submission, with
the course rubric, data and private probe secret), ``requirements.txt`` pinned to the
versions this grader was tested with, the wheel, ``rubric.yaml``, ``dataG.pkl.gz``
and ``probe-secret``.  The zip holds the answer key and the secret: it goes to
Gradescope, never to students.
"""
from __future__ import annotations

import importlib.metadata
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from .. import heldback, rubric as rubric_mod
from ..errors import InputError, not_found

ROOT = Path(__file__).resolve().parents[2]
_SKIP_NAMES = shutil.ignore_patterns(".venv", ".git", "__pycache__", "build", "*.egg-info",
                                     "grading-output", ".hostile-*", ".attacks-*",
                                     ".containers-*", "dist")


def SKIP(folder, names):
    """What the wheel's source copy leaves out: the names above, and sockets, pipes and
    devices (a grading or test run working in the checkout meanwhile leaves them)."""
    special = set()
    for n in names:
        try:
            mode = os.lstat(os.path.join(folder, n)).st_mode
        except OSError:                  # gone meanwhile
            special.add(n)
            continue
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode) or stat.S_ISLNK(mode)):
            special.add(n)
    return _SKIP_NAMES(folder, names) | special

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when the autograder image is built.
set -euo pipefail
cd /autograder/source
apt-get update -q && apt-get install -y -q python3-venv bubblewrap
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install -q -r requirements.txt
/autograder/venv/bin/pip install -q --no-deps ./{wheel}
# the answer key, the probe secret and the data stay root's: kernels run as other uids
# (the venv, made by the system's Python, stays readable for them)
chmod 600 probe-secret
chmod 700 /autograder/source
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this for every submission.  AUTOGRADER_ROOT and GRADER only exist
# so the zip can be tried outside Gradescope (tests/test_autograder.py).
set -uo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
cd "$ROOT/source"
export GALAXY_GRADER_SECRET="$ROOT/source/probe-secret"
"${{GRADER:-$ROOT/venv/bin/grader}}" gradescope --rubric rubric.yaml --data dataG.pkl.gz \\
    --submission "$ROOT/submission" --results "$ROOT/results/results.json"
exit 0      # results.json says what happened, whatever it was
"""


def requirements() -> str:
    """The project's dependencies pinned to the versions installed here."""
    try:
        import tomllib
        deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    except ModuleNotFoundError:          # Python 3.10: the installed metadata says the same
        deps = [r for r in importlib.metadata.requires("galaxy-grader") or []
                if "extra ==" not in r]
    lines = []
    for spec in deps:
        name = spec.split(";")[0].split(">")[0].split("=")[0].split("<")[0].strip()
        marker = f"; {spec.split(';', 1)[1].strip()}" if ";" in spec else ""
        try:
            lines.append(f"{name}=={importlib.metadata.version(name)}{marker}")
        except importlib.metadata.PackageNotFoundError:
            lines.append(spec)
    return "\n".join(lines) + "\n"


def build_wheel(work: Path) -> Path:
    if not (ROOT / "pyproject.toml").is_file():
        raise InputError(f"{ROOT}: not a checkout of galaxy-grader; build the autograder "
                         f"from one")
    src = work / "src"
    shutil.copytree(ROOT, src, ignore=SKIP, symlinks=True)
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                           "--no-build-isolation", "-w", str(work / "dist"), str(src)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise InputError(f"cannot build the grader's wheel: {done.stderr.strip()[-300:]}")
    return next((work / "dist").glob("galaxy_grader-*.whl"))


def _add(zf, name, data, executable=False, mode=None):
    info = zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0))
    info.external_attr = (stat.S_IFREG | (mode or (0o755 if executable else 0o644))) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)


def _built(wheel) -> Path:
    path = Path(wheel)
    if not path.is_file():
        raise InputError(not_found(path))
    if not (path.name.startswith("galaxy_grader-") and path.suffix == ".whl"
            and zipfile.is_zipfile(path)):
        raise InputError(f"{path}: not a galaxy_grader wheel (galaxy_grader-*.whl)")
    return path


def main(*, out="autograder.zip", rubric=None, data=None, wheel=None) -> int:
    """Write the autograder zip to ``out``; rubric and data as for ``grader grade``
    (the built-in synthetic set when neither names a file); ``wheel``: the grader's
    wheel already built (else one is built from this checkout)."""
    rub = rubric_mod.load(rubric)
    wheel = _built(wheel) if wheel else None
    data_file = Path(data) if data else rub.data_path()
    if data_file is None:
        from reference import synthetic
        data_file = synthetic.cached_default()
    if not data_file.is_file():
        raise InputError(not_found(data_file))
    heldback.batch_seed(None)       # the secret exists from here on (the zip ships it, even
    secret = heldback.secret_path()  # when this rubric fixes the seed)
    with tempfile.TemporaryDirectory() as tmp:
        wheel = wheel or build_wheel(Path(tmp))
        tmp_zip = Path(out).with_name(f".{Path(out).name}.{os.getpid()}")
        with zipfile.ZipFile(tmp_zip, "w") as zf:
            _add(zf, "setup.sh", SETUP.format(wheel=wheel.name), executable=True)
            _add(zf, "run_autograder", RUN.format(), executable=True)
            _add(zf, "requirements.txt", requirements())
            _add(zf, wheel.name, wheel.read_bytes())
            _add(zf, "rubric.yaml", Path(rub.source).read_bytes())
            _add(zf, "probe-secret", secret.read_bytes(), mode=0o600)     # root's only
            zf.write(data_file, "dataG.pkl.gz")
        os.replace(tmp_zip, out)
    print(f"wrote {out}: upload it on Gradescope's Configure Autograder page "
          f"(it holds the answer key and the probe secret: never give it to students)")
    return 0
