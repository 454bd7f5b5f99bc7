"""benchmarks/proof.py: a timed run that did not grade stops the benchmark (a venv
without jax once "graded" 8 notebooks in 9.5 s and printed a ratio)."""
import json

import pytest

from benchmarks import proof


def grades_json(folder, students):
    checks = lambda score: [{"name": n, "score": score * p, "possible": p}   # noqa: E731
                            for n, p in (("data_prep", 5), ("net", 15), ("loss", 10),
                                         ("loss_grad", 15), ("fraction_correct", 10),
                                         ("extra_credit", 5), ("trained_accuracy", 30))]
    (folder / "grades.json").write_text(json.dumps({"students": [
        {"student_id": sid, "final": final, "checks": checks(ran)}
        for sid, (final, ran) in students.items()]}))
    return folder


def test_a_run_whose_honest_notebooks_worked_is_a_figure(tmp_path):
    out = grades_json(tmp_path, {"s0_compiled": (92.6, 1), "s1_wrong_grad": (0.0, 0)})
    assert proof.grader_scores(out, 2) == {"s0_compiled": 92.6, "s1_wrong_grad": 0.0}


def test_a_run_where_every_kernel_failed_stops_the_benchmark(tmp_path):
    out = grades_json(tmp_path, {"s0_compiled": (0.0, 0), "s1_python_loop": (0.0, 0)})
    with pytest.raises(SystemExit, match="grader grade did not grade what it timed"):
        proof.grader_scores(out, 2)
    with pytest.raises(SystemExit, match="1 students in grades.json for 2"):
        proof.grader_scores(grades_json(tmp_path, {"s0_compiled": (92.6, 1)}), 2)


def test_nbgrader_scores_are_checked_the_same_way():
    assert proof.check_scores("nbgrader autograde", {"s0_compiled": 75.0}, 75.0)
    with pytest.raises(SystemExit, match="nbgrader autograde did not grade what it timed"):
        proof.check_scores("nbgrader autograde", {"s0_compiled": 0.0, "s1_raises": 0.0}, 75.0)
    with pytest.raises(SystemExit, match="no honest notebook"):
        proof.check_scores("nbgrader autograde", {"s1_raises": 0.0}, 75.0)


def test_bare_execution_with_an_error_in_an_honest_notebook_stops(tmp_path):
    ok, bad = tmp_path / "out-s0_compiled.ipynb", tmp_path / "out-s1_python_loop.ipynb"
    ok.write_text(json.dumps({"cells": [{"outputs": [{"output_type": "stream"}]}]}))
    proof.executed_cleanly("bare nbconvert", [ok])
    bad.write_text(json.dumps({"cells": [{"outputs": [
        {"output_type": "error", "ename": "ModuleNotFoundError"}]}]}))
    with pytest.raises(SystemExit, match="raised ModuleNotFoundError"):
        proof.executed_cleanly("bare nbconvert", [ok, bad])
