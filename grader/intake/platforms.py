"""The platforms' own layouts: a Gradescope export (``submission_metadata.yml`` and one
folder per submission) and Canvas's bulk download (one file per submitted file, named
``login_LATE_userid_subid_name.ipynb``)."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from ..errors import SubmissionsError, one_line as _one_line
from .folders import Found, summary, visible_entries
from ..errors import printable as _show
from .times import parse_time

GRADESCOPE_META = "submission_metadata.yml"
CANVAS_NAME = re.compile(r"(?P<login>[A-Za-z0-9]+)_(?P<late>LATE_)?(?P<user>\d+)_(?P<sub>\d+)_"
                         r"(?P<file>.+\.ipynb)")
# dropped once a --manifest gives the submission's time (intake.submissions._build)
CANVAS_LATE = ("Canvas marked this submission LATE (Canvas gives no time: a --manifest "
               "applies the late policy)")


def gradescope_entries(root: Path, real: Path, zone) -> tuple[list[Found], list[str]]:
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
    entries = visible_entries(root)
    found, problems = [], []
    for folder in (Path(e.path) for e in entries if e.is_dir()):
        entry = meta.pop(folder.name, None)
        if not isinstance(entry, dict):
            problems.append(f"{_show(folder.name)}: not described in {GRADESCOPE_META}; "
                            "student id taken from the folder name")
            found.append(Found(folder.name, folder, home=folder))
            continue
        entry = {str(k).strip(":"): v for k, v in entry.items()}
        notes, when, read = [], None, []
        try:
            when = parse_time(entry["created_at"], zone, local=zone, notes=read) \
                if entry.get("created_at") else None
            notes += [f":created_at: in {GRADESCOPE_META}: {line}" for line in read]
        except ValueError as err:
            notes.append(f"ignored :created_at: in {GRADESCOPE_META}: {err}")
        people = entry.get("submitters") if isinstance(entry.get("submitters"), list) else []
        people = [p for p in people if isinstance(p, dict)]
        ids = [submitter_id(p, folder.name) for p in people] or [folder.name]
        if len(ids) > 1:
            notes.append(f"group submission {_show(folder.name)} by {_show(', '.join(ids))}")
        found += [Found(i, folder, time=when, notes=list(notes), home=folder) for i in ids]
    if meta:
        problems.append(summary("entry", sorted(meta), f" in {GRADESCOPE_META} without a folder"))
    skipped = [e.name for e in entries if not e.is_dir() and e.name != GRADESCOPE_META]
    return found, problems + ([summary("item", skipped, f" in {_show(root)}")] if skipped else [])


def submitter_id(person: dict, folder: str) -> str:
    """Gradescope id, as the export's yml (``:sid:``) or the autograder's json (``sid``)
    gives it: the sid, else the email's local part, else ``folder`` (the fallback)."""
    person = {str(k).strip(":"): v for k, v in person.items()}
    for key in ("sid", "student_id"):
        if str(person.get(key) or "").strip():
            return str(person[key]).strip()
    email = str(person.get("email") or "").strip()
    return email.split("@")[0] if email.split("@")[0] else folder


def canvas_entries(base: Path, used, names) -> list[Found]:
    """One entry per Canvas user id (all their files; the notebook is picked later),
    id ``<login>_<user id>``, the user id kept as the original id for the roster."""
    by_user: dict[str, Found] = {}
    for entry, m in zip(used, names):
        f = by_user.setdefault(m["user"], Found(f"{m['login']}_{m['user']}", base, files=[],
                                                  original=m["user"]))
        f.files.append(Path(entry.path))
        if m["late"] and not f.notes:
            f.notes.append(CANVAS_LATE)
    return list(by_user.values())
