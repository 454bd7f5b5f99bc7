"""One batch through real kernels (issue 22, items 8 and 4): an honest notebook, two
verbatim copies of it hidden behind padding, and a notebook whose patched ``np.savez``
floods the probe output with tiny arrays.

Before the fix neither padded copy was in any pair of integrity.json (the first 200,000
characters were fingerprinted, counted before comments were stripped; a cell opening a
string hid every later cell), and the flood's 5,000 arrays were read and cached whole.
Now both copies are flagged with their source, the flood is refused for that student
alone, and the honest grade is untouched."""
import json

import nbformat

from tests.conftest import FIXTURES, grade_batch

FLOOD = '''import numpy
_savez = numpy.savez

def _flood(file, *args, **arrays):    # the probe saves its results with numpy.savez
    arrays.update({f"junk/{i}": numpy.zeros(1) for i in range(5000)})
    return _savez(file, *args, **arrays)

numpy.savez = _flood'''


def honest():
    return nbformat.read(FIXTURES / "full_marks.ipynb", as_version=4)


def with_cells(first=(), last=()):
    nb = honest()
    at = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    nb.cells[at:at] = [nbformat.v4.new_code_cell(c) for c in first]
    nb.cells += [nbformat.v4.new_code_cell(c) for c in last]
    return nb


def test_padded_copies_are_flagged_and_a_flood_of_arrays_is_refused(tmp_path_factory,
                                                                       easy_data):
    notebooks = {
        "honest": honest(),
        "comment_padded": with_cells([("# " + "padding " * 12 + "\n") * 2100]),   # 210 kB
        "code_padded": with_cells(["'''", "x = 1\n" * 50_000]),                   # 300 kB
        "flood": with_cells(last=[FLOOD]),
    }
    rc, rows, students = grade_batch(notebooks, easy_data, tmp_path_factory, "padding")
    assert float(rows["honest"]["final"]) == 105
    assert float(rows["comment_padded"]["final"]) == 105     # a copy earns what it earns
    refused = [n for n in students["flood"]["notes"] if "probe output refused" in n]
    assert refused == ["probe output refused (more than 4,096 arrays)"]
    assert not any("refused" in n for s in students if s != "flood"
                   for n in students[s]["notes"])
    out = max((p for p in tmp_path_factory.getbasetemp().glob("out*") if p.name[3:].isdigit()),
              key=lambda p: int(p.name[3:]))                 # grade_batch's, the latest
    report = json.loads((out / "grading" / "integrity.json").read_text())
    flagged = {frozenset((p["a"], p["b"])) for p in report["pairs"] if p["flagged"]}
    assert {frozenset(("honest", "comment_padded")), frozenset(("honest", "code_padded"))} \
        <= flagged, report["pairs"]
    assert [n.split(":")[0] for n in report["compared_in_part"]] == ["code_padded"]
