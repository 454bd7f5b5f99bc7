"""Attacks by a student who knows this repository, graded as ONE batch.

One honest notebook (full_marks) and the attack corpus (tests/fixtures/make_attacks.py)
in one ``grader grade`` run under the test rubric, with held-back galaxies taken
from the ``--data`` file: each attack must get exactly the points its own honest
work earns, and every report must still be written.  A separate run makes the
grader PID 1 of a new pid namespace (nothing above it reaps zombies) and grades a
zombie-making notebook and an honest one on the same uid slot (-j 1).
"""
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest

from grader import cli
from grader.run import confine
from reference import synthetic
from tests.conftest import FIXTURES, ROOT, TEST_RUBRIC
from tests.fixtures.make_attacks import ATTACKS, notebook, write_attacks

pytestmark = pytest.mark.usefixtures("kernel")   # real kernels: the kernel tier

ON_TIME = "2025-10-30 12:00:00 America/New_York"
HONEST = "honest"


def _project_roots() -> list:
    """Every folder the answer key lives in: this checkout, and where an editable
    install of the package points (the venv's finder)."""
    roots = {str(ROOT)}
    for name, mod in list(sys.modules.items()):
        mapping = getattr(mod, "MAPPING", None)
        if name.startswith("__editable__") and isinstance(mapping, dict):
            roots.update(str(Path(p).parent) for p in mapping.values())
    for finder in ROOT.parent.glob("*/.venv/lib/python*/site-packages/__editable__*finder.py"):
        roots.update(m for m in re.findall(r"'(/[^']+)/(?:grader|reference)'", finder.read_text()))
    return sorted(roots)


def _targets(p: dict) -> dict:
    roots = _project_roots()
    files = [f"{r}/{n}" for r in roots for n in ("reference/solution.ipynb", "reference/model.py",
                                                 "rubric.yaml", "grader/checks/context.py")]
    files += [str(p["rubric"]), str(p["data"]), str(p["out"] / "grades.csv"),
              str(p["subs"] / HONEST / "homework.ipynb"), "/etc/passwd", "/etc/shadow",
              str(synthetic.cache_dir() / "probe-secret")]
    dirs = ["/opt", "/mnt", "/root", "/srv", "/var", str(p["subs"]), str(p["out"]),
            str(p["out"] / "cache"), str(synthetic.cache_dir())]
    globs = ["/tmp/galaxy-grader-*/probe-inputs.npz", "/tmp/galaxy-grader-*/*/launch-*.json",
             str(synthetic.cache_dir() / "withheld" / "*.pkl.gz"), "/home/*/.cache/galaxy-grader/*"]
    markers = [str(p["subs"]), str(p["out"]), str(p["rubric"]), "pytest", "probe-inputs",
               "probe-secret", "rubric", *(f"{r}/{n}" for r in roots
                                           for n in ("grader", "reference", "tests"))]
    return {"roots": roots, "files": files, "dirs": dirs, "project_dirs": roots,
            "runtime": confine.runtime_folders(), "globs": globs, "markers": markers,
            "processes": 64}


def _grade(subs, out, rubric, data, jobs="2"):
    return cli.main(["grade", str(subs), "--out", str(out), "--rubric", str(rubric),
                     "--data", str(data), "-j", jobs, "--no-progress"])


def _layout(root: Path, easy_data) -> dict:
    p = {k: root / v for k, v in (("subs", "subs"), ("out", "out"), ("rubric", "rubric.yaml"),
                                  ("data", "data/easy.pkl.gz"))}
    p["subs"].mkdir()
    p["data"].parent.mkdir()
    shutil.copy(easy_data, p["data"])
    shutil.copy(TEST_RUBRIC, p["rubric"])
    return p


@pytest.fixture(scope="module")
def batch(easy_data):
    root = Path(tempfile.mkdtemp(prefix=".attacks-", dir=ROOT))
    os.chmod(root, 0o755)       # world-readable: only confinement keeps kernels out
    try:
        p = _layout(root, easy_data)
        expected = write_attacks(p["subs"], _targets(p))
        (p["subs"] / HONEST).mkdir()
        shutil.copy(FIXTURES / "full_marks.ipynb", p["subs"] / HONEST / "homework.ipynb")
        expected[HONEST] = (105, None)
        for folder in p["subs"].iterdir():
            (folder / "timestamp.txt").write_text(ON_TIME)
        rc = _grade(p["subs"], p["out"], p["rubric"], p["data"])
        out = p["out"]
        yield {"rc": rc, "out": out, "expected": expected,
               "rows": {r["student_id"]: r for r in csv.DictReader(open(out / "grades.csv"))},
               "json": json.loads((out / "grades.json").read_text())}
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _student(batch, sid) -> dict:
    return next(s for s in batch["json"]["students"] if s["student_id"] == sid)


def _said(student: dict) -> str:
    return " | ".join([*student["notes"], *(f"{c['name']} {c['score']}: {c['message']}"
                                            for c in student["checks"])])


@pytest.mark.parametrize("sid", [HONEST, *ATTACKS])
def test_attack_gets_exactly_its_honest_points(batch, sid):
    points, reason = batch["expected"][sid]
    row, said = batch["rows"][sid], _said(_student(batch, sid))
    print(f"{sid}: {row['final']} (expected {points}) -- {said}")
    assert float(row["final"]) == points, said
    if reason:
        assert reason in said, said


def test_every_report_is_written(batch):
    """An extreme history (overflow_history) breaks no one's report."""
    out, sids = batch["out"], [HONEST, *ATTACKS]
    assert batch["rc"] == 0                    # every notebook was graded
    assert set(batch["rows"]) == set(sids)
    for sid in sids:
        for ext in ("md", "html"):
            page = out / "feedback" / f"{sid}.{ext}"
            assert page.is_file() and page.stat().st_size > 0, page
    assert (out / "class_report.html").stat().st_size > 0
    assert "overflow_history" not in json.dumps(batch["json"].get("problems", [])), \
        batch["json"].get("problems")


def _pid_namespaces_work() -> bool:
    try:
        return subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", "true"],
                              capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def test_zombies_spare_the_next_student_when_the_grader_is_pid_1(easy_data):
    """The grader as PID 1 (a container without an init): a kernel that leaves
    zombies behind must not cost the next student on the same uid slot anything."""
    if not _pid_namespaces_work():
        pytest.skip("no pid namespaces here (unshare --pid --fork --mount-proc fails)")
    root = Path(tempfile.mkdtemp(prefix=".attacks-pid1-", dir=ROOT))
    os.chmod(root, 0o755)
    try:
        p = _layout(root, easy_data)
        for sid, nb in (("a_fork_zombies", notebook(added="fork_zombies",
                                                    targets={"processes": 64})),
                        ("b_honest", notebook())):          # sorted: the zombies run first
            (p["subs"] / sid).mkdir()
            (p["subs"] / sid / "homework.ipynb").write_text(nbformat.writes(nb))
            (p["subs"] / sid / "timestamp.txt").write_text(ON_TIME)
        cmd = ["unshare", "--pid", "--fork", "--mount-proc", sys.executable, "-m", "grader",
               "grade", str(p["subs"]), "--out", str(p["out"]), "--rubric", str(p["rubric"]),
               "--data", str(p["data"]), "-j", "1", "--no-progress"]
        run = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
        assert (p["out"] / "grades.csv").exists(), run.stdout[-2000:] + run.stderr[-2000:]
        rows = {r["student_id"]: r for r in csv.DictReader(open(p["out"] / "grades.csv"))}
        students = {s["student_id"]: s for s in
                    json.loads((p["out"] / "grades.json").read_text())["students"]}
        said = {sid: _said(s) for sid, s in students.items()}
        print(said)
        assert float(rows["b_honest"]["final"]) == 105, said["b_honest"]
        assert float(rows["a_fork_zombies"]["final"]) == 105, said["a_fork_zombies"]
        assert run.returncode == 0, run.stderr[-2000:]
    finally:
        shutil.rmtree(root, ignore_errors=True)
