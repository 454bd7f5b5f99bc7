"""The class report answers a TA (issue 25 item 10), from hand-made results (no kernels):
who needs attention first and why, each student's failed checks and lateness, pass-rate
bars coloured by rate, notebooks not graded counted apart, whole-number histogram
counts and a legend on every chart."""
from datetime import timedelta
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from matplotlib.colors import to_hex

from grader import report
from grader.integrity import Findings, Pair
from grader.late import assess
from grader.report import class_page, class_report, integrity as integrity_report
from grader.report.attention import Flagged, flagged_pairs
from grader.report.text import file_names
from grader.results import CheckResult, SubmissionResult
from tests import report_cases

DEADLINE = report_cases.DEADLINE
RUBRIC = report_cases.RUBRIC
WEIRD = '<b>&"x'


def checks(data=5, net=15, loss=10, acc=60, plot=10, extra=0, *, plot_override=None):
    out = [CheckResult("data_prep", data, 5, "ok"), CheckResult("net", net, 15, "ok"),
           CheckResult("loss", loss, 10, "ok"), CheckResult("trained_accuracy", acc, 60, "ok"),
           CheckResult("plot", plot, 10, "ok"),
           CheckResult("extra_credit", extra, 5, "ok", extra_credit=True)]
    if plot_override is not None:
        points, reason = plot_override
        out[4] = CheckResult("plot", points, 10, "TA override", details={
            "override": {"points": points, "reason": reason, "grader_points": plot}})
    return out


def result(sid, cks, *, after=timedelta(hours=-1), extension=None, status="graded",
           notes=(), unknown_time=False):
    late = assess(None if unknown_time else DEADLINE + after, deadline=DEADLINE,
                  extension=extension)
    raw = round(sum(c.score for c in cks), 4)
    return SubmissionResult(sid, cks, late=late, final=round(raw * late.multiplier, 2),
                            status=status, notes=list(notes), seconds=2.0, accuracy=0.7)


def batch():
    """ada full marks; bob below the pass mark; carol not run; dan no time; eve and fay a
    flagged pair; gus overridden; hal on time thanks to an extension; ivy late; WEIRD (an
    id that needs escaping) below the pass mark."""
    not_run = [CheckResult(n, 0, p, "not checked: notebook timed out", extra_credit=n ==
                           "extra_credit")
               for n, p in (("data_prep", 5), ("net", 15), ("loss", 10),
                            ("trained_accuracy", 60), ("plot", 10), ("extra_credit", 5))]
    return [result("ada", checks(extra=5)),
            result("bob", checks(loss=0, acc=25)),
            result("carol", not_run, status="not graded", notes=["not run: timed out"]),
            result("dan", checks(), unknown_time=True),
            result("eve", checks()), result("fay", checks()),
            result("gus", checks(plot=0, plot_override=(10, "markers visible in her PDF"))),
            result("hal", checks(), after=timedelta(days=1),
                   extension=DEADLINE + timedelta(days=3)),
            result("ivy", checks(), after=timedelta(hours=3, minutes=12)),
            result(WEIRD, checks(net=0, loss=0, acc=0))]


FLAGGED = [Flagged("eve", "fay", "code similarity 92 %", "integrity.html#pair-1")]


class Tables(HTMLParser):
    """Every <table class=...> of a page: rows of cells, each (text, [hrefs])."""

    def __init__(self, page):
        super().__init__()
        self.tables, self._table, self._cell = {}, None, None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._table = self.tables.setdefault(attrs.get("class", ""), [])
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = ["", []]
        elif tag == "a" and self._cell is not None:
            self._cell[1].append(attrs.get("href"))
        elif tag == "li" and self._cell is not None and self._cell[0]:
            self._cell[0] += " | "

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._table[-1].append((self._cell[0].strip(), self._cell[1]))
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[0] += data


def page(results=None, flagged=FLAGGED):
    results = sorted(results or batch(), key=lambda r: r.student_id)
    stems = file_names([r.student_id for r in results])
    rates = class_report.pass_rates(results, RUBRIC)
    return class_page.class_report_html(results, {"class_grades.png": b"png"}, rates=rates,
                                        stems=stems, flagged=flagged)


def rows(text, table):
    """{first cell's text: the row's cells} of one table (header row left out)."""
    found = Tables(text).tables[table]
    head = [c for c, _ in found[0]]
    return {r[0][0]: dict(zip(head, r)) for r in found[1:]}


def test_needs_attention_comes_first_with_each_students_reasons():
    text = page()
    assert text.index('<h2 id="attention">Needs attention</h2>') < text.index("<img") < \
        text.index("<h2>Students</h2>")
    table = rows(text, "attention")
    assert set(table) == {"bob", "carol", "dan", "eve", "fay", "gus", WEIRD}
    why = {sid: row["why"][0].split(" | ") for sid, row in table.items()}
    assert why["bob"] == ["below the pass mark: final 55, pass mark 60 (60 % of 100)"]
    assert why["carol"] == ["not graded (not run: timed out)"]
    assert why["dan"] == ["submission time unknown: no late penalty applied"]
    assert why["eve"] == ["flagged by the integrity check with fay: code similarity 92 %"]
    assert why["fay"] == ["flagged by the integrity check with eve: code similarity 92 %"]
    assert why["gus"] == ["TA override: plot 10 of 10 (the grader gave 0): "
                          "markers visible in her PDF"]
    assert why[WEIRD] == ["below the pass mark: final 15, pass mark 60 (60 % of 100)"]
    assert table["eve"]["why"][1] == ["integrity.html#pair-1"]
    stems = file_names(sorted(r.student_id for r in batch()))
    for sid, row in table.items():                     # each name opens their feedback
        assert row["student"][1] == [f"feedback/{stems[sid]}.html"]
    assert "&lt;b&gt;&amp;&#34;x" in text and WEIRD not in text


def test_below_the_pass_mark_is_sixty_percent_of_the_points_possible():
    bob = rows(page(), "attention")["bob"]["why"][0]
    assert bob == "below the pass mark: final 55, pass mark 60 (60 % of 100)"
    nobody = page([result("ada", checks())], flagged=[])
    assert "Nobody:" in nobody and "<table class=\"attention\">" not in nobody


def test_students_table_names_failed_checks_and_how_late():
    table = rows(page(), "students")
    assert table["bob"]["failed checks"][0] == "loss, trained_accuracy"
    assert table[WEIRD]["failed checks"][0] == "net, loss, trained_accuracy"
    assert table["ada"]["failed checks"][0] == ""       # extra credit earned
    assert table["eve"]["failed checks"][0] == ""       # extra credit not earned: no failure
    assert table["carol"]["failed checks"][0] == ""     # not run: nothing was checked
    assert table["hal"]["late"][0] == "no (ext)"
    assert table["ivy"]["late"][0] == "3 h 12 min"
    assert table["dan"]["late"][0] == "unknown"
    assert table["ada"]["late"][0] == "no"


def test_not_graded_notebooks_are_counted_apart():
    results = [result("ada", checks()), result("bob", checks(loss=0, acc=25)),
               result("carol", [CheckResult("net", 0, 15, "not checked: timed out")],
                      status="not graded", notes=["not run: timed out"])]
    assert class_report.pass_rates(results, RUBRIC)[1] == ("net", 2, 2)
    text = page(results, flagged=[])
    assert "mean final 77.5" in text and "median final 77.5" in text   # not (100+55+0)/3
    assert "1 not graded, counted apart" in text
    net = rows(text, "rates")["net"]
    assert (net["passed"][0], net["checked"][0], net["%"][0]) == ("2", "2", "100")


def test_a_crashed_check_is_left_out_of_its_pass_rate_only():
    crashed = checks()
    crashed[2] = CheckResult("loss", 0, 10, "could not check", details={"traceback": "x"})
    results = [result("ada", checks()), result("bob", crashed, status="check error")]
    rates = dict((n, (p, t)) for n, p, t in class_report.pass_rates(results, RUBRIC))
    assert rates["loss"] == (1, 1) and rates["net"] == (2, 2)
    why = rows(page(results, flagged=[]), "attention")["bob"]["why"][0]
    assert why.startswith("check error: the grader failed on loss")


@pytest.fixture
def figures(monkeypatch):
    """The class charts' figures, drawn, instead of PNG bytes."""
    drawn = []

    def keep(fig):
        fig.canvas.draw()
        drawn.append(fig)
        return b""
    monkeypatch.setattr(class_report, "png_bytes", keep)
    return drawn


def test_the_histogram_counts_whole_students_and_leaves_the_not_graded_out(figures):
    class_report.grade_histogram(batch()[:2])        # one student per bar: 0.2 steps before
    ax = figures[0].axes[0]
    ticks = [t for t in ax.get_yticks() if ax.get_ylim()[0] <= t <= ax.get_ylim()[1]]
    assert len(ticks) >= 2 and all(float(t).is_integer() for t in ticks), ticks
    results = batch()
    class_report.grade_histogram(results)
    ax = figures[1].axes[0]
    assert sum(p.get_height() for p in ax.patches) == len(results) - 1     # carol apart
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "1 not graded, counted apart" in labels and "pass mark 60" in labels


def test_pass_rate_bars_are_coloured_by_rate_with_a_legend(figures):
    class_report.pass_rate_chart([("low", 1, 4), ("mid", 3, 5), ("high", 4, 4)], 2)
    ax = figures[0].axes[0]
    colours = [to_hex(b.get_facecolor()) for b in ax.patches[:3]]
    assert colours == ["#d62728", "#f0a30a", "#2ca02c"]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["below 50 %", "50 % to under 80 %", "80 % or more",
                      "2 not graded, counted apart"]
    text = page()
    assert "below 50 %" in text and "80 % or more" in text       # the page's legend
    assert 'style="width:100%;background:#2ca02c"' in text        # data_prep: 9 of 9


def test_every_chart_has_a_legend(figures):
    results = sorted(batch(), key=lambda r: r.student_id)
    class_report._charts(results, class_report.pass_rates(results, RUBRIC), 0.66, 0.6)
    class_report._charts(results[:1], [], None, 0.6)   # one student, no threshold
    assert len(figures) == 8
    for fig in figures:
        legend = fig.axes[0].get_legend()
        assert legend is not None and any(t.get_text() for t in legend.get_texts()), \
            fig.axes[0].get_title()


BASELINE = {"median": 0.1, "p95": 0.3}


def test_flagged_pairs_link_to_their_place_on_the_integrity_page():
    pairs = [Pair("a1", "a2", 0.95, (0.95, 0.9), 500, flagged=True),
             Pair("b1", "b2", 0.3, (0.3, 0.2), 200, evidence=["same wrong net output"],
                  strong=True, flagged=True),
             Pair("c1", "c2", 0.2, (0.2, 0.1), 50, evidence=["same parameters, untrained"]),
             Pair("d1", "d2", 0.7, (0.7, 0.6), 300, flagged=True)]
    findings = Findings(0.6, {s: "x = 1\n" for p in pairs for s in (p.a, p.b)}, pairs,
                        baseline=BASELINE)
    found = flagged_pairs(integrity_report.integrity_json(findings))
    assert [(f.a, f.b, f.why) for f in found] == [
        ("a1", "a2", "code similarity 95 %"),
        ("b1", "b2", "code similarity 30 %, behaviour evidence"),
        ("d1", "d2", "code similarity 70 %")]
    html = integrity_report.integrity_html(findings)
    for f in found:
        anchor = f.link.split("#")[1]
        assert f.link.startswith("integrity.html#")
        assert f'id="{anchor}"' in html
        at = html.index(f'id="{anchor}"')
        assert f.a in html[at:at + 600] and f.b in html[at:at + 600]


def test_grading_writes_the_integrity_flags_into_the_class_report(tmp_path, monkeypatch):
    results = batch()
    pair = Pair("eve", "fay", 0.92, (0.92, 0.9), 800, flagged=True)
    monkeypatch.setattr(integrity_report.integrity, "analyse",
                        lambda *a, **k: Findings(0.6, {"eve": "x", "fay": "x"}, [pair],
                                                     baseline=BASELINE))
    graded = SimpleNamespace(results=results, submissions=[], bundles={}, ctx=None,
                             rubric=RUBRIC, problems=(), protections="",
                             timings_until_now=lambda: {}, chart_dir=None,
                             lexed_dir=None)
    report.write(graded, tmp_path)
    text = (tmp_path / "class_report.html").read_text("utf-8")
    why = rows(text, "attention")["eve"]["why"]
    assert why == ("flagged by the integrity check with fay: code similarity 92 %",
                   ["integrity.html#pair-1"])


def test_a_student_in_many_flagged_pairs_gets_one_line_naming_the_closest():
    """A class that all shares one piece of work: each student one summary line (the
    three closest named, the rest counted, linking to the integrity index), not a line
    per pair."""
    others = [f"s{i}" for i in range(6)]
    flagged = [Flagged("ada", o, f"code similarity {99 - i} %", f"integrity.html#pair-{i + 1}")
               for i, o in enumerate(others)]
    why = rows(page([result("ada", checks())], flagged=flagged), "attention")["ada"]["why"]
    assert why[0] == ("flagged by the integrity check in 6 pairs: s0 (code similarity 99 %); "
                      "s1 (code similarity 98 %); s2 (code similarity 97 %); and 3 more "
                      "(the integrity report's index lists them)")
    assert why[1] == ["integrity.html"]


def test_the_rubric_sets_the_pass_mark(tmp_path):
    """report.pass_percent: bob's 55 of 100 passes at 50 %, the page and the histogram
    say 50; the default (no report key) is 60 %."""
    from dataclasses import replace
    from grader.rubric import Report
    assert class_report.attention.pass_fraction(RUBRIC) == 0.6
    results = batch()
    rubric = replace(RUBRIC, report=Report(pass_percent=50))
    class_report.write_class_report(results, tmp_path, rubric=rubric,
                                    stems=file_names([r.student_id for r in results]))
    text = (tmp_path / "class_report.html").read_text()
    table = rows(text, "attention")
    assert "bob" not in table and "50 % of the points possible" in text, text[:3000]
    assert table[WEIRD]["why"][0] == "below the pass mark: final 15, pass mark 50 (50 % of 100)"
