"""KPI progress: the one formula every view uses (percent of the way from baseline to target)."""

from __future__ import annotations

import math
import subprocess
import sys
from datetime import date

import pytest

from csikit.measurements import progress_percent
from csikit.model import Direction, Initiative, InitiativeState, Kpi, Measurement, Point


@pytest.mark.parametrize(("actual", "baseline", "target", "expected"), [
    (60, 50, 70, 50.0),      # rising target, half way
    (70, 50, 70, 100.0),     # met
    (75, 50, 70, 125.0),     # beyond the target
    (40, 50, 70, -50.0),     # worse than the baseline
    (50, 50, 70, 0.0),       # at the baseline
    (8, 10, 6, 50.0),        # falling target (lower is better), half way
    (5, 10, 6, 125.0),       # falling target, beyond it
    (12, 10, 6, -50.0),      # falling target, worse than the baseline
    (4.5, 4.0, 4.5, 100.0),  # fractions
])
def test_progress_known_answers(actual, baseline, target, expected):
    assert progress_percent(actual, baseline, target) == pytest.approx(expected)


def test_target_equal_to_baseline_has_no_way_to_go():
    assert progress_percent(50, 50, 50) == 100.0
    assert math.isnan(progress_percent(49, 50, 50))  # no direction to say better or worse


@pytest.mark.parametrize("args", [(None, 50, 70), (60, None, 70), (60, 50, None), (math.nan, 50, 70),
                                  (60, math.nan, 70), (60, 50, float("nan"))])
def test_missing_values_give_nan(args):
    assert math.isnan(progress_percent(*args))


def test_numpy_values_work_too():
    np = pytest.importorskip("numpy")
    assert progress_percent(np.float64(60), 50.0, 70.0) == pytest.approx(50.0)
    assert math.isnan(progress_percent(np.float64("nan"), 50.0, 70.0))


def test_analysis_and_initiative_progress_use_it():
    from csikit import analysis

    kpi = Kpi("mttr", "Mean time to restore", "h", Direction.LOWER, baseline=Point(10.0, date(2026, 1, 1)),
              target=Point(6.0, date(2026, 12, 31)))
    frame = analysis.kpi_progress([kpi], [Measurement("mttr", date(2026, 3, 31), 9.0),
                                          Measurement("mttr", date(2026, 6, 30), 7.0)])
    assert list(frame["progress"]) == [pytest.approx(25.0), pytest.approx(75.0)]
    assert list(frame["met"]) == [False, False]
    # an initiative with its own baseline equal to its target is not "half way": RAG stays green
    own = Initiative("CSI-001", "Faster restores", kpi="mttr", baseline=Point(7.0), target=Point(7.0),
                     planned_start=date(2026, 1, 1), planned_end=date(2026, 7, 31), state=InitiativeState.IN_PROGRESS)
    rag = analysis.rag_status([own], date(2026, 6, 30), frame)
    assert rag.loc[0, "rag"] == "green"
    # its own falling target: 10 → 2, latest 7 is 37.5% of the way with 85% of the time gone
    behind = Initiative("CSI-002", "Restores in 2 h", kpi="mttr", baseline=Point(10.0), target=Point(2.0),
                        planned_start=date(2026, 1, 1), planned_end=date(2026, 7, 31), state=InitiativeState.IN_PROGRESS)
    rag = analysis.rag_status([behind], date(2026, 6, 30), frame)
    assert (rag.loc[0, "rag"], rag.loc[0, "reason"]) == ("amber", "38% of the way to its target with 85% of the time gone")


def test_progress_needs_no_pandas():
    code = "import sys, csikit.measurements; assert 'pandas' not in sys.modules and 'numpy' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
