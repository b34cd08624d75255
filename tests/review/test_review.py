"""The quarterly review: report sections, `csikit review`, `csikit measure`.

Every store lives in tmp_path on a copy of the demo (the repo's own
workshops/demo/csikit.sqlite is never touched). Tests marked `slow` run papermill.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from datetime import date
from pathlib import Path

import nbformat
import pytest
from conftest import copy_demo, invoke
from repo_paths import NOTEBOOKS_FIXTURES, REPO

from csikit.errors import CsiError
from csikit.model import InitiativeState
from csikit.quarters import quarter_end, quarter_of, quarters_with_data, resolve_quarter
from csikit.review import (
    ReviewError,
    load_review,
    quarters_in_store,
    run_review,
    section_of,
    sections,
)
from csikit.review.display import MIME
from csikit.simulate import Simulation, simulate
from csikit.store import Store
from csikit.workshop_file import load_workshop

TEMPLATE = REPO / "notebooks" / "quarterly_review.ipynb"
DEMO_QUARTERS = ["2025Q4", "2026Q1", "2026Q2", "2026Q3"]


@pytest.fixture
def demo(tmp_path) -> tuple[Path, str]:
    """A demo copy and the URL of its own fresh store."""
    return copy_demo(tmp_path / "demo"), f"sqlite:///{tmp_path}/store.sqlite"


def section_data(nb, key: str) -> dict:
    """The JSON a section cell of an executed review published."""
    for cell in nb.cells:
        if f"section:{key}" in cell.metadata.get("tags", []):
            for out in cell.get("outputs", []):
                if MIME in out.get("data", {}):
                    return out["data"][MIME]
    raise AssertionError(f"no data for section {key}")


def latest_by_kpi(measurements, day: date) -> dict[str, float]:
    out = {}
    for m in sorted(measurements, key=lambda m: m.date):
        if m.date <= day:
            out[m.kpi] = m.value
    return out


# --- quarters ---------------------------------------------------------------------------------


def test_default_quarter_is_latest_with_measurements(demo):
    path, url = demo
    data = load_review(str(path), "", url)
    assert data.quarter == "2026Q3"
    assert quarters_with_data(data.measurements) == DEMO_QUARTERS
    assert resolve_quarter("2026 q1", data.measurements) == "2026Q1"


@pytest.mark.parametrize("bad", ["2026Q5", "Q3 2026", "2026-09", "next"])
def test_bad_quarter_string_says_how_to_write_it(bad):
    with pytest.raises(CsiError, match="write it as YYYYQn"):
        resolve_quarter(bad, [])


def test_quarter_without_data_lists_quarters_with_data(demo):
    path, url = demo
    with pytest.raises(CsiError, match=r"2024Q1 has no KPI measurements .*2025Q4, 2026Q1, 2026Q2, 2026Q3"):
        load_review(str(path), "2024Q1", url)


# --- sections (pure, no papermill) -------------------------------------------------------------


def test_kpi_table_against_store(demo):
    path, url = demo
    data = load_review(str(path), "2026Q2", url)
    table = sections.kpi_table(data).set_index("kpi")
    ws = load_workshop(path)
    now, before = (
        latest_by_kpi(data.measurements, date(2026, 6, 30)),
        latest_by_kpi(data.measurements, date(2026, 3, 31)),
    )
    for k in ws.kpis:
        row = table.loc[k.id]
        assert row["actual"] == now[k.id]
        assert row["previous"] == before[k.id]
        assert row["progress"] == pytest.approx(
            100 * (now[k.id] - k.baseline.value) / (k.target.value - k.baseline.value)
        )
    assert table.loc["problem_backlog", "status"] == "worse than baseline"
    assert table.loc["problem_backlog", "trend"] == "worse"
    assert table.loc["fcr", "trend"] == "better"


def test_first_quarter_compares_with_baseline(demo):
    path, url = demo
    table = sections.kpi_table(load_review(str(path), "2025Q4", url)).set_index("kpi")
    assert set(table["previous_from"]) == {"baseline"}
    assert table.loc["fcr", "previous"] == 58.0


def test_headline_names_what_got_worse(demo):
    path, url = demo
    head = sections.headline(load_review(str(path), "2026Q3", url))
    text = " ".join(head.summary)
    assert "7 of 9 KPIs measured in 2026Q3 improved since 2026Q2" in text
    assert "Open problems older than 90 days (61 → 66 problems)" in text
    facts = head.data()["tables"]["facts"][0]
    assert facts["kpis_improved"] == 7 and facts["kpis_worse"] == 2


def test_register_as_of_an_earlier_quarter_is_inferred_from_dates(demo):
    path, url = demo
    data = load_review(str(path), "2025Q4", url)
    then = {i.id: i for i in sections.initiatives_as_of(data.initiatives, data.measurements, date(2025, 12, 31))}
    assert then["CSI-001"].state is InitiativeState.IN_PROGRESS and then["CSI-001"].closure_code is None
    assert then["CSI-004"].state is InitiativeState.APPROVED  # started 2026-02-02
    assert then["CSI-001"].latest.value == 60.1  # fcr as of 2025Q4
    rag = sections.rag_table(data).set_index("id")
    assert rag.loc["CSI-007", "state"] == "in_progress"  # closed in 2026, still running then
    assert rag.loc["CSI-007", "rag"] == "amber"  # 75% of its time gone, its KPI 17% of the way


def test_overdue_initiatives_with_owners(demo):
    path, url = demo
    data = load_review(str(path), "2026Q3", url)
    frame = sections.initiative_section(data).tables["overdue"].frame
    expected = {
        i.id
        for i in sections.initiatives_as_of(data.initiatives, data.measurements, data.end)
        if i.planned_end
        and i.planned_end < data.end
        and i.actual_end is None
        and i.state not in (InitiativeState.CLOSED, InitiativeState.CANCELLED)
    }
    assert set(frame["id"]) == expected and "CSI-004" in expected
    assert frame.set_index("id").loc["CSI-004", "owner"] == "Marta Kowalski"


@pytest.fixture
def walked(demo):
    """The demo after a rehearsed workshop: every activity opened, answered, locked, revealed."""
    path, url = demo
    store = Store(url)
    ws = load_workshop(path)
    store.sync_workshop(ws)
    store.open_activity(ws.code, "s6-wins")
    # three people name it, so it is among the ideas most named whatever the rehearsal writes
    for name in ("Mallory", "Mal", "Lory"):
        p = store.join(ws.code, name)
        store.add_idea(ws.code, p.id, "s6-wins", "<img src=x onerror=alert(1)> went live")
    simulate(store, ws.code, 6, seed=1, walk=True)
    store.close()
    return path, url, quarter_of(date.today())


def test_decisions_audit_and_momentum_of_a_workshop_quarter(walked):
    path, url, quarter = walked
    data = load_review(str(path), quarter, url)
    decisions = sections.decisions_section(data)
    frame = decisions.tables["decisions"].frame
    assert len(frame) == len(load_workshop(path).agenda)
    assert set(frame["joined"]) == {9}  # six rehearsed people and the three above
    dots = [r for r in decisions.data()["tables"]["results"] if r["activity"] == "s3-vote"]
    assert len(dots) == 3 and all(r["low"] <= r["value"] <= r["high"] for r in dots)
    audit = sections.audit_section(data)
    assert len(audit.tables["events"].frame) == len([e for e in data.events if data.within(e.at.date())])
    momentum = sections.momentum_section(data)
    html = momentum.to_html()
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt; went live" in html
    assert "s6-carry" in momentum.tables
    # under each dot vote's, rating's and ranking's results: the fair-order check in one line
    rows = frame.set_index("activity")
    fair = {"s3-vote", "s3-impact-effort", "s3-rank", "s1-impact", "s1-top", "s5-confidence", "s6-carry"}
    for key, row in rows.iterrows():
        if key in fair:
            assert row["order_check"].startswith("Fair order: ") and row["results"][-1] == row["order_check"], key
        else:
            assert row["order_check"] == "" and not any("Fair order" in line for line in row["results"]), key


def test_the_review_says_when_the_order_swayed_a_vote(demo):
    path, url = demo
    store = Store(url)
    ws = load_workshop(path)
    store.sync_workshop(ws)
    sim = Simulation(store, ws.code, seed=2, order_bias=0.8)  # a room that favours what it sees first
    sim.join(30)
    for key in ("s3-vote", "s6-changed"):  # a dot vote (fair order) and a poll (none)
        assert sim.fill(store.open_activity(ws.code, key)) == (30, 0)
        store.lock_activity(ws.code, key)
    store.close()
    section = sections.decisions_section(load_review(str(path), quarter_of(date.today()), url))
    rows = section.tables["decisions"].frame.set_index("activity")
    assert rows.loc["s3-vote", "order_check"].startswith("Fair order: Items shown first got higher scores (ρ = −")
    assert rows.loc["s6-changed", "order_check"] == ""
    assert "Fair order: Items shown first got higher scores" in section.to_html()


def test_default_quarter_is_the_last_finished_one_and_current_reaches_the_workshop_just_held(walked):
    # the demo's measurements end in 2026Q3; the walked workshop happened today
    path, url, today = walked
    assert load_review(str(path), "", url).quarter == "2026Q3"  # a leadership pack: the last finished quarter
    data = load_review(str(path), "current", url)
    assert data.quarter == today and data.in_progress and data.label.startswith(f"{today}, in progress, as of ")
    decisions = sections.decisions_section(data)
    assert not any("No workshop activity was locked or revealed" in s for s in decisions.summary)
    assert len(decisions.tables["decisions"].frame) == len(load_workshop(path).agenda)
    store = Store(url)
    ws = load_workshop(path)
    assert quarters_in_store(store, ws.code) == sorted(set(DEMO_QUARTERS) | {today})
    store.close()


def test_default_quarter_without_measurements_is_the_workshop_quarter(tmp_path):
    folder = tmp_path / "empty"
    invoke("new", "empty", "--dir", str(tmp_path))
    store = Store(f"sqlite:///{tmp_path}/s.sqlite")
    ws = load_workshop(folder)
    store.sync_workshop(ws)
    simulate(store, ws.code, 3, seed=0, walk=True)
    assert resolve_quarter("", store.measurements(ws.code), store.events(ws.code)) == quarter_of(date.today())
    store.close()


def test_same_data_same_numbers(walked):
    path, url, quarter = walked
    a = load_review(str(path), quarter, url)
    b = load_review(str(path), quarter, url)
    for fn in (sections.headline, sections.kpi_section, sections.decisions_section, sections.next_quarter):
        assert fn(a).data() == fn(b).data()


# --- csikit measure -----------------------------------------------------------------------------


def test_measure_adds_rows(demo, tmp_path):
    path, url = demo
    csv = tmp_path / "kpis.csv"
    csv.write_text("kpi,quarter,value,source\nfcr,2026Q4,72.5,ServiceNow\ncsat,2026Q4,4.0,\n", encoding="utf-8")
    result = invoke("measure", str(path), "--file", str(csv), "--store", url)
    assert result.exit_code == 0, result.output
    assert "Added 2 measurements, replaced 0: 2 KPIs, 2026Q4" in result.output
    store = Store(url)
    assert any(
        m.kpi == "fcr" and m.date == quarter_end("2026Q4") and m.value == 72.5 for m in store.measurements("DESK26")
    )


def test_measure_reports_bad_rows_and_writes_nothing(demo, tmp_path):
    path, url = demo
    invoke("check", str(path))
    csv = tmp_path / "kpis.csv"
    csv.write_text(
        "kpi,date,value\nfcr,2026-12-31,70\nfrc,2026-12-31,71\ncsat,31/12/2026,4.1\ncsat,2026-12-31,lots\n",
        encoding="utf-8",
    )
    result = invoke("measure", str(path), "--file", str(csv), "--store", url)
    assert result.exit_code == 1
    assert "kpis.csv:3: kpi: 'frc' is not a KPI of this workshop" in result.output
    assert "kpis.csv:4: date: '31/12/2026' is not a date" in result.output
    assert "kpis.csv:5: value: 'lots' is not a number" in result.output
    assert not Path(url.removeprefix("sqlite:///")).exists()  # validated before the store was opened


# --- csikit review: errors before any notebook runs --------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--quarter", "2026-3"], "'2026-3' is not a quarter; write it as YYYYQn, e.g. 2026Q3"),
        (["--quarter", "2031Q1"], "2031Q1 has no KPI measurements and no workshop activity to review"),
        (["--quarter", "2026Q3", "--all"], "Give either --quarter or --all, not both."),
    ],
)
def test_review_errors_are_one_clear_message(demo, tmp_path, args, message):
    path, url = demo
    Store(url).sync_workshop(load_workshop(path))  # the workshop's store exists (review never creates one)
    result = invoke("review", str(path), "--store", url, "--out", str(tmp_path / "out"), *args)
    assert result.exit_code == 1
    assert message in result.output
    assert not (tmp_path / "out").exists()


def test_review_of_an_unknown_workshop(tmp_path):
    result = invoke("review", str(tmp_path / "nope"), "--out", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert "no such workshop file; create one with: csikit new NAME" in result.output


def test_review_without_measurements(tmp_path):
    folder = tmp_path / "empty"
    invoke("new", "empty", "--dir", str(tmp_path))
    result = invoke("review", str(folder), "--out", str(tmp_path / "out"))
    assert result.exit_code == 1  # never run: no store yet, and review does not make one
    assert "No store at" in result.output and not (folder / "csikit.sqlite").exists()
    Store(f"sqlite:///{folder / 'csikit.sqlite'}").sync_workshop(load_workshop(folder))
    result = invoke("review", str(folder), "--out", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert "no KPI measurements yet; add some with: csikit measure" in result.output


# --- papermill ----------------------------------------------------------------------------------


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory):
    """One real review of the demo's latest quarter, with a tiny step worksheet beside the template."""
    tmp = tmp_path_factory.mktemp("review")
    path = copy_demo(tmp / "demo")
    url = f"sqlite:///{tmp}/store.sqlite"
    notebooks = tmp / "notebooks"
    notebooks.mkdir()
    shutil.copy(TEMPLATE, notebooks / TEMPLATE.name)
    shutil.copy(NOTEBOOKS_FIXTURES / "step9_echo.ipynb", notebooks)
    before = _digest(notebooks / TEMPLATE.name)
    [result] = run_review(path, "", url, tmp / "out", notebooks_dir=notebooks, progress_bar=False)
    assert _digest(notebooks / TEMPLATE.name) == before  # the template is never written
    return result, path, url, tmp


@pytest.mark.slow
def test_review_values_match_the_store(reviewed):
    result, path, url, _ = reviewed
    assert result.quarter == "2026Q3"
    assert result.folder == (reviewed[3] / "out" / "demo" / "2026Q3").resolve()
    nb = nbformat.read(result.notebook, as_version=4)
    assert nb.metadata.papermill.parameters["quarter"] == "2026Q3"
    store = Store(url)
    ws = load_workshop(path)
    latest = latest_by_kpi(store.measurements(ws.code), date(2026, 9, 30))
    rows = {r["kpi"]: r for r in section_data(nb, "kpis")["tables"]["kpis"]}
    assert set(rows) == {k.id for k in ws.kpis}
    for k in ws.kpis:
        assert rows[k.id]["actual"] == latest[k.id]
        assert rows[k.id]["progress"] == pytest.approx(
            100 * (latest[k.id] - k.baseline.value) / (k.target.value - k.baseline.value)
        )
    register = {r["id"]: r for r in section_data(nb, "initiatives")["tables"]["initiatives"]}
    assert set(register) == {i.id for i in store.initiatives(ws.code)}
    assert {i for i, r in register.items() if r["overdue"]} == {"CSI-004", "CSI-011"}  # CSI-005 finished, in review
    assert register["CSI-004"]["owner"] == "Marta Kowalski"
    assert section_data(nb, "headline")["tables"]["facts"][0]["kpis_improved"] == 7


@pytest.mark.slow
def test_review_html_has_no_code_and_links_the_steps(reviewed):
    result, *_ = reviewed
    html = result.html.read_text(encoding="utf-8")
    for code in ("load_review", "sections.kpi_section", "import ", "store_url ="):
        assert code not in html
    assert "Headline: what moved since the previous quarter" in html
    assert "First contact resolution" in html
    [(step_nb, step_html)] = result.steps
    assert step_nb.name == "step9_echo.ipynb" and step_html.is_file()
    assert 'href="step9_echo.html"' in html
    step = step_html.read_text(encoding="utf-8")
    assert "worksheet as of 2026Q3 for demo; store set: True" in step
    assert 'href="review.html"' in step and "print(" not in step


@pytest.mark.slow
def test_review_html_asks_nothing_of_another_machine(reviewed):
    """Offline on one laptop: no script, style or font from a CDN in the review or a worksheet."""
    result, *_ = reviewed
    for page in (result.html, *(html for _nb, html in result.steps)):
        text = page.read_text(encoding="utf-8")
        loads = re.findall(r"""<(?:script|link|img|iframe)\b[^>]*?(?:src|href)\s*=\s*["']?(https?:)?//""", text, re.I)
        assert not loads, f"{page.name} loads from another machine"
        assert "require.min.js" not in text and "mathjax/" not in text.lower()


@pytest.mark.slow
def test_rerun_gives_the_same_numbers(reviewed):
    result, path, url, tmp = reviewed
    [again] = run_review(path, "2026Q3", url, tmp / "again", notebooks_dir=tmp / "notebooks", progress_bar=False)
    first, second = (nbformat.read(r.notebook, as_version=4) for r in (result, again))
    for key in ("headline", "kpis", "initiatives", "maturity", "decisions", "audit", "momentum", "next"):
        assert section_data(first, key) == section_data(second, key)


@pytest.mark.slow
def test_failure_names_section_and_keeps_partial_notebook(demo, tmp_path):
    path, url = demo
    with pytest.raises(ReviewError) as info:
        run_review(
            path,
            "2026Q2",
            url,
            tmp_path / "out",
            template=NOTEBOOKS_FIXTURES / "review_fails.ipynb",
            notebooks_dir=tmp_path,
            progress_bar=False,
        )
    message = str(info.value)
    assert (
        "review_fails.ipynb: section kpis failed: CsiError: no KPI readings for 2026Q2; partial notebook kept at"
        in message
    )
    assert "\n" not in message
    partial = info.value.partial
    assert partial.is_file() and info.value.section == "kpis"
    assert section_of(partial, "print('never runs')") == "next"


@pytest.mark.slow
def test_all_runs_every_quarter_with_data(demo, tmp_path):
    path, url = demo
    done = run_review(
        path,
        "",
        url,
        tmp_path / "out",
        all_quarters=True,
        template=NOTEBOOKS_FIXTURES / "step9_echo.ipynb",
        notebooks_dir=tmp_path,
        progress_bar=False,
    )
    assert [r.quarter for r in done] == DEMO_QUARTERS
    for r in done:
        assert "worksheet as of " + r.quarter in r.html.read_text(encoding="utf-8")


# --- csikit review of a workshop just held: every chart is a picture, every text as typed ---------


@pytest.fixture(scope="module")
def held(tmp_path_factory):
    """`csikit review` (the real template and step worksheets) right after a workshop in which a
    participant typed dollars and a LaTeX command into the first step's problems."""
    tmp = tmp_path_factory.mktemp("held")
    path = copy_demo(tmp / "demo")
    url = f"sqlite:///{tmp}/store.sqlite"
    store = Store(url)
    ws = load_workshop(path)
    store.sync_workshop(ws)
    p = store.join(ws.code, "Dollar $Dan$")
    store.open_activity(ws.code, "s1-problems")
    for text in (r"$\alert{3}$ and $x^2$", "Paid $50 for #1 and $20 for #2"):
        store.add_idea(ws.code, p.id, "s1-problems", text)
    simulate(store, ws.code, 5, seed=0, walk=True)
    store.close()
    result = invoke("review", str(path), "--store", url, "--out", str(tmp / "out"), "--quarter", "current")
    assert result.exit_code == 0, result.output
    quarter = quarter_of(date.today())
    lines = result.output.splitlines()  # one labelled line per notebook, not papermill's bars
    assert lines[:2] == [f"{quarter} · 1/7 · Quarterly review", f"{quarter} · 2/7 · Step 1 · What is the vision?"]
    assert "Executing" not in result.output and "cell/s" not in result.output
    return path, url, tmp / "out" / "demo" / quarter


@pytest.mark.slow
def test_review_html_shows_every_chart_as_an_image_and_the_text_as_typed(held):
    import re

    from csikit.exhibits import step_exhibits
    from csikit.model import Step

    path, url, folder = held
    quarter = folder.name
    store = Store(url)
    code = load_workshop(path).code
    names = sorted(p.name for p in folder.glob("step*.html"))
    assert len(names) == 6
    for n, name in enumerate(names, start=1):
        page = (folder / name).read_text(encoding="utf-8")
        exhibits = step_exhibits(store, code, Step(n), quarter=quarter)
        expected = sum(ex.figure is not None for ex in exhibits)
        assert expected or n == 2  # step 2's maturity chart at least, in practice
        assert len(re.findall(r'<img [^>]*src="data:image/png;base64,', page)) == expected, name
        assert "&lt;Figure size" not in page and "could not be shown" not in page, name
    step1 = (folder / names[0]).read_text(encoding="utf-8")
    assert "Paid $50 for #1 and $20 for #2" in step1 and r"$\alert{3}$ and $x^2$" in step1
    assert 'class="tex2jax_ignore mathjax_ignore"' in step1  # MathJax leaves the tables alone
    store.close()
    data = load_review(str(path), quarter, url)
    expected = sum(len(s.figures) + len(s.small) + len(s.wide) for s in (fn(data) for fn in sections.ALL_SECTIONS))
    review = (folder / "review.html").read_text(encoding="utf-8")
    assert expected >= 4
    assert len(re.findall(r'<img [^>]*src="data:image/png;base64,', review)) == expected
    assert "No workshop activity was locked or revealed" not in review
    assert "csi-report tex2jax_ignore mathjax_ignore" in review


@pytest.mark.slow
@pytest.mark.browser
def test_review_step_page_in_a_browser_shows_pictures_and_dollars(held, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    import os

    if not os.path.exists("/usr/bin/chromium"):
        pytest.skip("Debian chromium (/usr/bin/chromium) is not installed")
    _, _, folder = held
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        try:
            page = b.new_page()
            page.goto((folder / "step1_vision.html").as_uri(), wait_until="load")
            widths = page.eval_on_selector_all("img", "imgs => imgs.map(i => i.naturalWidth)")
            assert len(widths) == 2 and all(w > 300 for w in widths)  # decoded pictures, not text
            assert "Paid $50 for #1 and $20 for #2" in page.inner_text("body")
            page.screenshot(path=str(tmp_path / "step1.png"), full_page=True)
        finally:
            b.close()


# --- a leadership document: the same words once, momentum, colophon, appendix ------------------


@pytest.fixture
def repeated(demo):
    """A rehearsed workshop where three people typed one problem (case and spacing apart) and two
    one win, and nobody merged them."""
    path, url = demo
    store = Store(url)
    ws = load_workshop(path)
    store.sync_workshop(ws)
    people = [store.join(ws.code, name) for name in ("Ann", "Bo", "Cy")]
    store.open_activity(ws.code, "s1-problems")
    for p, text in zip(
        people,
        ("Asset records are out of date", "asset records are  OUT of date", "Asset records are out of date."),
        strict=True,
    ):
        store.add_idea(ws.code, p.id, "s1-problems", text)
    store.open_activity(ws.code, "s6-wins")
    for p in people[:2]:
        store.add_idea(ws.code, p.id, "s6-wins", "Backlog halved")
    simulate(store, ws.code, 6, seed=1, walk=True)
    stored = (
        len(store.ideas(ws.code, "s1-problems")),
        len(store.status(ws.code, "s1-top").items),
        len(store.responses(ws.code, "s1-top")),
    )
    store.close()
    return path, url, quarter_of(date.today()), stored


def _texts(lines: list[str]) -> list[str]:
    return [line.split(":")[0].split(" · ")[0] for line in lines if not line.startswith("Fair order")]


def test_the_same_words_are_one_line_wherever_results_show(repeated):
    from csikit.exhibits import step_exhibits
    from csikit.model import Step

    path, url, quarter, stored = repeated
    data = load_review(str(path), quarter, url)
    decisions = sections.decisions_section(data).tables["decisions"].frame.set_index("activity")
    for key in ("s1-problems", "s1-top", "s6-wins"):
        texts = [t.lower().rstrip(".") for t in _texts(decisions.loc[key, "results"])]
        assert len(texts) == len(set(texts)), (key, decisions.loc[key, "results"])
    top = decisions.loc["s1-top", "results"]
    asset = [line for line in top if line.startswith("Asset records are out of date (×")]
    assert len(asset) == 1 or not any("Asset records" in line for line in top)
    ideas = decisions.loc["s1-problems", "results"]
    assert any(line.startswith("Asset records are out of date: named by ") for line in ideas)
    # the worksheets: the dot vote's table and the impact heatmap's rows name each text once
    store = Store(url)
    try:
        shown = {ex.title: ex for ex in step_exhibits(store, load_workshop(path).code, Step.VISION, quarter=quarter)}
        for ex in shown.values():
            if ex.frame is not None and "text" in ex.frame:
                said = [str(t).split(" (×")[0].lower().rstrip(".") for t in ex.frame["text"]]
                assert len(said) == len(set(said)), ex.title
        # and the store still holds every idea, item and dot as given
        code = load_workshop(path).code
        assert stored == (
            len(store.ideas(code, "s1-problems")),
            len(store.status(code, "s1-top").items),
            len(store.responses(code, "s1-top")),
        )
    finally:
        store.close()


def test_dots_on_the_same_words_add_up_and_voters_stay_people(repeated):
    path, url, quarter, _ = repeated
    data = load_review(str(path), quarter, url)
    rec = next(r for r in data.activities if r.activity.id == "s1-top")
    copies = {i.id for i in rec.items if i.text.lower().rstrip(".").split() == "asset records are out of date".split()}
    assert len(copies) >= 3  # ours, and the simulation's own
    dots = sum(r.value for r in rec.responses if r.item in copies)
    results = sections.activity_result(rec, data.workshop, top=len(rec.items))
    [asset] = [r for r in results if r["text"].startswith(f"Asset records are out of date (×{len(copies)})")]
    assert asset["value"] == dots and asset["n"] <= rec.joined


def test_no_duplicates_count_anywhere_in_the_review(repeated):
    path, url, quarter, _ = repeated
    data = load_review(str(path), quarter, url)
    for fn in sections.ALL_SECTIONS:
        section = fn(data)
        for shown in (section.to_html(), str(section.data())):
            assert not re.search(r"\+\d+ duplicates|duplicates\)|duplicates merged", shown), fn.__name__


def test_momentum_lists_the_top_wins_and_lessons_once(repeated):
    path, url, quarter, _ = repeated
    momentum = sections.momentum_section(load_review(str(path), quarter, url))
    assert not momentum.figures and not momentum.small  # no wall of sticky notes
    wins = momentum.tables["s6-wins"].frame
    assert len(wins) <= 5 and list(wins["people"]) == sorted(wins["people"], reverse=True)
    assert wins.iloc[0]["text"] == "Backlog halved" or wins.iloc[0]["people"] >= 2
    line = next(s for s in momentum.summary if s.startswith("“What should we celebrate?”"))
    assert "different ideas" in line and "Backlog halved" not in line  # named once: in the table
    assert len(set(wins["text"])) == len(wins)


def test_the_colophon_and_the_audit_appendix_come_last(demo):
    names = [fn.__name__ for fn in sections.ALL_SECTIONS]
    assert names[-2:] == ["colophon", "audit_section"]
    path, url = demo
    data = load_review(str(path), "2026Q3", url)
    text = " ".join(sections.colophon(data, str(path)).summary)
    assert f"csikit review {path} --quarter 2026Q3" in text and "store.sqlite" in text
    lead = [fn(data) for fn in sections.ALL_SECTIONS[:-2]]
    for section in lead:
        shown = section.to_html()
        assert "csikit review" not in shown and "store.sqlite" not in shown, section.key


@pytest.mark.slow
def test_the_review_reads_as_a_leadership_document(reviewed):
    """Operator instructions and the store's path only in the colophon at the end; the audit trail
    after it, as an appendix."""
    result, _path, url, _ = reviewed
    html = result.html.read_text(encoding="utf-8")
    colophon, appendix = html.index(">About this review<"), html.index(">Appendix: audit trail")
    assert html.index(">Headline: what moved") < html.index(">Next quarter: what to look at") < colophon < appendix
    lead, about = html[:colophon], html[colophon:appendix]
    store_file = url.rsplit("/", 1)[-1]
    for operator in ("csikit review", "--quarter", store_file, "Store:"):
        assert operator not in lead, operator
    assert "csikit review" in about and "--quarter 2026Q3" in about and store_file in about
    assert "events in 2026Q3" in html[appendix:] or "No facilitator events" in html[appendix:]


@pytest.mark.slow
@pytest.mark.browser
def test_kpi_small_multiples_are_shown_at_their_own_size_at_1920(reviewed):
    """At 1920×1080 the KPI trends picture is not shrunk, so its 10-point tick labels (drawn at a
    CSS inch) read at 10 points: ≥ 9."""
    sync_api = pytest.importorskip("playwright.sync_api")
    import os

    from csikit import charts

    if not os.path.exists("/usr/bin/chromium"):
        pytest.skip("Debian chromium (/usr/bin/chromium) is not installed")
    result, *_ = reviewed
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        try:
            page = b.new_page(viewport={"width": 1920, "height": 1080})
            page.goto(result.html.as_uri())
            shown, natural = page.evaluate(
                "() => { const i = document.querySelector('img.csi-wide'); "
                "return [i.getBoundingClientRect().width, i.naturalWidth]; }"
            )
        finally:
            b.close()
    assert natural > 0 and shown == pytest.approx(natural, abs=1)
    assert (charts.SMALLEST_PT + 1) * shown / natural >= 9
