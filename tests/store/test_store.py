"""The shared store: every rule it enforces, against SQLite and a real PostgreSQL.

Each refused call is checked twice: the exception class, and that nothing was
written (a dump of every table is the same before and after).
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import sqlite3
import subprocess
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from csikit.errors import (
    ActivityClosed,
    BudgetExceeded,
    InvalidResponse,
    NotFound,
    ResponseRefused,
    StoreError,
    StoreVersionError,
    TransitionError,
)
from csikit.model import ActivityState, Initiative, InitiativeState, Measurement
from csikit.store import Store, schema
from csikit.workshop_file import parse_workshop

CODE = "STORE1"
WORKSHOP_YAML = """
code: STORE1
title: Store test workshop
organisation: Test Org
objectives:
  - {id: O1, title: Users get back to work quickly}
  - {id: O2, title: Services are available}
  - {id: O3, title: Costs stay flat}
practices:
  - {id: incident, name: Incident management}
  - {id: change, name: Change enablement}
kpis:
  - id: fcr
    name: First contact resolution
    unit: "%"
    direction: higher
    baseline: {value: 55, date: 2026-01-01}
    target: {value: 70, date: 2027-01-01}
  - id: mttr
    name: Time to restore
    unit: h
    direction: lower
    baseline: {value: 8, date: 2026-01-01}
    target: {value: 4, date: 2027-01-01}
agenda:
  - {id: ideas, step: 1, kind: ideas, title: "What gets in the way?", max_ideas: 3}
  - {id: top, step: 1, kind: dot_vote, title: Worst problems, items_from: ideas, budget: 5, per_item_cap: 3}
  - id: vote
    step: 3
    kind: dot_vote
    title: Which improvements first?
    budget: 5
    per_item_cap: 3
    items:
      - {id: c1, text: Self-service password reset}
      - {id: c2, text: Knowledge articles}
      - {id: c3, text: Monitoring alerts to the desk}
  - {id: agree, step: 5, kind: rating, title: "Will we reach the targets?", items_from: kpis, scale: likert}
  - {id: ie, step: 3, kind: rating, title: Impact and effort, items_from: vote, scale: impact_effort}
  - {id: mat, step: 2, kind: maturity, title: "How mature?", phase: both}
  - {id: consent, step: 4, kind: fist_of_five, title: "Can you support it?", items_from: initiatives}
  - {id: rank, step: 6, kind: ranking, title: Focus next, items_from: objectives}
initiatives:
  - {id: CSI-1, title: Password reset, state: approved, kpi: fcr}
  - {id: CSI-2, title: Knowledge base, state: new}
  - {id: CSI-3, title: Old thing, state: closed, closure_code: successful}
measurements:
  - {kpi: fcr, date: 2026-03-31, value: 57}
"""

OTHER_YAML = """
code: OTHER1
title: Another workshop
organisation: Test Org
agenda:
  - id: vote
    step: 3
    kind: dot_vote
    title: Pick
    budget: 5
    items: [{id: c1, text: One}, {id: c2, text: Two}]
"""

WS = parse_workshop(WORKSHOP_YAML, "store-test.yaml")
OTHER = parse_workshop(OTHER_YAML, "other.yaml")


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def dump(store: Store) -> dict[str, list[tuple]]:
    """Every row of every csikit table, for 'nothing was written' checks."""
    with store.engine.connect() as c:
        return {
            name: sorted((tuple(r) for r in c.execute(sa.select(table)).all()), key=repr)
            for name, table in schema.metadata.tables.items()
        }


@pytest.fixture
def store(store_url):
    s = Store(store_url)
    s.sync_workshop(WS)
    s.sync_workshop(OTHER)
    yield s
    s.close()


@pytest.fixture
def people(store):
    return [store.join(CODE, name) for name in ("Ana", "Ben", "Chen")]


def open_all(store: Store) -> None:
    for key in store.states(CODE):
        store.open_activity(CODE, key)


def refused(store: Store, exc: type[Exception], fn, *args, **kwargs) -> pytest.ExceptionInfo:
    """Call fn, expect exc, and check that no table changed."""
    before = dump(store)
    with pytest.raises(exc) as info:
        fn(*args, **kwargs)
    assert dump(store) == before, "a refused call wrote to the store"
    assert str(info.value), "the refusal has no message"
    return info


def mine(store: Store, pid: int, activity: str) -> dict[tuple[str, str], int]:
    return {k: v for k, (v, _) in store.my_responses(CODE, pid, activity).items()}


# --- one response per participant per item ---------------------------------------------


def test_voting_again_replaces(store, people):
    open_all(store)
    ana, ben = people[0].id, people[1].id
    store.respond(CODE, ana, "vote", {"c1": 2})
    store.respond(CODE, ana, "vote", {"c1": 1})
    store.respond(CODE, ben, "vote", {"c1": 3})
    store.respond(CODE, ana, "agree", {"fcr": 4})
    store.respond(CODE, ana, "agree", {("fcr", ""): 2, "mttr": 5})
    assert [(r.participant, r.item, r.value) for r in store.responses(CODE, "vote")] == [(ana, "c1", 1), (ben, "c1", 3)]
    assert mine(store, ana, "agree") == {("fcr", ""): 2, ("mttr", ""): 5}
    counts = {}
    for r in dump(store)["responses"]:
        counts[(r[2], r[3], r[4])] = counts.get((r[2], r[3], r[4]), 0) + 1
    assert set(counts.values()) == {1}


def test_respond_returns_all_values_and_zero_removes_dots(store, people):
    open_all(store)
    pid = people[0].id
    assert store.respond(CODE, pid, "vote", {"c1": 2, "c2": 1}) == {("c1", ""): 2, ("c2", ""): 1}
    assert store.respond(CODE, pid, "vote", {"c2": 0, "c3": 3}) == {("c1", ""): 2, ("c3", ""): 3}
    assert mine(store, pid, "vote") == {("c1", ""): 2, ("c3", ""): 3}


def test_comments_are_stored_with_the_value(store, people):
    open_all(store)
    pid = people[0].id
    store.respond(CODE, pid, "consent", {"CSI-1": 1}, {"CSI-1": "  Not enough people  "})
    assert store.my_responses(CODE, pid, "consent") == {("CSI-1", ""): (1, "Not enough people")}
    refused(store, InvalidResponse, store.respond, CODE, pid, "consent", {"CSI-1": 1}, {"CSI-1": "x" * 1001})
    refused(store, InvalidResponse, store.respond, CODE, pid, "consent", {"CSI-1": 1}, {"CSI-9": "no such item"})


# --- the dot budget and the per-item cap -------------------------------------------------


def test_budget_and_per_item_cap(store, people):
    open_all(store)
    pid = people[0].id
    store.respond(CODE, pid, "vote", {"c1": 3, "c2": 2})
    info = refused(store, BudgetExceeded, store.respond, CODE, pid, "vote", {"c3": 1})
    assert "5 dots" in str(info.value)
    refused(store, BudgetExceeded, store.respond, CODE, pid, "vote", {"c1": 4})  # over the cap of 3
    refused(store, BudgetExceeded, store.respond, CODE, pid, "vote", {"c2": 3})  # 6 > 5
    # moving dots in one call is fine
    assert store.respond(CODE, pid, "vote", {"c2": 0, "c3": 2}) == {("c1", ""): 3, ("c3", ""): 2}
    # a fresh participant over budget in one call writes nothing
    other = people[1].id
    refused(store, BudgetExceeded, store.respond, CODE, other, "vote", {"c1": 3, "c2": 3})
    assert mine(store, other, "vote") == {}
    # items that came from ideas obey the same rules
    top = [i.id for i in store.status(CODE, "top").items]
    assert top == []  # no ideas were given before "top" opened


# --- responses only while open --------------------------------------------------------------


def test_responses_only_while_open(store, people):
    pid = people[0].id
    info = refused(store, ActivityClosed, store.respond, CODE, pid, "vote", {"c1": 1})
    assert "not open yet" in str(info.value)
    refused(store, ActivityClosed, store.add_idea, CODE, pid, "ideas", "an idea")
    store.open_activity(CODE, "vote")
    store.respond(CODE, pid, "vote", {"c1": 1})
    store.lock_activity(CODE, "vote")
    info = refused(store, ActivityClosed, store.respond, CODE, pid, "vote", {"c1": 2})
    assert "closed" in str(info.value)
    assert mine(store, pid, "vote") == {("c1", ""): 1}
    store.open_activity(CODE, "vote")  # reopened
    store.respond(CODE, pid, "vote", {"c1": 2})
    assert mine(store, pid, "vote") == {("c1", ""): 2}
    store.lock_activity(CODE, "vote")
    store.reveal_activity(CODE, "vote")
    refused(store, ActivityClosed, store.respond, CODE, pid, "vote", {"c1": 3})


def test_ideas_only_while_open(store, people):
    pid = people[0].id
    store.open_activity(CODE, "ideas")
    idea = store.add_idea(CODE, pid, "ideas", "Slow laptops")
    store.lock_activity(CODE, "ideas")
    refused(store, ActivityClosed, store.add_idea, CODE, pid, "ideas", "Another")
    refused(store, ActivityClosed, store.edit_idea, CODE, pid, "ideas", idea.id, "Changed")
    refused(store, ActivityClosed, store.edit_idea, CODE, pid, "ideas", idea.id, None)


# --- values in range -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("activity", "values", "exc"),
    [
        ("agree", {"fcr": 0}, InvalidResponse),
        ("agree", {"fcr": 6}, InvalidResponse),
        ("ie", {("c1", "impact"): 0}, InvalidResponse),
        ("ie", {("c1", "effort"): 6}, InvalidResponse),
        ("mat", {("incident", "current"): -1}, InvalidResponse),
        ("mat", {("incident", "target"): 6}, InvalidResponse),
        ("consent", {"CSI-1": 6}, InvalidResponse),
        ("consent", {"CSI-1": -1}, InvalidResponse),
        ("vote", {"c1": -1}, InvalidResponse),
        ("vote", {"c1": True}, InvalidResponse),
        ("agree", {"fcr": True}, InvalidResponse),
        ("consent", {"CSI-1": False}, InvalidResponse),
        ("agree", {"fcr": "3"}, InvalidResponse),
        ("vote", {"c1": "1"}, InvalidResponse),
        ("agree", {"fcr": 3.0}, InvalidResponse),
        ("agree", {"fcr": None}, InvalidResponse),
        ("rank", {"O1": 1, "O2": 2, "O3": "3"}, InvalidResponse),
        ("agree", {}, InvalidResponse),
    ],
)
def test_values_out_of_range_are_refused(store, people, activity, values, exc):
    open_all(store)
    pid = people[0].id
    refused(store, exc, store.respond, CODE, pid, activity, values)


def test_values_at_the_edges_are_accepted(store, people):
    open_all(store)
    pid = people[0].id
    store.respond(CODE, pid, "agree", {"fcr": 1, "mttr": 5})
    store.respond(CODE, pid, "ie", {("c1", "impact"): 5, ("c1", "effort"): 1})
    store.respond(CODE, pid, "mat", {("incident", "current"): 0, ("incident", "target"): 5})
    store.respond(CODE, pid, "consent", {"CSI-1": 0, "CSI-2": 5})
    store.respond(CODE, pid, "vote", {"c1": 3})
    assert len(dump(store)["responses"]) == 2 + 2 + 2 + 2 + 1


# --- items belong to the activity; criteria are valid ------------------------------------


def test_items_must_belong_to_the_activity(store, people):
    open_all(store)
    pid = people[0].id
    refused(store, InvalidResponse, store.respond, CODE, pid, "vote", {"CSI-1": 1})  # an item of "consent"
    refused(store, InvalidResponse, store.respond, CODE, pid, "agree", {"c1": 3})  # an item of "vote"
    refused(store, InvalidResponse, store.respond, CODE, pid, "consent", {"CSI-3": 3})  # closed initiative: not an item
    refused(store, InvalidResponse, store.respond, CODE, pid, "vote", {"no-such-item": 1})
    refused(store, NotFound, store.respond, CODE, pid, "no-such-activity", {"c1": 1})
    refused(store, NotFound, store.respond, "NOSUCH", pid, "vote", {"c1": 1})
    refused(store, InvalidResponse, store.respond, CODE, pid, "ideas", {"c1": 1})  # ideas take no votes


@pytest.mark.parametrize(
    ("activity", "values"),
    [
        ("agree", {("fcr", "impact"): 3}),  # likert: one value per item
        ("ie", {"c1": 3}),  # impact_effort needs a criterion
        ("ie", {("c1", "cost"): 3}),
        ("mat", {"incident": 3}),  # phase both: current or target
        ("mat", {("incident", "wish"): 3}),
        ("vote", {("c1", "current"): 1}),
    ],
)
def test_criteria_must_fit_the_activity(store, people, activity, values):
    open_all(store)
    refused(store, InvalidResponse, store.respond, CODE, people[0].id, activity, values)


# --- participants exist and belong to the workshop --------------------------------------


def test_participant_must_exist_and_belong_to_the_workshop(store, people):
    open_all(store)
    store.open_activity("OTHER1", "vote")
    stranger = store.join("OTHER1", "Stranger")
    refused(store, InvalidResponse, store.respond, CODE, stranger.id, "vote", {"c1": 1})
    refused(store, InvalidResponse, store.add_idea, CODE, stranger.id, "ideas", "An idea")
    missing = max(p.id for p in people) + stranger.id + 1000
    refused(store, InvalidResponse, store.respond, CODE, missing, "vote", {"c1": 1})
    refused(store, InvalidResponse, store.respond, CODE, True, "vote", {"c1": 1})
    refused(store, InvalidResponse, store.respond, CODE, str(people[0].id), "vote", {"c1": 1})
    # the stranger can vote in their own workshop
    store.respond("OTHER1", stranger.id, "vote", {"c1": 1})
    refused(store, InvalidResponse, store.respond, "OTHER1", people[0].id, "vote", {"c1": 1})


def test_a_long_name_is_refused(store):
    refused(store, InvalidResponse, store.join, CODE, "x" * 10_000)
    assert store.join(CODE, "  Ana  ").name == "Ana"
    assert store.join(CODE).name == ""


def test_rejoin_by_token(store, people):
    ana = people[0]
    assert store.rejoin(CODE, ana.token) == ana
    with pytest.raises(NotFound):
        store.rejoin(CODE, "not-a-token")
    with pytest.raises(NotFound):
        store.rejoin(CODE, "")
    with pytest.raises(NotFound):
        store.rejoin("OTHER1", ana.token)  # a token of another workshop
    assert len({p.token for p in people}) == len(people)


# --- ranking ----------------------------------------------------------------------------------


def test_ranking_must_be_a_permutation(store, people):
    open_all(store)
    pid = people[0].id
    assert [i.id for i in store.status(CODE, "rank").items] == ["O1", "O2", "O3"]
    for bad in (
        {"O1": 1, "O2": 1, "O3": 2},  # a place twice
        {"O1": 1, "O2": 2},  # an item missing
        {"O1": 2, "O2": 3, "O3": 4},  # 4 is out of range
        {"O1": 0, "O2": 1, "O3": 2},
        {"O1": 1, "O2": 2, "O3": 3, "O4": 4},  # not an item
    ):
        refused(store, InvalidResponse, store.respond, CODE, pid, "rank", bad)
    store.respond(CODE, pid, "rank", {"O2": 1, "O3": 2, "O1": 3})
    store.respond(CODE, pid, "rank", {"O1": 1, "O2": 2, "O3": 3})
    assert mine(store, pid, "rank") == {("O1", ""): 1, ("O2", ""): 2, ("O3", ""): 3}
    # changing one place alone would break the permutation
    refused(store, InvalidResponse, store.respond, CODE, pid, "rank", {"O1": 2})
    store.respond(CODE, pid, "rank", {"O1": 2, "O2": 1})  # a swap keeps it
    assert mine(store, pid, "rank") == {("O1", ""): 2, ("O2", ""): 1, ("O3", ""): 3}


# --- lifecycle ----------------------------------------------------------------------------------


def test_lifecycle_and_wrong_transitions(store):
    assert store.states(CODE)["vote"] is ActivityState.DRAFT
    refused(store, TransitionError, store.lock_activity, CODE, "vote")
    refused(store, TransitionError, store.reveal_activity, CODE, "vote")
    assert store.open_activity(CODE, "vote").state is ActivityState.OPEN
    info = refused(store, TransitionError, store.reveal_activity, CODE, "vote")
    assert "it is open" in str(info.value)
    refused(store, TransitionError, store.open_activity, CODE, "vote")
    assert store.lock_activity(CODE, "vote").state is ActivityState.LOCKED
    refused(store, TransitionError, store.lock_activity, CODE, "vote")
    assert store.reveal_activity(CODE, "vote").state is ActivityState.REVEALED
    refused(store, TransitionError, store.open_activity, CODE, "vote")
    refused(store, TransitionError, store.lock_activity, CODE, "vote")
    assert store.reset_activity(CODE, "vote").state is ActivityState.DRAFT
    assert store.reset_activity(CODE, "vote").state is ActivityState.DRAFT  # reset works from any state
    refused(store, NotFound, store.open_activity, CODE, "nope")
    assert store.current(CODE).activity.id == "vote"


def test_reset_deletes_responses_and_ideas(store, people):
    a, b = people[0].id, people[1].id
    store.open_activity(CODE, "ideas")
    store.add_idea(CODE, a, "ideas", "Slow laptops")
    store.add_idea(CODE, b, "ideas", "No knowledge base")
    store.lock_activity(CODE, "ideas")
    top = store.open_activity(CODE, "top")
    store.open_activity(CODE, "vote")
    store.respond(CODE, a, "vote", {"c1": 2})
    store.respond(CODE, a, "top", {top.items[0].id: 2})
    store.reset_activity(CODE, "vote")
    assert store.responses(CODE, "vote") == []
    assert [i.id for i in store.status(CODE, "vote").items] == ["c1", "c2", "c3"]  # file items stay
    assert len(store.responses(CODE, "top")) == 1  # other activities untouched
    store.reset_activity(CODE, "top")
    assert store.responses(CODE, "top") == []
    assert store.status(CODE, "top").items == ()  # items that came from ideas go
    store.reset_activity(CODE, "ideas")
    assert store.ideas(CODE, "ideas") == []
    assert store.participation(CODE, "ideas") == (0, 3)
    assert {e.action for e in store.events(CODE)} >= {"reset"}


def test_a_reset_can_be_restored_until_the_activity_is_opened_again(store, people):
    a, b = people[0].id, people[1].id
    store.open_activity(CODE, "ideas")
    first = store.add_idea(CODE, a, "ideas", "Slow laptops")
    store.add_idea(CODE, b, "ideas", "No knowledge base")
    store.lock_activity(CODE, "ideas")
    top = store.open_activity(CODE, "top")  # items made from the ideas
    store.respond(CODE, a, "top", {top.items[0].id: 2})
    store.respond(CODE, b, "top", {top.items[1].id: 1})
    store.lock_activity(CODE, "top")
    store.reveal_activity(CODE, "top")
    before = dump(store)
    assert store.answer_count(CODE, "top") == (count := store.answer_count(CODE, "top"))
    assert (count.responses, count.ideas, count.people) == (2, 0, 2)
    assert store.restorable(CODE, "top") is None
    store.reset_activity(CODE, "top", actor="Fran")
    assert store.responses(CODE, "top") == [] and store.status(CODE, "top").items == ()
    assert store.restorable(CODE, "top").total == 2
    assert store.events(CODE)[-1].detail == "deleted 2 answers from 2 people"
    restored = store.restore_activity(CODE, "top", actor="Fran")
    assert restored.state is ActivityState.REVEALED and restored.items == top.items
    after = dump(store)
    for table in ("responses", "items", "ideas", "participants"):
        assert after[table] == before[table], table
    assert [e.action for e in store.events(CODE)][-2:] == ["reset", "restored"]
    assert store.restorable(CODE, "top") is None
    refused(store, TransitionError, store.restore_activity, CODE, "top")  # nothing left to restore
    # ideas come back with their ids: the votes built on them still point at them
    store.reset_activity(CODE, "ideas")
    assert store.events(CODE)[-1].detail == "deleted 2 ideas from 2 people"
    store.restore_activity(CODE, "ideas")
    assert [i.id for i in store.ideas(CODE, "ideas")][0] == first.id
    # opening again makes a reset final
    store.reset_activity(CODE, "top")
    store.open_activity(CODE, "top")
    refused(store, TransitionError, store.restore_activity, CODE, "top")
    # a reset of an activity with no answers keeps nothing to restore
    store.reset_activity(CODE, "vote")
    assert store.restorable(CODE, "vote") is None


def test_a_long_actor_is_cut_to_the_audit_column_on_every_event(store, people):
    """Every call that writes an audit row takes a 200-character actor (PostgreSQL refuses
    one over the column's 60 characters, SQLite would keep it whole): it is cut to 60."""
    actor = "F" * 199 + " "
    store.open_activity(CODE, "vote", actor=actor)
    store.respond(CODE, people[0].id, "vote", {"c1": 1})
    store.lock_activity(CODE, "vote", actor=actor)
    store.reveal_activity(CODE, "vote", actor=actor)
    store.set_timer(CODE, "vote", None, actor=actor)
    store.log_event(CODE, "note", "vote", "x", actor=actor)
    store.save_initiative(CODE, Initiative(id="CSI-9", title="Long actor"), actor=actor)
    store.merge_ideas(CODE, "ideas", *_two_ideas(store, people), actor=actor)
    store.reset_activity(CODE, "vote", actor=actor)
    store.restore_activity(CODE, "vote", actor=actor)
    store.record_assessment(CODE, "mat", "Auditor", {("incident", "current"): 2}, actor=actor)
    long = [e for e in store.events(CODE) if e.actor != "facilitator"]
    assert [e.action for e in long] == [
        "opened",
        "locked",
        "revealed",
        "timer",
        "note",
        "register",
        "merged",
        "reset",
        "restored",
        "imported",
    ]
    assert {e.actor for e in long} == {"F" * 60}


@pytest.mark.parametrize("actor", [None, 7, "", "   ", "Fr\x00n"])
def test_an_actor_that_is_not_a_name_is_refused_and_nothing_is_written(store, actor):
    """Not text, empty, or a NUL character (which PostgreSQL cannot store): a clear refusal,
    the same on both backends, and the transition it came with is rolled back."""
    info = refused(store, InvalidResponse, store.open_activity, CODE, "vote", actor=actor)
    assert "actor" in str(info.value)
    refused(store, InvalidResponse, store.log_event, CODE, "note", "vote", actor=actor)
    assert store.status(CODE, "vote").state is ActivityState.DRAFT


def _two_ideas(store, people):
    store.open_activity(CODE, "ideas")
    keep = store.add_idea(CODE, people[0].id, "ideas", "Slow laptops").id
    dup = store.add_idea(CODE, people[1].id, "ideas", "slow laptops").id
    return keep, [dup]


def test_a_store_without_the_trash_table_gains_it(tmp_path):
    url = f"sqlite:///{tmp_path}/old.sqlite"
    Store(url).close()
    with sqlite3.connect(tmp_path / "old.sqlite") as c:
        c.execute("DROP TABLE trash")
    s = Store(url)
    s.sync_workshop(WS)
    p = s.join(CODE, "Ana")
    s.open_activity(CODE, "vote")
    s.respond(CODE, p.id, "vote", {"c1": 1})
    s.reset_activity(CODE, "vote")
    assert s.restore_activity(CODE, "vote").state is ActivityState.OPEN


def test_an_older_store_gains_the_tables_and_indexes_added_since_schema_1(store_url):
    """A store written by csikit 0.1.0 (no indexes on responses and ideas, no trash table)
    is completed when it is opened, in one step, and keeps its data."""
    s = Store(store_url)
    s.sync_workshop(WS)
    with s.engine.begin() as c:
        c.execute(sa.text("DROP INDEX ix_responses_activity_participant"))
        c.execute(sa.text("DROP INDEX ix_ideas_activity_participant"))
        c.execute(sa.text("DROP TABLE trash"))
    s.close()
    s = Store(store_url)
    try:
        inspector = sa.inspect(s.engine)
        assert "trash" in inspector.get_table_names()
        for table in ("responses", "ideas"):
            assert {ix.name for ix in schema.metadata.tables[table].indexes} <= {
                ix["name"] for ix in inspector.get_indexes(table)
            }
        assert s.workshop_codes() == [CODE]
    finally:
        s.close()


def test_audit_trail_has_events_in_order(store):
    t0 = utcnow()
    store.open_activity(CODE, "vote", actor="Fran")
    store.lock_activity(CODE, "vote", actor="Fran")
    store.reveal_activity(CODE, "vote")
    store.reset_activity(CODE, "vote", actor="x" * 100)
    store.log_event(CODE, "note", "vote", detail="a remark")
    with pytest.raises(TransitionError):
        store.lock_activity(CODE, "vote")  # refused: not in the trail
    t1 = utcnow()
    events = store.events(CODE)
    assert [(e.action, e.activity) for e in events] == [
        ("opened", "vote"),
        ("locked", "vote"),
        ("revealed", "vote"),
        ("reset", "vote"),
        ("note", "vote"),
    ]
    assert [e.actor for e in events[:3]] == ["Fran", "Fran", "facilitator"]
    assert events[3].actor == "x" * 60
    assert events[4].detail == "a remark"
    times = [e.at for e in events]
    assert all(isinstance(t, datetime) for t in times)
    assert times == sorted(times)
    assert t0 - (t1 - t0) <= times[0] and times[-1] <= t1 + (t1 - t0)
    assert store.events("OTHER1") == []
    assert store.status(CODE, "vote").changed_at == events[3].at


# --- items from ideas, initiatives --------------------------------------------------------


def test_items_from_ideas_materialise_on_open_without_merged_ideas(store, people):
    a, b = people[0].id, people[1].id
    store.open_activity(CODE, "ideas")
    i1 = store.add_idea(CODE, a, "ideas", "Slow laptops")
    i2 = store.add_idea(CODE, b, "ideas", "Laptops are slow")
    i3 = store.add_idea(CODE, b, "ideas", "No knowledge base")
    store.lock_activity(CODE, "ideas")
    assert store.status(CODE, "top").items == ()
    store.merge_ideas(CODE, "ideas", i1.id, [i2.id])
    refused(store, NotFound, store.merge_ideas, CODE, "ideas", i1.id, [i1.id])
    refused(store, NotFound, store.merge_ideas, CODE, "ideas", i1.id, [999999])
    assert [i.merged_into for i in store.ideas(CODE, "ideas")] == [None, i1.id, None]
    status = store.open_activity(CODE, "top")
    assert [(i.id, i.text) for i in status.items] == [
        (f"idea-{i1.id}", "Slow laptops"),
        (f"idea-{i3.id}", "No knowledge base"),
    ]
    store.respond(CODE, a, "top", {f"idea-{i1.id}": 3, f"idea-{i3.id}": 2})
    refused(store, InvalidResponse, store.respond, CODE, b, "top", {f"idea-{i2.id}": 1})  # merged away
    refused(store, BudgetExceeded, store.respond, CODE, b, "top", {f"idea-{i1.id}": 4})
    # reopening the source and adding an idea does not change the open vote
    store.open_activity(CODE, "ideas")
    store.add_idea(CODE, a, "ideas", "Late idea")
    assert len(store.status(CODE, "top").items) == 2


def test_fist_of_five_items_come_from_new_and_approved_initiatives(store, people):
    store.save_initiative(CODE, Initiative("CSI-4", "Chat channel", state=InitiativeState.NEW))
    store.save_initiative(CODE, Initiative("CSI-5", "On hold", state=InitiativeState.ON_HOLD))
    status = store.open_activity(CODE, "consent")
    assert [i.id for i in status.items] == ["CSI-1", "CSI-2", "CSI-4"]
    store.respond(CODE, people[0].id, "consent", {"CSI-4": 5})


def test_items_from_another_activity_and_static_sources(store):
    open_all(store)
    assert [i.id for i in store.status(CODE, "ie").items] == ["c1", "c2", "c3"]
    assert [i.id for i in store.status(CODE, "agree").items] == ["fcr", "mttr"]
    assert [i.id for i in store.status(CODE, "mat").items] == ["incident", "change"]


# --- ideas ----------------------------------------------------------------------------------------


def test_max_ideas(store, people):
    pid = people[0].id
    store.open_activity(CODE, "ideas")
    for n in range(3):
        store.add_idea(CODE, pid, "ideas", f"Idea {n}")
    info = refused(store, InvalidResponse, store.add_idea, CODE, pid, "ideas", "One too many")
    assert "3 ideas" in str(info.value)
    store.add_idea(CODE, people[1].id, "ideas", "Someone else's")  # the limit is per participant
    assert store.participation(CODE, "ideas") == (2, 3)


def test_edit_and_withdraw_own_idea_only(store, people):
    a, b = people[0].id, people[1].id
    store.open_activity(CODE, "ideas")
    mine_ = store.add_idea(CODE, a, "ideas", "Slow laptops")
    theirs = store.add_idea(CODE, b, "ideas", "No knowledge base")
    store.edit_idea(CODE, a, "ideas", mine_.id, "Very slow laptops")
    refused(store, InvalidResponse, store.edit_idea, CODE, a, "ideas", theirs.id, "Hijacked")
    refused(store, InvalidResponse, store.edit_idea, CODE, a, "ideas", theirs.id, None)
    refused(store, InvalidResponse, store.edit_idea, CODE, a, "ideas", 999999, "Nothing")
    refused(store, InvalidResponse, store.edit_idea, CODE, a, "ideas", mine_.id, "   ")
    assert [(i.participant, i.text) for i in store.ideas(CODE, "ideas")] == [
        (a, "Very slow laptops"),
        (b, "No knowledge base"),
    ]
    store.edit_idea(CODE, a, "ideas", mine_.id, None)
    assert [i.id for i in store.ideas(CODE, "ideas")] == [theirs.id]
    refused(store, InvalidResponse, store.edit_idea, CODE, a, "ideas", mine_.id, "Back again")
    # withdrawing frees a slot
    for n in range(3):
        store.add_idea(CODE, a, "ideas", f"Idea {n}")
    assert len(store.ideas(CODE, "ideas", participant=a)) == 3


def test_idea_text_limits_and_markup_stored_verbatim(store, people):
    pid = people[0].id
    store.open_activity(CODE, "ideas")
    idea = store.add_idea(CODE, pid, "ideas", "ok")
    refused(store, InvalidResponse, store.add_idea, CODE, pid, "ideas", "x" * 1_000_000)
    refused(store, InvalidResponse, store.edit_idea, CODE, pid, "ideas", idea.id, "x" * 1_000_000)
    refused(store, InvalidResponse, store.add_idea, CODE, pid, "ideas", "x" * 501)
    refused(store, InvalidResponse, store.add_idea, CODE, pid, "ideas", "")
    refused(store, InvalidResponse, store.add_idea, CODE, pid, "ideas", " \n\t ")
    refused(store, InvalidResponse, store.add_idea, CODE, pid, "ideas", "nul \x00 inside")
    refused(store, InvalidResponse, store.add_idea, CODE, pid, "ideas", 42)
    refused(store, InvalidResponse, store.add_idea, CODE, pid, "vote", "an idea for a vote")
    store.add_idea(CODE, pid, "ideas", "x" * 500)
    script = "<script>alert(\"hi\")</script> & <b>bold</b> 'quoted'"
    got = store.add_idea(CODE, pid, "ideas", script)
    assert got.text == script
    assert store.ideas(CODE, "ideas")[-1].text == script
    assert dump(store)["ideas"][-1][3] == script


# --- sync ---------------------------------------------------------------------------------------


def test_sync_workshop_is_idempotent_and_keeps_state(store, people):
    before = dump(store)
    store.sync_workshop(WS)
    assert dump(store) == before
    store.open_activity(CODE, "vote")
    store.respond(CODE, people[0].id, "vote", {"c1": 2})
    store.open_activity(CODE, "ideas")
    store.add_idea(CODE, people[0].id, "ideas", "An idea")
    store.save_initiative(CODE, dataclasses.replace(WS.initiatives[0], title="Edited in the store"))
    during = dump(store)
    store.sync_workshop(WS)
    store.sync_workshop(WS)
    assert dump(store) == during
    assert store.states(CODE)["vote"] is ActivityState.OPEN
    assert mine(store, people[0].id, "vote") == {("c1", ""): 2}
    assert {i.id: i.title for i in store.initiatives(CODE)}["CSI-1"] == "Edited in the store"
    # a changed definition: a new activity arrives as a draft, existing state stays
    extra = dataclasses.replace(
        WS.agenda[2],
        id="vote2",
        title="Second vote",
    )
    changed = dataclasses.replace(WS, title="Renamed", agenda=(extra, *WS.agenda))
    store.sync_workshop(changed)
    assert store.workshop(CODE).title == "Renamed"
    states = store.states(CODE)
    assert list(states)[0] == "vote2" and states["vote2"] is ActivityState.DRAFT
    assert states["vote"] is ActivityState.OPEN
    assert mine(store, people[0].id, "vote") == {("c1", ""): 2}
    assert store.workshop_codes() == [CODE, "OTHER1"]


# --- the register and measurements ---------------------------------------------------------


def test_initiatives_save_and_replace(store):
    assert [i.id for i in store.initiatives(CODE)] == ["CSI-1", "CSI-2", "CSI-3"]
    assert store.initiatives(CODE)[0] == WS.initiatives[0]
    new = Initiative("CSI-9", "Chat channel", kpi="fcr", owner="Ana", planned_start=date(2026, 1, 1))
    store.save_initiative(CODE, new)
    assert store.initiatives(CODE)[-1] == new
    changed = dataclasses.replace(new, title="Chat on the intranet", state=InitiativeState.IN_PROGRESS, priority=1)
    store.save_initiative(CODE, changed, actor="Fran")
    assert [i for i in store.initiatives(CODE) if i.id == "CSI-9"] == [changed]
    assert len(dump(store)["initiatives"]) == 4  # replaced, not added
    refused(store, NotFound, store.save_initiative, CODE, Initiative("CSI-10", "Bad KPI", kpi="nope"))
    events = [e for e in store.events(CODE) if e.action == "register"]
    assert [(e.detail, e.actor) for e in events] == [("CSI-9 new", "facilitator"), ("CSI-9 in_progress", "Fran")]
    assert store.initiatives("OTHER1") == []


def test_measurements_add_and_replace(store):
    assert store.measurements(CODE) == [Measurement("fcr", date(2026, 3, 31), 57.0)]
    n = store.add_measurements(
        CODE, [Measurement("fcr", date(2026, 6, 30), 60.0, "report"), Measurement("mttr", date(2026, 6, 30), 7.5)]
    )
    assert n == 2
    assert store.add_measurements(CODE, [Measurement("fcr", date(2026, 6, 30), 61.5, "corrected")]) == 1
    assert store.measurements(CODE) == [
        Measurement("fcr", date(2026, 3, 31), 57.0),
        Measurement("fcr", date(2026, 6, 30), 61.5, "corrected"),
        Measurement("mttr", date(2026, 6, 30), 7.5),
    ]
    # all or nothing: one unknown KPI refuses the whole batch
    info = refused(
        store,
        NotFound,
        store.add_measurements,
        CODE,
        [Measurement("fcr", date(2026, 9, 30), 65.0), Measurement("nope", date(2026, 9, 30), 1.0)],
    )
    assert "nope" in str(info.value)
    assert store.measurements("OTHER1") == []
    # syncing the file again does not overwrite a corrected value
    store.add_measurements(CODE, [Measurement("fcr", date(2026, 3, 31), 58.0)])
    store.sync_workshop(WS)
    assert store.measurements(CODE)[0].value == 58.0


def test_participation_counts(store, people):
    open_all(store)
    assert store.participation(CODE, "vote") == (0, 3)
    store.respond(CODE, people[0].id, "vote", {"c1": 1, "c2": 1})
    store.respond(CODE, people[1].id, "vote", {"c1": 1})
    assert store.participation(CODE, "vote") == (2, 3)
    store.add_idea(CODE, people[2].id, "ideas", "An idea")
    store.add_idea(CODE, people[2].id, "ideas", "Another")
    assert store.participation(CODE, "ideas") == (1, 3)
    store.join(CODE, "Late")
    assert store.participation(CODE, "vote") == (2, 4)
    store.join("OTHER1", "Elsewhere")
    assert store.participation(CODE, "vote") == (2, 4)


# --- opening stores -------------------------------------------------------------------------------


def test_schema_version_newer_than_csikit(store_url):
    store = Store(store_url)
    assert store.schema_version() == schema.SCHEMA_VERSION
    with store.engine.begin() as c:
        c.execute(
            schema.meta.update()
            .where(schema.meta.c.key == "schema_version")
            .values(value=str(schema.SCHEMA_VERSION + 1))
        )
    store.close()
    with pytest.raises(StoreVersionError) as info:
        Store(store_url)
    assert "newer csikit" in str(info.value)
    assert "Upgrade csikit" in str(info.value)
    assert isinstance(info.value, StoreError)


def test_reopening_a_store_keeps_everything(store_url):
    s = Store(store_url)
    s.sync_workshop(WS)
    p = s.join(CODE, "Ana")
    s.open_activity(CODE, "vote")
    s.respond(CODE, p.id, "vote", {"c1": 3})
    s.close()
    again = Store(store_url)
    assert again.rejoin(CODE, p.token) == p
    assert again.states(CODE)["vote"] is ActivityState.OPEN
    assert [r.value for r in again.responses(CODE, "vote")] == [3]
    again.close()


def test_a_database_with_other_tables_is_refused(store_url):
    engine = sa.create_engine(store_url)
    with engine.begin() as c:
        c.execute(sa.text("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)"))
        c.execute(sa.text("INSERT INTO customers VALUES (1, 'Alice')"))
    engine.dispose()
    with pytest.raises(StoreError) as info:
        Store(store_url)
    assert "other tables" in str(info.value)
    engine = sa.create_engine(store_url)
    with engine.connect() as c:
        assert sa.inspect(c).get_table_names() == ["customers"]  # nothing was created
    engine.dispose()


def test_unknown_urls_are_refused(tmp_path):
    for url in ("not a url", "mysql://u@h/db", "sqlite://", "sqlite:///:memory:"):
        with pytest.raises(StoreError):
            Store(url)


# --- SQLite specifics ---------------------------------------------------------------------------------


def test_sqlite_uses_wal_and_a_busy_timeout(tmp_path):
    store = Store(f"sqlite:///{tmp_path}/s.sqlite")
    with store.engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert c.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
        assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    store.close()
    raw = sqlite3.connect(tmp_path / "s.sqlite")
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # persistent in the file
    raw.close()


def test_sqlite_store_in_a_missing_folder(tmp_path):
    folder = tmp_path / "no" / "such"
    with pytest.raises(StoreError) as info:
        Store(f"sqlite:///{folder}/s.sqlite")
    assert str(folder) in str(info.value)
    assert "does not exist" in str(info.value)
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize(
    "garbage", [b"\x00\xff" * 5000, b"SQLite format 3\x00" + b"\xde\xad" * 4000, b"hello, world\n"]
)
def test_sqlite_damaged_file(tmp_path, garbage):
    file = tmp_path / "s.sqlite"
    file.write_bytes(garbage)
    with pytest.raises(StoreError) as info:
        Store(f"sqlite:///{file}")
    assert "damaged" in str(info.value)
    assert file.read_bytes() == garbage  # not "repaired" by overwriting


def test_sqlite_damaged_store_after_creation(tmp_path):
    file = tmp_path / "s.sqlite"
    Store(f"sqlite:///{file}").close()
    data = bytearray(file.read_bytes())
    data[100:4096] = b"\xab" * (4096 - 100)  # wreck the schema page
    file.write_bytes(bytes(data))
    for extra in ("-wal", "-shm"):
        (tmp_path / f"s.sqlite{extra}").unlink(missing_ok=True)
    with pytest.raises(StoreError) as info:
        Store(f"sqlite:///{file}")
    assert "damaged" in str(info.value)


def _make_read_only(path) -> callable:
    """Make a file or folder unwritable, even for root; return the undo function.

    As root, permission bits do not stop writes, so the immutable attribute
    (chattr +i) is used; without it (no chattr, or no CAP_LINUX_IMMUTABLE, as in
    some containers) the test is skipped.
    """
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(0o555 if path.is_dir() else 0o444)
        return lambda: path.chmod(mode)
    chattr = shutil.which("chattr")
    if chattr is None:
        pytest.skip("running as root and chattr is missing: cannot make a file read-only for root")
    done = subprocess.run([chattr, "+i", str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"running as root and chattr +i is not permitted here: {done.stderr.strip()}")
    return lambda: subprocess.run([chattr, "-i", str(path)], check=True)


def test_sqlite_read_only_file(tmp_path):
    file = tmp_path / "s.sqlite"
    s = Store(f"sqlite:///{file}")
    s.sync_workshop(WS)
    p = s.join(CODE, "Ana")
    s.open_activity(CODE, "vote")
    s.close()
    undo = _make_read_only(file)
    try:
        ro = Store(f"sqlite:///{file}")  # reading still works
        assert ro.states(CODE)["vote"] is ActivityState.OPEN
        with pytest.raises(StoreError) as info:
            ro.respond(CODE, p.id, "vote", {"c1": 1})
        assert "read-only" in str(info.value)
        assert not isinstance(info.value, ResponseRefused)
        ro.close()
    finally:
        undo()
    Store(f"sqlite:///{file}").close()


def test_sqlite_new_store_in_a_read_only_folder(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    undo = _make_read_only(folder)
    try:
        with pytest.raises(StoreError) as info:
            Store(f"sqlite:///{folder}/s.sqlite")
        text = str(info.value)
        assert "writable" in text or "read-only" in text
        assert not (folder / "s.sqlite").exists()
    finally:
        undo()


@pytest.mark.postgres
def test_postgresql_unreachable_or_missing_database(pg_url):
    missing = sa.engine.make_url(pg_url).set(database="no_such_database_here").render_as_string(hide_password=False)
    with pytest.raises(StoreError) as info:
        Store(missing)
    assert "no_such_database_here" in str(info.value)
    closed_port = sa.engine.make_url(pg_url).set(port=1).render_as_string(hide_password=False)
    with pytest.raises(StoreError) as info:
        Store(closed_port)
    assert "cannot be reached" in str(info.value)


# --- relative dot changes (two tabs of one person) --------------------------------------------


def test_delta_adds_to_the_stored_dots_not_to_a_stale_screen(store, people):
    open_all(store)
    pid = people[0].id
    assert store.respond(CODE, pid, "vote", {"c1": 1}, delta=True) == {("c1", ""): 1}
    # a second tab still showing 0 dots on c1 adds one: it counts against the store's 1
    assert store.respond(CODE, pid, "vote", {"c1": 1}, delta=True) == {("c1", ""): 2}
    assert store.respond(CODE, pid, "vote", {"c1": -1, "c2": 1}, delta=True) == {("c1", ""): 1, ("c2", ""): 1}
    assert store.respond(CODE, pid, "vote", {"c2": -1}, delta=True) == {("c1", ""): 1}
    assert mine(store, pid, "vote") == {("c1", ""): 1}
    assert mine(store, people[1].id, "vote") == {}


def test_delta_obeys_budget_cap_and_floor(store, people):
    open_all(store)
    pid = people[0].id
    store.respond(CODE, pid, "vote", {"c1": 3, "c2": 2})
    refused(store, BudgetExceeded, store.respond, CODE, pid, "vote", {"c3": 1}, delta=True)  # 6 > 5
    store.respond(CODE, pid, "vote", {"c2": -1}, delta=True)
    refused(store, BudgetExceeded, store.respond, CODE, pid, "vote", {"c1": 1}, delta=True)  # over the cap of 3
    info = refused(store, InvalidResponse, store.respond, CODE, pid, "vote", {"c3": -1}, delta=True)
    assert "no dot" in str(info.value)
    for bad in (True, 1.5, "1"):
        refused(store, InvalidResponse, store.respond, CODE, pid, "vote", {"c3": bad}, delta=True)
    refused(store, InvalidResponse, store.respond, CODE, pid, "vote", {"c9": 1}, delta=True)  # not an item
    refused(store, InvalidResponse, store.respond, CODE, pid, "agree", {"fcr": 1}, delta=True)  # not a dot vote
    store.lock_activity(CODE, "vote")
    refused(store, ActivityClosed, store.respond, CODE, pid, "vote", {"c3": 1}, delta=True)
    assert mine(store, pid, "vote") == {("c1", ""): 3, ("c2", ""): 1}


def test_concurrent_deltas_from_two_tabs_all_count(store, people):
    """Two kernels of one person add dots at once: every + lands, none is lost to a race."""
    import threading

    open_all(store)
    pid = people[0].id
    other = Store(store.url_for_kernels)  # the second tab's kernel has its own connection
    errors: list[Exception] = []

    def tab(s: Store, item: str) -> None:
        try:
            for _ in range(2):
                s.respond(CODE, pid, "vote", {item: 1}, delta=True)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=tab, args=(store, "c1")), threading.Thread(target=tab, args=(other, "c1"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.close()
    # four + on c1 with a cap of 3: three land, the fourth is refused by the cap (never lost silently)
    assert mine(store, pid, "vote") == {("c1", ""): 3}
    assert len(errors) == 1 and isinstance(errors[0], BudgetExceeded), errors


# --- the room signal --------------------------------------------------------------------


def test_every_change_a_phone_follows_moves_the_room_signal(store, people):
    if not store.is_sqlite:
        assert store.signal() is None  # several machines share no file: phones poll the store
        return
    seen = [store.signal()]

    def moved():
        now = store.signal()
        assert now != seen[-1] and now != (0, 0, 0)
        seen.append(now)

    store.open_activity(CODE, "vote")
    moved()
    store.set_timer(CODE, "vote", utcnow())
    moved()
    store.respond(CODE, people[0].id, "vote", {"c1": 1})
    assert store.signal() == seen[-1]  # a vote does not wake every phone
    store.lock_activity(CODE, "vote")
    moved()
    store.reveal_activity(CODE, "vote")
    moved()
    store.reset_activity(CODE, "vote")
    moved()
    store.restore_activity(CODE, "vote")
    moved()
    store.sync_workshop(WS)
    moved()
    # a read-only folder (or a missing file) never fails a transition: phones fall back to polling
    store.signal_path = store.signal_path.parent / "missing-folder" / "x.signal"
    store.reset_activity(CODE, "vote")
    assert store.signal() == (0, 0, 0)
