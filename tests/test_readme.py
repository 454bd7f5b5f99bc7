import re
import textwrap

from tests.conftest import ROOT


def test_ci_runs_the_readme_test_command():
    blocks = re.findall(r"```bash\n(.*?)\n```", (ROOT / "README.md").read_text(), re.S)
    assert len(blocks) >= 2
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1]
    assert ci == blocks[1].strip()
    assert "grader grade" in blocks[0]
    # Chromium (the report layout tests) is installed before the venv, by root or sudo
    assert blocks[1].index("apt-get install -y -qq chromium") < blocks[1].index("-m venv")
    assert "sudo" in blocks[1] and 'id -u' in blocks[1]


def _section(title: str) -> str:
    text = (ROOT / "README.md").read_text()
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end > 0 else None]


def test_the_readme_leads_a_newcomer_from_the_first_run_to_their_own_course():
    text = (ROOT / "README.md").read_text()
    first = text[:text.index("## Grade your own course")]
    assert "open `grading-output/class_report.html`" in first
    assert "grading-output/previous/" in first
    own = _section("Grade your own course")
    assert "cp rubric.yaml mycourse/rubric.yaml" in own and "grader list" in own
    assert "a notebook" in own and "2 cores" in own          # how long, on what


def test_the_course_keys_the_readme_tells_a_ta_to_set_load(tmp_path):
    """The YAML of 'Grade your own course', put into a copy of the course rubric with a
    data file beside it, is a rubric the grader accepts with those values."""
    import yaml
    from grader import rubric
    snippet = re.search(r"```yaml\n(.*?)```", _section("Grade your own course"), re.S).group(1)
    keys = yaml.safe_load(textwrap.dedent(snippet))
    course = yaml.safe_load((ROOT / "rubric.yaml").read_text())
    course["data"].update(keys.pop("data"))
    course.update(keys)
    (tmp_path / "rubric.yaml").write_text(yaml.safe_dump(course))
    (tmp_path / "dataG.pkl.gz").write_bytes(b"")
    rub = rubric.load(tmp_path / "rubric.yaml")
    assert rub.timestamp_zone == "America/New_York" and rub.data_path() == tmp_path / "dataG.pkl.gz"
    assert rub.extension_for("ada") is not None
