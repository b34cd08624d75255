"""What each CSI step shows: exhibits (a titled table or chart) built from the store.

The facilitator's step panels, the step worksheets and the quarterly review all
show the same exhibits, so a number on the projector, in JupyterLab and in the
report is computed once, here, from :mod:`csikit.analysis` and :mod:`csikit.charts`.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from datetime import date

import pandas as pd

from . import analysis, charts, convert, rules
from .display import Exhibit
from .kinds import kind_of
from .kinds.base import Answers, Kind
from .kinds.results import results_of, withheld, withheld_note
from .model import (
    Activity,
    ActivityState,
    InitiativeState,
    MaturityPhase,
    Step,
    Workshop,
)
from .order import fair_order_on
from .quarters import as_of, moment_of
from .store import Store

log = logging.getLogger("csikit.exhibits")

#: What each step hands to the next one, in the group's words.
HANDOFFS = {
    Step.VISION: (
        "The problems named here become candidates to vote on (items_from) and the practices to assess in step 2."
    ),
    Step.NOW: "Today's maturity and KPI baselines are the starting line for step 3's targets and gaps.",
    Step.TARGET: "The winning improvements become initiatives in the CSI register (one click below).",
    Step.PLAN: "Approved initiatives, with owners, KPIs and dates, are what step 5 reviews each quarter.",
    Step.CHECK: "Off-track KPIs and overdue initiatives are what step 6 decides to fix, carry over or close.",
    Step.MOMENTUM: "Open initiatives, targets and lessons seed the next cycle's step 1 (csikit new NAME --from PATH).",
}


def cause(exc: BaseException) -> str:
    """An exception in one line, for a person (the traceback goes to the log)."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:300]}" if text else type(exc).__name__


def exhibits_or_problem(title: str, build: Callable[[], list[Exhibit]]) -> list[Exhibit]:
    """The exhibits ``build`` makes, or one Exhibit saying ``title`` failed (logged with its traceback)."""
    try:
        return build()
    except Exception as exc:  # noqa: BLE001 - one broken exhibit must not blank the step
        log.exception("csikit: the exhibit %r could not be computed", title)
        return [Exhibit(title, error=cause(exc))]


def _shown(store: Store, code: str, a: Activity, *, decided: bool = False) -> bool:
    """Whether a step shows an activity's results: once it has run (``decided``: once it was
    locked or revealed, as every view of a quarter requires)."""
    state = store.states(code).get(a.id)
    return state in (ActivityState.LOCKED, ActivityState.REVEALED) if decided else state is not ActivityState.DRAFT


def _acts(ws: Workshop, step: Step | None, wanted: Callable[[Kind], bool]) -> list[Activity]:
    """The agenda's activities (of ``step``, or all) whose kind is ``wanted``."""
    return [a for a in ws.agenda if (step is None or a.step is step) and wanted(kind_of(a.kind))]


def activity_exhibits(store: Store, code: str, a: Activity, *, facilitator: bool = False) -> list[Exhibit]:
    """The results of one activity as exhibits (any step): the kind decides which; a
    fair-order activity's first one carries the order check in its note.

    ``facilitator``: the console's step panel, which still shows results withheld from
    the room, worksheets and review (too few anonymous answers), marked as such.
    """
    ans = Answers.read(store, code, a)
    ws = store.workshop(code)
    kind = results_of(a.kind)
    if facilitator and withheld(ans, ws):
        mark = f"{rules.only_you_see(ws)}, so the room, worksheets and review do not."
        shown = kind.result_exhibits(kind.same_words(ans), ws)
        if shown:
            shown[0] = dataclasses.replace(shown[0], note=f"{mark} {shown[0].note}".strip())
        return with_order_check(shown, ans)
    return with_order_check(kind.exhibits(ans, ws), ans)


def with_order_check(exhibits: list[Exhibit], ans: Answers) -> list[Exhibit]:
    """The fair-order check (:func:`csikit.analysis.position_effect`) as one plain line in
    the note of the activity's first result; unchanged where items were not shuffled, nobody
    answered, or the results are withheld (a note in place of the table and chart)."""
    if not exhibits or not fair_order_on(ans.activity) or not ans.responses:
        return exhibits
    first = exhibits[0]
    if first.frame is None and first.figure is None:
        return exhibits
    line = analysis.order_check(ans.responses, ans.activity, ans.items)
    return [dataclasses.replace(first, note=f"{first.note} {line}".strip()), *exhibits[1:]]


def maturity_gap_exhibit(store: Store, code: str, *, decided: bool = False) -> Exhibit | None:
    """Current vs target maturity from the workshop's maturity activities (steps 2–3)
    (``decided``: only those locked or revealed, as in a view of a quarter)."""
    ws = store.workshop(code)
    acts = _acts(ws, None, lambda k: k.assesses_maturity)
    if not acts:
        return None
    if decided:
        acts = [a for a in acts if _shown(store, code, a, decided=True)]
    current, target, practices, left_out = [], [], (), []
    for a in acts:
        phase = a.phase or MaturityPhase.CURRENT
        items = store.status(code, a.id).items
        responses = store.responses(code, a.id)
        if withheld(Answers(a, tuple(items), tuple(responses)), ws):  # too few anonymous assessors
            left_out.append(a)
            continue
        practices = practices or items
        if phase in (MaturityPhase.CURRENT, MaturityPhase.BOTH):
            current += responses
        if phase in (MaturityPhase.TARGET, MaturityPhase.BOTH):
            target += responses
    if left_out and not current and not target:
        return Exhibit("Maturity gap: today → target", note=withheld_note(Answers(left_out[0], ()), ws))
    frame = analysis.maturity_gaps(current, target, practices)
    note = " ".join(f"“{a.title}” is left out: {withheld_note(Answers(a, ()), ws)}" for a in left_out)
    return Exhibit("Maturity gap: today → target", frame=frame, figure=charts.gap_chart(frame), note=note)


def register_frame(store: Store, code: str) -> pd.DataFrame:
    """The CSI register as a flat frame (one row per initiative)."""
    rows = [convert.to_plain(i) for i in store.initiatives(code)]
    frame = pd.json_normalize(rows, sep="_") if rows else pd.DataFrame(columns=["id", "title", "state"])
    for col in ("planned_start", "planned_end", "actual_start", "actual_end"):
        if col in frame:
            frame[col] = pd.to_datetime(frame[col]).dt.date
    return frame


def step_exhibits(
    store: Store, code: str, step: Step, *, quarter: str | None = None, facilitator: bool = False
) -> list[Exhibit]:
    """Everything a step shows, from its activities and the register (``facilitator``: the
    console, which sees withheld results, marked).

    ``quarter``: as of its end, or of now while it is in progress, by the rule of
    :mod:`csikit.quarters`: the store as it stood then (:meth:`csikit.store.Store.as_of`),
    activities locked or revealed by then, the register and readings of then.
    """
    ws = store.workshop(code)
    if quarter:
        store = store.as_of(moment_of(quarter))
    today = store.day if quarter else as_of(None)
    decided = bool(quarter)
    out: list[Exhibit] = []
    for a in ws.agenda:
        if a.step is step and _shown(store, code, a, decided=decided):
            out += exhibits_or_problem(a.title, lambda a=a: activity_exhibits(store, code, a, facilitator=facilitator))
    if step is Step.NOW:
        out += exhibits_or_problem("KPI baselines", lambda: [Exhibit("KPI baselines", frame=_baselines(ws))])
    if step in (Step.NOW, Step.TARGET):
        out += exhibits_or_problem("Maturity gap: today → target", lambda: _gap(store, code, decided))
    if step is Step.PLAN:
        out += exhibits_or_problem(
            "Roadmap", lambda: [Exhibit("Roadmap", figure=charts.roadmap_chart(register_frame(store, code), today))]
        )
    if step is Step.CHECK:
        out += exhibits_or_problem("KPI progress", lambda: _check(store, code, ws, today))
    if step is Step.MOMENTUM:
        for a in [
            a
            for a in _acts(ws, Step.MOMENTUM, lambda k: k.collects_ideas)
            if not decided or _shown(store, code, a, decided=True)
        ]:
            out += exhibits_or_problem(f"{a.title} (board)", lambda a=a: [_board(store, code, a)])
        out += exhibits_or_problem("Carry-over: open initiatives for the next cycle", lambda: [_carry(store, code)])
    return out


def _baselines(ws: Workshop) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "kpi": k.id,
                "name": k.name,
                "unit": k.unit,
                "baseline": k.baseline.value,
                "date": k.baseline.date,
                "source": k.baseline.source,
                "target": k.target.value,
                "better": k.direction.value,
            }
            for k in ws.kpis
        ]
    )


def _gap(store: Store, code: str, decided: bool = False) -> list[Exhibit]:
    gap = maturity_gap_exhibit(store, code, decided=decided)
    return [gap] if gap is not None and not gap.frame["current"].isna().all() else []


def _check(store: Store, code: str, ws: Workshop, today: date) -> list[Exhibit]:
    measurements = [m for m in store.measurements(code) if m.date <= today]
    progress = analysis.kpi_progress(ws.kpis, measurements)
    latest = analysis.kpi_latest(progress)
    out = [Exhibit("KPI progress toward target", frame=latest, figure=charts.progress_chart(latest))]
    out += exhibits_or_problem(
        "KPI trends", lambda: [Exhibit("KPI trends", figure=charts.kpi_trends_chart(progress, [k.id for k in ws.kpis]))]
    )
    out += exhibits_or_problem(
        "Initiatives: RAG status",
        lambda: [
            Exhibit("Initiatives: RAG status", frame=analysis.rag_status(store.initiatives(code), today, progress))
        ],
    )
    return out


def _board(store: Store, code: str, a: Activity) -> Exhibit:
    from .kinds.ideas.results import named_ideas  # the same words once, as every result shows them

    texts = list(named_ideas(store.ideas(code, a.id)).sort_values("idea")["text"])
    return Exhibit(f"{a.title} (board)", figure=charts.board_chart(texts, a.title))


def _carry(store: Store, code: str) -> Exhibit:
    carry = register_frame(store, code)
    if len(carry):
        carry = carry[~carry["state"].isin([s.value for s in InitiativeState.finished_states()])][
            ["id", "title", "owner", "state"]
        ]
    return Exhibit("Carry-over: open initiatives for the next cycle", frame=carry)
