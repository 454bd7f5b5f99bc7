"""grader.report.gradebooks: a Canvas-ready gradebook from the roster Canvas exports,
and nbgrader's CSV columns."""
import csv
import io
from pathlib import Path

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
    roster = gradebooks.read_roster(path, assignment="galaxy-classifier")
    assert [r["Student"] for r in roster.students] == ["Lovelace, Ada", "Smith, Bob",
                                                       "Doe, Jane"]
    results = [result("ada", 105.0), result("jane_test-1a2b3c4d", 84.0, "jane+test"),
               result("zed", 50.0)]
    text, problems = gradebooks.canvas_csv(results, roster)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                       "Galaxy classifier (12345)"]
    assert [r[-1] for r in rows[1:]] == ["105", "0", "84"]
    assert problems == ["graded but not on the Canvas roster (not in canvas_grades.csv): zed"]


def test_without_the_assignments_column_the_score_column_is_named_for_it():
    assert gradebooks.score_column(["Student", "ID"], "galaxy-classifier") == "galaxy-classifier"
    roster = gradebooks.Roster(["Student", "ID"], [{"Student": "A", "ID": "1"}],
                               "galaxy-classifier")
    text, problems = gradebooks.canvas_csv([result("1", 9.0)], roster)
    assert text.splitlines()[1:] == ["A,1,9"]
    assert problems == ['the Canvas roster has no assignment column: canvas_grades.csv\'s '
                        'column "galaxy-classifier" makes Canvas create a new assignment '
                        'on import']


# Canvas's gradebook export as it comes (Grades > Export): several assignments, each
# "<name> (<assignment id>)", the assignment groups' and course totals (read only),
# the "Points Possible" row and the test student
EXPORT = (
    "Student,ID,SIS User ID,SIS Login ID,Section,"
    "Homework 2: Linear Fits (884210),Homework 3: Galaxy Classifier (884211),"
    "Quiz 3 (884230),Assignments Current Points,Assignments Final Points,"
    "Assignments Current Score,Assignments Unposted Current Score,Assignments Final Score,"
    "Assignments Unposted Final Score,Current Points,Final Points,Current Score,"
    "Unposted Current Score,Final Score,Unposted Final Score\n"
    "    Points Possible,,,,,50.00,100.00,10.00,(read only),(read only),(read only),"
    "(read only),(read only),(read only),(read only),(read only),(read only),(read only),"
    "(read only),(read only)\n"
    '"Lovelace, Ada",23456,900123,ada@uni.edu,PHYS 401 Fall 2025,48.00,,9.00,57.00,57.00,'
    "95.0,95.0,35.63,35.63,57.00,57.00,95.0,95.0,35.63,35.63\n"
    '"Smith, Bob",23457,900124,bsmith,PHYS 401 Fall 2025,41.00,,8.00,49.00,49.00,81.67,'
    "81.67,30.63,30.63,49.00,49.00,81.67,81.67,30.63,30.63\n"
    '"Curie, Marie",23458,900125,mcurie,PHYS 401 Fall 2025,50.00,,10.00,60.00,60.00,100.0,'
    "100.0,37.5,37.5,60.00,60.00,100.0,100.0,37.5,37.5\n"
    '"Noether, Emmy",23459,900126,enoether,PHYS 401 Fall 2025,50.00,,10.00,60.00,60.00,'
    "100.0,100.0,37.5,37.5,60.00,60.00,100.0,100.0,37.5,37.5\n"
    '"Student, Test",99999,,,PHYS 401 Fall 2025,,,,,,,,,,,,,,,\n')


def export(tmp_path, text=EXPORT) -> Path:
    path = tmp_path / "gradebook.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_score_column_is_the_assignments_own_column_in_a_real_export(tmp_path):
    roster = gradebooks.read_roster(export(tmp_path), assignment="galaxy-classifier")
    assert roster.score == "Homework 3: Galaxy Classifier (884211)"
    text, _ = gradebooks.canvas_csv([result("ada", 92.5)], roster)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                       "Homework 3: Galaxy Classifier (884211)"]
    assert [r[0] for r in rows[1:]] == ["Lovelace, Ada", "Smith, Bob", "Curie, Marie",
                                        "Noether, Emmy"]
    assert rows[1][-1] == "92.5"


def test_the_only_assignment_column_is_taken_whatever_its_name(tmp_path):
    path = export(tmp_path, "Student,ID,SIS User ID,SIS Login ID,Section,HW3 (884211),"
                            "Current Score\n\"Lovelace, Ada\",23456,900123,ada,S1,,\n")
    assert gradebooks.read_roster(path, assignment="galaxy-classifier").score == "HW3 (884211)"


def test_canvas_column_chooses_the_column_and_one_not_in_the_roster_is_one_line(tmp_path):
    path = export(tmp_path)
    roster = gradebooks.read_roster(path, assignment="galaxy-classifier",
                                    column="Quiz 3 (884230)")
    assert roster.score == "Quiz 3 (884230)"
    with pytest.raises(InputError) as err:
        gradebooks.read_roster(path, assignment="galaxy-classifier",
                               column="Homework 4: Galaxy Classifier (884299)")
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith('--canvas-column "Homework 4: Galaxy Classifier (884299)": '
                              f"not an assignment column of {path}")
    assert '"Homework 3: Galaxy Classifier (884211)"' in message


def test_several_assignment_columns_and_none_named_like_the_assignment_is_one_line(tmp_path):
    with pytest.raises(InputError) as err:
        gradebooks.read_roster(export(tmp_path), assignment="hw3")
    message = str(err.value)
    assert "\n" not in message
    for part in ('"Homework 2: Linear Fits (884210)"', '"Homework 3: Galaxy Classifier (884211)"',
                 '"Quiz 3 (884230)"', '--canvas-column "NAME (ID)"'):
        assert part in message, (part, message)


def test_two_columns_containing_the_assignments_name_are_ambiguous():
    columns = ["Student", "ID", "Galaxy Classifier (1)", "Galaxy Classifier Extra (2)",
               "Homework 1 galaxy classifier (3)"]
    assert gradebooks.score_column(columns, "galaxy-classifier") == "Galaxy Classifier (1)"
    with pytest.raises(InputError, match=r"3 assignment columns"):
        gradebooks.score_column(columns[:1] + columns[3:] + ["Galaxy Classifier 2 (4)"],
                                "galaxy-classifier")


def test_students_are_matched_by_login_sis_id_user_id_and_login_userid(tmp_path):
    roster = gradebooks.read_roster(export(tmp_path), assignment="galaxy-classifier")
    results = [result("ada", 91.0),                       # e-mail login's local part
               result("900124", 82.0),                    # SIS User ID
               result("curiemarie_23458", 73.0, "23458"),  # Canvas download: user id
               result("noetheremmy_23459", 64.0),          # login_userid alone
               result("zed", 5.0)]
    text, problems = gradebooks.canvas_csv(results, roster)
    assert [r[-1] for r in list(csv.reader(io.StringIO(text)))[1:]] == ["91", "82", "73", "64"]
    assert problems == ["graded but not on the Canvas roster (not in canvas_grades.csv): zed"]


def test_a_login_column_named_login_id_and_the_login_first(tmp_path):
    path = export(tmp_path, "Student,ID,SIS User ID,Login ID,Section,HW (1)\n"
                            '"A, B",11,22,Bob,S,\n"C, D",22,33,carol,S,\n')
    roster = gradebooks.read_roster(path)
    assert roster.score == "HW (1)"
    scores = lambda text: [r[-1] for r in list(csv.reader(io.StringIO(text)))[1:]]  # noqa
    # "22" is B's SIS User ID and D's Canvas ID: the SIS id is tried before the user id
    text, _ = gradebooks.canvas_csv([result("22", 2.0)], roster)
    assert list(csv.reader(io.StringIO(text)))[0] == ["Student", "ID", "SIS User ID",
                                                      "Login ID", "Section", "HW (1)"]
    assert scores(text) == ["2", "0"]
    # ... and the login before both: B is bob's, so "22" fills D's row by its user id
    assert scores(gradebooks.canvas_csv([result("bob", 1.0), result("22", 2.0)],
                                        roster)[0]) == ["1", "2"]
    assert scores(gradebooks.canvas_csv([result("Carol", 3.0), result("22", 2.0)],
                                        roster)[0]) == ["2", "3"]


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


@pytest.mark.parametrize("extra,said", [
    (["--canvas-column", "Nope (1)"], '--canvas-column "Nope (1)": not an assignment column'),
    (["--canvas-column", "HW3 (884211)", "--roster", ""], "give --roster too"),
])
def test_grade_refuses_a_canvas_column_in_one_line_before_running(extra, said, capsys,
                                                                   tmp_path):
    from grader import cli
    from tests.fixtures.make_examples import DIR as EXAMPLES
    argv = ["grade", str(EXAMPLES), "--roster", str(export(tmp_path)),
            "--out", str(tmp_path / "never"), *extra]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert said in err and err.count("\n") == 1, err
    assert not (tmp_path / "never").exists()
