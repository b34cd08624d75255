"""The facilitator console's issue-14 parts, driven without a browser: the live-results
switch, the answered and done rings, min_group marking, the collapsed panels (join link,
presenter link, paper entry) and the merge panel of an ideas activity."""

from __future__ import annotations

import pytest

from csikit.widgets.console_panels import PRESENTER_LINK
from csikit.widgets.facilitator import FacilitatorApp


@pytest.fixture
def console_room(demo_store, tmp_path, monkeypatch):
    """The demo in a fresh store, the facilitator's app (no presenter URL) and four people
    joined through the store: (workshop, store, facilitator, participants)."""
    monkeypatch.delenv("CSIKIT_PRESENTER_URL", raising=False)
    ws, store = demo_store
    fac = FacilitatorApp(
        store, ws.code, join_url="http://192.0.2.1:8866/?code=DESK26", workshop_path=str(tmp_path / "demo"), poll=False
    )
    people = [store.join(ws.code, f"P{i}") for i in range(4)]
    return ws, store, fac, people


def test_the_live_results_switch_is_the_stores_per_activity(console_room):
    ws, store, fac, _ = console_room
    fac.select("s3-vote")
    assert fac.live_toggle.value is False and store.live_results(ws.code, "s3-vote") is False
    fac.live_toggle.value = True  # the facilitator ticks the box
    assert store.live_results(ws.code, "s3-vote") is True
    assert "now shows the live results" in fac.status.message
    assert store.events(ws.code)[-1].action == "live results"
    fac.select("s3-rank")
    assert fac.live_toggle.value is False  # another activity has its own switch
    fac.select("s3-vote")
    assert fac.live_toggle.value is True  # read back from the store
    assert fac.show_live_results(False) and store.live_results(ws.code, "s3-vote") is False
    # another console switches it on: this one follows on its next poll
    store.set_live_results(ws.code, "s3-vote", True, actor="other tab")
    fac.refresh()
    assert fac.live_toggle.value is True
    n = len(store.events(ws.code))
    fac.select("s3-rank")
    fac.select("s3-vote")
    assert len(store.events(ws.code)) == n  # reading the switch back writes nothing


def test_participation_shows_answered_and_done_rings(console_room):
    ws, store, fac, people = console_room
    fac.select("s3-vote")
    assert fac.open_activity(), fac.status.message
    items = [i.id for i in store.status(ws.code, "s3-vote").items]
    store.respond(ws.code, people[0].id, "s3-vote", {items[0]: 1})
    store.respond(ws.code, people[1].id, "s3-vote", {items[1]: 2})
    store.mark_done(ws.code, people[0].id, "s3-vote")
    fac.refresh()
    value = fac.participation.value
    assert value.count("<svg") == 2
    assert 'aria-label="2 of 4 answered"' in value and 'aria-label="1 of 4 done"' in value
    assert "2 of 4" in value and "1 of 4 said they are done" in value
    store.mark_done(ws.code, people[1].id, "s3-vote")
    fac.refresh()
    assert 'aria-label="2 of 4 done"' in fac.participation.value


def test_results_below_min_group_are_marked_for_the_facilitator_only(console_room):
    ws, store, fac, people = console_room
    assert ws.min_group == 3
    fac.select("s3-vote")
    fac.open_activity()
    items = [i.id for i in store.status(ws.code, "s3-vote").items]
    store.respond(ws.code, people[0].id, "s3-vote", {items[0]: 1})
    store.respond(ws.code, people[1].id, "s3-vote", {items[0]: 1})
    fac.refresh()
    assert fac.results.too_few and fac.results.privacy.layout.display == ""
    assert "Only you see these: fewer than 3 answers" in fac.results.privacy.value
    assert fac.results.frame is not None and len(fac.results.frame)  # the results are still shown
    store.respond(ws.code, people[2].id, "s3-vote", {items[1]: 1})
    fac.refresh()
    assert not fac.results.too_few and fac.results.privacy.layout.display == "none"


def test_join_link_qr_and_presenter_link_live_in_a_collapsed_panel(console_room, monkeypatch):
    ws, store, fac, _ = console_room
    assert fac.panels.selected_index is None  # closed by default: the laptop's screen is for the controls
    titles = [fac.panels.get_title(i) for i in range(len(fac.panels.children))]
    assert titles[0].startswith("Join link, QR code and who has joined") and titles[1] == "Enter answers from paper"
    assert fac.join in fac.panels.children and fac.paper in fac.panels.children
    link = next(w for w in fac.join.children if "csikit-presenter-link" in str(getattr(w, "value", "")))
    assert f"href='{PRESENTER_LINK}'" in link.value and fac.presenter_url == PRESENTER_LINK
    assert any(type(w).__name__ == "Image" for w in fac.join.children)  # the QR code
    monkeypatch.setenv("CSIKIT_PRESENTER_URL", "http://127.0.0.1:9999/?token=t&view=presenter")
    other = FacilitatorApp(store, ws.code, poll=False)
    assert other.presenter_url == "http://127.0.0.1:9999/?token=t&view=presenter"
    assert "token=t&amp;view=presenter" in other.join.children[0].value  # escaped in the link


def test_paper_entry_follows_the_selected_activity(console_room):
    ws, store, fac, _ = console_room
    fac.select("s6-changed")
    assert fac.paper.key == "s6-changed"
    fac.open_activity()
    assert fac.paper.add_participant("")
    options = [i.id for i in store.status(ws.code, "s6-changed").items]
    fac.paper.set_value(options[0], True)
    assert fac.paper.enter(), fac.paper.status.message
    fac.refresh()
    assert "1 of 5" in fac.participation.value  # the paper participant counts like anyone
    fac.select("s3-vote")
    assert fac.paper.key == "s3-vote" and ("", "") not in fac.paper.inputs


def test_the_merge_panel_shows_for_an_ideas_activity_only(console_room):
    ws, store, fac, people = console_room
    fac.select("s1-problems")
    assert fac.merge.layout.display == ""
    fac.select("s3-vote")
    assert fac.merge.layout.display == "none"
    pytest.importorskip("csikit.widgets.merge_ideas")
    fac.select("s1-problems")
    fac.open_activity()
    store.add_idea(ws.code, people[0].id, "s1-problems", "Password resets eat 20% of calls")
    store.add_idea(ws.code, people[1].id, "s1-problems", "password resets eat 20% of calls")
    fac.merge.selected_index = 0
    fac.refresh()
    panel = fac.merge.view
    assert type(panel).__name__ == "MergePanel" and panel.activity_key == "s1-problems"
    assert panel.suggestions, "the duplicate is suggested"
    assert panel.accept(panel.suggestions[0])
    assert store.idea_groups(ws.code, "s1-problems")


def test_the_paper_form_catches_up_with_items_that_arrive_when_an_activity_opens(console_room):
    ws, store, fac, people = console_room
    fac.select("s1-problems")
    fac.open_activity()
    store.add_idea(ws.code, people[0].id, "s1-problems", "Slow laptops")
    fac.lock_activity()
    fac.select("s1-top")  # its items are the ideas, copied when it opens
    assert fac.paper.inputs == {}
    fac.open_activity()
    fac.refresh()
    assert fac.paper.inputs == {}  # closed panel: not read on every poll
    fac.panels.selected_index = 1
    assert [row.children[1].value for row in fac.paper.form.children] == [
        "<span class='csikit-text'>Slow laptops</span>"
    ]
