"""What `grader check` prints (issue 25 items 6 and 13): titled as the TA's check, in
aligned columns, and `--quick` saying how it shortens training.  No kernel: the result
is built by hand."""
import re

from grader.graded import QUICK_CELL_SECONDS
from grader.results import CheckResult, SubmissionResult
from grader.verbs.check import format_result


def result():
    checks = [CheckResult("data_prep", 5, 5, "shapes and scaling right"),
              CheckResult("net", 0, 15, "raised NotImplementedError"),
              CheckResult("loss_grad", 7.5, 15, "gW1 wrong"),
              CheckResult("extra_credit", 5, 5, "batch gradient right", extra_credit=True)]
    return SubmissionResult("ada", checks, late=None, final=17.5, notebook="ada.ipynb")


def test_check_is_titled_as_the_tas_check_with_aligned_columns():
    lines = format_result(result()).splitlines()
    assert lines[0].startswith("TA's check of ada.ipynb") and "Self-check" not in lines[0]
    rows = [line for line in lines if re.match(r"  \[(PASS|FAIL)\]", line)]
    assert len(rows) == 4
    starts = {line.index(text) for line, text in zip(rows, ("shapes", "raised", "gW1", "batch"))}
    assert len(starts) == 1, rows                      # every message starts in one column
    ends = {line.index(points) + len(points) for line, points in
            zip(rows, ("5/5", "0/15", "7.5/15", "5/5"))}
    assert len(ends) == 1, rows                        # points right-aligned


def test_quick_says_how_it_shortens_training(capsys):
    title = format_result(result(), quick=True).splitlines()[0]
    assert f"each cell stopped after {QUICK_CELL_SECONDS} s" in title
    from grader import cli
    try:
        cli.main(["check", "--help"])
    except SystemExit:
        pass
    assert f"stopped after {QUICK_CELL_SECONDS} s" in " ".join(capsys.readouterr().out.split())


def test_stub_message_names_the_function_still_a_stub():
    from grader.run.kernel_probe import _Caller

    def net(params, image):
        raise NotImplementedError()

    def loss(params, image, label):
        return net(params, image)
    meta = {"errors": {}, "found": {}}
    call = _Caller(meta, 5, 10)
    call("net/0", lambda: net(None, None))
    call("loss/0", lambda: loss(None, None, None))
    call("fraction_correct/0", lambda: 1 / 0)
    assert meta["errors"] == {"net/0": "NotImplementedError (`net` is still the stub)",
                              "loss/0": "NotImplementedError (`net` is still the stub)",
                              "fraction_correct/0": "ZeroDivisionError: division by zero"}
