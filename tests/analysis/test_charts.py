"""csikit.charts: every chart draws for a normal frame and for an empty one, and to_png
returns PNG bytes and leaves no figure open."""

from __future__ import annotations

import gc
import tracemalloc
from datetime import date

import ipywidgets as W
import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from repo_paths import DEMO

from csikit import analysis, charts
from csikit.model import Direction, Item, Kpi, Measurement, Objective, Point, Response

PNG = b"\x89PNG\r\n\x1a\n"


def R(participant: int, item: str, value: int, criterion: str = "", comment: str = "") -> Response:
    return Response("act", participant, item, criterion, value, comment)


ITEMS = [
    Item("a", "Self-service password reset"),
    Item("b", "A change calendar everyone can see"),
    Item("c", "Fewer tickets bounced between teams"),
]
OBJECTIVES = [Objective("o1", "Cut cost"), Objective("o2", "Faster delivery")]
KPIS = [
    Kpi("mttr", "Time to restore", "h", Direction.LOWER, Point(10, date(2025, 12, 1)), Point(4, date(2026, 12, 31)))
]
MEASUREMENTS = [Measurement("mttr", date(2026, 2, 1), 7), Measurement("mttr", date(2026, 5, 1), 6)]


def normal_frames() -> dict:
    dots = [R(1, "a", 3), R(1, "b", 2), R(2, "b", 4), R(2, "c", 1), R(3, "a", 5)]
    ratings = [
        R(p, i, v) for p, vals in enumerate([(1, 4, 5), (2, 4, 3), (3, 5, 4)]) for i, v in zip("abc", vals, strict=True)
    ]
    fist = [R(1, "a", 5), R(2, "a", 1, comment="Too costly"), R(3, "a", 4), R(1, "b", 3), R(2, "b", 0, comment="No")]
    ranks = [R(1, "a", 1), R(1, "b", 2), R(1, "c", 3), R(2, "b", 1), R(2, "a", 2), R(2, "c", 3)]
    ie = (
        [R(p, "a", 5, "impact") for p in range(3)]
        + [R(p, "a", 1, "effort") for p in range(3)]
        + [R(p, "b", 4, "impact") for p in range(3)]
        + [R(p, "b", 5, "effort") for p in range(3)]
    )
    impact = [R(p, i, (p + k) % 5 + 1, o.id) for p in range(3) for k, i in enumerate("abc") for o in OBJECTIVES]
    maturity = [R(p, i, (p + k) % 6, "current") for p in range(4) for k, i in enumerate("abc")] + [
        R(p, i, 4, "target") for p in range(4) for i in "abc"
    ]
    progress = analysis.kpi_progress(KPIS, MEASUREMENTS)
    register = pd.DataFrame(
        {
            "id": ["I1", "I2"],
            "title": ["Self-service reset", "Change calendar"],
            "state": ["in_progress", "new"],
            "planned_start": [date(2026, 1, 1), date(2026, 3, 1)],
            "planned_end": [date(2026, 6, 30), date(2026, 12, 31)],
        }
    )
    return {
        "dots": analysis.tally_dots(dots, ITEMS, n_boot=100),
        "ordinal": analysis.ordinal_summary(ratings, ITEMS),
        "consent": analysis.distribution(fist, ITEMS, range(6)),
        "borda": analysis.borda_stability(ranks, ITEMS),
        "impact_effort": analysis.impact_effort(ie, ITEMS),
        "impact": analysis.ordinal_summary(impact, ITEMS, [o.id for o in OBJECTIVES]),
        "maturity_matrix": analysis.maturity_matrix(maturity, ITEMS),
        "gaps": analysis.maturity_gaps(maturity, maturity, ITEMS),
        "progress": progress,
        "latest": analysis.kpi_latest(progress),
        "register": register,
        "board": ["Backlog halved", "Change calendar live", "Faster restores"],
    }


def empty_frames() -> dict:
    progress = analysis.kpi_progress(KPIS, [])
    return {  # what the analysis functions return before anyone answers
        "dots": analysis.tally_dots([], ITEMS),
        "ordinal": analysis.ordinal_summary([], ITEMS),
        "consent": analysis.distribution([], ITEMS, range(6)),
        "borda": analysis.borda_stability([], ITEMS),
        "impact_effort": analysis.impact_effort([], ITEMS),
        "impact": analysis.ordinal_summary([], ITEMS, [o.id for o in OBJECTIVES]),
        "maturity_matrix": analysis.maturity_matrix([], ITEMS),
        "gaps": analysis.maturity_gaps([], [], ITEMS),
        "progress": progress,
        "latest": analysis.kpi_latest(progress),
        "register": pd.DataFrame(columns=["id", "title", "state"]),  # exhibits.register_frame of an empty register
        "board": [],
    }


CHARTS = {  # name: how to draw it from a set of frames
    "dot_tally_chart": lambda f: charts.dot_tally_chart(f["dots"], "Which improvement first?"),
    "ordinal_chart": lambda f: charts.ordinal_chart(f["ordinal"], "How much does it hurt?", ("1", "2", "3", "4", "5")),
    "consent_chart": lambda f: charts.consent_chart(f["consent"]),
    "borda_chart": lambda f: charts.borda_chart(f["borda"]),
    "heatmap_chart": lambda f: charts.heatmap_chart(
        f["impact"], "Impact", 1, 5, columns={o.id: o.title for o in OBJECTIVES}
    ),
    "maturity_heatmap": lambda f: charts.maturity_heatmap(f["maturity_matrix"]),
    "gap_chart": lambda f: charts.gap_chart(f["gaps"]),
    "impact_effort_chart": lambda f: charts.impact_effort_chart(f["impact_effort"]),
    "roadmap_chart": lambda f: charts.roadmap_chart(f["register"], today=date(2026, 4, 1)),
    "kpi_trend_chart": lambda f: charts.kpi_trend_chart(f["progress"], "mttr"),
    "kpi_trends_chart": lambda f: charts.kpi_trends_chart(f["progress"]),
    "progress_chart": lambda f: charts.progress_chart(f["latest"]),
    "board_chart": lambda f: charts.board_chart(f["board"], "Wins"),
}


@pytest.fixture(scope="module")
def normal() -> dict:
    return normal_frames()


@pytest.fixture(scope="module")
def empty() -> dict:
    return empty_frames()


@pytest.fixture(autouse=True)
def _no_open_figures():
    plt.close("all")
    yield
    plt.close("all")


def main_axes(fig: Figure):
    return fig.axes[0]  # seaborn's colour bar, if any, comes after the chart's axes


def test_every_chart_function_is_covered():
    public = {n for n in dir(charts) if n.endswith("_chart") or n.endswith("_heatmap")} - {"empty_chart"}
    assert public == set(CHARTS)


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_chart_draws_a_titled_figure_outside_pyplot(name, normal):
    fig = CHARTS[name](normal)
    assert isinstance(fig, Figure)
    assert main_axes(fig).get_title(loc="left").strip(), f"{name} has no title"
    assert plt.get_fignums() == []  # never in pyplot's registry: nothing to leak
    png = charts.to_png(fig, dpi=40)
    assert png.startswith(PNG) and len(png) > 1000
    assert plt.get_fignums() == []


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_chart_of_an_empty_frame_says_so(name, empty):
    fig = CHARTS[name](empty)
    assert isinstance(fig, Figure)
    ax = main_axes(fig)
    # the empty_chart path: no data axes, just a message (e.g. "No dots yet") in place of a title
    assert not ax.axison
    messages = [t.get_text() for t in ax.texts]
    assert len(messages) == 1 and messages[0].strip()
    plt.close(fig)  # drawing it is test_empty_chart_and_messages' job (every empty path is empty_chart)


def test_empty_chart_and_messages():
    fig = charts.empty_chart("Nothing yet")
    assert [t.get_text() for t in main_axes(fig).texts] == ["Nothing yet"]
    assert charts.to_png(fig, dpi=30).startswith(PNG)
    assert plt.get_fignums() == []
    assert [t.get_text() for t in main_axes(charts.dot_tally_chart(empty_frames()["dots"])).texts] == ["No dots yet"]
    fig = charts.board_chart([], "Lessons")
    assert [t.get_text() for t in main_axes(fig).texts] == ["Lessons: nothing yet"]


def test_kpi_trend_chart_of_an_unmeasured_kpi_is_empty(normal):
    fig = charts.kpi_trend_chart(normal["progress"], "nope")
    assert [t.get_text() for t in main_axes(fig).texts] == ["No measurements of nope yet"]


def test_roadmap_without_planned_dates_is_empty():
    frame = pd.DataFrame(
        {"id": ["I1"], "title": ["No dates"], "state": ["new"], "planned_start": [None], "planned_end": [None]}
    )
    fig = charts.roadmap_chart(frame)
    assert [t.get_text() for t in main_axes(fig).texts] == ["No initiative has planned dates yet"]


def test_titles_say_what_the_chart_shows(normal):
    # dot tally: 3 voters (participants 1, 2, 3); kpi trend: 6 h → 100 × (6 − 10)/(4 − 10) = 67% of the way
    def title(fig):
        return " ".join(main_axes(fig).get_title(loc="left").split())  # titles wrap to fit a slide

    assert title(CHARTS["dot_tally_chart"](normal)) == "Which improvement first? — 3 voters, most dots first"
    assert title(CHARTS["borda_chart"](normal)) == "Ranking — 2 voters"
    assert title(CHARTS["kpi_trend_chart"](normal)) == "Time to restore: 67% of the way to target (lower is better)"


def test_dot_tally_error_bars_match_the_interval(normal):
    frame = normal["dots"]
    fig = charts.dot_tally_chart(frame)
    ax = main_axes(fig)
    widths = [p.get_width() for p in ax.patches]
    assert widths == frame["dots"].tolist()  # one bar per item, most dots first
    assert (frame["low"] <= frame["dots"]).all() and (frame["dots"] <= frame["high"]).all()


def test_impact_effort_chart_marks_quick_wins_with_a_star(normal):
    fig = charts.impact_effort_chart(normal["impact_effort"])
    markers = [line.get_marker() for line in main_axes(fig).lines if line.get_marker() not in ("None", None, "")]
    # a: impact 5, effort 1 → quick win (★); b: impact 4, effort 5 → major project (o); c unrated → not drawn
    assert sorted(markers) == ["*", "o"]


# --- a failing view never takes the kernel with it -----------------------------------------------


class _Boom(Artist):
    """An artist that fails when drawn (as a mathtext parse error did)."""

    def draw(self, renderer):
        raise ValueError(r"\alert{3}: Unknown symbol")


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:")) / 1024


@pytest.fixture
def voting_demo(demo_store):
    """The demo with 6 simulated people voting in the step-3 dot vote (open): (store, code, simulation)."""
    from csikit.simulate import Simulation

    ws, store = demo_store
    sim = Simulation(store, ws.code, seed=0)
    sim.join(6)
    sim.fill(store.open_activity(ws.code, "s3-vote"))
    return store, ws.code, sim


def test_a_failing_live_chart_is_not_redrawn_and_the_facilitator_stays_flat(voting_demo, monkeypatch, caplog):
    from csikit.widgets import live_results
    from csikit.widgets.facilitator import FacilitatorApp

    store, code, sim = voting_demo
    drawn = []

    def broken(frame, title=""):
        drawn.append(title)
        fig = plt.figure()  # a pyplot figure: to_png must close it although drawing fails
        fig.add_artist(_Boom())
        return fig

    monkeypatch.setattr(charts, "dot_tally_chart", broken)
    monkeypatch.setattr(live_results, "CHART_EVERY", 0.0)
    app = FacilitatorApp(store, code, poll=False)
    try:
        app.select("s3-vote")
        assert drawn == ["Which improvements give the biggest return?"]
        for _ in range(20):
            app.tick()
        gc.collect()
        tracemalloc.start()
        rss = _rss_mb()
        before = tracemalloc.take_snapshot()
        for _ in range(200):
            app.tick()
        gc.collect()
        grown = sum(s.size_diff for s in tracemalloc.take_snapshot().compare_to(before, "filename"))
        tracemalloc.stop()
        assert drawn == ["Which improvements give the biggest return?"]  # not once per poll
        assert grown < 1_000_000, f"the facilitator grew by {grown / 1e6:.1f} MB in 200 polls"
        assert _rss_mb() - rss < 30
        assert plt.get_fignums() == []  # closed although drawing failed
        # the facilitator reads what happened and what to do; the table is complete; no poll error
        assert app.results.problem.layout.display != "none"
        assert "The chart could not be drawn; the table below is complete" in app.results.problem.value
        assert app.results.chart.layout.display == "none"
        assert "Change calendar" in app.results.table.value or "<td" in app.results.table.value
        assert "Updating this page failed" not in app.status.value
        logged = [r for r in caplog.records if r.exc_info and "could not be drawn" in r.getMessage()]
        assert len(logged) == 1 and "Unknown symbol" in str(logged[0].exc_info[1])
        # new answers, or a new state, try the chart again (once each)
        monkeypatch.setattr(
            charts, "dot_tally_chart", lambda frame, title="": (drawn.append(title), broken(frame, title))[1]
        )
        extra = sim.join(1)[0]
        sim.answer(extra, store.status(code, "s3-vote"))
        app.tick()
        app.tick()
        assert len(drawn) == 3
        app.lock_activity()
        assert len(drawn) == 5
    finally:
        app.close()
    assert plt.get_fignums() == []


def test_a_chart_that_draws_again_replaces_the_message(voting_demo, monkeypatch):
    from csikit.widgets.live_results import LiveResults

    store, code, sim = voting_demo
    real = charts.dot_tally_chart
    monkeypatch.setattr(charts, "dot_tally_chart", lambda frame, title="": (_ for _ in ()).throw(RuntimeError("no")))
    live = LiveResults(store, store.workshop(code))
    live.update(store.status(code, "s3-vote"))
    assert live.problem.layout.display != "none" and live.table.value
    monkeypatch.setattr(charts, "dot_tally_chart", real)
    store.lock_activity(code, "s3-vote")
    live.update(store.status(code, "s3-vote"))
    assert live.problem.layout.display == "none" and bytes(live.chart.value).startswith(PNG)
    live.close()


def test_one_broken_exhibit_does_not_blank_the_step_panel(voting_demo, monkeypatch, caplog):
    from csikit import exhibits
    from csikit.model import Step
    from csikit.widgets.step_panels import StepsView

    store, code, sim = voting_demo
    store.lock_activity(code, "s3-vote")
    sim.fill(store.open_activity(code, "s3-impact-effort"))
    monkeypatch.setattr(charts, "impact_effort_chart", lambda frame: (_ for _ in ()).throw(ValueError("boom")))
    bad_draw = charts.dot_tally_chart

    def undrawable(frame, title=""):
        fig = bad_draw(frame, title)
        fig.add_artist(_Boom())
        return fig

    monkeypatch.setattr(charts, "dot_tally_chart", undrawable)
    view = StepsView(store, code)
    panel = view.show(Step.TARGET)
    titles = [e.title for e in exhibits.step_exhibits(store, code, Step.TARGET)]
    assert len(panel.exhibits.children) == len(titles) >= 2
    html = [
        w.value for box in panel.exhibits.children for w in getattr(box, "children", (box,)) if isinstance(w, W.HTML)
    ]
    assert any("could not be drawn; the table below is complete" in h for h in html)  # the vote: its table stays
    assert any("could not be shown; the rest of this step is complete" in h for h in html)
    assert any("<table" in h for h in html)
    assert "could not be shown" in panel.status.message and panel.status.kind == "error"
    assert any(r.exc_info for r in caplog.records)
    monkeypatch.undo()
    panel.refresh()  # Refresh shows the step again once nothing fails
    assert panel.status.message == ""
    assert plt.get_fignums() == []
    view.close()


# --- every chart puts the answer first ------------------------------------------------------------


def yticks(fig) -> list[str]:
    """The row labels, top first, unwrapped."""
    return [" ".join(t.get_text().split()) for t in main_axes(fig).get_yticklabels()]


def bold(fig) -> list[str]:
    """The row labels set in bold (the answer)."""
    return [" ".join(t.get_text().split()) for t in main_axes(fig).get_yticklabels() if t.get_fontweight() == "bold"]


def agenda_order(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame's rows in agenda order (a, b, c): what a chart must not show as is."""
    return frame.sort_values("item", kind="stable").reset_index(drop=True)


def test_dot_tally_puts_the_winner_first_and_highlights_a_clear_lead():
    # 12 voters: c gets 3 dots from each, a 1 from each, b 1 from a third of them → c leads clearly
    dots = [R(p, "c", 3) for p in range(12)] + [R(p, "a", 1) for p in range(12)] + [R(p, "b", 1) for p in range(4)]
    frame = agenda_order(analysis.tally_dots(dots, ITEMS, n_boot=200))
    assert list(frame["item"]) == ["a", "b", "c"]  # the chart gets them in agenda order
    fig = charts.dot_tally_chart(frame, "Vote")
    ax = main_axes(fig)
    assert yticks(fig)[0] == ITEMS[2].text and bold(fig) == [ITEMS[2].text]
    assert [p.get_width() for p in ax.patches] == [36, 12, 4]  # most dots first
    colours = [p.get_facecolor()[:3] for p in ax.patches]
    assert colours[0] == pytest.approx(charts.ANSWER_COLOUR) and colours[1] != colours[0] == colours[0]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "clear lead" in legend[0]


def test_dot_tally_without_a_clear_lead_highlights_the_tie_and_says_so():
    dots = [R(1, "a", 2), R(2, "b", 2), R(3, "c", 1)]
    fig = charts.dot_tally_chart(analysis.tally_dots(dots, ITEMS, n_boot=200), "Vote")
    assert set(bold(fig)) == {ITEMS[0].text, ITEMS[1].text} and yticks(fig)[2] == ITEMS[2].text
    assert "no clear lead" in fig.legends[0].get_texts()[0].get_text()


def test_leaders_finds_the_smallest_separated_group():
    win, clear = charts.leaders([9, 8, 3, 2], [7, 7, 1, 1], [11, 10, 5, 4])
    assert win.tolist() == [True, True, False, False] and clear
    win, clear = charts.leaders([9, 8, 3], [5, 4, 1], [11, 10, 6])  # every interval overlaps the next
    assert win.tolist() == [True, False, False] and not clear
    win, clear = charts.leaders([], [], [])
    assert win.tolist() == [] and not clear


def test_poll_chart_puts_the_most_chosen_option_first():
    votes = [R(p, "b", 1) for p in range(5)] + [R(5, "a", 1)]
    frame = agenda_order(analysis.tally_dots(votes, ITEMS, n_boot=100).rename(columns={"dots": "votes"}))
    fig = charts.dot_tally_chart(frame, "Poll", unit="votes")
    assert yticks(fig)[0] == ITEMS[1].text and ITEMS[1].text in bold(fig)


def test_ordinal_chart_sorts_by_median_not_agenda_order(normal):
    # normal ratings: a 1, 2, 3 → median 2; b 4, 4, 5 → 4; c 5, 3, 4 → 4 (middle half 3.5–4.5 vs 4–4.5)
    fig = charts.ordinal_chart(normal["ordinal"], "Rated")
    assert yticks(fig) == [ITEMS[1].text, ITEMS[2].text, ITEMS[0].text]  # b before c: a higher middle half
    assert bold(fig) == [ITEMS[1].text, ITEMS[2].text]  # their middle halves (4–4.5, 3.5–4.5) lie above a's
    assert "clear lead" in fig.legends[0].get_texts()[0].get_text()
    medians = [line.get_xdata()[0] for line in main_axes(fig).lines if line.get_marker() == "o"]
    assert medians == [4, 4, 2]


def test_ordinal_chart_with_two_criteria_keeps_each_item_together():
    ratings = (
        [R(p, "a", 1, "current") for p in range(3)]
        + [R(p, "a", 5, "target") for p in range(3)]
        + [R(p, "b", 4, "current") for p in range(3)]
        + [R(p, "b", 4, "target") for p in range(3)]
    )
    fig = charts.ordinal_chart(analysis.ordinal_summary(ratings, ITEMS[:2], ("current", "target")), "Maturity", lo=0)
    assert [t.split(" · ")[0] for t in yticks(fig)] == [ITEMS[1].text] * 2 + [ITEMS[0].text] * 2


def test_consent_chart_puts_the_proposal_without_objections_first(normal):
    # normal fist: a gets 5, 1 (objection), 4; b gets 3, 0 (objection); c nothing
    fist = [R(1, "a", 5), R(2, "a", 1), R(1, "b", 3), R(2, "b", 0), R(1, "c", 4), R(2, "c", 5)]
    fig = charts.consent_chart(analysis.distribution(fist, ITEMS, range(6)))
    assert yticks(fig)[0] == ITEMS[2].text and bold(fig) == [ITEMS[2].text]
    assert [t.get_text() for t in main_axes(fig).texts] == ["no objection"]


def test_borda_chart_sorts_by_points_and_highlights_first_place(normal):
    frame = normal["borda"].sort_values("item", ascending=False)  # given worst first (c 0, b 3, a 3 points)
    fig = charts.borda_chart(frame)
    assert [p.get_width() for p in main_axes(fig).patches] == [3, 3, 0]
    assert yticks(fig) == [ITEMS[0].text, ITEMS[1].text, ITEMS[2].text] and bold(fig) == yticks(fig)[:2]
    assert "tied" in fig.legends[0].get_texts()[0].get_text()
    ranks = [R(1, "c", 1), R(1, "a", 2), R(1, "b", 3), R(2, "c", 1), R(2, "b", 2), R(2, "a", 3)]
    fig = charts.borda_chart(analysis.borda(ranks, ITEMS))
    assert bold(fig) == [ITEMS[2].text] == yticks(fig)[:1]


def rated_heatmap():
    """b hurts most (5s), then c (4s, but split on o2: 1 … 5), a least (1–2)."""
    ratings = (
        [R(p, "a", 1 + p % 2, o.id) for p in range(6) for o in OBJECTIVES]
        + [R(p, "b", 5, o.id) for p in range(6) for o in OBJECTIVES]
        + [R(p, "c", 4, "o1") for p in range(6)]
        + [R(p, "c", (1, 5, 5, 5, 1, 4)[p], "o2") for p in range(6)]
    )
    return analysis.ordinal_summary(ratings, ITEMS, [o.id for o in OBJECTIVES])


def test_heatmap_rows_are_the_answer_first_with_medians_in_cells():
    fig = charts.heatmap_chart(rated_heatmap(), "Impact", 1, 5, columns={o.id: o.title for o in OBJECTIVES})
    ax = main_axes(fig)
    assert yticks(fig) == [ITEMS[1].text, ITEMS[2].text, ITEMS[0].text]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Cut cost", "Faster\ndelivery"]
    assert bold(fig) == [ITEMS[1].text]
    cells = [t.get_text() for t in ax.texts]
    assert cells == ["5", "5", "4", "4.5 ±", "1.5", "1.5"]  # row by row; c on o2 is split (IQR 1–5)


def test_heatmap_marks_low_agreement_by_hatching_and_says_how_in_the_legend():
    frame = rated_heatmap()
    fig = charts.heatmap_chart(frame, "Impact", 1, 5)
    hatched = [p for p in main_axes(fig).patches if p.get_hatch()]
    assert [(p.get_x(), p.get_y()) for p in hatched] == [(1, 1)]  # column o2, second row (c)
    legend = " ".join(t.get_text() for t in fig.legends[0].get_texts())
    assert "IQR" in legend and "low agreement" in legend
    assert charts.low_agreement(frame, 1, 5).sum() == 1


def test_heatmap_of_one_criterion_and_unrated_items():
    ratings = [R(p, "c", 3, "o1") for p in range(3)]
    fig = charts.heatmap_chart(analysis.ordinal_summary(ratings, ITEMS, ["o1"]), "One", 1, 5)
    assert yticks(fig)[0] == ITEMS[2].text and len(yticks(fig)) == 3  # the unrated ones last, blank
    assert [t.get_text() for t in main_axes(fig).texts] == ["3"]


def test_maturity_heatmaps_sort_their_rows(normal):
    maturity = normal["maturity_matrix"]
    weakest = charts.maturity_heatmap(maturity)
    assert yticks(weakest)[0] == maturity["median"].idxmin()
    assert yticks(charts.maturity_heatmap(maturity, weakest_first=False))[0] == maturity["median"].idxmax()


# --- the rating kind's live result: a heatmap for several objectives -------------------------------


def demo_answers(key: str, people: int, *, state=None, value=None, **change):
    """``people`` answers to the demo's activity ``key`` about ITEMS, each recorded with the position
    fair order showed it in; ``value(position)`` replaces the sampled values when given."""
    import dataclasses
    import random

    from csikit.kinds import kind_of
    from csikit.kinds.base import Answers
    from csikit.order import positions
    from csikit.workshop_file import load_workshop

    ws = load_workshop(DEMO)
    a = dataclasses.replace(ws.activity(key), **change)
    kind, rng = kind_of(a.kind), random.Random(3)
    keys = [i.id for i in ITEMS]
    responses = []
    for p in range(1, people + 1):
        shown = positions(a, keys, p)
        values, _ = kind.sample(a, keys, a.criteria(ws.objectives), rng, lambda k: {"a": 0.1, "b": 0.9}.get(k[0], 0.5))
        responses += [
            Response(a.id, p, i, c, value(shown[i]) if value else v, "", shown[i]) for (i, c), v in values.items()
        ]
    return ws, Answers(a, tuple(ITEMS), tuple(responses), (), state)


def test_a_rating_on_several_objectives_is_a_heatmap_with_its_top_rows_live():
    from csikit.kinds.results import results_of

    ws, ans = demo_answers("s1-impact", 6)
    assert ans.activity.per_objective and len(ws.objectives) > 1
    live = results_of(ans.activity.kind).live(ans, ws)
    fig = live.figure()
    ax = main_axes(fig)
    assert len(fig.axes) == 2  # the heatmap and its colour bar
    assert [t.get_text() for t in ax.get_xticklabels()] == [wrap14(o.title) for o in ws.objectives]
    assert yticks(fig)[0] == ITEMS[1].text  # b: the sample's most appealing item
    assert len(ax.texts) == len(ITEMS) * len(ws.objectives)  # every cell's median
    assert "Top 3 of 3" in live.table and "low agreement on" in live.table
    first_row = live.table.split("<tbody>")[1].split("</tr>")[0]
    assert ITEMS[1].text in first_row
    assert "Fair order" not in live.table  # no state known: the check waits for the lock
    charts.close(fig)


def wrap14(text: str) -> str:
    from csikit.figures import wrap

    return wrap(text, 14)


def test_a_rating_on_one_value_stays_an_ordinal_chart_sorted_highest_first():
    from csikit.kinds.results import results_of

    ws, ans = demo_answers("s5-confidence", 5)
    live = results_of(ans.activity.kind).live(ans, ws)
    fig = live.figure()
    assert len(fig.axes) == 1 and yticks(fig)[0] == ITEMS[1].text
    rows = live.table.split("<tbody>")[1].split("</tr>")
    assert ITEMS[1].text in rows[0]  # the table reads in the chart's order
    charts.close(fig)


@pytest.mark.parametrize("key", ["s3-vote", "s1-impact", "s3-rank"])
def test_the_fair_order_check_shows_under_live_results_once_locked(key):
    from csikit.kinds.results import results_of
    from csikit.model import ActivityState

    for state, shown in [(ActivityState.OPEN, False), (ActivityState.LOCKED, True), (ActivityState.REVEALED, True)]:
        ws, ans = demo_answers(key, 30, state=state)
        table = results_of(ans.activity.kind).live(ans, ws).table
        assert ("Fair order:" in table) is shown, (key, state)
    ws, ans = demo_answers(key, 30, state=ActivityState.LOCKED, fair_order=False)
    assert "Fair order:" not in results_of(ans.activity.kind).live(ans, ws).table
    if key == "s1-impact":  # the item shown first gets 5, then 3, then 1: a primacy effect the check must see
        ws, ans = demo_answers(key, 30, state=ActivityState.LOCKED, value=lambda position: 5 - 2 * position)
        assert "may have swayed" in results_of(ans.activity.kind).live(ans, ws).table


#: Width of the review's page at 1920×1080 in CSS pixels (the report's box in chromium, csikit_offline template).
REVIEW_PAGE_PX = 1854


def test_kpi_small_multiples_read_at_9_points_on_a_1920_screen():
    """Nine KPIs, as the demo has: drawn at a CSS inch the figure fits the review's page, so it is
    shown at its own size and every tick label is as large on the screen as it was set: ≥ 9 pt."""
    kpis = [
        Kpi(
            f"k{n}",
            f"A KPI with a name long enough to wrap, number {n}",
            "%",
            Direction.HIGHER,
            Point(10, date(2025, 12, 1)),
            Point(50, date(2027, 3, 31)),
        )
        for n in range(9)
    ]
    readings = [
        Measurement(k.id, day, 10 + 3 * q + n)
        for n, k in enumerate(kpis)
        for q, day in enumerate([date(2026, 1, 15), date(2026, 4, 15), date(2026, 7, 15), date(2026, 10, 15)])
    ]
    fig = charts.kpi_trends_chart(analysis.kpi_progress(kpis, readings))
    fig.canvas.draw()
    shown = fig.get_figwidth() * charts.SCREEN_DPI
    assert shown <= REVIEW_PAGE_PX  # not shrunk to fit: one point of the figure is one point on the screen
    labels = [
        t for ax in fig.axes for t in (*ax.get_xticklabels(), *ax.get_yticklabels()) if t.get_visible() and t.get_text()
    ]
    assert len(labels) > 9 * 3
    assert min(t.get_fontsize() for t in labels) >= charts.SMALLEST_PT >= 9
    assert min(t.get_fontsize() for ax in fig.axes for t in (ax.title, ax.yaxis.label) if t.get_text()) >= 9


# --- charts for the room: a projector size, labels that never overlap, emoji, long words ------------

ROOM_TEXTS = [
    "Shift-left: publish top 50 fixes as knowledge articles 🎉",
    "Self-service password reset for all clinical staff",
    "Ward-level monitoring dashboards for clinical systems",
    "Weekly problem review with second-line teams 👍",
    "Automated pre-deployment checks for EPR changes",
    "Quarterly device attestation by ward managers",
    "Chat channel on the staff intranet ☕",
    "Standard change catalogue for routine updates",
    "A" * 500,
    "Zero-touch onboarding of new starters 🚀 with laptops ready",
]
ROOM_OBJECTIVES = [
    Objective("o1", "Keep clinical systems available around the clock"),
    Objective("o2", "Give clinicians their time back"),
    Objective("o3", "Lower the cost of running the desk"),
    Objective("o4", "Protect patient data and pass audits"),
]


def room_frames(n: int) -> dict:
    """Frames of ``n`` long items (emoji and a 500-character word among them), eight people answering."""
    items = [Item(f"i{k}", t) for k, t in enumerate(ROOM_TEXTS[:n])]
    dots = [R(p, f"i{(p * 3 + d) % n}", 1) for p in range(8) for d in range(3)]
    ratings = [R(p, f"i{k}", 1 + (p + 2 * k) % 5) for p in range(8) for k in range(n)]
    fist = [R(p, f"i{k}", (p + k) % 6) for p in range(8) for k in range(n)]
    ranks = [R(p, f"i{(k + p) % n}", k + 1) for p in range(8) for k in range(n)]
    impact = [
        R(p, f"i{k}", 1 + (p + k + j) % 5, o.id)
        for p in range(4)
        for k in range(n)
        for j, o in enumerate(ROOM_OBJECTIVES)
    ]
    return {
        "dots": analysis.tally_dots(dots, items, n_boot=50),
        "ordinal": analysis.ordinal_summary(ratings, items),
        "consent": analysis.distribution(fist, items, range(6)),
        "borda": analysis.borda_stability(ranks, items),
        "impact": analysis.ordinal_summary(impact, items, [o.id for o in ROOM_OBJECTIVES]),
    }


#: The charts the presenter view shows (a kind's ``live`` figure).
PROJECTED = {
    "dot_tally_chart": lambda f: charts.dot_tally_chart(f["dots"], "Which improvements give the biggest return?"),
    "ordinal_chart": lambda f: charts.ordinal_chart(
        f["ordinal"], "How much does it hurt?", ("none", "low", "some", "high", "severe")
    ),
    "consent_chart": lambda f: charts.consent_chart(f["consent"]),
    "borda_chart": lambda f: charts.borda_chart(f["borda"]),
    "heatmap_chart": lambda f: charts.heatmap_chart(
        f["impact"], "Impact", 1, 5, columns={o.id: o.title for o in ROOM_OBJECTIVES}
    ),
}


def png_size(png: bytes) -> tuple[int, int]:
    import struct

    return struct.unpack(">II", png[16:24])


@pytest.mark.parametrize("rows", [3, 10])
@pytest.mark.parametrize("name", PROJECTED)
def test_projected_charts_are_as_large_as_the_results_area_with_text_of_24px(name, rows):
    """Drawn for the projector, a chart is a 1440×580 PNG: the presenter's results area at 1920×1080 is
    1440 CSS px wide and at least 580 tall, so the PNG shows at 1:1 or larger, and its smallest
    text (26 px of the PNG) at ≥ 24 px. Never more rows than fit; the title says how many are left out."""
    from csikit import figures

    with figures.sized("projector"):
        fig = PROJECTED[name](room_frames(rows))
    assert fig.size is figures.PROJECTOR
    smallest, text = figures.text_sizes_px(fig)[0]
    png = charts.to_png(fig)
    width, height = png_size(png)
    assert (width, height) == (1440, 580)
    shown = min(1440 / width, 580 / height)  # object-fit: contain in the smallest results area
    assert smallest * shown >= 24, f"{name}: {text!r} is {smallest * shown:.1f} px on the projector"
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels() if t.get_text()]  # the rows (not a colour bar)
    assert len(labels) == min(rows, figures.PROJECTOR.max_rows)
    assert all(len(label.split("\n")) <= 2 and len(line) <= 34 for label in labels for line in label.split("\n"))
    title = fig.get_suptitle()  # the presenter shows the activity's title: the chart says what it adds
    assert title and "?" not in title and (f"(top {figures.PROJECTOR.max_rows} of {rows})" in title) == (rows > 8)


def test_a_chart_takes_a_size_and_screen_charts_keep_their_inches():
    from csikit import figures

    frame = room_frames(3)["dots"]
    assert charts.dot_tally_chart(frame, "Vote", size="projector").size is figures.PROJECTOR
    screen = charts.dot_tally_chart(frame, "Vote")
    assert screen.size is figures.SCREEN and png_size(charts.to_png(screen))[0] == 990  # 11 in at 90 dpi
    with pytest.raises(ValueError, match="projector"):
        charts.dot_tally_chart(frame, "Vote", size="poster")
    small = figures.text_sizes_px(charts.dot_tally_chart(frame, "Vote"))[0][0]
    assert small < 24  # a screen chart is shown near its size on a laptop: its own sizes


def test_long_labels_are_cut_with_an_ellipsis_and_wrap_in_the_title():
    frame = room_frames(10)["dots"]
    fig = charts.dot_tally_chart(frame, "B" * 300)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    long = next(label for label in labels if label.startswith("AAAA"))
    assert long.endswith("…") and all(len(line) <= 34 for line in long.split("\n")) and len(long) < 120
    assert all(len(line) <= 46 for line in fig.axes[0].get_title(loc="left").split("\n"))
    plt.close("all")


def test_impact_effort_labels_never_overlap():
    """Fourteen candidates on three medians: every label sits where no other label is, inside the axes."""
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.text import Annotation, Text

    texts = ROOM_TEXTS + [
        "Kill the fax machine",
        "Print fewer reports",
        "Night shift runbook",
        "Single sign-on everywhere",
    ]
    items = [Item(f"i{k}", t) for k, t in enumerate(texts)]
    ie = [
        R(p, f"i{k}", (3, 4)[(p + k) % 2] if c == "impact" else (2, 3)[(p * k) % 2], c)
        for p in range(3)
        for k in range(len(items))
        for c in ("impact", "effort")
    ]
    fig = charts.impact_effort_chart(analysis.impact_effort(ie, items))
    ax = fig.axes[0]
    renderer = RendererAgg(int(fig.bbox.width), int(fig.bbox.height), fig.dpi)
    labels = [a for a in ax.texts if isinstance(a, Annotation)]
    for a in labels:
        a.update_positions(renderer)
    boxes = [Text.get_window_extent(a, renderer) for a in labels]  # the text, not its leader line
    assert len(boxes) == len(items)
    frame = ax.get_window_extent(renderer)
    for i, a in enumerate(boxes):
        assert frame.x0 - 1 <= a.x0 and a.x1 <= frame.x1 + 1 and frame.y0 - 1 <= a.y0 and a.y1 <= frame.y1 + 1
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), "two labels overlap"
    assert charts.to_png(fig).startswith(PNG)


EMOJI = ["Coffee ☕ breaks", "Party 🎉 time", "Thumbs 👍 up", "Rocket 🚀 launch"]


def _render_recording(fig) -> list[str]:
    """Draw the figure as png_bytes does (in the charts' style), recording every warning."""
    import io
    import warnings

    from csikit import figures

    with warnings.catch_warnings(record=True) as seen, figures.styled(fig.size):
        warnings.simplefilter("always")
        fig.savefig(io.BytesIO(), format="png", dpi=40)
    return [str(w.message) for w in seen]


def test_emoji_are_drawn_by_the_fallback_font_without_missing_glyphs():
    from csikit import figures

    if not figures.fallback_fonts():
        pytest.skip("no monochrome emoji font installed (Debian: fonts-symbola; scripts/test installs it)")
    items = [Item(f"e{k}", t) for k, t in enumerate(EMOJI)]
    fig = charts.dot_tally_chart(analysis.tally_dots([R(1, "e0", 2), R(2, "e1", 1)], items, n_boot=20), "Vote 🎉")
    labels = "\n".join(t.get_text() for t in fig.axes[0].get_yticklabels())
    assert all(t in labels for t in EMOJI)  # drawn as typed
    assert "Symbola" in figures.font_family() and not matplotlib_global_font_changed()
    assert not [w for w in _render_recording(fig) if "missing from font" in w]


def matplotlib_global_font_changed() -> bool:
    import matplotlib

    return "Symbola" in str(matplotlib.rcParams["font.family"])


def test_without_an_emoji_font_the_emoji_are_left_out_not_boxes(monkeypatch):
    from csikit import figure_text, figures

    monkeypatch.setattr(figure_text, "fallback_fonts", lambda: ())
    figure_text._coverage.cache_clear()
    try:
        assert figures.drawable("Coffee ☕ breaks") == "Coffee breaks"
        assert figures.drawable("🎉🎉") == "(emoji)" and figures.drawable("Ünïcødé façade") == "Ünïcødé façade"
        items = [Item(f"e{k}", t) for k, t in enumerate(EMOJI)]
        fig = charts.dot_tally_chart(analysis.tally_dots([R(1, "e0", 2)], items, n_boot=20), "Vote 🎉")
        labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
        assert "Coffee breaks" in labels and "Party time" in labels
        assert not [w for w in _render_recording(fig) if "missing from font" in w]
    finally:
        figure_text._coverage.cache_clear()
