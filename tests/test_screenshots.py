"""The pages people read, as they see them: the fixture batch's feedback pages (full marks
and failing), class report and integrity report opened in headless Chromium 1280 px wide
(tests/browser.py): nothing sticks out past the window or out of its box, and check
messages show code as code.  Each page's full-page screenshot is kept under the test's
temporary folder and, when GG_SCREENSHOTS_TO names a folder, copied there (the top
browser.DOCS_HEIGHT px, in 256 colours):

    GG_SCREENSHOTS_TO=docs/img python -m pytest -q tests/test_screenshots.py

refreshes the README's pictures.  Without Chromium these tests skip and say how to
install it, except under CI=true, where they fail: CI must run them.
"""
import importlib.util
import os
from pathlib import Path

import pytest

from tests import browser

# picture name -> page in the graded fixture batch's output (tests/conftest.py: graded)
PAGES = {"feedback_full_marks": "feedback/full_marks.html",
         "feedback_failing": "feedback/fails_sigmoid_typo.html",
         "class_report": "class_report.html",
         "integrity_report": "integrity.html"}
FEEDBACK = ("feedback_full_marks", "feedback_failing")

# Each reason cell of a feedback page's checks table (the last column of its first table):
# the text a reader sees outside <code> elements, and the text inside them.
MESSAGES = """() => {
  const table = document.querySelector('table');
  if (!table) return [];
  return [...table.querySelectorAll('tr')].filter(tr => tr.querySelector('td')).map(tr => {
    const cell = tr.querySelector('td:last-child').cloneNode(true);
    const code = [...cell.querySelectorAll('code')].map(c => c.textContent);
    cell.querySelectorAll('code').forEach(c => c.remove());
    return {text: cell.textContent, code};
  });
}"""


@pytest.fixture(scope="module")
def measure():
    """``measure(html, png, probes) -> browser.Measured`` in one headless Chromium."""
    missing = ("playwright is not installed: pip install -e '.[test]'"
               if _no_playwright() else None) or (
               None if browser.chromium_path() else browser.HOW_TO_INSTALL)
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the page layout tests: {missing}")
        pytest.skip(missing)
    with browser.chromium() as run:
        yield run


def _no_playwright() -> bool:
    return importlib.util.find_spec("playwright") is None


def _shot(measure, html: Path, name: str, folder: Path, probes=None) -> browser.Measured:
    """Measure and screenshot one page; copy the picture to GG_SCREENSHOTS_TO if set."""
    found = measure(html, folder / f"{name}.png", probes)
    if os.environ.get("GG_SCREENSHOTS_TO"):
        browser.copy_for_docs(found.png, Path(os.environ["GG_SCREENSHOTS_TO"]))
    return found


@pytest.fixture(scope="module")
def pages(measure, graded, tmp_path_factory):
    """Every page of PAGES measured and photographed once (the batch graded once for the
    whole session by conftest's ``graded``)."""
    folder = tmp_path_factory.mktemp("screenshots")
    return {name: _shot(measure, graded["out"] / page, name, folder,
                        {"messages": MESSAGES} if name in FEEDBACK else None)
            for name, page in PAGES.items()}


@pytest.mark.parametrize("name", PAGES)
def test_the_page_fits_a_1280_px_window(pages, name):
    shot = pages[name]
    assert shot.png.stat().st_size > 10_000          # a real picture, not a blank page
    assert shot.overflow() == [], f"{name} ({shot.png}) sticks out at {browser.WIDTH} px"


@pytest.mark.parametrize("name", FEEDBACK)
def test_check_messages_show_code_as_code(pages, name):
    messages = pages[name].probes["messages"]
    assert messages, f"{name}: no checks table found"
    raw = [m["text"] for m in messages if "`" in m["text"]]
    assert raw == [], f"{name}: backticks shown as text instead of code"
    assert any(m["code"] for m in messages)     # both name the functions they checked


# --- the measurement itself, on pages made to stick out (no kernels) -------------------

WIDE = "x" * 400           # about 3,000 px of monospace
# case -> (body, elements flagged at least, whether the document itself gets wider)
CASES = {
    "fits": ("<p>short text</p><div style='overflow-x:auto'><pre>" + WIDE + "</pre></div>",
             set(), False),
    "wide pre": ("<pre>" + WIDE + "</pre>", {"pre"}, True),
    "wide table": (f"<table><tr><td>{WIDE}</td></tr></table>", {"table", "td"}, True),
    "spills from its box": ("<div class='box' style='width:200px'><code style='white-space:"
                            "nowrap'>" + "long_name_" * 10 + "</code></div>", {"div.box"}, False),
}


@pytest.mark.parametrize("case", CASES)
def test_the_measurement_finds_what_sticks_out(measure, tmp_path, case):
    body, expected, wider = CASES[case]
    html = tmp_path / "page.html"
    html.write_text(f"<!DOCTYPE html><html><body style='margin:8px'>{body}</body></html>")
    shot = measure(html, tmp_path / "page.png")
    flagged = {o["element"] for o in shot.overflowing}
    assert expected <= flagged and bool(flagged) == bool(expected), flagged
    assert (shot.scroll_width > browser.WIDTH) == wider
    assert (shot.overflow() == []) == (not expected)
    assert shot.png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_long_page_is_kept_whole_and_cut_for_the_readme(measure, tmp_path):
    from PIL import Image
    html = tmp_path / "long.html"
    html.write_text(f"<div style='height:{browser.DOCS_HEIGHT + 3000}px;background:#cde'>"
                    "</div>")
    shot = measure(html, tmp_path / "shots" / "long.png")
    docs = browser.copy_for_docs(shot.png, tmp_path / "docs")
    with Image.open(shot.png) as whole, Image.open(docs) as cut:
        assert whole.size[0] == cut.size[0] == browser.WIDTH
        assert whole.size[1] > browser.DOCS_HEIGHT == cut.size[1]
