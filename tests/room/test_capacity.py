"""The measured ceiling of one room process: a calibration kept per machine, the advice
`csikit serve` gives, and one small real room played by headless phones on the room
endpoint (csikit.testing.room)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from csikit import capacity
from csikit.capacity import Calibration, advice, estimate, load_calibration, machine
from csikit.cli import main


def _rung(n: int, met: bool, *, open_p95: float = 0.4, failed: int = 0) -> dict:
    return {
        "n": n,
        "joined": n - failed,
        "failed": failed,
        "join_p95": 0.1,
        "open_p50": 0.2,
        "open_p95": open_p95,
        "vote_p95": 0.05,
        "mb_per_phone": 0.1,
        "kernels": 0,
        "met": met,
    }


def _calibration(*rungs, here: bool = True) -> Calibration:
    m = machine() if here else {**machine(), "cores": machine()["cores"] + 6}
    return Calibration(m, "2026-12-06T02:00:00+00:00", 30.0, list(rungs))


def test_the_ceiling_is_the_largest_room_held_before_the_first_miss():
    cal = _calibration(_rung(100, True), _rung(300, True), _rung(1000, False, open_p95=2.4))
    assert cal.ceiling == 300
    assert cal.missed["n"] == 1000
    assert _calibration(_rung(100, False)).ceiling == 0
    assert _calibration(_rung(100, True), _rung(300, False), _rung(1000, True)).ceiling == 100  # the ladder stops


def test_advice_within_and_beyond_the_measured_ceiling():
    cal = _calibration(_rung(300, True), _rung(1000, True), _rung(3000, False, open_p95=2.4, failed=3))
    level, text = advice(800, calibration=cal)
    assert level == "ok" and "held 1000 phones" in text and "2026-12-06" in text
    assert "kernel" not in text and "pool" not in text and "before people arrive" not in text
    level, text = advice(2000, calibration=cal)
    assert level == "warn" and text.startswith("Warning:")
    assert "one room process on this machine held: 1000" in text
    assert "at 3000 the Open took 2.4 s" in text and "3 joins failed" in text
    assert "--participant-servers" in text and "PostgreSQL" in text and "More people than one machine holds" in text
    level, text = advice(1800, servers=2, calibration=cal)
    assert level == "ok" and "about 2000 phones" in text


def test_beyond_a_ladder_that_never_missed_the_advice_says_to_measure_further():
    cal = _calibration(_rung(100, True), _rung(300, True))
    level, text = advice(1000, calibration=cal)
    assert level == "warn" and "largest room measured on this machine: 300 held, nothing larger tried" in text
    assert "csikit capacity --ladder 300,1000" in text


def test_without_a_calibration_the_advice_is_the_estimate_and_how_to_measure(tmp_path, monkeypatch):
    monkeypatch.setenv("CSIKIT_CAPACITY_FILE", str(tmp_path / "none.json"))
    level, text = advice(10)
    assert level == "unknown" and "csikit capacity" in text and f"About {estimate()} phones" in text
    level, text = advice(estimate() + 1)
    assert level == "warn" and text.startswith("Warning:") and "csikit capacity" in text
    assert "--participant-servers" in text
    level, _ = advice(estimate() + 1, servers=2)
    assert level == "unknown"
    level, text = advice(10**9)  # more phones than memory holds, whatever the CPU
    assert level == "warn" and "memory" in text


def test_the_estimate_scales_with_cores_up_to_the_measured_machine():
    assert estimate(capacity.MEASURED["cores"]) == capacity.MEASURED["phones"]
    assert estimate(1) == capacity.MEASURED["phones"] // capacity.MEASURED["cores"]
    assert estimate(64) == capacity.MEASURED["phones"]  # one room process is one Python process


def test_a_calibration_is_kept_for_this_machine_and_this_path_only(tmp_path, monkeypatch):
    path = tmp_path / "sub" / "capacity.json"
    monkeypatch.setenv("CSIKIT_CAPACITY_FILE", str(path))
    _calibration(_rung(300, True), _rung(1000, False)).save()
    assert load_calibration().ceiling == 300
    _calibration(_rung(3000, True), here=False).save()  # copied from a larger machine
    assert load_calibration() is None
    old = {
        "machine": machine(),
        "measured": "2026-12-01T02:00:00+00:00",
        "arrival_seconds": 30.0,
        "rungs": [
            {
                "n": 50,
                "joined": 50,
                "failed": 0,
                "join_p95": 0.2,
                "open_p50": 0.5,
                "open_p95": 0.9,
                "met": True,
                "pool_warm_s": 60.0,
            }
        ],
    }
    path.write_text(json.dumps(old))  # measured on the kernel-per-phone path: says nothing of the room server
    assert load_calibration() is None
    path.write_text("{ not json")
    assert load_calibration() is None


def test_cli_show_and_a_bad_ladder(tmp_path, monkeypatch):
    path = tmp_path / "capacity.json"
    monkeypatch.setenv("CSIKIT_CAPACITY_FILE", str(path))
    runner = CliRunner()
    out = runner.invoke(main, ["capacity", "--show"])
    assert out.exit_code == 1 and "No calibration for this machine" in out.output
    _calibration(_rung(300, True), _rung(1000, False, open_p95=1.9)).save()
    out = runner.invoke(main, ["capacity", "--show"])
    assert out.exit_code == 0 and "Ceiling: 300" in out.output and "1.90 s" in out.output
    assert "vote → store p95 0.05 s" in out.output
    out = runner.invoke(main, ["capacity", "--ladder", "100,lots"])
    assert out.exit_code == 1 and "give room sizes" in out.output and "Traceback" not in out.output
    assert json.loads(path.read_text())["rungs"][0]["n"] == 300  # a refused run keeps what was measured


@pytest.mark.server
def test_calibrate_plays_a_real_room_and_keeps_it(tmp_path, monkeypatch):
    monkeypatch.setenv("CSIKIT_CAPACITY_FILE", str(tmp_path / "capacity.json"))
    said: list[str] = []
    cal = capacity.calibrate([5], arrival_seconds=1.0, report=said.append, folder=tmp_path)
    (rung,) = cal.rungs
    assert rung["n"] == 5 and rung["joined"] == 5 and rung["failed"] == 0, (rung, said)
    assert rung["open_p95"] < 30 and rung["kernels"] == 0
    assert any("room of 5" in s for s in said)
    cal.save()
    assert load_calibration().rungs == cal.rungs
