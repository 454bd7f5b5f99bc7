"""grader.intake.overrides: a TA's regrade decisions, validated like the rubric and applied
at scoring, so every re-run and re-score keeps them."""
import csv
import io

import pytest

from grader.intake import overrides as ov
from grader.errors import InputError
from grader.report import tables
from grader.results import CheckResult, SubmissionResult
from tests.report_cases import RUBRIC


def write(tmp_path, text):
    path = tmp_path / "overrides.yaml"
    path.write_text(text)
    return path


def test_a_valid_file_loads(tmp_path):
    got = ov.load(write(tmp_path, 'ada:\n  plot: {points: 10, reason: "markers in her PDF"}\n'),
                  rubric=RUBRIC)
    assert got == {"ada": {"plot": ov.Override(10.0, "markers in her PDF")}}


@pytest.mark.parametrize("text,words", [
    ('ada:\n  plott: {points: 1, reason: "x"}\n', "grades no check 'plott'"),
    ('ada:\n  plot: {points: 11, reason: "x"}\n', "points must be a number from 0 to 10"),
    ('ada:\n  plot: {points: -1, reason: "x"}\n', "points must be a number from 0 to 10"),
    ('ada:\n  plot: {points: true, reason: "x"}\n', "points must be a number"),
    ('ada:\n  plot: {points: 5, reason: "  "}\n', "give the reason as text"),
    ('ada:\n  plot: {points: 5}\n', "expected {points: N, reason"),
    ('ada: 5\n', "expected check names"),
    ('- ada\n', "expected student ids"),
    ('ada: [unclosed\n', "cannot read overrides"),
])
def test_every_bad_entry_is_one_line_naming_the_file(tmp_path, text, words):
    path = write(tmp_path, text)
    with pytest.raises(InputError) as err:
        ov.load(path, rubric=RUBRIC)
    assert str(path) in str(err.value) and words in str(err.value) and "\n" not in str(err.value)


def test_an_unknown_student_is_refused():
    with pytest.raises(InputError, match="no submission from zed"):
        ov.require_known_students({"zed": {}}, ["ada", "Bob"], "overrides.yaml")
    ov.require_known_students({"bob": {}}, ["ada", "Bob"], "overrides.yaml")


def test_applied_override_keeps_what_the_grader_gave_and_shows_in_the_csv():
    checks = [CheckResult("plot", 0.0, 10, "bare line"), CheckResult("net", 15, 15, "ok")]
    done = ov.apply(checks, {"plot": ov.Override(10.0, "markers in her PDF")})
    assert [c.score for c in done] == [10.0, 15]
    assert done[0].message == "TA override to 10: markers in her PDF (the grader gave 0: bare line)"
    assert done[0].details["override"] == {"points": 10.0, "reason": "markers in her PDF",
                                           "grader_points": 0.0}
    r = SubmissionResult("ada", done, late=None, final=25.0)
    rows = list(csv.DictReader(io.StringIO(tables.csv_text([r]))))
    assert rows[0]["overrides"] == "plot 10 (markers in her PDF)" and rows[0]["plot"] == "10"


def test_an_override_survives_a_rescore_and_reaches_every_report(kernel, tmp_path, easy_data, capsys):
    """Through a real kernel: the overrides file beside the rubric changes the plot's
    points with its reason in the CSV and the feedback page, again on a re-score from
    the cache; an override for a student not in the batch stops with one line."""
    import shutil

    from grader import cli
    from tests.conftest import FIXTURES, TEST_RUBRIC
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(TEST_RUBRIC, course / "rubric.yaml")
    (course / "overrides.yaml").write_text(
        'ada:\n  plot: {points: 15, reason: "markers show in the PDF she submitted"}\n')
    subs = tmp_path / "subs" / "ada"
    subs.mkdir(parents=True)
    shutil.copy(FIXTURES / "fails_plot_line_only.ipynb", subs / "hw.ipynb")
    (subs / "timestamp.txt").write_text("2025-10-30 12:00:00 America/New_York")
    args = ["grade", str(subs.parent), "--rubric", str(course / "rubric.yaml"), "--data",
            str(easy_data), "-j", "1", "--no-progress", "--out"]
    out = tmp_path / "out"
    cached = None
    for run in ("first", "re-score"):
        assert cli.main(args + [str(out)]) == 0
        [bundle] = [p / "bundle.json" for p in (out / "cache").iterdir() if p.is_dir()]
        assert cached in (None, bundle.stat().st_mtime_ns)       # the re-score ran nothing
        cached = bundle.stat().st_mtime_ns
        row = next(csv.DictReader(open(out / "grades.csv")))
        assert (row["plot"], row["final"]) == ("15", "105"), row
        assert row["overrides"] == "plot 15 (markers show in the PDF she submitted)"
        page = (out / "feedback" / "ada.md").read_text()
        assert "TA override to 15: markers show in the PDF she submitted" in page
    (course / "overrides.yaml").write_text('zed:\n  plot: {points: 15, reason: "typo"}\n')
    assert cli.main(args + [str(tmp_path / "third")]) == 2
    assert "no submission from zed" in capsys.readouterr().err
