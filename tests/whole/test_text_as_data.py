"""Text a person typed is data, everywhere: names, ideas, objections and initiative titles
go through every chart, live results table, step exhibit, review section and export
without an exception, and show as typed.

Property-based (hypothesis): arbitrary Unicode with dollars, backslashes, braces,
percent signs, underscores, carets, ``<`` and ``&``, newlines, right-to-left text,
emoji and 2,000-character words. Per medium: HTML escaped (``html.escape``), charts
never mathtext (every text artist ``parse_math=False``, and the text of the artist is
what was typed, or its wrapped form), the figure renders to PNG, XLSX cells are
values never formulas, CSV cells as typed but never a formula (a leading ').
"""

from __future__ import annotations

import csv
import html
import shutil
import tempfile
from datetime import date
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from matplotlib.text import Text
from repo_paths import DEMO

from csikit import analysis, charts, export, export_xlsx, figures
from csikit.display import frame_html, text_html
from csikit.exhibits import step_exhibits
from csikit.model import ActivityKind, Initiative, Item, Response, Step
from csikit.quarters import quarter_of
from csikit.review import load_review, sections
from csikit.simulate import Simulation
from csikit.store import Store
from csikit.widgets.live_results import LiveResults
from csikit.workshop_file import load_workshop

PNG = b"\x89PNG\r\n\x1a\n"

NASTY = [
    r"$\alert{3}$ and $x^2$",
    "Paid $50 for #1 and $20 for #2",
    r"\begin{equation} 100% of {braces} \end{equation}",
    "snake_case ^caret^ ~tilde~ 50%% off",
    "<script>alert(1)</script> & <b>bold</b> &amp;",
    "line one\nline two\r\nline three",
    "مرحبا بالعالم — שלום עולם",
    "🎉 emoji 👩‍💻 party",
    '=HYPERLINK("http://x","click")',
    "+1 -1 @SUM(A1)",
    "$" * 7,
    "\\" * 5 + "$",
    "a" * 2000,
]

_pieces = st.one_of(
    st.sampled_from(NASTY),
    st.text(min_size=1, max_size=40),
    st.text(alphabet="$\\{}%_^<&>#~\n 'ab\"", min_size=1, max_size=30),
)
#: Participant text: a few pieces of anything, some of them nasty.
TEXT = st.lists(_pieces, min_size=1, max_size=3).map(" ".join)

SETTINGS = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)


def squeezed(text: str) -> str:
    """Text without its whitespace (wrapping moves it) or a final "…" (a cut)."""
    return "".join(str(text).split()).removesuffix("…")


def shown_as_typed(fig, typed: str) -> None:
    """Some text artist shows ``typed`` (or its wrapped, possibly cut, form); none parses math."""
    texts = list(fig.findobj(Text))
    assert all(not t.get_parse_math() for t in texts), "a text artist would parse mathtext"
    want = squeezed(figures.drawable(typed))  # emoji no font here draws are left out (tables keep them)
    if not want:
        return
    matches = [
        t
        for t in texts
        if squeezed(t.get_text())
        and want.startswith(squeezed(t.get_text()))
        and len(squeezed(t.get_text())) >= min(len(want), 20)
    ]
    assert matches, f"{typed!r} is not shown; texts: {[t.get_text() for t in texts][:20]}"


def rendered(fig) -> bytes:
    png = charts.to_png(fig, dpi=30)
    assert png.startswith(PNG)
    return png


# --- charts, straight from analysis frames ------------------------------------------------------


def chart_figures(text: str) -> list:
    """Every chart that shows a participant's text, drawn from frames holding it."""
    short = text[:500]  # an item's text is at most 500 characters (titles and notes are not)
    items = [Item("a", short), Item("b", short), Item("c", "other")]  # equal texts stay apart
    dots = [Response("x", 1, "a", "", 2), Response("x", 2, "b", "", 1), Response("x", 3, "a", "", 1)]
    ratings = [Response("x", p, i, "", v) for p in range(3) for i, v in zip("abc", (1, 4, 5), strict=True)]
    ie = [
        Response("x", p, i, c, 1 if c == "effort" else 5) for p in range(2) for i in "ab" for c in ("impact", "effort")
    ]
    fist = [Response("x", 1, "a", "", 0, text), Response("x", 2, "b", "", 5)]
    register = pd.DataFrame(
        {
            "id": ["I1"],
            "title": [text],
            "state": ["new"],
            "planned_start": [date(2026, 1, 1)],
            "planned_end": [date(2026, 6, 30)],
        }
    )
    impact = [Response("x", 1, i, "o1", 3) for i in "ab"]
    return [
        charts.dot_tally_chart(analysis.tally_dots(dots, items, n_boot=50), text),
        charts.ordinal_chart(analysis.ordinal_summary(ratings, items), text, (text, "2", "3", "4", text)),
        charts.consent_chart(analysis.distribution(fist, items, range(6)), text),
        charts.borda_chart(analysis.borda(ratings, items), text),
        charts.heatmap_chart(analysis.ordinal_summary(impact, items, ["o1"]), text, 1, 5, columns={"o1": text}),
        charts.gap_chart(
            analysis.maturity_gaps([Response("x", 1, "a", "current", 2)], [Response("x", 1, "a", "target", 4)], items)
        ),
        charts.impact_effort_chart(analysis.impact_effort(ie, items)),
        charts.roadmap_chart(register, today=date(2026, 3, 1), today_label=text),
        charts.board_chart([text, text], text),
        charts.empty_chart(text),
    ]


@SETTINGS
@given(text=TEXT)
@example(text=NASTY[0])
@example(text=NASTY[1])
@example(text="a" * 2000)
def test_every_chart_draws_participant_text_as_typed(text):
    text = text if text[:500].strip() else f"x{text}"
    for fig in chart_figures(text):
        shown_as_typed(fig, text)
        rendered(fig)
        assert all(not t.get_parse_math() for t in fig.findobj(Text))  # tick labels made while drawing too
    assert plt.get_fignums() == []


def test_a_formula_is_drawn_as_its_characters():
    typed = r"$\alert{3}$ and $x^2$"
    fig = charts.dot_tally_chart(analysis.tally_dots([Response("x", 1, "a", "", 1)], [Item("a", typed)], n_boot=10))
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == [typed]
    rendered(fig)


# --- through the store: exhibits, live results, review, export --------------------------------


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("text") / "demo"
    shutil.copytree(DEMO, folder, ignore=shutil.ignore_patterns("*.sqlite*"))
    return folder


def held_workshop(folder: Path, url: str, text: str) -> tuple[Store, str, int]:
    """The demo held with a participant who typed ``text`` as name, ideas and objections,
    and an initiative titled ``text``; three simulated people answer too."""
    store = Store(url)
    ws = load_workshop(folder)
    store.sync_workshop(ws)
    code = ws.code
    me = store.join(code, text[:60])
    sim = Simulation(store, code, seed=1)
    sim.join(3)
    for a in ws.agenda:
        status = store.open_activity(code, a.id)
        if a.kind is ActivityKind.IDEAS:
            store.add_idea(code, me.id, a.id, text[:500])
        elif a.kind is ActivityKind.FIST_OF_FIVE and status.items:
            store.respond(
                code, me.id, a.id, {(i.id, ""): 0 for i in status.items}, {i.id: text[:1000] for i in status.items}
            )
        sim.fill(status)
        store.lock_activity(code, a.id)
        store.reveal_activity(code, a.id)
    store.save_initiative(
        code,
        Initiative(
            "CSI-900", text[:200], owner=text[:60], planned_start=date(2026, 1, 1), planned_end=date(2026, 12, 31)
        ),
    )
    return store, code, me.id


def typed_text(draw_text: str) -> str:
    """What the store keeps of it (it strips, and refuses NUL and empty ideas)."""
    text = draw_text.replace("\x00", "").strip()
    return text or "x"


@settings(
    max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(text=TEXT)
@example(text="Paid $50 for #1 and $20 for #2 <b>&amp;</b>")
def test_participant_text_through_exhibits_results_review_and_export(text, demo_folder):
    text = typed_text(text)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/store.sqlite"
        store, code, me = held_workshop(demo_folder, url, text)
        try:
            ws = store.workshop(code)
            [idea] = [
                i.text for i in store.ideas(code, ws.agenda[0].id) if i.participant == me
            ]  # as the store keeps it
            # every step exhibit: no error, charts render, tables escape
            seen_in_tables = False
            for step in Step:
                for ex in step_exhibits(store, code, step):
                    assert not ex.error, f"{ex.title}: {ex.error}"
                    if ex.figure is not None:
                        assert all(not t.get_parse_math() for t in ex.figure.findobj(Text))
                        rendered(ex.figure)
                    if ex.frame is not None:
                        page = frame_html(ex.frame)
                        seen_in_tables |= text_html(idea) in page
                        assert "<script>" not in page
            assert seen_in_tables, "the idea is in no exhibit table"
            # the facilitator's live results of an activity of each kind
            live = LiveResults(store, ws)
            for a in {a.kind: a for a in reversed(ws.agenda)}.values():
                live.update(store.status(code, a.id))
                live.flush(force=True)
                assert live.problem.layout.display == "none", f"{a.id}: {live.problem.value}"
                if a.kind is ActivityKind.IDEAS:
                    assert html.escape(idea, quote=True) in live.table.value
                if a.kind is ActivityKind.FIST_OF_FIVE and store.status(code, a.id).items:
                    assert html.escape(text[:1000], quote=True) in live.table.value
            live.close()
            # every review section of the quarter the workshop was held in
            data = load_review(str(demo_folder), quarter_of(date.today()), url)
            shown = [fn(data) for fn in sections.ALL_SECTIONS]
            pages = "\n".join(s.to_html() for s in shown)
            assert html.escape(idea) in pages
            assert "<script>alert(1)</script>" not in pages
            # the export: the idea comes back as typed from CSV and XLSX, never as a formula
            out = Path(tmp) / "export"
            export.export_tables(store, code, out, "csv")
            with open(out / "ideas.csv", newline="", encoding="utf-8-sig") as fh:
                texts = [row["Idea"] for row in csv.DictReader(fh)]
            assert export.csv_safe(idea) in texts and not any(t.startswith(("=", "+", "-", "@")) for t in texts)
            assert idea in [export.from_csv(t) for t in texts]  # nothing else changed
            [xlsx] = export.export_tables(store, code, out, "xlsx")
            from openpyxl import load_workbook

            sheet = load_workbook(xlsx)["Ideas"]
            column = [c.value for c in sheet[1]].index("Idea") + 1
            cells = [c for row in sheet.iter_rows(min_row=2) for c in row if c.column == column]
            assert all(c.data_type != "f" for c in cells)
            assert export_xlsx.xlsx_safe(idea) in [c.value for c in cells]
        finally:
            store.close()
    assert plt.get_fignums() == []
