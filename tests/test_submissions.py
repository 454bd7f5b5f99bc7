"""Tests for grader.intake.submissions: layouts, time sources and awkward folders.

Every discovery goes through ``scan``, which also checks that nothing under
the submissions folder was created, removed or changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from grader.errors import SubmissionsError
from grader.intake.submissions import Discovery, discover, sanitise_id
from grader.intake.times import parse_time, read_manifest

LA = ZoneInfo("America/Los_Angeles")
T0 = datetime(2025, 10, 20, 12, 0, tzinfo=timezone.utc)
SAFE_ID = re.compile(r"[A-Za-z0-9._@-]+")


def notebook(path, when: datetime | None = None, text: str = "x"):
    """Write a tiny valid notebook (creating folders) and optionally set its mtime."""
    path = os.fsencode(path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    body = {"cells": [{"cell_type": "code", "source": text, "metadata": {},
                       "outputs": [], "execution_count": None}],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(body, handle)
    if when is not None:
        os.utime(path, (when.timestamp(), when.timestamp()))
    return Path(os.fsdecode(path))


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def tree_hash(root: Path) -> str:
    """Hash names, types, sizes, mtimes, contents and link targets below root."""
    digest = hashlib.sha256()
    for top, dirs, files in os.walk(os.fsencode(root)):
        dirs.sort()
        for name in sorted(dirs + files):
            path = os.path.join(top, name)
            info = os.lstat(path)
            digest.update(path + repr((info.st_mode, info.st_size, info.st_mtime_ns)).encode())
            if os.path.islink(path):
                digest.update(os.readlink(path))
            elif os.path.isfile(path):
                with open(path, "rb") as handle:
                    digest.update(handle.read())
    return digest.hexdigest()


def scan(root: Path, **kwargs) -> Discovery:
    """discover(), asserting the submissions folder is left exactly as it was."""
    before = tree_hash(root)
    found = discover(root, **kwargs)
    assert tree_hash(root) == before, "discover() modified the submissions folder"
    json.dumps([s.to_dict() for s in found.submissions], ensure_ascii=False).encode("utf-8")
    for line in found.problems + tuple(n for s in found.submissions for n in s.notes):
        assert "\n" not in line and line.strip() == line and line
    return found


def by_id(found: Discovery) -> dict:
    return {s.student_id: s for s in found.submissions}


def one_line_error(excinfo, *fragments):
    message = str(excinfo.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, (fragment, message)


# ----------------------------------------------------------------- flat layout

def test_flat_layout_uses_stem_and_mtime_only_when_asked(tmp_path):
    notebook(tmp_path / "bob.ipynb", T0)
    notebook(tmp_path / "ada.ipynb", T0 + timedelta(minutes=5))
    unknown = by_id(scan(tmp_path))["ada"]
    assert (unknown.time_source, unknown.submitted_at) == ("none", None)
    found = scan(tmp_path, file_times=True)
    assert found.layout == "flat"
    assert [s.student_id for s in found.submissions] == ["ada", "bob"]
    ada = by_id(found)["ada"]
    assert ada.notebook == tmp_path / "ada.ipynb"
    assert ada.time_source == "mtime"
    assert ada.submitted_at == T0 + timedelta(minutes=5)
    assert ada.submitted_at.utcoffset() is not None
    assert found.problems == ()


def test_mtime_is_expressed_in_default_tz(tmp_path):
    notebook(tmp_path / "ada.ipynb", T0)
    ada = by_id(scan(tmp_path, default_tz="America/Los_Angeles", file_times=True))["ada"]
    assert ada.submitted_at == T0
    assert ada.submitted_at.utcoffset() == timedelta(hours=-7)


def test_manifest_beats_mtime_and_naive_times_use_default_tz(tmp_path):
    root = tmp_path / "subs"
    notebook(root / "ada.ipynb", T0)
    notebook(root / "bob.ipynb", T0)
    manifest = write(tmp_path / "times.csv",
                     "student_id,submitted_at\nADA,2025-10-21 09:30\nzed,2025-10-21T09:30Z\n")
    found = scan(root, manifest=manifest, default_tz="America/Los_Angeles", file_times=True)
    ada, bob = by_id(found)["ada"], by_id(found)["bob"]
    assert ada.time_source == "manifest"
    assert ada.submitted_at == datetime(2025, 10, 21, 9, 30, tzinfo=LA)
    assert bob.time_source == "mtime"
    assert any("zed" in p and "no matching submission" in p for p in found.problems)


def test_read_manifest_parses_offsets(tmp_path):
    path = write(tmp_path / "m.csv", "submitted_at,student_id\n2025-10-21T03:12:00-07:00,ada\n")
    times = read_manifest(path)
    assert times == {"ada": datetime(2025, 10, 21, 10, 12, tzinfo=timezone.utc)}


@pytest.mark.parametrize("text, where", [
    ("student_id,submitted_at\nada,2025-10-21T09:30Z\nbob,next tuesday\n", "m.csv:3"),
    ("student_id,submitted_at\n,2025-10-21T09:30Z\n", "m.csv:2"),
    ("student_id,submitted_at\nada,2025-10-21T09:30Z\nADA,2025-10-22T09:30Z\n", "m.csv:3"),
    ("student,time\nada,2025-10-21T09:30Z\n", "m.csv:1"),
    ("student_id,submitted_at\nada,2025-13-40 09:30\n", "m.csv:2"),
])
def test_bad_manifest_names_file_and_line(tmp_path, text, where):
    notebook(tmp_path / "subs" / "ada.ipynb")
    path = write(tmp_path / "m.csv", text)
    with pytest.raises(SubmissionsError) as excinfo:
        discover(tmp_path / "subs", manifest=path)
    one_line_error(excinfo, where)


def test_missing_manifest_is_an_error(tmp_path):
    with pytest.raises(SubmissionsError) as excinfo:
        read_manifest(tmp_path / "nope.csv")
    one_line_error(excinfo, "nope.csv")


def test_non_notebook_files_are_skipped_with_a_short_summary(tmp_path):
    notebook(tmp_path / "ada.ipynb")
    for index in range(8):
        write(tmp_path / f"junk{index}.txt", "x")
    write(tmp_path / ".DS_Store", "x")
    found = scan(tmp_path)
    assert [s.student_id for s in found.submissions] == ["ada"]
    [problem] = found.problems
    assert problem.startswith("skipped 8 items in ")
    assert "junk0.txt" in problem and "and 3 more" in problem and "junk7.txt" not in problem
    assert ".DS_Store" not in problem


def test_empty_root_is_not_an_error(tmp_path):
    found = scan(tmp_path)
    assert found.submissions == ()
    assert found.problems == (f"no notebooks found under {tmp_path}",)


def test_missing_root_and_file_root_raise(tmp_path):
    with pytest.raises(SubmissionsError) as excinfo:
        discover(tmp_path / "missing")
    one_line_error(excinfo, "missing", "folder not found")
    write(tmp_path / "file.txt", "x")
    with pytest.raises(SubmissionsError) as excinfo:
        discover(tmp_path / "file.txt")
    one_line_error(excinfo, "file.txt", "not a folder")


def test_duplicate_ids_differing_in_case_keep_newest(tmp_path):
    notebook(tmp_path / "Ada.ipynb", T0 + timedelta(hours=1))
    notebook(tmp_path / "ada.ipynb", T0)
    found = scan(tmp_path)
    [kept] = found.submissions
    assert kept.notebook == tmp_path / "Ada.ipynb"
    assert any("duplicate student id" in p and "skipped ada.ipynb" in p for p in found.problems)


# --------------------------------------------------------- per-student layout

def test_per_student_timestamp_txt_then_mtime(tmp_path):
    notebook(tmp_path / "ada" / "homework.ipynb", T0)
    write(tmp_path / "ada" / "timestamp.txt", "2025-10-21T03:12:00-07:00\n")
    notebook(tmp_path / "bob" / "hw3.ipynb", T0)
    write(tmp_path / "README.md", "instructions")
    notebook(tmp_path / "__MACOSX" / "ada" / "homework.ipynb")
    found = scan(tmp_path, file_times=True)
    assert found.layout == "per-student"
    assert set(by_id(found)) == {"ada", "bob"}
    ada, bob = by_id(found)["ada"], by_id(found)["bob"]
    assert (ada.time_source, ada.submitted_at) == (
        "timestamp.txt", datetime(2025, 10, 21, 10, 12, tzinfo=timezone.utc))
    assert (bob.time_source, bob.submitted_at) == ("mtime", T0)
    assert any("skipped 1 item in" in p and "README.md" in p for p in found.problems)


def test_several_notebooks_grade_newest_and_ignore_checkpoints(tmp_path):
    notebook(tmp_path / "ada" / "a.ipynb", T0)
    notebook(tmp_path / "ada" / "b.ipynb", T0 + timedelta(hours=2))
    notebook(tmp_path / "ada" / "sub" / "c.ipynb", T0 + timedelta(hours=1))
    notebook(tmp_path / "ada" / ".ipynb_checkpoints" / "b-checkpoint.ipynb", T0 + timedelta(days=1))
    notebook(tmp_path / "ada" / ".hidden.ipynb", T0 + timedelta(days=1))
    ada = by_id(scan(tmp_path))["ada"]
    assert ada.notebook == tmp_path / "ada" / "b.ipynb"
    assert ada.notes == (
        "3 notebooks found; graded newest: b.ipynb (others: sub/c.ipynb, a.ipynb)",)


def test_equal_mtimes_fall_back_to_name_order(tmp_path):
    notebook(tmp_path / "ada" / "z.ipynb", T0)
    notebook(tmp_path / "ada" / "m.ipynb", T0)
    assert by_id(scan(tmp_path))["ada"].notebook == tmp_path / "ada" / "m.ipynb"


def test_student_folder_without_notebook(tmp_path):
    notebook(tmp_path / "ada" / "hw.ipynb")
    write(tmp_path / "carl" / "answers.pdf", "%PDF")
    carl = by_id(scan(tmp_path))["carl"]
    assert carl.notebook is None and carl.submitted_at is None
    assert carl.time_source == "none"
    assert carl.notes == (f"no notebook found in {tmp_path / 'carl'}",)


def test_the_tas_manifest_is_trusted_over_a_file_in_the_students_folder(tmp_path):
    root = tmp_path / "subs"
    notebook(root / "ada" / "hw.ipynb", T0)
    write(root / "ada" / "timestamp.txt", "2025-10-01 00:00:00 UTC")     # the student's own
    manifest = write(tmp_path / "m.csv", "student_id,submitted_at\nada,2025-10-21T00:00Z\n")
    ada = by_id(scan(root, manifest=manifest))["ada"]
    assert ada.time_source == "manifest"
    assert ada.submitted_at == datetime(2025, 10, 21, tzinfo=timezone.utc)


def test_an_unreadable_timestamp_leaves_the_time_unknown_with_a_note(tmp_path):
    notebook(tmp_path / "ada" / "hw.ipynb", T0)
    write(tmp_path / "ada" / "timestamp.txt", "sometime on tuesday")
    ada = by_id(scan(tmp_path))["ada"]
    assert (ada.time_source, ada.submitted_at) == ("none", None)
    assert any(n.startswith("ignored timestamp.txt") for n in ada.notes)


# ------------------------------------------------------------- nbgrader layout

def test_nbgrader_course_root_with_zone_names(tmp_path):
    sub = tmp_path / "submitted"
    notebook(sub / "ada" / "ps1" / "ps1.ipynb", T0)
    write(sub / "ada" / "ps1" / "timestamp.txt",
          "2015-02-02 14:58:23.948203 America/Los_Angeles\n")
    notebook(sub / "bob" / "ps1" / "ps1.ipynb", T0)
    write(sub / "bob" / "ps1" / "timestamp.txt", "2015-02-02 22:58:23.948203 UTC")
    (tmp_path / "source").mkdir()
    found = scan(tmp_path)
    assert found.layout == "nbgrader"
    ada, bob = by_id(found)["ada"], by_id(found)["bob"]
    assert ada.notebook == sub / "ada" / "ps1" / "ps1.ipynb"
    assert ada.submitted_at == datetime(2015, 2, 2, 14, 58, 23, 948203, tzinfo=LA)
    assert ada.submitted_at.utcoffset() == timedelta(hours=-8)
    assert ada.time_source == "timestamp.txt"
    assert bob.submitted_at == ada.submitted_at
    assert found.problems == ()


def test_nbgrader_submitted_folder_as_root(tmp_path):
    notebook(tmp_path / "ada" / "ps1" / "ps1.ipynb", T0)
    write(tmp_path / "ada" / "ps1" / "timestamp.txt", "2025-10-21T03:12:00-07:00")
    (tmp_path / "bob").mkdir()
    found = scan(tmp_path)
    assert found.layout == "nbgrader"
    assert by_id(found)["ada"].time_source == "timestamp.txt"
    assert by_id(found)["bob"].notebook is None
    assert by_id(found)["bob"].notes == (f"no notebook found in {tmp_path / 'bob' / 'ps1'}",)


def test_nbgrader_several_assignments_need_a_choice(tmp_path):
    sub = tmp_path / "submitted"
    notebook(sub / "ada" / "ps1" / "ps1.ipynb")
    notebook(sub / "ada" / "ps2" / "ps2.ipynb")
    notebook(sub / "bob" / "ps1" / "ps1.ipynb")
    with pytest.raises(SubmissionsError) as excinfo:
        discover(tmp_path)
    one_line_error(excinfo, "several assignments", "ps1, ps2")
    found = scan(tmp_path, assignment="ps2")
    assert by_id(found)["ada"].notebook == sub / "ada" / "ps2" / "ps2.ipynb"
    assert by_id(found)["bob"].notebook is None
    assert by_id(found)["bob"].notes == (f"no notebook found in {sub / 'bob' / 'ps2'}",)


# ----------------------------------------------------------- gradescope layout

GRADESCOPE_YML = """\
submission_1:
  :submitters:
  - :name: Ada Lovelace
    :sid: '1001'
    :email: ada@example.edu
  :created_at: 2025-10-21 03:12:45.123456000 -0700
  :score: 0.0
submission_2:
  :submitters:
  - :name: Bob
    :email: bob.b@example.edu
  - :name: Carl
  :created_at: 2025-10-21 04:00:00.000000000 -07:00
"""


def test_gradescope_ids_times_and_groups(tmp_path):
    write(tmp_path / "submission_metadata.yml", GRADESCOPE_YML)
    notebook(tmp_path / "submission_1" / "hw.ipynb", T0)
    notebook(tmp_path / "submission_2" / "nested" / "group.ipynb", T0)
    found = scan(tmp_path)
    assert found.layout == "gradescope"
    subs = by_id(found)
    assert set(subs) == {"1001", "bob.b", "submission_2"}
    ada = subs["1001"]
    assert ada.submitted_at == datetime(2025, 10, 21, 10, 12, 45, 123456, tzinfo=timezone.utc)
    assert ada.time_source == "submission_metadata.yml"
    bob, carl = subs["bob.b"], subs["submission_2"]
    assert bob.notebook == carl.notebook == tmp_path / "submission_2" / "nested" / "group.ipynb"
    assert bob.submitted_at == datetime(2025, 10, 21, 11, tzinfo=timezone.utc)
    assert any("group submission" in n for n in bob.notes)
    assert any("group submission" in n for n in carl.notes)
    assert found.problems == ()


def test_gradescope_same_sid_twice_keeps_newest(tmp_path):
    write(tmp_path / "submission_metadata.yml", """\
submission_1:
  :submitters: [{':sid': '1001'}]
  :created_at: 2025-10-21 05:00:00 -0700
submission_2:
  :submitters: [{':sid': '1001'}]
  :created_at: 2025-10-21 04:00:00 -0700
""")
    notebook(tmp_path / "submission_1" / "hw.ipynb")
    notebook(tmp_path / "submission_2" / "hw.ipynb")
    found = scan(tmp_path)
    [kept] = found.submissions
    assert kept.notebook == tmp_path / "submission_1" / "hw.ipynb"
    assert any("duplicate student id '1001'" in p and "submission_2" in p
               for p in found.problems)


def test_gradescope_folder_missing_from_yml(tmp_path):
    write(tmp_path / "submission_metadata.yml", GRADESCOPE_YML)
    notebook(tmp_path / "submission_1" / "hw.ipynb")
    notebook(tmp_path / "submission_9" / "hw.ipynb", T0)
    found = scan(tmp_path)
    assert by_id(found)["submission_9"].time_source == "none"
    assert any(p.startswith("submission_9: not described") for p in found.problems)
    assert any("without a folder" in p and "submission_2" in p for p in found.problems)


@pytest.mark.parametrize("text", ["submission_1: [unclosed\n  :x: }", "- just\n- a list\n"])
def test_malformed_gradescope_yml(tmp_path, text):
    write(tmp_path / "submission_metadata.yml", text)
    notebook(tmp_path / "submission_1" / "hw.ipynb")
    with pytest.raises(SubmissionsError) as excinfo:
        discover(tmp_path)
    one_line_error(excinfo, "submission_metadata.yml", "malformed")


# ------------------------------------------------------------ awkward names

def test_sanitise_id_keeps_names_distinct():
    assert sanitise_id("ada.lovelace@x-1_2") == "ada.lovelace@x-1_2"
    odd = ["a b", "a/b", "a_b", "..x", "José", "Jos\u00e9 ", "caf\udce9", "x" * 100, "x" * 99 + "y"]
    ids = [sanitise_id(name) for name in odd]
    assert len(set(ids)) == len(ids)
    assert all(SAFE_ID.fullmatch(i) and len(i) <= 64 + 9 for i in ids)
    assert not any(i.startswith(".") for i in ids)
    assert sanitise_id("A b").lower() == sanitise_id("a B").lower()


def test_odd_long_and_non_utf8_file_names(tmp_path):
    notebook(tmp_path / "José Ñ (final).ipynb")
    notebook(tmp_path / ("x" * 200 + ".ipynb"))
    notebook(tmp_path / ("x" * 199 + "y.ipynb"))
    raw = os.path.join(os.fsencode(tmp_path), b"caf\xe9\n.ipynb")
    try:
        notebook(raw)
    except OSError:
        pytest.skip("file system rejects non-UTF-8 names")
    with open(os.path.join(os.fsencode(tmp_path), b"notes\xff\r\n.txt"), "w") as handle:
        handle.write("not a notebook")
    found = scan(tmp_path)
    assert len(found.submissions) == 4
    assert found.problems == (f"skipped 1 item in {tmp_path}: notes\\xff\\x0d\\x0a.txt",)
    for sub in found.submissions:
        assert SAFE_ID.fullmatch(sub.student_id) and len(sub.student_id) <= 73
        assert sub.notebook.is_file()
    weird = [s for s in found.submissions if s.student_id.startswith("caf")]
    assert os.fsencode(weird[0].notebook) == raw


def test_symlink_outside_root_is_refused(tmp_path):
    root, outside = tmp_path / "subs", tmp_path / "outside"
    secret = notebook(outside / "secret.ipynb", T0)
    write(outside / "timestamp.txt", "2025-10-21T00:00Z")
    notebook(root / "ada" / "hw.ipynb", T0)
    os.symlink(secret, root / "ada" / "link.ipynb")
    os.symlink(outside, root / "mallory")
    os.symlink(root / "ada" / "hw.ipynb", root / "ada" / "inside_link.ipynb")
    subs = by_id(scan(root))
    assert subs["mallory"].notebook is None
    assert subs["mallory"].time_source == "none"
    assert subs["mallory"].notes == (
        "refused: mallory is a link leading out of the submissions folder: submit the file "
        "itself, not a link",)
    assert subs["ada"].notebook.parent == root / "ada"
    # the outside target is not named; ada's own file under a second name counts once
    assert subs["ada"].notes == ("refused: ada/link.ipynb is a link leading out of the "
                                 "submissions folder: submit the file itself, not a link",)


def test_flat_symlink_outside_root_is_not_graded(tmp_path):
    root = tmp_path / "subs"
    notebook(root / "ada.ipynb")
    os.symlink(notebook(tmp_path / "elsewhere.ipynb"), root / "eve.ipynb")
    eve = by_id(scan(root))["eve"]
    assert eve.notebook is None and eve.time_source == "none"
    assert eve.notes == ("refused: eve.ipynb is a link leading out of the submissions folder: "
                         "submit the file itself, not a link",)


def test_a_link_to_another_students_file_or_folder_is_refused(tmp_path):
    """Per-student, Gradescope-export and flat layouts: a link to someone else's work is
    refused with one line naming both; the student linked to is read as usual."""
    root = tmp_path / "subs"
    notebook(root / "alice" / "homework.ipynb", T0)
    write(root / "alice" / "timestamp.txt", "2025-10-21T00:00Z")
    (root / "mallory").mkdir()
    os.symlink("../alice/homework.ipynb", root / "mallory" / "homework.ipynb")
    os.symlink("../alice/timestamp.txt", root / "mallory" / "timestamp.txt")
    os.symlink("alice", root / "trudy")
    subs = by_id(scan(root))
    assert subs["alice"].notebook == root / "alice" / "homework.ipynb"
    assert subs["alice"].notes == () and subs["alice"].time_source == "timestamp.txt"
    assert subs["mallory"].notebook is None and subs["mallory"].time_source == "none"
    assert subs["mallory"].notes == (
        "refused: mallory/homework.ipynb is a link to another student's file "
        "(alice/homework.ipynb): submit your own file",
        "ignored timestamp.txt: mallory/timestamp.txt is a link to another student's file "
        "(alice/timestamp.txt): submit your own file")
    assert subs["trudy"].notes == ("refused: trudy is a link to another student's folder "
                                   "(alice): submit your own file",)
    flat = tmp_path / "flat"
    notebook(flat / "ada.ipynb")
    os.symlink("ada.ipynb", flat / "eve.ipynb")
    assert by_id(scan(flat))["eve"].notes == (
        "refused: eve.ipynb is a link to another student's file (ada.ipynb): submit your "
        "own file",)


def test_links_within_a_students_own_folder_are_their_own_files(tmp_path):
    """hw.ipynb -> drafts/hw.ipynb is read (one file, no 'several notebooks' note); a
    link that stays in the folder but lands outside every student's files is refused,
    and so is a link to a link that leaves; only a few refusals are listed."""
    root = tmp_path / "subs"
    notebook(root / "zed" / "drafts" / "hw.ipynb", T0)
    os.symlink("drafts/hw.ipynb", root / "zed" / "hw.ipynb")
    notebook(root / ".store" / "x.ipynb")
    (root / "bob").mkdir()
    os.symlink("../.store/x.ipynb", root / "bob" / "a.ipynb")
    os.symlink(notebook(tmp_path / "key.ipynb"), root / "bob" / ".key.ipynb")
    os.symlink(".key.ipynb", root / "bob" / "b.ipynb")
    for n in range(5):
        os.symlink("../zed/hw.ipynb", root / "bob" / f"c{n}.ipynb")
    subs = by_id(scan(root))
    assert subs["zed"].notes == () and subs["zed"].notebook.resolve() == \
        (root / "zed" / "drafts" / "hw.ipynb").resolve()
    assert subs["bob"].notebook is None
    assert subs["bob"].notes == (
        "refused: bob/a.ipynb is a link to .store/x.ipynb, which is not part of the submission",
        "refused: bob/b.ipynb is a link leading out of the submissions folder: submit the "
        "file itself, not a link",
        "refused: bob/c0.ipynb is a link to another student's file (zed/drafts/hw.ipynb): "
        "submit your own file",
        "refused 4 more links")


def test_a_gradescope_exports_folder_cannot_link_into_another(tmp_path):
    write(tmp_path / "submission_metadata.yml", """
submission_1:
  :submitters: [{":name": A, ":sid": "1"}]
submission_2:
  :submitters: [{":name": M, ":sid": "2"}]
""")
    notebook(tmp_path / "submission_1" / "hw.ipynb")
    (tmp_path / "submission_2").mkdir()
    os.symlink("../submission_1/hw.ipynb", tmp_path / "submission_2" / "hw.ipynb")
    subs = by_id(scan(tmp_path))
    assert subs["1"].notes == () and subs["1"].notebook is not None
    assert subs["2"].notebook is None and subs["2"].notes == (
        "refused: submission_2/hw.ipynb is a link to another student's file "
        "(submission_1/hw.ipynb): submit your own file",)


# ---------------------------------------------------------------- time text

@pytest.mark.parametrize("text, expected", [
    ("2015-02-02 14:58:23.948203 America/Los_Angeles",
     datetime(2015, 2, 2, 22, 58, 23, 948203, tzinfo=timezone.utc)),
    ("2015-02-02T14:58:23-08:00", datetime(2015, 2, 2, 22, 58, 23, tzinfo=timezone.utc)),
    ("2015-02-02 22:58:23 UTC", datetime(2015, 2, 2, 22, 58, 23, tzinfo=timezone.utc)),
    ("2025-10-21 03:12:45.123456000 -0700",
     datetime(2025, 10, 21, 10, 12, 45, 123456, tzinfo=timezone.utc)),
    ("2025-10-21 03:12", datetime(2025, 10, 21, 3, 12, tzinfo=timezone.utc)),
])
def test_parse_time_formats(text, expected):
    parsed = parse_time(text)
    assert parsed == expected and parsed.utcoffset() is not None


@pytest.mark.parametrize("text", ["", "yesterday", "2015-02-02 14:58 Mars/Olympus",
                                  "2015-02-30 10:00", "2015-02-02 10:00 +25:00"])
def test_parse_time_rejects_garbage(text):
    with pytest.raises(ValueError):
        parse_time(text)


def test_the_notebook_named_like_the_assignment_beats_a_newer_scratch_one(tmp_path):
    notebook(tmp_path / "ada" / "galaxy_classifier.ipynb", T0)
    notebook(tmp_path / "ada" / "scratch" / "Untitled.ipynb", T0 + timedelta(hours=3))
    ada = by_id(scan(tmp_path, prefer=("galaxy_classifier.ipynb", "galaxy-classifier.ipynb")))["ada"]
    assert ada.notebook == tmp_path / "ada" / "galaxy_classifier.ipynb"
    assert ada.notes == ("2 notebooks found; graded named like the assignment: "
                         "galaxy_classifier.ipynb (others: scratch/Untitled.ipynb)",)


def test_a_broken_notebook_still_gets_its_time_read(tmp_path):
    write(tmp_path / "ada" / "hw.ipynb", "{ this is not json")
    write(tmp_path / "ada" / "timestamp.txt", "2025-10-30 12:00:00.000000 EDT\n")
    ada = by_id(scan(tmp_path, default_tz="America/New_York"))["ada"]
    assert ada.time_source == "timestamp.txt"
    assert ada.submitted_at == datetime(2025, 10, 30, 16, 0, tzinfo=timezone.utc)


def test_a_pacific_stamp_in_a_new_york_course_is_read_and_noted(tmp_path):
    """Issue 25 item 7: 'PDT' has one meaning, so it is not 'time unknown'."""
    notebook(tmp_path / "ada" / "hw.ipynb", T0)
    write(tmp_path / "ada" / "timestamp.txt", "2025-10-31 21:30:00.000000 PDT\n")
    ada = by_id(scan(tmp_path, default_tz=ZoneInfo("America/New_York")))["ada"]
    assert (ada.time_source, ada.submitted_at) == \
        ("timestamp.txt", datetime(2025, 11, 1, 4, 30, tzinfo=timezone.utc))
    assert ada.notes == ("timestamp.txt: time zone 'PDT' read as UTC-07:00 (2025-11-01 00:30 "
                         "EDT in the course zone America/New_York)",)


def test_manifest_times_without_a_zone_are_in_the_course_zone(tmp_path):
    from zoneinfo import ZoneInfo
    notebook(tmp_path / "subs" / "ada" / "hw.ipynb", T0)
    manifest = write(tmp_path / "m.csv", "student_id,submitted_at\nada,2025-11-01 00:30\n")
    ada = by_id(scan(tmp_path / "subs", manifest=manifest,
                     default_tz=ZoneInfo("America/New_York")))["ada"]
    assert ada.submitted_at == datetime(2025, 11, 1, 4, 30, tzinfo=timezone.utc)


def test_nbgrader_with_several_assignments_grades_the_rubrics_or_names_the_flag(tmp_path):
    for name in ("ps1", "galaxy-classifier"):
        notebook(tmp_path / "submitted" / "ada" / name / "hw.ipynb", T0)
    found = scan(tmp_path, default_assignment="galaxy-classifier")
    assert by_id(found)["ada"].notebook.parent.name == "galaxy-classifier"
    with pytest.raises(SubmissionsError, match="choose one with --assignment NAME"):
        scan(tmp_path)


def test_the_original_id_is_kept_beside_the_file_safe_one(tmp_path):
    for raw in ("jane+test", "José"):
        notebook(tmp_path / raw / "hw.ipynb", T0)
    subs = {s.original_id: s.student_id for s in scan(tmp_path).submissions}
    assert set(subs) == {"jane+test", "José"}
    assert all(safe != raw and safe.startswith(raw[:3]) for raw, safe in subs.items())


def test_a_gradescope_export_unzipped_with_its_top_folder_is_still_gradescope(tmp_path):
    top = tmp_path / "assignment_6543_export"
    write(top / "submission_metadata.yml", GRADESCOPE_YML)
    notebook(top / "submission_1" / "hw.ipynb", T0)
    notebook(top / "submission_2" / "group.ipynb", T0)
    found = scan(tmp_path)
    assert found.layout == "gradescope"
    assert by_id(found)["1001"].submitted_at == datetime(2025, 10, 21, 10, 12, 45, 123456,
                                                         tzinfo=timezone.utc)
    assert by_id(found)["1001"].time_source == "submission_metadata.yml"


def test_canvas_bulk_download_names_give_user_ids_and_the_late_mark(tmp_path):
    notebook(tmp_path / "smithbob_LATE_23456_67891_galaxy_classifier-1.ipynb", T0)
    notebook(tmp_path / "smithbob_LATE_23456_67891_scratch.ipynb", T0 + timedelta(hours=1))
    notebook(tmp_path / "lovelaceada_23457_67892_galaxy_classifier.ipynb", T0)
    found = scan(tmp_path, prefer=("galaxy_classifier.ipynb",))
    assert found.layout == "canvas"
    bob, ada = by_id(found)["smithbob_23456"], by_id(found)["lovelaceada_23457"]
    assert (bob.original_id, ada.original_id) == ("23456", "23457")
    assert bob.notebook.name == "smithbob_LATE_23456_67891_galaxy_classifier-1.ipynb"
    assert any("Canvas marked this submission LATE" in n for n in bob.notes)
    assert not any("LATE" in n for n in ada.notes) and bob.submitted_at is None


def test_a_manifest_of_canvas_user_ids_gives_canvas_submissions_their_times(tmp_path):
    subs = tmp_path / "subs"
    notebook(subs / "smithbob_LATE_23456_67891_galaxy_classifier.ipynb", T0)
    manifest = write(tmp_path / "m.csv", "student_id,submitted_at\n23456,2025-11-01T04:30Z\n")
    found = scan(subs, manifest=manifest)
    bob = by_id(found)["smithbob_23456"]
    assert (bob.time_source, bob.submitted_at) == (
        "manifest", datetime(2025, 11, 1, 4, 30, tzinfo=timezone.utc))
    assert found.problems == ()


def test_canvas_late_mark_is_dropped_once_a_manifest_gives_the_time(tmp_path):
    """Issue 25 item 9: the TA's time decides; Canvas's LATE mark stays only without it."""
    subs = tmp_path / "subs"
    notebook(subs / "smithbob_LATE_23456_67891_galaxy_classifier.ipynb", T0)
    notebook(subs / "doejane_LATE_23458_67893_galaxy_classifier.ipynb", T0)
    manifest = write(tmp_path / "m.csv", "student_id,submitted_at\n"
                                         "23456,2025-11-01T04:30Z\n"
                                         "doejane_23458,2025-10-30T04:30Z\n")
    found = by_id(scan(subs, manifest=manifest))
    for sid in ("smithbob_23456", "doejane_23458"):
        assert found[sid].time_source == "manifest"
        assert not any("LATE" in n for n in found[sid].notes), found[sid].notes
    found = by_id(scan(subs))
    assert any("Canvas marked this submission LATE" in n for n in found["smithbob_23456"].notes)
