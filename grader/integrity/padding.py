"""What a notebook over the integrity caps is compared on: the code it shares with the class.

A student who pads a copied notebook (a huge comment cell, a huge string, thousands of
``x = 1``, a giant unused function) wants the copied part pushed past a cap.  A notebook
over the caps (``grader/integrity/code.py``) is therefore cut by content, never by
position:

1. ``stripped``: each cell without its comments and blank lines, every string literal
   (a triple-quoted one across lines included) written ``"S"`` after its prefix, which
   is what copydetect's filter makes of a string anyway.  Strings and comments are found
   by Python's own rules (3.11: a comment runs to the end of its line outside strings; a
   string ends at its own unescaped quote, a one-quote string within its line) with one
   regular expression, so any size is cheap; a cell is stripped on its own, so no
   string runs from one cell into the next.  Every line left is one line of code.
2. ``Shared.reduced``: only the lines (identifiers and spaces ignored) that another
   notebook of the batch also has, each at most as often as the notebook that has it
   most often, then at most ``budget`` characters.  A copied part is lines its source
   has; padding is lines nobody else has, or a few common lines repeated.
"""
from __future__ import annotations

import re
from collections import Counter

_LITERAL = re.compile(r"""([rRbBuUfF]{0,2})('''(?:[^\\]|\\.)*?'''|\"\"\"(?:[^\\]|\\.)*?\"\"\""""
                      r"""|'(?:[^\\'\n]|\\.)*'|"(?:[^\\"\n]|\\.)*")|#[^\n]*""", re.S)
_NAME = re.compile(r"[^\W\d]\w*")
_SPACE = re.compile(r"\s+")


def stripped(cells) -> list:
    """[[line of code]] for each cell: comments, blank lines and string contents gone."""
    out = []
    for cell in cells:
        text = _LITERAL.sub(lambda m: m.group(1) + '"S"' if m.group(2) else "", cell)
        out.append([ln for ln in text.split("\n") if ln.strip()])
    return out


def key(line: str) -> str:
    """A line as the filter sees it, near enough: identifiers one letter, no spaces."""
    return _SPACE.sub("", _NAME.sub("V", line))


class Shared:
    """Every notebook's lines of code (``stripped``) by key, to tell what one shares."""

    def __init__(self, lines: dict):
        self.lines = lines
        self.top = {}          # key -> (most uses in one notebook, whose, the next most)
        for sid, cells in lines.items():
            for k, n in Counter(key(ln) for cell in cells for ln in cell).items():
                first, who, second = self.top.get(k, (0, None, 0))
                self.top[k] = (n, sid, first) if n > first else (first, who, max(second, n))

    def quota(self, sid, k) -> int:
        """How often ``sid`` may use line ``k``: as often as another notebook does."""
        first, who, second = self.top.get(k, (0, None, 0))
        return second if who == sid else first

    def reduced(self, sid, budget: int) -> tuple[list, int, bool]:
        """(cells, lines kept, cut): ``sid``'s lines within their quota, at most
        ``budget`` characters of them (``cut``: the budget ended it)."""
        used, cells, size, kept = Counter(), [], 0, 0
        for cell in self.lines.get(sid, []):
            keep = []
            for ln in cell:
                k = key(ln)
                if used[k] < self.quota(sid, k):
                    if size + len(ln) + 1 > budget:
                        return cells + (["\n".join(keep)] if keep else []), kept, True
                    used[k] += 1
                    keep.append(ln)
                    size, kept = size + len(ln) + 1, kept + 1
            if keep:
                cells.append("\n".join(keep))
        return cells, kept, False
