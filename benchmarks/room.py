"""A room: N participants arrive over S seconds, stay connected, follow an Open and vote.

    python benchmarks/room.py --participants 40 [--arrival-seconds 60] [--no-floor]
    python benchmarks/room.py --ladder 50,100,150,200,300 [--arrival-seconds 60]

``csikit serve``'s two servers (``start_servers``, pool sized by ``--expected N`` and
warm before anyone arrives) on a fresh demo store. N headless participants
(csikit.loadgen) arrive at random instants over S seconds, join and stay connected.
Then the facilitator selects the dot vote in the agenda (which tells the phones what is
about to open, so they build its screen ahead), and ``--select-seconds`` later opens it
(the store call the facilitator app's Open button makes); every phone must show it; then every participant clicks "+" once.

Reported: joined/failed; join (page request → interactive, as benchmarks/join_time.py)
p50/p95; open → all screens p50/p95/max; vote → store (click → the response row is
in the store) p50/p95/max; CPU seconds and PSS memory of the whole process tree
(servers and kernels); the idle CPU of that tree over ``--idle-seconds`` while the warm
pool waits for people (nobody joined) and while the room sits joined before the Open
(what following the facilitator costs when nothing changes). The floor runs the same room on ``floor/room.ipynb`` (bare
ipywidgets and sqlite3, polling like the participant app) under the same server
settings. ``--ladder`` climbs the sizes and finds, for csikit and for the floor, the
largest N with 0 failed joins, join p95 ≤ 3 s and open → screen p95 ≤ 1.5 s (each stops
climbing at its first miss) and prints both ceilings.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sqlite3
import time

import _live as L

from csikit.loadgen import Participant

DOT_VOTE = "s3-vote"
FLOOR_NOTEBOOK = L.FLOOR / "room.ipynb"
GOALS = {"join_p95": 3.0, "open_p95": 1.5}
IDLE_S = 15.0
SELECT_S = 3.0


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


def pss_mb(pids) -> float:
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as fh:
                total += next(int(line.split()[1]) for line in fh if line.startswith("Pss:")) / 1024
        except (OSError, StopIteration):
            pass
    return total


class Room:
    """What differs between csikit and the floor: where the page is, how to open, vote and count."""

    def __init__(self, url: str, roots: list[int], *, open_activity, votes, plus: dict, select=lambda: None):
        self.url, self.roots, self.open_activity, self.votes, self.plus = url, roots, open_activity, votes, plus
        self.select = select  # what the facilitator's click on the activity in the agenda does


async def _idle(room: Room, seconds: float, pids: list[int] | None = None) -> float:
    """CPU of ``pids`` (default: the whole tree) over ``seconds`` of nothing happening, in % of one core."""
    if seconds <= 0:
        return float("nan")
    pids = tree(room.roots) if pids is None else pids
    cpu0, t0 = L.cpu_seconds(pids), time.monotonic()
    await asyncio.sleep(seconds)
    return 100 * (L.cpu_seconds(pids) - cpu0) / (time.monotonic() - t0)


async def _room(room: Room, n: int, arrival: float, timeout: float) -> dict:
    rng = random.Random(n)
    idle_pool = await _idle(room, IDLE_S)
    pooled = [p for p in tree(room.roots) if p not in room.roots]  # the warm kernels people will take
    people: list[Participant] = []
    joins: list[float] = []
    failed: list[str] = []

    async def arrive(i: int) -> None:
        await asyncio.sleep(rng.uniform(0, arrival))
        p = Participant(room.url, timeout=timeout)
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

    cpu0, t0 = L.cpu_seconds(tree(room.roots)), time.monotonic()
    await asyncio.gather(*(arrive(i) for i in range(n)))
    arrived = time.monotonic() - t0
    await asyncio.sleep(2)  # let the last joins settle before the Open
    # only the kernels that were warm before anyone came (taken ones and spares): the
    # server's refill of the pool runs meanwhile and is not what following the room costs
    idle_room = await _idle(room, IDLE_S, pooled)
    if SELECT_S > 0:  # the facilitator selects the activity, reads it out, then presses Open
        room.select()
        await asyncio.sleep(SELECT_S)
    t_open = time.monotonic()
    room.open_activity()

    async def screen(p: Participant) -> float:
        await p.wait_for(lambda p: p.find(**room.plus, model_name="ButtonModel"), timeout=timeout)
        return time.monotonic() - t_open

    shown = await asyncio.gather(*(screen(p) for p in people), return_exceptions=True)
    opens = [s for s in shown if isinstance(s, float)]
    sent: list[float] = []
    seen: dict[int, float] = {}
    before = room.votes()

    async def watch() -> None:
        deadline = time.monotonic() + timeout
        while len(seen) < len(people) and time.monotonic() < deadline:
            k = room.votes() - before
            now = time.monotonic()
            for i in range(len(seen) + 1, k + 1):
                seen[i] = now
            await asyncio.sleep(0.05)

    async def vote(p: Participant) -> None:
        await asyncio.sleep(rng.uniform(0, 5))
        sent.append(time.monotonic())
        await p.click(**room.plus)

    watcher = asyncio.get_running_loop().create_task(watch())
    voters = [p for p, s in zip(people, shown, strict=True) if isinstance(s, float)]
    await asyncio.gather(*(vote(p) for p in voters), return_exceptions=True)
    await watcher
    wall = time.monotonic() - t0
    pids = tree(room.roots)
    cpu, pss = L.cpu_seconds(pids) - cpu0, pss_mb(pids)
    await asyncio.gather(*(p.close() for p in people))
    sent.sort()
    votes = [seen[i + 1] - t for i, t in enumerate(sent) if i + 1 in seen]
    return {"n": n, "joined": len(people), "failed": failed, "joins": joins, "opens": opens, "votes": votes,
            "arrived": arrived, "cpu": cpu, "wall": wall, "pss": pss, "processes": len(pids),
            "idle_pool": idle_pool, "idle_room": idle_room}


def _stats(xs: list[float]) -> str:
    if not xs:
        return "—"
    return f"p50 {L.percentile(xs, 50):.2f} s, p95 {L.percentile(xs, 95):.2f} s, max {max(xs):.2f} s"


def report(name: str, r: dict) -> None:
    cores = os.cpu_count() or 1
    print(f"   {name}: joined {r['joined']}/{r['n']} ({len(r['failed'])} failed) over {r['arrived']:.0f} s")
    for why in sorted(set(r["failed"]))[:3]:
        print(f"      failed: {why}")
    print(f"      join (page → interactive)  {_stats(r['joins'])}")
    print(f"      open → screen ({len(r['opens'])})       {_stats(r['opens'])}")
    print(f"      vote → store ({len(r['votes'])})        {_stats(r['votes'])}")
    print(f"      CPU {r['cpu']:.0f} s in {r['wall']:.0f} s ({100 * r['cpu'] / r['wall'] / cores:.0f} % of {cores} cores); "
          f"PSS of {r['processes']} processes {r['pss'] / 1024:.2f} GiB ({r['pss'] / max(1, r['n']):.0f} MB per participant)",
          flush=True)
    print(f"      idle CPU over {IDLE_S:g} s: warm pool, nobody joined {r['idle_pool']:.1f} % of a core; "
          f"{r['joined']} joined, nothing changing {r['idle_room']:.1f} % of a core (their kernels, not the refill)",
          flush=True)


def meets(r: dict) -> bool:
    return (not r["failed"] and r["joined"] == r["n"] and L.percentile(r["joins"], 95) <= GOALS["join_p95"]
            and len(r["opens"]) == r["joined"] and L.percentile(r["opens"], 95) <= GOALS["open_p95"])


def run_csikit(n: int, arrival: float, timeout: float) -> dict:
    from csikit.serve import free_port, start_servers
    from csikit.store import Store, room_signal

    folder = L.tmpdir("room")
    url, ws = L.demo_store(folder)
    store = Store(url)
    servers = start_servers(url, ws.code, host="127.0.0.1", participant_port=free_port(), facilitator_port=free_port(),
                            expected=n, log_dir=folder)
    try:
        t0 = time.monotonic()
        servers.wait_ready(timeout=120)
        while (s := servers.pool_status()) is None or s[0] < s[1]:
            if time.monotonic() - t0 > 1800 or any(p.poll() is not None for p in servers.processes):
                raise RuntimeError(f"the pool did not warm: {s}")
            time.sleep(1)
        print(f"   csikit: servers answered, pool {s[0]}/{s[1]} warm after {time.monotonic() - t0:.0f} s", flush=True)
        item = next(i.text for i in ws.activity(DOT_VOTE).items if i.id == "c1")
        room = Room(servers.participant_url, [p.pid for p in servers.processes],
                    open_activity=lambda: store.open_activity(ws.code, DOT_VOTE),
                    select=lambda: room_signal.announce(store.signal_path, ws.code, DOT_VOTE),
                    votes=lambda: len(store.responses(ws.code, DOT_VOTE)),
                    plus={"description": "+", "near_text": item})
        return L.run(_room(room, n, arrival, timeout))
    finally:
        servers.stop()
        store.close()


def run_floor(n: int, arrival: float, timeout: float) -> dict:
    folder = L.tmpdir("room-floor")
    db = folder / "floor.sqlite"
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE room (open INTEGER, title TEXT)")
    con.execute("INSERT INTO room VALUES (0, 'Vote')")
    con.execute("CREATE TABLE votes (id INTEGER PRIMARY KEY, who TEXT)")
    server = L.Voila(FLOOR_NOTEBOOK, folder, store_url=f"sqlite:///{db}", expected=n, name="floor")
    try:
        print(f"   floor: pool warm after {server.wait(timeout=1800):.0f} s", flush=True)
        room = Room(server.url, [server.proc.pid],
                    open_activity=lambda: con.execute("UPDATE room SET open = 1"),
                    votes=lambda: con.execute("SELECT count(*) FROM votes").fetchone()[0],
                    plus={"description": "+"})
        return L.run(_room(room, n, arrival, timeout))
    finally:
        server.stop()
        con.close()


def main() -> None:
    global IDLE_S, SELECT_S
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--participants", type=int, default=20)
    ap.add_argument("--arrival-seconds", type=float, default=60.0)
    ap.add_argument("--ladder", default="", help="Comma-separated room sizes: the largest meeting the goals.")
    ap.add_argument("--no-floor", action="store_true", help="Skip the floor notebook.")
    ap.add_argument("--timeout", type=float, default=300.0)
    ap.add_argument("--idle-seconds", type=float, default=IDLE_S,
                    help="CPU measured over this long with the pool waiting and with the room joined and idle (0: skip).")
    ap.add_argument("--select-seconds", type=float, default=SELECT_S,
                    help="The facilitator selects the activity this long before pressing Open (0: opens it unselected).")
    a = ap.parse_args()
    IDLE_S, SELECT_S = a.idle_seconds, a.select_seconds
    sizes = [int(x) for x in a.ladder.split(",") if x] or [a.participants]
    best: dict[str, int | None] = {"csikit": None, "floor": None}
    climbing = {"csikit": True, "floor": not a.no_floor}  # a ladder stops climbing at a room's first miss
    runs = {"csikit": run_csikit, "floor": run_floor}
    names = {"csikit": "csikit", "floor": "floor (bare ipywidgets + sqlite3)"}
    for n in sizes:
        if not any(climbing.values()):
            break
        L.header(f"room of {n}, arriving over {a.arrival_seconds:g} s")
        for what in ("csikit", "floor"):
            if not climbing[what]:
                continue
            r = runs[what](n, a.arrival_seconds, a.timeout)
            report(names[what], r)
            ok = meets(r)
            print(f"   {what} {n}: {'MET' if ok else 'MISSED'} (0 failed joins, join p95 ≤ {GOALS['join_p95']:g} s, "
                  f"open → screen p95 ≤ {GOALS['open_p95']:g} s)", flush=True)
            if ok:
                best[what] = n
            elif a.ladder:
                climbing[what] = False
    if a.ladder:
        ceiling = {k: v or 0 for k, v in best.items()}
        print(f"== ceiling (largest room meeting the goals, of {sizes}): csikit {ceiling['csikit'] or 'none'}"
              + ("" if a.no_floor else f", floor {ceiling['floor'] or 'none'}"
                 + (f", ratio {ceiling['csikit'] / ceiling['floor']:.2f} ×" if ceiling["floor"] else "")), flush=True)


if __name__ == "__main__":
    main()
