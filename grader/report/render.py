"""Jinja2 environments for the report templates (``grader/report/templates/*.j2``).

HTML templates are rendered with autoescaping on, so every value a student
controls (ids, check messages quoting their code, notes) is escaped unless a
template marks it safe (none do).  Markdown templates pass every ``{{ value }}``
through ``text.md`` (the Markdown counterpart of autoescaping: backslash
escapes, one line, clipped).
"""
from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined

from .text import md

_OPTIONS = dict(undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                keep_trailing_newline=True)


@lru_cache(maxsize=None)
def _environment(kind: str) -> Environment:
    loader = PackageLoader("grader.report", "templates")
    if kind == "html":
        return Environment(loader=loader, autoescape=True, **_OPTIONS)
    return Environment(loader=loader, autoescape=False, finalize=md, **_OPTIONS)


def html(template: str, **context) -> str:
    """Render an HTML template (autoescaped)."""
    return _environment("html").get_template(template).render(**context)


def markdown(template: str, **context) -> str:
    """Render a Markdown template (every value escaped with ``md``)."""
    return _environment("md").get_template(template).render(**context)
