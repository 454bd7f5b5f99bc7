"""Report pages as a reader sees them: opened in headless Chromium at 1280 x 900,
measured for horizontal overflow and saved as full-page screenshots.

Chromium is Debian's (``apt-get install chromium``; the README's second command
installs it when missing), driven by Playwright for Python with no browser download of
its own.  A page may load nothing from outside its file: any other request is refused.
"""
from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

WIDTH, HEIGHT = 1280, 900
# what Chromium needs in a sandboxed machine with no network (Playwright adds --headless
# and a fresh profile folder itself)
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DOCS_HEIGHT = 5000         # a picture for the README keeps the top of a longer page
HOW_TO_INSTALL = ("Chromium not found: install Debian's `chromium` "
                  "(sudo apt-get install -y chromium; the README's second command does it), "
                  "or set GG_CHROMIUM to a Chromium binary")

# Every element that sticks out: past the window's right edge, or wider content than its
# own box, where no scrolling or clipping ancestor (other than the page itself) holds it.
_MEASURE = """(width) => {
  const page = new Set([document.documentElement, document.body]);
  const held = (el) => {
    for (let a = el.parentElement; a && !page.has(a); a = a.parentElement)
      if (getComputedStyle(a).overflowX !== 'visible') return true;
    return false;
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (typeof el.className === 'string' && el.className.trim()
      ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if ((box.width === 0 && box.height === 0) || held(el)) continue;
    const text = (el.textContent || '').trim().slice(0, 60);
    if (box.right > width + 0.5)
      out.push({element: name(el), why: `right edge at ${Math.round(box.right)} px`, text});
    else if (getComputedStyle(el).overflowX === 'visible' && el.clientWidth > 0 &&
             el.scrollWidth > el.clientWidth + 1)
      out.push({element: name(el),
                why: `content ${el.scrollWidth} px wide in a box of ${el.clientWidth} px`, text});
  }
  return {scroll_width: document.documentElement.scrollWidth, overflowing: out};
}"""


@dataclass
class Measured:
    """One page at WIDTH px: the document's width, what sticks out, the screenshot, and
    what the caller's probes (JavaScript functions) returned."""
    scroll_width: int
    overflowing: list
    png: Path
    probes: dict = field(default_factory=dict)

    def overflow(self) -> list:
        """What a reader sees scrolled or cut off: empty when the page fits."""
        wide = ([f"document {self.scroll_width} px wide"] if self.scroll_width > WIDTH else [])
        return wide + [f"{o['element']}: {o['why']} ({o['text']!r})" for o in self.overflowing]


def chromium_path() -> str | None:
    return os.environ.get("GG_CHROMIUM") or shutil.which("chromium")


@contextmanager
def chromium():
    """A headless Chromium; yields ``measure(html, png, probes={}) -> Measured``."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=FLAGS)
        try:
            yield lambda html, png, probes=None: _measure(browser, html, png, probes or {})
        finally:
            browser.close()


def _measure(browser, html: Path, png: Path, probes: dict) -> Measured:
    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    try:
        page.route("**/*", lambda route: route.continue_()
                   if route.request.url.startswith(("file:", "data:")) else route.abort())
        page.goto(Path(html).resolve().as_uri(), wait_until="load")
        found = page.evaluate(_MEASURE, WIDTH)
        png.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(png), full_page=True)
        return Measured(found["scroll_width"], found["overflowing"], png,
                        {name: page.evaluate(js) for name, js in probes.items()})
    finally:
        page.close()


def copy_for_docs(png: Path, folder: Path) -> Path:
    """``png`` into ``folder`` under its name, cut to DOCS_HEIGHT px and reduced to 256
    colours, so the README's pictures stay small."""
    from PIL import Image
    folder.mkdir(parents=True, exist_ok=True)
    with Image.open(png) as im:
        top = im.convert("RGB").crop((0, 0, im.width, min(im.height, DOCS_HEIGHT)))
    top.quantize(256).save(folder / png.name, optimize=True)
    return folder / png.name
