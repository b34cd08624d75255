"""A phone's whole screen as one dict, in pure Python (docs/ROOM-PROTOCOL.md, "The screen").

The room endpoint reads the part every phone of a room shares once per change
(:func:`read_shared`: the activity shown, its items, the countdown, the results once
revealed) and each person's own answers for the whole room in one go (:func:`read_room`),
then builds each phone's screen with :func:`screen_for`, which does no I/O. The notebook
preview and tests take one person's screen straight from the store
(:func:`screen_from_store`).

What each kind adds (its settings a phone needs, the shape of ``mine``) comes from the
kind's light screen facet ``csikit/kinds/<kind>/screen.py`` (no ipywidgets, no pandas).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .. import rules
from ..kinds import kind_of
from ..kinds.screen import criterion_names, items_json, kpi_lines, screen_of
from ..model import ActivityState, ActivityStatus, Participant, Workshop
from ..order import shown_order

#: What a phone shows before the person joined.
JOIN_MESSAGE = "Type a name others will see, or leave it empty to stay anonymous."
#: What a joined phone shows while no activity is shown.
WAITING_MESSAGE = "Join now: the first activity starts soon."
#: A shown activity that is not open (a reset brought it back to draft).
NOT_OPEN_MESSAGE = "Not open yet."
#: A locked activity (after the kind's own words, ``Kind.closed_words``, "Voting closed." by default).
CLOSED_MESSAGE = "Your answers are kept; results come when the facilitator reveals them."
#: An open activity.
ANSWER_MESSAGE = "Tap “I'm done” when you have finished."


@dataclass(frozen=True)
class Shared:
    """What every phone of a room shows alike, read once per change of the room."""

    workshop: Workshop
    status: ActivityStatus | None = None  # the activity shown (None: none yet)
    countdown_end: datetime | None = None  # UTC, naive
    results: dict | None = None  # revealed: {"title", "lines"} or {"too_few"}
    extra: dict = field(default_factory=dict)  # what a kind's screen needs besides (KPI trends)

    @property
    def state(self) -> ActivityState | None:
        return self.status.state if self.status else None

    @property
    def key(self) -> str | None:
        return self.status.activity.id if self.status else None

    @property
    def needs_mine(self) -> bool:
        """Whether a phone's screen shows the person's own answers (open or locked)."""
        return self.state in (ActivityState.OPEN, ActivityState.LOCKED)


@dataclass(frozen=True)
class Own:
    """One person's own part of the shown activity: answers ((item, criterion) -> (value,
    comment)), ideas (ideas activities) and the "I'm done" mark."""

    answers: dict = field(default_factory=dict)
    ideas: tuple = ()
    done: bool = False


NOTHING = Own()


def module_of(kind: str) -> str:
    """The front-end module that draws a kind (``/room/static/kinds/<module>.js``, the kind's
    ``phone.js``): its own, or another kind's its screen module names (``MODULE``)."""
    return getattr(screen_of(kind), "MODULE", kind)


# --- reading the store ------------------------------------------------------------------


def read_shared(store, code: str, workshop: Workshop | None = None) -> Shared:
    """The shared part of every phone's screen of workshop ``code``, from the store."""
    ws = workshop or store.workshop(code)
    key, state, _ = store.current_key(code)
    if key is None:
        return Shared(ws)
    status = store.status(code, key)
    a = status.activity
    end = store.timer(code, key) if status.state is ActivityState.OPEN else None
    extra: dict[str, Any] = {}
    if status.state is ActivityState.OPEN and a.items_from == "kpis":
        extra["trends"] = kpi_lines(ws, store.measurements(code))
    results = None
    if status.state is ActivityState.REVEALED:
        results = _results(store, code, ws, status)
    return Shared(ws, status, end, results, extra)


def _results(store, code: str, ws: Workshop, status: ActivityStatus) -> dict:
    a = status.activity
    answered, _ = store.participation(code, a.id)
    if rules.too_few(ws, answered):
        return {"too_few": f"{rules.TOO_FEW}."}
    kind = kind_of(a.kind)
    if kind.collects_ideas:
        ideas = [i for i in store.ideas(code, a.id) if i.merged_into is None]
        return {"title": f"Results · {len(ideas)} ideas", "lines": [f"• {i.text}" for i in ideas]}
    names = criterion_names(ws)
    lines = [
        kind.result_text(r, names.get(r.criterion, r.criterion))
        for r in kind.tally(a, status.items, store.responses(code, a.id))
    ]
    return {"title": "Results", "lines": lines}


def read_own(store, code: str, shared: Shared, participant: int) -> Own:
    """One person's part of the shown activity (nothing unless it is open or locked)."""
    if not shared.needs_mine or participant is None:
        return NOTHING
    a = shared.status.activity
    if kind_of(a.kind).collects_ideas:
        ideas = tuple(store.ideas(code, a.id, participant=participant))
        answers = {}
    else:
        ideas, answers = (), store.my_responses(code, participant, a.id)
    done = shared.state is ActivityState.OPEN and store.is_done(code, participant, a.id)
    return Own(answers, ideas, done)


def read_room(store, code: str, shared: Shared) -> dict[int, Own]:
    """Every person's part of the shown activity, in two queries (answers or ideas, done marks);
    people without answers are missing (use :data:`NOTHING`)."""
    if not shared.needs_mine:
        return {}
    a = shared.status.activity
    answers: dict[int, dict] = {}
    ideas: dict[int, list] = {}
    if kind_of(a.kind).collects_ideas:
        for i in store.ideas(code, a.id):
            ideas.setdefault(i.participant, []).append(i)
    else:
        for r in store.responses(code, a.id):
            answers.setdefault(r.participant, {})[r.item, r.criterion] = (r.value, r.comment)
    done = store.done_participants(code, a.id) if shared.state is ActivityState.OPEN else set()
    return {
        p: Own(answers.get(p, {}), tuple(ideas.get(p, ())), p in done) for p in answers.keys() | ideas.keys() | done
    }


def screen_from_store(store, code: str, participant: Participant | None) -> dict:
    """One person's whole screen, read from the store now (the notebook preview, tests)."""
    shared = read_shared(store, code)
    own = read_own(store, code, shared, participant.id) if participant else NOTHING
    return screen_for(shared, participant, own)


# --- the screen (pure) ------------------------------------------------------------------


def screen_for(shared: Shared, participant: Participant | None, own: Own = NOTHING) -> dict:
    """The whole screen of one phone: see docs/ROOM-PROTOCOL.md. No I/O."""
    ws = shared.workshop
    me = {"participant": participant.id, "name": participant.name} if participant else {"participant": None, "name": ""}
    out: dict[str, Any] = {
        "workshop": {"code": ws.code, "title": ws.title},
        "me": me,
        "phase": "join",
        "activity": None,
        "mine": {},
        "done": False,
        "countdown_end": None,
        "results": None,
        "message": JOIN_MESSAGE,
    }
    if participant is None:
        return out
    status = shared.status
    if status is None:
        out.update(phase="waiting", message=WAITING_MESSAGE)
        return out
    a, state = status.activity, status.state
    activity = {
        "id": a.id,
        "kind": a.kind.value,
        "module": module_of(a.kind.value),
        "title": a.title,
        "prompt": a.prompt or "",
        "step": int(a.step),
        "step_question": a.step.question,
        "items": [],
    }
    out["activity"] = activity
    if state is ActivityState.DRAFT:
        out.update(phase="waiting", message=NOT_OPEN_MESSAGE)
        return out
    if state is ActivityState.REVEALED:
        activity["items"] = items_json(status.items)
        out.update(phase="results", results=shared.results, message="")
        return out
    if state is ActivityState.LOCKED:
        activity["items"] = items_json(status.items)
        closed = getattr(kind_of(a.kind), "closed_words", "") or "Voting closed."
        out.update(phase="closed", mine={"lines": closed_lines(shared, own)}, message=f"{closed} {CLOSED_MESSAGE}")
        return out
    by_key = {i.id: i for i in status.items}
    items = [by_key[k] for k in shown_order(a, list(by_key), participant.id)]
    activity["items"] = items_json(items)
    part = screen_of(a.kind).screen(
        a, items, list(own.ideas) if kind_of(a.kind).collects_ideas else own.answers, ws, shared.extra
    )
    activity.update(part.get("activity", {}))
    out.update(
        phase="answering",
        mine=part.get("mine", {}),
        done=own.done,
        message=ANSWER_MESSAGE,
        countdown_end=_iso(shared.countdown_end),
    )
    return out


def closed_lines(shared: Shared, own: Own) -> list[str]:
    """A locked activity: the person's own answers in words (as the kernel's closed screen said them)."""
    a = shared.status.activity
    if kind_of(a.kind).collects_ideas:
        lines = [f"• {i.text}" for i in own.ideas]
    else:
        texts = {i.id: i.text for i in shared.status.items}
        names = criterion_names(shared.workshop)
        lines = [
            f"• {texts.get(item, item)}{f' ({names.get(c, c)})' if c else ''}: {v}"
            for (item, c), (v, _) in own.answers.items()
        ]
    return lines or ["You gave no answer."]


def _iso(when: datetime | None) -> str | None:
    """UTC, ISO-8601 with the zone (the page compares it with the phone's clock)."""
    return None if when is None else when.isoformat(timespec="seconds") + "Z"
