"""The integrity page a TA reads (grader/report/integrity.py, templates/integrity.html.j2):
an index of the flagged pairs at the top, code panes that fit a 1280-px window, and the
students whose trained parameters are identical named in the page and in integrity.json.
Pure: findings are built by hand, or analysed from tests/integrity_cases.py's notebooks
with hand-made parameter bundles; no kernels, no browser (the layout is checked on the
page's own stylesheet; the screenshot test measures it in Chromium)."""
import json
import re
from html.parser import HTMLParser

import numpy as np
import pytest
from markupsafe import escape

from grader import integrity
from grader.intake.submissions import Submission
from grader.report import integrity as integrity_report
from grader.rubric import DEFAULT_RUBRIC, load
from tests import integrity_cases as cases
from tests.test_integrity import CTX, THRESHOLD, bundle, params, result, write_notebooks

WINDOW_PX, EM_PX = 1280, 16


class Page(HTMLParser):
    """The rendered page as rows (text and links), ids and headings, in document order."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.rows, self.order, self._row, self._h2, self._a = [], [], None, None, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.order.append(("id", attrs["id"]))
        if tag == "tr":
            self._row = {"text": "", "links": []}
            self.rows.append(self._row)
        if tag == "a" and self._row is not None and attrs.get("href", "").startswith("#"):
            self._a = [attrs["href"][1:], ""]
            self._row["links"].append(self._a)
        if tag == "h2":
            self._h2 = ""

    def handle_endtag(self, tag):
        if tag == "a":
            self._a = None
        if tag == "tr":
            self._row = None
        if tag == "h2":
            self.order.append(("h2", self._h2))
            self._h2 = None

    def handle_data(self, data):
        if self._row is not None:
            self._row["text"] += data + " "
        if self._a is not None:
            self._a[1] += data
        if self._h2 is not None:
            self._h2 += data

    def index_rows(self):
        return [r for r in self.rows if r["links"]]

    def heading_after(self, anchor):
        """The first heading at or after the element with id ``anchor`` (None: no such id)."""
        at = self.order.index(("id", anchor)) if ("id", anchor) in self.order else None
        return None if at is None else next(
            (text for kind, text in self.order[at:] if kind == "h2"), None)


def hand_made():
    """Two flagged pairs (one by code, one by behaviour alone) and one below the threshold."""
    code = {s: f"def {s}_helper(x):\n    return x * {i}\n" * 4
            for i, s in enumerate(["ana", "bob", "cat", "dan", "eve", "fox"])}
    pairs = [
        integrity.Pair("ana", "bob", 0.9731, (0.9731, 0.8812), 412, ([(0, 40)], [(0, 40)]),
                       flagged=True),
        integrity.Pair("cat", "dan", 0.1234, (0.1234, 0.1012), 57,
                       evidence=["identical trained parameters (W1, b1, W2, b2 exactly equal)"],
                       strong=True, flagged=True),
        integrity.Pair("eve", "fox", 0.3012, (0.3012, 0.2511), 96)]
    return integrity.Findings(THRESHOLD, code, pairs, compared=15,
                              baseline={"median": 0.05, "p95": 0.31})


def test_an_index_at_the_top_lists_each_flagged_pair_with_its_scores_and_links_to_it():
    page = Page(integrity_report.integrity_html(hand_made()))
    rows = page.index_rows()
    assert [text for r in rows for _, text in r["links"]] == ["ana and bob", "cat and dan"]
    ana, cat = rows
    assert all(s in ana["text"] for s in ("97.31 %", "88.12 %", "412")), ana
    assert all(s in cat["text"] for s in ("12.34 %", "10.12 %", "identical trained parameters"))
    for row in (ana, cat):
        (anchor, pair), = row["links"]
        assert pair in (page.heading_after(anchor) or ""), (anchor, page.order)
    first_section = page.order.index(("id", ana["links"][0][0]))
    assert page.order.index(("h2", "Index of the pairs below")) < first_section


def test_integrity_json_gives_each_pair_its_section_on_the_page():
    findings = hand_made()
    html = integrity_report.integrity_html(findings)
    sections = {(p["a"], p["b"]): p["section"]
                for p in integrity_report.integrity_json(findings)["pairs"]}
    assert sections[("eve", "fox")] is None          # listed for scale only, no section
    for pair in (("ana", "bob"), ("cat", "dan")):
        assert " and ".join(pair) in Page(html).heading_after(sections[pair]), sections


def stylesheet(html: str) -> dict:
    """{selector: {property: value}} of the page's <style>."""
    css = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    css = re.sub(r"\{#.*?#\}|/\*.*?\*/", "", css, flags=re.S)
    rules = {}
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        decls = dict(d.split(":", 1) for d in body.split(";") if ":" in d)
        for sel in selector.split(","):
            rules.setdefault(sel.strip(), {}).update(
                {k.strip(): v.strip() for k, v in decls.items()})
    return rules


def test_code_panes_share_the_width_of_a_1280_px_window():
    html = integrity_report.integrity_html(hand_made())
    rules = stylesheet(html)
    grids = [r["grid-template-columns"] for r in rules.values() if "grid-template-columns" in r]
    # a 1fr track grows to its longest line; minmax(0, 1fr) keeps both panes half the width
    assert grids and all(t.startswith("minmax(0") for g in grids
                         for t in re.findall(r"minmax\([^)]*\)|\S+", g)), grids
    pre = {k: v for sel, r in rules.items() if sel.split()[-1] == "pre" for k, v in r.items()}
    assert pre.get("white-space") == "pre-wrap" and pre.get("overflow-wrap") == "anywhere" \
        and pre.get("overflow") == "auto", pre
    assert rules["body"].get("overflow-wrap") == "anywhere"     # a long id wraps, too
    sizes = [float(n) * (EM_PX if unit != "px" else 1)
             for n, unit in re.findall(r"(\d+(?:\.\d+)?)(px|r?em)\b",
                                       re.search(r"<style>(.*?)</style>", html, re.S).group(1))]
    assert max(sizes) <= WINDOW_PX, sizes


# --- identical trained parameters, analysed from notebooks ---------------------------

HOSTILE_ID = '<script>alert("eli")</script>'
ANA = "ana-renamed"


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """Ten notebooks: the six honest styles and four planted copies of ana.  Parameters:
    ana and the student with a hostile id exactly equal (float32 and float64 of one
    result), fay and ana's renamed copy equal within 1e-6 (not bit for bit), ben, chen
    and dara the same (3 of 10: the lecture's recipe, not counted), the rest their own."""
    notebooks = {s: cases.filled(a) for s, a in cases.HONEST.items()}
    notebooks.update({f"ana-{k}": nb for k, nb in cases.copies("ana").items() if k != "original"})
    folder = tmp_path_factory.mktemp("identical")
    subs = [Submission(HOSTILE_ID if s.student_id == "eli" else s.student_id, s.notebook,
                       None, "") for s in write_notebooks(folder / "in", notebooks)]
    ids = [s.student_id for s in subs]
    arrays = {s: params(10 + i) for i, s in enumerate(ids)}
    arrays[HOSTILE_ID] = {k: v.astype(np.float64) for k, v in params(0).items()}
    arrays["ana"] = params(0)
    arrays[ANA] = {k: (v.astype(np.float64) * (1 + 1e-8)) for k, v in params(5).items()}
    arrays["fay"] = params(5)
    for s in ("ben", "chen", "dara"):
        arrays[s] = params(7)
    bundles = {s: bundle(s, a) for s, a in arrays.items()}
    written, data = integrity_report.write(subs, [result(s) for s in ids], bundles, CTX,
                                           load(DEFAULT_RUBRIC), folder)
    on_disk = json.loads(written["integrity.json"].read_text("utf-8"))
    assert on_disk == data          # what the class report's table reads is what was written
    return written["integrity.html"].read_text("utf-8"), on_disk


def test_the_page_names_the_students_whose_trained_parameters_are_identical(batch):
    html, _ = batch
    lines = [re.sub(r"<[^>]+>", "", ln) for ln in html.split("<li>")]

    def line(names):
        return next((ln for ln in lines if ", ".join(names) + ":" in ln), "")
    assert "exactly equal" in line([str(escape(HOSTILE_ID)), "ana"])
    assert "within 1e-6" in line([ANA, "fay"]) and "not bit for bit" in line([ANA, "fay"])
    assert "Not counted: 3 of 10" in line(["ben", "chen", "dara"])


def test_integrity_json_names_them_too(batch):
    _, data = batch
    same = sorted(data["identical_trained_parameters"], key=lambda g: g["students"])
    assert same == [
        {"students": [HOSTILE_ID, "ana"], "exactly_equal": True, "flags_pairs": True,
         "recorded_training": [HOSTILE_ID, "ana"]},
        {"students": [ANA, "fay"], "exactly_equal": False, "flags_pairs": True,
         "recorded_training": [ANA, "fay"]},
        {"students": ["ben", "chen", "dara"], "exactly_equal": True, "flags_pairs": False,
         "recorded_training": ["ben", "chen", "dara"]}], same
    assert data["trained_parameters_read"] == 10


def test_hostile_ids_are_escaped_in_the_index_and_the_parameter_list(batch):
    html, _ = batch
    shown = str(escape(HOSTILE_ID))
    link = re.search(r'<a href="#(pair-\d+)">' + re.escape(shown) + " and ana</a>", html)
    assert link and "<script" not in html and f"<strong>{shown}, ana</strong>" in html
    assert f'id="{link.group(1)}"' in html
