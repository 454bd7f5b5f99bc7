"""Find student submissions in the folder layouts TAs receive.

Five layouts are recognised automatically: ``flat`` (``root/<student>.ipynb``),
``canvas`` (Canvas's bulk download: ``root/smithbob_LATE_23456_67891_hw-1.ipynb``,
the login, Canvas's LATE mark, user id, submission id and the file's own name),
``per-student`` (``root/<student>/*.ipynb``), ``nbgrader``
(``root/submitted/<student>/<assignment>/*.ipynb``) and ``gradescope``
(``root/submission_metadata.yml`` plus one folder per submission, also inside the
export's own top folder).

Discovery only reads: nothing under the submissions folder is created or
changed.  Odd situations (several notebooks, none at all, duplicate ids,
symlinks leaving the folder, strange file names) never crash; they become
one-line notes on the submission or problems on the whole batch.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import yaml

from .errors import SubmissionsError, one_line as _one_line, printable as _show
from .times import parse_time, read_manifest, time_zone as _zone

GRADESCOPE_META = "submission_metadata.yml"
CANVAS_NAME = re.compile(r"(?P<login>[A-Za-z0-9]+)_(?P<late>LATE_)?(?P<user>\d+)_(?P<sub>\d+)_"
                         r"(?P<file>.+\.ipynb)")
STAMP = "timestamp.txt"
_IGNORED = {".ipynb_checkpoints", "__MACOSX"}


@dataclass(frozen=True)
class Submission:
    """One student's work: the notebook to grade and when it was submitted."""

    student_id: str
    notebook: Path | None
    submitted_at: datetime | None
    time_source: str
    notes: tuple[str, ...] = ()
    original_id: str = ""        # as the platform or folder spelled it (student_id is file-safe)

    def to_dict(self) -> dict:
        """JSON-friendly copy; paths are shown with undecodable bytes escaped."""
        return {"student_id": self.student_id, "original_id": self.original_id or self.student_id,
                "notebook": _show(self.notebook) if self.notebook else None,
                "submitted_at": self.submitted_at.isoformat() if self.submitted_at else None,
                "time_source": self.time_source, "notes": list(self.notes)}


@dataclass(frozen=True)
class Discovery:
    """Everything found under a submissions folder."""

    layout: str
    submissions: tuple[Submission, ...]
    problems: tuple[str, ...] = ()


@dataclass
class _Found:
    """A submission before its notebook and time are settled."""

    raw_id: str
    folder: Path
    files: list[Path] | None = None      # None: search folder for notebooks
    stamp: Path | None = None            # layout time file (timestamp.txt)
    time: datetime | None = None         # layout time already known (gradescope)
    notes: list[str] = field(default_factory=list)
    original: str | None = None          # the platform's own id, when not raw_id


def discover(root, *, manifest: Path | None = None, assignment: str | None = None,
             default_tz="UTC", file_times: bool = False, prefer=(),
             default_assignment: str | None = None) -> Discovery:
    """Find every submission under root, detecting the layout automatically.

    Times, most trusted first: the TA's manifest CSV, the platform's metadata
    (Gradescope), nbgrader's ``timestamp.txt``; the notebook's modification time
    only with ``file_times``; else unknown (never late, listed for review).
    ``default_tz`` (a zone name or tzinfo: the course's zone) is given to times
    without a zone and reads zone abbreviations such as ``EDT``.  In a folder with
    several notebooks the one named like ``prefer`` (the assignment's notebook
    names) is graded, else the newest.  In an nbgrader tree holding several
    assignments, ``default_assignment`` (the rubric's) is graded when present.
    Raises SubmissionsError when root is missing or metadata is unusable.
    """
    root = Path(os.fsdecode(root))
    if not root.is_dir():
        what = "is not a folder" if root.exists() else "does not exist"
        raise SubmissionsError(f"{_show(root)}: submissions folder {what}")
    zone = _zone(default_tz) if isinstance(default_tz, str) else default_tz
    times = read_manifest(manifest, default_tz=zone) if manifest else {}
    real = Path(os.path.realpath(root))
    layout, base = _detect(root, real, assignment)
    if layout == "gradescope":
        found, problems = _gradescope(base, real, zone)
    else:
        found, problems = _layout_entries(layout, base, real, assignment, default_assignment)
        if layout == "flat" and found and all(f.original for f in found):
            layout = "canvas"
    wanted = {sanitise_id(k).lower(): v for k, v in times.items()}
    subs = [_build(f, real, wanted, zone, file_times, prefer) for f in found]
    subs, dupes = _dedupe(subs, root)
    problems += dupes
    unmatched = sorted(set(wanted) - {s.student_id.lower() for s in subs}
                       - {sanitise_id(s.original_id).lower() for s in subs if s.original_id})
    if unmatched:
        problems.append(
            _summary("manifest row", unmatched, " with no matching submission", "ignored"))
    if not any(s.notebook for s in subs):
        problems.append(f"no notebooks found under {_show(root)}")
    return Discovery(layout, tuple(subs), tuple(problems))


def sanitise_id(raw: str) -> str:
    """Reduce a name to [A-Za-z0-9._@-], at most 64 characters plus a hash.

    The 8-character hash is added whenever the name had to change, so
    distinct raw names stay distinct (names differing only in case share it).
    """
    clean = re.sub(r"[^A-Za-z0-9._@-]", "_", raw).lstrip(".")[:64]
    if clean == raw and clean:
        return clean
    digest = hashlib.sha1(raw.lower().encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{clean or 'student'}-{digest}"


def _detect(root: Path, real: Path, assignment: str | None) -> tuple[str, Path]:
    """Guess the layout from the folder's shape; returns (layout, base folder)."""
    if _inside(root / GRADESCOPE_META, real) and (root / GRADESCOPE_META).is_file():
        return "gradescope", root
    tops = [Path(e.path) for e in _entries(root) if e.is_dir(follow_symlinks=False)]
    if len(tops) == 1 and _inside(tops[0] / GRADESCOPE_META, real) and \
            (tops[0] / GRADESCOPE_META).is_file():      # an export unzipped with its top folder
        return "gradescope", tops[0]
    if _inside(root / "submitted", real) and (root / "submitted").is_dir():
        return "nbgrader", root / "submitted"
    entries = _entries(root)
    top = sum(1 for e in entries if _is_nb(e.name) and not e.is_dir())
    dirs = [Path(e.path) for e in entries if e.is_dir(follow_symlinks=False)]
    direct = [d for d in dirs if _has_work(d)]
    nested = [d for d in dirs if d not in direct and (
        (assignment and (d / assignment).is_dir())
        or any(_has_work(Path(s.path)) for s in _entries(d) if s.is_dir(follow_symlinks=False)))]
    if top and top >= len(direct) + len(nested):
        return "flat", root
    if len(nested) > len(direct):
        return "nbgrader", root
    return ("per-student" if any(e.is_dir() for e in entries) else "flat"), root


def _layout_entries(layout: str, base: Path, real: Path, assignment: str | None, default=None):
    """Found entries and skipped-item problems for the flat, per-student and nbgrader layouts."""
    entries = _entries(base)
    if layout == "flat":
        used = [e for e in entries if _is_nb(e.name) and not e.is_dir()]
        canvas = [CANVAS_NAME.fullmatch(e.name) for e in used]
        if used and all(canvas):
            return _canvas(base, used, canvas), []
        found = [_Found(e.name[:-6], base, files=[Path(e.path)]) for e in used]
    else:
        used = [e for e in entries if e.is_dir()]
        sub = _assignment(base, used, real, assignment, default) if layout == "nbgrader" else ""
        found = [_Found(e.name, Path(e.path) / sub, stamp=Path(e.path) / sub / STAMP)
                 for e in used]
    skipped = [e.name for e in entries if e not in used]
    return found, [_summary("item", skipped, f" in {_show(base)}")] if skipped else []


def _canvas(base: Path, used, names) -> list[_Found]:
    """One entry per Canvas user id (all their files; the notebook is picked later),
    id ``<login>_<user id>``, the user id kept as the original id for the roster."""
    by_user: dict[str, _Found] = {}
    for entry, m in zip(used, names):
        f = by_user.setdefault(m["user"], _Found(f"{m['login']}_{m['user']}", base, files=[],
                                                  original=m["user"]))
        f.files.append(Path(entry.path))
        if m["late"] and not f.notes:
            f.notes.append("Canvas marked this submission LATE (Canvas gives no time: a "
                           "--manifest applies the late policy)")
    return list(by_user.values())


def _assignment(base: Path, students, real: Path, wanted: str | None, default=None) -> str:
    """The nbgrader assignment folder name to grade: ``wanted``, else the only one,
    else ``default`` (the rubric's) when it is among them; ambiguity is an error."""
    if wanted:
        return wanted
    names = sorted({s.name for e in students if _inside(Path(e.path), real)
                    for s in _entries(Path(e.path)) if s.is_dir(follow_symlinks=False)})
    if len(names) > 1 and default in names:
        return default
    if len(names) > 1:
        raise SubmissionsError(f"{_show(base)}: several assignments found "
                               f"({_show(', '.join(names))}); choose one with --assignment NAME")
    return names[0] if names else ""


def _gradescope(root: Path, real: Path, zone) -> tuple[list[_Found], list[str]]:
    """One entry per submitter of each Gradescope submission folder."""
    meta_path = root / GRADESCOPE_META
    try:
        data = yaml.safe_load(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError, RecursionError) as err:
        raise SubmissionsError(
            f"{_show(meta_path)}: malformed metadata ({_one_line(err)})") from None
    if not isinstance(data, (dict, type(None))):
        raise SubmissionsError(f"{_show(meta_path)}: malformed metadata (expected a mapping "
                               f"of submission folders, got {type(data).__name__})")
    meta = {str(k): v for k, v in (data or {}).items()}
    entries = _entries(root)
    found, problems = [], []
    for folder in (Path(e.path) for e in entries if e.is_dir()):
        entry = meta.pop(folder.name, None)
        if not isinstance(entry, dict):
            problems.append(f"{_show(folder.name)}: not described in {GRADESCOPE_META}; "
                            "student id taken from the folder name")
            found.append(_Found(folder.name, folder))
            continue
        entry = {str(k).strip(":"): v for k, v in entry.items()}
        notes, when = [], None
        try:
            when = parse_time(entry["created_at"], zone, local=zone) \
                if entry.get("created_at") else None
        except ValueError as err:
            notes.append(f"ignored :created_at: in {GRADESCOPE_META}: {err}")
        people = entry.get("submitters") if isinstance(entry.get("submitters"), list) else []
        people = [p for p in people if isinstance(p, dict)]
        ids = [_submitter_id(p, folder.name) for p in people] or [folder.name]
        if len(ids) > 1:
            notes.append(f"group submission {_show(folder.name)} by {_show(', '.join(ids))}")
        found += [_Found(i, folder, time=when, notes=list(notes)) for i in ids]
    if meta:
        problems.append(_summary("entry", sorted(meta), f" in {GRADESCOPE_META} without a folder"))
    skipped = [e.name for e in entries if not e.is_dir() and e.name != GRADESCOPE_META]
    return found, problems + ([_summary("item", skipped, f" in {_show(root)}")] if skipped else [])


def _submitter_id(person: dict, folder: str) -> str:
    """Gradescope id: the sid, else the email's local part, else the folder name."""
    person = {str(k).strip(":"): v for k, v in person.items()}
    if str(person.get("sid") or "").strip():
        return str(person["sid"]).strip()
    email = str(person.get("email") or "").strip()
    return email.split("@")[0] if email.split("@")[0] else folder


def _build(found: _Found, real: Path, manifest: dict, zone, file_times: bool,
           prefer=()) -> Submission:
    """Settle the notebook, submission time and notes for one entry."""
    sid, notes, notebook = sanitise_id(found.raw_id), list(found.notes), None
    if not _inside(found.folder, real):
        notes.append("refused: symlink points outside submissions")
        found.stamp = None
    else:
        files = found.files if found.files is not None else _walk(found.folder)
        notebook, more = _pick(files, found.folder, real, prefer)
        notes += more if files else [f"no notebook found in {_show(found.folder)}"]
    when, source = _submission_time(found, sid, real, manifest, zone, notes)
    if when is None and file_times and notebook is not None:
        when, source = datetime.fromtimestamp(_mtime(notebook), zone), "mtime"
    return Submission(sid, notebook, when, source if when else "none", tuple(notes),
                      original_id=_show(found.original or found.raw_id))


def _submission_time(found: _Found, sid: str, real: Path, manifest: dict, zone, notes):
    """(time, its source) in trust order: the TA's manifest, the platform's metadata,
    the layout's timestamp.txt; (None, "none") when none of them says."""
    for key in (sid.lower(), (found.original or "").lower()):
        if key and key in manifest:
            return manifest[key], "manifest"
    if found.time is not None:
        return found.time, GRADESCOPE_META
    if found.stamp is not None:
        when = _read_stamp(found.stamp, real, zone, notes)
        if when is not None:
            return when, STAMP
    return None, "none"


def _named_like(path: Path, prefer) -> bool:
    """Whether the notebook's name is one of ``prefer`` (case, - and _ aside; for a
    Canvas download, its own name without Canvas's prefix and resubmission number)."""
    canvas = CANVAS_NAME.fullmatch(path.name)
    name = re.sub(r"-\d+(\.ipynb)$", r"\1", canvas["file"]) if canvas else path.name
    norm = lambda n: n.lower().replace("-", "_")          # noqa: E731
    return norm(name) in {norm(n) for n in prefer}


def _pick(files: list[Path], base: Path, real: Path, prefer=()) -> tuple[Path | None, list[str]]:
    """Choose the notebook named like the assignment (``prefer``), else the newest
    (ties by name); refuse symlinks leaving root."""
    ok, refused, notes = [], [], []
    for path in files:
        if not _inside(path, real):
            refused.append(_rel(path, base))
        elif os.path.isfile(path):
            ok.append(path)
        else:
            notes.append(f"skipped {_rel(path, base)}: not a readable file")
    if refused:
        notes.append(f"refused: symlink points outside submissions ({', '.join(refused)})")
    ok.sort(key=lambda p: (not _named_like(p, prefer), -_mtime(p), _rel(p, base)))
    if len(ok) > 1:
        others = ", ".join(_rel(p, base) for p in ok[1:])
        why = "named like the assignment" if _named_like(ok[0], prefer) else "newest"
        notes.append(f"{len(ok)} notebooks found; graded {why}: {_rel(ok[0], base)} "
                     f"(others: {others})")
    return (ok[0] if ok else None), notes


def _read_stamp(path: Path, real: Path, zone, notes: list[str]) -> datetime | None:
    """The time in a timestamp.txt, or None (with a note when it is unusable)."""
    if not os.path.lexists(path):
        return None
    try:
        if not (_inside(path, real) and path.is_file()):
            raise OSError("not a regular file inside the submissions folder")
        with open(path, "rb") as handle:
            lines = handle.read(4096).decode("utf-8", "replace").strip().splitlines()
        return parse_time(lines[0] if lines else "", zone, local=zone)
    except (OSError, ValueError) as err:
        notes.append(f"ignored {STAMP}: {_one_line(err)}")
        return None


def _dedupe(subs: list[Submission], root: Path) -> tuple[list[Submission], list[str]]:
    """Keep the newest submission per case-insensitive id; report the rest."""
    groups: dict[str, list[Submission]] = {}
    for sub in subs:
        groups.setdefault(sub.student_id.lower(), []).append(sub)
    kept, problems = [], []
    for group in groups.values():
        group.sort(key=lambda s: (s.notebook is None, -(s.submitted_at.timestamp()
                   if s.submitted_at else float("-inf")), _label(s, root)))
        if len(group) > 1:
            others = ", ".join(_label(s, root) for s in group[1:])
            problems.append(f"duplicate student id {group[0].student_id!r}: kept "
                            f"{_label(group[0], root)}, skipped {others}")
            note = f"duplicate id; ignored {others}"
            group[0] = replace(group[0], notes=group[0].notes + (note,))
        kept.append(group[0])
    kept.sort(key=lambda s: (s.student_id.lower(), s.student_id))
    return kept, problems


def _walk(folder: Path) -> list[Path]:
    """Notebooks below folder, skipping hidden/checkpoint folders and folder symlinks."""
    found = []
    for top, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not _hidden(d))
        found += [Path(top, f) for f in sorted(files) if _is_nb(f) and not _hidden(f)]
    return found


def _entries(folder: Path) -> list[os.DirEntry]:
    """Visible entries of a folder sorted by name ([] when it cannot be listed)."""
    try:
        with os.scandir(folder) as it:
            return sorted((e for e in it if not _hidden(e.name)), key=lambda e: e.name)
    except OSError:
        return []


def _has_work(folder: Path) -> bool:
    """Whether a folder directly holds a notebook or a timestamp.txt."""
    return any(_is_nb(e.name) or e.name == STAMP for e in _entries(folder))


def _inside(path: Path, real: Path) -> bool:
    """Whether path, with every symlink resolved, stays under the real root."""
    return Path(os.path.realpath(path)).is_relative_to(real)


def _mtime(path: Path) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return 0.0


def _hidden(name: str) -> bool:
    return name.startswith(".") or name in _IGNORED


def _is_nb(name: str) -> bool:
    return name.lower().endswith(".ipynb")


def _rel(path: Path, base: Path) -> str:
    return _show(os.path.relpath(path, base))


def _label(sub: Submission, root: Path) -> str:
    return _rel(sub.notebook, root) if sub.notebook else f"{sub.student_id} (no notebook)"


def _summary(noun: str, names: list[str], tail: str = "", verb: str = "skipped") -> str:
    """'skipped 7 items in x: a, b, c, d, e and 2 more'."""
    shown = ", ".join(_show(n) for n in names[:5])
    more = f" and {len(names) - 5} more" if len(names) > 5 else ""
    plural = "s" if len(names) != 1 else ""
    return f"{verb} {len(names)} {noun}{plural}{tail}: {shown}{more}"
