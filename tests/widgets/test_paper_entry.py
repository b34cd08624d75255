"""Answers from paper, entered by the facilitator: the widget driven without a browser."""

from __future__ import annotations

from csikit.widgets.paper_entry import UNANSWERED, PaperEntry


def mine(store, code, key, pid):
    return {(r.item, r.criterion): r.value for r in store.responses(code, key) if r.participant == pid}


def test_add_named_and_anonymous_paper_participants(demo_store):
    ws, store = demo_store
    entry = PaperEntry(store, ws.code, "s3-vote")
    assert entry.person.value is None and entry.enter() is False and "Add the person first" in entry.status.message
    assert entry.add_participant("")
    first = entry.person.value
    assert entry.person.label == "Paper 1" and "Paper 1 is a paper participant" in entry.status.message
    entry.new_name.value = "Ana <b>"
    assert entry.add_participant()
    assert entry.person.label == "Ana <b>" and entry.new_name.value == ""
    assert "Ana &lt;b&gt;" in entry.status.value and "Ana <b>" not in entry.status.value
    assert [p.name for p in store.paper_participants(ws.code)] == ["Paper 1", "Ana <b>"]
    entry.pick(first)
    assert entry.person.label == "Paper 1"


def test_a_dot_vote_from_paper_counts_under_the_same_rules(demo_store):
    ws, store = demo_store
    store.open_activity(ws.code, "s3-vote")
    a = ws.activity("s3-vote")
    entry = PaperEntry(store, ws.code, "s3-vote")
    entry.add_participant("")
    pid = entry.person.value
    items = [i.id for i in store.status(ws.code, "s3-vote").items]
    entry.set_value(items[0], a.cap)
    entry.set_value(items[1], 1)
    assert entry.enter(), entry.status.message
    assert "Answer entered for Paper 1" in entry.status.message
    assert mine(store, ws.code, "s3-vote", pid) == {(items[0], ""): a.cap, (items[1], ""): 1}
    last = store.events(ws.code)[-1]
    assert last.action == "entered" and "Paper 1" in last.detail and last.actor == "facilitator"
    # over the budget: refused in words, nothing stored changes, the form keeps what was typed
    for item in items[1:]:
        entry.set_value(item, a.cap)
    assert entry.enter() is False and entry.status.kind == "error"
    assert "dots" in entry.status.message
    assert mine(store, ws.code, "s3-vote", pid) == {(items[0], ""): a.cap, (items[1], ""): 1}
    assert all(entry.inputs[(i, "")].value == a.cap for i in items)
    # a 0 takes dots back
    for item in items[1:]:
        entry.set_value(item, 0)
    assert entry.enter(), entry.status.message
    assert mine(store, ws.code, "s3-vote", pid) == {(items[0], ""): a.cap}


def test_a_closed_activity_refuses_politely_and_keeps_the_form(demo_store):
    ws, store = demo_store
    entry = PaperEntry(store, ws.code, "s6-carry")
    entry.add_participant("Bo")
    items = [i.id for i in store.status(ws.code, "s6-carry").items]
    for place, item in enumerate(items, start=1):
        entry.set_value(item, place)
    assert entry.enter() is False and entry.status.kind == "error"
    assert "Traceback" not in entry.status.message and entry.status.message
    assert [entry.inputs[(i, "")].value for i in items] == list(range(1, len(items) + 1))
    store.open_activity(ws.code, "s6-carry")
    assert entry.enter(), entry.status.message  # the same form, now accepted
    assert mine(store, ws.code, "s6-carry", entry.person.value) == {(i, ""): n for n, i in enumerate(items, start=1)}


def test_a_rating_per_objective_and_the_persons_answers_come_back(demo_store):
    ws, store = demo_store
    store.open_activity(ws.code, "s1-problems")
    p = store.join(ws.code, "phone")
    store.add_idea(ws.code, p.id, "s1-problems", "Password resets")
    store.add_idea(ws.code, p.id, "s1-problems", "Slow laptops")
    store.lock_activity(ws.code, "s1-problems")
    entry = PaperEntry(store, ws.code, "s1-impact")
    assert entry.inputs == {}  # its items come from the ideas when it opens
    store.open_activity(ws.code, "s1-impact")
    entry.refresh()
    objectives = [o.id for o in ws.objectives]
    assert {c for _, c in entry.inputs} == set(objectives) and len(entry.inputs) == 2 * len(objectives)
    entry.add_participant("")
    pid = entry.person.value
    item = store.status(ws.code, "s1-impact").items[0].id
    assert entry.enter() is False and "choose a value" in entry.status.message
    entry.set_value(item, 4, objectives[0])
    entry.set_value(item, 2, objectives[1])
    assert entry.enter(), entry.status.message
    assert mine(store, ws.code, "s1-impact", pid) == {(item, objectives[0]): 4, (item, objectives[1]): 2}
    # another person, then back: their answers fill the form again
    entry.add_participant("")
    assert entry.inputs[(item, objectives[0])].value == UNANSWERED
    entry.pick(pid)
    assert entry.inputs[(item, objectives[0])].value == 4 and entry.inputs[(item, objectives[1])].value == 2


def test_a_poll_choice_and_an_idea_from_paper(demo_store):
    ws, store = demo_store
    store.open_activity(ws.code, "s6-changed")
    entry = PaperEntry(store, ws.code, "s6-changed")
    entry.add_participant("Cy")
    pid = entry.person.value
    options = [i.id for i in store.status(ws.code, "s6-changed").items]
    assert entry.enter() is False and "choose an option" in entry.status.message
    entry.set_value(options[1], True)
    assert entry.enter(), entry.status.message
    assert mine(store, ws.code, "s6-changed", pid) == {(options[1], ""): 1}
    store.lock_activity(ws.code, "s6-changed")

    store.open_activity(ws.code, "s6-wins")
    entry.show("s6-wins")
    assert entry.person.value == pid  # the person picked stays
    entry.set_value("", "We shipped the <script>new</script> portal")
    assert entry.enter(), entry.status.message
    assert "Idea entered for Cy" in entry.status.message and entry.inputs[("", "")].value == ""
    assert [i.text for i in store.ideas(ws.code, "s6-wins", participant=pid)] == [
        "We shipped the <script>new</script> portal"
    ]
    assert entry.enter() is False and "empty" in entry.status.message


def test_a_phone_participant_cannot_be_entered_for(demo_store):
    ws, store = demo_store
    store.open_activity(ws.code, "s6-changed")
    phone = store.join(ws.code, "Dee")
    entry = PaperEntry(store, ws.code, "s6-changed")
    assert [label for label, _ in entry.person.options] == ["— add someone first —"]  # phones are not listed
    entry.person.options = [("Dee", phone.id)]  # a forged pick
    entry.person.value = phone.id
    entry.set_value(store.status(ws.code, "s6-changed").items[0].id, True)
    assert entry.enter() is False and "not a paper participant" in entry.status.message
    assert store.responses(ws.code, "s6-changed") == []


def test_item_text_is_escaped_in_the_form(demo_store):
    ws, store = demo_store
    store.open_activity(ws.code, "s1-problems")
    p = store.join(ws.code, "phone")
    store.add_idea(ws.code, p.id, "s1-problems", "<img src=x onerror=alert(1)>")
    store.lock_activity(ws.code, "s1-problems")
    store.open_activity(ws.code, "s1-top")
    entry = PaperEntry(store, ws.code, "s1-top")
    labels = [row.children[1].value for row in entry.form.children]
    assert labels and all("<img" not in v for v in labels)
    assert any("&lt;img src=x onerror=alert(1)&gt;" in v for v in labels)


def test_a_paper_participant_added_by_mistake_is_removed_after_asking(demo_store):
    ws, store = demo_store
    entry = PaperEntry(store, ws.code, "s3-vote")
    entry.add_participant("Dora")
    entry.add_participant("Typo")
    typo = entry.person.value
    assert entry.remove_participant()  # the first click only asks
    assert "Click again to remove Typo" in entry.remove_button.description
    assert [p.name for p in store.paper_participants(ws.code)] == ["Dora", "Typo"]
    entry.person.value = store.paper_participants(ws.code)[0].id  # another pick: the question is withdrawn
    assert entry.remove_button.description == "Remove"
    entry.person.value = typo
    entry.remove_participant()
    entry.remove_participant()
    assert [p.name for p in store.paper_participants(ws.code)] == ["Dora"]
    assert "Typo is removed" in entry.status.message and entry.person.label == "Dora"
    assert [e.detail for e in store.events(ws.code) if e.action == "paper removed"] == ["Typo"]


def test_a_paper_participant_counts_only_in_the_activities_they_answered(demo_store):
    ws, store = demo_store
    from conftest import open_now

    phones = [store.join(ws.code, n) for n in ("Ann", "Ben", "Cat", "Dan")]
    entry = PaperEntry(store, ws.code, "s3-vote")
    entry.add_participant("Paper person")
    open_now(store, ws.code, "s3-vote")
    store.respond(ws.code, phones[0].id, "s3-vote", {store.status(ws.code, "s3-vote").items[0].id: 1})
    assert store.participation(ws.code, "s3-vote") == (1, 4)  # "1 of 4", not "1 of 5"
    assert store.done_count(ws.code, "s3-vote") == (0, 4)
