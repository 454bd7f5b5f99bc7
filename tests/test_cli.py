"""The CLI's own promises: help for every argument, exit codes in --help, --version,
and ``grader list`` / ``--student`` refusing what they cannot do in one line."""
import argparse
import shutil

import pytest

from grader import __version__, cli
from tests.conftest import FIXTURES, TEST_RUBRIC
from tests.fixtures.make_examples import DIR as EXAMPLES


def test_every_argument_of_every_verb_has_help():
    parser = cli.build_parser()
    verbs = parser._subparsers._group_actions[0].choices
    missing = [(verb, a.dest) for verb, sp in verbs.items() for a in sp._actions
               if not isinstance(a, argparse._HelpAction) and not a.help]
    assert missing == [] and {"grade", "list", "check", "assign", "gradescope"} <= set(verbs)


def test_help_gives_the_exit_codes_and_version_the_version(capsys):
    assert "exit status: 0" in cli.build_parser().format_help()
    with pytest.raises(SystemExit) as done:
        cli.main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.strip() == f"galaxy-grader {__version__}"


def test_list_shows_the_batch_without_running_it(capsys):
    assert cli.main(["list", str(EXAMPLES)]) == 0
    out = capsys.readouterr().out
    assert "layout: per-student; 7 student(s)" in out
    late = next(line for line in out.splitlines() if line.startswith("late "))
    assert "timestamp.txt" in late and " yes " in late
    ext = next(line for line in out.splitlines() if line.startswith("late_with_extension"))
    assert "no (extension)" in ext


def test_list_flags_students_without_a_time(tmp_path, capsys):
    (tmp_path / "ada").mkdir()
    shutil.copy(FIXTURES / "full_marks.ipynb", tmp_path / "ada" / "hw.ipynb")
    assert cli.main(["list", str(tmp_path)]) == 1
    assert "submission time unknown for 1 student(s)" in capsys.readouterr().out


def test_student_must_name_a_student_of_the_batch(capsys, tmp_path):
    assert cli.main(["grade", str(EXAMPLES), "--student", "nobody", "--out",
                     str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--student nobody: no submission with that id" in err


def test_student_regrades_only_into_existing_grades(tmp_path, easy_data, capsys):
    args = ["grade", str(EXAMPLES), "--student", "late", "--out", str(tmp_path / "out"),
            "--rubric", str(TEST_RUBRIC), "--data", str(easy_data), "--no-progress"]
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert "have no cached run" in err and "grade the whole folder first" in err
    assert not (tmp_path / "out" / "grades.csv").exists()


def test_student_reruns_one_notebook_and_merges_it_into_the_class(kernel, tmp_path, easy_data,
                                                                  graded, capsys):
    """Through real kernels: a run whose cache holds both notebooks' bundles (seeded from
    the fixture batch's run of the same notebooks, data and rubric) executes nothing;
    --student re-executes that one notebook, re-scores the other from the cache, and the
    CSV still has both; --force re-executes everyone."""
    import csv
    subs = tmp_path / "subs"
    for sid, fixture in (("ada", "full_marks"), ("bob", "no_extra_credit")):
        (subs / sid).mkdir(parents=True)
        shutil.copy(FIXTURES / f"{fixture}.ipynb", subs / sid / "hw.ipynb")
        (subs / sid / "timestamp.txt").write_text("2025-10-30 12:00:00 America/New_York")
    out = tmp_path / "out"
    shutil.copytree(graded["out"] / "cache", out / "cache")
    base = ["grade", str(subs), "--out", str(out), "--rubric", str(TEST_RUBRIC),
            "--data", str(easy_data), "--no-progress", "-j", "1"]

    def stamps():
        return {p.name: (p / "bundle.json").stat().st_mtime_ns
                for p in (out / "cache").iterdir() if (p / "bundle.json").is_file()}
    assert cli.main(base) == 0
    assert "\n2 graded: 2 from cache, 0 executed\n" in capsys.readouterr().out
    first = stamps()
    assert cli.main(base + ["--student", "ADA"]) == 0
    second = stamps()
    assert "\n2 graded: 1 from cache, 1 executed\n" in capsys.readouterr().out   # item 13
    changed = {k for k in first if first[k] != second[k]}
    assert len(changed) == 1                         # only ada's notebook ran again
    rows = {r["student_id"]: r["final"] for r in csv.DictReader(open(out / "grades.csv"))}
    assert rows == {"ada": "105", "bob": "100"}
    assert cli.main(base + ["--force"]) == 0
    assert "\n2 graded: 0 from cache, 2 executed\n" in capsys.readouterr().out
    third = stamps()
    assert sum(third[k] != second[k] for k in second) == 2      # both ran again


@pytest.mark.parametrize("argv,words", [
    (["list", "/nonexistent/subs"], "/nonexistent/subs: folder not found"),
    (["grade", str(EXAMPLES), "--roster", "/nonexistent/roster.csv", "--out", "{tmp}/never"],
     "/nonexistent/roster.csv: file not found"),
    (["autograder", "--data", "/nonexistent/dataG.pkl.gz", "--out", "{tmp}/never.zip"],
     "/nonexistent/dataG.pkl.gz: file not found"),
])
def test_new_entry_points_refuse_missing_files_in_one_line_before_running(argv, words, capsys,
                                                                          tmp_path):
    assert cli.main([a.replace("{tmp}", str(tmp_path)) for a in argv]) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1, err
    assert list(tmp_path.iterdir()) == []


NOPE = "/nonexistent/nope"


@pytest.mark.parametrize("argv,said", [
    (["grade", NOPE, "--out", "{tmp}/never"], f"{NOPE}: folder not found"),
    (["grade", str(EXAMPLES), "--rubric", f"{NOPE}.yaml", "--out", "{tmp}/never"],
     f"{NOPE}.yaml: file not found"),
    (["grade", str(EXAMPLES), "--manifest", f"{NOPE}.csv", "--out", "{tmp}/never"],
     f"{NOPE}.csv: file not found"),
    (["grade", str(EXAMPLES), "--overrides", f"{NOPE}.yaml", "--out", "{tmp}/never"],
     f"{NOPE}.yaml: file not found"),
    (["grade", str(EXAMPLES), "--roster", f"{NOPE}.csv", "--out", "{tmp}/never"],
     f"{NOPE}.csv: file not found"),
    (["list", str(EXAMPLES), "--manifest", f"{NOPE}.csv"], f"{NOPE}.csv: file not found"),
    (["check", f"{NOPE}.ipynb"], f"{NOPE}.ipynb: file not found"),
    (["assign", "--solution", f"{NOPE}.ipynb", "--out", "{tmp}/a.ipynb"],
     f"{NOPE}.ipynb: file not found"),
    (["assign", "--out", f"{NOPE}/a.ipynb"], f"{NOPE}: folder not found"),
    (["assign", "--release", f"{NOPE}/release"], f"{NOPE}: folder not found"),
    (["autograder", "--wheel", f"{NOPE}.whl", "--out", "{tmp}/never.zip"],
     f"{NOPE}.whl: file not found"),
    (["gradescope", "--submission", NOPE, "--results", "{tmp}/results.json"],
     f"{NOPE}: folder not found"),
])
def test_a_missing_file_or_folder_is_worded_one_way_in_every_verb(argv, said, capsys, tmp_path):
    """Issue 25 item 13: "<path>: file not found" / "<path>: folder not found", whatever
    the verb or the flag (not "does not exist", "cannot read ... (FileNotFoundError)",
    "wheel not found", ...)."""
    rc = cli.main([a.replace("{tmp}", str(tmp_path)) for a in argv])
    err = capsys.readouterr().err
    assert rc == 2 and err == f"grader {argv[0]}: error: {said}\n", err
