"""tools/normalise_solution.py: the committed solution notebook is the source, kept normalised."""
import importlib.util
import json
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from grader.verbs.assign import AssignError, render

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "reference" / "solution.ipynb"
_spec = importlib.util.spec_from_file_location("normalise_solution",
                                               ROOT / "tools" / "normalise_solution.py")
tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tool)


def test_committed_solution_notebook_is_normalised():
    problem = tool.check(SOLUTION)
    if problem:
        pytest.fail(problem, pytrace=False)


def jupyter_saved(tmp_path):
    """A notebook as Jupyter saves it after a run: outputs, counts, editor metadata."""
    code = new_code_cell("x = 1\nprint(x)", id="calc", execution_count=7,
                         outputs=[new_output("stream", name="stdout", text="1\n")],
                         metadata={"tags": ["answer"], "scrolled": True, "editable": False,
                                   "execution": {"iopub.status.idle": "2024-01-01"}})
    nb = new_notebook(cells=[new_markdown_cell("# T", id="title", metadata={"tags": []}), code])
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                  "language": "python"},
                   "language_info": {"name": "python", "version": "3.11.4",
                                     "mimetype": "text/x-python"},
                   "widgets": {"state": {}}}
    path = tmp_path / "solution.ipynb"
    nbformat.write(nb, str(path))
    return path


def test_jupyter_noise_is_reported_in_one_line_and_removed(tmp_path):
    path = jupyter_saved(tmp_path)
    problem = tool.check(path)
    assert problem and "\n" not in problem and str(path) in problem
    assert "python tools/normalise_solution.py" in problem
    assert tool.main([str(path), "--check"]) == 1
    assert tool.main([str(path)]) == 0
    assert tool.check(path) is None and tool.main([str(path), "--check"]) == 0
    nb = nbformat.read(str(path), as_version=4)
    assert nb.metadata == {"kernelspec": tool.KERNELSPEC, "language_info": {"name": "python"}}
    assert [c.id for c in nb.cells] == ["title", "calc"]
    assert nb.cells[0].metadata == {}
    assert nb.cells[1].metadata == {"tags": ["answer"], "editable": False}
    assert nb.cells[1].outputs == [] and nb.cells[1].execution_count is None
    assert nb.cells[1].source == "x = 1\nprint(x)"
    assert path.read_text(encoding="utf-8") == render(nb)


def test_old_minor_version_gets_fixed_ids_not_random_ones(tmp_path):
    data = json.loads(jupyter_saved(tmp_path).read_text())
    data["nbformat_minor"] = 4
    for cell in data["cells"]:
        del cell["id"]
    path = tmp_path / "old.ipynb"
    path.write_text(json.dumps(data))
    text = tool.normalised(path)
    assert text == tool.normalised(path)
    nb = nbformat.reads(text, as_version=4)
    assert nb.nbformat_minor == 5 and [c.id for c in nb.cells] == ["cell-0", "cell-1"]


@pytest.mark.parametrize("content, fragment", [
    ("{not json", "not valid JSON"),
    ('{"cells": []}', "not a version 4 Jupyter notebook"),
    ('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "x"}]}',
     "not a valid notebook"),
])
def test_bad_input_is_a_one_line_error_naming_the_file(tmp_path, capsys, content, fragment):
    path = tmp_path / "broken.ipynb"
    path.write_text(content)
    with pytest.raises(AssignError, match=fragment) as info:
        tool.normalised(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)
    assert tool.main([str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "broken.ipynb" in err and path.read_text() == content
