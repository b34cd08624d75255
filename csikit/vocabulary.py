"""The CSI vocabulary's enums: the six steps, activity kinds and states, scales, and the
states and types of an initiative in the CSI register.

No I/O and no imports beyond the standard library and the kinds' registry (a dict), so
every layer can use them. :mod:`csikit.model` re-exports each name.
"""

from __future__ import annotations

from enum import Enum, IntEnum

from .kinds import REGISTRY as KIND_REGISTRY


class Step(IntEnum):
    """The six steps of the CSI approach, each a question the group answers."""

    VISION = 1
    NOW = 2
    TARGET = 3
    PLAN = 4
    CHECK = 5
    MOMENTUM = 6

    @property
    def question(self) -> str:
        return _QUESTIONS[self]

    @property
    def guidance(self) -> str:
        return _GUIDANCE[self]

    @property
    def label(self) -> str:
        return f"{int(self)} · {self.question}"


_QUESTIONS = {
    Step.VISION: "What is the vision?",
    Step.NOW: "Where are we now?",
    Step.TARGET: "Where do we want to be?",
    Step.PLAN: "How do we get there?",
    Step.CHECK: "Did we get there?",
    Step.MOMENTUM: "How do we keep the momentum going?",
}
_GUIDANCE = {
    Step.VISION: "Name the problems to solve and how each one hurts the business objectives.",
    Step.NOW: "Assess today honestly: maturity per practice and KPI baselines.",
    Step.TARGET: "Set targets and pick the improvements with the biggest, quickest return.",
    Step.PLAN: "Turn the chosen improvements into initiatives and gather consent.",
    Step.CHECK: "Compare actual against baseline and target, quarter by quarter.",
    Step.MOMENTUM: "Celebrate wins, learn lessons, decide what carries over.",
}


#: How participants answer: the interaction an activity is built from, one member per
#: module in :data:`csikit.kinds.REGISTRY` (``ActivityKind.DOT_VOTE.value == "dot_vote"``).
ActivityKind = Enum("ActivityKind", [(name.upper(), name) for name in KIND_REGISTRY], type=str, module=__name__)  # type: ignore[misc]  # members from the registry
ActivityKind.__doc__ = "How participants answer: the interaction an activity is built from."


class ActivityState(str, Enum):
    """Lifecycle set by the facilitator: draft → open → locked → revealed."""

    DRAFT = "draft"
    OPEN = "open"
    LOCKED = "locked"
    REVEALED = "revealed"


#: Facilitator actions and the states each may start from.
TRANSITIONS: dict[str, tuple[tuple[ActivityState, ...], ActivityState]] = {
    "open": ((ActivityState.DRAFT, ActivityState.LOCKED), ActivityState.OPEN),
    "lock": ((ActivityState.OPEN,), ActivityState.LOCKED),
    "reveal": ((ActivityState.LOCKED,), ActivityState.REVEALED),
    "reset": (tuple(ActivityState), ActivityState.DRAFT),
}


class RatingScale(str, Enum):
    """A rating is a Likert score per item, or an impact × effort pair per item."""

    LIKERT = "likert"
    IMPACT_EFFORT = "impact_effort"


class MaturityPhase(str, Enum):
    """Which maturity a maturity activity asks for."""

    CURRENT = "current"
    TARGET = "target"
    BOTH = "both"


class Direction(str, Enum):
    """Whether a KPI improves by going up or down."""

    HIGHER = "higher"
    LOWER = "lower"


class InitiativeState(str, Enum):
    NEW = "new"
    APPROVED = "approved"
    IN_PROGRESS = "in_progress"
    ON_HOLD = "on_hold"
    REVIEW = "review"
    CLOSED = "closed"
    CANCELLED = "cancelled"

    @classmethod
    def finished_states(cls) -> tuple[InitiativeState, ...]:
        """Closed or cancelled: no more work will be done (only these carry a closure code)."""
        return (cls.CLOSED, cls.CANCELLED)

    @classmethod
    def open_states(cls) -> tuple[InitiativeState, ...]:
        """Every state but the finished ones: what the next cycle carries over."""
        return tuple(s for s in cls if s not in cls.finished_states())

    @classmethod
    def not_started_states(cls) -> tuple[InitiativeState, ...]:
        """New or approved: work has not begun, so the group may still vote on or rank it."""
        return (cls.NEW, cls.APPROVED)

    @classmethod
    def started_states(cls) -> tuple[InitiativeState, ...]:
        """States that say work began (in progress, on hold, review, closed): they need an actual start."""
        return (cls.IN_PROGRESS, cls.ON_HOLD, cls.REVIEW, cls.CLOSED)

    @classmethod
    def ended_states(cls) -> tuple[InitiativeState, ...]:
        """States that say work stopped (review, closed, cancelled): they need an actual end."""
        return (cls.REVIEW, cls.CLOSED, cls.CANCELLED)

    @property
    def is_finished(self) -> bool:
        """True for closed and cancelled initiatives."""
        return self in self.finished_states()

    @property
    def is_open(self) -> bool:
        """True unless the initiative is finished."""
        return not self.is_finished


class InitiativeType(str, Enum):
    PEOPLE = "people"
    PROCESS = "process"
    TECHNOLOGY = "technology"


class Framework(str, Enum):
    ITIL = "ITIL"
    DEVOPS = "DevOps"
    COBIT = "COBIT"
    LEAN = "Lean"
    OTHER = "other"


class Effort(str, Enum):
    S = "S"
    M = "M"
    L = "L"
    XL = "XL"


class ClosureCode(str, Enum):
    SUCCESSFUL = "successful"
    UNSUCCESSFUL = "unsuccessful"
    WITHDRAWN = "withdrawn"
