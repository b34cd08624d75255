"""Merging duplicate ideas: the store (SQLite and PostgreSQL), the hand-off, the counts,
and the facilitator's merge panel driven without a browser."""

from __future__ import annotations

from pathlib import Path

import ipywidgets as W
import pytest
import sqlalchemy as sa

from csikit import handoff
from csikit.errors import BudgetExceeded, InvalidResponse, NotFound
from csikit.kinds.base import Answers
from csikit.kinds.results import results_of
from csikit.model import ActivityKind
from csikit.store import Store
from csikit.store import schema as t
from csikit.widgets.merge_ideas import MergePanel
from csikit.workbook import WorkshopData
from csikit.workshop_file import parse_workshop

CODE = "MERGE1"
WS = parse_workshop(
    """
code: MERGE1
title: Merge test workshop
organisation: Test Org
objectives:
  - {id: O1, title: Users get back to work quickly}
agenda:
  - {id: ideas, step: 1, kind: ideas, title: "What gets in the way?", max_ideas: 5}
  - {id: top, step: 1, kind: dot_vote, title: Worst problems, items_from: ideas, budget: 5, per_item_cap: 3}
  - {id: rate, step: 1, kind: rating, title: How bad?, items_from: ideas, scale: likert}
  - {id: then, step: 3, kind: rating, title: Impact and effort, items_from: top, scale: impact_effort}
""",
    "merge-test.yaml",
)


@pytest.fixture
def store(store_url):
    s = Store(store_url)
    s.sync_workshop(WS)
    yield s
    s.close()


@pytest.fixture
def people(store):
    return [store.join(CODE, name).id for name in ("Ana", "Ben", "Chen")]


@pytest.fixture
def five(store, people):
    """Five ideas (ids in order): 0 and 1 the same problem, 2 and 3 another, 4 alone."""
    a, b, c = people
    store.open_activity(CODE, "ideas")
    texts = [
        (a, "Password resets eat 20% of calls"),
        (b, "password resets eat 20% of calls"),
        (a, "Slow laptops"),
        (c, "Laptops are slow"),
        (b, "Printer outages"),
    ]
    return [store.add_idea(CODE, p, "ideas", text).id for p, text in texts]


def answers(store, activity):
    """Every answer as (participant, item key, criterion, value, comment), and the items."""
    rows = sorted((r.participant, r.item, r.criterion, r.value, r.comment) for r in store.responses(CODE, activity))
    return rows, [(i.id, i.text) for i in store.status(CODE, activity).items]


def spent(store, activity):
    out = {}
    for r in store.responses(CODE, activity):
        out[r.participant] = out.get(r.participant, 0) + r.value
    return out


def merges(store):
    with store.engine.connect() as c:
        return c.execute(sa.select(t.idea_merges).order_by(t.idea_merges.c.id)).all()


def test_merged_ideas_form_groups_and_are_audited(store, five):
    i = five
    store.merge_ideas(CODE, "ideas", i[0], [i[1]], actor="Fran")
    assert store.idea_groups(CODE, "ideas") == {i[0]: [i[1]]}
    assert [x.merged_into for x in store.ideas(CODE, "ideas")] == [None, i[0], None, None, None]
    [event] = [e for e in store.events(CODE) if e.action == "merged"]
    assert (event.activity, event.actor, event.detail) == ("ideas", "Fran", f"[{i[1]}] into {i[0]}")
    [row] = merges(store)
    assert (row.keep, row.duplicates, row.actor, row.undone_at) == (i[0], f"[{i[1]}]", "Fran", None)


def test_merging_into_a_duplicate_merges_into_its_kept_idea(store, five):
    i = five
    store.merge_ideas(CODE, "ideas", i[2], [i[3]])
    store.merge_ideas(CODE, "ideas", i[3], [i[4]])  # i[3] is a duplicate of i[2]
    assert store.idea_groups(CODE, "ideas") == {i[2]: [i[3], i[4]]}


def test_a_duplicates_own_duplicates_follow_it(store, five):
    i = five
    store.merge_ideas(CODE, "ideas", i[2], [i[3], i[4]])
    store.merge_ideas(CODE, "ideas", i[0], [i[2]])
    assert store.idea_groups(CODE, "ideas") == {i[0]: [i[2], i[3], i[4]]}
    assert all(x.merged_into in (None, i[0]) for x in store.ideas(CODE, "ideas"))  # flat: no chains


def test_merging_ideas_already_in_one_group_changes_nothing(store, five):
    i = five
    store.merge_ideas(CODE, "ideas", i[0], [i[1]])
    store.merge_ideas(CODE, "ideas", i[1], [i[0]])
    assert store.idea_groups(CODE, "ideas") == {i[0]: [i[1]]}
    assert len(merges(store)) == 1


def test_merge_refuses_ideas_of_another_activity_and_keeping_a_duplicate(store, five):
    i = five
    with pytest.raises(NotFound):
        store.merge_ideas(CODE, "ideas", i[0], [i[0]])
    with pytest.raises(NotFound):
        store.merge_ideas(CODE, "ideas", i[0], [999999])
    with pytest.raises(InvalidResponse):
        store.merge_ideas(CODE, "top", i[0], [i[1]])
    assert store.idea_groups(CODE, "ideas") == {} and merges(store) == []


@pytest.mark.parametrize("state", ["open", "lock", "reveal"])
def test_merge_is_allowed_whatever_the_ideas_activity_state(store, five, state):
    if state != "open":
        store.lock_activity(CODE, "ideas")
    if state == "reveal":
        store.reveal_activity(CODE, "ideas")
    store.merge_ideas(CODE, "ideas", five[0], [five[1]])
    assert store.idea_groups(CODE, "ideas") == {five[0]: [five[1]]}


def test_a_draft_dependent_gets_one_item_per_group_when_it_opens(store, five):
    i = five
    store.merge_ideas(CODE, "ideas", i[0], [i[1]])
    store.merge_ideas(CODE, "ideas", i[2], [i[3]])
    store.lock_activity(CODE, "ideas")
    items = store.open_activity(CODE, "top").items
    assert [x.id for x in items] == [f"idea-{i[0]}", f"idea-{i[2]}", f"idea-{i[4]}"]
    assert items[0].text == "Password resets eat 20% of calls"  # the kept idea's words


def test_dots_on_duplicates_in_an_open_vote_move_to_the_kept_idea(store, five, people):
    i, (a, b, c) = five, people
    store.lock_activity(CODE, "ideas")
    store.open_activity(CODE, "top")
    k = [f"idea-{x}" for x in i]
    store.respond(CODE, a, "top", {k[0]: 1, k[1]: 2, k[4]: 2})  # both duplicates: 1 + 2 = 3
    store.respond(CODE, b, "top", {k[1]: 3, k[2]: 2})  # only the duplicate
    store.respond(CODE, c, "top", {k[3]: 3, k[4]: 2})  # untouched by the merge
    budget = spent(store, "top")
    store.merge_ideas(CODE, "ideas", i[0], [i[1]])
    rows, items = answers(store, "top")
    assert [key for key, _ in items] == [k[0], k[2], k[3], k[4]]
    assert rows == sorted(
        [
            (a, k[0], "", 3, ""),
            (a, k[4], "", 2, ""),
            (b, k[0], "", 3, ""),
            (b, k[2], "", 2, ""),
            (c, k[3], "", 3, ""),
            (c, k[4], "", 2, ""),
        ]
    )
    assert spent(store, "top") == budget  # every dot kept, no budget passed
    with pytest.raises(InvalidResponse):
        store.respond(CODE, b, "top", {k[1]: 1})  # the duplicate's item is gone
    store.respond(CODE, b, "top", {k[0]: 2})  # the kept item takes votes as before
    [row] = merges(store)
    assert '"top"' in row.moved and "2 answers moved" in store.events(CODE)[-1].detail


def test_dots_summed_past_the_per_item_cap_go_back_to_the_budget(store, five, people):
    """The cap holds after a merge too: two items that turn out to be one problem keep at
    most ``per_item_cap`` dots of one person; the rest go back to the person's budget, to
    spend again (a dot taken off can be put back), and an undo gives back every dot."""
    i, a = five, people[0]
    store.lock_activity(CODE, "ideas")
    store.open_activity(CODE, "top")
    store.respond(CODE, a, "top", {f"idea-{i[0]}": 3, f"idea-{i[1]}": 2})
    store.merge_ideas(CODE, "ideas", i[0], [i[1]])
    assert answers(store, "top")[0] == [(a, f"idea-{i[0]}", "", 3, "")]  # cap 3: two dots back in the budget
    store.respond(CODE, a, "top", {f"idea-{i[0]}": -1}, delta=True)
    store.respond(CODE, a, "top", {f"idea-{i[0]}": 1}, delta=True)  # taken off, put back
    with pytest.raises(BudgetExceeded):
        store.respond(CODE, a, "top", {f"idea-{i[0]}": 1}, delta=True)  # the cap, as before the merge
    assert store.undo_merge(CODE, "ideas")
    assert answers(store, "top")[0] == [(a, f"idea-{i[0]}", "", 3, ""), (a, f"idea-{i[1]}", "", 2, "")]


def test_an_undo_does_not_give_back_capped_dots_spent_elsewhere(store, five, people):
    i, a = five, people[0]
    store.lock_activity(CODE, "ideas")
    store.open_activity(CODE, "top")
    store.respond(CODE, a, "top", {f"idea-{i[0]}": 3, f"idea-{i[1]}": 2})
    store.merge_ideas(CODE, "ideas", i[0], [i[1]])
    store.respond(CODE, a, "top", {f"idea-{i[2]}": 2}, delta=True)  # the two freed dots, spent
    assert store.undo_merge(CODE, "ideas")
    assert spent(store, "top")[a] <= 5  # the budget holds: the duplicate gets back only what the kept item holds


def test_ratings_keep_the_value_on_the_kept_idea_and_move_a_duplicates_only_value(store, five, people):
    i, (a, b, _) = five, people
    store.lock_activity(CODE, "ideas")
    store.open_activity(CODE, "rate")
    k = [f"idea-{x}" for x in i]
    store.respond(CODE, a, "rate", {k[0]: 5, k[1]: 1}, {k[1]: "dup note"})
    store.respond(CODE, b, "rate", {k[1]: 2}, {k[1]: "only here"})
    store.merge_ideas(CODE, "ideas", i[0], [i[1]])
    assert answers(store, "rate")[0] == [(a, k[0], "", 5, ""), (b, k[0], "", 2, "only here")]


def test_undo_restores_items_and_answers_exactly(store, five, people):
    i, (a, b, c) = five, people
    store.lock_activity(CODE, "ideas")
    store.open_activity(CODE, "top")
    store.open_activity(CODE, "rate")
    k = [f"idea-{x}" for x in i]
    store.respond(CODE, a, "top", {k[0]: 1, k[1]: 2, k[3]: 2}, {k[1]: "why"})
    store.respond(CODE, b, "top", {k[1]: 3, k[2]: 2})
    store.respond(CODE, c, "top", {k[2]: 1})
    store.respond(CODE, a, "rate", {k[0]: 5, k[1]: 1, k[2]: 4})
    store.respond(CODE, b, "rate", {k[1]: 2, k[3]: 3})
    store.lock_activity(CODE, "top")
    store.open_activity(CODE, "then")  # items from the vote: idea-… keys too
    store.respond(CODE, c, "then", {(k[1], "impact"): 4, (k[2], "effort"): 2})
    before = {key: answers(store, key) for key in ("top", "rate", "then")}
    ideas_before = store.ideas(CODE, "ideas")
    store.merge_ideas(CODE, "ideas", i[0], [i[1]])
    store.merge_ideas(CODE, "ideas", i[3], [i[2]])  # keeps the younger idea: its words, the older's item gone
    assert [x for x, _ in answers(store, "then")[1]] == [k[0], k[3], k[4]]
    assert answers(store, "then")[0] == [(c, k[0], "impact", 4, ""), (c, k[3], "effort", 2, "")]
    assert store.undo_merge(CODE, "ideas") is True
    assert store.undo_merge(CODE, "ideas", actor="Fran") is True
    assert store.undo_merge(CODE, "ideas") is False
    assert {key: answers(store, key) for key in before} == before
    assert store.ideas(CODE, "ideas") == ideas_before and store.idea_groups(CODE, "ideas") == {}
    unmerged = [e for e in store.events(CODE) if e.action == "unmerged"]
    assert [(e.detail, e.actor) for e in unmerged] == [
        (f"[{i[2]}] from {i[3]}", "facilitator"),
        (f"[{i[1]}] from {i[0]}", "Fran"),
    ]
    assert all(row.undone_at is not None for row in merges(store))
    assert [x for x, _ in answers(store, "top")[1]] == k


def test_undo_after_the_person_voted_again_keeps_the_budget(store, five, people):
    i, a = five, people[0]
    store.lock_activity(CODE, "ideas")
    store.open_activity(CODE, "top")
    k = [f"idea-{x}" for x in i]
    store.respond(CODE, a, "top", {k[0]: 1, k[1]: 2})
    store.merge_ideas(CODE, "ideas", i[0], [i[1]])
    store.respond(CODE, a, "top", {k[0]: 1, k[4]: 4 - 1})  # took 2 dots off the merged item, put them elsewhere
    assert spent(store, "top") == {a: 4}
    store.undo_merge(CODE, "ideas")
    assert spent(store, "top") == {a: 4}  # the duplicate gets back what the kept item still holds
    assert answers(store, "top")[0] == [(a, k[1], "", 1, ""), (a, k[4], "", 3, "")]


def test_undo_of_a_merge_into_a_group_keeps_the_earlier_merge(store, five):
    i = five
    store.merge_ideas(CODE, "ideas", i[0], [i[1]])
    store.merge_ideas(CODE, "ideas", i[2], [i[0]])  # the whole group joins i[2]
    assert store.idea_groups(CODE, "ideas") == {i[2]: [i[0], i[1]]}
    store.undo_merge(CODE, "ideas")
    assert store.idea_groups(CODE, "ideas") == {i[0]: [i[1]]}


def test_undo_leaves_a_dependent_reset_since_alone(store, five, people):
    i, a = five, people[0]
    store.lock_activity(CODE, "ideas")
    store.open_activity(CODE, "top")
    store.respond(CODE, a, "top", {f"idea-{i[0]}": 1, f"idea-{i[1]}": 1})
    store.merge_ideas(CODE, "ideas", i[0], [i[1]])
    store.reset_activity(CODE, "top")
    assert store.undo_merge(CODE, "ideas") is True
    assert store.idea_groups(CODE, "ideas") == {}
    assert answers(store, "top") == ([], [])


def test_withdrawing_a_kept_idea_keeps_its_group(store, five, people):
    i, a = five, people[0]
    store.merge_ideas(CODE, "ideas", i[0], [i[1], i[2]])
    store.edit_idea(CODE, a, "ideas", i[0], None)
    assert store.idea_groups(CODE, "ideas") == {i[1]: [i[2]]}


def test_dismissed_suggestions_are_remembered(store, five):
    i = five
    assert store.dismissed(CODE, "ideas") == set()
    store.dismiss_suggestion(CODE, "ideas", [i[3], i[2]], actor="Fran")
    store.dismiss_suggestion(CODE, "ideas", [i[0], i[1], i[1]])
    assert store.dismissed(CODE, "ideas") == {frozenset({i[2], i[3]}), frozenset({i[0], i[1]})}
    assert store.dismissed(CODE, "top") == set()
    assert [e.actor for e in store.events(CODE) if e.action == "kept apart"] == ["Fran", "facilitator"]
    with pytest.raises(InvalidResponse):
        store.dismiss_suggestion(CODE, "ideas", [i[0]])


def test_merging_changes_the_revision_the_console_follows(store, five):
    before = store.revision(CODE, "ideas")
    store.merge_ideas(CODE, "ideas", five[0], [five[1]])
    merged = store.revision(CODE, "ideas")
    assert merged != before
    store.undo_merge(CODE, "ideas")
    assert store.revision(CODE, "ideas") != merged


# --- counts and the hand-off -----------------------------------------------------------


def test_duplicates_merged_column_counts_each_group(store, five):
    i = five
    store.merge_ideas(CODE, "ideas", i[2], [i[3], i[4]])
    a = WS.activity("ideas")
    live = results_of(ActivityKind.IDEAS).live(Answers.read(store, CODE, a), WS)
    assert list(live.frame["duplicates"]) == [0, 0, 2]
    assert "duplicates merged" in live.table
    data = WorkshopData(WS, store, Path("merge-test.yaml"))
    frame = data.ideas("ideas")
    assert dict(zip(frame["idea"], frame["duplicates"], strict=True)) == {i[0]: 0, i[1]: 0, i[2]: 2}
    assert data.ideas("ideas", merged=True)["merged_into"].count() == 2


@pytest.mark.parametrize("when", ["before the vote opens", "while the vote is open"])
def test_winners_become_one_initiative_per_merged_group(store, five, people, when):
    i, (a, b, c) = five, people
    store.merge_ideas(CODE, "ideas", i[2], [i[3]])
    store.lock_activity(CODE, "ideas")
    if when == "before the vote opens":
        store.merge_ideas(CODE, "ideas", i[0], [i[1]])
    store.open_activity(CODE, "top")
    store.respond(CODE, a, "top", {f"idea-{i[0]}": 3, f"idea-{i[4]}": 1})
    store.respond(CODE, b, "top", {f"idea-{i[1]}" if when != "before the vote opens" else f"idea-{i[0]}": 3})
    store.respond(CODE, c, "top", {f"idea-{i[2]}": 1})
    if when == "while the vote is open":
        store.merge_ideas(CODE, "ideas", i[0], [i[1]])
    store.lock_activity(CODE, "top")
    created = handoff.initiatives_from_winners(store, CODE, "top", top=3)
    titles = [x.title for x in created]
    assert titles == ["Password resets eat 20% of calls", "Slow laptops", "Printer outages"]
    assert created[0].vote_score == 6  # the dots of both duplicates
    assert created[0].description == ""  # the same words typed twice: nothing to add
    assert created[1].description == "Also said as: Laptops are slow"
    assert [x.title for x in store.initiatives(CODE)] == titles  # one register row per group


# --- the merge panel, driven without a browser --------------------------------------------


@pytest.fixture
def panel_store(tmp_path):
    s = Store(f"sqlite:///{tmp_path}/panel.sqlite")
    s.sync_workshop(WS)
    people = [s.join(CODE, name).id for name in ("Ana", "Ben")]
    s.open_activity(CODE, "ideas")
    for p, text in [
        (people[0], "Password resets eat 20% of calls"),
        (people[1], "password resets eat 20% of calls"),
        (people[0], "Slow laptops"),
        (people[1], "Laptops are slow"),
        (people[1], "<b>Printer</b> outages"),
    ]:
        s.add_idea(CODE, p, "ideas", text)
    yield s
    s.close()


def panel_text(panel) -> str:
    return " ".join(w.value for w in _walk(panel) if isinstance(w, W.HTML))


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def tick(panel, *ids):
    for i in ids:
        panel._rows[i][1].value = True


def test_panel_lists_ideas_escaped_and_suggests_duplicates(panel_store):
    panel = MergePanel(panel_store, CODE, "ideas")
    assert len(panel.list.children) == 5
    assert "&lt;b&gt;Printer&lt;/b&gt; outages" in panel_text(panel) and "<b>Printer</b>" not in panel_text(panel)
    assert [(s.keep, s.duplicates, s.reason) for s in panel.suggestions] == [
        (1, (2,), "same words"),
        (3, (4,), "100% similar"),
    ]
    assert len(panel.suggestions_box.children) == 2
    assert "same words" in panel_text(panel)


def test_panel_merges_ticked_ideas_into_the_oldest_or_the_chosen_one(panel_store):
    panel = MergePanel(panel_store, CODE, "ideas")
    assert panel.merge_selected() is False and "Tick two" in panel.status.message
    tick(panel, 3, 4)
    assert [v for _, v in panel.keep.options] == [None, 3, 4]
    panel.keep.value = 4
    panel.merge_button.click()
    assert panel_store.idea_groups(CODE, "ideas") == {4: [3]}
    assert panel.status.kind == "ok" and panel.selected == []
    assert len(panel.list.children) == 4 and "+1 merged" in panel_text(panel)
    tick(panel, 1, 2, 5)
    assert panel.merge_selected() is True
    assert panel_store.idea_groups(CODE, "ideas") == {1: [2, 5], 4: [3]}
    assert "+2 merged" in panel_text(panel) and "2 groups" in panel.heading.value


def test_panel_accepts_and_dismisses_suggestions_and_undoes(panel_store):
    panel = MergePanel(panel_store, CODE, "ideas")
    same, similar = panel.suggestions
    accept = panel.suggestions_box.children[0].children[1]
    accept.click()
    assert panel_store.idea_groups(CODE, "ideas") == {same.keep: list(same.duplicates)}
    assert panel.suggestions == [similar]
    dismiss = panel.suggestions_box.children[0].children[2]
    dismiss.click()
    assert panel.suggestions == [] and "No duplicates suggested" in panel.suggestions_heading.value
    assert panel_store.dismissed(CODE, "ideas") == {similar.ideas}
    panel.undo_button.click()
    assert panel_store.idea_groups(CODE, "ideas") == {} and "undone" in panel.status.message
    assert [s.ideas for s in panel.suggestions] == [same.ideas]  # suggested again; the dismissed one not
    assert panel.undo() is True and "no merge to undo" in panel.status.message


def test_panel_refresh_is_cheap_when_nothing_changed_and_follows_the_store(panel_store):
    panel = MergePanel(panel_store, CODE, "ideas")
    rows = list(panel.list.children)
    assert panel.refresh() is False
    assert list(panel.list.children) == rows
    panel_store.merge_ideas(CODE, "ideas", 1, [2])  # another console (or a test) merged
    assert panel.refresh() is True
    assert len(panel.list.children) == 4 and panel.list.children[0] is rows[0]  # rows are kept, not rebuilt
    pid = panel_store.join(CODE, "Chen").id
    new = panel_store.add_idea(CODE, pid, "ideas", "PASSWORD resets eat 20 % of calls.").id
    assert panel.refresh() is True
    assert (1, (new,), "same words") in [(s.keep, s.duplicates, s.reason) for s in panel.suggestions]


def test_panel_shows_a_store_refusal_in_words(panel_store):
    panel = MergePanel(panel_store, CODE, "ideas")
    assert panel.merge(1, [999]) is False
    assert panel.status.kind == "error" and "not all in this activity" in panel.status.message


def test_undo_gives_an_activity_opened_after_the_merge_the_separated_items(store, five, people):
    i, a = five, people[0]
    store.merge_ideas(CODE, "ideas", i[2], [i[3]])
    store.merge_ideas(CODE, "ideas", i[0], [i[1]])
    store.lock_activity(CODE, "ideas")
    store.open_activity(CODE, "top")
    store.respond(CODE, a, "top", {f"idea-{i[0]}": 2})
    assert store.undo_merge(CODE, "ideas") is True
    rows, items = answers(store, "top")
    assert [k for k, _ in items] == [
        f"idea-{x}" for x in (i[0], i[2], i[4], i[1])
    ]  # the separated idea after the others
    assert rows == [(a, f"idea-{i[0]}", "", 2, "")]  # the votes stay where they were given
    assert store.idea_groups(CODE, "ideas") == {i[2]: [i[3]]}


def test_undo_ignores_a_merge_of_ideas_a_reset_deleted(store, five, people):
    """After a reset and reopening, new ideas may reuse the ids (SQLite): an old merge is not theirs."""
    a, b = people[0], people[1]
    store.merge_ideas(CODE, "ideas", five[0], [five[1]])
    store.reset_activity(CODE, "ideas")
    store.open_activity(CODE, "ideas")
    store.add_idea(CODE, a, "ideas", "New one")
    store.add_idea(CODE, b, "ideas", "Another")
    assert store.undo_merge(CODE, "ideas") is False
    assert store.idea_groups(CODE, "ideas") == {}
    assert all(row.undone_at is not None for row in merges(store))


def test_a_phone_on_an_open_vote_shows_one_item_per_group_after_a_merge(tmp_path):
    """The facilitator merges while the dot vote on the ideas is open: the phone's screen
    follows (the duplicate's row goes) without a reload, and its dots are on the kept idea."""
    from hub_phones import HubRoom

    s = Store(f"sqlite:///{tmp_path}/store.sqlite")
    s.sync_workshop(WS)
    hub = HubRoom(s.url_for_kernels, CODE)
    phone = hub.joined("Ana")
    ana = phone.participant
    s.open_activity(CODE, "ideas")
    first = s.add_idea(CODE, ana, "ideas", "Password resets eat 20% of calls").id
    second = s.add_idea(CODE, ana, "ideas", "password resets eat 20% of calls").id
    s.add_idea(CODE, ana, "ideas", "Printer outages")
    s.lock_activity(CODE, "ideas")
    s.open_activity(CODE, "top")
    hub.changed()
    assert len(phone.items) == 3
    assert phone.answer("top", {f"idea-{second}": 2})["ok"]
    s.merge_ideas(CODE, "ideas", first, [second])
    hub.changed()  # a merge is a change of the room: the signal, or PostgreSQL's NOTIFY
    assert sorted(phone.items) == sorted([f"idea-{first}", f"idea-{first + 2}"])
    assert phone.mine["dots"] == {f"idea-{first}": 2}
    hub.close()
    s.close()
