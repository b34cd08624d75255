"""csikit.open_portfolio: several workshops of one organisation read together, on SQLite and
PostgreSQL (one store for all, or each workshop its own), as of a quarter, with min_group kept."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from conftest import copy_organisation, rehearse

import csikit
from csikit.errors import CsiError
from csikit.portfolio import (
    ORGANISATION,
    department_of,
    open_portfolio,
    organisation_of,
    recurring_problems,
    siblings,
)

DESK, INFRA = "DESK26", "INFRA26"


@pytest.fixture
def organisation(tmp_path, store_url):
    """Both demo departments in one store (SQLite or PostgreSQL), rehearsed today."""
    desk, infra = copy_organisation(tmp_path)
    rehearse([desk, infra], [store_url, store_url])
    return desk, infra, store_url


def test_the_public_name():
    assert csikit.open_portfolio is open_portfolio
    assert "open_portfolio" in csikit.__all__


def test_frames_carry_workshop_and_department(organisation):
    desk, infra, url = organisation
    with open_portfolio([desk, infra], url) as p:
        assert list(p.labels) == ["IT Service Desk", "IT Infrastructure"]
        assert p.organisation == "Northwind Health"
        assert list(p.departments()["workshop"]) == [DESK, INFRA]
        for frame in (
            p.register(),
            p.measurements(),
            p.kpi_progress(),
            p.maturity(),
            p.activities(),
            p.events(),
            p.ideas(),
            p.maturity_ratings(),
        ):
            assert list(frame.columns[:2]) == ["workshop", "department"]
            assert set(frame["workshop"]) == {DESK, INFRA}
        register = p.register()
        assert len(register) == 22 + 8
        assert set(register.loc[register["workshop"] == INFRA, "department"]) == {"IT Infrastructure"}
        assert p.quarters()[-1] == "2026Q4" and "2025Q4" in p.quarters()
        assert p.workshop("IT Infrastructure").code == INFRA


def test_the_same_as_of_rule_as_each_workshop(organisation):
    """A portfolio's quarter is each workshop's quarter: readings, register and answers of then."""
    desk, infra, url = organisation
    with open_portfolio([desk, infra], url) as p:
        desk_only = csikit.open_workshop(desk, url)
        try:
            for quarter in ("2026Q2", "2026Q3"):
                stacked = p.register(quarter)
                alone = desk_only.register(quarter)
                mine = stacked.loc[stacked["workshop"] == DESK, list(alone.columns)].reset_index(drop=True)
                pd.testing.assert_frame_equal(mine, alone, check_dtype=False)
        finally:
            desk_only.close()
        assert str(p.kpi_progress("2026Q2")["date"].max())[:10] <= "2026-06-30"
        # every answer was given today (2026Q4): nothing was assessed by the end of 2026Q3
        assert p.maturity_by_department("2026Q3").empty
        assert not p.maturity_by_department("2026Q4").empty
        assert p.recurring_problems("2026Q3").empty
        assert len(p.ideas(quarter="2026Q3")) == 0 and len(p.ideas(quarter="2026Q4")) > 0


def test_shared_kpis_side_by_side(organisation):
    desk, infra, url = organisation
    with open_portfolio([desk, infra], url) as p:
        shared = p.shared_kpis("2026Q3")
    assert set(shared["kpi"]) == {"p1_restore", "change_fail", "problem_backlog"}
    assert len(shared) == 6
    row = shared[(shared["kpi"] == "change_fail") & (shared["workshop"] == INFRA)].iloc[0]
    assert row["actual"] == pytest.approx(8.1) and row["target"] == pytest.approx(6.0)


def test_maturity_by_department_with_the_organisations_median(organisation):
    desk, infra, url = organisation
    with open_portfolio([desk, infra], url) as p:
        frame = p.maturity_by_department("2026Q4")
        ratings = p.maturity_ratings("2026Q4")
    org = frame[frame["department"] == ORGANISATION].set_index("practice")
    assert {"incident", "capacity", "knowledge"} <= set(org.index)  # practices of either department
    both = frame[(frame["practice"] == "incident") & (frame["department"] != ORGANISATION)]
    assert set(both["department"]) == {"IT Service Desk", "IT Infrastructure"}
    # the organisation's figure pools every assessor of both departments (each once), median and middle half
    values = ratings[
        (ratings["practice"] == "incident") & (ratings["phase"] == "current") & (ratings["criterion"] == "current")
    ]
    assert org.loc["incident", "n"] == len(values) == 6 + 5
    assert org.loc["incident", "median"] == pytest.approx(values["value"].median())
    assert org.loc["incident", "q1"] <= org.loc["incident", "median"] <= org.loc["incident", "q3"]


def test_a_department_with_too_few_answers_is_withheld_not_averaged_in(tmp_path):
    desk, infra = copy_organisation(tmp_path, infra_min_group=10)  # 5 assessors < 10
    url = f"sqlite:///{tmp_path}/store.sqlite"
    rehearse([desk, infra], [url, url])
    with open_portfolio([desk, infra], url) as p:
        frame = p.maturity_by_department("2026Q4")
        ratings = p.department_ratings("2026Q4")
    infra_rows = frame[frame["department"] == "IT Infrastructure"]
    assert len(infra_rows) and infra_rows["withheld"].all() and infra_rows["median"].isna().all()
    org = frame[frame["department"] == ORGANISATION].set_index("practice")
    assert org.loc["incident", "n"] == 6  # the desk's assessors only
    assert "capacity" not in org.index  # assessed by the withheld department only
    from csikit.portfolio import maturity_note

    assert "IT Infrastructure (only 5 assessors; its workshop shows results from 10)" in maturity_note(ratings)


def test_each_workshop_its_own_store_by_default(tmp_path):
    desk, infra = copy_organisation(tmp_path)
    rehearse([desk, infra], [None, None])
    with open_portfolio([desk, infra]) as p:
        stores = list(p.departments()["store"])
        assert str(desk) in stores[0] and str(infra) in stores[1]
        assert len(p.register()) == 30
    with pytest.raises(CsiError, match="2 stores for 1 workshops|1 stores for 2 workshops"):
        open_portfolio([desk, infra], [None])
    with pytest.raises(CsiError, match="No store at"):
        open_portfolio([desk, infra], f"sqlite:///{tmp_path}/typo.sqlite")


def test_two_workshops_with_one_code_are_refused(tmp_path):
    desk, _ = copy_organisation(tmp_path)
    twin = tmp_path / "twin"
    shutil.copytree(desk, twin)
    with pytest.raises(CsiError, match="same join code DESK26"):
        open_portfolio([desk, twin])


def test_departments_and_siblings(tmp_path):
    from csikit.workshop_file import load_workshop

    desk, infra = copy_organisation(tmp_path)
    ws = load_workshop(desk)
    assert (department_of(ws), organisation_of(ws)) == ("IT Service Desk", "Northwind Health")
    import dataclasses

    older = dataclasses.replace(ws, organisation="Northwind Health — IT Service Desk", department="")
    assert (department_of(older), organisation_of(older)) == ("IT Service Desk", "Northwind Health")
    assert [p.name for p in siblings(desk)] == ["demo", "demo-infra"]
    assert [p.name for p in siblings(infra)] == ["demo-infra", "demo"]


def test_recurring_problems_match_near_duplicates_across_workshops():
    named = [
        (
            "Desk",
            "DESK",
            pd.DataFrame({"text": ["Laptops are slow", "Password resets eat our time"], "people": [4, 2]}),
        ),
        ("Infra", "INFRA", pd.DataFrame({"text": ["slow laptops", "Backups fail at night"], "people": [3, 5]})),
        ("Apps", "APPS", pd.DataFrame({"text": ["Laptops are slow!"], "people": [1]})),
    ]
    frame = recurring_problems(named)
    top = frame.iloc[0]
    assert top["problem"] == "Laptops are slow" and top["departments"] == 3 and top["people"] == 8
    assert top["raised_by"] == "Desk, Infra, Apps"
    assert "slow laptops" in top["wordings"]
    assert list(frame["departments"]) == [3, 1, 1]
    assert frame.iloc[1]["problem"] == "Backups fail at night"  # then by people


def test_portfolio_worksheet_defaults_to_the_workshops_beside_it(tmp_path, monkeypatch):
    from csikit.portfolio import for_worksheet

    desk, infra = copy_organisation(tmp_path)
    url = f"sqlite:///{tmp_path}/desk.sqlite"
    rehearse([desk, infra], [url, None])
    monkeypatch.setenv("CSIKIT_WORKSHOP_PATH", str(desk))
    monkeypatch.setenv("CSIKIT_STORE", url)  # as csikit lab sets it: the lab's workshop's store only
    with for_worksheet() as p:
        assert list(p.departments()["workshop"]) == [DESK, INFRA]
        stores = list(p.departments()["store"])
        assert "desk.sqlite" in stores[0] and str(infra) in stores[1]
        assert len(p.ideas(quarter="2026Q4")) > 0
