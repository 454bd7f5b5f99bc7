"""One error hierarchy: user-fixable problems are one line; grader bugs keep their
traceback and never pass as a grade."""
from datetime import datetime, timezone

import pytest

from grader import cli, errors, pipeline
from grader import rubric as rubric_mod
from grader.verbs.assign import AssignError
from grader.report.atomic import ReportWriteError
from grader.run.artifacts import Bundle
from grader.errors import SubmissionsError
from grader.intake.submissions import Submission
from tests.conftest import TEST_RUBRIC


@pytest.mark.parametrize("cls", [errors.InputError, errors.RubricError, errors.DataError,
                                 SubmissionsError, AssignError])
def test_every_input_error_is_a_grader_error(cls):
    assert issubclass(cls, errors.GraderError) and issubclass(cls, ValueError)


def test_report_write_error_is_a_grader_error_and_an_os_error():
    exc = ReportWriteError("/x/grades.csv", OSError(28, "No space left on device"))
    assert isinstance(exc, errors.GraderError) and isinstance(exc, OSError)
    assert str(exc) == "cannot write /x/grades.csv: the disk is full"
    gone = ReportWriteError("/x/grades.csv", OSError(2, "No such file or directory"))
    assert str(gone) == "/x: folder not found (cannot write /x/grades.csv)"   # issue 25 item 13


def test_the_cli_prints_a_grader_error_as_one_line(monkeypatch, capsys):
    def fails(**_):
        raise errors.InputError("subs/: no such folder")
    monkeypatch.setattr("grader.verbs.grade.main", fails)
    assert cli.main(["grade", "subs"]) == 2
    assert capsys.readouterr().err == "grader grade: error: subs/: no such folder\n"


def test_a_grader_bug_keeps_its_traceback(monkeypatch):
    def bug(**_):
        raise KeyError("a bug, not an input error")
    monkeypatch.setattr("grader.verbs.grade.main", bug)
    with pytest.raises(KeyError):
        cli.main(["grade", "subs"])


def test_data_errors_become_one_line_data_errors(tmp_path):
    bad = tmp_path / "dataG.pkl.gz"
    bad.write_bytes(b"not gzip")
    from reference.data import read_raw
    with pytest.raises(errors.DataError, match="dataG.pkl.gz"):
        with errors.data_errors():
            read_raw(bad)


def test_a_check_that_crashes_is_a_check_error_with_its_traceback(monkeypatch):
    rub = rubric_mod.load(TEST_RUBRIC)

    def broken(bundle, ctx, spec, names):
        raise ZeroDivisionError("division by zero in a check")
    table = tuple(c._replace(function=broken) if c.name == "net" else c for c in pipeline.PIPELINE)
    monkeypatch.setattr(pipeline, "PIPELINE", table)
    sub = Submission(student_id="s", notebook=None, notes=(), time_source="manifest",
                     submitted_at=datetime(2025, 10, 1, tzinfo=timezone.utc))
    bundle = Bundle(key="k", status="executed")
    result = pipeline.score(sub, bundle, None, rub, only=("net",))
    assert result.status == "check error"
    (net,) = result.checks
    assert net.score == 0 and "the grader failed (ZeroDivisionError" in net.message
    assert "ZeroDivisionError: division by zero in a check" in \
        result.to_dict()["checks"][0]["details"]["traceback"]


def test_the_hidden_characters_scan_misses_none_of_the_whole_code_space():
    everything = (range(0xa0, 0x110000),)
    assert errors.hidden_characters() == errors.hidden_characters(everything)
    assert "\u202e" in errors.hidden_characters() and "\U000e0001" in errors.hidden_characters()
