"""Results that tell the truth about time (issue 20): every figure as of its quarter — the
store read as it stood then (csikit.quarters, Store.as_of) — the same whenever it is
re-run, the quarter in progress as of today, and a headline that says what the register
says.

Time is moved with the one clock, ``csikit.clock.utcnow``, which the store stamps its rows
with; papermill's kernels run on the real clock, which only the quarter in progress reads.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path

import nbformat
import pytest
from conftest import copy_demo, invoke

from csikit import clock
from csikit.handoff import initiatives_from_winners
from csikit.model import ActivityState, Initiative, InitiativeState, Measurement
from csikit.quarters import moment_of, quarter_close, quarter_of
from csikit.review import load_review, run_review, sections
from csikit.review.display import MIME
from csikit.simulate import Simulation, simulate
from csikit.store import Store
from csikit.store.history import register_on
from csikit.workbook import open_workshop
from csikit.workshop_file import load_workshop


class Clock:
    """A clock tests set: ``clock.at(2026, 2, 10)``; every store write is stamped with it."""

    def __init__(self, monkeypatch) -> None:
        self.now = datetime(2026, 1, 5, 9, 0)
        monkeypatch.setattr(clock, "utcnow", lambda: self.now)

    def at(self, *when) -> datetime:
        self.now = datetime(*when) if len(when) > 1 else when[0]
        return self.now

    def tick(self, minutes: int = 1) -> None:
        self.now += timedelta(minutes=minutes)


@pytest.fixture
def moved(monkeypatch) -> Clock:
    return Clock(monkeypatch)


def walk(store: Store, code: str, sim: Simulation, keys: list[str], when: Clock) -> None:
    """Open, fill, lock and reveal ``keys`` in order, a minute apart."""
    for key in keys:
        sim.fill(store.open_activity(code, key, actor="test"))
        when.tick()
        store.lock_activity(code, key, actor="test")
        store.reveal_activity(code, key, actor="test")
        when.tick()


# --- the store as it stood (SQLite and PostgreSQL) ---------------------------------------------


def test_the_register_as_it_stood_comes_from_its_history(store_url, moved, tmp_path):
    folder = copy_demo(tmp_path / "demo")
    ws = load_workshop(folder)
    store = Store(store_url)
    try:
        moved.at(2026, 1, 5, 9, 0)
        store.sync_workshop(ws)  # the file's register, recorded now
        code = ws.code
        file_row = {i.id: i for i in store.initiatives(code)}["CSI-003"]
        moved.at(2026, 2, 1, 10, 0)
        store.save_initiative(
            code, Initiative("CSI-050", "Shift-left of password resets", state=InitiativeState.APPROVED)
        )
        moved.at(2026, 5, 4, 10, 0)
        store.save_initiative(
            code,
            Initiative(
                "CSI-050",
                "Shift-left of password resets",
                owner="Ana",
                state=InitiativeState.IN_PROGRESS,
                actual_start=date(2026, 5, 4),
            ),
        )
        store.save_initiative(
            code,
            _replace(file_row, state=InitiativeState.CLOSED, actual_end=date(2026, 5, 4), closure_code="successful"),
        )

        def at(when):
            return {i.id: i for i in store.as_of(when).initiatives(code)}

        before = at(datetime(2025, 12, 31, 23, 59))
        assert "CSI-050" not in before  # created in the store later: not there yet
        assert before["CSI-003"].state is InitiativeState.APPROVED  # the file's row, started 2026-03-09: inferred
        q1 = at(quarter_close("2026Q1"))
        assert q1["CSI-050"].state is InitiativeState.APPROVED and q1["CSI-050"].owner == ""
        assert q1["CSI-003"].state is InitiativeState.IN_PROGRESS and q1["CSI-003"].closure_code is None
        q2 = at(quarter_close("2026Q2"))
        assert q2["CSI-050"].state is InitiativeState.IN_PROGRESS and q2["CSI-050"].owner == "Ana"
        assert q2["CSI-003"].state is InitiativeState.CLOSED and q2["CSI-003"].actual_end == date(2026, 5, 4)
        assert {i.id: i for i in store.initiatives(code)} == at(datetime(2030, 1, 1))  # now: the register itself
        origins = [(v.key, v.origin) for v in store.register_versions(code) if v.key in ("CSI-003", "CSI-050")]
        assert origins == [("CSI-003", "file"), ("CSI-050", "store"), ("CSI-050", "store"), ("CSI-003", "store")]
    finally:
        store.close()


def _replace(initiative, **change):
    import dataclasses

    from csikit.model import ClosureCode

    if "closure_code" in change:
        change["closure_code"] = ClosureCode(change["closure_code"])
    return dataclasses.replace(initiative, **change)


def test_a_store_older_than_the_history_keeps_its_rows_before_their_first_change(tmp_path, moved):
    import sqlalchemy as sa

    folder = copy_demo(tmp_path / "demo")
    ws = load_workshop(folder)
    url = f"sqlite:///{tmp_path}/old.sqlite"
    moved.at(2026, 1, 5, 9, 0)
    store = Store(url)
    store.sync_workshop(ws)
    store.close()
    engine = sa.create_engine(url)
    with engine.begin() as c:  # what a store written before initiative_history looks like
        c.execute(sa.text("DROP TABLE initiative_history"))
    engine.dispose()
    moved.at(2026, 6, 1, 9, 0)
    store = Store(url)  # gains the table on open, empty
    try:
        versions = store.register_versions(ws.code)
        assert {v.origin for v in versions} == {"backfill"} and {v.at for v in versions} == {datetime(2026, 1, 5, 9, 0)}
        row = {i.id: i for i in store.initiatives(ws.code)}["CSI-006"]
        store.save_initiative(ws.code, _replace(row, state=InitiativeState.ON_HOLD))
        mine = [(v.origin, v.at, v.initiative.state) for v in store.register_versions(ws.code) if v.key == "CSI-006"]
        assert mine == [
            ("backfill", datetime(2026, 1, 5, 9, 0), InitiativeState.IN_PROGRESS),
            ("store", datetime(2026, 6, 1, 9, 0), InitiativeState.ON_HOLD),
        ]
        assert {i.id: i for i in register_on(store.register_versions(ws.code), datetime(2026, 3, 31))}[
            "CSI-006"
        ].state is InitiativeState.IN_PROGRESS
    finally:
        store.close()


def test_states_answers_ideas_and_people_as_they_stood(store_url, moved, tmp_path):
    folder = copy_demo(tmp_path / "demo")
    ws = load_workshop(folder)
    code = ws.code
    store = Store(store_url)
    try:
        moved.at(2026, 3, 2, 9, 0)
        store.sync_workshop(ws)
        sim = Simulation(store, code, seed=3)
        sim.join(4)
        walk(store, code, sim, ["s6-wins"], moved)
        sim.fill(store.open_activity(code, "s5-confidence"))
        moved.tick()
        store.lock_activity(code, "s5-confidence")  # locked, not revealed: it may be opened again
        ideas_then = store.ideas(code, "s6-wins")
        rating_then = store.responses(code, "s5-confidence")
        end_q1 = quarter_close("2026Q1")
        # in 2026Q2: a merge of those ideas, one more person, the rating reopened and answered, then reset
        moved.at(2026, 4, 8, 9, 0)
        store.merge_ideas(code, "s6-wins", ideas_then[0].id, [i.id for i in ideas_then[1:3]])
        assert store.ideas(code, "s6-wins") != ideas_then
        late = store.join(code, "Late Lou")
        store.open_activity(code, "s5-confidence")
        store.respond(code, late.id, "s5-confidence", {(rating_then[0].item, rating_then[0].criterion): 1})
        store.lock_activity(code, "s5-confidence")
        then = store.as_of(end_q1)
        assert then.states(code)["s5-confidence"] is ActivityState.LOCKED
        assert then.states(code)["s6-wins"] is ActivityState.REVEALED
        assert then.decided_at(code, "s5-confidence") <= end_q1
        assert then.responses(code, "s5-confidence") == rating_then  # Lou's answer is later
        assert then.ideas(code, "s6-wins") == ideas_then  # the later merge is taken back
        assert then.participation(code, "s5-confidence") == (4, 4)
        assert store.as_of(datetime(2026, 4, 8, 12)).participation(code, "s5-confidence") == (5, 5)
        moved.at(2026, 4, 9, 9, 0)
        store.reset_activity(code, "s5-confidence")
        store.restore_activity(code, "s5-confidence")  # locked again
        moved.tick()
        store.reset_activity(code, "s5-confidence")
        assert store.as_of(datetime(2026, 4, 9, 9, 0)).states(code)["s5-confidence"] is ActivityState.LOCKED
        assert store.as_of(datetime(2026, 4, 9, 9, 0)).decided_at(code, "s5-confidence") == datetime(2026, 4, 8, 9, 0)
        assert store.as_of(datetime(2026, 4, 9, 9, 1)).states(code)["s5-confidence"] is ActivityState.DRAFT
        assert store.as_of(datetime(2026, 4, 9, 9, 1)).decided_at(code, "s5-confidence") is None
        assert store.as_of(datetime(2026, 3, 1)).states(code) == {a.id: ActivityState.DRAFT for a in ws.agenda}
        assert max(e.at for e in store.as_of(end_q1).events(code)) <= end_q1
        # today's view is the store's own
        now = store.as_of(datetime(2030, 1, 1))
        assert now.states(code) == store.states(code)
        assert now.ideas(code, "s6-wins") == store.ideas(code, "s6-wins")
    finally:
        store.close()


# --- the review of a finished quarter, and of the quarter in progress --------------------------


@pytest.fixture
def two_quarters(tmp_path, moved):
    """The demo workshop run in two quarters: steps 1–3 in 2026Q1 (with a register change),
    steps 4–6 in 2026Q2; then, after the first review, later data (see :func:`later`)."""
    folder = copy_demo(tmp_path / "demo")
    url = f"sqlite:///{tmp_path}/store.sqlite"
    ws = load_workshop(folder)
    store = Store(url)
    moved.at(2026, 1, 12, 9, 0)
    store.sync_workshop(ws)
    sim = Simulation(store, ws.code, seed=4)
    sim.join(6)
    moved.at(2026, 2, 10, 9, 0)
    walk(store, ws.code, sim, [a.id for a in ws.agenda if int(a.step) <= 3], moved)
    moved.at(2026, 3, 2, 9, 0)
    row = {i.id: i for i in store.initiatives(ws.code)}["CSI-003"]
    store.save_initiative(ws.code, _replace(row, owner="Tom Okafor (acting)"))
    store.close()
    return folder, url, ws, moved


def later(folder: Path, url: str, ws, moved: Clock) -> None:
    """Everything that happens after 2026Q1: more people, the rest of the agenda, new
    initiatives from the vote, register changes, readings, an outside assessment."""
    store = Store(url)
    code = ws.code
    moved.at(2026, 5, 12, 9, 0)
    sim = Simulation(store, code, seed=5)
    sim.join(4)
    walk(store, code, sim, [a.id for a in ws.agenda if int(a.step) >= 4], moved)
    initiatives_from_winners(store, code, "s3-vote", top=2)
    row = {i.id: i for i in store.initiatives(code)}["CSI-003"]
    store.save_initiative(
        code, _replace(row, state=InitiativeState.CLOSED, actual_end=date(2026, 5, 12), closure_code="successful")
    )
    store.add_measurements(code, [Measurement(k.id, date(2026, 6, 30), k.target.value) for k in ws.kpis])
    moved.at(datetime.now().replace(microsecond=0))  # and today
    store.record_assessment(code, "s2-maturity", "Outside auditor", {(p.id, "current"): 5 for p in ws.practices})
    store.save_initiative(
        code,
        _replace(
            {i.id: i for i in store.initiatives(code)}["CSI-008"],
            state=InitiativeState.CANCELLED,
            closure_code="withdrawn",
        ),
    )
    store.close()


def _pack_text(folder: Path) -> dict[str, str]:
    """Every HTML page of a pack, with the run's own date and time masked."""
    today = date.today()
    masks = [
        today.isoformat(),
        f"{today:%d %b %Y}",
        f"{today.day} {today:%b %Y}",
        f"{today:%d %B %Y}",
        f"{today.day} {today:%B %Y}",
    ]
    pages = {}
    for page in sorted(folder.glob("*.html")):
        text = page.read_text(encoding="utf-8")
        for m in masks:
            text = text.replace(m, "<masked>")
        text = re.sub(r'id="cell-id=[0-9a-f-]+"', 'id="cell-id"', text)  # papermill's and the links' new cells
        pages[page.name] = re.sub(r"\b\d{2}:\d{2}(:\d{2})?\b", "<time>", text)
    return pages


def _first_difference(a: str, b: str) -> str:
    import difflib

    lines = [
        d
        for d in difflib.unified_diff(a.splitlines(), b.splitlines(), lineterm="", n=0)
        if d[:1] in "+-" and d[:3] not in ("+++", "---")
    ]
    return " | ".join(line[:200] for line in lines[:6])


@pytest.mark.slow
def test_a_finished_quarter_gives_the_same_pack_whenever_it_is_run(two_quarters, tmp_path):
    folder, url, ws, moved = two_quarters
    moved.at(datetime.now().replace(microsecond=0))
    [first] = run_review(folder, "2026Q1", url, tmp_path / "first", progress_bar=False)
    before = load_review(str(folder), "2026Q1", url)
    later(folder, url, ws, moved)
    [again] = run_review(folder, "2026Q1", url, tmp_path / "again", progress_bar=False)
    after = load_review(str(folder), "2026Q1", url)
    for fn in sections.ALL_SECTIONS:  # the same numbers and words
        assert fn(before).data() == fn(after).data(), fn.__name__
    one, two = _pack_text(first.folder), _pack_text(again.folder)
    assert sorted(one) == sorted(two) and len(one) == 7  # review.html and six step worksheets
    for name in one:
        assert one[name] == two[name], f"{name} changed after later data: {_first_difference(one[name], two[name])}"
    # and the later quarter did see the later data (the test would pass on an empty pack otherwise)
    q2 = load_review(str(folder), "2026Q2", url)
    assert {r.activity.id for r in q2.activities if r.decided_at and q2.within(r.decided_at.date())} == {
        a.id for a in ws.agenda if int(a.step) >= 4
    }
    assert {i.id: i.state for i in q2.initiatives}["CSI-003"] is InitiativeState.CLOSED
    assert {i.id: i.state for i in before.initiatives}["CSI-003"] is InitiativeState.IN_PROGRESS


def test_the_review_of_a_finished_quarter_reads_nothing_later(two_quarters):
    folder, url, ws, moved = two_quarters
    moved.at(2026, 4, 1, 8, 0)
    before = load_review(str(folder), "2026Q1", url)
    later(folder, url, ws, moved)
    after = load_review(str(folder), "2026Q1", url)
    assert after == before  # the whole snapshot, field by field
    assert not after.in_progress and after.day == date(2026, 3, 31) and after.label == "2026Q1"
    assert max(e.at for e in after.events) <= quarter_close("2026Q1")
    assert max(m.date for m in after.measurements) <= date(2026, 3, 31)
    with open_workshop(folder, url) as w:  # the data API and the worksheets read the same
        register = w.register("2026Q1").set_index("id")
        frame = sections.rag_table(after).set_index("id")
        assert register["state"].to_dict() == frame["state"].to_dict()
        assert register.loc["CSI-003", "owner"] == "Tom Okafor (acting)"
        acts = w.activities("2026Q1").set_index("activity")
        assert set(acts.loc[[a.id for a in ws.agenda if int(a.step) >= 4], "state"]) == {"draft"}
        assert (acts.loc[[a.id for a in ws.agenda if int(a.step) <= 3], "participants"] == 6).all()
        assert len(w.responses("s2-maturity", "2026Q1")) == 6 * len(ws.practices)  # not the auditor's
        assert [ex.title for ex in w.exhibits(5, "2026Q1")] == [
            "KPI progress toward target",
            "KPI trends",
            "Initiatives: RAG status",
        ]


# --- the quarter in progress ---------------------------------------------------------------------


@pytest.fixture
def held_today(tmp_path, moved):
    """The demo walked on 5 Dec 2026 (2026Q4 in progress; its readings end in 2026Q3)."""
    folder = copy_demo(tmp_path / "demo")
    url = f"sqlite:///{tmp_path}/store.sqlite"
    moved.at(2026, 12, 5, 9, 0)
    store = Store(url)
    ws = load_workshop(folder)
    store.sync_workshop(ws)
    simulate(store, ws.code, 6, seed=1, walk=True)
    store.close()
    moved.at(2026, 12, 5, 14, 30)
    return folder, url


def test_the_quarter_in_progress_is_labelled_and_computed_as_of_today(held_today):
    folder, url = held_today
    data = load_review(str(folder), "current", url)
    assert data.quarter == "2026Q4" and data.in_progress and data.day == date(2026, 12, 5)
    assert data.label == "2026Q4, in progress, as of 5 Dec 2026"
    assert "2026Q4, in progress, as of 5 Dec 2026" in data._repr_html_()
    overdue = sections.initiative_section(data).tables["overdue"].frame.set_index("id")
    assert overdue.loc["CSI-012", "days_overdue"] == 5  # planned end 30 Nov: 5 days by today, not 31
    table = sections.kpi_table(data)
    assert set(table["trend"]) == {"no reading yet"} and table["change"].isna().all()  # never "+0 / same"
    head = " ".join(sections.headline(data).summary)
    assert "No KPI has a reading yet this quarter" in head and "0 of 0" not in head
    assert "KPIs have a reading in" not in " ".join(sections.kpi_section(data).summary)


def test_a_kpi_read_this_quarter_moves_and_one_not_read_says_so(held_today, moved):
    folder, url = held_today
    store = Store(url)
    store.add_measurements("DESK26", [Measurement("fcr", date(2026, 11, 30), 72.0)])
    store.close()
    table = sections.kpi_table(load_review(str(folder), "current", url)).set_index("kpi")
    assert table.loc["fcr", "trend"] == "better" and table.loc["fcr", "change"] == pytest.approx(72.0 - 70.4)
    assert table.drop("fcr")["trend"].eq("no reading yet").all()
    head = sections.headline(load_review(str(folder), "current", url)).summary[0]
    assert head == "1 of 1 KPIs measured in 2026Q4 improved since 2026Q3; 8 have no reading this quarter yet."
    q3 = sections.kpi_table(load_review(str(folder), "2026Q3", url)).set_index("kpi")
    assert q3.loc["fcr", "actual"] == 70.4  # the November reading is not in 2026Q3


# --- the headline says what the register says ----------------------------------------------------


@pytest.mark.parametrize("quarter", ["2025Q4", "2026Q1", "2026Q2", "2026Q3", "current"])
def test_every_headline_sentence_is_the_register_of_the_same_review(held_today, quarter):
    folder, url = held_today
    data = load_review(str(folder), quarter, url)
    register = sections.rag_table(data).set_index("id")
    head = sections.headline(data)
    facts = head.data()["tables"]["facts"][0]
    closed = [c for c in facts["closed_ids"].split(", ") if c]
    assert facts["closed"] == len(closed)
    for key in closed:
        assert register.loc[key, "state"] in ("closed", "cancelled"), (quarter, key)
        assert data.within(register.loc[key, "actual_end"])
    finished = register[register["state"].isin(["closed", "cancelled"])]
    ended_here = {k for k, d in finished["actual_end"].items() if d is not None and data.within(d)}
    assert set(closed) == ended_here
    assert facts["overdue"] == int(register["overdue"].sum())
    momentum = " ".join(sections.momentum_section(data).summary)
    for key in register.index:
        if f"{key} " in momentum.split("Closed successfully this quarter: ")[-1].split(".")[0]:
            assert register.loc[key, "state"] == "closed" and register.loc[key, "closure"] == "successful"
    for fn in sections.ALL_SECTIONS:  # no sentence with an empty placeholder
        for line in fn(data).summary:
            assert "()" not in line and ": ." not in line and not line.rstrip().endswith(":"), (fn.__name__, line)


def test_an_initiative_in_review_is_never_called_closed(held_today):
    folder, url = held_today
    data = load_review(str(folder), "current", url)  # CSI-008 ended 16 Oct 2026 and is in review
    register = sections.rag_table(data).set_index("id")
    assert register.loc["CSI-008", "state"] == "review"
    head = " ".join(sections.headline(data).summary)
    assert "CSI-008" not in head.split("became overdue")[0]
    assert "No initiative closed successfully this quarter." in sections.momentum_section(data).summary


# --- `csikit review` of a past quarter on a store whose answers were all given today ----------------


IDEAS = ("Quokka-grade coffee for the night shift 4417", "Teleport the CAB minutes 8823")


@pytest.fixture(scope="module")
def all_today(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("today")
    folder = copy_demo(tmp / "demo")
    url = f"sqlite:///{tmp}/store.sqlite"
    store = Store(url)
    ws = load_workshop(folder)
    store.sync_workshop(ws)
    p = store.join(ws.code, "Pat")
    store.open_activity(ws.code, "s1-problems")
    for text in IDEAS:
        store.add_idea(ws.code, p.id, "s1-problems", text)
    simulate(store, ws.code, 5, seed=0, walk=True)
    store.close()
    return folder, url, tmp


def _pack(folder, url, tmp, quarter: str) -> Path:
    result = invoke("review", str(folder), "--store", url, "--out", str(tmp / quarter), "--quarter", quarter)
    assert result.exit_code == 0, result.output
    [pack] = [p for p in (tmp / quarter / "demo").iterdir() if p.is_dir()]
    return pack


@pytest.mark.slow
def test_a_past_quarter_pack_holds_nothing_given_today_and_the_current_one_does(all_today):
    folder, url, tmp = all_today
    past = _pack(folder, url, tmp, "2026Q3" if quarter_of(date.today()) > "2026Q3" else "2025Q4")
    pages = sorted(past.glob("*.html"))
    assert len(pages) == 7
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for idea in IDEAS:
            assert idea not in text, f"{page.name} shows {idea!r}, typed today"
    nb = nbformat.read(past / "review.ipynb", as_version=4)
    decisions = [
        o["data"][MIME]
        for c in nb.cells
        if "section:decisions" in c.metadata.get("tags", [])
        for o in c.get("outputs", [])
        if MIME in o.get("data", {})
    ]
    assert decisions and decisions[0]["tables"] == {}
    current = _pack(folder, url, tmp, "current")
    assert current.name == quarter_of(date.today())
    step1 = (current / "step1_vision.html").read_text(encoding="utf-8")
    assert all(idea in step1 for idea in IDEAS)
    assert "in progress, as of" in (current / "review.html").read_text(encoding="utf-8")


def test_moment_of_a_past_quarter_is_its_last_moment():
    assert moment_of("2026Q1") == datetime(2026, 3, 31, 23, 59, 59, 999999)
