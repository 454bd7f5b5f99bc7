"""grader.report.gradebooks: a Canvas-ready gradebook from the roster Canvas exports,
and nbgrader's CSV columns."""
import csv
import io

import pytest

from grader.errors import InputError
from grader.report import gradebooks
from grader.results import SubmissionResult
from tests.report_cases import RUBRIC

# the shape of Canvas's gradebook export (Grades > Export): a "Points Possible" row,
# the test student, read-only columns after the assignments
ROSTER = '''Student,ID,SIS User ID,SIS Login ID,Section,Galaxy classifier (12345),Current Score
    Points Possible,,,,,100,(read only)
"Lovelace, Ada",23456,900123,ada,PHYS 401,,
"Smith, Bob",23457,900124,bob,PHYS 401,,
"Doe, Jane",23458,900125,jane+test,PHYS 401,,
"Student, Test",99999,,,PHYS 401,,
'''


def result(sid, final, original=""):
    return SubmissionResult(sid, [], late=None, final=final, original_id=original or sid)


def test_canvas_rows_for_every_roster_student_zero_when_nothing_came(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER)
    columns, roster = gradebooks.read_roster(path)
    assert [r["Student"] for r in roster] == ["Lovelace, Ada", "Smith, Bob", "Doe, Jane"]
    results = [result("ada", 105.0), result("jane_test-1a2b3c4d", 84.0, "jane+test"),
               result("zed", 50.0)]
    text, problems = gradebooks.canvas_csv(results, columns, roster, "galaxy-classifier")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                       "Galaxy classifier (12345)"]
    assert [r[-1] for r in rows[1:]] == ["105", "0", "84"]
    assert problems == ["graded but not on the Canvas roster (not in canvas_grades.csv): zed"]


def test_without_the_assignments_column_the_score_column_is_named_for_it():
    assert gradebooks.score_column(["Student", "ID"], "galaxy-classifier") == "galaxy-classifier"


def test_a_file_that_is_not_a_canvas_export_is_one_line(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("name,score\nada,1\n")
    with pytest.raises(InputError, match="has columns Student and ID"):
        gradebooks.read_roster(path)


def test_nbgrader_columns():
    text = gradebooks.nbgrader_csv([result("ada", 84.0)], RUBRIC)
    header, row = list(csv.reader(io.StringIO(text)))
    assert header == list(gradebooks.NBGRADER)
    assert row[0] == "galaxy-classifier" and row[3] == "ada" and row[9] == "84"
