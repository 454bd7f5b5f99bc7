"""Result dataclasses: every result has ``score``, ``possible`` and ``to_dict()``."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .late import LateResult
from .message import Message, valid


@dataclass
class CheckResult:
    name: str
    score: float
    possible: float
    message: str
    extra_credit: bool = False
    details: dict = field(default_factory=dict)
    parts: tuple = ()     # the message in parts (grader.message): code, and what the
                          # notebook supplied; () for a message made without them

    def __post_init__(self):
        if isinstance(self.message, Message):      # built by message.say: keep its parts
            self.parts = self.parts or self.message.parts
            self.message = str(self.message)
        self.parts = valid(self.parts)

    @property
    def passed(self) -> bool:
        return self.score >= self.possible > 0 or (self.possible == 0 and not self.details.get("flag"))

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("parts")                 # grades.json keeps the plain message
        d["passed"] = self.passed
        return d


@dataclass
class SubmissionResult:
    student_id: str
    checks: list
    late: LateResult | None          # grader.late's verdict (None: never assessed)
    final: float
    status: str = "graded"           # graded | not graded | check error
    notebook: str = ""
    submitted_at: str = ""
    time_source: str = ""
    notes: list = field(default_factory=list)
    seconds: float = 0.0
    accuracy: float | None = None    # test accuracy the grader computed itself
    history: list = field(default_factory=list)
    history_steps: list = field(default_factory=list)   # training step of each record; [] unknown
    original_id: str = ""            # the id as submitted (student_id is its file-safe form)

    @property
    def score(self) -> float:        # raw total, extra credit included
        return round(sum(c.score for c in self.checks), 4)

    @property
    def possible(self) -> float:     # regular points only (extra credit is extra)
        return round(sum(c.possible for c in self.checks if not c.extra_credit), 4)

    @property
    def extra(self) -> float:
        return round(sum(c.score for c in self.checks if c.extra_credit), 4)

    def to_dict(self) -> dict:
        """The data for grades.json (whose late verdict also gets its wording there)."""
        d = asdict(self)
        d["checks"] = [c.to_dict() for c in self.checks]
        d["late"] = self.late.to_dict() if self.late is not None else None
        d.update(score=self.score, possible=self.possible, extra=self.extra)
        return d
