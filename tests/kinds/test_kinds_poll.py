"""The poll kind: settings, the store's rule, results with intervals, every display (its export: test_export.py)."""

from __future__ import annotations

import pytest
from repo_paths import DEMO

from csikit.errors import BudgetExceeded, InvalidResponse, ValidationError, WorkshopFileError
from csikit.kinds import kind_of
from csikit.kinds.base import Answers
from csikit.kinds.poll.rules import option_items
from csikit.kinds.results import results_of
from csikit.model import Activity, ActivityKind, Item, Objective, Response, Step, Workshop
from csikit.store import Store
from csikit.workshop_file import parse_workshop

POLL = kind_of(ActivityKind.POLL)
POLL_RESULTS = results_of(ActivityKind.POLL)


def poll(**kw) -> Activity:
    kw.setdefault("options", ("yes", "partly", "no"))
    return Activity("changed", Step.MOMENTUM, ActivityKind.POLL, "Have the objectives changed?", **kw)


WORKSHOP = Workshop(
    code="POLL01",
    title="Polls",
    organisation="Org",
    objectives=(Objective("O1", "Available"), Objective("O2", "Cheaper"), Objective("O3", "Safer")),
    agenda=(
        poll(),
        Activity(
            "hurt", Step.VISION, ActivityKind.POLL, "Which objectives are hurt most?", items_from="objectives", choose=2
        ),
    ),
)


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path}/store.sqlite")
    s.sync_workshop(WORKSHOP)
    yield s
    s.close()


# --- settings ---------------------------------------------------------------------------


def test_options_become_items_with_ids_from_their_text():
    assert option_items(("Yes", "Partly", "No — not at all")) == (
        Item("yes", "Yes"),
        Item("partly", "Partly"),
        Item("no-not-at-all", "No — not at all"),
    )
    assert [i.id for i in option_items(("???", "!!!"))] == ["option-1", "option-2"]  # nothing to slug: numbered
    assert [i.id for i in option_items(("a b", "a-b"))] == ["a-b", "a-b-2"]  # the same slug twice: made unique
    assert WORKSHOP.items_of(WORKSHOP.agenda[0]) == (Item("yes", "yes"), Item("partly", "partly"), Item("no", "no"))
    assert [i.id for i in WORKSHOP.items_of(WORKSHOP.agenda[1])] == ["O1", "O2", "O3"]


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"options": ("yes",)}, "a poll offers 2 to 10 options, got 1"),
        ({"options": tuple(str(i) for i in range(11))}, "a poll offers 2 to 10 options, got 11"),
        ({"options": ("yes", "Yes ")}, "lists the same option twice"),
        ({"options": ("yes", "no"), "choose": 3}, "choose: must be between 1 and the number of options (2)"),
        ({"options": ("yes", "no"), "choose": 0}, "choose: must be between 1"),
        ({"options": ("yes", "no"), "items_from": "objectives"}, "give the choices as options"),
        ({"options": None}, "give the choices as options"),
        ({"options": ("yes", "")}, "options[1]: must not be empty"),
    ],
)
def test_bad_settings_are_refused_with_what_to_fix(kw, message):
    with pytest.raises(ValidationError) as err:
        poll(**kw)
    assert message in str(err.value)


def test_a_poll_in_a_workshop_file():
    text = """title: T
organisation: O
code: POLL02
agenda:
  - id: changed
    step: 6
    kind: poll
    title: Have the business objectives changed?
    options: ["yes", partly, "no"]
    choose: 1
"""
    a = parse_workshop(text).agenda[0]
    assert (a.kind, a.options, a.choose) == (ActivityKind.POLL, ("yes", "partly", "no"), 1)
    with pytest.raises(WorkshopFileError) as err:
        parse_workshop(text.replace("choose: 1", "choose: 1\n    budget: 3"))
    assert "workshop.yaml:11: agenda[0].budget: applies only to dot_vote activities, not to poll" in str(err.value)


def test_the_demo_asks_whether_the_objectives_changed():
    from csikit.workshop_file import load_workshop

    a = load_workshop(DEMO).activity("s6-changed")
    assert (a.step, a.kind, a.options) == (Step.MOMENTUM, ActivityKind.POLL, ("yes", "partly", "no"))


# --- the store's rule -------------------------------------------------------------------


def test_one_choice_replaces_the_last_and_two_are_refused_politely(store):
    store.open_activity("POLL01", "changed")
    me = store.join("POLL01", "Ana")
    assert store.respond("POLL01", me.id, "changed", {"yes": 1}) == {("yes", ""): 1}
    assert store.respond("POLL01", me.id, "changed", {"no": 1}) == {("no", ""): 1}  # changed my mind
    assert store.my_responses("POLL01", me.id, "changed") == {("no", ""): (1, "")}
    with pytest.raises(BudgetExceeded, match="This question takes one answer; choose one option."):
        store.respond("POLL01", me.id, "changed", {"yes": 1, "partly": 1})
    assert store.my_responses("POLL01", me.id, "changed") == {("no", ""): (1, "")}  # unchanged by the refusal


@pytest.mark.parametrize(
    ("values", "error", "message"),
    [
        ({}, InvalidResponse, "choose an option first"),
        ({"yes": 0}, InvalidResponse, "choose an option first"),
        ({"maybe": 1}, InvalidResponse, "not part of this poll"),
        ({"yes": 2}, InvalidResponse, "Choose an option (1) or leave it (0)"),
        ({"yes": True}, InvalidResponse, "Choose an option (1) or leave it (0)"),
        ({("yes", "impact"): 1}, InvalidResponse, "not something this poll asks about"),
    ],
)
def test_forged_answers_are_refused(store, values, error, message):
    store.open_activity("POLL01", "changed")
    me = store.join("POLL01", "Ben")
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        store.respond("POLL01", me.id, "changed", values)


def test_at_most_n_choices_and_no_relative_changes(store):
    store.open_activity("POLL01", "hurt")
    me = store.join("POLL01", "Chen")
    assert store.respond("POLL01", me.id, "hurt", {"O1": 1, "O3": 1}) == {("O1", ""): 1, ("O3", ""): 1}
    with pytest.raises(BudgetExceeded, match="You may choose up to 2 options and this would be 3; take one off first."):
        store.respond("POLL01", me.id, "hurt", {"O1": 1, "O2": 1, "O3": 1})
    with pytest.raises(InvalidResponse, match="Only a dot vote takes one dot more or less"):
        store.respond("POLL01", me.id, "hurt", {"O2": 1}, delta=True)
    assert store.progress("POLL01", "hurt")[:2] == (1, 0)  # one choice is a whole answer


# --- results ------------------------------------------------------------------------------

ITEMS = option_items(("yes", "partly", "no"))
# 5 voters: yes ×3, partly ×1, no ×1
VOTES = [
    Response("changed", p, item, "", 1) for p, item in [(1, "yes"), (2, "yes"), (3, "yes"), (4, "partly"), (5, "no")]
]


def test_the_light_tally_counts_votes_best_first():
    lines = POLL.tally(poll(), ITEMS, VOTES)
    assert [(r.item, r.value, r.n) for r in lines] == [("yes", 3.0, 3), ("no", 1.0, 1), ("partly", 1.0, 1)]
    assert POLL.result_text(lines[0]) == "yes: 3 votes (n=3)"
    assert POLL.result_text(lines[1]) == "no: 1 vote (n=1)"


def test_the_summary_has_wilson_intervals_over_voters():
    frame = POLL_RESULTS.summary(Answers(poll(), ITEMS, tuple(VOTES)), WORKSHOP)
    assert list(frame["item"]) == ["yes", "no", "partly"]
    assert list(frame["votes"]) == [3, 1, 1] and set(frame["voters"]) == {5}
    assert list(frame["share"]) == [0.6, 0.2, 0.2]  # of the voters
    assert (frame["low"] <= frame["votes"]).all() and (frame["votes"] <= frame["high"]).all()
    # Wilson (csikit.stats): 3 of 5 → 5 × (0.2307, 0.8824); 1 of 5 → 5 × (0.0362, 0.6245)
    assert frame.loc[0, "low"] == pytest.approx(1.1536, abs=1e-4) and frame.loc[0, "high"] == pytest.approx(
        4.4119, abs=1e-4
    )
    assert frame.loc[1, "low"] == pytest.approx(0.1811, abs=1e-4) and frame.loc[1, "high"] == pytest.approx(
        3.1223, abs=1e-4
    )


def test_live_exhibit_and_review_displays():
    from matplotlib.figure import Figure

    from csikit import charts

    evil = option_items(("<script>x</script>", "no"))
    votes = [Response("changed", 1, evil[0].id, "", 1), Response("changed", 2, "no", "", 1)]
    a = poll(options=("<script>x</script>", "no"))
    live = POLL_RESULTS.live(Answers(a, evil, tuple(votes)), WORKSHOP)
    assert "&lt;script&gt;" in live.table and "<script>" not in live.table and "of voters" in live.table
    fig = live.figure()
    assert isinstance(fig, Figure) and "votes" in fig.axes[0].get_xlabel()
    charts.close(fig)
    ex = POLL_RESULTS.exhibits(Answers(poll(), ITEMS, tuple(VOTES)), WORKSHOP)
    assert len(ex) == 1 and ex[0].frame is not None and ex[0].figure is not None
    assert "option" in ex[0].frame.columns and "text" not in ex[0].frame.columns
    assert list(ex[0].frame["% of voters"])[0] == 60.0
    charts.close(ex[0].figure)
    rows = POLL_RESULTS.review_results(Answers(poll(), ITEMS, tuple(VOTES)), WORKSHOP, top=2)
    assert [r["item"] for r in rows] == ["yes", "no"]
    assert rows[0]["result"] == "3 of 5 voters (60%; 95% interval 23–88%)" and rows[0]["n"] == 5


def test_no_votes_yet_shows_an_empty_chart_not_an_error():
    from csikit import charts

    live = POLL_RESULTS.live(Answers(poll(), ITEMS, ()), WORKSHOP)
    assert list(live.frame["votes"]) == [0, 0, 0]
    fig = live.figure()
    assert "No votes yet" in [t.get_text() for t in fig.texts + [t for ax in fig.axes for t in ax.texts]]
    charts.close(fig)


# --- the phone and the facilitator ----------------------------------------------------------


def test_phones_choose_and_the_facilitator_counts(facilitator_room):
    ws, store, fac, people = facilitator_room
    fac.select("s6-changed")
    assert fac.open_activity(), fac.status.message
    facilitator_room.hub.changed()
    assert all(p.phase == "answering" and p.screen["activity"]["kind"] == "poll" for p in people)
    assert people[0].screen["activity"]["choose"] == 1
    assert people[0].answer("s6-changed", {"partly": 1})["ok"]
    assert people[0].answer("s6-changed", {"yes": 1})["ok"]  # a new tap replaces the choice
    assert people[1].answer("s6-changed", {"yes": 1})["ok"] and people[2].answer("s6-changed", {"no": 1})["ok"]
    assert people[0].mine["chosen"] == ["yes"]
    fac.refresh()
    frame = fac.results.frame.set_index("item")
    assert frame.loc["yes", "votes"] == 2 and frame.loc["no", "votes"] == 1 and frame.loc["partly", "votes"] == 0
    assert "95% interval" in fac.results.table.value
    fac.lock_activity()
    fac.reveal_activity()
    facilitator_room.hub.changed()
    assert any("yes: 2 votes (n=2)" in line for line in people[1].screen["results"]["lines"])


def test_a_second_tab_follows_the_choice(facilitator_room):
    ws, store, fac, people = facilitator_room
    fac.select("s6-changed")
    assert fac.open_activity()
    facilitator_room.hub.changed()
    tab1 = people[0]
    tab2 = facilitator_room.hub.phone(tab1.token)
    assert tab2.answer("s6-changed", {"no": 1})["ok"]
    assert tab1.mine["chosen"] == ["no"]  # the other tab of the same person follows at once
