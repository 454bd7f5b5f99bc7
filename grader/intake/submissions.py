"""Find student submissions in the folder layouts TAs receive.

Five layouts are recognised automatically: ``flat`` (``root/<student>.ipynb``),
``canvas`` (Canvas's bulk download: ``root/smithbob_LATE_23456_67891_hw-1.ipynb``,
the login, Canvas's LATE mark (a note, dropped when a manifest gives the time), user
id, submission id and the file's own name),
``per-student`` (``root/<student>/*.ipynb``), ``nbgrader``
(``root/submitted/<student>/<assignment>/*.ipynb``) and ``gradescope``
(``root/submission_metadata.yml`` plus one folder per submission, also inside the
export's own top folder).

Discovery only reads: nothing under the submissions folder is created or
changed.  Odd situations (several notebooks, none at all, duplicate ids,
links leading out of a student's own files, strange file names) never crash; they
become one-line notes on the submission or problems on the whole batch.
``read_submission`` reads one Gradescope submission folder by the same rules.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from ..errors import SubmissionsError, not_found, one_line as _one_line
from .folders import (STAMP, Bounds, Found, has_work, inside, is_notebook, mtime, rel,
                      summary, visible_entries, walk)
from ..errors import printable
from .ids import sanitise_id
from .platforms import (CANVAS_LATE, CANVAS_NAME, GRADESCOPE_META, canvas_entries,
                        gradescope_entries)
from .times import parse_time, read_manifest, time_zone as _zone


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
                "notebook": printable(self.notebook) if self.notebook else None,
                "submitted_at": self.submitted_at.isoformat() if self.submitted_at else None,
                "time_source": self.time_source, "notes": list(self.notes)}


@dataclass(frozen=True)
class Discovery:
    """Everything found under a submissions folder."""

    layout: str
    submissions: tuple[Submission, ...]
    problems: tuple[str, ...] = ()


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
        raise SubmissionsError(f"{printable(root)}: not a folder" if root.exists()
                               else not_found(root, folder=True))
    zone = _zone(default_tz) if isinstance(default_tz, str) else default_tz
    times = read_manifest(manifest, default_tz=zone) if manifest else {}
    real = Path(os.path.realpath(root))
    layout, base = _detect(root, real, assignment)
    if layout == "gradescope":
        found, problems = gradescope_entries(base, real, zone)
    else:
        found, problems = _layout_entries(layout, base, real, assignment, default_assignment)
        if layout == "flat" and found and all(f.original for f in found):
            layout = "canvas"
    wanted = {sanitise_id(k).lower(): v for k, v in times.items()}
    bounds = Bounds(root, [p for f in found for p in f.own()])
    subs = [_build(f, bounds, wanted, zone, file_times, prefer) for f in found]
    subs, dupes = _dedupe(subs, root)
    problems += dupes
    unmatched = sorted(set(wanted) - {s.student_id.lower() for s in subs}
                       - {sanitise_id(s.original_id).lower() for s in subs if s.original_id})
    if unmatched:
        problems.append(
            summary("manifest row", unmatched, " with no matching submission", "ignored"))
    if not any(s.notebook for s in subs):
        problems.append(f"no notebooks found under {printable(root)}")
    return Discovery(layout, tuple(subs), tuple(problems))


def read_submission(folder, prefer=()) -> Submission:
    """One submission folder on its own (Gradescope's container holds just the student's
    files), read as ``discover`` reads each student's: the notebook named like
    ``prefer``, else the newest; a link leading out of the folder refused with a note.
    ``notebook`` is None when there is nothing to grade (the notes say why)."""
    folder = Path(os.fsdecode(folder))
    found = Found("", folder, home=folder)
    return _build(found, Bounds(folder, where="your submission"), {}, None, False, prefer)


def _detect(root: Path, real: Path, assignment: str | None) -> tuple[str, Path]:
    """Guess the layout from the folder's shape; returns (layout, base folder)."""
    if inside(root / GRADESCOPE_META, real) and (root / GRADESCOPE_META).is_file():
        return "gradescope", root
    tops = [Path(e.path) for e in visible_entries(root) if e.is_dir(follow_symlinks=False)]
    if len(tops) == 1 and inside(tops[0] / GRADESCOPE_META, real) and \
            (tops[0] / GRADESCOPE_META).is_file():      # an export unzipped with its top folder
        return "gradescope", tops[0]
    if inside(root / "submitted", real) and (root / "submitted").is_dir():
        return "nbgrader", root / "submitted"
    entries = visible_entries(root)
    top = sum(1 for e in entries if is_notebook(e.name) and not e.is_dir())
    dirs = [Path(e.path) for e in entries if e.is_dir(follow_symlinks=False)]
    direct = [d for d in dirs if has_work(d)]
    nested = [d for d in dirs if d not in direct and (
        (assignment and (d / assignment).is_dir())
        or any(has_work(Path(s.path)) for s in visible_entries(d) if s.is_dir(follow_symlinks=False)))]
    if top and top >= len(direct) + len(nested):
        return "flat", root
    if len(nested) > len(direct):
        return "nbgrader", root
    return ("per-student" if any(e.is_dir() for e in entries) else "flat"), root


def _layout_entries(layout: str, base: Path, real: Path, assignment: str | None, default=None):
    """Found entries and skipped-item problems for the flat, per-student and nbgrader layouts."""
    entries = visible_entries(base)
    if layout == "flat":
        used = [e for e in entries if is_notebook(e.name) and not e.is_dir()]
        canvas = [CANVAS_NAME.fullmatch(e.name) for e in used]
        if used and all(canvas):
            return canvas_entries(base, used, canvas), []
        found = [Found(e.name[:-6], base, files=[Path(e.path)]) for e in used]
    else:
        used = [e for e in entries if e.is_dir()]
        sub = _assignment(base, used, real, assignment, default) if layout == "nbgrader" else ""
        found = [Found(e.name, Path(e.path) / sub, stamp=Path(e.path) / sub / STAMP,
                       home=Path(e.path)) for e in used]
    skipped = [e.name for e in entries if e not in used]
    return found, [summary("item", skipped, f" in {printable(base)}")] if skipped else []


def _assignment(base: Path, students, real: Path, wanted: str | None, default=None) -> str:
    """The nbgrader assignment folder name to grade: ``wanted``, else the only one,
    else ``default`` (the rubric's) when it is among them; ambiguity is an error."""
    if wanted:
        return wanted
    names = sorted({s.name for e in students if inside(Path(e.path), real)
                    for s in visible_entries(Path(e.path)) if s.is_dir(follow_symlinks=False)})
    if len(names) > 1 and default in names:
        return default
    if len(names) > 1:
        raise SubmissionsError(f"{printable(base)}: several assignments found "
                               f"({printable(', '.join(names))}); choose one with --assignment NAME")
    return names[0] if names else ""


def _build(found: Found, bounds: Bounds, manifest: dict, zone, file_times: bool,
           prefer=()) -> Submission:
    """Settle the notebook, submission time and notes for one entry."""
    sid, notes, notebook = sanitise_id(found.raw_id), list(found.notes), None
    why = bounds.refusal(found.folder, found.own()) if found.home is not None else ""
    if why:
        notes.append(f"refused: {why}")
        found.stamp = None
    else:
        files = found.files if found.files is not None else walk(found.folder)
        notebook, more = _pick(files, found, bounds, prefer)
        notes += more if files else [f"no notebook found in {printable(found.folder)}"]
    when, source = _submission_time(found, sid, bounds, manifest, zone, notes)
    if source == "manifest":                # the TA's time decides, not Canvas's mark
        notes = [n for n in notes if n != CANVAS_LATE]
    if when is None and file_times and notebook is not None:
        when, source = datetime.fromtimestamp(mtime(notebook), zone), "mtime"
    return Submission(sid, notebook, when, source if when else "none", tuple(notes),
                      original_id=printable(found.original or found.raw_id))


def _submission_time(found: Found, sid: str, bounds: Bounds, manifest: dict, zone, notes):
    """(time, its source) in trust order: the TA's manifest, the platform's metadata,
    the layout's timestamp.txt; (None, "none") when none of them says."""
    for key in (sid.lower(), (found.original or "").lower()):
        if key and key in manifest:
            return manifest[key], "manifest"
    if found.time is not None:
        return found.time, GRADESCOPE_META
    if found.stamp is not None:
        when = _read_stamp(found.stamp, bounds.refusal(found.stamp, found.own()), zone, notes)
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


def _pick(files: list[Path], found: Found, bounds: Bounds,
          prefer=()) -> tuple[Path | None, list[str]]:
    """Choose the notebook named like the assignment (``prefer``), else the newest
    (ties by name), among the submitter's own files (``Bounds``: links elsewhere are
    refused, a few of them named); one file under two names counts once."""
    ok, refused, notes, base = [], [], [], found.folder
    for path in files:
        why = bounds.refusal(path, found.own())
        if why:
            refused.append(f"refused: {why}")
        elif os.path.isfile(path):
            ok.append(path)
        else:
            notes.append(f"skipped {rel(path, base)}: not a readable file")
    notes[:0] = refused[:3] + ([f"refused {len(refused) - 3} more links"] if refused[3:] else [])
    ok.sort(key=lambda p: (not _named_like(p, prefer), -mtime(p), rel(p, base)))
    real = [os.path.realpath(p) for p in ok]
    ok = [p for i, p in enumerate(ok) if real[i] not in real[:i]]
    if len(ok) > 1:
        others = ", ".join(rel(p, base) for p in ok[1:])
        why = "named like the assignment" if _named_like(ok[0], prefer) else "newest"
        notes.append(f"{len(ok)} notebooks found; graded {why}: {rel(ok[0], base)} "
                     f"(others: {others})")
    return (ok[0] if ok else None), notes


def _read_stamp(path: Path, refused: str, zone, notes: list[str]) -> datetime | None:
    """The time in a timestamp.txt, or None (with a note when it is unusable;
    ``refused``: why ``Bounds`` refuses to read it, or '')."""
    if not os.path.lexists(path):
        return None
    try:
        if refused or not path.is_file():
            raise OSError(refused or "not a regular file")
        with open(path, "rb") as handle:
            lines = handle.read(4096).decode("utf-8", "replace").strip().splitlines()
        read: list[str] = []
        when = parse_time(lines[0] if lines else "", zone, local=zone, notes=read)
        notes += [f"{STAMP}: {line}" for line in read]
        return when
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


def _label(sub: Submission, root: Path) -> str:
    return rel(sub.notebook, root) if sub.notebook else f"{sub.student_id} (no notebook)"
