"""Validated responses per second into SQLite from 8 processes, against raw single-statement
INSERTs into the same kind of file from 8 processes.

    python benchmarks/store_throughput.py [--processes 8] [--calls 999]

Each writer process opens its own csikit Store and records one rating per call
(``Store.respond``: participant, activity open, item, range checked; BEGIN
IMMEDIATE) on a distinct (participant, item), so every accepted call must leave
exactly one stored row. The floor: the same number of processes doing
``INSERT INTO raw VALUES (?, ?, ?)`` with sqlite3 in autocommit, same pragmas
(WAL, synchronous=NORMAL, busy timeout). Goal: ≥ 0.3 × the floor's rate, zero lost.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sqlite3
import time

import _live as L

PER_PROCESS_PEOPLE = 25
#: the floor is ~10× faster: give it more rows so both runs last long enough to time
FLOOR_FACTOR = 10


def _csikit_writer(url, code, pids, calls, start, out):
    from csikit.store import Store

    store = Store(url)
    store.respond(code, pids[0], "rate40", {"i1": 3})  # warm the connection and definitions
    jobs = [(p, f"i{k}") for p in pids for k in range(1, 41)][1 : calls + 1]
    start.wait()
    ok = bad = 0
    for pid, item in jobs:
        try:
            store.respond(code, pid, "rate40", {item: 1 + (pid + len(item)) % 5})
            ok += 1
        except Exception:  # noqa: BLE001 - counted
            bad += 1
    out.put((ok + 1, bad, time.monotonic()))


def _raw_writer(path, proc, calls, start, out):
    con = sqlite3.connect(path, timeout=30, isolation_level=None)
    con.execute("PRAGMA busy_timeout=30000")
    con.execute("PRAGMA synchronous=NORMAL")
    start.wait()
    ok = bad = 0
    for i in range(calls):
        try:
            con.execute("INSERT INTO raw VALUES (?, ?, ?)", (proc, i, i % 5))
            ok += 1
        except sqlite3.Error:
            bad += 1
    out.put((ok, bad, time.monotonic()))


def _sql_writer(path, aid, wid, items, pids, calls, start, out):
    """The statements a validated vote needs (check voter and activity, read own answers,
    insert), in one BEGIN IMMEDIATE transaction, with foreign keys on: SQLite's share."""
    con = sqlite3.connect(path, timeout=30, isolation_level=None)
    con.execute("PRAGMA busy_timeout=30000")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("PRAGMA foreign_keys=ON")
    jobs = [(p, iid) for p in pids for iid in items][:calls]
    start.wait()
    ok = bad = 0
    for pid, iid in jobs:
        try:
            con.execute("BEGIN IMMEDIATE")
            con.execute(
                "SELECT a.id, a.state, a.changed_at FROM activities a JOIN participants p ON p.id = ? "
                "AND p.workshop_id = a.workshop_id WHERE a.workshop_id = ? AND a.key = ?",
                (pid, wid, "rate40"),
            ).fetchone()
            con.execute(
                "SELECT id, item_id, criterion, value FROM responses WHERE activity_id = ? AND participant_id = ?",
                (aid, pid),
            ).fetchall()
            con.execute(
                "INSERT INTO responses (activity_id, participant_id, item_id, criterion, value, comment, updated_at) "
                "VALUES (?, ?, ?, '', 3, '', '2026-01-01 00:00:00.000000')",
                (aid, pid, iid),
            )
            con.execute("COMMIT")
            ok += 1
        except sqlite3.Error:
            con.execute("ROLLBACK")
            bad += 1
    out.put((ok, bad, time.monotonic()))


def _race(target, argsets):
    ctx = mp.get_context("fork")
    start, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=target, args=(*a, start, out)) for a in argsets]
    for p in procs:
        p.start()
    time.sleep(2.0)  # every process is connected and waiting
    t0 = time.monotonic()
    start.set()
    results = [out.get(timeout=600) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    ok, bad = sum(r[0] for r in results), sum(r[1] for r in results)
    return ok, bad, max(r[2] for r in results) - t0


def measure(processes: int = 8, calls: int = 999) -> dict:
    L.header(f"store throughput, {processes} processes")
    from csikit.store import Store

    calls = min(calls, PER_PROCESS_PEOPLE * 40 - 1)
    folder = L.tmpdir("tput")
    url, ws = L.bench_workshop(folder)
    store = Store(url)
    store.open_activity(ws.code, "rate40")
    people = [store.join(ws.code, f"W{i}").id for i in range(processes * PER_PROCESS_PEOPLE)]
    groups = [people[i * PER_PROCESS_PEOPLE : (i + 1) * PER_PROCESS_PEOPLE] for i in range(processes)]
    ok, bad, wall = _race(_csikit_writer, [(url, ws.code, g, calls) for g in groups])
    stored = len(store.responses(ws.code, "rate40"))
    rate = (ok - processes) / wall  # the warm-up call of each process is not timed

    raw = folder / "raw.sqlite"
    con = sqlite3.connect(raw, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE raw (a INTEGER, b INTEGER, c INTEGER)")
    con.close()
    # the SQL of a validated vote, without csikit: a second store, same people and items
    sql_url, _ = L.bench_workshop(folder / "sql")
    sql_store = Store(sql_url)
    sql_store.open_activity(ws.code, "rate40")
    sql_people = [sql_store.join(ws.code, f"W{i}").id for i in range(processes * PER_PROCESS_PEOPLE)]
    sql_path = sql_url[len("sqlite:///") :]
    with sqlite3.connect(sql_path) as con:
        aid, wid = con.execute("SELECT id, workshop_id FROM activities WHERE key = 'rate40'").fetchone()
        item_ids = [r[0] for r in con.execute("SELECT id FROM items WHERE activity_id = ? ORDER BY position", (aid,))]
    sql_store.close()
    sql_groups = [sql_people[i * PER_PROCESS_PEOPLE : (i + 1) * PER_PROCESS_PEOPLE] for i in range(processes)]
    sok, sbad, swall = _race(_sql_writer, [(sql_path, aid, wid, item_ids, g, calls) for g in sql_groups])
    srate = sok / swall

    rok, rbad, rwall = _race(_raw_writer, [(str(raw), i, calls * FLOOR_FACTOR) for i in range(processes)])
    rstored = sqlite3.connect(raw).execute("SELECT count(*) FROM raw").fetchone()[0]
    rrate = rok / rwall
    lost = ok - stored
    ratio = rate / rrate
    print(
        f"   csikit Store.respond: {ok - processes} validated responses in {wall:.2f} s = {rate:.0f}/s; "
        f"{bad} refused/failed; stored {stored} of {ok} accepted → {lost} lost"
    )
    print(f"   floor: raw INSERT:    {rok} rows in {rwall:.2f} s = {rrate:.0f}/s; {rbad} failed; stored {rstored}")
    print(
        f"   the same SQL in raw sqlite3 (BEGIN IMMEDIATE, 2 checks, INSERT with foreign keys, COMMIT): {sok} in "
        f"{swall:.2f} s = {srate:.0f}/s, {srate / rrate:.2f} × the floor; csikit = {rate / srate:.2f} × this"
    )
    print(
        f"   ratio {ratio:.2f} × floor — {L.verdict(ratio, 0.3, at_most=False)}; lost {lost} — "
        f"{'MET' if lost == 0 and bad == 0 else 'MISSED'} (goal 0)"
    )
    print(f"   {L.load()} at end", flush=True)
    return {"rate": rate, "floor": rrate, "ratio": ratio, "lost": lost, "sql": srate}


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--processes", type=int, default=8)
    ap.add_argument("--calls", type=int, default=999)
    a = ap.parse_args()
    measure(a.processes, a.calls)
