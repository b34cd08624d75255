"""The store's room state (issue 14), on SQLite and PostgreSQL: the position each response's
item was shown in (fair order), "I'm done" marks, the live-results switch, paper
participants whose answers the facilitator enters, and older stores gaining all of it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from csikit import order
from csikit.errors import ActivityClosed, BudgetExceeded, InvalidResponse
from csikit.store import Store, schema
from csikit.workshop_file import parse_workshop

CODE = "ROOM14"
WS = parse_workshop(
    """
code: ROOM14
title: Room test workshop
organisation: Test Org
agenda:
  - {id: ideas, step: 1, kind: ideas, title: "What gets in the way?", max_ideas: 2}
  - id: vote
    step: 3
    kind: dot_vote
    title: Which improvements first?
    budget: 5
    per_item_cap: 3
    items: [{id: c1, text: One}, {id: c2, text: Two}, {id: c3, text: Three}, {id: c4, text: Four},
            {id: c5, text: Five}, {id: c6, text: Six}, {id: c7, text: Seven}, {id: c8, text: Eight}]
  - id: plain
    step: 3
    kind: rating
    title: Rate them in the file's order
    scale: likert
    fair_order: false
    items: [{id: a, text: A}, {id: b, text: B}, {id: c, text: C}]
""",
    "room-test.yaml",
)
KEYS = [f"c{i}" for i in range(1, 9)]


def dump(store: Store) -> dict[str, list[tuple]]:
    """Every row of every csikit table, for 'nothing was written' checks."""
    with store.engine.connect() as c:
        return {
            name: sorted((tuple(r) for r in c.execute(sa.select(table)).all()), key=repr)
            for name, table in schema.metadata.tables.items()
        }


def refused(store: Store, exc: type[Exception], fn, *args, **kwargs) -> str:
    """Call fn, expect exc with a message, and check that no table changed."""
    before = dump(store)
    with pytest.raises(exc) as info:
        fn(*args, **kwargs)
    assert dump(store) == before, "a refused call wrote to the store"
    assert str(info.value)
    return str(info.value)


@pytest.fixture
def store(store_url):
    s = Store(store_url)
    s.sync_workshop(WS)
    yield s
    s.close()


@pytest.fixture
def people(store):
    return [store.join(CODE, name) for name in ("Ana", "Ben", "Chen")]


# --- positions (fair order) ---------------------------------------------------------------


def test_responses_record_the_position_each_item_was_shown_in(store, people):
    store.open_activity(CODE, "vote")
    activity = WS.activity("vote")
    for p in people:
        store.respond(CODE, p.id, "vote", {"c1": 2, "c5": 1, "c8": 2})
    got = {(r.participant, r.item): r.position for r in store.responses(CODE, "vote")}
    assert len(got) == 9
    for p in people:
        shown = order.positions(activity, KEYS, p.id)
        assert {item: got[p.id, item] for item in ("c1", "c5", "c8")} == {i: shown[i] for i in ("c1", "c5", "c8")}
    # the shuffle differs between people, so the positions do too (8 items: 3 equal orders by chance are rare)
    assert len({tuple(got[p.id, i] for i in ("c1", "c5", "c8")) for p in people}) > 1
    # the participant's own read gives the same positions
    mine = store.responses(CODE, "vote", participant=people[0].id)
    assert {r.item: r.position for r in mine} == {i: got[people[0].id, i] for i in ("c1", "c5", "c8")}


def test_a_changed_answer_keeps_its_position_and_a_delta_vote_gets_one(store, people):
    store.open_activity(CODE, "vote")
    p = people[0]
    shown = order.positions(WS.activity("vote"), KEYS, p.id)
    store.respond(CODE, p.id, "vote", {"c2": 1})
    store.respond(CODE, p.id, "vote", {"c2": 3})
    store.respond(CODE, p.id, "vote", {"c4": 1}, delta=True)
    assert {r.item: (r.value, r.position) for r in store.responses(CODE, "vote")} == {
        "c2": (3, shown["c2"]),
        "c4": (1, shown["c4"]),
    }


def test_fair_order_off_records_the_files_order(store, people):
    store.open_activity(CODE, "plain")
    store.respond(CODE, people[1].id, "plain", {"a": 4, "b": 2, "c": 5})
    assert [(r.item, r.position) for r in store.responses(CODE, "plain")] == [("a", 0), ("b", 1), ("c", 2)]


# --- "I'm done" ---------------------------------------------------------------------------


def test_done_marks_count_and_clear_on_reset(store, people):
    store.open_activity(CODE, "vote")
    assert store.done_count(CODE, "vote") == (0, 3)
    r0 = store.revision(CODE, "vote")
    store.mark_done(CODE, people[0].id, "vote")
    store.mark_done(CODE, people[0].id, "vote")  # twice is once
    store.mark_done(CODE, people[2].id, "vote")
    assert store.done_count(CODE, "vote") == (2, 3)
    assert [store.is_done(CODE, p.id, "vote") for p in people] == [True, False, True]
    r1 = store.revision(CODE, "vote")
    assert r1 != r0
    store.mark_done(CODE, people[2].id, "vote", done=False)
    assert store.done_count(CODE, "vote") == (1, 3)
    assert store.revision(CODE, "vote") != r1
    assert store.done_count(CODE, "plain") == (0, 3)  # per activity
    store.lock_activity(CODE, "vote")
    store.reset_activity(CODE, "vote")
    assert store.done_count(CODE, "vote") == (0, 3)
    assert not store.is_done(CODE, people[0].id, "vote")


def test_done_is_refused_unless_open_or_for_a_stranger(store, people):
    msg = refused(store, ActivityClosed, store.mark_done, CODE, people[0].id, "vote")
    assert "not open yet" in msg
    store.open_activity(CODE, "vote")
    refused(store, InvalidResponse, store.mark_done, CODE, 99999, "vote")
    refused(store, InvalidResponse, store.mark_done, CODE, True, "vote")
    store.lock_activity(CODE, "vote")
    assert "closed" in refused(store, ActivityClosed, store.mark_done, CODE, people[0].id, "vote")


# --- the live-results switch --------------------------------------------------------------


def test_live_results_switch_is_audited_and_moves_the_revision(store):
    assert store.live_results(CODE, "vote") is False
    r0 = store.revision(CODE, "vote")
    store.set_live_results(CODE, "vote", True, actor="Fran")
    assert store.live_results(CODE, "vote") is True
    assert store.live_results(CODE, "plain") is False
    r1 = store.revision(CODE, "vote")
    assert r1 != r0
    store.set_live_results(CODE, "vote", True)  # no change: no audit row
    store.set_live_results(CODE, "vote", False)
    assert store.live_results(CODE, "vote") is False
    assert store.revision(CODE, "vote") != r1
    events = [(e.action, e.activity, e.actor, e.detail) for e in store.events(CODE) if e.action == "live results"]
    assert events == [("live results", "vote", "Fran", "shown"), ("live results", "vote", "facilitator", "hidden")]
    refused(store, InvalidResponse, store.set_live_results, CODE, "vote", True, actor="  ")


# --- paper participants -------------------------------------------------------------------


def test_paper_participants_are_numbered_named_and_audited(store, people):
    p1 = store.add_paper_participant(CODE)
    dora = store.add_paper_participant(CODE, "  Dora ", actor="Fran")
    p3 = store.add_paper_participant(CODE)
    assert (p1.name, dora.name, p3.name) == ("Paper 1", "Dora", "Paper 3")
    assert store.paper_participants(CODE) == [p1, dora, p3]
    assert [p.name for p in store.participants(CODE)] == ["Ana", "Ben", "Chen", "Paper 1", "Dora", "Paper 3"]
    joined = [(e.action, e.actor, e.detail) for e in store.events(CODE) if e.action == "paper joined"]
    assert joined == [
        ("paper joined", "facilitator", "Paper 1"),
        ("paper joined", "Fran", "Dora"),
        ("paper joined", "facilitator", "Paper 3"),
    ]
    refused(store, InvalidResponse, store.add_paper_participant, CODE, "x" * 61)
    refused(store, InvalidResponse, store.add_paper_participant, CODE, actor="")


def test_entered_votes_follow_the_phone_rules_and_are_audited(store, people):
    paper = store.add_paper_participant(CODE, "Dora")
    assert "not open" in refused(store, ActivityClosed, store.enter_response, CODE, paper.id, "vote", {"c1": 1})
    store.open_activity(CODE, "vote")
    merged = store.enter_response(CODE, paper.id, "vote", {"c1": 3, "c2": 1}, actor="Fran")
    assert merged == {("c1", ""): 3, ("c2", ""): 1}
    assert {(r.participant, r.item, r.value, r.position) for r in store.responses(CODE, "vote")} == {
        (paper.id, "c1", 3, None),
        (paper.id, "c2", 1, None),
    }
    refused(store, BudgetExceeded, store.enter_response, CODE, paper.id, "vote", {"c3": 2})
    refused(store, InvalidResponse, store.enter_response, CODE, people[0].id, "vote", {"c3": 1})  # a phone's own
    refused(store, InvalidResponse, store.enter_response, CODE, paper.id, "vote", {"nope": 1})
    refused(store, InvalidResponse, store.enter_response, CODE, paper.id, "vote", {"c3": 1}, actor="\x00")
    entered = [(e.action, e.activity, e.actor, e.detail) for e in store.events(CODE) if e.action == "entered"]
    assert entered == [("entered", "vote", "Fran", "2 values for Dora")]
    assert store.participation(CODE, "vote") == (1, 4)
    store.lock_activity(CODE, "vote")
    assert "closed" in refused(store, ActivityClosed, store.enter_response, CODE, paper.id, "vote", {"c1": 0})


def test_paper_participants_count_only_where_they_answered_and_cannot_be_done(store, people):
    dora, _ = store.add_paper_participant(CODE, "Dora"), store.add_paper_participant(CODE, "Ed")
    store.open_activity(CODE, "vote")
    assert store.participation(CODE, "vote") == (0, 3)  # three phones; the paper sheets answered nothing yet
    store.enter_response(CODE, dora.id, "vote", {"c1": 1})
    store.respond(CODE, people[0].id, "vote", {"c2": 1})
    assert store.participation(CODE, "vote") == (2, 4)  # Dora is in this vote, Ed is not
    assert store.done_count(CODE, "vote") == (0, 3)  # only phones have an "I'm done" button
    store.open_activity(CODE, "ideas")
    assert store.participation(CODE, "ideas") == (0, 3)


def test_a_paper_participant_added_by_mistake_can_be_removed(store, people):
    dora, ed = store.add_paper_participant(CODE, "Dora"), store.add_paper_participant(CODE, "Ed")
    store.open_activity(CODE, "vote")
    store.enter_response(CODE, ed.id, "vote", {"c1": 2})
    store.remove_paper_participant(CODE, ed.id, actor="Fran")  # answers in an open vote go with them
    assert store.paper_participants(CODE) == [dora]
    assert store.responses(CODE, "vote") == [] and store.participation(CODE, "vote") == (0, 3)
    assert [(e.action, e.actor, e.detail) for e in store.events(CODE) if e.action == "paper removed"] == [
        ("paper removed", "Fran", "Ed")
    ]
    refused(store, InvalidResponse, store.remove_paper_participant, CODE, people[0].id)  # a phone is not removed
    store.enter_response(CODE, dora.id, "vote", {"c1": 1})
    store.lock_activity(CODE, "vote")
    said = refused(store, InvalidResponse, store.remove_paper_participant, CODE, dora.id)
    assert "locked or revealed" in said and store.paper_participants(CODE) == [dora]  # nothing lost


def test_entered_ideas_follow_the_phone_rules_and_are_audited(store):
    paper = store.add_paper_participant(CODE)
    refused(store, ActivityClosed, store.enter_idea, CODE, paper.id, "ideas", "Slow laptops")
    store.open_activity(CODE, "ideas")
    idea = store.enter_idea(CODE, paper.id, "ideas", "  Slow laptops ")
    store.enter_idea(CODE, paper.id, "ideas", "Too many tools")
    assert (idea.text, idea.participant, idea.activity) == ("Slow laptops", paper.id, "ideas")
    assert [i.text for i in store.ideas(CODE, "ideas")] == ["Slow laptops", "Too many tools"]
    assert "2 ideas" in refused(store, InvalidResponse, store.enter_idea, CODE, paper.id, "ideas", "A third")
    refused(store, InvalidResponse, store.enter_idea, CODE, paper.id, "ideas", "   ")
    refused(store, InvalidResponse, store.enter_idea, CODE, paper.id, "vote", "Not an ideas activity")
    entered = [(e.action, e.detail) for e in store.events(CODE) if e.action == "entered"]
    assert entered == [("entered", "an idea for Paper 1"), ("entered", "an idea for Paper 1")]


# --- an older store -----------------------------------------------------------------------


def test_an_older_store_gains_positions_and_the_room_tables(store_url):
    """A store written before issue 14 (no responses.position, no room tables) is completed
    when it is opened; its responses keep their values and have no position."""
    s = Store(store_url)
    s.sync_workshop(WS)
    ana = s.join(CODE, "Ana")
    s.open_activity(CODE, "vote")
    s.respond(CODE, ana.id, "vote", {"c1": 2})
    with s.engine.begin() as c:
        c.execute(sa.text("ALTER TABLE responses DROP COLUMN position"))
        for table in ("done_marks", "live_results", "paper_participants", "idea_merges"):
            c.execute(sa.text(f"DROP TABLE {table}"))
    s.close()
    assert "position" not in {c["name"] for c in sa.inspect(sa.create_engine(store_url)).get_columns("responses")}
    s = Store(store_url)
    try:
        inspector = sa.inspect(s.engine)
        assert "position" in {c["name"] for c in inspector.get_columns("responses")}
        assert {"done_marks", "live_results", "paper_participants", "idea_merges"} <= set(inspector.get_table_names())
        assert [(r.item, r.value, r.position) for r in s.responses(CODE, "vote")] == [("c1", 2, None)]
        ben = s.join(CODE, "Ben")
        s.respond(CODE, ben.id, "vote", {"c3": 1})
        assert (
            s.responses(CODE, "vote", participant=ben.id)[0].position
            == order.positions(WS.activity("vote"), KEYS, ben.id)["c3"]
        )
        s.mark_done(CODE, ben.id, "vote")
        assert s.done_count(CODE, "vote") == (1, 2)
        assert s.schema_version() == schema.SCHEMA_VERSION
    finally:
        s.close()
    Store(store_url).close()  # opening it again finds nothing to add


def test_a_read_only_older_store_still_reads(tmp_path):
    """An older store that cannot be upgraded (read-only) still shows its answers, no done
    marks, no live results and no paper participants; writing says it is read-only."""
    import sqlite3

    from csikit.errors import StoreError

    file = tmp_path / "old.sqlite"
    s = Store(f"sqlite:///{file}")
    s.sync_workshop(WS)
    ana = s.join(CODE, "Ana")
    s.open_activity(CODE, "vote")
    s.respond(CODE, ana.id, "vote", {"c1": 2})
    s.close()
    with sqlite3.connect(file) as c:
        c.execute("ALTER TABLE responses DROP COLUMN position")
        for table in ("done_marks", "live_results", "paper_participants"):
            c.execute(f"DROP TABLE {table}")
        c.execute("PRAGMA journal_mode=DELETE")
    s = Store(f"sqlite:///file:{file}?mode=ro&uri=true")
    try:
        assert [(r.item, r.value, r.position) for r in s.responses(CODE, "vote")] == [("c1", 2, None)]
        assert s.my_responses(CODE, ana.id, "vote") == {("c1", ""): (2, "")}
        assert s.done_count(CODE, "vote") == (0, 1)
        assert not s.is_done(CODE, ana.id, "vote")
        assert s.live_results(CODE, "vote") is False
        assert s.paper_participants(CODE) == []
        assert s.revision(CODE, "vote")
        with pytest.raises(StoreError, match="read-only"):
            s.respond(CODE, ana.id, "vote", {"c2": 1})
    finally:
        s.close()


def test_reset_and_restore_keep_positions(store, people):
    store.open_activity(CODE, "vote")
    store.respond(CODE, people[0].id, "vote", {"c1": 1, "c6": 2})
    before = store.responses(CODE, "vote")
    assert all(r.position is not None for r in before)
    store.reset_activity(CODE, "vote")
    assert store.responses(CODE, "vote") == []
    store.restore_activity(CODE, "vote")
    assert store.responses(CODE, "vote") == before


def test_programs_opening_an_older_store_at_once_upgrade_it_once(store_url):
    """Several kernels start together on a store written before issue 14: each adds what is
    missing under the store's lock, so none fails on a column another just added."""
    from concurrent.futures import ThreadPoolExecutor

    s = Store(store_url)
    s.sync_workshop(WS)
    with s.engine.begin() as c:
        c.execute(sa.text("ALTER TABLE responses DROP COLUMN position"))
        c.execute(sa.text("DROP TABLE done_marks"))
    s.close()

    def opened(_):
        store = Store(store_url)
        store.close()
        return True

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(opened, range(4))) == [True] * 4
    s = Store(store_url)
    try:
        assert "position" in {c["name"] for c in sa.inspect(s.engine).get_columns("responses")}
        assert "done_marks" in sa.inspect(s.engine).get_table_names()
    finally:
        s.close()
