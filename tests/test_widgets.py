"""The apps driven without a browser: set values, call the actions a person would take."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import date
from pathlib import Path

import pytest

from csikit.errors import ActivityClosed
from csikit.kinds.phone import DONE, NOT_DONE
from csikit.model import ActivityState, Step
from csikit.rules import TOO_FEW
from csikit.simulate import simulate
from csikit.store import Store
from csikit.widgets.facilitator import FacilitatorApp
from csikit.widgets.participant import ParticipantApp
from csikit.widgets.register import RegisterEditor
from csikit.widgets.step_panels import StepsView
from csikit.workshop_file import load_workshop

DEMO = Path(__file__).resolve().parents[1] / "workshops" / "demo"
XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture
def room(tmp_path):
    """The demo workshop in a fresh store, a facilitator and three joined participants."""
    folder = tmp_path / "demo"
    shutil.copytree(DEMO, folder, ignore=shutil.ignore_patterns("*.sqlite*"))
    ws = load_workshop(folder)
    store = Store(f"sqlite:///{tmp_path}/store.sqlite")
    store.sync_workshop(ws)
    fac = FacilitatorApp(store, ws.code, join_url="http://192.0.2.1:8866/?code=DESK26", workshop_path=str(folder), poll=False)
    people = [ParticipantApp(store, ws.code, poll=False) for _ in range(3)]
    for i, p in enumerate(people):
        assert p.join(XSS if i == 0 else f"P{i}")
    return ws, store, fac, people


def open_(fac, people, key):
    fac.select(key)
    assert fac.open_activity(), fac.status.message
    for p in people:
        p.refresh()
    return fac.store.status(fac.code, key)


def test_participants_follow_the_facilitator(room):
    ws, store, fac, people = room
    assert all("Waiting for the facilitator" in p.view.value for p in people)
    open_(fac, people, "s3-vote")
    assert all(type(p.panel).__name__ == "DotVoteView" for p in people)
    fac.lock_activity()
    people[0].refresh()
    assert "Voting closed" in people[0].view.children[1].children[0].value


def test_dot_vote_budget_cap_and_lock(room):
    ws, store, fac, people = room
    status = open_(fac, people, "s3-vote")
    a = status.activity
    first, second, third = (i.id for i in status.items[:3])
    view = people[0].panel
    assert [view.add(first) for _ in range(a.cap)] == [True] * a.cap
    assert view.add(first) is False and "At most" in people[0].status.message
    while sum(view.dots.values()) < a.budget:
        assert view.add(second if view.dots.get(second, 0) < a.cap else third)
    assert view.add(third) is False and f"You have {a.budget} dots" in people[0].status.message
    assert f"0 of {a.budget} dots left" in view.left.value
    assert view.remove(first) and f"1 of {a.budget} dots left" in view.left.value
    people[1].panel.add(first)
    fac.refresh()
    assert "2 of 3" in fac.participation.value
    assert fac.results.frame.set_index("item").loc[first, "dots"] == a.cap - 1 + 1
    fac.lock_activity()
    assert view.add(first) is False and "closed" in people[0].status.message
    assert sum(r.value for r in store.responses(ws.code, "s3-vote") if r.participant == people[0].participant.id) == a.budget - 1


def test_rating_consent_ranking_and_ideas(room):
    ws, store, fac, people = room
    open_(fac, people, "s3-impact-effort")
    view = people[0].panel
    (item, criterion), first = next(iter(view.choices.items()))
    first.value = 4
    assert store.my_responses(ws.code, people[0].participant.id, "s3-impact-effort")[(item, criterion)][0] == 4
    fac.lock_activity()

    status = open_(fac, people, "s4-consent")
    consent = people[1].panel
    target = status.items[0].id
    assert consent.choose(target, 1, "No people for it")
    assert consent.objections[target].layout.display == ""
    fac.refresh()
    assert "No people for it" in fac.results.table.value
    fac.lock_activity()

    open_(fac, people, "s3-rank")
    ranking = people[2].panel
    last = ranking.order[-1]
    ranking.move(last, -1)
    assert ranking.save()
    mine = store.my_responses(ws.code, people[2].participant.id, "s3-rank")
    assert sorted(v for v, _ in mine.values()) == list(range(1, len(ranking.order) + 1))
    fac.lock_activity()

    open_(fac, people, "s1-problems")
    ideas = people[0].panel
    assert ideas.submit("<script>alert(2)</script>")
    assert ideas.submit("   ") is False and "empty" in people[0].status.message
    assert ideas.submit("x" * 10_000) is False and "characters long" in people[0].status.message
    (idea,) = store.ideas(ws.code, "s1-problems")
    assert idea.text == "<script>alert(2)</script>"
    fac.refresh()
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in fac.results.table.value
    assert "<script>" not in fac.results.table.value


def test_names_are_escaped_on_the_facilitator_screen(room):
    ws, store, fac, people = room
    fac.refresh()
    assert "&lt;img src=x onerror=alert(1)&gt;" in fac.roster.value
    assert XSS not in fac.roster.value
    assert XSS not in people[0].who.value


def test_rejoin_by_link_keeps_identity_and_votes(room):
    ws, store, fac, people = room
    status = open_(fac, people, "s3-vote")
    people[1].panel.add(status.items[0].id)
    link = people[1].rejoin_link()
    token = link.split("p=")[1]
    again = ParticipantApp(store, ws.code, token=token, poll=False)
    assert again.participant == people[1].participant
    assert again.panel.dots == {status.items[0].id: 1}
    bad = ParticipantApp(store, ws.code, token="nope", poll=False)
    assert bad.participant is None and "not valid" in bad.status.message


def test_facilitator_lifecycle_buttons_and_timer(room):
    ws, store, fac, people = room
    fac.select("s3-vote")
    assert not fac.open_button.disabled and fac.lock_button.disabled and fac.reveal_button.disabled
    fac.open_activity()
    assert fac.open_button.disabled and not fac.lock_button.disabled
    assert "left" in fac.timer_label.value  # the activity has minutes: the timer starts on open
    assert fac.reveal_activity() is False and "Cannot reveal" in fac.status.message
    fac.lock_activity()
    assert fac.open_button.description == "Reopen"
    fac.reveal_activity()
    assert store.states(ws.code)["s3-vote"] is ActivityState.REVEALED
    assert "★" in fac.agenda_buttons["s3-vote"].description
    fac.reset_activity()  # revealed: asks twice before anything goes
    assert store.states(ws.code)["s3-vote"] is ActivityState.REVEALED and "revealed" in fac.confirm.question.value
    fac.confirm_reset()
    assert store.states(ws.code)["s3-vote"] is ActivityState.REVEALED and "Reset deletes" in fac.confirm.question.value
    fac.confirm_reset()
    assert store.states(ws.code)["s3-vote"] is ActivityState.DRAFT
    actions = [e.action for e in store.events(ws.code)]
    assert [a for a in actions if a != "timer"][-4:] == ["opened", "locked", "revealed", "reset"]
    assert actions.count("timer") == 2  # started on open, stopped on lock


def test_phones_count_down_with_the_facilitator_and_keep_what_is_typed(room):
    ws, store, fac, people = room
    fac.select("s1-problems")
    fac.open_activity()
    p = people[0]
    p.refresh()
    assert "about 8 min left" in p.timer.value  # the activity's minutes start on open
    p.panel.text.value = "half typed"
    fac.minutes.value = 3
    fac.start_timer()
    p.refresh()
    assert "about 3 min left" in p.timer.value
    assert p.panel.text.value == "half typed"  # the view was not rebuilt for the timer
    from datetime import datetime, timedelta

    from csikit.widgets.participant import countdown_html

    now = datetime(2026, 1, 1, 12, 0, 0)
    assert "0:45 left" in countdown_html(now + timedelta(seconds=44), now)
    assert "Time is up" in countdown_html(now - timedelta(seconds=1), now)
    fac.stop_timer()
    p.refresh()
    assert p.timer.value == ""
    fac.start_timer(2)
    again = FacilitatorApp(store, ws.code, poll=False)  # a reloaded facilitator page keeps the countdown
    assert "left" in again.timer_label.value
    fac.lock_activity()
    p.refresh()
    assert p.timer.value == "" and p.status.message == ""  # locked: no countdown, last message gone


def test_reset_says_what_it_deletes_and_can_be_undone_until_reopened(room):
    ws, store, fac, people = room
    status = open_(fac, people, "s3-vote")
    for p in people[:2]:
        p.panel.add(status.items[0].id)
        p.panel.add(status.items[1].id)
    fac.reset_activity()
    assert fac.confirm.layout.display == "" and "4 answers from 2 people" in fac.confirm.question.value
    assert fac.confirm.yes.description == "Delete 4 answers"
    fac.cancel_reset()  # a slip of the hand: nothing happens
    assert fac.confirm.layout.display == "none" and len(store.responses(ws.code, "s3-vote")) == 4
    assert store.states(ws.code)["s3-vote"] is ActivityState.OPEN
    fac.reset_activity()
    fac.confirm_reset()
    assert store.responses(ws.code, "s3-vote") == [] and store.states(ws.code)["s3-vote"] is ActivityState.DRAFT
    reset = [e for e in store.events(ws.code) if e.action == "reset"][-1]
    assert reset.detail == "deleted 4 answers from 2 people"
    assert fac.restore_button.layout.display == ""
    assert fac.restore_activity(), fac.status.message
    assert len(store.responses(ws.code, "s3-vote")) == 4 and store.states(ws.code)["s3-vote"] is ActivityState.OPEN
    assert store.events(ws.code)[-1].action == "restored" and fac.restore_button.layout.display == "none"
    # the dots are the participants' again: the budget still counts them
    people[0].refresh()
    assert sum(people[0].panel.dots.values()) == 2
    # once reopened, a reset is final
    fac.lock_activity()
    fac.reset_activity()
    fac.confirm_reset()
    fac.open_activity()
    assert fac.restore_activity() is False and "nothing to restore" in fac.status.message
    assert store.responses(ws.code, "s3-vote") == []


def test_confirm_without_a_question_deletes_nothing(room):
    ws, store, fac, people = room
    status = open_(fac, people, "s3-vote")
    people[0].panel.add(status.items[0].id)
    assert fac.confirm_reset() is False and "Press Reset first" in fac.status.message
    fac.reset_activity()
    fac.select("s1-top")  # choosing another activity drops the question
    assert fac.confirm.layout.display == "none" and fac.confirm_reset() is False
    assert len(store.responses(ws.code, "s3-vote")) == 1


def test_late_vote_is_refused_politely(room):
    ws, store, fac, people = room
    status = open_(fac, people, "s3-vote")
    view = people[2].panel
    fac.lock_activity()
    assert view.add(status.items[0].id) is False
    assert people[2].status.kind == "error" and "closed" in people[2].status.message
    with pytest.raises(ActivityClosed):
        store.respond(ws.code, people[2].participant.id, "s3-vote", {status.items[0].id: 1})


def test_step_panels_hand_offs_and_register(room, tmp_path):
    ws, store, fac, people = room
    simulate(store, ws.code, 6, walk=True)
    steps = StepsView(store, ws.code, workshop_path=str(tmp_path / "demo"))
    for step in Step:
        panel = steps.show(step)
        assert panel.exhibits.children, step
    # winners of a fresh vote become initiatives with their vote score and interval
    target = steps.panels[Step.TARGET]
    fac.select("s1-top")
    fac.reset_activity()
    fac.confirm_reset()  # the walk revealed it: two confirmations
    fac.confirm_reset()
    status = open_(fac, people, "s1-top")
    for p in people:
        p.panel.add(status.items[0].id)
    fac.lock_activity()
    assert target.create_initiatives("s1-top", 1), target.status.message
    new = store.initiatives(ws.code)[-1]
    assert new.title == status.items[0].text and new.voters == 3 and new.vote_score == 3
    # an outside assessment joins step 2 as extra assessors
    csv = tmp_path / "outside.csv"
    csv.write_text("practice,assessor,level\nincident,Outside firm,3\nService desk,Outside firm,2\n")
    now = steps.panels[Step.NOW]
    assert now.import_assessment(str(csv), "s2-maturity"), now.status.message
    csv.write_text("practice,assessor,level\nnope,Outside firm,9\n")
    assert now.import_assessment(str(csv), "s2-maturity") is False
    assert "outside.csv:2: practice" in now.status.message and "outside.csv:2: level" in now.status.message
    # the register validates through the model
    register = RegisterEditor(store, ws.code)
    register.load(new.id)
    register.edit(owner="Priya", state="closed")
    assert register.save() is False and "closure code" in register.status.message
    register.edit(closure_code="successful", planned_start=date(2026, 1, 5), planned_end=date(2026, 3, 1))
    assert register.save(), register.status.message
    assert next(i for i in store.initiatives(ws.code) if i.id == new.id).owner == "Priya"
    # step 6 writes the next cycle
    momentum = steps.panels[Step.MOMENTUM]
    assert momentum.write_next_cycle("demo-next"), momentum.status.message
    nxt = load_workshop(tmp_path / "demo-next")
    assert nxt.code == "DESK27"
    assert all(i.state.value not in ("closed", "cancelled") for i in nxt.initiatives)
    assert nxt.agenda[0].id == "s1-last-cycle" and nxt.agenda[0].items


def test_live_chart_is_throttled_but_catches_up(room, monkeypatch):
    from csikit.widgets import live_results

    ws, store, fac, people = room
    status = open_(fac, people, "s3-vote")
    first_chart = fac.results.chart.value
    people[0].panel.add(status.items[0].id)
    fac.tick()  # the table follows at once; the chart waits for its turn
    assert fac.results.frame["dots"].sum() == 1
    assert fac.results.chart.value == first_chart
    monkeypatch.setattr(live_results, "CHART_EVERY", 0.0)
    fac.tick()  # nothing new in the store, but the held-back chart is now due
    assert fac.results.chart.value != first_chart


def test_new_initiative_starts_blank_and_a_next_cycle_name_stays_inside(room, tmp_path):
    ws, store, fac, people = room
    register = RegisterEditor(store, ws.code)
    shown = store.initiatives(ws.code)[0]
    register.load(shown.id)
    assert register.inputs["owner"].value == shown.owner and shown.owner
    register.new()
    assert register.inputs["title"].value == "" and register.inputs["owner"].value == ""
    assert register.inputs["kpi"].value == "" and register.inputs["planned_end"].value is None
    assert register.choice.value is None
    assert register.save() is False and "title" in register.status.message  # a title is needed
    register.edit(title="Self-service password reset")
    assert register.save(), register.status.message
    assert store.initiatives(ws.code)[-1].owner == ""  # nothing carried over from the one shown before
    steps = StepsView(store, ws.code, workshop_path=str(tmp_path / "demo" / "workshop.yaml"))
    panel = steps.panels[Step.MOMENTUM]
    assert panel.write_next_cycle("../../escaped") is False and "cannot name" in panel.status.message
    assert not (tmp_path.parent / "escaped").exists()


def test_a_partial_rating_counts_as_partial(room):
    ws, store, fac, people = room
    open_(fac, people, "s1-problems")
    assert people[0].panel.submit("Paid $50 for #1 and $20 for #2") and people[1].panel.submit("Slow laptops")
    fac.lock_activity()
    status = open_(fac, people, "s1-impact")
    criteria = status.activity.criteria(ws.objectives)
    assert len(criteria) > 1  # per objective: many answers per person
    view = people[0].panel
    for item in status.items:
        for c in criteria:
            assert view.rate(item.id, 3, c)
    assert people[1].panel.rate(status.items[0].id, 4, criteria[0])
    assert store.progress(ws.code, "s1-impact") == (1, 1, 3)
    fac.refresh()
    assert "2 of 3" in fac.participation.value and "1 answered everything, 1 only part" in fac.participation.value
    # the phone names the objective on its own line, not as a clipped label
    assert all(ws.objectives[0].title in h.value for h in people[2].panel.children[0].children[1:2])


def test_the_kpi_rating_shows_each_kpis_trend_on_the_phone(room):
    ws, store, fac, people = room
    from csikit.measurements import read_measurements_csv

    store.add_measurements(ws.code, read_measurements_csv(DEMO / "measurements.csv", {k.id for k in ws.kpis}))
    open_(fac, people, "s5-confidence")
    lines = [h.value for h in people[0].panel.children[0].children if "csikit-kpi-trend" in str(h.value)]
    assert len(lines) == 1 and "baseline" in lines[0] and "target" in lines[0]
    backlog = next(c for c in people[0].panel.children if ws.kpis[5].name in c.children[0].value)
    assert "worse" in backlog.children[1].value  # the problem backlog grew: lower is better


# --- one phone is one person (csikit.widgets.identity.PhoneLink) ----------------------------------


def _sent(app, monkeypatch) -> list:
    out: list = []
    monkeypatch.setattr(app.identity, "send", lambda content, buffers=None: out.append(content))
    return out


def test_the_browser_remembers_the_participant_and_brings_them_back(room, monkeypatch):
    ws, store, fac, people = room
    status = open_(fac, people, "s3-vote")
    people[1].panel.add(status.items[0].id)
    assert people[1].identity.token == people[1].participant.token  # the browser is told to keep it
    joined = len(store.participants(ws.code))
    again = ParticipantApp(store, ws.code, poll=False)  # the reload: a new kernel, the join screen…
    assert again.participant is None
    assert "csikit-join-pending" in again.join_form._dom_classes
    sent = _sent(again, monkeypatch)
    assert again.identity.hello(people[1].participant.token)  # …until the browser says who it is
    assert again.participant == people[1].participant
    assert again.panel.dots == {status.items[0].id: 1}
    assert "Joined as" in again.who.value and not sent
    assert len(store.participants(ws.code)) == joined  # no second person
    # a hello from another tab changes nothing for a page that already has its person
    assert again.identity.hello("")
    assert again.participant == people[1].participant


def test_an_unknown_or_forged_remembered_token_gives_the_join_screen(room, monkeypatch):
    ws, store, fac, people = room
    fresh = ParticipantApp(store, ws.code, poll=False)
    sent = _sent(fresh, monkeypatch)
    for forged in ("nope", "<script>alert(1)</script>", "x" * 10_000, 42, None):
        assert fresh.identity.hello(forged) is (not forged or not isinstance(forged, str) or len(forged) > 64)
    assert fresh.participant is None
    assert "csikit-join-pending" not in fresh.join_form._dom_classes
    assert fresh.status.message == ""  # no message, no error: the normal join screen
    assert sent == [{"kind": "forget"}] * 2  # the browser drops what the store does not know
    # a browser that keeps guessing is ignored, even when it guesses right
    for _ in range(5):
        fresh.identity.hello("guess")
    assert not fresh.identity.hello(people[1].participant.token) or fresh.participant is None
    assert fresh.participant is None
    # a browser without a remembered token just shows the form
    other = ParticipantApp(store, ws.code, poll=False)
    assert other.identity.hello("") and "csikit-join-pending" not in other.join_form._dom_classes


def test_pings_are_answered_and_odd_messages_ignored(room, monkeypatch):
    ws, store, fac, people = room
    app = people[0]
    sent = _sent(app, monkeypatch)
    app.identity._on_message(app.identity, {"kind": "ping", "n": 7}, [])
    app.identity._on_message(app.identity, {"kind": "ping", "n": "x"}, [])
    app.identity._on_message(app.identity, "ping", [])
    app.identity._on_message(app.identity, {"kind": "what"}, [])
    assert sent == [{"kind": "pong", "n": 7}, {"kind": "pong", "n": 0}]


def test_two_tabs_of_one_person_count_every_click_against_the_store(room):
    ws, store, fac, people = room
    status = open_(fac, people, "s3-vote")
    item = status.items[0].id
    me = people[1].participant
    tab1 = people[1]
    tab2 = ParticipantApp(store, ws.code, token=me.token, poll=False)
    assert tab1.panel.add(item) and tab2.panel.add(item)  # tab 2's screen said 0: it is still +1
    assert {k: v for k, (v, _) in store.my_responses(ws.code, me.id, "s3-vote").items()} == {(item, ""): 2}
    assert tab1.panel.dots == {item: 1}  # stale until its poll…
    tab1.refresh()
    assert tab1.panel.dots == {item: 2} and tab1.panel.counts[item].value.endswith("2")
    tab2.refresh()
    assert tab2.panel.dots == {item: 2}
    # a − on a stale screen takes off what the store holds; at 0 it does nothing
    assert tab2.panel.remove(item) and tab2.panel.remove(item)
    assert store.my_responses(ws.code, me.id, "s3-vote") == {}
    # tab 1 still shows 2: its − is refused in words and the screen catches up with the store
    assert not tab1.panel.remove(item) and "no dot" in tab1.status.message
    assert tab1.panel.dots == {} and tab1.panel.counts[item].value == "0"
    assert tab2.panel.remove(item)  # at 0 on screen and in the store: nothing happens
    assert len(store.participants(ws.code)) == 3


# --- the room signal: phones check a file, and read the store only when it changed -------


def _phone(store, ws, monkeypatch=None):
    """A participant on a Store of its own (as in its own kernel), with its SQL recorded."""
    from sqlalchemy import event

    own = Store(store.url_for_kernels)
    sql: list[str] = []
    event.listen(own.engine, "connect", lambda con, _rec: con.set_trace_callback(sql.append))
    own.engine.dispose()  # connections opened from now on record their statements
    p = ParticipantApp(own, ws.code, poll=False)
    assert p.join("Signal")
    return p, sql


def _later(monkeypatch, seconds):
    """The participant module's clock, ``seconds`` ahead."""
    import time as real
    from types import SimpleNamespace

    from csikit.widgets import participant

    monkeypatch.setattr(participant, "time", SimpleNamespace(monotonic=lambda: real.monotonic() + seconds))


def test_open_lock_reveal_and_timer_reach_a_phone_through_the_room_signal(room):
    ws, store, fac, people = room
    p, sql = _phone(store, ws)
    assert store.signal_path.name == "store.sqlite.signal"
    for _ in range(3):  # nothing changed: no SQL at all (one os.stat per tick)
        del sql[:]
        p.tick()
        assert sql == []
    before = store.signal()
    fac.select("s3-vote")
    assert fac.open_activity()
    assert store.signal() != before
    p.tick()
    assert type(p.panel).__name__ == "DotVoteView" and "left" in p.timer.value
    del sql[:]
    p.tick()
    p.tick()
    assert sql == []  # the vote is open, nothing changed: still no SQL
    fac.minutes.value = 3
    fac.start_timer()
    p.tick()
    assert "about 3 min left" in p.timer.value
    fac.lock_activity()
    p.tick()
    assert "Voting closed" in p.view.children[1].children[0].value and p.timer.value == ""
    fac.reveal_activity()
    p.tick()
    assert "Results" in p.view.children[1].children[0].value
    assert TOO_FEW in p.view.children[1].children[1].value  # nobody voted: below the workshop's min_group


def test_a_change_made_without_the_signal_is_caught_by_the_fallback_poll(room, monkeypatch):
    ws, store, fac, people = room
    p, sql = _phone(store, ws)
    other = Store(store.url_for_kernels)  # another program (or an older csikit): no signal
    other.signal_path = None
    other.open_activity(ws.code, "s3-vote")
    del sql[:]
    p.tick()
    assert "Waiting for the facilitator" in p.view.value and sql == []  # not seen yet…
    _later(monkeypatch, 11)
    p.tick()
    assert type(p.panel).__name__ == "DotVoteView"  # …but within the fallback's 10 s


def test_a_store_without_signal_is_polled_every_tick(room):
    ws, store, fac, people = room
    p, sql = _phone(store, ws)
    p.store.signal_path = None  # as PostgreSQL: no shared file
    assert p.store.signal() is None
    other = Store(store.url_for_kernels)
    other.signal_path = None
    del sql[:]
    p.tick()
    assert sql  # one query every tick, as before the signal
    other.open_activity(ws.code, "s3-vote")
    p.tick()
    assert type(p.panel).__name__ == "DotVoteView"


def test_another_tabs_dots_are_followed_every_few_seconds(room, monkeypatch):
    ws, store, fac, people = room
    status = open_(fac, people, "s3-vote")
    item = status.items[0].id
    tab1, sql = _phone(store, ws)
    tab1.tick()
    tab2 = ParticipantApp(store, ws.code, token=tab1.participant.token, poll=False)
    assert tab2.panel.add(item)
    del sql[:]
    tab1.tick()
    assert tab1.panel.dots == {} and sql == []  # not re-read on every tick…
    _later(monkeypatch, 6)
    tab1.tick()
    assert tab1.panel.dots == {item: 1}  # …but within FOLLOW_S


def test_a_pooled_kernel_does_not_poll_until_someone_joins(room):
    import asyncio

    ws, store, fac, people = room

    async def main():
        app = ParticipantApp(store, ws.code)  # poll=True, as a preheated kernel builds it
        assert app._task is None  # waiting in the pool costs no wake-ups
        assert app.join("Late")
        assert app._task is not None and not app._task.done()
        app.close()

    asyncio.run(main())


def test_the_facilitator_shows_the_kpi_trends_beside_a_kpi_rating(room):
    ws, store, fac, people = room
    from csikit.measurements import read_measurements_csv

    store.add_measurements(ws.code, read_measurements_csv(DEMO / "measurements.csv", {k.id for k in ws.kpis}))
    open_(fac, people, "s5-confidence")
    assert fac.results.context.layout.display == "" and fac.results.context.value[:4] == b"\x89PNG"
    assert "<th" in fac.results.table.value and ">on<" not in fac.results.table.value  # one value per item
    open_(fac, people, "s3-vote")
    assert fac.results.context.layout.display == "none"


def _models_made(monkeypatch) -> list[str]:
    """Every widget model the kernel opens from now on (each is a message to the browser)."""
    from ipywidgets.widgets.widget import Widget

    made, real = [], Widget.open

    def counting(self):
        made.append(type(self).__name__)
        return real(self)

    monkeypatch.setattr(Widget, "open", counting)
    return made


def test_a_phones_screen_shares_its_layouts_and_styles(room, monkeypatch):
    ws, store, fac, people = room
    status = store.open_activity(ws.code, "s3-vote")
    made = _models_made(monkeypatch)
    people[0].refresh()
    # 8 items × (row, text, − + buttons, count, controls box), the head and "I'm done": 65 models
    # (was 138 with a Layout and a style of its own for every widget)
    from collections import Counter
    assert len(made) <= 70, Counter(made)
    assert made.count("Layout") <= 8
    assert len(status.items) == 8


def test_the_next_activity_is_built_ahead_and_shown_with_one_message(room, monkeypatch):
    ws, store, fac, people = room
    p = people[0]
    p.prepare_next()  # what the poll does a few seconds after the join (AHEAD_DELAY_S)
    built = p._ahead[1]
    assert p._ahead[0][0] == ws.agenda[0].id == "s1-problems"
    open_(fac, [p], "s1-problems")
    assert p.view is built and type(p.panel).__name__ == "IdeasView"
    assert p.panel.submit("Password resets eat 20% of calls") is not False
    # the next one (s1-impact) takes its items from these ideas at its open: built then
    p.prepare_next()
    assert p._ahead is None
    fac.lock_activity()
    p.refresh()
    made = _models_made(monkeypatch)
    # s3-vote has its own items: a phone that built it ahead makes no widget at the open
    p._seen = ("s3-target", "revealed", None)  # as if the room had got here in agenda order
    p.prepare_next()
    assert p._ahead[0][0] == "s3-vote" and made
    store.open_activity(ws.code, "s3-vote")
    made.clear()
    p.refresh()
    assert made == [] and type(p.panel).__name__ == "DotVoteView"
    first = store.status(ws.code, "s3-vote").items[0].id
    assert p.panel.add(first) is not False
    assert store.my_responses(ws.code, p.participant.id, "s3-vote")[(first, "")][0] == 1


def test_a_screen_built_ahead_for_other_items_is_not_used(room):
    ws, store, fac, people = room
    p = people[0]
    p._seen = ("s3-target", "revealed", None)
    p.prepare_next()
    ahead = p._ahead[1]
    status = store.status(ws.code, "s3-vote")
    p._ahead = ((status.activity.id, status.items[:-1]), ahead, p._ahead[2])  # items changed since
    open_(fac, [p], "s3-vote")
    assert p.view is not ahead and len(p.panel.counts) == len(status.items)
    assert ahead in p._retired
    p.prepare_next()  # the quiet moment closes what is no longer shown, never the current screen
    assert ahead.comm is None and p.view.comm is not None and p.panel.comm is not None


def test_the_activity_the_facilitator_selects_is_built_ahead_on_the_phones(room, monkeypatch):
    ws, store, fac, people = room
    p = people[0]
    p.tick()  # joined and waiting; the agenda's first activity would be built next
    fac.select("s3-vote")  # not the agenda's next: the facilitator jumps to the dot vote
    p.tick()  # the signal changed: the phone hears which activity is about to open
    assert p._hint == "s3-vote" and p._ahead_due < float("inf")
    p.prepare_next()
    assert p._ahead[0][0] == "s3-vote"
    made = _models_made(monkeypatch)
    assert fac.open_activity(), fac.status.message
    p.tick()
    assert made == [] and type(p.panel).__name__ == "DotVoteView" and p._hint is None
    fac.select("s1-problems")
    fac.select("s3-vote")  # an open activity is not announced again
    p.tick()
    assert p._hint == "s1-problems"


# --- minimum group size and "I'm done" on the phone --------------------------------------------


def _results(p) -> str:
    p.refresh()
    return " ".join(w.value for w in p.view.children[1].children)


def test_phone_results_wait_for_the_workshops_min_group(room):
    ws, store, fac, people = room
    assert store.workshop(ws.code).min_group == 3
    status = open_(fac, people, "s3-vote")
    first = status.items[0].id
    for p in people[:2]:
        assert p.panel.add(first)
    store.lock_activity(ws.code, "s3-vote")
    store.reveal_activity(ws.code, "s3-vote")
    shown = _results(people[2])
    assert TOO_FEW in shown and "dot" not in shown  # two voters: each could tell what the other gave
    # a workshop that sets min_group: 1 shows even one answer
    store.sync_workshop(dataclasses.replace(ws, min_group=1))
    again = ParticipantApp(store, ws.code, token=people[2].participant.token, poll=False)
    shown = _results(again)
    assert TOO_FEW not in shown and "dots (n=2)" in shown
    store.sync_workshop(ws)
    open_(fac, people, "s6-carry")  # a ranking all three answer: its results show
    for p in people:
        assert p.panel.save()
    store.lock_activity(ws.code, "s6-carry")
    store.reveal_activity(ws.code, "s6-carry")
    shown = _results(people[0])
    assert TOO_FEW not in shown and "Borda point" in shown and "(n=3)" in shown


def test_im_done_is_kept_by_the_store_and_can_be_taken_back(room):
    ws, store, fac, people = room
    open_(fac, people, "s3-vote")
    p = people[0]
    assert p.done_button.description == DONE
    assert p.mark_done() and "done" in p.status.message
    assert store.is_done(ws.code, p.participant.id, "s3-vote") and store.done_count(ws.code, "s3-vote") == (1, 3)
    assert p.done_button.description.startswith(NOT_DONE)
    again = ParticipantApp(store, ws.code, token=p.participant.token, poll=False)  # a reload
    assert again.done_button.done and again.done_button.description.startswith(NOT_DONE)
    assert again.mark_done()  # "Not done yet"
    assert not store.is_done(ws.code, p.participant.id, "s3-vote") and store.done_count(ws.code, "s3-vote") == (0, 3)
    assert again.done_button.description == DONE
    assert people[1].mark_done()
    fac.lock_activity()
    assert people[2].mark_done() is False and "closed" in people[2].status.message  # a stale screen is refused politely
    people[2].refresh()
    assert people[2].done_button is None  # nothing open: no button
    assert store.done_count(ws.code, "s3-vote") == (1, 3)
