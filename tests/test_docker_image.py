"""The Gradescope-like image (docker/gradescope/Dockerfile) grades a submission in a
default ``docker run``: runs where a Docker daemon answers, skips with the reason
elsewhere (tests/test_containers.py simulates the same container without Docker)."""
import json
import shutil
import subprocess

import pytest

from grader import cli
from tests.conftest import FIXTURES, ROOT, TEST_RUBRIC


def _daemon() -> str:
    """'' when a Docker daemon answers, else why not."""
    if not shutil.which("docker"):
        return "no docker command"
    info = subprocess.run(["docker", "info"], capture_output=True, text=True, timeout=30)
    return "" if info.returncode == 0 else \
        f"no Docker daemon ({(info.stderr.strip().splitlines() or ['?'])[-1][:120]})"


def test_the_gradescope_image_grades_in_a_default_container(tmp_path, easy_data):
    why = _daemon()
    if why:
        pytest.skip(why)
    context = tmp_path / "context"
    shutil.copytree(ROOT / "docker" / "gradescope", context)
    assert cli.main(["autograder", "--out", str(context / "autograder.zip"), "--rubric",
                     str(TEST_RUBRIC), "--data", str(easy_data)]) == 0
    built = subprocess.run(["docker", "build", "-q", "-t", "galaxy-grader-gradescope-test",
                            str(context)], capture_output=True, text=True, timeout=1800)
    assert built.returncode == 0, built.stderr[-3000:]
    sub, results = tmp_path / "submission", tmp_path / "results"
    sub.mkdir()
    results.mkdir()
    shutil.copy(FIXTURES / "no_extra_credit.ipynb", sub / "galaxy_classifier.ipynb")
    ran = subprocess.run(["docker", "run", "--rm", "-v", f"{sub}:/autograder/submission:ro",
                          "-v", f"{results}:/autograder/results",
                          "galaxy-grader-gradescope-test"], capture_output=True, text=True,
                         timeout=1200)
    assert ran.returncode == 0, ran.stderr[-3000:]
    doc = json.loads((results / "results.json").read_text())
    assert doc["score"] == pytest.approx(100.0), doc.get("output")
    assert "Graded in: Landlock" in doc["output"], doc["output"]
