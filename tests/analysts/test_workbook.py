"""The analysts' data API (csikit.open_workshop) and the step worksheets' controls, on a
rehearsed copy of the demo in tmp_path (never the repo's workshops/demo)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from repo_paths import DEMO

import csikit
from csikit.errors import CsiError
from csikit.simulate import simulate
from csikit.workbook import WorkshopData, open_workshop


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, str]:
    tmp = tmp_path_factory.mktemp("workbook")
    folder = tmp / "demo"
    shutil.copytree(DEMO, folder, ignore=shutil.ignore_patterns("*.sqlite*", "lab"))
    url = f"sqlite:///{tmp}/store.sqlite"
    with open_workshop(folder, url, create=True) as w:
        simulate(w.store, w.code, 5, seed=0, walk=True)
    return folder, url


@pytest.fixture
def w(demo):
    with open_workshop(*demo) as data:
        yield data


def test_open_workshop_is_exported_and_lazy():
    assert "open_workshop" in csikit.__all__
    assert csikit.open_workshop is open_workshop


def test_open_workshop_reads_store_from_environment_and_says_what_is_missing(demo, monkeypatch, tmp_path):
    folder, url = demo
    monkeypatch.setenv("CSIKIT_STORE", url)
    with open_workshop(folder) as data:
        assert isinstance(data, WorkshopData) and data.store.shown.endswith("store.sqlite")
        assert data.activities()["answers"].sum() > 0  # the rehearsed store, not a new one beside the file
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CsiError, match="no such workshop"):
        open_workshop("workshops/nope")


def test_activities_list_the_agenda_with_states_and_answers(w):
    frame = w.activities()
    assert list(frame["activity"]) == [a.id for a in w.workshop.agenda]
    assert set(frame["state"]) == {"revealed"}
    assert (frame["participants"] == 5).all()


def test_responses_are_one_row_per_answer(w):
    frame = w.responses("s2-maturity")
    assert list(frame.columns) == ["participant", "item", "text", "criterion", "value", "comment"]
    assert len(frame) == 5 * len(w.workshop.practices)  # five assessors, every practice
    assert set(frame["criterion"]) == {"current"} and frame["value"].between(0, 5).all()
    raw = w.store.responses(w.code, "s2-maturity")
    assert sorted(frame["value"]) == sorted(r.value for r in raw)


def test_ideas_kept_and_as_typed(w):
    kept, typed = w.ideas("s1-problems"), w.ideas("s1-problems", merged=True)
    assert list(kept.columns) == ["idea", "text", "duplicates"]
    assert list(typed.columns) == ["idea", "participant", "text", "merged_into"]
    assert len(typed) == len(w.store.ideas(w.code, "s1-problems")) >= len(kept) > 0


def test_wrong_activity_kind_or_id_says_what_to_call(w):
    with pytest.raises(CsiError, match=r"w.ideas\('s1-problems'\)"):
        w.responses("s1-problems")
    with pytest.raises(CsiError, match=r"w.responses\('s1-top'\)"):
        w.ideas("s1-top")
    with pytest.raises(CsiError, match="s1-problems, s1-impact"):
        w.responses("nope")


def test_register_measurements_and_kpi_progress_by_quarter(w):
    register = w.register()
    assert len(register) == len(w.store.initiatives(w.code)) and {"id", "title", "state", "kpi"} <= set(register)
    everything = w.measurements()
    early = w.measurements("2026Q1")
    assert len(early) < len(everything) and (early["date"] <= pd.Timestamp("2026-03-31")).all()
    assert set(early["quarter"]) <= {"2025Q4", "2026Q1"}
    latest = w.kpi_progress("2026Q1", latest=True)
    assert latest["kpi"].is_unique and (latest["quarter"] <= "2026Q1").all()
    assert len(w.kpi_progress()) == len(everything)
    with pytest.raises(CsiError, match="YYYYQn"):
        w.kpi_progress("spring")


def test_maturity_events_and_quarters(w):
    gaps = w.maturity()
    assert set(gaps["practice"]) == {p.id for p in w.workshop.practices}
    assert (gaps["gap"] == gaps["target"] - gaps["current"]).all()
    ratings = w.maturity_ratings()
    assert set(ratings["phase"]) == {"current", "target"}
    events = w.events()
    assert {"opened", "locked", "revealed"} <= set(events["action"])
    this = events["quarter"].iloc[-1]
    assert len(w.events(this)) == (events["quarter"] == this).sum()
    assert w.quarters()[0] == "2025Q4" and this in w.quarters()


def test_exhibits_and_charts_are_the_apps_pictures(w):
    from matplotlib.figure import Figure

    titles = [ex.title for ex in w.exhibits(5)]
    assert titles[:3] == ["Will we hit each KPI target on time?", "KPI progress toward target", "KPI trends"]
    # as of 2026Q2 the rating voted today had not happened: only the readings and the register of then
    assert [ex.title for ex in w.exhibits(5, "2026Q2")] == [
        "KPI progress toward target",
        "KPI trends",
        "Initiatives: RAG status",
    ]
    assert isinstance(w.chart(5, "kpi trends"), Figure)
    assert isinstance(w.chart(1, "s1-top"), Figure)  # an activity id names its chart
    assert w.chart(3)._repr_png_()[:4] == b"\x89PNG"
    with pytest.raises(CsiError, match="its charts: How much"):
        w.chart(1, "nothing like this")
    with pytest.raises(CsiError, match="from 1"):
        w.exhibits(9)


# --- the worksheets' controls -----------------------------------------------------------------


def pngs(sheet) -> list[str]:
    return [o["data"]["image/png"] for o in sheet.out.outputs if "image/png" in o["data"]]


def test_changing_the_quarter_redraws_the_charts_in_place(w):
    from csikit.worksheets import StepWorksheet

    sheet = StepWorksheet(w, 5)
    today, drawn = pngs(sheet), sheet.redraws
    assert len(today) == 3 and sheet.quarter in sheet.children[0].children  # step 5 offers the quarter
    sheet.quarter.value = "2025Q4"
    assert sheet.redraws == drawn + 1
    # the KPI-confidence rating voted today is not in 2025Q4: its chart goes, the KPI charts redraw
    assert len(pngs(sheet)) == 2 and not set(pngs(sheet)) & set(today)
    sheet.view.value = "Table"
    assert pngs(sheet) == [] and any("text/html" in o["data"] for o in sheet.out.outputs)
    sheet.view.value = "Chart"
    tables = sum("<table" in o["data"].get("text/html", "") for o in sheet.out.outputs)
    assert len(pngs(sheet)) == 2 and tables == sum(ex.figure is None for ex in sheet.exhibits) == 1  # RAG: a table only


def test_activity_and_focus_narrow_the_view(w):
    from csikit.worksheets import StepWorksheet

    sheet = StepWorksheet(w, 2)
    assert sheet.quarter in sheet.children[0].children  # every step's answers are read as of the quarter
    sheet.focus.value = "practice:incident"
    titles = [ex.title for ex in sheet.exhibits]
    assert titles[:2] == [
        "How mature is each practice today? (current) — Incident management",
        "Maturity gap: today → target — Incident management",
    ]
    assert all(len(ex.frame) == 1 for ex in sheet.exhibits[:2])
    sheet.activity.value = "s2-maturity"
    assert [ex.title for ex in sheet.exhibits] == ["How mature is each practice today? (current) — Incident management"]

    check = StepWorksheet(w, 5)
    check.focus.value = "kpi:fcr"
    shown = {ex.title: ex for ex in check.exhibits}
    assert "KPI trend — First contact resolution" in shown
    assert set(shown["KPI progress toward target — First contact resolution"].frame["kpi"]) == {"fcr"}


def test_a_failure_shows_in_the_status_line_not_a_traceback(w, monkeypatch):
    from csikit.worksheets import StepWorksheet

    sheet = StepWorksheet(w, 5)
    monkeypatch.setattr(sheet, "select", lambda: (_ for _ in ()).throw(CsiError("the store went away")))
    sheet.quarter.value = "2026Q1"
    assert "the store went away" in sheet.status.value and sheet.out.outputs == ()


def test_controls_only_where_a_front_end_draws_widgets(monkeypatch):
    from csikit import worksheets

    for var in ("VOILA_KERNEL_ID", "JPY_SESSION_NAME", worksheets.CONTROLS_ENV):
        monkeypatch.delenv(var, raising=False)
    assert not worksheets.widgets_front_end()  # papermill, nbval: static exhibits
    monkeypatch.setenv("JPY_SESSION_NAME", "/x/step1_vision.ipynb")
    assert not worksheets.widgets_front_end()  # not inside a kernel (a plain Python process)
    monkeypatch.setenv(worksheets.CONTROLS_ENV, "1")
    assert worksheets.widgets_front_end()
    monkeypatch.setenv(worksheets.CONTROLS_ENV, "0")
    assert not worksheets.widgets_front_end()


def test_the_facilitator_app_runs_in_a_notebook_cell_against_the_same_store(w):
    from csikit.widgets.facilitator import FacilitatorApp

    app = w.facilitator_app("http://room:8866/?code=" + w.code)
    try:
        assert isinstance(app, FacilitatorApp)
        assert app.code == w.code and app.join_url.endswith(w.code)
        assert app.store.url_for_kernels == w.store.url_for_kernels
    finally:
        app.close()


def _words(fig) -> str:
    return " ".join(t.get_text() for ax in fig.axes for t in ax.texts)


def test_a_chart_before_any_answer_says_what_will_appear(tmp_path):
    """The demo as cloned: nothing answered yet. A chart the step will show is a figure that says
    so (the example notebook runs on a fresh clone), an unknown one still raises."""
    from matplotlib.figure import Figure

    folder = tmp_path / "demo"
    shutil.copytree(DEMO, folder, ignore=shutil.ignore_patterns("*.sqlite*", "lab"))
    with open_workshop(folder, f"sqlite:///{tmp_path}/empty.sqlite", create=True) as fresh:
        gap = fresh.chart(3, "Maturity gap")
        assert isinstance(gap, Figure) and "Maturity gap: today → target — nothing yet." in _words(gap)
        assert "once the maturity assessments have answers" in _words(gap)
        vote = fresh.chart(1, "s1-top")
        assert "Which problems should we solve first? — nothing yet." in _words(vote)
        with pytest.raises(CsiError, match="has no chart matching 'nothing like this'"):
            fresh.chart(1, "nothing like this")


def test_every_chart_promised_before_the_workshop_is_drawn_after_it(w):
    for step in range(1, 7):
        drawn = [ex.title.lower() for ex in w.exhibits(step) if ex.figure is not None]
        for title, _ in w._charts_to_come(csikit.Step(step)):
            assert any(title.lower() in d for d in drawn), (step, title, drawn)
            assert "nothing yet" not in _words(w.chart(step, title))


def test_a_past_quarter_worksheet_shows_no_activity_run_later(w):
    from csikit.worksheets import StepWorksheet

    sheet = StepWorksheet(w, 5, quarter="2026Q2")  # the rehearsal happened today
    assert "s5-confidence" not in {ex.title for ex in sheet.exhibits}
    sheet.activity.value = "s5-confidence"
    [ex] = sheet.exhibits
    assert ex.note == "This activity had not been locked or revealed by the end of 2026Q2."
    sheet.quarter.value = ""  # today: the votes
    assert any(ex.figure is not None for ex in sheet.exhibits)


def test_dates_in_the_api_frames_are_datetime64(demo):
    """Analysts filter and resample dates: the frames carry datetime64, not datetime.date objects."""
    import pandas as pd

    with open_workshop(*demo) as w:
        frames = {
            "register": w.register(),
            "measurements": w.measurements(),
            "kpi_progress": w.kpi_progress(),
            "events": w.events(),
        }
        for name, frame in frames.items():
            for column in frame.columns:
                if column in ("date", "at") or column.endswith(("_date", "_start", "_end")):
                    assert pd.api.types.is_datetime64_any_dtype(frame[column]), (name, column, frame[column].dtype)
        assert len(frames["measurements"]) and frames["measurements"]["date"].dt.year.min() >= 2025
        assert w.measurements("2026Q2")["date"].max() <= pd.Timestamp("2026-06-30")
