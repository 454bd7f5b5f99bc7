"""grader autograder: the zip is unpacked into a folder laid out like Gradescope's
container (/autograder/source, submission, results) and its run_autograder grades a
real submission there through a real kernel (setup.sh, which needs apt and the
network, is checked for what it installs)."""
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader import cli
from grader.run import landlock
from tests.conftest import FIXTURES, ROOT, TEST_RUBRIC
from tests.test_release import can_build_wheels

pytestmark = pytest.mark.skipif(not can_build_wheels(), reason="needs setuptools>=70.1 or "
                                "the 'wheel' package (pip install -e '.[test]')")


def test_the_zip_grades_a_submission_laid_out_like_gradescope(kernel, tmp_path, easy_data,
                                                              grader_wheel):
    zip_path = tmp_path / "autograder.zip"
    assert cli.main(["autograder", "--out", str(zip_path), "--rubric", str(TEST_RUBRIC),
                     "--data", str(easy_data), "--wheel", str(grader_wheel)]) == 0
    root = tmp_path / "autograder"
    with zipfile.ZipFile(zip_path) as zf:
        names = set(zf.namelist())
        zf.extractall(root / "source")
        modes = {i.filename: i.external_attr >> 16 for i in zf.infolist()}
        listed = subprocess.run(["unzip", "-Z", str(zip_path)], capture_output=True,
                                text=True).stdout if shutil.which("unzip") else ""
    wheel = next(n for n in names if n.endswith(".whl"))
    assert {"setup.sh", "run_autograder", "requirements.txt", "rubric.yaml", "probe-secret",
            "dataG.pkl.gz"} <= names
    assert modes["run_autograder"] & 0o111 and modes["setup.sh"] & 0o111
    assert modes["probe-secret"] == 0o100600     # a regular file, root's only (unzip -Z: -rw-------)
    assert not listed or any(line.startswith("-rw-------") and line.endswith("probe-secret")
                             for line in listed.splitlines()), listed
    setup = (root / "source" / "setup.sh").read_text()
    assert "chmod 700 /autograder/source" in setup
    assert "pip install -q -r requirements.txt" in setup and wheel in setup
    pins = (root / "source" / "requirements.txt").read_text().splitlines()
    assert all("==" in line for line in pins) and any(p.startswith("jax==") for p in pins)
    for f in ("run_autograder", "setup.sh"):
        os.chmod(root / "source" / f, modes[f] & 0o777)
    sub = root / "submission" / "work"
    sub.mkdir(parents=True)
    shutil.copy(FIXTURES / "no_extra_credit.ipynb", sub / "galaxy_classifier.ipynb")
    (root / "submission_metadata.json").write_text(json.dumps({
        "created_at": "2025-10-30T12:00:00.000000-04:00",
        "assignment": {"due_date": "2025-10-31T23:59:00.000000-04:00"},
        "users": [{"email": "ada@example.edu", "id": 1, "name": "Ada"}]}))
    (root / "results").mkdir()
    grader = Path(sys.executable).with_name("grader")
    # inside a default Docker container, as on Gradescope (tools/containersim.py), when
    # this machine can simulate one
    in_container = os.geteuid() == 0 and shutil.which("setpriv") and landlock.abi() >= 1
    sim = [sys.executable, str(ROOT / "tools" / "containersim.py"), "docker-default",
           "--ro-sys", "--"] if in_container else []
    done = subprocess.run(sim + [str(root / "source" / "run_autograder")], capture_output=True,
                          text=True, timeout=600,
                          env={**os.environ, "AUTOGRADER_ROOT": str(root), "GRADER": str(grader)})
    assert done.returncode == 0, done.stderr[-2000:]
    doc = json.loads((root / "results" / "results.json").read_text())
    assert doc["score"] == pytest.approx(100.0), doc.get("output")
    assert "Graded in: " in doc["output"] and "UNCONFINED" not in doc["output"]
    if in_container:
        assert "Landlock" in doc["output"], doc["output"]


def test_a_wheel_that_is_not_the_graders_is_one_line(tmp_path, capsys):
    other = tmp_path / "other-1.0-py3-none-any.whl"
    other.write_bytes(b"PK\x05\x06" + bytes(18))          # an empty zip
    for wheel, words in ((tmp_path / "none.whl", "none.whl: file not found"),
                         (other, "not a galaxy_grader wheel")):
        assert cli.main(["autograder", "--out", str(tmp_path / "a.zip"),
                         "--wheel", str(wheel)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and str(wheel) in err and words in err, err
    assert not (tmp_path / "a.zip").exists()


def test_the_wheels_source_copy_leaves_out_sockets_and_run_folders(tmp_path):
    """A grading or test run working in the checkout leaves sockets and its own folders
    there while the wheel is built: the copy skips them instead of failing."""
    import socket
    from grader.verbs.autograder import SKIP
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text("x = 1\n")
    (tmp_path / ".containers-abc").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "pkg" / "mod.py")
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(tmp_path / "sock"))
        os.mkfifo(tmp_path / "fifo")
        shutil.copytree(tmp_path, tmp_path.parent / "copy", ignore=SKIP, symlinks=True)
    assert sorted(p.name for p in (tmp_path.parent / "copy").iterdir()) == ["link", "pkg"]
