"""How many phones one room process holds on this machine: a measured ceiling, kept per machine, and advice.

A phone costs the room server one websocket and a screen message per change, not a
Python kernel, so CPU at the Open (every phone's screen built and sent at once) sets
the ceiling, not memory. ``csikit capacity`` climbs a ladder of room sizes
(:mod:`csikit.testing.room`: headless phones arrive, stay, follow an Open and vote) and
keeps the largest room that met the goals — up to 300 phones: 0 failed joins, join,
Open → every screen and vote → store p95 ≤ 0.5 s; above: 0 failed joins and Open p95
≤ 1.5 s (issue 21) — in a small JSON file for this machine (its cores, memory and CPU model).
``csikit serve --expected N`` compares N with it (:func:`advice`); a machine never
calibrated gets an estimate from its cores, scaled from the figure measured for
csikit (:data:`MEASURED`).
"""

from __future__ import annotations

import json
import os
import platform
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import timezone
from pathlib import Path

from . import clock

#: The sizes ``csikit capacity`` climbs unless told otherwise (it stops at the first miss).
LADDER = (100, 300, 1000, 2000, 3000)
#: What a calibration file measured: the room endpoint (files of the kernel-per-phone path are ignored).
PATH = "room"
#: The room one room process held in every run of benchmarks/room.py on 2 cores (phones
#: arriving over 30 s, SQLite; Open → screens p95 0.41–0.53 s; 3,000 held in one run of
#: two): the estimate for a machine never calibrated, scaled by its cores.
MEASURED = {"phones": 1000, "cores": 2, "measured": "2026-12-05", "open_p95": 0.53}
#: Server memory of one connected phone, in MB (benchmarks/room.py measured well below this).
PHONE_MB = 1.0
#: What ``csikit serve`` tells a facilitator whose room is larger than one room process holds.
SCALE_OUT = (
    "run several room processes with `--participant-servers N` on one PostgreSQL store (one per core), "
    'or on other machines behind nginx (README: "More people than one machine holds")'
)


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
    rungs: list[dict] = field(default_factory=list)  # RoomResult.summary()
    path: str = PATH

    @property
    def ceiling(self) -> int:
        """The largest room held below the first miss (0: none)."""
        held = 0
        for r in sorted(self.rungs, key=lambda r: r["n"]):
            if not r["met"]:
                break
            held = r["n"]
        return held

    @property
    def missed(self) -> dict | None:
        """The first rung that missed, if the ladder found one."""
        return next((r for r in sorted(self.rungs, key=lambda r: r["n"]) if not r["met"]), None)

    def for_this_machine(self) -> bool:
        here = machine()
        return (
            self.machine.get("cores") == here["cores"]
            and abs(self.machine.get("memory_gib", 0) - here["memory_gib"]) < 1
        )

    def save(self, path: Path | None = None) -> Path:
        path = path or calibration_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as fh:
            json.dump(asdict(self), fh, indent=2)
        os.replace(fh.name, path)
        return path


def load_calibration(path: Path | None = None) -> Calibration | None:
    """This machine's calibration of the room endpoint, or None (never measured, unreadable,
    another machine's, or one measured on the old kernel-per-phone path)."""
    path = path or calibration_file()
    try:
        data = json.loads(path.read_text())
        if data.get("path") != PATH:
            return None
        cal = Calibration(data["machine"], data["measured"], float(data["arrival_seconds"]), list(data["rungs"]))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return cal if cal.for_this_machine() else None


def calibrate(
    sizes=LADDER, *, arrival_seconds: float = 30.0, report=print, folder: Path | None = None, client_processes: int = 0
) -> Calibration:
    """Climb ``sizes`` (smallest first) until a room misses the goals; returns the calibration.

    Each rung starts ``csikit serve``'s room server on a fresh demo store in a temporary
    folder, plays the room (phones in this process up to 300, else spread over two) and
    stops it.
    """
    from .testing.room import RoomPlan, play_csikit

    cal = Calibration(
        machine(), clock.utcnow().replace(tzinfo=timezone.utc).isoformat(timespec="seconds"), arrival_seconds
    )
    for n in sorted(set(sizes)):
        k = client_processes or (1 if n <= 300 else 2)
        plan = RoomPlan(arrival_seconds=arrival_seconds, idle_seconds=0.0, client_processes=k)
        report(f"room of {n}: {n} phones arrive over {arrival_seconds:g} s, an Open, a vote each …")
        with tempfile.TemporaryDirectory(prefix="csikit-capacity-", dir=folder) as tmp:
            result = play_csikit(n, plan, tmp)
        rung = result.summary()
        if not rung["met"]:
            rung["missed"] = result.misses()
        cal.rungs.append(rung)
        report(
            f"  {n}: {'held' if rung['met'] else 'missed'} — joined {rung['joined']}/{n}, {rung['failed']} failed, "
            f"join p95 {rung['join_p95']:.2f} s, Open → screen p95 {rung['open_p95']:.2f} s, "
            f"vote → store p95 {rung['vote_p95']:.2f} s, {rung['mb_per_phone']:.2f} MB per phone"
        )
        if not rung["met"]:
            break
    return cal


def estimate(cores: int | None = None) -> int:
    """Phones one room process holds on a machine of ``cores`` never calibrated (scaled from :data:`MEASURED`).

    One room process is one Python process (one core busy at the Open), but the phones'
    network and the store's work run on the others: the measured figure is scaled by
    cores up to the measured machine's and not beyond.
    """
    cores = max(1, cores or os.cpu_count() or 1)
    return max(50, MEASURED["phones"] * min(cores, MEASURED["cores"]) // MEASURED["cores"])


def memory_phones(total_mb: int | None = None) -> int:
    """Connected phones this machine's memory holds (:data:`PHONE_MB` each, 1 GiB kept for the rest)."""
    if total_mb is None:
        try:
            total_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
        except (ValueError, OSError, AttributeError):
            return 10**6
    return int(max(0, total_mb - 1024) / PHONE_MB)


def advice(expected: int, *, servers: int = 1, calibration: Calibration | None = None) -> tuple[str, str]:
    """``(level, text)`` for a facilitator expecting ``expected`` people: ``"ok"``, ``"warn"`` or ``"unknown"``.

    ``servers``: room processes (``--participant-servers``). With this machine's
    calibration the text quotes the measured ceiling; without one, the estimate from its
    cores and how to measure. Beyond the ceiling it says what to do. Nothing to warm:
    phones cost no kernel, so the servers are ready as soon as they answer.
    """
    servers = max(1, servers)
    memory = memory_phones()
    if expected > memory:
        return "warn", (
            f"Warning: {expected} people are more than this machine's memory holds: about {memory} "
            f"connected phones at {PHONE_MB:g} MB each. Beyond that, {SCALE_OUT}."
        )
    cal = calibration if calibration is not None else load_calibration()
    if cal is None:
        one = estimate()
        measure = "Run `csikit capacity` once to measure what this machine holds."
        held = one * servers
        if expected <= held:
            return "unknown", (
                f"About {held} phones fit {'one room process' if servers == 1 else f'{servers} room processes'} "
                f"on {machine()['cores']} cores (an estimate: csikit held {MEASURED['phones']} on "
                f"{MEASURED['cores']} cores, benchmarks/room.py); {expected} expected is within it. {measure}"
            )
        return "warn", (
            f"Warning: {expected} people are more than "
            f"{'one room process serves' if servers == 1 else f'{servers} room processes serve'} "
            f"well here: about {held} (an estimate: csikit held {MEASURED['phones']} on "
            f"{MEASURED['cores']} cores, benchmarks/room.py). Beyond that, {SCALE_OUT}. {measure}"
        )
    day = cal.measured[:10]
    held = cal.ceiling * servers
    if expected <= cal.ceiling:
        return (
            "ok",
            (
                f"One room process on this machine held {cal.ceiling} phones (csikit capacity, {day}): "
                f"{expected} expected is within it."
            ),
        )
    beyond = cal.missed
    why = ""
    if beyond:
        why = f"; at {beyond['n']} the Open took {beyond['open_p95']:.1f} s to reach 95 % of screens"
        if beyond.get("failed"):
            why += f" and {beyond['failed']} joins failed"
    if servers > 1 and expected <= held:
        return "ok", (
            f"{servers} room processes: about {held} phones if each has a core like this machine's "
            f"(one held {cal.ceiling}, csikit capacity, {day})."
        )
    if beyond is None and cal.ceiling:
        return "warn", (
            f"Warning: {expected} people are more than the largest room measured on this machine: "
            f"{cal.ceiling} held, nothing larger tried (csikit capacity, {day}). Measure it with "
            f"`csikit capacity --ladder {cal.ceiling},{expected}`; beyond what one process holds, {SCALE_OUT}."
        )
    return "warn", (
        f"Warning: {expected} people are more than one room process on this machine held: {cal.ceiling} "
        f"(csikit capacity, {day}{why}). Beyond that, {SCALE_OUT}."
    )
