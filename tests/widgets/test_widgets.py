"""The apps driven without a browser: set values, call the actions a person would take.

The facilitator's widgets are driven as such; phones are phones on an in-process room hub
(tests/hub_phones.py): the room's protocol, its screens and the store's rules, no server.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
from datetime import date

import pytest
from conftest import XSS
from hub_phones import HubRoom
from repo_paths import CSIKIT, DEMO

from csikit.errors import ActivityClosed
from csikit.model import ActivityState, Step
from csikit.rules import TOO_FEW
from csikit.simulate import simulate
from csikit.store import Store
from csikit.widgets.facilitator import FacilitatorApp
from csikit.widgets.register import RegisterEditor
from csikit.widgets.step_panels import StepsView
from csikit.workshop_file import load_workshop


def open_(fac, people, key):
    fac.select(key)
    assert fac.open_activity(), fac.status.message
    if people:
        people[0].room.changed()  # what the room hub does when it notices the change
    return fac.store.status(fac.code, key)


def dot(p, key, item, n=1) -> dict:
    """One tap on + (n=1) or − (n=-1) on an item's row: the ack."""
    return p.answer(key, {item: n}, delta=True)


def test_participants_follow_the_facilitator(facilitator_room):
    ws, store, fac, people = facilitator_room
    assert all(
        p.phase == "waiting" and p.screen["message"] == "Join now: the first activity starts soon." for p in people
    )
    open_(fac, people, "s3-vote")
    assert all(p.phase == "answering" and p.screen["activity"]["kind"] == "dot_vote" for p in people)
    fac.lock_activity()
    facilitator_room.hub.changed()
    assert people[0].phase == "closed" and people[0].screen["message"].startswith("Voting closed.")


def test_dot_vote_budget_cap_and_lock(facilitator_room):
    ws, store, fac, people = facilitator_room
    status = open_(fac, people, "s3-vote")
    a = status.activity
    first, second, third = (i.id for i in status.items[:3])
    p = people[0]
    assert all(dot(p, "s3-vote", first)["ok"] for _ in range(a.cap))
    refused = dot(p, "s3-vote", first)
    assert refused["ok"] is False and "At most" in refused["error"]
    while sum(p.mine["dots"].values()) < a.budget:
        assert dot(p, "s3-vote", second if p.mine["dots"].get(second, 0) < a.cap else third)["ok"]
    refused = dot(p, "s3-vote", third)
    assert refused["ok"] is False and f"You have {a.budget} dots" in refused["error"]
    assert f"0 of {a.budget} dots left" in p.mine["line"]
    assert dot(p, "s3-vote", first, -1)["ok"] and f"1 of {a.budget} dots left" in p.mine["line"]
    dot(people[1], "s3-vote", first)
    fac.refresh()
    assert "2 of 3" in fac.participation.value
    assert fac.results.frame.set_index("item").loc[first, "dots"] == a.cap - 1 + 1
    fac.lock_activity()
    refused = dot(p, "s3-vote", first)
    assert refused["ok"] is False and "closed" in refused["error"]
    assert p.phase == "closed"  # the refusal is followed by the screen as the store holds it
    assert sum(r.value for r in store.responses(ws.code, "s3-vote") if r.participant == p.participant) == a.budget - 1


def test_rating_consent_ranking_and_ideas(facilitator_room):
    ws, store, fac, people = facilitator_room
    open_(fac, people, "s3-impact-effort")
    p = people[0]
    item, criterion = p.items[0], p.screen["activity"]["criteria"][0]["id"]
    assert p.answer("s3-impact-effort", {item: {criterion: 4}})["ok"]
    assert store.my_responses(ws.code, p.participant, "s3-impact-effort")[(item, criterion)][0] == 4
    assert p.mine["values"] == {item: {criterion: 4}}
    fac.lock_activity()

    open_(fac, people, "s4-consent")
    consent = people[1]
    target = consent.items[0]
    assert consent.answer("s4-consent", {target: 1}, {target: "No people for it"})["ok"]
    assert consent.mine["values"][target] == {"fingers": 1, "objection": "No people for it"}
    assert consent.screen["activity"]["objection_below"] == 3  # the objection box shows below 3 fingers
    fac.refresh()
    assert "No people for it" in fac.results.table.value
    fac.lock_activity()

    open_(fac, people, "s3-rank")
    ranking = people[2]
    order = list(ranking.mine["order"])
    order[-2], order[-1] = order[-1], order[-2]  # the last one moved up
    assert ranking.answer("s3-rank", {item: n for n, item in enumerate(order, start=1)})["ok"]
    mine = store.my_responses(ws.code, ranking.participant, "s3-rank")
    assert sorted(v for v, _ in mine.values()) == list(range(1, len(order) + 1))
    assert ranking.mine["order"] == order and ranking.mine["saved"]
    fac.lock_activity()

    open_(fac, people, "s1-problems")
    ideas = people[0]
    assert ideas.idea("s1-problems", "<script>alert(2)</script>")["ok"]
    empty = ideas.idea("s1-problems", "   ")
    assert empty["ok"] is False and "empty" in empty["error"]
    long = ideas.idea("s1-problems", "x" * 501)
    assert long["ok"] is False and "characters long" in long["error"]
    huge = ideas.idea("s1-problems", "x" * 10_000)
    assert huge["ok"] is False and huge["error"] and "Traceback" not in huge["error"]
    (idea,) = store.ideas(ws.code, "s1-problems")
    assert idea.text == "<script>alert(2)</script>"
    assert [i["text"] for i in ideas.mine["ideas"]] == ["<script>alert(2)</script>"]  # as typed: the page sets text
    fac.refresh()
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in fac.results.table.value
    assert "<script>" not in fac.results.table.value


def test_names_are_escaped_on_the_facilitator_screen(facilitator_room):
    ws, store, fac, people = facilitator_room
    fac.refresh()
    assert "&lt;img src=x onerror=alert(1)&gt;" in fac.roster.value
    assert XSS not in fac.roster.value
    assert people[0].screen["me"]["name"] == XSS  # the phone gets the name as typed and sets it as text


def test_rejoin_by_link_keeps_identity_and_votes(facilitator_room):
    ws, store, fac, people = facilitator_room
    status = open_(fac, people, "s3-vote")
    dot(people[1], "s3-vote", status.items[0].id)
    token = people[1].token
    again = facilitator_room.hub.phone(token)  # the personal link's t=
    assert again.last("joined")["participant"] == people[1].participant
    assert again.screen["me"] == people[1].screen["me"]
    assert again.mine["dots"] == {status.items[0].id: 1}
    bad = facilitator_room.hub.phone("nope")
    assert bad.phase == "join" and bad.participant is None and bad.last("joined") is None


def test_facilitator_lifecycle_buttons_and_timer(facilitator_room):
    ws, store, fac, people = facilitator_room
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


def test_phones_count_down_with_the_facilitator(facilitator_room):
    from datetime import datetime

    ws, store, fac, people = facilitator_room
    p = people[0]

    def minutes_left() -> float:
        end = datetime.fromisoformat(p.screen["countdown_end"].removesuffix("Z"))
        return (end - datetime.utcnow()).total_seconds() / 60

    open_(fac, people, "s1-problems")
    assert 7.5 < minutes_left() <= 8  # the activity's minutes start on open
    fac.minutes.value = 3
    fac.start_timer()
    facilitator_room.hub.changed()
    assert 2.5 < minutes_left() <= 3
    fac.stop_timer()
    facilitator_room.hub.changed()
    assert p.screen["countdown_end"] is None
    fac.start_timer(2)
    again = FacilitatorApp(store, ws.code, poll=False)  # a reloaded facilitator page keeps the countdown
    assert "left" in again.timer_label.value
    fac.lock_activity()
    facilitator_room.hub.changed()
    assert p.phase == "closed" and p.screen["countdown_end"] is None  # locked: no countdown


NODE = shutil.which("node")


@pytest.mark.skipif(NODE is None, reason="needs node to run the page's module")
def test_the_phones_countdown_reads_at_a_glance(tmp_path):
    """The page counts down by itself (csikit/room/static/phone.js, countdownText)."""
    static = CSIKIT / "room" / "static"
    shutil.copytree(static, tmp_path / "static")
    (tmp_path / "static" / "package.json").write_text('{"type": "module"}')
    script = (
        "import { countdownText as c } from './static/phone.js';"
        "console.log(JSON.stringify([c(44e3, 0), c(-1e3, 0), c(600e3, 0), c(25e3, 0)]));"
    )
    out = subprocess.run(
        [NODE, "--input-type=module", "-e", script], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    shown = json.loads(out.stdout)
    assert shown[0] == {"text": "0:45 left", "urgent": False}
    assert shown[1]["text"] == "Time is up" and shown[1]["urgent"]
    assert shown[2]["text"] == "about 10 min left"
    assert shown[3] == {"text": "0:30 left", "urgent": True}


def test_reset_says_what_it_deletes_and_can_be_undone_until_reopened(facilitator_room):
    ws, store, fac, people = facilitator_room
    status = open_(fac, people, "s3-vote")
    for p in people[:2]:
        dot(p, "s3-vote", status.items[0].id)
        dot(p, "s3-vote", status.items[1].id)
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
    facilitator_room.hub.changed()
    assert sum(people[0].mine["dots"].values()) == 2
    # once reopened, a reset is final
    fac.lock_activity()
    fac.reset_activity()
    fac.confirm_reset()
    fac.open_activity()
    assert fac.restore_activity() is False and "nothing to restore" in fac.status.message
    assert store.responses(ws.code, "s3-vote") == []


def test_confirm_without_a_question_deletes_nothing(facilitator_room):
    ws, store, fac, people = facilitator_room
    status = open_(fac, people, "s3-vote")
    dot(people[0], "s3-vote", status.items[0].id)
    assert fac.confirm_reset() is False and "Press Reset first" in fac.status.message
    fac.reset_activity()
    fac.select("s1-top")  # choosing another activity drops the question
    assert fac.confirm.layout.display == "none" and fac.confirm_reset() is False
    assert len(store.responses(ws.code, "s3-vote")) == 1


def test_late_vote_is_refused_politely(facilitator_room):
    ws, store, fac, people = facilitator_room
    status = open_(fac, people, "s3-vote")
    p = people[2]
    fac.lock_activity()  # the phone has not heard yet: its screen still shows the vote
    assert p.phase == "answering"
    ack = dot(p, "s3-vote", status.items[0].id)
    assert ack["ok"] is False and "closed" in ack["error"] and "Traceback" not in ack["error"]
    assert p.phase == "closed"  # then the screen as the store holds it
    with pytest.raises(ActivityClosed):
        store.respond(ws.code, p.participant, "s3-vote", {status.items[0].id: 1})


def test_step_panels_hand_offs_and_register(facilitator_room, tmp_path):
    ws, store, fac, people = facilitator_room
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
        dot(p, "s1-top", status.items[0].id)
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


def test_live_chart_is_throttled_but_catches_up(facilitator_room, monkeypatch):
    from csikit.widgets import live_results

    ws, store, fac, people = facilitator_room
    status = open_(fac, people, "s3-vote")
    first_chart = fac.results.chart.value
    dot(people[0], "s3-vote", status.items[0].id)
    fac.tick()  # the table follows at once; the chart waits for its turn
    assert fac.results.frame["dots"].sum() == 1
    assert fac.results.chart.value == first_chart
    monkeypatch.setattr(live_results, "CHART_EVERY", 0.0)
    fac.tick()  # nothing new in the store, but the held-back chart is now due
    assert fac.results.chart.value != first_chart


def test_new_initiative_starts_blank_and_a_next_cycle_name_stays_inside(facilitator_room, tmp_path):
    ws, store, fac, people = facilitator_room
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


def test_a_partial_rating_counts_as_partial(facilitator_room):
    ws, store, fac, people = facilitator_room
    open_(fac, people, "s1-problems")
    assert people[0].idea("s1-problems", "Paid $50 for #1 and $20 for #2")["ok"]
    assert people[1].idea("s1-problems", "Slow laptops")["ok"]
    fac.lock_activity()
    status = open_(fac, people, "s1-impact")
    criteria = status.activity.criteria(ws.objectives)
    assert len(criteria) > 1  # per objective: many answers per person
    p = people[0]
    assert p.answer("s1-impact", {item.id: {c: 3 for c in criteria} for item in status.items})["ok"]
    assert people[1].answer("s1-impact", {status.items[0].id: {criteria[0]: 4}})["ok"]
    assert store.progress(ws.code, "s1-impact") == (1, 1, 3)
    fac.refresh()
    assert "2 of 3" in fac.participation.value and "1 answered everything, 1 only part" in fac.participation.value
    # the phone names each objective by its title, not its id
    names = {c["id"]: c["name"] for c in people[2].screen["activity"]["criteria"]}
    assert names[ws.objectives[0].id] == ws.objectives[0].title


def test_the_kpi_rating_shows_each_kpis_trend_on_the_phone(facilitator_room):
    ws, store, fac, people = facilitator_room
    from csikit.measurements import read_measurements_csv

    store.add_measurements(ws.code, read_measurements_csv(DEMO / "measurements.csv", {k.id for k in ws.kpis}))
    open_(fac, people, "s5-confidence")
    trends = people[0].screen["activity"]["trends"]
    assert set(trends) == set(people[0].items)  # one line under each KPI
    assert all("baseline" in line and "target" in line for line in trends.values())
    backlog = next(i["id"] for i in people[0].screen["activity"]["items"] if i["text"] == ws.kpis[5].name)
    assert "worse" in trends[backlog]  # the problem backlog grew: lower is better


# --- one phone is one person: the rejoin token the page remembers -----------------------------------


def test_the_browser_remembers_the_participant_and_brings_them_back(facilitator_room):
    ws, store, fac, people = facilitator_room
    status = open_(fac, people, "s3-vote")
    dot(people[1], "s3-vote", status.items[0].id)
    token = people[1].token  # the page keeps it in localStorage
    joined = len(store.participants(ws.code))
    again = facilitator_room.hub.phone(token)  # the reload: hello with the remembered token
    assert again.last("joined")["participant"] == people[1].participant
    assert again.screen["me"]["name"] == "P1" and again.mine["dots"] == {status.items[0].id: 1}
    assert len(store.participants(ws.code)) == joined  # no second person
    # a second tap on Join on a page that has its person is the same person
    assert again.join("P1 again")["ok"] and again.last("joined")["participant"] == people[1].participant
    assert len(store.participants(ws.code)) == joined


def test_an_unknown_or_forged_remembered_token_gives_the_join_screen(facilitator_room):
    ws, store, fac, people = facilitator_room
    before = len(store.participants(ws.code))
    for forged in ("nope", "<script>alert(1)</script>", people[1].token[:-1], "%", "' OR '1'='1"):
        p = facilitator_room.hub.phone(forged)
        assert p.phase == "join" and p.participant is None and p.last("joined") is None
        assert p.screen["message"] == "Type a name others will see, or leave it empty to stay anonymous."  # no error
    for forged in ("x" * 10_000, 42, None, ["a"]):  # not a token at all: a sentence, never a person
        p = facilitator_room.hub.phone()
        ack = p.request({"type": "hello", "code": ws.code, "token": forged})
        if forged is None:
            assert ack["ok"] and p.phase == "join"
        else:
            assert ack["ok"] is False and ack["error"] and "Traceback" not in ack["error"]
        assert p.last("joined") is None
    assert len(store.participants(ws.code)) == before


def test_pings_are_answered_and_odd_messages_refused_with_a_sentence(facilitator_room):
    ws, store, fac, people = facilitator_room
    p = people[0]
    p.send({"type": "ping", "seq": 7})
    assert p.seen[-1] == {"type": "pong", "seq": 7}
    p.send({"type": "ping"})
    assert p.seen[-1] == {"type": "pong"}
    for odd in ("ping", '{"kind": "ping"}', '{"type": "what"}', b"\x00"):
        p.send(odd)
        assert p.seen[-1]["type"] == "error" and p.seen[-1]["error"] and "Traceback" not in p.seen[-1]["error"]
    assert p.phase == "waiting"  # the socket still works
    p.send({"type": "ping", "seq": 8})
    assert p.seen[-1] == {"type": "pong", "seq": 8}


def test_two_tabs_of_one_person_count_every_click_against_the_store(facilitator_room):
    ws, store, fac, people = facilitator_room
    status = open_(fac, people, "s3-vote")
    item = status.items[0].id
    tab1 = people[1]
    me = tab1.participant
    tab2 = facilitator_room.hub.phone(tab1.token)
    assert dot(tab1, "s3-vote", item)["ok"] and dot(tab2, "s3-vote", item)["ok"]  # +1 each: 2, whatever each showed
    assert {k: v for k, (v, _) in store.my_responses(ws.code, me, "s3-vote").items()} == {(item, ""): 2}
    assert tab1.mine["dots"] == {item: 2} and tab2.mine["dots"] == {item: 2}  # the other tab follows at once
    # a − takes off what the store holds; at 0 it is refused in words and the screen shows the store
    assert dot(tab2, "s3-vote", item, -1)["ok"] and dot(tab2, "s3-vote", item, -1)["ok"]
    assert store.my_responses(ws.code, me, "s3-vote") == {}
    refused = dot(tab1, "s3-vote", item, -1)
    assert refused["ok"] is False and "no dot" in refused["error"]
    assert tab1.mine["dots"] == {} and tab2.mine["dots"] == {}
    assert len(store.participants(ws.code)) == 3


# --- the room hub: a change is noticed once per process, then every phone gets its screen ----------


def _sql_of(store) -> list[str]:
    """Every SQL statement ``store`` runs from now on."""
    from sqlalchemy import event

    sql: list[str] = []
    event.listen(store.engine, "connect", lambda con, _rec: con.set_trace_callback(sql.append))
    store.engine.dispose()  # connections opened from now on record their statements
    return sql


def _watching(store, ws, **options) -> tuple[HubRoom, object, list[str]]:
    """A hub that watches the store as a server does, one phone joined, and the hub's SQL."""
    hub = HubRoom(store.url_for_kernels, ws.code, **options)
    phone = hub.joined("Signal")
    sql = _sql_of(hub.hub.store)
    hub.start()
    return hub, phone, sql


def test_open_lock_reveal_and_timer_reach_a_phone_through_the_room_signal(facilitator_room):
    ws, store, fac, people = facilitator_room
    hub, p, sql = _watching(store, ws)
    try:
        assert store.signal_path.name == "store.sqlite.signal"
        hub.wait(0.6)
        del sql[:]
        hub.wait(0.6)
        assert sql == []  # nothing changed: no SQL at all (one os.stat every 0.15 s)
        before = store.signal()
        fac.select("s3-vote")
        assert fac.open_activity()
        assert store.signal() != before
        hub.wait(0.6)
        assert p.phase == "answering" and p.screen["activity"]["kind"] == "dot_vote" and p.screen["countdown_end"]
        del sql[:]
        hub.wait(0.6)
        assert sql == []  # the vote is open, nothing changed: still no SQL
        fac.minutes.value = 3
        fac.start_timer()
        end = store.timer(ws.code, "s3-vote")
        hub.wait(0.6)
        assert p.screen["countdown_end"] == end.isoformat(timespec="seconds") + "Z"
        fac.lock_activity()
        hub.wait(0.6)
        assert (
            p.phase == "closed"
            and p.screen["message"].startswith("Voting closed")
            and p.screen["countdown_end"] is None
        )
        fac.reveal_activity()
        hub.wait(0.6)
        assert p.phase == "results" and p.screen["results"] == {
            "too_few": f"{TOO_FEW}."
        }  # nobody voted: below min_group
    finally:
        hub.close()


def test_a_change_made_without_the_signal_is_caught_by_the_fallback_read(facilitator_room):
    ws, store, fac, people = facilitator_room
    hub, p, sql = _watching(store, ws, fallback=1.5)
    try:
        other = Store(store.url_for_kernels)  # another program (or an older csikit): no signal
        other.signal_path = None
        other.open_activity(ws.code, "s3-vote")
        hub.wait(0.6)
        assert p.phase == "waiting"  # not seen yet…
        hub.wait(1.5)
        assert p.phase == "answering"  # …but within the fallback's read
        other.close()
    finally:
        hub.close()


def test_the_facilitator_shows_the_kpi_trends_beside_a_kpi_rating(facilitator_room):
    ws, store, fac, people = facilitator_room
    from csikit.measurements import read_measurements_csv

    store.add_measurements(ws.code, read_measurements_csv(DEMO / "measurements.csv", {k.id for k in ws.kpis}))
    open_(fac, people, "s5-confidence")
    assert fac.results.context.layout.display == "" and fac.results.context.value[:4] == b"\x89PNG"
    assert "<th" in fac.results.table.value and ">on<" not in fac.results.table.value  # one value per item
    open_(fac, people, "s3-vote")
    assert fac.results.context.layout.display == "none"


# --- minimum group size and "I'm done" on the phone --------------------------------------------


def test_phone_results_wait_for_the_workshops_min_group(facilitator_room):
    ws, store, fac, people = facilitator_room
    assert store.workshop(ws.code).min_group == 3
    status = open_(fac, people, "s3-vote")
    first = status.items[0].id
    for p in people[:2]:
        assert dot(p, "s3-vote", first)["ok"]
    store.lock_activity(ws.code, "s3-vote")
    store.reveal_activity(ws.code, "s3-vote")
    facilitator_room.hub.changed()
    shown = json.dumps(people[2].screen["results"], ensure_ascii=False)
    assert people[2].screen["results"] == {"too_few": f"{TOO_FEW}."} and "dot" not in shown  # two voters
    # a workshop that sets min_group: 1 shows even one answer
    store.sync_workshop(dataclasses.replace(ws, min_group=1))
    again = HubRoom(store.url_for_kernels, ws.code)  # the room server started again on the new settings
    try:
        shown = " ".join(again.phone(people[2].token).screen["results"]["lines"])
        assert TOO_FEW not in shown and "dots (n=2)" in shown
    finally:
        again.close()
    store.sync_workshop(ws)
    open_(fac, people, "s6-carry")  # a ranking all three answer: its results show
    for p in people:
        assert p.answer("s6-carry", {item: n for n, item in enumerate(p.mine["order"], start=1)})["ok"]
    store.lock_activity(ws.code, "s6-carry")
    store.reveal_activity(ws.code, "s6-carry")
    facilitator_room.hub.changed()
    results = people[0].screen["results"]
    shown = " ".join(results["lines"])
    assert results["title"] == "Results" and TOO_FEW not in shown and "Borda point" in shown and "(n=3)" in shown


def test_im_done_is_kept_by_the_store_and_can_be_taken_back(facilitator_room):
    ws, store, fac, people = facilitator_room
    open_(fac, people, "s3-vote")
    p = people[0]
    assert p.screen["done"] is False
    assert p.done("s3-vote")["ok"] and p.screen["done"] is True
    assert store.is_done(ws.code, p.participant, "s3-vote") and store.done_count(ws.code, "s3-vote") == (1, 3)
    again = facilitator_room.hub.phone(p.token)  # a reload
    assert again.screen["done"] is True
    assert again.done("s3-vote", False)["ok"]  # "Not done yet"
    assert not store.is_done(ws.code, p.participant, "s3-vote") and store.done_count(ws.code, "s3-vote") == (0, 3)
    assert again.screen["done"] is False and p.screen["done"] is False  # the first tab follows
    assert people[1].done("s3-vote")["ok"]
    fac.lock_activity()
    refused = people[2].done("s3-vote")  # a stale screen is refused politely
    assert refused["ok"] is False and "closed" in refused["error"]
    assert people[2].phase == "closed" and people[2].screen["done"] is False  # nothing open: no button
    assert store.done_count(ws.code, "s3-vote") == (1, 3)
