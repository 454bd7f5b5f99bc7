"""Jinja2 environments for the report templates (``grader/report/templates/*.j2``).

HTML templates are rendered with autoescaping on, so every value a student
controls (ids, check messages quoting their code, notes) is escaped unless a
template marks it safe (none do).  Markdown templates pass every ``{{ value }}``
through ``text.md`` (the Markdown counterpart of autoescaping: backslash
escapes, one line, clipped).  A message in parts goes through the filter
``message`` (``text.html_message``, ``text.md_message``: code as code, every part
escaped), whose Markdown comes out as ``text.Markdown`` and is not escaped again.
"""
from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined

from .text import Markdown, html_message, md, md_message

_OPTIONS = dict(undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                keep_trailing_newline=True)


@lru_cache(maxsize=None)
def _environment(kind: str) -> Environment:
    loader = PackageLoader("grader.report", "templates")
    if kind == "html":
        env = Environment(loader=loader, autoescape=True, **_OPTIONS)
        env.filters["message"] = html_message
        return env
    env = Environment(loader=loader, autoescape=False, finalize=_md_value, **_OPTIONS)
    env.filters["message"] = md_message
    return env


def _md_value(value) -> str:
    return value if isinstance(value, Markdown) else md(value)


def html(template: str, **context) -> str:
    """Render an HTML template (autoescaped)."""
    return _environment("html").get_template(template).render(**context)


def markdown(template: str, **context) -> str:
    """Render a Markdown template (every value escaped with ``md``)."""
    return _environment("md").get_template(template).render(**context)
