"""The consent kind: settings, the store's rule, results with intervals and verdicts, the phone's screen."""

from __future__ import annotations

import random
import subprocess
import sys

import pytest
from repo_paths import DEMO

from csikit.errors import InvalidResponse, ValidationError, WorkshopFileError
from csikit.kinds import kind_of
from csikit.kinds.base import Answers
from csikit.kinds.consent.rules import verdict
from csikit.kinds.results import results_of
from csikit.kinds.screen import screen_of
from csikit.model import Activity, ActivityKind, Item, Response, Step, Workshop
from csikit.store import Store
from csikit.workshop_file import load_workshop, parse_workshop

CONSENT = kind_of(ActivityKind.CONSENT)
RESULTS = results_of(ActivityKind.CONSENT)
ITEMS = (Item("p1", "Known-error database"), Item("p2", "Skills matrix"), Item("p3", "Feedback panel"))


def decide(**kw) -> Activity:
    if "items_from" not in kw:
        kw.setdefault("items", ITEMS)
    return Activity("decide", Step.PLAN, ActivityKind.CONSENT, "Do you consent?", **kw)


WORKSHOP = Workshop(code="CONS01", title="Consent", organisation="Org", agenda=(decide(),))


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path}/store.sqlite")
    s.sync_workshop(WORKSHOP)
    yield s
    s.close()


def votes(table: dict[str, list[int]], comments: dict[tuple[int, str], str] | None = None) -> tuple[Response, ...]:
    """{item: [value of person 1, person 2 …]} as responses (None: that person left it)."""
    comments = comments or {}
    return tuple(
        Response("decide", p, item, "", v, comments.get((p, item), ""))
        for item, values in table.items()
        for p, v in enumerate(values, start=1)
        if v is not None
    )


# --- settings ---------------------------------------------------------------------------


def test_the_kind_says_what_it_is():
    a = decide()
    assert a.value_range() == (0, 1)
    assert a.score_labels() == ("0 · No: I object", "1 · Yes: I consent (I can live with it)")
    assert (CONSENT.answered_verb, CONSENT.closed_words) == ("have decided", "Consent closed.")
    assert CONSENT.paper_input == "scale"
    assert not (CONSENT.collects_ideas or CONSENT.picks_winners or CONSENT.whole_answer or CONSENT.unit)
    assert WORKSHOP.items_of(a) == ITEMS


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"items": ()}, "give either items or items_from"),
        ({"items_from": "objectives", "items": ITEMS}, "give either items or items_from"),
        ({"budget": 3}, "applies only to dot_vote activities, not to consent"),
        ({"options": ("yes", "no")}, "applies only to poll activities, not to consent"),
        ({"scale": "likert"}, "applies only to rating activities, not to consent"),
    ],
)
def test_bad_settings_are_refused_with_what_to_fix(kw, message):
    with pytest.raises(ValidationError) as err:
        decide(**kw)
    assert message in str(err.value)


def test_a_consent_in_a_workshop_file():
    text = """title: T
organisation: O
code: CONS02
agenda:
  - id: decide
    step: 4
    kind: consent
    title: Do you consent?
    items_from: objectives
"""
    a = parse_workshop(text).agenda[0]
    assert (a.kind, a.step, a.items_from) == (ActivityKind.CONSENT, Step.PLAN, "objectives")
    with pytest.raises(WorkshopFileError) as err:
        parse_workshop(text + "    choose: 1\n")
    assert "agenda[0].choose: applies only to poll activities, not to consent" in str(err.value)


def test_the_demo_decides_on_next_quarters_initiatives():
    ws = load_workshop(DEMO)
    a = ws.activity("s4-decide")
    assert (a.step, a.kind, a.items_from) == (Step.PLAN, ActivityKind.CONSENT, "initiatives")
    assert ws.items_of(a)  # the initiatives not started yet


# --- the store's rule -------------------------------------------------------------------


def test_yes_and_no_are_stored_and_a_new_answer_replaces_the_last(store):
    store.open_activity("CONS01", "decide")
    me = store.join("CONS01", "Ana")
    assert store.respond("CONS01", me.id, "decide", {"p1": 1, "p2": 0}, {"p2": "No people for it"}) == {
        ("p1", ""): 1,
        ("p2", ""): 0,
    }
    assert store.respond("CONS01", me.id, "decide", {"p1": 0}) == {("p1", ""): 0, ("p2", ""): 0}  # changed my mind
    mine = store.my_responses("CONS01", me.id, "decide")
    assert mine[("p1", "")][0] == 0 and mine[("p2", "")] == (0, "No people for it")
    assert store.progress("CONS01", "decide")[:2] == (0, 1)  # answered two of three: not a whole answer yet


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"p1": 2}, "Answer 1 (yes, I consent) or 0 (no, I object)."),
        ({"p1": -1}, "Answer 1 (yes, I consent) or 0 (no, I object)."),
        ({"p1": True}, "Choose a whole number from 0 to 1."),
        ({}, "Nothing to submit"),
        ({"nope": 1}, "not part of this activity"),
        ({("p1", "impact"): 1}, "not something this activity asks about"),
    ],
)
def test_forged_answers_are_refused(store, values, message):
    store.open_activity("CONS01", "decide")
    me = store.join("CONS01", "Ben")
    with pytest.raises(InvalidResponse) as err:
        store.respond("CONS01", me.id, "decide", values)
    assert message in str(err.value)
    assert store.my_responses("CONS01", me.id, "decide") == {}


@pytest.mark.parametrize("value", [2, -1])
def test_merge_refuses_anything_but_yes_or_no(value):
    with pytest.raises(InvalidResponse, match="Answer 1"):
        CONSENT.merge(decide(), ("",), ["p1"], {}, {("p1", ""): value})
    assert CONSENT.merge(decide(), ("",), ["p1"], {("p1", ""): 1}, {("p1", ""): 0}) == {("p1", ""): 0}


# --- results ------------------------------------------------------------------------------

# 5 people: p1 everyone consents; p2 two objections (one with a reason); p3 nobody answered
TABLE = {"p1": [1, 1, 1, 1, 1], "p2": [1, 0, 1, 0, 1]}
REASONS = {(2, "p2"): "We do not have the people for this"}


def test_verdicts_in_words():
    assert verdict(0, 5) == "passes: nobody objects"
    assert verdict(1, 5) == "1 objection"
    assert verdict(2, 5) == "2 objections"
    assert verdict(0, 0) == "no answers yet"


def test_the_light_tally_and_what_a_phone_reads():
    lines = CONSENT.tally(decide(), ITEMS, votes(TABLE))
    assert [(r.item, r.value, r.n) for r in lines] == [("p1", 5.0, 5), ("p2", 3.0, 5), ("p3", 0.0, 0)]  # agenda order
    assert lines[0].low == pytest.approx(5 * 0.5655, abs=1e-3) and lines[0].high == pytest.approx(5.0)
    assert CONSENT.result_text(lines[0]) == "Known-error database: passes: nobody objects (5 of 5 consent)"
    assert CONSENT.result_text(lines[1]) == "Skills matrix: 2 objections (3 of 5 consent)"
    assert CONSENT.result_text(lines[2]) == "Feedback panel: no answers"


def test_the_summary_counts_consent_over_those_who_answered_with_wilson_intervals():
    table = {"p1": [1, 1, 1, 1, 1], "p2": [1, 0, 1, 0, 1], "p3": [0, 0, None, None, None]}
    frame = RESULTS.summary(Answers(decide(), ITEMS, votes(table)), WORKSHOP).set_index("item")
    assert list(frame.index) == ["p1", "p2", "p3"]  # passing first, then by share of consent
    assert list(frame["answered"]) == [5, 5, 2]  # each proposal over those who answered it
    assert list(frame["consents"]) == [5, 3, 0] and list(frame["objections"]) == [0, 2, 2]
    assert list(frame["verdict"]) == ["passes: nobody objects", "2 objections", "2 objections"]
    # Wilson (csikit.stats): all 5 → 5 × (0.5655, 1); none of 2 → 2 × (0, 0.6576);
    # 3 of 5 → 5 × (0.2307, 0.8824)
    assert list(frame["low"]) == pytest.approx([2.8276, 1.1536, 0.0], abs=1e-3)
    assert list(frame["high"]) == pytest.approx([5.0, 4.4119, 1.3153], abs=1e-3)
    assert list(frame["share"]) == [1.0, 0.6, 0.0]
    empty = RESULTS.summary(Answers(decide(), ITEMS, ()), WORKSHOP)
    assert list(empty["answered"]) == [0, 0, 0] and set(empty["verdict"]) == {"no answers yet"}
    assert list(empty["low"]) == [0.0, 0.0, 0.0] and list(empty["high"]) == [0.0, 0.0, 0.0]


def test_live_result_shows_verdicts_objections_and_a_chart():
    from matplotlib.figure import Figure

    from csikit import charts

    evil = (Item("p1", "<script>x</script>"), *ITEMS[1:])
    live = RESULTS.live(Answers(decide(items=evil), evil, votes(TABLE, REASONS)), WORKSHOP)
    assert "&lt;script&gt;" in live.table and "<script>" not in live.table
    assert "passes: nobody objects" in live.table and "2 objections" in live.table and "5 of 5" in live.table
    assert "Objections" in live.table and "We do not have the people for this" in live.table
    assert "(no reason given)" in live.table  # person 4 objected without a reason
    fig = live.figure()
    assert isinstance(fig, Figure) and "consents" in fig.axes[0].get_xlabel()
    charts.close(fig)
    nothing = RESULTS.live(Answers(decide(), ITEMS, ()), WORKSHOP)
    assert "Objections" not in nothing.table and "no answers yet" in nothing.table
    fig = nothing.figure()
    assert "No consents yet" in [t.get_text() for t in fig.texts + [t for ax in fig.axes for t in ax.texts]]
    charts.close(fig)


def test_exhibits_and_review_rows():
    from csikit import charts

    ans = Answers(decide(), ITEMS, votes(TABLE, REASONS))
    shown, reasons = RESULTS.exhibits(ans, WORKSHOP)
    assert shown.figure is not None and "proposal" in shown.frame.columns and "text" not in shown.frame.columns
    assert list(shown.frame.columns) == [
        "item",
        "proposal",
        "consents",
        "objections",
        "answered",
        "% consent",
        "% consent, 95% from",
        "% consent, 95% to",
        "verdict",
    ]
    assert list(shown.frame["% consent"])[:2] == [100.0, 60.0]
    assert list(shown.frame["% consent, 95% from"])[:2] == [57.0, 23.0]
    assert list(reasons.frame.columns) == ["item", "proposal", "objection"]
    assert list(reasons.frame["objection"]) == ["We do not have the people for this", ""]
    charts.close(shown.figure)
    rows = RESULTS.review_results(ans, WORKSHOP, top=3)
    assert [r["item"] for r in rows] == ["p1", "p2", "p3"]
    assert rows[0]["result"] == "passes: nobody objects (5 of 5 consent, 100%; 95% interval 57–100%)"
    assert rows[1]["result"] == "2 objections (3 of 5 consent, 60%; 95% interval 23–88%)"
    assert rows[2]["result"] == "no answers yet" and rows[2]["n"] == 0
    assert (rows[0]["value"], rows[0]["n"]) == (5, 5)


def test_results_are_withheld_below_min_group():
    few = Answers(decide(), ITEMS, votes({"p1": [1, 0]}, {(2, "p1"): "Only two of us"}))
    exhibits = RESULTS.exhibits(few, WORKSHOP)  # min_group 3, anonymous
    assert len(exhibits) == 1 and exhibits[0].frame is None and "3 answers" in exhibits[0].note
    rows = RESULTS.review_results(few, WORKSHOP)
    assert len(rows) == 1 and rows[0]["value"] is None and "Only two of us" not in str(rows)
    named = Answers(decide(anonymous=False), ITEMS, few.responses)
    assert len(RESULTS.exhibits(named, WORKSHOP)) == 2  # named answers: nothing to hide


def test_a_rehearsal_mostly_consents_and_objections_come_with_a_reason():
    rng = random.Random(7)
    appeal = {"p1": 0.95, "p2": 0.05, "p3": 0.5}.get
    given = [CONSENT.sample(decide(), ["p1", "p2", "p3"], ("",), rng, appeal) for _ in range(400)]
    share = {item: sum(v[(item, "")] for v, _ in given) / len(given) for item in ("p1", "p2", "p3")}
    assert share["p1"] > 0.99 and 0.7 < share["p2"] < 0.87 and share["p2"] < share["p3"] < share["p1"]
    for values, comments in given:
        assert set(values.values()) <= {0, 1}
        assert set(comments) == {item for (item, _), v in values.items() if v == 0}


# --- light modules --------------------------------------------------------------------------


@pytest.mark.parametrize("module", ["csikit.kinds.consent.rules", "csikit.kinds.consent.screen"])
def test_the_rules_and_the_screen_load_no_pandas(module):
    code = (
        f"import sys, {module}; from csikit.kinds import kind_of; kind_of('consent').tally; "
        "heavy = [m for m in ('ipywidgets', 'pandas', 'matplotlib', 'seaborn') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


# --- the phone ------------------------------------------------------------------------------


def test_the_screen_is_the_ratings_with_yes_and_no():
    from csikit.room.kind_assets import phone_module_path
    from csikit.room.screens import module_of

    mine = {("p1", ""): (1, ""), ("p2", ""): (0, "No people for it")}
    s = screen_of("consent").screen(decide(), ITEMS, mine, WORKSHOP)
    assert s["activity"]["options"] == [
        {"value": 0, "label": "0 · No: I object"},
        {"value": 1, "label": "1 · Yes: I consent (I can live with it)"},
    ]
    assert s["activity"]["scale"]["lo"] == 0 and s["activity"]["scale"]["hi"] == 1
    assert s["activity"]["criteria"] == [{"id": "", "name": ""}]
    assert s["mine"] == {"values": {"p1": {"": 1}, "p2": {"": 0}}}
    assert module_of("consent") == "consent"  # the phone asks for consent.js: this kind's phone.js
    js = phone_module_path("consent").read_text()
    assert phone_module_path("consent").parent.name == "consent" and 'from "./rating.js"' in js


def test_phones_decide_and_the_facilitator_sees_the_verdicts(facilitator_room):
    ws, store, fac, people = facilitator_room
    fac.select("s4-decide")
    assert fac.open_activity(), fac.status.message
    facilitator_room.hub.changed()
    assert all(p.phase == "answering" and p.screen["activity"]["kind"] == "consent" for p in people)
    items = people[0].items
    assert [o["value"] for o in people[0].screen["activity"]["options"]] == [0, 1]
    assert people[0].screen["activity"]["module"] == "consent"  # /room/static/kinds/consent.js
    first = items[0]
    for p in people:
        assert p.answer("s4-decide", {i: 1 for i in items})["ok"]
    assert people[1].answer("s4-decide", {first: 0}, {first: "Clashes with the upgrade freeze"})["ok"]
    refused = people[2].answer("s4-decide", {first: 2})
    assert refused["ok"] is False and "Answer 1" in refused["error"]
    assert people[1].mine["values"][first] == {"": 0}
    fac.refresh()
    frame = fac.results.frame.set_index("item")
    assert frame.loc[first, "consents"] == 2 and frame.loc[first, "verdict"] == "1 objection"
    assert (frame.drop(index=first)["verdict"] == "passes: nobody objects").all()
    assert "Clashes with the upgrade freeze" in fac.results.table.value
    fac.lock_activity()
    fac.reveal_activity()
    facilitator_room.hub.changed()
    assert any("1 objection (2 of 3 consent)" in line for line in people[0].screen["results"]["lines"])


@pytest.mark.server
def test_the_room_serves_consent_js_and_the_ratings_module_it_imports(tmp_path):
    import urllib.request

    from room_servers import room_server, sync_demo

    from csikit.room.kind_assets import KINDS_DIR

    url = f"sqlite:///{tmp_path}/store.sqlite"
    sync_demo(url, tmp_path)
    with room_server(url, tmp_path) as base:
        with urllib.request.urlopen(base + "/room/static/kinds/consent.js") as answer:
            assert answer.read() == (KINDS_DIR / "consent" / "phone.js").read_bytes()
            assert "javascript" in answer.headers["Content-Type"]
        with urllib.request.urlopen(base + "/room/static/kinds/rating.js") as answer:  # its "./rating.js"
            assert b"export function render" in answer.read()
