"""The students' release folder (``grader assign --release``) and its stand-alone self-check.

Students must never receive solution code or the rubric's private probe seed: these
tests look for every solution region of ``reference/solution.ipynb`` in every file of a
release (built from the checkout and from a non-editable wheel install) and run the
release's ``selfcheck.py`` in a fresh venv in which neither ``grader`` nor
``reference`` can be imported.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path

import nbformat
import numpy as np
import pytest

from grader import heldback, rubric as rubric_mod
from grader.verbs.assign import strip_solutions
from grader.cli import main as cli
from grader.release import EXPECTED, PUBLIC_SEED, public_inputs
from grader.release import selfcheck
from tests.conftest import ROOT

SOLUTION = ROOT / "reference" / "solution.ipynb"
RELEASE_FILES = {"README.md", "galaxy_classifier.ipynb", "release.json", "selfcheck.py",
                 "selfcheck_expected.npz", "dataG.pkl.gz"}
REGION = re.compile(r"^\s*### BEGIN SOLUTION\s*\n(.*?)^\s*### END SOLUTION", re.S | re.M)
MIN_LINE = 16       # shorter solution lines ("return params") are not specific to the answer
ITEMS = ("data_prep", "net", "loss", "loss_grad", "fractionCorrect", "batch_loss_grad",
         "trained accuracy", "plot")


def solution_snippets():
    """Every solution region (dedented) and each of its lines of MIN_LINE characters or more,
    less the lines the notebook also gives students outside the regions (``t0 = ...``)."""
    snippets = set()
    solution = nbformat.read(str(SOLUTION), as_version=4)
    given = {line.strip() for cell in strip_solutions(solution).cells
             for line in cell.source.splitlines()}
    for cell in solution.cells:
        for region in REGION.findall(cell.source):
            snippets.add(textwrap.dedent(region).strip())
            snippets.update(line.strip() for line in region.splitlines()
                            if len(line.strip()) >= MIN_LINE and line.strip() not in given)
    assert len(snippets) > 30      # the markers were found
    return snippets


def readable_texts(path: Path) -> list[str]:
    """What a student could read from ``path``: its bytes, zip members, notebook sources."""
    raw = path.read_bytes()
    texts = [raw.decode("latin-1")]
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            texts += [z.read(n).decode("latin-1") for n in z.namelist()]
    if path.suffix == ".ipynb":
        texts += [c.source for c in nbformat.reads(raw.decode(), as_version=4).cells]
    return texts


def assert_no_solution(folder: Path):
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert files
    names = [p.relative_to(folder).as_posix() for p in folder.rglob("*")]
    assert not [n for n in names if "reference" in n.split("/") or "solution" in n.lower()
                or "full_marks" in n], names
    seed = str(heldback.batch_seed(rubric_mod.load().probes.seed))   # the private one
    snippets = solution_snippets()
    for path in files:
        for text in readable_texts(path):
            assert seed not in text, f"{path.name} holds the rubric's probe seed"
            leaked = [s for s in snippets if s in text]
            assert not leaked, f"{path.name} holds solution code: {leaked[0]!r}"


@pytest.fixture(scope="module")
def release(tmp_path_factory, easy_data):
    folder = tmp_path_factory.mktemp("rel") / "release"
    assert cli(["assign", "--release", str(folder), "--data", str(easy_data)]) == 0
    return folder


def test_release_holds_the_student_files_and_no_solution_code(release):
    assert {p.name for p in release.iterdir()} == RELEASE_FILES
    assert json.loads((release / "release.json").read_text())["public_seed"] == PUBLIC_SEED
    assert rubric_mod.load().probes.seed is None           # the course's seed is private
    assert (release / "selfcheck.py").read_bytes() == Path(selfcheck.__file__).read_bytes()
    assert "import grader" not in (release / "selfcheck.py").read_text()
    assert_no_solution(release)


def test_expected_values_are_public_inputs_and_reference_answers(release):
    from reference import model
    stored = np.load(release / EXPECTED)
    inputs = public_inputs()
    for key in ("W1", "images", "batch_images"):
        np.testing.assert_array_equal(stored[key], inputs[key])
    p = [inputs[k] for k in ("W1", "b1", "W2", "b2")]
    np.testing.assert_allclose(stored["net"][1], model.net(p, inputs["images"][1]), rtol=1e-6)
    assert 0.3 < float(stored["fractionCorrect"]) < 0.9    # neither all right nor all wrong


def test_rebuild_keeps_other_files_and_bad_inputs_are_one_line_errors(release, tmp_path, capsys):
    (release / "notes.txt").write_text("mine")
    assert cli(["assign", "--release", str(release)]) == 2         # issue 25 item 12
    assert "--force" in capsys.readouterr().err
    assert cli(["assign", "--release", str(release), "--force"]) == 0
    assert (release / "notes.txt").read_text() == "mine"
    (release / "notes.txt").unlink()
    other = tmp_path / "other"
    other.mkdir()
    (other / "thesis.tex").write_text("x")
    same_seed = tmp_path / "rubric.yaml"
    text = rubric_mod.DEFAULT_RUBRIC.read_text()
    same_seed.write_text(text.replace("\nprobes:", f"\nprobes:\n  seed: {PUBLIC_SEED}", 1))
    assert rubric_mod.load(same_seed).probes.seed == PUBLIC_SEED
    bad_data = tmp_path / "bad.pkl.gz"
    bad_data.write_bytes(b"not gzip")
    for args, name in ((["--release", str(other)], str(other)),
                       (["--release", str(tmp_path / "new"), "--rubric", str(same_seed)],
                        str(same_seed)),
                       (["--release", str(tmp_path / "new"), "--data", str(bad_data)],
                        str(bad_data)),
                       (["--release", str(tmp_path / "new"), "--out", "x.ipynb"], "x.ipynb"),
                       (["--data", str(bad_data)], str(bad_data))):
        assert cli(["assign", *args]) == 2
        err = capsys.readouterr().err.strip()
        assert "\n" not in err and name in err, err
    assert not (tmp_path / "new").exists() and os.listdir(other) == ["thesis.tex"]


def fresh_venv(folder: Path, *, with_main_packages=True) -> Path:
    """A venv without pip; the main venv's third-party packages come in through a .pth line.

    A folder named in a .pth file is added to sys.path without processing the .pth
    files inside it, so the project's editable install stays invisible.
    """
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = folder / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; "
                              "print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    if with_main_packages:
        Path(purelib, "main_packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def run_in(python, args, cwd, **env):
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "GG_RECORDS")}
    return subprocess.run([str(python), *args], cwd=cwd, env={**clean, **env},
                          capture_output=True, text=True, timeout=600)


def can_build_wheels() -> bool:
    """setuptools builds wheels itself from 70.1; before that it needs the wheel package."""
    import importlib.util
    import setuptools
    major, minor = (int(x) for x in setuptools.__version__.split(".")[:2])
    return (major, minor) >= (70, 1) or importlib.util.find_spec("wheel") is not None


@pytest.mark.skipif(not can_build_wheels(), reason="needs setuptools>=70.1 or the 'wheel' "
                                                   "package (pip install -e '.[test]')")
def test_wheel_is_the_ta_tool_and_its_release_has_no_solution(tmp_path, grader_wheel):
    wheel = grader_wheel
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"grader/data/rubric.yaml", "grader/release/selfcheck.py", "grader/release/README.md",
            "reference/solution.ipynb",   # the TA's tool holds the answer key; students get
            "grader/examples/submissions/full_marks/galaxy_classifier.ipynb"} <= names   # the release instead
    python = fresh_venv(tmp_path / "venv")
    site = run_in(python, ["-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                  tmp_path).stdout.strip()
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    "--target", site, str(wheel)], check=True, capture_output=True)
    probe = run_in(python, ["-c", "import grader.rubric as r; print(r.DEFAULT_RUBRIC); "
                                  "print(r.load().assignment)"], tmp_path)
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.split() == [str(Path(site, "grader/data/rubric.yaml")), "galaxy-classifier"]
    made = run_in(python, ["-m", "grader.cli", "assign", "--release", "rel"], tmp_path)
    assert made.returncode == 0, made.stderr
    assert {p.name for p in (tmp_path / "rel").iterdir()} == RELEASE_FILES - {"dataG.pkl.gz"}
    assert_no_solution(tmp_path / "rel")


def lines_of(out: str) -> dict:
    """{item: (mark, message)} from the self-check's report."""
    found = {}
    for line in out.splitlines():
        m = re.match(r"\s+\[(\w+)\] (trained accuracy|\S+)\s+(.*)", line)
        if m:
            found[m.group(2)] = (m.group(1), m.group(3))
    return found


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory):
    python = fresh_venv(tmp_path_factory.mktemp("bare") / "venv")
    for module in ("grader", "reference"):
        r = run_in(python, ["-c", f"import {module}"], tmp_path_factory.getbasetemp())
        assert r.returncode != 0 and "ModuleNotFoundError" in r.stderr, module
    usable = run_in(python, ["-c", "import jax, nbclient"], tmp_path_factory.getbasetemp())
    assert usable.returncode == 0, usable.stderr
    return python


def test_selfcheck_passes_the_solution_without_the_project(kernel, release, bare_python,
                                                          tmp_path):
    folder = tmp_path / "student"
    shutil.copytree(release, folder)
    shutil.copyfile(SOLUTION, folder / "galaxy_classifier.ipynb")
    r = run_in(bare_python, ["selfcheck.py", "galaxy_classifier.ipynb"], folder,
               GG_RECORDS="20")                   # the course's min_points for the plot
    found = lines_of(r.stdout)
    assert r.returncode == 0, r.stdout + r.stderr
    assert set(found) == set(ITEMS) and all(m == "PASS" for m, _ in found.values()), r.stdout
    assert "private inputs" in r.stdout and "held-back galaxies" in r.stdout
    assert "20 data points shown as markers" in found["plot"][1]
    assert "without encryption" not in r.stdout + r.stderr     # issue 25 item 6
    assert r.stdout.startswith("Self-check of galaxy_classifier.ipynb\n")


def test_selfcheck_fails_the_untouched_notebook_item_by_item(kernel, release, bare_python,
                                                            tmp_path):
    folder = tmp_path / "student"
    shutil.copytree(release, folder)
    r = run_in(bare_python, ["selfcheck.py", "--quick"], folder)
    found = lines_of(r.stdout)
    assert r.returncode == 1, r.stdout + r.stderr
    assert set(found) == set(ITEMS) and all(m == "FAIL" for m, _ in found.values()), r.stdout
    assert found["net"][1].startswith("net is still the stub") and "NotImplementedError" in \
        found["net"][1]                                    # issue 25 item 6: names the stub
    assert "not defined" in found["loss_grad"][1] and "params" in found["trained accuracy"][1]


def test_selfcheck_needs_the_data_file(release, bare_python, tmp_path):
    folder = tmp_path / "student"
    shutil.copytree(release, folder)
    (folder / "dataG.pkl.gz").unlink()
    r = run_in(bare_python, ["selfcheck.py"], folder)
    assert r.returncode == 2 and "dataG.pkl.gz: file not found" in r.stderr


def test_report_names_what_is_wrong():
    inputs = public_inputs()
    expected = {"rtol": np.float64(1e-3), "atol": np.float64(1e-5),
                "net": np.full((4, 5), 0.5), "loss": np.ones(4),
                "fractionCorrect": np.asarray(0.5),
                **{f"{g}.{i}": np.ones(inputs[k].shape) for g in ("loss_grad", "batch_loss_grad")
                   for i, k in enumerate(("W1", "b1", "W2", "b2"))}}
    results = {"net": np.full((4, 5), 0.6), "loss": np.ones(3), "fractionCorrect": np.asarray(0.5),
               "loss_grad.n": np.asarray(3), "batch_loss_grad.n": np.asarray(4),
               **{f"batch_loss_grad.{i}": expected[f"batch_loss_grad.{i}"] for i in range(4)},
               "data_prep.n": np.asarray(2), "data_prep.0": np.array([2, 10, 4761, 10, 0, 0.9, 0]),
               "data_prep.1": np.array([2, 5, 4761, 5, 0, 255, 0]),
               "accuracy": np.asarray(0.5), "param_shapes.n": np.asarray(4),
               **{f"param_shapes.{i}": np.array(s) for i, s in
                  enumerate([(100, 4761), (100,), (5, 100), (5,)])}}
    results["batch_loss_grad.2"] = 2 * results["batch_loss_grad.2"]      # gW2 is wrong
    lines, ok = selfcheck.report(results, {}, expected, [], notebook="nb.ipynb", quick=False)
    found = lines_of("\n".join(lines))
    assert not ok
    assert found["net"] == ("FAIL", "values differ from the expected ones "
                                    "(largest difference 0.1)")
    assert "shape (3,)" in found["loss"][1] and found["fractionCorrect"][0] == "PASS"
    assert "list of 4 arrays" in found["loss_grad"][1]
    assert "gW2" in found["batch_loss_grad"][1] and "gW1" not in found["batch_loss_grad"][1]
    assert "test_images values should be pixel values divided by 256" in found["data_prep"][1]
    assert found["trained accuracy"][0] == "FAIL" and "0.500" in found["trained accuracy"][1]
    assert "[INFO] trained accuracy" in "\n".join(
        selfcheck.report(results, {}, expected, [], notebook="nb.ipynb", quick=True)[0])


# ---- issue 25 item 1: the self-check checks the accuracy plot, as the course asks for it

LINE_ONLY = ROOT / "grader" / "examples" / "submissions" / "fails_plot_line_only"
PLOT_RULE = {"plot_min_points": np.int64(20), "plot_values_atol": np.float64(1e-6),
             "plot_last_value_tolerance": np.float64(0.03)}


def plot_line(history, series, *, cell=7, images=None, quick=False, accuracy=None):
    """(mark, message) of the self-check's plot line for one figure holding ``series``."""
    results = {"history": np.asarray(history, dtype=np.float64),
               "accuracy": np.asarray(history[-1] if accuracy is None else accuracy)}
    expected = {"rtol": np.float64(1e-3), "atol": np.float64(1e-5), **PLOT_RULE}
    others = {item: "not defined" for item in ITEMS[:6]}
    lines, ok = selfcheck.report(results, others, expected, [], notebook="nb.ipynb", quick=quick,
                                 figures=[{"cell": cell, "series": series}],
                                 images={cell: 1} if images is None else images)
    found = lines_of("\n".join(lines))
    assert not ok                       # the other items have no results here
    return found["plot"]


def series(ys, marker=None, size=6.0):
    return {"marker": marker, "size": size, "visible": True, "n": len(ys), "y": list(ys)}


def test_selfcheck_judges_the_plot_like_the_grader():
    acc = [round(0.2 + 0.005 * i, 4) for i in range(100)]
    goal = [0.66, 0.66]                                   # a reference line: not the curve
    mark, text = plot_line(acc, [series(acc), series(goal)])
    assert mark == "FAIL" and "drawn as a bare line" in text and "'o-'" in text, text
    mark, text = plot_line(acc, [series(acc, "o", 0.0)])
    assert mark == "FAIL" and "markers of size 0" in text
    mark, text = plot_line(acc, [series(acc, "o"), series(goal)])
    assert mark == "PASS" and "100 data points" in text, text
    assert plot_line(acc, [series(acc, "o")], images={})[0] == "FAIL"      # never displayed
    assert "plotted values are not the recorded" in plot_line(acc, [series(acc[:50], "o")])[1]
    mark, text = plot_line(acc, [series(acc, "o")], accuracy=0.9)
    assert mark == "FAIL" and "does not agree" in text and "0.695" in text
    assert "at least 20 expected" in plot_line(acc[:5], [series(acc[:5], "o")])[1]
    assert plot_line(acc[:2], [series(acc[:2], "o")], quick=True)[0] == "INFO"
    assert "no plot of accuracy" in plot_line(acc, [series([2.0, 3.0], "o")])[1]


def test_release_carries_the_plot_rule_and_says_what_is_checked(release):
    stored = np.load(release / EXPECTED)
    rule = rubric_mod.load().check("plot")
    assert int(stored["plot_min_points"]) == rule.min_points
    assert float(stored["plot_last_value_tolerance"]) == rule.last_value_tolerance
    readme = (release / "README.md").read_text()
    assert "| `plot` |" in readme and "bare line" in readme and "not** check" in readme
    assert f"at least {rule.min_points} points" in readme and "{" not in readme
    assert "GG_RECORDS" in readme                                          # item 6: --quick


def test_setup_cell_records_the_figures_a_notebook_draws(tmp_path):
    script = tmp_path / "drive.py"
    script.write_text(textwrap.dedent(f"""
        import json, sys
        import matplotlib
        matplotlib.use("Agg")
        from IPython.core.interactiveshell import InteractiveShell
        sys.path.insert(0, {str(Path(selfcheck.__file__).parent)!r})
        import selfcheck
        shell = InteractiveShell.instance()
        assert shell.run_cell(selfcheck.SETUP_CELL, store_history=True).success
        shell.run_cell("import matplotlib.pyplot as plt", store_history=True)
        shell.run_cell("plt.plot([0.1, 0.2, 0.3], '-'); plt.scatter([1, 2], [0.5, 0.6]); "
                       "plt.gcf().canvas.draw()", store_history=True)
        print(json.dumps(list(sys.modules["_selfcheck"].figures.values())))
    """))
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                       timeout=120, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    [figure] = json.loads(r.stdout.strip().splitlines()[-1])
    assert figure["cell"] == 2                  # counted from the set-up cell
    line, dots = figure["series"]
    assert line["marker"] is None and line["y"] == [0.1, 0.2, 0.3] and line["n"] == 3
    assert dots["marker"] == "o" and dots["size"] > 0 and dots["y"] == [0.5, 0.6]


def test_selfcheck_fails_the_line_only_plot(kernel, release, bare_python, tmp_path):
    folder = tmp_path / "student"
    shutil.copytree(release, folder)
    nb = (LINE_ONLY / "galaxy_classifier.ipynb").read_text()
    assert nb.count("range(100)") == 1
    (folder / "galaxy_classifier.ipynb").write_text(nb.replace("range(100)", "range(20)"))
    r = run_in(bare_python, ["selfcheck.py", "galaxy_classifier.ipynb"], folder)
    found = lines_of(r.stdout)
    assert r.returncode == 1, r.stdout + r.stderr
    assert found["plot"][0] == "FAIL" and "bare line" in found["plot"][1], r.stdout
    assert all(m == "PASS" for item, (m, _) in found.items() if item != "plot"), r.stdout
    assert "without encryption" not in r.stdout + r.stderr     # item 6


# ---- issue 25 item 6: no noise in a student's first line

def run_probe(tmp_path, source: str) -> dict:
    """The self-check's probe cell run in this process on ``source``'s definitions."""
    from grader.release import expected_values
    inputs, out = tmp_path / "in.npz", tmp_path / "out.npz"
    np.savez(inputs, **expected_values(public_inputs(), rtol=1e-3, atol=1e-5))
    namespace = {}
    exec(source, namespace)
    exec(selfcheck.PROBE_CELL.replace("{inputs!r}", repr(str(inputs)))
         .replace("{out!r}", repr(str(out))), namespace)
    return json.loads(Path(f"{out}.json").read_text())["errors"]


def test_stub_message_names_the_function_still_a_stub(tmp_path):
    errors = run_probe(tmp_path, textwrap.dedent("""
        def net(params, imageVector):
            raise NotImplementedError()
        def loss(params, imageVector, correctLabel):
            return -sum(net(params, imageVector))
    """))
    assert errors["net"].startswith("net is still the stub"), errors
    assert "it calls net, which is still the stub" in errors["loss"], errors


def test_selfcheck_kernel_opens_no_tcp_port_and_quick_says_how(tmp_path, capsys):
    manager, arguments = selfcheck._kernel_settings(str(tmp_path))
    assert manager == {"transport": "ipc", "ip": str(tmp_path / "k")} and arguments == []
    manager, arguments = selfcheck._kernel_settings("/" + "x" * 100)       # too long a path
    assert manager == {} and arguments == ["--IPKernelApp.log_level=ERROR"]
    with pytest.raises(SystemExit):
        selfcheck.main(["--help"])
    assert "GG_RECORDS=2" in capsys.readouterr().out
    results = {"history": np.linspace(0.2, 0.7, 100), "accuracy": np.asarray(0.7)}
    expected = {"rtol": np.float64(1e-3), "atol": np.float64(1e-5)}
    others = {item: "not defined" for item in ITEMS[:6]}
    lines = selfcheck.report(results, others, expected, [], notebook="nb.ipynb", quick=True)[0]
    assert "GG_RECORDS" in lines[0]
    assert any("--quick did not shorten training" in line and "100 records" in line
               for line in lines), lines
