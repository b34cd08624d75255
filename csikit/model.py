"""The CSI vocabulary as frozen dataclasses (its enums are in :mod:`csikit.vocabulary`): the
workshop definition (objectives, practices, KPIs, items, activities, initiatives) and an
activity's status; what people do in a workshop is :mod:`csikit.records` (re-exported here).

No I/O, no widgets, no pandas. Every record validates itself on construction and
raises :class:`~csikit.errors.ValidationError` listing each field and what to fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from .checks import Checker as _Checker
from .checks import unknown as _unknown
from .records import Event as Event
from .records import Idea as Idea
from .records import Measurement as Measurement
from .records import Participant as Participant
from .records import Response as Response
from .vocabulary import (  # the enums, re-exported: the model's public names
    TRANSITIONS,  # noqa: F401 - re-exported
    ActivityKind,
    ActivityState,
    ClosureCode,
    Direction,
    Effort,
    Framework,
    InitiativeState,
    InitiativeType,
    MaturityPhase,
    RatingScale,
    Step,
)

CMMI_LABELS = (
    "Incomplete",
    "Initial",
    "Managed",
    "Defined",
    "Quantitatively managed",
    "Optimizing",
)

#: Longest texts a participant may send; longer ones are refused, not cut.
MAX_NAME_LENGTH = 60
MAX_IDEA_LENGTH = 500
MAX_COMMENT_LENGTH = 1000

_CODE = re.compile(r"^[A-Z0-9]{4,12}$")
#: Item sources that are not activities.
STATIC_SOURCES = ("practices", "objectives", "kpis", "initiatives")
#: Kinds that show their items in a per-participant order (``fair_order``; see :mod:`csikit.order`).
FAIR_ORDER_KIND_NAMES = ("dot_vote", "rating", "ranking")
#: Smallest ``min_group`` a workshop may set, and the largest.
MIN_GROUP_RANGE = (1, 50)


@dataclass(frozen=True)
class MaturityScale:
    """Labels of maturity levels 0–5 (CMMI / COBIT 2019 capability levels by default)."""

    labels: tuple[str, ...] = CMMI_LABELS

    def __post_init__(self) -> None:
        c = _Checker()
        c.need(len(self.labels) == 6, "labels", f"needs 6 labels (levels 0–5), got {len(self.labels)}")
        for i, label in enumerate(self.labels):
            c.text(label, f"labels[{i}]")
        c.done()

    def label(self, level: int) -> str:
        return f"{level} · {self.labels[level]}"


@dataclass(frozen=True)
class Objective:
    """A business objective the improvements serve."""

    id: str
    title: str
    description: str = ""

    def __post_init__(self) -> None:
        c = _Checker()
        c.ident(self.id, "id")
        c.text(self.title, "title")
        c.done()


@dataclass(frozen=True)
class Practice:
    """A service-management practice whose maturity is assessed."""

    id: str
    name: str
    description: str = ""

    def __post_init__(self) -> None:
        c = _Checker()
        c.ident(self.id, "id")
        c.text(self.name, "name")
        c.done()


@dataclass(frozen=True)
class Point:
    """A value at a date, with where it came from (a baseline, a target, a reading)."""

    value: float
    date: date | None = None
    source: str = ""


@dataclass(frozen=True)
class Kpi:
    """A key performance indicator with its baseline and target."""

    id: str
    name: str
    unit: str
    direction: Direction
    baseline: Point
    target: Point
    objective: str = ""
    practice: str = ""
    description: str = ""

    def __post_init__(self) -> None:
        c = _Checker()
        c.ident(self.id, "id")
        c.text(self.name, "name")
        better = self.target.value > self.baseline.value
        if self.target.value == self.baseline.value:
            c.add("target.value", "equals the baseline; a target must differ from the baseline")
        elif better != (self.direction is Direction.HIGHER):
            c.add(
                "target.value",
                f"{self.target.value:g} is {'above' if better else 'below'} the baseline "
                f"{self.baseline.value:g}, but direction is {self.direction.value!r}: "
                "fix the target or the direction",
            )
        if self.baseline.date and self.target.date and self.target.date <= self.baseline.date:
            c.add("target.date", "must be after the baseline date")
        c.done()


@dataclass(frozen=True)
class Item:
    """One thing participants respond to: a problem, a candidate, a practice, a proposal."""

    id: str
    text: str

    def __post_init__(self) -> None:
        c = _Checker()
        c.ident(self.id, "id")
        c.text(self.text, "text", limit=MAX_IDEA_LENGTH)
        c.done()


@dataclass(frozen=True)
class Activity:
    """One interaction on the agenda, with the settings of its kind.

    Settings that do not apply to the kind are left ``None``; setting them is an error.
    """

    id: str
    step: Step
    kind: ActivityKind
    title: str
    prompt: str = ""
    items: tuple[Item, ...] = ()
    items_from: str = ""
    anonymous: bool = True
    minutes: int | None = None
    budget: int | None = None
    per_item_cap: int | None = None
    scale: RatingScale | None = None
    labels: tuple[str, ...] | None = None
    per_objective: bool | None = None
    phase: MaturityPhase | None = None
    max_ideas: int | None = None
    options: tuple[str, ...] | None = None
    choose: int | None = None
    fair_order: bool | None = None

    def __post_init__(self) -> None:
        from .kinds import kind_of

        c = _Checker()
        c.ident(self.id, "id")
        c.text(self.title, "title")
        for name, owners in _setting_owners().items():
            if getattr(self, name) is not None and self.kind.value not in owners:
                c.add(name, f"applies only to {', '.join(owners)} activities, not to {self.kind.value}")
        if self.fair_order is not None and self.kind.value not in FAIR_ORDER_KIND_NAMES:
            c.add(
                "fair_order",
                f"applies only to {', '.join(FAIR_ORDER_KIND_NAMES)} activities, not to {self.kind.value}; remove it",
            )
        if self.minutes is not None:
            c.need(1 <= self.minutes <= 240, "minutes", "must be between 1 and 240")
        kind_of(self.kind).check(self, c)
        c.unique([i.id for i in self.items], "items")
        c.done()

    @property
    def cap(self) -> int:
        """Most dots one participant may put on one item."""
        return self.per_item_cap or self.budget or 0

    def criteria(self, objectives: tuple[Objective, ...] = ()) -> tuple[str, ...]:
        """What each item is scored on; ``""`` when an item takes one value."""
        from .kinds import kind_of

        return kind_of(self.kind).criteria(self, objectives)

    def value_range(self) -> tuple[int, int]:
        """Smallest and largest value one response may hold."""
        from .kinds import kind_of

        return kind_of(self.kind).value_range(self)

    def score_labels(self, scale: MaturityScale | None = None) -> tuple[str, ...]:
        """Label of each possible value, lowest first."""
        from .kinds import kind_of

        return kind_of(self.kind).score_labels(self, scale)


def _setting_owners() -> dict[str, tuple[str, ...]]:
    """Each kind-specific setting of an Activity and the kinds that take it."""
    from .kinds import kind_of

    owners: dict[str, tuple[str, ...]] = {}
    for kind in ActivityKind:
        for name in kind_of(kind).settings:
            owners[name] = (*owners.get(name, ()), kind.value)
    return owners


@dataclass(frozen=True)
class Initiative:
    """A row of the CSI register: one improvement initiative."""

    id: str
    title: str
    description: str = ""
    step: Step = Step.TARGET
    service: str = ""
    type: InitiativeType = InitiativeType.PROCESS
    source: str = ""
    objective: str = ""
    expected_benefit: str = ""
    effort: Effort = Effort.M
    priority: int = 3
    owner: str = ""
    framework: Framework = Framework.ITIL
    kpi: str = ""
    measurement_method: str = ""
    baseline: Point | None = None
    target: Point | None = None
    planned_start: date | None = None
    planned_end: date | None = None
    actual_start: date | None = None
    actual_end: date | None = None
    state: InitiativeState = InitiativeState.NEW
    closure_code: ClosureCode | None = None
    latest: Point | None = None
    vote_score: float | None = None
    vote_interval: tuple[float, ...] | None = None
    voters: int | None = None

    def __post_init__(self) -> None:
        c = _Checker()
        c.ident(self.id, "id")
        c.text(self.title, "title", limit=200)
        c.need(1 <= self.priority <= 5, "priority", f"{self.priority} is not between 1 (highest) and 5")
        if self.planned_start and self.planned_end and self.planned_end < self.planned_start:
            c.add("planned_end", "is before planned_start")
        if self.actual_start and self.actual_end and self.actual_end < self.actual_start:
            c.add("actual_end", "is before actual_start")
        finished = self.state.is_finished
        if self.closure_code is not None and not finished:
            c.add(
                "closure_code",
                f"is set but state is {self.state.value!r}; only closed or cancelled initiatives have one",
            )
        if self.state is InitiativeState.CLOSED and self.closure_code is None:
            c.add("closure_code", "a closed initiative needs one: successful, unsuccessful or withdrawn")
        if self.vote_interval is not None:
            c.need(len(self.vote_interval) == 2, "vote_interval", "needs two numbers: low and high")
        c.done()


@dataclass(frozen=True)
class Workshop:
    """A workshop definition: the organisation's vision, objectives, practices, KPIs,
    the agenda of activities grouped by step, and the CSI register."""

    code: str
    title: str
    organisation: str
    vision: str = ""
    date: date | None = None
    objectives: tuple[Objective, ...] = ()
    practices: tuple[Practice, ...] = ()
    maturity_scale: MaturityScale = field(default_factory=MaturityScale)
    kpis: tuple[Kpi, ...] = ()
    agenda: tuple[Activity, ...] = ()
    initiatives: tuple[Initiative, ...] = ()
    measurements: tuple[Measurement, ...] = ()
    min_group: int = 3
    #: The part of ``organisation`` this workshop's cycle covers (a department, a team, a
    #: project); optional. Workshops of one organisation are read together by
    #: :func:`csikit.open_portfolio` and ``csikit review PATH PATH …``, one column each.
    department: str = ""

    def __post_init__(self) -> None:
        c = _Checker()
        if not _CODE.match(self.code):
            c.add("code", f"{self.code!r} is not a join code: use 4–12 capital letters or digits, e.g. DESK26")
        c.text(self.title, "title")
        c.text(self.organisation, "organisation")
        c.text(self.department, "department", required=False, limit=80)
        lo, hi = MIN_GROUP_RANGE
        c.need(
            isinstance(self.min_group, int) and not isinstance(self.min_group, bool) and lo <= self.min_group <= hi,
            "min_group",
            (
                f"{self.min_group!r} is not between {lo} and {hi}: "
                "the fewest answers an activity needs before its results are shown"
            ),
        )
        for name in ("objectives", "practices", "kpis", "agenda", "initiatives"):
            c.unique([r.id for r in getattr(self, name)], name)
        objectives = {o.id for o in self.objectives}
        practices = {p.id for p in self.practices}
        kpis = {k.id: k for k in self.kpis}
        for i, k in enumerate(self.kpis):
            if k.objective and k.objective not in objectives:
                c.add(f"kpis[{i}].objective", _unknown(k.objective, "objective", objectives))
            if k.practice and k.practice not in practices:
                c.add(f"kpis[{i}].practice", _unknown(k.practice, "practice", practices))
        from .kinds import kind_of  # lazily, like Activity's checks: kinds import the model

        seen: dict[str, Activity] = {}
        for i, a in enumerate(self.agenda):
            src = a.items_from
            if src and src not in STATIC_SOURCES:
                if src == a.id:
                    c.add(f"agenda[{i}].items_from", "an activity cannot take items from itself")
                elif src not in seen:
                    c.add(
                        f"agenda[{i}].items_from",
                        _unknown(src, "earlier activity", set(seen)) + f" (or one of {', '.join(STATIC_SOURCES)})",
                    )
            if not (a.items or self.practices) and kind_of(a.kind).assesses_maturity:
                c.add(f"agenda[{i}].items", "a maturity activity needs practices: add a practices section")
            if a.per_objective and not self.objectives:
                c.add(f"agenda[{i}].per_objective", "needs objectives: add an objectives section")
            seen[a.id] = a
        for i, ini in enumerate(self.initiatives):
            if ini.kpi and ini.kpi not in kpis:
                c.add(f"initiatives[{i}].kpi", _unknown(ini.kpi, "KPI", set(kpis)))
            if ini.objective and ini.objective not in objectives:
                c.add(f"initiatives[{i}].objective", _unknown(ini.objective, "objective", objectives))
        for i, m in enumerate(self.measurements):
            if m.kpi not in kpis:
                c.add(f"measurements[{i}].kpi", _unknown(m.kpi, "KPI", set(kpis)))
        c.done()

    def activity(self, activity_id: str) -> Activity:
        for a in self.agenda:
            if a.id == activity_id:
                return a
        msg = f"the workshop has no activity {activity_id!r}"
        from .errors import NotFound

        raise NotFound(msg)

    def kpi(self, kpi_id: str) -> Kpi:
        for k in self.kpis:
            if k.id == kpi_id:
                return k
        from .errors import NotFound

        raise NotFound(f"the workshop has no KPI {kpi_id!r}")

    def by_step(self) -> dict[Step, tuple[Activity, ...]]:
        """The agenda grouped by step, every step present."""
        return {s: tuple(a for a in self.agenda if a.step is s) for s in Step}

    def static_items(self, source: str) -> tuple[Item, ...]:
        """Items taken from a section of the workshop rather than from participants."""
        if source == "practices":
            return tuple(Item(p.id, p.name) for p in self.practices)
        if source == "objectives":
            return tuple(Item(o.id, o.title) for o in self.objectives)
        if source == "kpis":
            return tuple(Item(k.id, k.name) for k in self.kpis)
        if source == "initiatives":
            waiting = InitiativeState.not_started_states()
            return tuple(Item(i.id, i.title) for i in self.initiatives if i.state in waiting)
        return ()

    def items_of(self, activity: Activity) -> tuple[Item, ...]:
        """The items an activity starts with (ideas-sourced items arrive when it opens)."""
        from .kinds import kind_of

        return kind_of(activity.kind).items(activity, self)


@dataclass(frozen=True)
class ActivityStatus:
    """An activity as the room sees it now: its definition, state and current items."""

    activity: Activity
    state: ActivityState
    items: tuple[Item, ...]
    changed_at: datetime
