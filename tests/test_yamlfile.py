"""The TA's YAML files are read strictly, in one place (grader/yamlfile.py; issue 22,
item 10): a key given twice and nesting 5,000 deep are one line naming the file and the
line, through rubric.yaml and overrides.yaml alike (before: the last key won silently,
and the nesting was a RecursionError traceback)."""
import pytest

from grader.intake import overrides
from grader import rubric, yamlfile
from grader.errors import InputError, RubricError
from tests.report_cases import RUBRIC

DEEP = "ada: " + "[" * 5000 + "]" * 5000 + "\n"
DEEP_BLOCK = "".join("  " * i + f"k{i}:\n" for i in range(5000)) + "  " * 5000 + "v\n"
TWICE = 'ada:\n  plot: {points: 10, reason: "PDF"}\n  plot: {points: 0, reason: "x"}\n'
TWICE_RUBRIC = "checks:\n  net:\n    points: 5\n    points: 50\n"


@pytest.mark.parametrize("text,words", [
    (DEEP, "nested deeper than 64 levels at line 1"),
    (DEEP_BLOCK, "nested deeper than 64 levels at line 64"),
    (TWICE, "key 'plot' given twice at line 3 (first at line 2)"),
    ("ada: {plot: 1, plot: 2}\n", "key 'plot' given twice at line 1 (first at line 1)"),
    ("ada: [unclosed\n", "not valid YAML at line 2 (expected ',' or ']'"),
])
def test_refused_yaml_is_one_line_saying_where(tmp_path, text, words):
    path = tmp_path / "f.yaml"
    path.write_text(text)
    with pytest.raises(yamlfile.Refused) as err:
        yamlfile.read(path)
    assert str(err.value).startswith(words) and "\n" not in str(err.value)


def test_merge_keys_may_still_be_overridden_and_60_levels_read(tmp_path):
    path = tmp_path / "f.yaml"
    path.write_text("base: &b {points: 1, reason: r}\nada:\n  <<: *b\n  points: 2\n"
                    "deep: " + "[" * 60 + "]" * 60 + "\n")
    got = yamlfile.read(path)
    assert got["ada"] == {"points": 2, "reason": "r"}
    nest = got["deep"]
    for _ in range(59):
        nest = nest[0]
    assert nest == []


@pytest.mark.parametrize("text,words", [
    (DEEP, "nested deeper than 64 levels at line 1"),
    (TWICE, "key 'plot' given twice at line 3 (first at line 2)"),
])
def test_overrides_yaml(tmp_path, text, words):
    path = tmp_path / "overrides.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        overrides.load(path, rubric=RUBRIC)
    assert str(err.value) == f"{path}: cannot read overrides: {words}"


@pytest.mark.parametrize("text,words", [
    ("checks: " + "[" * 5000 + "]" * 5000 + "\n", "nested deeper than 64 levels at line 1"),
    (TWICE_RUBRIC, "key 'points' given twice at line 4 (first at line 3)"),
    ("checks: {net: {points: 5}}\nextensions:\n  ada: '2025-11-01 12:00 UTC'\n"
     "  ada: '2025-12-01 12:00 UTC'\n", "key 'ada' given twice at line 4 (first at line 3)"),
])
def test_rubric_yaml_and_its_extensions(tmp_path, text, words):
    path = tmp_path / "rubric.yaml"
    path.write_text(text)
    with pytest.raises(RubricError) as err:
        rubric.load(path)
    assert str(err.value) == f"{path}: {words}"
