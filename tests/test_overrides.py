"""grader.intake.overrides: a TA's regrade decisions, validated like the rubric and applied
at scoring, so every re-run and re-score keeps them."""
import csv
import io
from datetime import timedelta

import pytest

from grader import rubric as rubric_mod
from grader.intake import named, overrides as ov, overrides_for
from grader.intake.submissions import Discovery, Submission
from grader.errors import InputError, RubricError
from grader.rubric import from_mapping
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


def test_a_typo_of_a_batch_id_is_refused_with_did_you_mean():
    """Issue 25 item 8: an override or extension for a near miss of a present id."""
    with pytest.raises(InputError) as err:
        named(["late_with_extenson"], ["late", "late_with_extension"], "rubric.yaml: extensions")
    assert str(err.value) == ("rubric.yaml: extensions: 'late_with_extenson' is not a student "
                              "of this batch; did you mean 'late_with_extension'?")
    assert named(["bob", "ADA"], ["ada", "Bob"], "overrides.yaml") == []      # case aside


def test_students_of_another_folder_are_a_note_not_a_failure():
    """A subset regrade: names far from every batch id, ids differing from one only in
    digits, and near misses of an id the file names itself are other students."""
    assert named(["zed", "ada", "s002", "anne", "ann"], ["ada", "s001", "anne"],
                 "overrides.yaml") == [
        "overrides.yaml names 3 student(s) not in this batch (a subset regrade or another "
        "folder), not applied: zed, s002, ann"]


def rubric_with(extensions):
    return from_mapping({"checks": {"plot": {"points": 10}},
                         "deadline": "2025-10-31 23:59:00 America/New_York",
                         "extensions": extensions}, source="course/rubric.yaml")


def found(*ids):
    return Discovery("flat", tuple(Submission(i, None, None, "none") for i in ids))


def test_extensions_and_overrides_are_checked_against_the_batch(tmp_path):
    ext = "2025-11-03 23:59:00 America/New_York"
    typo = rubric_with({"late_with_extenson": ext})
    with pytest.raises(InputError, match=r"^course/rubric.yaml: extensions: "
                                         r"'late_with_extenson' .* did you mean "
                                         r"'late_with_extension'\?$"):
        overrides_for(found("late", "late_with_extension"), typo)
    path = write(tmp_path, 'zed:\n  plot: {points: 10, reason: "regrade"}\n'
                           'ada:\n  plot: {points: 10, reason: "regrade"}\n')
    loaded, notes = overrides_for(found("ada", "Late_With_Extension"),
                                  rubric_with({"late_with_extension": ext, "bob": ext}), path)
    assert set(loaded) == {"zed", "ada"}
    assert notes == ["course/rubric.yaml: extensions names 1 student(s) not in this batch (a "
                     "subset regrade or another folder), not applied: bob",
                     f"{path} names 1 student(s) not in this batch (a subset regrade or "
                     f"another folder), not applied: zed"]
    adda = write(tmp_path, 'adda:\n  plot: {points: 10, reason: "regrade"}\n')
    with pytest.raises(InputError, match=f"^{adda}: 'adda' is not a student of this batch; "
                                         f"did you mean 'ada'\\?$"):
        overrides_for(found("ada"), rubric_with({}), adda)


def test_an_extension_applies_whatever_the_case_of_its_id():
    """The extension is looked up as overrides are (case aside), so the check above and
    the late verdict agree."""
    rub = rubric_with({"Late_With_Extension": "2025-11-03 23:59:00 America/New_York"})
    sub = Submission("late_with_extension", None, rub.deadline + timedelta(days=1), "manifest")
    assert not rub.assess_late(sub).late and rub.assess_late(sub).extension_applied


def test_a_batch_with_a_typo_extension_stops_before_anything_runs(tmp_path):
    """Through Batch.find (what grade reads first), no kernel: the typo is refused; an
    overrides file beside the rubric for students of another folder is a batch note."""
    from grader.graded import Batch
    from grader.verbs import listing
    course, subs = tmp_path / "course", tmp_path / "subs"
    for sid in ("ada", "late_with_extension"):
        (subs / sid).mkdir(parents=True)
        (subs / sid / "hw.ipynb").write_text('{"cells": [], "metadata": {}, "nbformat": 4, '
                                             '"nbformat_minor": 5}')
    course.mkdir()
    text = ('checks: {plot: {points: 10}}\ndeadline: "2025-10-31 23:59:00 America/New_York"\n'
            'extensions:\n  late_with_extenson: "2025-11-03 23:59:00 America/New_York"\n')
    (course / "rubric.yaml").write_text(text)
    with pytest.raises(InputError, match="did you mean 'late_with_extension'"):
        Batch.find(subs, rubric_mod.load(course / "rubric.yaml"))
    with pytest.raises(InputError, match="did you mean 'late_with_extension'"):
        listing.main(submissions=subs, rubric=course / "rubric.yaml")     # grader list too
    (course / "rubric.yaml").write_text(text.replace("extenson", "extension"))
    (course / "overrides.yaml").write_text('zed:\n  plot: {points: 10, reason: "x"}\n')
    batch = Batch.find(subs, rubric_mod.load(course / "rubric.yaml"))
    assert f"{course / 'overrides.yaml'} names 1 student(s) not in this batch (a subset " \
           f"regrade or another folder), not applied: zed" in batch.problems
    assert batch.overrides == {"zed": {"plot": ov.Override(10.0, "x")}}


def test_bad_yaml_says_the_line(tmp_path):
    path = write(tmp_path, 'ada:\n  plot: {points: 10, reason: "x"}\nbob: [unclosed\n')
    with pytest.raises(InputError, match=r"cannot read overrides: not valid YAML at line 4"):
        ov.load(path, rubric=RUBRIC)
    rubric = tmp_path / "rubric.yaml"
    rubric.write_text('checks: {plot: {points: 10}}\nextensions:\n  ada: "2025-11-03\n')
    with pytest.raises(RubricError, match=rf"^{rubric}: not valid YAML at line \d"):
        rubric_mod.load(rubric)


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
    the cache; an override for a student of another folder is a note, one for a typo of
    a batch id stops with one line."""
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
        [bundle] = [p / "bundle.json" for p in (out / "cache").iterdir()
                    if (p / "bundle.json").is_file()]    # beside the kept curves and charts
        assert cached in (None, bundle.stat().st_mtime_ns)       # the re-score ran nothing
        cached = bundle.stat().st_mtime_ns
        row = next(csv.DictReader(open(out / "grades.csv")))
        assert (row["plot"], row["final"]) == ("15", "105"), row
        assert row["overrides"] == "plot 15 (markers show in the PDF she submitted)"
        page = (out / "feedback" / "ada.md").read_text()
        assert "TA override to 15: markers show in the PDF she submitted" in page
    capsys.readouterr()
    (course / "overrides.yaml").write_text('zed:\n  plot: {points: 15, reason: "x"}\n')
    again = args + [str(out)]                                     # re-scored from the cache
    assert cli.main(again) == 0                                   # another folder's student
    assert "not in this batch (a subset regrade or another folder), not applied: zed" in \
        capsys.readouterr().out
    (course / "overrides.yaml").write_text('adda:\n  plot: {points: 15, reason: "typo"}\n')
    assert cli.main(again) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'adda' is not a student of this batch; did you mean 'ada'?" in err
