"""Cells are named to students and TAs as Jupyter shows them (issue 25 item 5): the code
cell's 1-based position among code cells and its first line, never an index that counts
markdown cells from 0.  Pure tier: no kernel starts."""
from types import SimpleNamespace

import nbformat

from grader import pipeline
from grader.checks import history
from grader.run import cells, execute
from grader.run.artifacts import Bundle

LOOP = "for step in range(N_RECORDS * 2000):\n    p = update(p)\naccuracies.append(acc)"


def _notebook():
    """markdown, code, markdown, code, markdown, code: the training loop is code cell 3
    and the notebook's cell 5 counting from 0."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Galaxy classifier"),
                nbformat.v4.new_code_cell("import jax"),
                nbformat.v4.new_markdown_cell("## Training"),
                nbformat.v4.new_code_cell("\n\np = init()"),
                nbformat.v4.new_markdown_cell("Now train."),
                nbformat.v4.new_code_cell(LOOP)]
    return nb


def test_a_code_cell_is_named_by_its_number_among_code_cells_and_its_first_line():
    nb = _notebook()
    assert cells.in_notebook(nb, 5) == "code cell 3 (`for step in range(N_RECORDS * 2000):`)"
    assert cells.in_notebook(nb, 3) == "code cell 2 (`p = init()`)"
    long = "x = " + "1 + " * 30 + "1"
    assert cells.label(4, long) == f"code cell 4 (`{long[:37]}...`)"
    assert cells.label(4, "") == "code cell 4"
    assert cells.label(4, "print(`x`)") == "code cell 4 (print(`x`))"      # no broken span
    assert cells.label(1, "a\u202eb\n") == "code cell 1 (`a\\u202eb`)"       # printable


def test_the_bundle_names_a_cell_by_index_or_ordinal_and_old_bundles_still_work():
    recs = [{"index": 1, "ordinal": 0, "line": "import jax"},
            {"index": 3, "ordinal": 1, "line": "p = init()"},
            {"index": 5, "ordinal": 2, "line": "for step in range(10):"}]
    b = Bundle(key="k", status="executed", cells=recs)
    assert cells.in_bundle(b, index=5) == "code cell 3 (`for step in range(10):`)"
    assert cells.in_bundle(b, ordinal=1) == "code cell 2 (`p = init()`)"
    cached = Bundle(key="k", status="executed",        # cached before "line" was recorded
                    cells=[{k: v for k, v in r.items() if k != "line"} for r in recs])
    assert cells.in_bundle(cached, index=5) == "code cell 3"


def test_a_hung_cell_in_a_notebook_with_markdown_is_named_as_jupyter_numbers_it(monkeypatch):
    """The note about a cell stopped at the time limit (re-run without it) names the code
    cell as Jupyter numbers it, with its first line, not the 0-based index 5."""
    nb = _notebook()
    tries = []

    def attempt(job, nb, private, uid, protections, bundle, skipped, deadline, dropped):
        tries.append(dict(skipped))
        if not skipped:
            raise execute._Restart(5, "timeout", "stopped at the 3 s time limit")

    monkeypatch.setattr(execute, "_attempt", attempt)
    job = SimpleNamespace(key="k", timeouts={"notebook_seconds": 60},
                          names={"history": "accuracies"})
    bundle = execute._run(job, nb, None, None, None)
    assert tries == [{}, {5: {"status": "timeout", "error": "stopped at the 3 s time limit"}}]
    note = bundle.notes[0]
    assert note.startswith("code cell 3 (`for step in range(N_RECORDS * 2000):`): stopped at "
                           "the 3 s time limit; the notebook was re-run without it"), note
    assert "cell 5" not in note


def test_download_and_plotted_series_notes_name_the_code_cell():
    recs = [{"index": 1, "ordinal": 0, "line": "import jax", "status": "ok"},
            {"index": 3, "ordinal": 1, "line": "!wget http://x/dataG.pkl.gz",
             "status": "error", "download": True}]
    b = Bundle(key="k", status="executed", cells=recs)
    rubric = SimpleNamespace(data=SimpleNamespace(name_in_notebook="dataG.pkl.gz"))
    said = pipeline._download_notes(b, rubric)
    assert said[0].startswith("code cell 2 (`!wget http://x/dataG.pkl.gz`) tries to download")
    assert history._cell_name(b, 1) == "code cell 2 (`!wget http://x/dataG.pkl.gz`)"
