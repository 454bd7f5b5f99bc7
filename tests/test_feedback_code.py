"""Issue 25 item 4: code in check messages renders as code (HTML <code>, a Markdown code
span, Gradescope's html output) and only what the notebook supplied is escaped, on
hand-built results (no kernel)."""
import re

from grader.intake.overrides import Override, apply
from grader.message import CODE, STUDENT, TEXT, parse, say, student
from grader.report import feedback, gradescope, view
from grader.report.text import md_message
from grader.results import CheckResult, SubmissionResult
from tests import report_cases

HOSTILE = "ValueError: `rm -rf` <script>alert(1)</script> a|b\nnext line \u202eevil"


def result(*checks):
    late = report_cases._lates()["on_time"]
    return SubmissionResult("ann", list(checks), late=late, final=10.0, accuracy=0.7,
                            history=[0.3, 0.7])


def pages(*checks):
    fb = view.build(result(*checks))
    return feedback.html_page(fb), feedback.markdown(fb)


def row_of(md_text, name):
    return next(line for line in md_text.splitlines() if line.startswith(f"| {name} |"))


def test_a_message_made_without_parts_shows_its_code_as_code():
    """Results cached before parts existed: the grader's backticks are read."""
    html, md = pages(CheckResult("net", 0, 15, "`net` outputs differ; use `jnp.tanh`"))
    assert "<code>net</code> outputs differ; use <code>jnp.tanh</code>" in html
    assert "`net`" not in html
    assert "| `net` outputs differ; use `jnp.tanh` |" in md and r"\`net\`" not in md


def test_student_text_is_escaped_and_never_markup():
    msg = say("could not check `{label}`: {why}", label="net", why=student(HOSTILE))
    check = CheckResult("net", 0, 15, msg)
    assert check.message == f"could not check `net`: {HOSTILE}"        # grades.json, console
    assert check.parts[-1] == (STUDENT, HOSTILE) and check.parts[1] == (CODE, "net")
    assert "parts" not in check.to_dict()
    html, md = pages(check)
    cell = re.search(r"<td>could not check .*?</td>", html)[0]
    assert cell.startswith("<td>could not check <code>net</code>: ValueError: `rm -rf` "
                           "&lt;script&gt;alert(1)&lt;/script&gt; a|b next line \\u202eevil")
    assert "<script>" not in html and "\u202e" not in html and "<code>rm" not in html
    row = row_of(md, "net")
    assert "could not check `net`: ValueError: \\`rm -rf\\` \\<script\\>" in row
    assert "a\\|b next line \\\\u202eevil |" in row and "\u202e" not in md
    assert len(re.findall(r"(?<!\\)\|", row)) == 6          # five cells, none added
    assert "next line" not in md.replace(row, "")           # the newline broke no row


def test_code_quoted_from_the_notebook_gets_a_longer_fence():
    msg = say("found as `{name}` and `{pipe}`", name=student("a`b"), pipe=student("x|y"))
    assert msg.parts == ((TEXT, "found as "), (CODE, "a`b"), (TEXT, " and "), (CODE, "x|y"))
    assert str(msg) == "found as ``a`b`` and `x|y`"
    _, md = pages(CheckResult("extra_credit", 0, 5, msg, extra_credit=True))
    assert "found as ``a`b`` and `x\\|y` |" in row_of(md, "extra_credit")
    assert md_message(parse("`` `x` ``")) == "`` `x` ``"
    assert md_message(((CODE, "`x"),)) == "`` `x ``"


def test_parts_that_are_not_the_message_are_not_used():
    """A message rewritten without its parts: its own backticks are read instead."""
    check = CheckResult("net", 0, 15, "`net` is wrong", parts=((TEXT, "something else"),))
    html, _ = pages(check)
    assert "<code>net</code> is wrong" in html and "something else" not in html


def test_an_override_keeps_the_graders_parts():
    msg = say("could not check `net`: {why}", why=student("bad `x`"))
    over = apply([CheckResult("net", 0, 15, msg)], {"net": Override(5.0, "see `net`")})[0]
    assert over.message == "TA override to 5: see `net` (the grader gave 0: could not check " \
                           "`net`: bad `x`)"
    html, _ = pages(over)
    assert "see <code>net</code> (the grader gave 0: could not check <code>net</code>: bad `x`)" \
        in html


def test_gradescope_tests_are_html_with_code():
    r = result(CheckResult("net", 0, 15, say("`net` failed: {e}", e=student(HOSTILE))))
    test = gradescope.results_json(r)["tests"][0]
    assert test["output_format"] == "html"
    assert test["output"].startswith("<code>net</code> failed: ValueError: `rm -rf` &lt;script&gt;")
    assert "<script>" not in test["output"] and "\u202e" not in test["output"]


def test_a_long_message_is_cut_in_parts():
    check = CheckResult("net", 0, 15, say("`net`: {e}", e=student("x" * 5000)))
    row = view.row(check)
    assert row.parts[0] == (CODE, "net") and sum(len(t) for _, t in row.parts) < 2100
    assert row.parts[-1][1].endswith("more characters cut]")


def test_say_keeps_the_plain_message_in_the_graders_convention():
    msg = say("no trained `{name}` found ({err}); {n:.3f}", name=student("p`"),
              err=student("`x`"), n=0.5)
    assert str(msg) == "no trained `` p` `` found (`x`); 0.500"
    assert parse(str(msg))[1] == (CODE, "p`")
    assert msg.parts == ((TEXT, "no trained "), (CODE, "p`"), (TEXT, " found ("),
                         (STUDENT, "`x`"), (TEXT, "); 0.500"))


def test_notes_show_their_code_as_code_and_escape_the_rest():
    """A note in the grader's convention (a stopped cell named by its first line) shows
    that line as code on both pages; the rest of the note is escaped."""
    r = result(CheckResult("net", 15, 15, "ok"))
    r.notes = ["code cell 3 (`for step in range(n):`) stopped <b>at</b> the 25 s time limit"]
    fb = view.build(r)
    html, md = feedback.html_page(fb), feedback.markdown(fb)
    assert ("<li>code cell 3 (<code>for step in range(n):</code>) stopped &lt;b&gt;at&lt;/b&gt; "
            "the 25 s time limit</li>") in html
    assert "- code cell 3 (`for step in range(n):`) stopped \\<b\\>at\\</b\\> the 25 s" in md
