"""The measured ceiling: a calibration kept per machine, the advice `csikit serve` gives,
and one small real room played by headless people (csikit.testing.room)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from csikit import capacity
from csikit.capacity import Calibration, advice, load_calibration, machine
from csikit.cli import main


def _rung(n: int, met: bool, *, open_p95: float = 0.4, failed: int = 0, warm: float = 0.0) -> dict:
    return {"n": n, "joined": n - failed, "failed": failed, "join_p95": 0.3, "open_p50": 0.2,
            "open_p95": open_p95, "met": met, "pool_warm_s": warm or n * 1.2}


def _calibration(*rungs, here: bool = True) -> Calibration:
    m = machine() if here else {**machine(), "cores": machine()["cores"] + 6}
    return Calibration(m, "2026-12-01T02:00:00+00:00", 30.0, list(rungs))


def test_the_ceiling_is_the_largest_room_held_before_the_first_miss():
    cal = _calibration(_rung(25, True), _rung(50, True), _rung(100, False, open_p95=2.4))
    assert cal.ceiling == 50
    assert cal.missed["n"] == 100
    assert cal.warm_seconds(50) == pytest.approx(60.0)  # from the largest rung that warmed: 1.2 s a person
    assert _calibration(_rung(25, False)).ceiling == 0


def test_advice_within_and_beyond_the_measured_ceiling():
    cal = _calibration(_rung(50, True), _rung(100, True), _rung(150, False, open_p95=2.4, failed=3))
    level, text = advice(80, calibration=cal)
    assert level == "ok" and "held a room of 100" in text and "2026-12-01" in text
    assert "at least 2 min before people arrive" in text  # 80 × 1.2 s
    level, text = advice(300, calibration=cal)
    assert level == "warn"
    assert "more than this machine held: 100" in text
    assert "at 150 the Open took 2.4 s" in text and "3 joins failed" in text
    assert "PostgreSQL" in text and "More people than one machine holds" in text
    level, text = advice(180, servers=2, calibration=cal)
    assert level == "ok" and "about 200 people" in text


def test_without_a_calibration_the_advice_is_the_estimate_and_how_to_measure(tmp_path, monkeypatch):
    monkeypatch.setenv("CSIKIT_CAPACITY_FILE", str(tmp_path / "none.json"))
    level, text = advice(10)
    assert level == "unknown" and "csikit capacity" in text
    level, text = advice(100_000)
    assert level == "warn" and text.startswith("Warning:") and "csikit capacity" in text


def test_a_calibration_is_kept_for_this_machine_only(tmp_path, monkeypatch):
    path = tmp_path / "sub" / "capacity.json"
    monkeypatch.setenv("CSIKIT_CAPACITY_FILE", str(path))
    _calibration(_rung(50, True), _rung(100, False)).save()
    assert load_calibration().ceiling == 50
    _calibration(_rung(300, True), here=False).save()  # copied from a larger machine
    assert load_calibration() is None
    path.write_text("{ not json")
    assert load_calibration() is None


def test_cli_show_and_a_bad_ladder(tmp_path, monkeypatch):
    path = tmp_path / "capacity.json"
    monkeypatch.setenv("CSIKIT_CAPACITY_FILE", str(path))
    runner = CliRunner()
    out = runner.invoke(main, ["capacity", "--show"])
    assert out.exit_code == 1 and "No calibration for this machine" in out.output
    _calibration(_rung(25, True), _rung(50, False, open_p95=1.9)).save()
    out = runner.invoke(main, ["capacity", "--show"])
    assert out.exit_code == 0 and "Ceiling: 25" in out.output and "1.90 s" in out.output
    out = runner.invoke(main, ["capacity", "--ladder", "25,lots"])
    assert out.exit_code == 1 and "give room sizes" in out.output and "Traceback" not in out.output
    assert json.loads(path.read_text())["rungs"][0]["n"] == 25  # a refused run keeps what was measured


@pytest.mark.server
def test_calibrate_plays_a_real_room_and_keeps_it(tmp_path, monkeypatch):
    pytest.importorskip("voila")
    monkeypatch.setenv("CSIKIT_CAPACITY_FILE", str(tmp_path / "capacity.json"))
    said: list[str] = []
    cal = capacity.calibrate([3], arrival_seconds=1.0, report=said.append, folder=tmp_path)
    (rung,) = cal.rungs
    assert rung["n"] == 3 and rung["joined"] == 3 and rung["failed"] == 0
    assert rung["open_p95"] < 30 and rung["pool_warm_s"] > 0
    assert any("room of 3" in s for s in said)
    cal.save()
    assert load_calibration().rungs == cal.rungs
