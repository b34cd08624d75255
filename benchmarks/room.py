"""A room: N participants arrive over S seconds, stay connected, follow an Open and vote.

    python benchmarks/room.py --participants 40 [--arrival-seconds 60] [--no-floor]
    python benchmarks/room.py --ladder 50,100,150,200,300 [--arrival-seconds 60]

``csikit serve``'s two servers (``start_servers``, pool sized by ``--expected N`` and
warm before anyone arrives) on a fresh demo store. N headless participants
(csikit.testing) arrive at random instants over S seconds, join and stay connected.
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
import os
import sqlite3

import _live as L

from csikit.testing.room import GOALS, Room, RoomPlan, RoomResult, percentile, play, play_csikit

FLOOR_NOTEBOOK = L.FLOOR / "room.ipynb"


def _stats(xs: list[float]) -> str:
    if not xs:
        return "—"
    return f"p50 {percentile(xs, 50):.2f} s, p95 {percentile(xs, 95):.2f} s, max {max(xs):.2f} s"


def report(name: str, r: RoomResult, plan: RoomPlan) -> None:
    cores = os.cpu_count() or 1
    print(f"   {name}: joined {r.joined}/{r.n} ({len(r.failed)} failed) over {r.arrived:.0f} s")
    for why in sorted(set(r.failed))[:3]:
        print(f"      failed: {why}")
    print(f"      join (page → interactive)  {_stats(r.joins)}")
    print(f"      open → screen ({len(r.opens)})       {_stats(r.opens)} "
          f"(headless clients' CPU meanwhile {r.extra.get('client_cpu_open_s', float('nan')):.1f} s)")
    print(f"      vote → store ({len(r.votes)})        {_stats(r.votes)}")
    print(f"      CPU {r.cpu:.0f} s in {r.wall:.0f} s ({100 * r.cpu / r.wall / cores:.0f} % of {cores} cores); "
          f"PSS of {r.processes} processes {r.pss_mb / 1024:.2f} GiB ({r.pss_mb / max(1, r.n):.0f} MB per participant)",
          flush=True)
    print(f"      idle CPU over {plan.idle_seconds:g} s: warm pool, nobody joined {r.idle_pool:.1f} % of a core; "
          f"{r.joined} joined, nothing changing {r.idle_room:.1f} % of a core (their kernels, not the refill)",
          flush=True)


def run_csikit(n: int, plan: RoomPlan, servers: int = 1) -> RoomResult:
    return play_csikit(n, plan, L.tmpdir("room"), participant_servers=servers,
                       on_warm=lambda s: print(f"   csikit: servers answered, pool warm after {s:.0f} s", flush=True))


def run_floor(n: int, plan: RoomPlan) -> RoomResult:
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
        return L.run(play(room, n, plan))
    finally:
        server.stop()
        con.close()


def main() -> None:
    defaults = RoomPlan()
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--participants", type=int, default=40)
    ap.add_argument("--arrival-seconds", type=float, default=defaults.arrival_seconds)
    ap.add_argument("--ladder", default="", help="Comma-separated room sizes: the largest meeting the goals.")
    ap.add_argument("--no-floor", action="store_true", help="Skip the floor notebook.")
    ap.add_argument("--timeout", type=float, default=defaults.timeout)
    ap.add_argument("--idle-seconds", type=float, default=defaults.idle_seconds,
                    help="CPU measured over this long with the pool waiting and with the room joined and idle (0: skip).")
    ap.add_argument("--select-seconds", type=float, default=defaults.select_seconds,
                    help="The facilitator selects the activity this long before pressing Open (0: opens it unselected).")
    ap.add_argument("--participant-servers", type=int, default=1,
                    help="csikit with this many participant servers behind nginx on this machine (SQLite store).")
    a = ap.parse_args()
    plan = RoomPlan(arrival_seconds=a.arrival_seconds, idle_seconds=a.idle_seconds, select_seconds=a.select_seconds,
                    timeout=a.timeout)
    sizes = [int(x) for x in a.ladder.split(",") if x] or [a.participants]
    best: dict[str, int | None] = {"csikit": None, "floor": None}
    climbing = {"csikit": True, "floor": not a.no_floor}  # a ladder stops climbing at a room's first miss
    runs = {"csikit": lambda n, plan: run_csikit(n, plan, a.participant_servers), "floor": run_floor}
    servers = f", {a.participant_servers} participant servers behind nginx" if a.participant_servers > 1 else ""
    names = {"csikit": f"csikit{servers}", "floor": "floor (bare ipywidgets + sqlite3)"}
    for n in sizes:
        if not any(climbing.values()):
            break
        L.header(f"room of {n}, arriving over {a.arrival_seconds:g} s")
        for what in ("csikit", "floor"):
            if not climbing[what]:
                continue
            r = runs[what](n, plan)
            report(names[what], r, plan)
            ok = r.meets()
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
