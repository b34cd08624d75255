"""The organisation review: every department's snapshot as of one quarter, its sections (on
SQLite and PostgreSQL), min_group kept when departments are pooled, and `csikit review PATH PATH`
writing an organisation pack beside each department's own."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import copy_organisation, invoke, rehearse

from csikit.errors import CsiError
from csikit.review import organisation as org_review
from csikit.review.organisation_run import run_organisation_review


@pytest.fixture
def rehearsed(tmp_path, store_url):
    desk, infra = copy_organisation(tmp_path)
    rehearse([desk, infra], [store_url, store_url])
    return desk, infra, store_url


def test_every_section_names_both_departments_as_of_the_quarter(rehearsed):
    desk, infra, url = rehearsed
    org = org_review.load_organisation([desk, infra], "2026Q4", [url, url])
    assert org.name == "Northwind Health" and org.quarter == "2026Q4" and org.in_progress
    assert [d.label for d in org.departments] == ["IT Service Desk", "IT Infrastructure"]
    head = org_review.headline(org)
    assert "IT Service Desk (DESK26), IT Infrastructure (INFRA26)" in head.summary[0]
    assert "2026Q4, in progress, as of" in head.summary[0]
    table = head.tables["departments"].frame
    assert list(table["department"]) == ["IT Service Desk", "IT Infrastructure"]
    assert list(table["initiatives"]) == [22, 8]
    # a department's numbers are those of its own review
    from csikit.review import sections

    for d in org.departments:
        facts = sections.headline(d.data).tables["facts"].frame.iloc[0]
        row = table[table["workshop"] == d.code].iloc[0]
        assert (row["overdue"], row["finished"], row["decided"]) == (
            facts["overdue"],
            facts["closed"],
            facts["activities_decided"],
        )
    register = org_review.register_section(org).tables["register"].frame
    assert len(register) == 30 and {"department", "rag", "days_overdue"} <= set(register.columns)
    assert register["rag"].iloc[0] == "red"
    kpis = org_review.shared_kpi_section(org)
    assert set(kpis.tables["shared"].frame["kpi"]) == {"p1_restore", "change_fail", "problem_backlog"}
    assert kpis.wide  # the shared KPI panels
    maturity = org_review.maturity_section(org)
    assert maturity.figures and "IT Service Desk (6 assessors), IT Infrastructure (5 assessors)" in maturity.summary[0]
    problems = org_review.problems_section(org).tables["problems"].frame
    assert (problems["departments"] == 2).all() and len(problems)
    momentum = org_review.closed_and_learned(org).tables["momentum"].frame
    assert set(momentum["department"]) == {"IT Service Desk", "IT Infrastructure"}
    html = "".join(f(org).to_html() for f in org_review.ALL_SECTIONS)
    assert "IT Infrastructure" in html and "IT Service Desk" in html


def test_a_past_quarter_shows_nothing_answered_later(rehearsed):
    desk, infra, url = rehearsed
    org = org_review.load_organisation([desk, infra], "2026Q3", [url, url])
    assert not org.in_progress and all(d.active for d in org.departments)  # KPI readings in 2026Q3
    assert "No department's maturity assessment can be shown" in org_review.maturity_section(org).summary[0]
    assert not org_review.problems_section(org).tables
    text = " ".join(org_review.headline(org).summary)
    assert "of 14 KPIs measured in 2026Q3 improved (IT Service Desk " in text  # the desk 9, infrastructure 5
    assert org_review.load_organisation([desk, infra], "", [url, url]).quarter == "2026Q3"  # last finished


def test_a_department_with_too_few_assessors_is_withheld_and_said_so(tmp_path):
    desk, infra = copy_organisation(tmp_path, infra_min_group=10)
    url = f"sqlite:///{tmp_path}/store.sqlite"
    rehearse([desk, infra], [url, url])
    org = org_review.load_organisation([desk, infra], "current", [url, url])
    section = org_review.maturity_section(org)
    said = " ".join(section.summary)
    assert "Left out of the organisation's median: IT Infrastructure (only 5 assessors" in said
    table = section.tables["maturity"]
    assert "IT Infrastructure" not in table.labels and table.frame["IT Infrastructure"].isna().all()  # not averaged in
    assert int(table.frame.set_index("practice").loc["incident", "organisation_n"]) == 6
    assert "capacity" not in set(table.frame["practice"])  # only the withheld department assessed it


def test_a_department_that_recorded_nothing_that_quarter(tmp_path):
    desk, infra = copy_organisation(tmp_path)
    url = f"sqlite:///{tmp_path}/store.sqlite"
    rehearse([desk], [url], people=(6,))
    (infra / "measurements.csv").write_text("kpi,quarter,value,source\n")
    org = org_review.load_organisation([desk, infra], "current", [url, url])
    assert [d.active for d in org.departments] == [True, False]
    assert "No KPI reading and no workshop activity in 2026Q4: IT Infrastructure" in org_review.headline(org).summary[1]


def test_the_run_refuses_one_workshop_and_unknown_quarters(tmp_path):
    desk, infra = copy_organisation(tmp_path)
    with pytest.raises(CsiError, match="two workshops or more"):
        run_organisation_review([desk], out=tmp_path / "out")
    rehearse([desk, infra], [None, None])
    with pytest.raises(CsiError, match="2031Q1 has no KPI measurements and no workshop activity in any"):
        run_organisation_review([desk, infra], "2031Q1", out=tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_csikit_review_with_two_workshops_writes_an_organisation_pack(tmp_path):
    desk, infra = copy_organisation(tmp_path)
    rehearse([desk, infra], [None, None])  # each department its own store, beside its file
    out = tmp_path / "reviews"
    result = invoke("review", str(desk), str(infra), "--quarter", "current", "--out", str(out))
    assert result.exit_code == 0, result.output
    quarter = re.search(r"(\d{4}Q\d): Northwind Health: ", result.output).group(1)
    pack = out / "northwind-health" / quarter / "organisation.html"
    assert pack.is_file() and (pack.with_suffix(".ipynb")).is_file()
    for name in ("demo", "demo-infra"):
        assert (out / name / quarter / "review.html").is_file()
    html = pack.read_text()
    assert "IT Service Desk" in html and "IT Infrastructure" in html
    # each department's own pack links from it
    assert f'href="../../demo/{quarter}/review.html"' in html
    assert f'href="../../demo-infra/{quarter}/review.html"' in html
    for section in ("Headline", "Shared KPIs", "Maturity", "Problems that recur"):
        assert section in html
    import nbformat

    cells = nbformat.read(pack.with_suffix(".ipynb"), as_version=4).cells
    assert not [o for c in cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert "IT Service Desk:" in result.output and "IT Infrastructure:" in result.output


@pytest.mark.slow
@pytest.mark.postgres
def test_the_organisation_notebook_on_postgresql(tmp_path, pg_store_url):
    """The template run by papermill against one PostgreSQL store for both departments."""
    import nbformat

    desk, infra = copy_organisation(tmp_path)
    rehearse([desk, infra], [pg_store_url, pg_store_url])
    [done] = run_organisation_review([desk, infra], "current", pg_store_url, tmp_path / "out", progress_bar=False)
    nb = nbformat.read(done.notebook, as_version=4)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    html = Path(done.html).read_text()
    assert "IT Service Desk" in html and "IT Infrastructure" in html
    assert [label for label, _ in done.departments] == ["IT Service Desk", "IT Infrastructure"]


def test_csikit_demo_copies_a_second_department_and_prints_the_roll_up(tmp_path, monkeypatch):
    import csikit.cli

    monkeypatch.setattr(csikit.cli, "_run_servers", lambda *args, **kwargs: None)  # no servers: the copy only
    result = invoke("demo", "--dir", str(tmp_path / "demo"))
    assert result.exit_code == 0, result.output
    infra = tmp_path / "demo-infra"
    assert (infra / "workshop.yaml").is_file() and (infra / "csikit.sqlite").is_file()
    assert f"csikit review {tmp_path / 'demo'} {infra} --quarter current" in result.output
    from csikit.portfolio import open_portfolio

    with open_portfolio([tmp_path / "demo", infra]) as p:
        assert list(p.labels) == ["IT Service Desk", "IT Infrastructure"]
        assert len(p.ideas("s1-problems")[lambda f: f["workshop"] == "INFRA26"]) > 0  # held by simulated people
