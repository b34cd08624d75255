"""Minimum group size in the worksheets and the review: an anonymous activity that fewer than
the workshop's ``min_group`` answered shows ``rules.TOO_FEW`` instead of its results (a
result of two people can tell who said what); the facilitator's live results still show them.
"""

from __future__ import annotations

import dataclasses
import random
import shutil
from pathlib import Path

import matplotlib.pyplot as plt
import pytest
from repo_paths import DEMO

from csikit import charts
from csikit.errors import CsiError
from csikit.kinds import kind_of
from csikit.kinds.base import Answers
from csikit.kinds.results import results_of, withheld
from csikit.model import Item, Response, Step
from csikit.rules import TOO_FEW
from csikit.workbook import open_workshop
from csikit.workshop_file import load_workshop

#: Demo activities of every kind that is scored (ideas are texts, not results).
SCORED = [
    "s1-impact",
    "s1-top",
    "s3-target",
    "s3-impact-effort",
    "s3-rank",
    "s5-confidence",
    "s6-changed",
    "s6-objectives",
]


@pytest.fixture(scope="module")
def ws():
    return load_workshop(DEMO)


@pytest.fixture(autouse=True)
def _no_open_figures():
    yield
    plt.close("all")


def answers(ws, key: str, people: int, **change) -> Answers:
    """``people`` plausible answers to the demo's activity ``key`` (its items, or three made up)."""
    a = dataclasses.replace(ws.activity(key), **change)
    kind = kind_of(a.kind)
    items = kind.items(a, ws) or (
        Item("x", "Password resets"),
        Item("y", "Change calendar"),
        Item("z", "Bounced tickets"),
    )
    rng = random.Random(1)
    responses = []
    for p in range(1, people + 1):
        values, _ = kind.sample(a, [i.id for i in items], a.criteria(ws.objectives), rng, lambda k: rng.random())
        responses += [Response(a.id, p, item, criterion, value) for (item, criterion), value in values.items()]
    return Answers(a, tuple(items), tuple(responses))


def shows_results(exhibits) -> bool:
    return any(ex.figure is not None or ex.frame is not None for ex in exhibits) and not any(
        TOO_FEW in ex.note for ex in exhibits
    )


def release(exhibits) -> None:
    for ex in exhibits:
        if ex.figure is not None:
            charts.close(ex.figure)


@pytest.mark.parametrize("key", SCORED)
def test_an_anonymous_activity_below_min_group_withholds_its_exhibits_and_review_rows(ws, key):
    kind = results_of(ws.activity(key).kind)
    few = answers(ws, key, 2)
    assert ws.min_group == 3 and few.activity.anonymous and withheld(few, ws)
    exhibits = kind.exhibits(few, ws)
    assert [(ex.title, ex.figure, ex.frame) for ex in exhibits] == [(few.activity.title, None, None)]
    assert exhibits[0].note.startswith(TOO_FEW) and "3 answers" in exhibits[0].note
    rows = kind.review_results(few, ws)
    assert len(rows) == 1 and rows[0]["result"].startswith(TOO_FEW) and rows[0]["value"] is None
    table, boards, lines = kind.momentum(few, ws, 2)
    assert TOO_FEW in table.frame.to_string() and not boards
    # the facilitator's console still sees them
    live = kind.live(few, ws)
    assert TOO_FEW not in live.table and len(live.frame)


@pytest.mark.parametrize("key", SCORED)
def test_enough_answers_or_a_named_activity_show_results(ws, key):
    kind = results_of(ws.activity(key).kind)
    for ans, workshop in [
        (answers(ws, key, 3), ws),
        (answers(ws, key, 2, anonymous=False), ws),
        (answers(ws, key, 1), dataclasses.replace(ws, min_group=1)),
    ]:
        assert not withheld(ans, workshop)
        exhibits = kind.exhibits(ans, workshop)
        assert shows_results(exhibits), key
        release(exhibits)
        rows = kind.review_results(ans, workshop)
        assert rows and not any(TOO_FEW in r["result"] for r in rows)


def test_nobody_answering_withholds_nothing(ws):
    empty = answers(ws, "s1-top", 0)
    assert not withheld(empty, ws)
    assert "No dots yet" in [
        t.get_text() for t in results_of(empty.activity.kind).exhibits(empty, ws)[0].figure.axes[0].texts
    ]


# --- worksheets and the review on a store two people answered --------------------------------------


@pytest.fixture(scope="module")
def pair(tmp_path_factory) -> tuple[Path, str]:
    """The demo walked through by two simulated people (every activity revealed)."""
    from csikit.simulate import simulate

    tmp = tmp_path_factory.mktemp("pair")
    folder = tmp / "demo"
    shutil.copytree(DEMO, folder, ignore=shutil.ignore_patterns("*.sqlite*", "lab"))
    url = f"sqlite:///{tmp}/store.sqlite"
    with open_workshop(folder, url, create=True) as w:
        simulate(w.store, w.code, 2, seed=0, walk=True)
    return folder, url


def test_worksheet_exhibits_show_the_message_for_anonymous_activities_only(pair):
    from csikit.worksheets import exhibit_outputs

    with open_workshop(*pair) as w:
        target = w.exhibits(Step.TARGET)
        by = {ex.title: ex for ex in target}
        vote = by[w.activity("s3-vote").title]
        assert vote.figure is None and vote.frame is None and vote.note.startswith(TOO_FEW)
        html = "".join(o.data for o in exhibit_outputs(vote) if hasattr(o, "data") and isinstance(o.data, str))
        assert TOO_FEW in html and "csikit-withheld" in html and "<table" not in html and "<img" not in html
        assert by[w.activity("s3-rank").title].note.startswith(TOO_FEW)
        release(target)
        now = w.exhibits(Step.NOW)  # s2-maturity is named (anonymous: false): its heatmap shows
        named = [ex for ex in now if ex.title.startswith(w.activity("s2-maturity").title)]
        assert named and all(ex.figure is not None and not ex.note for ex in named)
        release(now)
        # the gap of today → target leaves out the anonymous target assessment of two people
        from csikit.exhibits import maturity_gap_exhibit

        gap = maturity_gap_exhibit(w.store, w.code)
        assert w.activity("s3-target").title in gap.note and TOO_FEW in gap.note
        assert gap.frame["target"].isna().all() and gap.frame["current"].notna().any()
        release([gap])
        single = w.activity_exhibits("s1-top")  # one activity, as the worksheet's activity control asks
        assert [ex.note.startswith(TOO_FEW) for ex in single] == [True]
        with pytest.raises(CsiError, match=TOO_FEW):
            w.chart(3, "s3-vote")


def test_review_leaves_withheld_answers_out_and_says_why(pair):
    from csikit.review import load_review, sections

    folder, url = pair
    data = load_review(str(folder), "current", url)  # the workshop just held
    rec = {r.activity.id: r for r in data.activities}
    assert rec["s3-vote"].withheld and rec["s3-vote"].responses == () and rec["s3-vote"].answered == 2
    assert not rec["s2-maturity"].withheld and rec["s2-maturity"].responses  # named: shown
    assert not rec["s4-consent"].withheld
    decisions = sections.decisions_section(data)
    results = {row["activity"]: row["results"] for row in decisions.data()["tables"]["decisions"]}
    assert any(TOO_FEW in line for line in results["s3-vote"])
    assert not any(TOO_FEW in line for line in results["s4-consent"])
    html = decisions.to_html()
    assert TOO_FEW in html
    momentum = sections.momentum_section(data)
    assert TOO_FEW in momentum.to_text()  # the carry-over ranking (s6-carry) of two people


def test_the_ideas_of_fewer_than_min_group_anonymous_people_are_withheld_too(ws):
    from csikit.model import Idea

    a = ws.activity("s1-problems")
    kind = results_of(a.kind)
    texts = ["Password resets eat 20% of calls", "Printer outages", "Nobody owns the EPR"]
    few = Answers(a, (), (), tuple(Idea(n, a.id, 1 + n % 2, t) for n, t in enumerate(texts, start=1)))
    assert withheld(few, ws)
    exhibits = kind.exhibits(few, ws)
    assert exhibits[0].frame is None and TOO_FEW in exhibits[0].note
    assert kind.review_results(few, ws)[0]["result"].startswith(TOO_FEW)
    table, boards, _ = kind.momentum(few, ws, 2)
    assert TOO_FEW in table.frame.to_string() and not boards
    enough = Answers(a, (), (), tuple(Idea(n, a.id, n, t) for n, t in enumerate(texts, start=1)))
    assert not withheld(enough, ws)
    assert list(kind.exhibits(enough, ws)[0].frame["text"]) == texts


def test_the_console_step_panel_still_shows_withheld_results_marked(pair):
    from csikit.exhibits import step_exhibits

    with open_workshop(*pair) as w:
        room = {ex.title: ex for ex in step_exhibits(w.store, w.code, Step.TARGET)}
        console = {ex.title: ex for ex in step_exhibits(w.store, w.code, Step.TARGET, facilitator=True)}
        title = w.activity("s3-vote").title
        assert room[title].figure is None and room[title].note.startswith(TOO_FEW)
        vote = next(ex for t, ex in console.items() if t.startswith(title))
        assert vote.figure is not None and vote.note.startswith("Only you see these: fewer than 3 answered")
        release(list(room.values()) + list(console.values()))
