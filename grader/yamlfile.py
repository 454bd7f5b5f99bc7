"""The TA's YAML files (``rubric.yaml`` with its extensions, ``overrides.yaml``), read
strictly, in one place.

PyYAML's safe loader takes two things without a useful word: a key given twice in one
mapping (it keeps the last, so a rubric or an override silently says something else
than the line the TA reads first) and deep nesting (its composer recurses once a level:
5,000 levels are a RecursionError traceback).  ``read`` refuses both with one line
naming the line of the file: a repeated key (one that a merge ``<<`` brought in may
still be overridden, as YAML defines), and nesting deeper than ``MAX_DEPTH`` levels (a
rubric has four).
"""
from __future__ import annotations

from pathlib import Path

import yaml

from .errors import one_line

MAX_DEPTH = 64


class Refused(ValueError):
    """YAML that ``read`` will not take; its text is one line saying what and where."""


class _Strict(yaml.SafeLoader):
    """The safe loader, refusing repeated keys and nesting deeper than ``MAX_DEPTH``."""
    depth = 0

    def compose_node(self, parent, index):
        if self.depth >= MAX_DEPTH:
            raise _Unwanted(None, None, f"nested deeper than {MAX_DEPTH} levels",
                            self.peek_event().start_mark)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value if isinstance(node, yaml.MappingNode) else ():
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:                 # unhashable: the safe loader refuses it
                continue
            if first is not None:
                raise _Unwanted(None, None, f"key {str(key)[:60]!r} given twice",
                                key_node.start_mark, f"first at line {first + 1}")
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


class _Unwanted(yaml.MarkedYAMLError):
    """Well-formed YAML that ``_Strict`` refuses."""


def read(path: Path):
    """The YAML document in ``path`` (None when empty).  Raises what reading the file
    raises (FileNotFoundError, OSError, UnicodeDecodeError) and ``Refused`` for YAML it
    will not take: ``not valid YAML at line 3 (...)``, ``key 'points' given twice
    at line 7 (first at line 5)``, ``nested deeper than 64 levels at line 65``."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        return yaml.load(text, Loader=_Strict)
    except _Unwanted as exc:
        raise Refused(f"{exc.problem} at line {exc.problem_mark.line + 1}" +
                      (f" ({exc.note})" if exc.note else "")) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = one_line(exc.problem or exc.context or "")[:200]
        raise Refused("not valid YAML" + (f" at line {mark.line + 1}" if mark else "") +
                      (f" ({what})" if what else "")) from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise Refused(f"not valid YAML ({type(exc).__name__})") from None
