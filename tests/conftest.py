"""Shared fixtures: small data sets, the real SDSS sample when it is beside the checkout,
and the fixture notebooks graded once (test_grade checks them, test_cluster compares)."""
import csv
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
REAL_SAMPLE = ROOT.parent / "shared" / "data" / "sdss_gz1_5class.pkl.gz"


# --- the two tiers ---------------------------------------------------------------------
# A test that starts a real kernel (itself, through `grader grade`, a worker or a
# subprocess) requests the `kernel` fixture, directly or through a fixture that does:
# that puts it in the kernel tier (`-m kernel`).  Every other test runs with kernels
# switched off (kernel_box.NO_KERNELS, inherited by workers and subprocesses) and fails if
# anything in it tried to start one, so a kernel test without the fixture cannot slip
# into the pure tier (`-m "not kernel"`), where fixtures of every scope run switched off.

@pytest.fixture(scope="session")
def kernel():
    """Requested by every test that starts a real kernel."""
    return True


# Under pytest-xdist (`-n 2 --dist loadgroup`) a kernel test runs on the worker of its
# group: every test of the fixture batch (`graded`, session-scoped) on one worker, every
# test of the grader's wheel on one, else a module's tests together, so no batch a
# fixture grades once is graded again on the other worker.
SHARED_BATCHES = ("graded", "grader_wheel")


def xdist_group(item) -> str:
    names = getattr(item, "fixturenames", ())
    return next((f for f in SHARED_BATCHES if f in names), item.nodeid.split("::")[0])


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "kernel" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.kernel)
            item.add_marker(pytest.mark.xdist_group(xdist_group(item)))
    if config.getoption("markexpr", "").replace(" ", "") == "notkernel":
        from grader.run.kernel_box import NO_KERNELS
        os.environ[NO_KERNELS] = str(_start_log())   # the pure tier: fixtures of any scope too


def pytest_sessionfinish(session, exitstatus):
    from grader.run.kernel_box import NO_KERNELS
    log = Path(os.environ.get(NO_KERNELS) or "/nonexistent")
    if not log.is_file():
        return
    started = sorted(set(log.read_text().split()))
    shutil.rmtree(log.parent, ignore_errors=True)
    if started:
        said = (f"pure tier: a fixture started a kernel without the `kernel` fixture "
                f"(notebooks {', '.join(started)})")
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        reporter.write_line(said, red=True) if reporter else print(said)
        session.exitstatus = 1


@pytest.fixture(autouse=True)
def _kernels_only_in_the_kernel_tier(request, monkeypatch):
    if "kernel" in request.fixturenames:
        yield
        return
    from grader.run.kernel_box import NO_KERNELS
    log = _start_log()
    monkeypatch.setenv(NO_KERNELS, str(log))
    yield
    said = log.read_text()
    shutil.rmtree(log.parent, ignore_errors=True)
    if said:
        pytest.fail(f"this test started a kernel ({', '.join(sorted(set(log.read_text().split())))}) "
                    f"without requesting the `kernel` fixture (tests/conftest.py)")


def _start_log() -> Path:
    """An empty file every uid may append to (kernels start as other uids in the
    simulated containers), where refused kernel starts are noted."""
    folder = Path(tempfile.mkdtemp(prefix="gg-tier-"))
    folder.chmod(0o755)
    log = folder / "kernel-starts"
    log.write_text("")
    log.chmod(0o666)
    return log


@pytest.fixture(scope="session")
def real_sample():
    """Path of the real SDSS sample (CI has ../shared beside the checkout)."""
    if not REAL_SAMPLE.exists():
        pytest.skip(f"real sample not found at {REAL_SAMPLE}")
    return REAL_SAMPLE


def tiny_arrays(n_train=40, n_test=10, k=5, seed=0):
    """A tiny valid data set in the course layout (random pixels)."""
    rng = np.random.default_rng(seed)
    def split(n):
        img = rng.integers(0, 256, size=(n, 69, 69, 1), dtype=np.uint8)
        lab = np.eye(k, dtype=np.float32)[rng.integers(0, k, n)]
        return img, lab
    return (*split(n_train), *split(n_test))


def blob_arrays(n_train=2000, n_test=400, seed=0, *, brightness=180.0, noise=8.0, flip=0.0):
    """Galaxy-like blobs: the class sets the blob's shape and place; ``noise`` is the
    sky's standard deviation and ``flip`` the share of labels drawn at random."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:69, 0:69]
    shapes = [(34, 34, 8, 8), (34, 34, 3, 3), (20, 34, 4, 10), (34, 20, 12, 2), (48, 48, 5, 5)]

    def split(n):
        k = rng.integers(0, 5, n)
        img = np.empty((n, 69, 69, 1), np.uint8)
        for i, c in enumerate(k):
            cy, cx, sy, sx = shapes[c]
            blob = brightness * np.exp(-((yy - cy) ** 2 / (2 * sy ** 2) +
                                         (xx - cx) ** 2 / (2 * sx ** 2)))
            img[i, :, :, 0] = np.clip(blob + rng.normal(10, noise, (69, 69)), 0, 255)
        if flip:
            k = np.where(rng.random(n) < flip, rng.integers(0, 5, n), k)
        return img, np.eye(5, dtype=np.float32)[k]
    return (*split(n_train), *split(n_test))


def easy_arrays(n_train=2000, n_test=400, seed=0):
    """Bright blobs, right labels: every honest recipe reaches about 1.0."""
    return blob_arrays(n_train, n_test, seed)


def medium_arrays(n_train=2000, n_test=400, seed=0):
    """Faint blobs in noise with a fifth of the labels drawn at random: the fixtures'
    short recipe reaches about 0.8 here, 10x less learning rate stays near 0.6, and
    memorising the test set shows (used by the mistake catalogue's notebooks)."""
    return blob_arrays(n_train, n_test, seed, brightness=40.0, noise=20.0, flip=0.2)


def grade_batch(notebooks: dict, data, tmp_path_factory, name="batch"):
    """Grade {student id: notebook} as one on-time batch under the test rubric:
    (exit status, grades.csv rows, grades.json students), each by student id."""
    import csv
    import json

    import nbformat

    from grader import cli
    subs = tmp_path_factory.mktemp(name)
    for sid, nb in notebooks.items():
        (subs / sid).mkdir()
        nbformat.write(nb, subs / sid / "homework.ipynb")
        (subs / sid / "timestamp.txt").write_text("2025-10-30 12:00:00 America/New_York")
    out = tmp_path_factory.mktemp("out") / "grading"
    rc = cli.main(["grade", str(subs), "--out", str(out), "--rubric", str(TEST_RUBRIC),
                   "--data", str(data), "-j", "2", "--no-progress"])
    rows = {r["student_id"]: r for r in csv.DictReader(open(out / "grades.csv"))}
    students = {s["student_id"]: s
                for s in json.loads((out / "grades.json").read_text())["students"]}
    return rc, rows, students


@pytest.fixture(scope="session")
def medium_data(tmp_path_factory):
    from reference.data import write_course_file
    return write_course_file(tmp_path_factory.mktemp("data") / "medium.pkl.gz", *medium_arrays())


@pytest.fixture(scope="session")
def easy_data(tmp_path_factory):
    from reference.data import write_course_file
    return write_course_file(tmp_path_factory.mktemp("data") / "easy.pkl.gz", *easy_arrays())


@pytest.fixture(scope="session")
def grader_wheel(tmp_path_factory):
    """The grader's wheel, built once per test run the way `grader autograder` builds it."""
    from grader.verbs.autograder import build_wheel
    return build_wheel(tmp_path_factory.mktemp("wheel"))


FIXTURES = ROOT / "tests" / "fixtures" / "notebooks"
TEST_RUBRIC = ROOT / "tests" / "fixtures" / "rubric_test.yaml"


# fixture -> expected final grade under tests/fixtures/rubric_test.yaml
EXPECTED = {
    "full_marks": 105,
    "late": 84,                      # full marks x 0.8, extra credit included
    "late_with_extension": 105,      # extension: not late
    "fails_sigmoid_typo": 5,         # data prep 5: every function and training fail, and its
                                     # plot (its own net's accuracies) does not match the
                                     # grader's accuracy of its params (issue 10's plot rule)
    "fails_loss_missing_one_minus_y": 82,   # loss 0, gradient of own loss 7/15, batch grad 0
    "fails_transposed_w1": None,     # per item below: whether its own training curve stays
                                     # finite (plot 0 or 15) varies between machines
    "fails_gradient": 90,            # gradient 0; its training still reaches the goal
    "fails_accuracy_printed_not_reached": 60,   # everything but trained accuracy and the
                                     # plot: its printed accuracies are invented, so the last
                                     # one is not the grader's accuracy of its params (issue 10)
    "fails_plot_line_only": 90,
    "no_extra_credit": 100,
    "raises_mid_notebook": 90,       # plot cell raises; later cells still earn points
    "timeout_infinite_loop": 100,    # extra-credit cell never ends: everything else counts
}
ON_TIME = "2025-10-30 12:00:00 America/New_York"
LATE = "2025-11-02 09:00:00 America/New_York"


def tree_hash(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        h.update(str(p.relative_to(root)).encode())
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="session")
def graded(tmp_path_factory, easy_data, kernel):
    """The fixture notebooks (EXPECTED) graded once by the local executor."""
    from grader import cli
    subs = tmp_path_factory.mktemp("submissions")
    for sid in EXPECTED:
        src = FIXTURES / f"{'full_marks' if sid.startswith('late') else sid}.ipynb"
        (subs / sid).mkdir()
        shutil.copy(src, subs / sid / "homework.ipynb")
        (subs / sid / "timestamp.txt").write_text(LATE if sid.startswith("late") else ON_TIME)
    before = tree_hash(subs)
    out = tmp_path_factory.mktemp("out") / "grading"
    rc = cli.main(["grade", str(subs), "--out", str(out), "--rubric", str(TEST_RUBRIC),
                   "--data", str(easy_data), "-j", "2", "--no-progress"])
    rows = {r["student_id"]: r for r in csv.DictReader(open(out / "grades.csv"))}
    timings = json.loads((out / "timings.json").read_text())
    return {"rc": rc, "rows": rows, "out": out, "subs": subs, "before": before,
            "timings": timings}
