"""Tests for grader.verbs.assign (solution notebook -> student notebook)."""

import json
import os

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell

from grader.run import cells
from grader.verbs.assign import AssignError, check_in_sync, main, render, strip_solutions

STUB = "# YOUR CODE HERE\n{0}raise NotImplementedError()"


def make_nb(*cells):
    nb = new_notebook(cells=list(cells))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def solution_nb():
    code = new_code_cell(
        "def f(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n",
        execution_count=3,
        outputs=[new_output("stream", name="stdout", text="secret 42\n")],
        metadata={"execution": {"iopub.status.idle": "2024"}, "scrolled": True,
                  "collapsed": False, "tags": ["keep"]},
    )
    tests = new_code_cell("assert f(1) == 2\n### BEGIN HIDDEN TESTS\nassert f(3) == 6\n"
                          "### END HIDDEN TESTS\nprint('ok')")
    answer = new_markdown_cell("Why?\n\n### BEGIN SOLUTION\nBecause 2x is linear.\n### END SOLUTION")
    return make_nb(new_markdown_cell("# Intro"), code, tests, answer)


def write_solution(tmp_path, nb=None, name="solution.ipynb"):
    path = tmp_path / name
    nbformat.write(nb or solution_nb(), str(path))
    return path


def error_of(nb, name="sol.ipynb"):
    with pytest.raises(AssignError) as info:
        strip_solutions(nb, source_name=name)
    message = str(info.value)
    assert "\n" not in message and name in message
    return message


def test_solution_region_replaced_keeping_indentation():
    out = strip_solutions(solution_nb())
    assert out.cells[1].source == "def f(x):\n    " + STUB.format("    ") + "\n"
    assert "2 * x" not in render(out)


def test_several_regions_in_one_cell():
    src = ("a = 1\n### BEGIN SOLUTION\nb = 2\n### END SOLUTION\nif a:\n"
           "        ### BEGIN SOLUTION\n        c = 3\n        d = 4\n        ### END SOLUTION\nend = 5")
    out = strip_solutions(make_nb(new_code_cell(src)))
    assert out.cells[0].source == ("a = 1\n" + STUB.format("") + "\nif a:\n        "
                                   + STUB.format("        ") + "\nend = 5")


def test_markers_matched_after_stripping_whitespace():
    out = strip_solutions(make_nb(new_code_cell("  ### BEGIN SOLUTION  \nx = 1\n\t### END SOLUTION\t")))
    assert out.cells[0].source == "  " + STUB.format("  ")


def test_markdown_solution_cell():
    out = strip_solutions(solution_nb())
    assert out.cells[3].source == "Why?\n\nYOUR ANSWER HERE"
    assert out.cells[0].source == "# Intro"


def test_hidden_tests_removed():
    out = strip_solutions(solution_nb())
    assert out.cells[2].source == "assert f(1) == 2\nprint('ok')"


def test_outputs_execution_counts_and_noisy_metadata_cleared():
    out = strip_solutions(solution_nb())
    code = out.cells[1]
    assert code.outputs == [] and code.execution_count is None
    assert dict(code.metadata) == {"tags": ["keep"]}
    assert "secret 42" not in render(out)
    assert out.metadata["kernelspec"]["name"] == "python3"


def test_input_not_mutated():
    nb = solution_nb()
    before = json.dumps(nb, sort_keys=True)
    out = strip_solutions(nb)
    assert json.dumps(nb, sort_keys=True) == before
    assert out is not nb and out.cells[1] is not nb.cells[1]
    assert [c.id for c in out.cells] == [c.id for c in nb.cells]


def test_deterministic_render():
    nb = solution_nb()
    first, second = render(strip_solutions(nb)), render(strip_solutions(nb))
    assert first == second
    assert first.endswith("}\n") and not first.endswith("\n\n")


def test_nested_markers_error():
    nb = make_nb(new_code_cell("x"), new_code_cell(
        "### BEGIN SOLUTION\n### BEGIN SOLUTION\nx\n### END SOLUTION\n### END SOLUTION"))
    message = error_of(nb)
    assert "code cell 2 (`### BEGIN SOLUTION`)" in message and "nested" in message


def test_begin_without_end_error():
    nb = make_nb(new_markdown_cell("t"), new_code_cell("x"),
                 new_code_cell("### BEGIN SOLUTION\nx = 1\n"))
    message = error_of(nb)
    assert "code cell 2 (`### BEGIN SOLUTION`)" in message and "unbalanced" in message


def test_end_without_begin_error():
    nb = make_nb(new_code_cell("x = 1\n### END SOLUTION"))
    message = error_of(nb)
    assert "code cell 1 (`x = 1`)" in message and "### END SOLUTION" in message
    assert "without" in message   # cells named as Jupyter shows them (issue 25 item 5)


def test_hidden_tests_end_without_begin_error():
    message = error_of(make_nb(new_code_cell("### END HIDDEN TESTS")))
    assert "code cell 1 (`### END HIDDEN TESTS`)" in message and "HIDDEN" in message


def test_markers_in_raw_cell_error():
    nb = make_nb(new_code_cell("### BEGIN SOLUTION\n### END SOLUTION"),
                 new_raw_cell("### BEGIN SOLUTION\nx\n### END SOLUTION"))
    message = error_of(nb)
    assert "raw cell (cell 2 of 2)" in message


def test_no_markers_error():
    message = error_of(make_nb(new_code_cell("x = 1"), new_markdown_cell("hi")))
    assert "no ### BEGIN SOLUTION markers found" in message


@pytest.mark.parametrize("content, fragment", [
    (None, "not found"),
    ("{not json", "invalid JSON"),
    ('{"hello": [1, 2]}', "not a readable Jupyter notebook"),
    ("[1, 2, 3]", "not a readable Jupyter notebook"),
])
def test_main_bad_solution_file(tmp_path, content, fragment):
    path = tmp_path / "broken_solution.ipynb"
    if content is not None:
        path.write_text(content)
    with pytest.raises(AssignError) as info:
        main(solution=path, out=tmp_path / "student.ipynb")
    message = str(info.value)
    assert "broken_solution.ipynb" in message and fragment in message and "\n" not in message
    assert not (tmp_path / "student.ipynb").exists()


def test_main_writes_into_directory_with_metadata(tmp_path):
    solution = write_solution(tmp_path)
    out_dir = tmp_path / "assignment"
    out_dir.mkdir()
    assert main(solution=solution, out=out_dir) == 0
    written = nbformat.read(str(out_dir / "galaxy_classifier.ipynb"), as_version=4)
    assert written.metadata["galaxy_grader"] == {"generated_from": "solution.ipynb"}
    assert "raise NotImplementedError()" in written.cells[1].source
    assert "2 * x" not in (out_dir / "galaxy_classifier.ipynb").read_text()


def test_main_refuses_hand_edited_file_without_force(tmp_path):
    solution = write_solution(tmp_path)
    out = tmp_path / "student.ipynb"
    out.write_text("my precious hand edits\n")
    with pytest.raises(AssignError) as info:
        main(solution=solution, out=out)
    assert "--force" in str(info.value) and "student.ipynb" in str(info.value)
    assert out.read_text() == "my precious hand edits\n"
    assert main(solution=solution, out=out, force=True) == 0
    assert "# YOUR CODE HERE" in out.read_text()


def test_main_overwrites_previously_generated_file(tmp_path):
    solution = write_solution(tmp_path)
    out = tmp_path / "student.ipynb"
    main(solution=solution, out=out)
    nb = solution_nb()
    nb.cells[0].source = "# Intro, revised"
    write_solution(tmp_path, nb)
    main(solution=solution, out=out)
    assert "Intro, revised" in out.read_text()


def test_main_refuses_to_write_over_solution(tmp_path):
    solution = write_solution(tmp_path)
    before = solution.read_text()
    with pytest.raises(AssignError):
        main(solution=solution, out=solution, force=True)
    assert solution.read_text() == before


def test_atomic_write_leaves_no_temp_files(tmp_path, monkeypatch):
    solution = write_solution(tmp_path)
    out = tmp_path / "student.ipynb"
    main(solution=solution, out=out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["solution.ipynb", "student.ipynb"]
    out.write_text("hand edit\n")

    def fail(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        main(solution=solution, out=out, force=True)
    assert out.read_text() == "hand edit\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["solution.ipynb", "student.ipynb"]


def test_check_in_sync(tmp_path):
    solution = write_solution(tmp_path)
    out = tmp_path / "student.ipynb"
    main(solution=solution, out=out)
    assert check_in_sync(solution=solution, student=out) == []
    nb = nbformat.read(str(out), as_version=4)
    nb.cells[2].source = "print('edited')"
    nbformat.write(nb, str(out))
    problems = check_in_sync(solution=solution, student=out)
    assert len(problems) == 1 and "source" in problems[0], problems
    assert f": {cells.in_notebook(nb, 2)}: source differ" in problems[0]   # as Jupyter shows it
    assert "cell 2:" not in problems[0]


def test_release_refuses_an_existing_folder_and_says_what_it_wrote(tmp_path, capsys,
                                                                   easy_data):
    """Issue 25 item 12: nothing a TA made is overwritten by accident; the console says
    which files were written and that no data file is included when none was given."""
    from grader import cli
    folder = tmp_path / "release"
    assert cli.main(["assign", "--release", str(folder)]) == 0
    out = capsys.readouterr().out.splitlines()
    files = json.loads((folder / "release.json").read_text())["files"]
    assert out[0] == f"wrote {folder}/: {', '.join(files)}" and "README.md" in files
    assert out[1].startswith("no data file included: students need dataG.pkl.gz") \
        and "--data" in out[1] and len(out) == 2
    readme = folder / "README.md"
    readme.write_text("edited by the TA")
    assert cli.main(["assign", "--release", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{folder}: folder holds a release already" in err \
        and "--force" in err, err
    assert readme.read_text() == "edited by the TA"
    assert cli.main(["assign", "--release", str(folder), "--force", "--data",
                     str(easy_data)]) == 0
    out = capsys.readouterr().out
    assert "dataG.pkl.gz" in out.splitlines()[0] and "no data file" not in out
    assert readme.read_text() != "edited by the TA"
