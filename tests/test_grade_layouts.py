"""`grader grade` end to end on other layouts and on real and synthetic galaxies."""
import csv
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader import cli
from tests.conftest import FIXTURES, ROOT, TEST_RUBRIC

FUNCTION_POINTS = {"data_prep": 5, "net": 15, "loss": 10, "loss_grad": 15,
                   "fraction_correct": 10, "check_extra_credit": 5}


def _rows(out):
    return {r["student_id"]: r for r in csv.DictReader(open(out / "grades.csv"))}


def _assert_function_points(row):
    for col, pts in FUNCTION_POINTS.items():
        assert float(row[col]) == pts, (col, row)


def test_nbgrader_tree_on_the_real_sample(kernel, tmp_path, real_sample):
    for sid, fx in (("ada", "full_marks"), ("bob", "fails_plot_line_only")):
        d = tmp_path / "course" / "submitted" / sid / "ps7"
        d.mkdir(parents=True)
        shutil.copy(FIXTURES / f"{fx}.ipynb", d / "ps7.ipynb")
        (d / "timestamp.txt").write_text("2025-10-31 20:58:23.948203 America/Los_Angeles\n")
    out = tmp_path / "out"
    rc = cli.main(["grade", str(tmp_path / "course"), "--out", str(out), "--rubric", str(TEST_RUBRIC),
                   "--data", str(real_sample), "-j", "2", "--no-progress"])
    rows = _rows(out)
    assert rc == 0 and set(rows) == {"ada", "bob"}
    _assert_function_points(rows["ada"])
    _assert_function_points(rows["bob"])
    assert float(rows["ada"]["plot"]) == 15 and float(rows["bob"]["plot"]) == 0
    # 20:58 Los Angeles = 23:58 New York: one minute before the deadline
    assert rows["ada"]["late"] == "no" and rows["ada"]["time_source"] == "timestamp.txt"


GRADESCOPE_YML = """\
submission_1001:
  :submitters:
  - :name: Ada Lovelace
    :sid: '1001'
    :email: ada@example.edu
  :created_at: 2025-11-01 10:00:00.000000000 -04:00
  :score: 0.0
"""


@pytest.mark.slow
def test_gradescope_export_on_the_default_synthetic_data(kernel, tmp_path):
    root = tmp_path / "export"
    (root / "submission_1001").mkdir(parents=True)
    shutil.copy(FIXTURES / "full_marks.ipynb", root / "submission_1001" / "hw.ipynb")
    (root / "submission_metadata.yml").write_text(GRADESCOPE_YML)
    out = tmp_path / "out"
    rc = cli.main(["grade", str(root), "--out", str(out), "--rubric", str(TEST_RUBRIC),
                   "-j", "1", "--no-progress"])
    row = _rows(out)["1001"]
    assert rc == 0
    _assert_function_points(row)
    assert row["late"] == "yes" and float(row["multiplier"]) == 0.8
    assert row["time_source"] == "submission_metadata.yml"
    assert float(row["final"]) == pytest.approx(0.8 * float(row["raw_total"]), abs=0.01)


@pytest.mark.parametrize("inside", [(), ("readme.txt",)])
def test_no_notebooks_is_an_error_that_leaves_the_last_grades(tmp_path, capsys, easy_data,
                                                              inside):
    """Issue 25 item 12: an empty (or wrong) folder does not replace grades.csv with an
    empty gradebook: one line naming the folder, exit 2, the output folder untouched."""
    subs, out = tmp_path / "subs", tmp_path / "o"
    subs.mkdir()
    for name in inside:
        (subs / name).write_text("nothing here")
    out.mkdir()
    (out / "grades.csv").write_text("student_id,final\nada,95\n")
    rc = cli.main(["grade", str(subs), "--out", str(out), "--rubric", str(TEST_RUBRIC),
                   "--data", str(easy_data), "--no-progress"])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and err.startswith(
        f"grader grade: error: {subs}: no notebooks found in the submissions folder"), err
    assert [p.name for p in out.iterdir()] == ["grades.csv"]
    assert (out / "grades.csv").read_text() == "student_id,final\nada,95\n"


def test_bad_inputs_are_one_line_errors(tmp_path, capsys, easy_data):
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copy(FIXTURES / "full_marks.ipynb", subs / "ada.ipynb")
    cases = [
        (["grade", str(tmp_path / "missing")], "missing"),
        (["grade", str(subs), "--out", str(subs / "out")], "must not be inside"),
        (["grade", str(subs), "--data", str(tmp_path / "none.pkl.gz")], "file not found"),
        (["grade", str(subs), "--rubric", str(tmp_path / "r.yaml")], "file not found"),
    ]
    for argv, fragment in cases:
        assert cli.main(argv + ["--no-progress"]) == 2, argv
        err = capsys.readouterr().err.strip()
        assert fragment in err and "\n" not in err, err
    assert sorted(p.name for p in subs.iterdir()) == ["ada.ipynb"]


def _pools_of(pid: int) -> list:
    """The uid pools the grader ``pid`` holds (none when not root)."""
    from grader.run import uids
    return [index for index, holder in uids.pool_holders().items() if holder == pid]


def _ticks_now() -> float:
    """Now, in the clock ticks since boot that /proc/PID/stat gives a start time in."""
    return float(Path("/proc/uptime").read_text().split()[0]) * os.sysconf("SC_CLK_TCK")


def _started(pid: str) -> float:
    try:
        return float(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return float("inf")


def _sandbox_processes_gone(grader_pid: int, pools: list, wait=15.0) -> bool:
    """Every kernel of the killed grader ``grader_pid`` is gone: no process left with a
    uid of its pools that started while they were still its own (another grader run
    beside this test may take a pool once it is free, and its kernels are not ours)."""
    from grader.run import uids
    deadline = time.time() + wait
    while time.time() < deadline and any(
            uids.pool_holders().get(index) in (grader_pid, 0) for index in pools):
        time.sleep(0.1)                     # its workers still hold it
    ours = {uid for index in pools for uid in uids.pool_uids(index)}
    freed = _ticks_now() + 1
    while True:
        alive = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                if os.stat(f"/proc/{pid}").st_uid in ours and _started(pid) <= freed:
                    alive.append(pid)
            except OSError:
                pass
        if not alive:
            return True
        if time.time() > deadline:
            return False
        time.sleep(0.5)


@pytest.mark.parametrize("how", ["SIGKILL", "Ctrl-C"])
def test_interrupt_mid_batch_then_resume_gives_the_same_csv(kernel, how, tmp_path, easy_data):
    subs = tmp_path / "subs"
    subs.mkdir()
    for sid in ("a", "b", "c"):
        shutil.copy(FIXTURES / "full_marks.ipynb", subs / f"{sid}.ipynb")
    os.utime(subs / "a.ipynb", (1761900000, 1761900000))
    os.utime(subs / "b.ipynb", (1761900000, 1761900000))
    os.utime(subs / "c.ipynb", (1761900000, 1761900000))
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "grader.cli", "grade", str(subs), "--out", str(out),
           "--rubric", str(TEST_RUBRIC), "--data", str(easy_data), "-j", "2", "--no-progress"]
    # Ctrl-C as a terminal delivers it, even where this test run inherited SIGINT ignored
    # (a CI job started in the background): Python then installs no KeyboardInterrupt
    # handler, and the grader would finish the batch instead
    interruptible = [sys.executable, "-c", "import runpy, signal; signal.signal(signal.SIGINT, "
                     "signal.default_int_handler); runpy.run_module('grader.cli', "
                     "run_name='__main__', alter_sys=True)"] + cmd[3:]
    proc = subprocess.Popen(interruptible, start_new_session=True, cwd=ROOT,
                            stderr=subprocess.PIPE, text=True)
    cache = out / "cache"
    deadline = time.time() + 240
    while time.time() < deadline and not (cache.exists() and any(
            p.is_dir() and not p.name.startswith(".") for p in cache.iterdir())):
        time.sleep(0.5)
    pools = _pools_of(proc.pid)              # its kernels' uids: this run's, no other's
    assert len(pools) == (1 if os.geteuid() == 0 else 0), pools
    # the grader and its workers, mid-batch; Ctrl-C reaches the terminal's whole group
    os.killpg(proc.pid, signal.SIGKILL if how == "SIGKILL" else signal.SIGINT)
    err = proc.communicate(timeout=60)[1]
    if how == "Ctrl-C":
        assert proc.returncode == 130 and "interrupted; run it again to resume" in err, err
        assert "Traceback" not in err, err
    assert _sandbox_processes_gone(proc.pid, pools), "a kernel outlived the interrupted grader"
    finished = {p.name for p in cache.iterdir() if not p.name.startswith(".")}
    assert 1 <= len(finished) < 3 and not (out / "grades.csv").exists()
    assert subprocess.run(cmd, cwd=ROOT).returncode == 0
    import tempfile
    assert not list(Path(tempfile.gettempdir()).glob(f"galaxy-grader-{proc.pid}-*"))
    resumed = (out / "grades.csv").read_bytes()
    again = tmp_path / "again"
    assert subprocess.run(cmd[:6] + [str(again)] + cmd[7:], cwd=ROOT).returncode == 0
    assert (again / "grades.csv").read_bytes() == resumed


def test_gradescope_autograder_results_json(kernel, tmp_path, easy_data):
    sub = tmp_path / "autograder" / "submission"
    sub.mkdir(parents=True)
    shutil.copy(FIXTURES / "no_extra_credit.ipynb", sub / "hw.ipynb")
    (tmp_path / "autograder" / "submission_metadata.json").write_text(
        '{"created_at": "2025-11-02T10:00:00.000000-05:00", "users": [{"id": 1}]}')
    results = tmp_path / "autograder" / "results" / "results.json"
    rc = cli.main(["gradescope", "--submission", str(sub), "--results", str(results),
                   "--rubric", str(TEST_RUBRIC), "--data", str(easy_data)])
    import json
    doc = json.loads(results.read_text())
    assert rc == 0
    assert doc["score"] == pytest.approx(80.0)          # 100 points, late: x 0.8
    by_name = {t["name"]: t for t in doc["tests"]}
    assert by_name["net"]["status"] == "passed" and by_name["extra_credit"]["status"] == "failed"
    # Gradescope's own due date replaces the rubric's; the id comes from users[] (the
    # rubric's extension for "late_with_extension" then applies), the notebook from a subfolder
    (sub / "hw.ipynb").rename(sub / "work.ipynb")
    (sub / "nested").mkdir()
    (sub / "work.ipynb").rename(sub / "nested" / "hw.ipynb")
    meta = {"created_at": "2025-11-02T10:00:00.000000-05:00",
            "assignment": {"due_date": "2025-11-01T23:59:00.000000-04:00"},
            "users": [{"email": "late_with_extension@example.edu", "id": 7, "name": "L"}]}
    (tmp_path / "autograder" / "submission_metadata.json").write_text(json.dumps(meta))
    assert cli.main(["gradescope", "--submission", str(sub), "--results", str(results),
                     "--rubric", str(TEST_RUBRIC), "--data", str(easy_data)]) == 0
    doc = json.loads(results.read_text())
    assert doc["score"] == pytest.approx(100.0), doc["output"]   # extension to 2025-11-03
    assert "extension" in doc["output"]
    assert cli.main(["gradescope", "--submission", str(tmp_path / "none"),
                     "--results", str(results)]) == 2
    assert json.loads(results.read_text())["score"] == 0
