"""``rubric.yaml`` -> frozen dataclasses, validated with one-line errors.

Every problem is reported as ``<file>: <key>: <what is wrong> (expected ...)``.
"""
from __future__ import annotations

import types
import typing
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path

from . import late as late_policies
from . import yamlfile
from .checks import catalog
from .errors import RubricError, SubmissionsError
from .intake.times import parse_time, time_zone

# The course rubric ships inside the package (package data), so a normal,
# non-editable install finds it; it is the only copy.
DEFAULT_RUBRIC = (Path(__file__).parent / "data" / "rubric.yaml").resolve()   # -> ../rubric.yaml in a checkout




@dataclass(frozen=True)
class Data:
    file: str | None = None
    name_in_notebook: str = "dataG.pkl.gz"
    hidden_file: str | None = None
    hidden_fraction: float = 0.1      # of the training set, withheld from a course file's copy


@dataclass(frozen=True)
class Names:
    train_images: str = "train_images"
    train_labels: str = "train_labels"
    test_images: str = "test_images"
    test_labels: str = "test_labels"
    net: str = "net"
    loss: str = "loss"
    loss_grad: str = "loss_grad"
    fraction_correct: str = "fractionCorrect"
    params: str = "params"
    history: str = "accuracies"
    steps: str = "steps"                # the training step of each record, when kept
    batch_grad: str = "batch_loss_grad"


@dataclass(frozen=True)
class Probes:
    seed: int | None = None           # None: the grader's private secret (heldback.py)
    n_images: int = 6
    batch_size: int = 10
    rtol: float = 1e-3
    atol: float = 1e-5


@dataclass(frozen=True)
class Timeouts:
    cell_seconds: float = 900        # an honest, slow, patient training cell: ~530 s measured
    notebook_seconds: float = 1800   # (benchmarks/slow_styles.py, docs/benchmarks.md)
    startup_seconds: float = 60


@dataclass(frozen=True)
class Limits:
    memory_mb: int = 6144
    processes: int = 128
    file_size_mb: int = 512
    open_files: int = 512
    cpu_seconds: int = 1800
    disk_mb: int = 1024        # the kernel's working folder and /tmp together (tmpfs)


@dataclass(frozen=True)
class Late:
    policy: str = "multiplier"
    multiplier: float = 0.8
    grace_minutes: float = 0


@dataclass(frozen=True)
class Integrity:
    code_threshold: float = 0.6   # integrity.html: code similarity that flags a pair (grader/integrity.py)


@dataclass(frozen=True)
class Report:
    pass_percent: float = 60.0    # class_report.html: a final grade below this share of the
                                  # points possible puts a student under "needs attention"


@dataclass(frozen=True)
class Rubric:
    source: str
    assignment: str
    data: Data
    names: Names
    probes: Probes
    timeouts: Timeouts
    limits: Limits
    checks: dict = field(default_factory=dict)      # name -> the check's settings
    deadline: datetime | None = None
    late: Late = Late()
    extensions: dict = field(default_factory=dict)  # student id -> datetime
    timestamp_zone: str | None = None   # the zone submission times are written in
    integrity: Integrity = Integrity()
    report: Report = Report()

    def local_zone(self):
        """The course's zone, for times without one and abbreviations like ``EDT``:
        ``timestamp_zone``, else the deadline's zone, else UTC."""
        if self.timestamp_zone:
            return time_zone(self.timestamp_zone)
        return self.deadline.tzinfo if self.deadline is not None else timezone.utc

    def check(self, name):
        """The check's settings (its catalog settings class); off when not listed."""
        return self.checks.get(name) or catalog.BY_NAME[name].settings(points=0, enabled=False)

    def assess_late(self, submission):
        """This rubric's late policy (deadline, grace, extension) applied to a submission."""
        return late_policies.assess(submission.submitted_at, deadline=self.deadline,
                                    grace_minutes=self.late.grace_minutes,
                                    extension=self.extension_for(submission.student_id),
                                    policy=self.late.policy, multiplier=self.late.multiplier)

    def extension_for(self, student_id):
        """The student's extended deadline, the id matched case aside as overrides are
        (None: no extension)."""
        mine = [v for k, v in self.extensions.items() if k.lower() == student_id.lower()]
        return mine[0] if mine else None

    def data_path(self) -> Path | None:
        """The data file as an absolute path (relative paths are from the rubric)."""
        if not self.data.file:
            return None
        p = Path(self.data.file).expanduser()
        return p if p.is_absolute() else Path(self.source).parent / p

    def to_dict(self) -> dict:
        d = asdict(self)
        d["deadline"] = self.deadline.isoformat() if self.deadline else None
        d["extensions"] = {k: v.isoformat() for k, v in self.extensions.items()}
        return d



_SECTIONS = {"data": Data, "names": Names, "probes": Probes, "timeouts": Timeouts,
             "limits": Limits, "late": Late, "integrity": Integrity, "report": Report}
_TOP = {"assignment", "checks", "deadline", "extensions", "timestamp_zone", *_SECTIONS}


def load(path=None) -> Rubric:
    """Read and validate a rubric file (default: the course's ``rubric.yaml``)."""
    path = Path(path) if path else DEFAULT_RUBRIC
    try:
        raw = yamlfile.read(path)
    except FileNotFoundError:
        raise RubricError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RubricError(f"{path}: cannot read ({exc})") from None
    except yamlfile.Refused as exc:
        raise RubricError(f"{path}: {exc}") from None
    return from_mapping(raw, source=str(path))


def from_mapping(raw, *, source="<rubric>") -> Rubric:
    """Validate an already-parsed mapping."""
    err = lambda key, msg: RubricError(f"{source}: {key}: {msg}")  # noqa: E731
    if not isinstance(raw, dict):
        raise RubricError(f"{source}: expected a mapping of settings at the top level")
    unknown = sorted(set(raw) - _TOP)
    if unknown:
        raise err(unknown[0], f"unknown key (expected one of {', '.join(sorted(_TOP))})")
    sections = {name: _section(cls, raw.get(name, {}), name, err)
                for name, cls in _SECTIONS.items()}
    if sections["late"].policy not in late_policies.POLICIES:
        raise err("late.policy", f"unknown policy {sections['late'].policy!r} "
                                 f"(expected one of {', '.join(late_policies.POLICIES)})")
    if not 0 < sections["integrity"].code_threshold <= 1:
        raise err("integrity.code_threshold", f"expected a fraction in (0, 1], found "
                                              f"{sections['integrity'].code_threshold}")
    if not 0 < sections["report"].pass_percent <= 100:
        raise err("report.pass_percent", f"expected a percentage in (0, 100], found "
                                         f"{sections['report'].pass_percent}")
    checks = _checks(raw.get("checks"), err)
    deadline = _time(raw["deadline"], "deadline", err) if raw.get("deadline") else None
    ext = raw.get("extensions") or {}
    if not isinstance(ext, dict):
        raise err("extensions", "expected a mapping of student id to new deadline")
    extensions = {str(k): _time(v, f"extensions.{k}", err) for k, v in ext.items()}
    zone = raw.get("timestamp_zone")
    if zone is not None:
        try:
            time_zone(str(zone))
        except SubmissionsError:
            raise err("timestamp_zone", f"unknown time zone {zone!r} (expected e.g. "
                                        f"America/New_York)") from None
    return Rubric(source=source, assignment=str(raw.get("assignment", "galaxy-classifier")),
                  checks=checks, deadline=deadline, extensions=extensions,
                  timestamp_zone=str(zone) if zone is not None else None, **sections)


def _section(cls, value, name, err):
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise err(name, f"expected a mapping, found {type(value).__name__}")
    hints = typing.get_type_hints(cls)
    known = [f.name for f in fields(cls)]
    out = {}
    for key, val in value.items():
        if key not in known:
            raise err(f"{name}.{key}", f"unknown key (expected one of {', '.join(known)})")
        out[key] = _typed(val, hints[key], f"{name}.{key}", err)
    return cls(**out)


def _typed(val, hint, key, err):
    """Validate one value against its dataclass field's type hint."""
    options = typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, types.UnionType) \
        else (hint,)
    if val is None:
        if type(None) in options:
            return None
        raise err(key, "a value is required")
    kind = next(o for o in options if o is not type(None))
    if kind is bool:
        if isinstance(val, bool):
            return val
        raise err(key, f"expected true or false, found {val!r}")
    if kind in (int, float):
        if isinstance(val, bool) or not isinstance(val, (int, float)):
            raise err(key, f"expected a number, found {val!r}")
        if val < 0:
            raise err(key, f"expected a number >= 0, found {val!r}")
        if kind is int:
            if val != int(val):
                raise err(key, f"expected a whole number, found {val!r}")
            return int(val)
        return float(val)
    if kind is str:
        if not isinstance(val, str) or not val:
            raise err(key, f"expected a non-empty string, found {val!r}")
        return val
    return val


def _checks(value, err):
    names = ", ".join(catalog.NAMES)
    if not isinstance(value, dict) or not value:
        raise err("checks", f"expected a mapping of check name to settings (checks: {names})")
    out = {}
    for name, spec in value.items():
        if name == "hidden_accuracy":
            raise err("checks.hidden_accuracy", "now part of trained_accuracy (set max_gap there)")
        if name not in catalog.BY_NAME:
            raise err(f"checks.{name}", f"unknown check (expected one of {names})")
        if not isinstance(spec, dict) or "points" not in spec:
            raise err(f"checks.{name}", "expected a mapping with at least 'points'")
        out[name] = _section(catalog.BY_NAME[name].settings, spec, f"checks.{name}", err)
    thr = out.get(catalog.TRAINED_ACCURACY)
    if thr and not 0 < thr.threshold <= 1:
        raise err("checks.trained_accuracy.threshold", f"expected a fraction in (0, 1], "
                                                       f"found {thr.threshold}")
    return out


def _time(val, key, err):
    if isinstance(val, datetime):
        if val.tzinfo is None:
            raise err(key, f"{val} has no time zone (expected e.g. "
                           f"'2025-10-31 23:59:00 America/New_York')")
        return val
    if not isinstance(val, str):
        raise err(key, f"expected a date-time string, found {val!r}")
    try:
        when = parse_time(val, None)
    except (ValueError, TypeError, KeyError) as exc:
        raise err(key, f"cannot read {val!r} as a date-time with time zone "
                       f"(expected e.g. '2025-10-31 23:59:00 America/New_York'): {exc}") from None
    if when.utcoffset() is None:
        raise err(key, f"{val!r} has no time zone (expected e.g. "
                       f"'2025-10-31 23:59:00 America/New_York')")
    return when
