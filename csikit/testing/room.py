"""A room played by headless participants: N people arrive, stay, follow an Open and vote.

``csikit capacity`` climbs a ladder of room sizes with it on this machine, and
``benchmarks/room.py`` compares it with the floor (bare ipywidgets) under the same
server settings. One run: a warm server (``csikit serve``'s participant server, pool
sized for N), N headless participants arriving at random instants over
``arrival_seconds`` and staying connected; the facilitator selects the activity in the
agenda and ``select_seconds`` later opens it; every phone must show it; everyone clicks
"+" once.

Linux only (process CPU and memory from ``/proc``); 127.0.0.1 only; every wait bounded.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .headless import HeadlessParticipant

#: What a room must meet at size N to count as held: every join works, joins are quick,
#: and the facilitator's Open reaches every screen quickly (issue 12 of the tracker).
GOALS = {"join_p95": 3.0, "open_p95": 1.5}
#: The activity every room votes in: the demo workshop's dot vote, and its first item.
DOT_VOTE, FIRST_ITEM = "s3-vote", "c1"


@dataclass
class RoomPlan:
    """How the room behaves: arrivals, the quiet moments measured, the facilitator's pace."""

    arrival_seconds: float = 60.0
    idle_seconds: float = 15.0  # CPU measured with the pool waiting, and with the room joined
    select_seconds: float = 3.0  # the facilitator selects, reads the question out, opens
    timeout: float = 300.0
    seed: int | None = None


@dataclass
class Room:
    """What differs between csikit and a floor: where the page is, how to open, vote and count."""

    url: str
    roots: list[int]  # the server processes (their kernels are found below them)
    open_activity: Callable[[], object]
    votes: Callable[[], int]
    plus: dict  # how a "+" button is found on the screen
    select: Callable[[], object] = lambda: None  # what the facilitator's click in the agenda does


@dataclass
class RoomResult:
    n: int
    joined: int
    failed: list[str]
    joins: list[float]
    opens: list[float]
    votes: list[float]
    arrived: float
    cpu: float
    wall: float
    pss_mb: float
    processes: int
    idle_pool: float  # % of one core, the warm pool before anyone came
    idle_room: float  # % of one core, the joined room while nothing changes
    extra: dict = field(default_factory=dict)

    def meets(self, goals: dict[str, float] = GOALS) -> bool:
        """0 failed joins, everyone joined, join p95 and open → screen p95 within ``goals``."""
        return (not self.failed and self.joined == self.n and percentile(self.joins, 95) <= goals["join_p95"]
                and len(self.opens) == self.joined and percentile(self.opens, 95) <= goals["open_p95"])

    def summary(self) -> dict:
        """The figures a calibration keeps."""
        return {"n": self.n, "joined": self.joined, "failed": len(self.failed),
                "join_p95": round(percentile(self.joins, 95), 2), "open_p50": round(percentile(self.opens, 50), 2),
                "open_p95": round(percentile(self.opens, 95), 2), "met": self.meets()}


def percentile(values, q: float) -> float:
    """The ``q``-th percentile, linear between ranks; NaN for no values."""
    xs = sorted(values)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def tree(roots: list[int]) -> list[int]:
    """``roots`` and all their descendants (servers and their kernels)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(") ", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    out, todo = [], list(roots)
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def cpu_seconds(pids) -> float:
    """User + system CPU time of the given processes."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(") ", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total / tick


def pss_mb(pids) -> float:
    """Proportional set size of the given processes (shared pages counted once overall)."""
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as fh:
                total += next(int(line.split()[1]) for line in fh if line.startswith("Pss:")) / 1024
        except (OSError, StopIteration):
            pass
    return total


async def _idle(room: Room, seconds: float, pids: list[int] | None = None) -> float:
    """CPU of ``pids`` (default: the whole tree) over ``seconds`` of nothing happening, in % of one core."""
    if seconds <= 0:
        return float("nan")
    pids = tree(room.roots) if pids is None else pids
    cpu0, t0 = cpu_seconds(pids), time.monotonic()
    await asyncio.sleep(seconds)
    return 100 * (cpu_seconds(pids) - cpu0) / (time.monotonic() - t0)


async def play(room: Room, n: int, plan: RoomPlan) -> RoomResult:
    """N people arrive over the plan's seconds and stay; the facilitator opens; all vote."""
    rng = random.Random(n if plan.seed is None else plan.seed)
    idle_pool = await _idle(room, plan.idle_seconds)
    pooled = [p for p in tree(room.roots) if p not in room.roots]  # the warm kernels people will take
    people: list[HeadlessParticipant] = []
    joins: list[float] = []
    failed: list[str] = []

    async def arrive(i: int) -> None:
        await asyncio.sleep(rng.uniform(0, plan.arrival_seconds))
        p = HeadlessParticipant(room.url, timeout=plan.timeout)
        t0 = time.monotonic()
        try:
            await p.connect()
            await p.wait_for(lambda p: p.find(description="Join", model_name="ButtonModel"))
            joins.append(time.monotonic() - t0)
            await p.join(f"R{i}")
            people.append(p)
        except Exception as exc:  # noqa: BLE001 - counted and reported
            failed.append(f"{type(exc).__name__}: {str(exc)[:120]}")
            await p.close()

    cpu0, t0 = cpu_seconds(tree(room.roots)), time.monotonic()
    await asyncio.gather(*(arrive(i) for i in range(n)))
    arrived = time.monotonic() - t0
    await asyncio.sleep(2)  # let the last joins settle before the Open
    # only the kernels that were warm before anyone came (taken ones and spares): the
    # server's refill of the pool runs meanwhile and is not what following the room costs
    idle_room = await _idle(room, plan.idle_seconds, pooled)
    if plan.select_seconds > 0:  # the facilitator selects the activity, reads it out, then presses Open
        room.select()
        await asyncio.sleep(plan.select_seconds)
    t_open, client0 = time.monotonic(), time.process_time()
    room.open_activity()

    async def screen(p: HeadlessParticipant) -> float:
        await p.wait_for(lambda p: p.find(**room.plus, model_name="ButtonModel"), timeout=plan.timeout)
        return time.monotonic() - t_open

    shown = await asyncio.gather(*(screen(p) for p in people), return_exceptions=True)
    opens = [s for s in shown if isinstance(s, float)]
    # the headless people share this one process: its CPU over the Open says whether the
    # measurement waited for them rather than for the servers
    client_open = time.process_time() - client0
    sent: list[float] = []
    seen: dict[int, float] = {}
    before = room.votes()

    async def watch() -> None:
        deadline = time.monotonic() + plan.timeout
        while len(seen) < len(people) and time.monotonic() < deadline:
            k = room.votes() - before
            now = time.monotonic()
            for i in range(len(seen) + 1, k + 1):
                seen[i] = now
            await asyncio.sleep(0.05)

    async def vote(p: HeadlessParticipant) -> None:
        await asyncio.sleep(rng.uniform(0, 5))
        sent.append(time.monotonic())
        await p.click(**room.plus)

    watcher = asyncio.get_running_loop().create_task(watch())
    voters = [p for p, s in zip(people, shown, strict=True) if isinstance(s, float)]
    await asyncio.gather(*(vote(p) for p in voters), return_exceptions=True)
    await watcher
    wall = time.monotonic() - t0
    pids = tree(room.roots)
    cpu, pss = cpu_seconds(pids) - cpu0, pss_mb(pids)
    await asyncio.gather(*(p.close() for p in people))
    sent.sort()
    votes = [seen[i + 1] - t for i, t in enumerate(sent) if i + 1 in seen]
    return RoomResult(n, len(people), failed, joins, opens, votes, arrived, cpu, wall, pss, len(pids),
                      idle_pool, idle_room, {"client_cpu_open_s": round(client_open, 2)})


def play_csikit(n: int, plan: RoomPlan, folder, *, participant_servers: int = 1, store_url: str = "",
                on_warm: Callable[[float], object] = lambda s: None) -> RoomResult:
    """A room of ``n`` on ``csikit serve``'s servers (pool for ``n``, warm first) with the demo
    workshop in a fresh SQLite store under ``folder`` (or in ``store_url``, an empty store).

    ``participant_servers`` > 1: that many participant servers behind nginx on this
    machine (``csikit serve --participant-servers``), the pool shared out among them.
    """
    import shutil
    from pathlib import Path

    from ..paths import demo_source
    from ..serve import free_port, start_servers
    from ..store import Store, room_signal
    from ..workshop_file import load_workshop

    folder = Path(folder)
    shutil.copytree(demo_source(), folder / "demo", ignore=shutil.ignore_patterns("*.sqlite*"))
    ws = load_workshop(folder / "demo")
    url = store_url or f"sqlite:///{folder}/store.sqlite"
    store = Store(url)
    store.sync_workshop(ws)
    if participant_servers > 1:
        from ..scaleout import start_scaled

        servers = start_scaled(url, ws.code, participant_servers=participant_servers, host="127.0.0.1",
                               participant_port=free_port(), facilitator_port=free_port(), expected=n, log_dir=folder)
    else:
        servers = start_servers(url, ws.code, host="127.0.0.1", participant_port=free_port(),
                                facilitator_port=free_port(), expected=n, log_dir=folder)
    try:
        t0 = time.monotonic()
        servers.wait_ready(timeout=120)
        last, since = None, time.monotonic()
        while (s := servers.pool_status()) is None or s[0] < s[1]:
            if time.monotonic() - t0 > 1800 or any(p.poll() is not None for p in servers.processes):
                raise RuntimeError(f"the pool did not warm: {s}")
            if s != last:
                last, since = s, time.monotonic()
            elif s and time.monotonic() - since > 90:  # the memory guard stopped it, or a kernel failed
                break
            time.sleep(1)
        warm = time.monotonic() - t0
        on_warm(warm)
        item = next(i.text for i in ws.activity(DOT_VOTE).items if i.id == FIRST_ITEM)
        room = Room(servers.participant_url, [p.pid for p in servers.processes],
                    open_activity=lambda: store.open_activity(ws.code, DOT_VOTE),
                    votes=lambda: len(store.responses(ws.code, DOT_VOTE)),
                    plus={"description": "+", "near_text": item},
                    select=lambda: room_signal.announce(store.signal_path, ws.code, DOT_VOTE))
        result = asyncio.run(play(room, n, plan))
        result.extra["pool_warm_s"] = round(warm, 1)
        if s and s[0] < s[1]:
            result.extra["pool_stalled_at"] = f"{s[0]}/{s[1]}"
        return result
    finally:
        servers.stop()
        store.close()
