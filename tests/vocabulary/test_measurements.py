"""KPI progress: the one formula every view uses (percent of the way from baseline to target)."""

from __future__ import annotations

import math
import subprocess
import sys
from datetime import date

import pytest

from csikit.measurements import progress_percent
from csikit.model import Direction, Initiative, InitiativeState, Kpi, Measurement, Point


@pytest.mark.parametrize(
    ("actual", "baseline", "target", "expected"),
    [
        (60, 50, 70, 50.0),  # rising target, half way
        (70, 50, 70, 100.0),  # met
        (75, 50, 70, 125.0),  # beyond the target
        (40, 50, 70, -50.0),  # worse than the baseline
        (50, 50, 70, 0.0),  # at the baseline
        (8, 10, 6, 50.0),  # falling target (lower is better), half way
        (5, 10, 6, 125.0),  # falling target, beyond it
        (12, 10, 6, -50.0),  # falling target, worse than the baseline
        (4.5, 4.0, 4.5, 100.0),  # fractions
    ],
)
def test_progress_known_answers(actual, baseline, target, expected):
    assert progress_percent(actual, baseline, target) == pytest.approx(expected)


def test_target_equal_to_baseline_has_no_way_to_go():
    assert progress_percent(50, 50, 50) == 100.0
    assert math.isnan(progress_percent(49, 50, 50))  # no direction to say better or worse


@pytest.mark.parametrize(
    "args",
    [(None, 50, 70), (60, None, 70), (60, 50, None), (math.nan, 50, 70), (60, math.nan, 70), (60, 50, float("nan"))],
)
def test_missing_values_give_nan(args):
    assert math.isnan(progress_percent(*args))


def test_numpy_values_work_too():
    np = pytest.importorskip("numpy")
    assert progress_percent(np.float64(60), 50.0, 70.0) == pytest.approx(50.0)
    assert math.isnan(progress_percent(np.float64("nan"), 50.0, 70.0))


def test_analysis_and_initiative_progress_use_it():
    from csikit import analysis

    kpi = Kpi(
        "mttr",
        "Mean time to restore",
        "h",
        Direction.LOWER,
        baseline=Point(10.0, date(2026, 1, 1)),
        target=Point(6.0, date(2026, 12, 31)),
    )
    frame = analysis.kpi_progress(
        [kpi], [Measurement("mttr", date(2026, 3, 31), 9.0), Measurement("mttr", date(2026, 6, 30), 7.0)]
    )
    assert list(frame["progress"]) == [pytest.approx(25.0), pytest.approx(75.0)]
    assert list(frame["met"]) == [False, False]
    # an initiative with its own baseline equal to its target is not "half way": RAG stays green
    own = Initiative(
        "CSI-001",
        "Faster restores",
        kpi="mttr",
        baseline=Point(7.0),
        target=Point(7.0),
        planned_start=date(2026, 1, 1),
        planned_end=date(2026, 7, 31),
        state=InitiativeState.IN_PROGRESS,
    )
    rag = analysis.rag_status([own], date(2026, 6, 30), frame)
    assert rag.loc[0, "rag"] == "green"
    # its own falling target: 10 → 2, latest 7 is 37.5% of the way with 85% of the time gone
    behind = Initiative(
        "CSI-002",
        "Restores in 2 h",
        kpi="mttr",
        baseline=Point(10.0),
        target=Point(2.0),
        planned_start=date(2026, 1, 1),
        planned_end=date(2026, 7, 31),
        state=InitiativeState.IN_PROGRESS,
    )
    rag = analysis.rag_status([behind], date(2026, 6, 30), frame)
    assert (rag.loc[0, "rag"], rag.loc[0, "reason"]) == (
        "amber",
        "38% of the way to its target with 85% of the time gone",
    )


def test_progress_needs_no_pandas():
    code = "import sys, csikit.measurements; assert 'pandas' not in sys.modules and 'numpy' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# --- csikit measure: conflicting rows, added against replaced -----------------------------------


def _measure(tmp_path, text: str, url: str):
    from conftest import copy_demo, invoke

    path = tmp_path / "demo"
    if not path.exists():
        copy_demo(path)
    csv = tmp_path / "kpis.csv"
    csv.write_text(text, encoding="utf-8")
    return invoke("measure", str(path), "--file", str(csv), "--store", url)


def test_measure_refuses_two_values_for_one_kpi_and_quarter(tmp_path):
    url = f"sqlite:///{tmp_path}/store.sqlite"
    result = _measure(tmp_path, "kpi,quarter,value\nfcr,2026Q4,72.5\nfcr,2026Q4,74\n", url)
    assert result.exit_code == 1
    assert "kpis.csv:3: value: fcr on 2026-12-31 is already 72.5 in an earlier row" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "store.sqlite").exists()  # nothing written


def test_measure_says_what_it_added_and_what_it_replaced(tmp_path):
    url = f"sqlite:///{tmp_path}/store.sqlite"
    first = _measure(tmp_path, "kpi,quarter,value\nfcr,2026Q4,72.5\ncsat,2026Q4,4.0\ncsat,2026Q4,4.0\n", url)
    assert first.exit_code == 0, first.output
    assert (
        "Added 2 measurements, replaced 0: 2 KPIs, 2026Q4, workshop DESK26" in first.output
    )  # a repeated row counts once
    again = _measure(tmp_path, "kpi,quarter,value\nfcr,2026Q4,73\ncsat,2026Q4,4.0\nfcr,2027Q1,70\n", url)
    assert again.exit_code == 0, again.output
    assert "Added 1 measurement, replaced 1, 1 unchanged: 2 KPIs, 2026Q4, 2027Q1" in again.output
    from csikit.store import Store

    store = Store(url)
    try:
        values = {(m.kpi, str(m.date)): m.value for m in store.measurements("DESK26")}
    finally:
        store.close()
    assert values[("fcr", "2026-12-31")] == 73 and values[("fcr", "2027-03-31")] == 70
