"""How many people this machine holds: a measured ceiling, kept per machine, and advice.

``csikit capacity`` climbs a ladder of room sizes (:mod:`csikit.testing.room`: headless
people arrive, stay, follow an Open and vote) and keeps the largest room that met the
goals — 0 failed joins, join p95 ≤ 3 s, Open → every screen p95 ≤ 1.5 s — in a small JSON
file for this machine (its cores, memory and CPU model). ``csikit serve --expected N``
compares N with it and says plainly what to do beyond it; a machine never calibrated
gets an estimate from its cores and memory (:func:`csikit.serve.capacity_warning`).
"""

from __future__ import annotations

import json
import os
import platform
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

#: The sizes ``csikit capacity`` climbs unless told otherwise (it stops at the first miss).
LADDER = (25, 50, 100, 150, 200, 300)
#: What ``csikit serve`` tells a facilitator whose room is larger than one machine holds.
SCALE_OUT = ("add participant servers on other machines behind nginx with one PostgreSQL store "
             "(README: \"More people than one machine holds\")")


def machine() -> dict:
    """What a calibration is valid for: cores, memory and CPU model of this machine."""
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        memory = 0.0
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"cores": os.cpu_count() or 1, "memory_gib": round(memory, 1), "cpu": cpu or "unknown"}


def calibration_file() -> Path:
    """``$CSIKIT_CAPACITY_FILE``, else ``~/.config/csikit/capacity.json`` (``$XDG_CONFIG_HOME``)."""
    if os.environ.get("CSIKIT_CAPACITY_FILE"):
        return Path(os.environ["CSIKIT_CAPACITY_FILE"])
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "csikit" / "capacity.json"


@dataclass
class Calibration:
    """The ladder one machine climbed: each rung's figures and the largest room it held."""

    machine: dict
    measured: str  # ISO time, UTC
    arrival_seconds: float
    rungs: list[dict] = field(default_factory=list)  # RoomResult.summary() plus pool_warm_s

    @property
    def ceiling(self) -> int:
        """The largest room that met the goals (0: none did)."""
        held = [r["n"] for r in self.rungs if r["met"]]
        return max(held, default=0)

    @property
    def missed(self) -> dict | None:
        """The first rung that missed, if the ladder found one."""
        return next((r for r in self.rungs if not r["met"]), None)

    def warm_seconds(self, expected: int) -> float | None:
        """How long the pool takes to warm for ``expected`` people, from the largest rung's warm-up."""
        timed = [r for r in self.rungs if r.get("pool_warm_s")]
        if not timed:
            return None
        r = max(timed, key=lambda r: r["n"])
        return r["pool_warm_s"] * expected / r["n"]

    def for_this_machine(self) -> bool:
        here = machine()
        return self.machine.get("cores") == here["cores"] and abs(self.machine.get("memory_gib", 0) - here["memory_gib"]) < 1

    def save(self, path: Path | None = None) -> Path:
        path = path or calibration_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as fh:
            json.dump(asdict(self), fh, indent=2)
        os.replace(fh.name, path)
        return path


def load_calibration(path: Path | None = None) -> Calibration | None:
    """This machine's calibration, or None (never measured, unreadable, or another machine's)."""
    path = path or calibration_file()
    try:
        data = json.loads(path.read_text())
        cal = Calibration(data["machine"], data["measured"], float(data["arrival_seconds"]), list(data["rungs"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return cal if cal.for_this_machine() else None


def calibrate(sizes=LADDER, *, arrival_seconds: float = 30.0, report=print, folder: Path | None = None) -> Calibration:
    """Climb ``sizes`` (smallest first) until a room misses the goals; returns the calibration.

    Each rung starts ``csikit serve``'s servers for that many people on a fresh demo
    store in a temporary folder, waits for the warm pool, plays the room and stops them.
    """
    from .testing.room import RoomPlan, play_csikit

    plan = RoomPlan(arrival_seconds=arrival_seconds, idle_seconds=0.0)
    cal = Calibration(machine(), datetime.now(timezone.utc).isoformat(timespec="seconds"), arrival_seconds)
    for n in sorted(set(sizes)):
        report(f"room of {n}: warming a pool for {n}, then {n} people arrive over {arrival_seconds:g} s …")
        with tempfile.TemporaryDirectory(prefix="csikit-capacity-", dir=folder) as tmp:
            result = play_csikit(n, plan, tmp)
        rung = {**result.summary(), **result.extra}
        cal.rungs.append(rung)
        report(f"  {n}: {'held' if rung['met'] else 'missed'} — joined {rung['joined']}/{n}, {rung['failed']} failed, "
               f"join p95 {rung['join_p95']:.2f} s, Open → screen p95 {rung['open_p95']:.2f} s, "
               f"pool warm in {rung.get('pool_warm_s', 0):.0f} s")
        if not rung["met"]:
            break
    return cal


def _minutes(seconds: float) -> str:
    return f"{max(1, round(seconds / 60))} min"


def advice(expected: int, *, servers: int = 1, calibration: Calibration | None = None) -> tuple[str, str]:
    """``(level, text)`` for a facilitator expecting ``expected`` people: ``"ok"``, ``"warn"`` or ``"unknown"``.

    With this machine's calibration the text quotes the measured ceiling and how long the
    pool takes to warm; beyond the ceiling it says what to do. Without one it gives the
    estimate from cores and memory and how to measure.
    """
    from .serve import capacity_warning

    cal = calibration if calibration is not None else load_calibration()
    if cal is None:
        warning = capacity_warning(expected, servers=servers)
        measure = "Run `csikit capacity` once to measure what this machine holds."
        return ("warn", f"{warning} {measure}") if warning else ("unknown", measure)
    day = cal.measured[:10]
    held = cal.ceiling * servers
    warm = cal.warm_seconds(expected)
    start = f" Start the servers at least {_minutes(warm)} before people arrive, so the pool is warm." if warm else ""
    if expected <= cal.ceiling:
        return "ok", (f"This machine held a room of {cal.ceiling} (csikit capacity, {day}): {expected} expected is within it."
                      + start)
    beyond = cal.missed
    why = (f"; at {beyond['n']} the Open took {beyond['open_p95']:.1f} s to reach 95 % of screens"
           f"{' and ' + str(beyond['failed']) + ' joins failed' if beyond['failed'] else ''}") if beyond else ""
    if servers > 1 and expected <= held:
        return "ok", (f"{servers} participant servers: about {held} people if each has a machine like this one "
                      f"(one held {cal.ceiling}, csikit capacity, {day}).{start}")
    return "warn", (f"Warning: {expected} people are more than this machine held: {cal.ceiling} (csikit capacity, {day}{why}). "
                    f"Beyond that, {SCALE_OUT}.{start}")
