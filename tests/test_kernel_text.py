"""Text from a kernel is made valid at the boundary (issue 22, item 2): a notebook whose
functions raise an exception carrying a lone surrogate (legal in JSON, unencodable as
UTF-8) is graded beside an honest one through real kernels, and every report is written."""
import json

import nbformat

from tests.conftest import FIXTURES, grade_batch
from tests.fixtures.make_fixtures import ORDER
from tests.fixtures.make_hostile import FAST

SURROGATE = '''def net(params, imageVector):          # after training: every probe call raises
    raise RuntimeError("\\ud800 broken \\udfff")

raise ValueError("\\ud800 in a cell error")'''


def test_an_exception_text_with_a_lone_surrogate_breaks_no_report(tmp_path_factory, easy_data):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(FAST[k]) for k in ORDER] + \
        [nbformat.v4.new_code_cell(SURROGATE)]
    honest = nbformat.read(FIXTURES / "full_marks.ipynb", as_version=4)
    rc, rows, students = grade_batch({"surrogate": nb, "honest": honest}, easy_data,
                                     tmp_path_factory, "surrogate")
    assert float(rows["honest"]["final"]) == 105
    said = " ".join(c["message"] for c in students["surrogate"]["checks"])
    assert "\\ud800 broken" in said, said
    # trained before net was replaced: data prep, trained accuracy and the plot count, and
    # loss_grad (jit(grad(loss)) compiled with the first net for these shapes) still works
    assert float(rows["surrogate"]["final"]) == 65, said
    json.dumps(students, ensure_ascii=False).encode("utf-8")     # every text encodes
