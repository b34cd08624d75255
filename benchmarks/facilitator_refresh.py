"""Facilitator results refresh for 300 participants × 40 items.

    python benchmarks/facilitator_refresh.py [--participants 300]

A fresh SQLite store holds 300 participants who rated 40 items (12,000 responses)
and spent 8 of their 10 dots each over the same 40 items. The facilitator app is built in
this process (no polling) and ``refresh()`` is timed after each new vote (a full
redraw: store queries, analysis, chart, table), plus the idle poll (nothing
changed: one fingerprint query). Goal: full refresh ≤ 100 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import _live as L


def _timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def measure(participants: int = 300, repeat: int = 5) -> dict:
    L.header(f"facilitator results refresh, {participants} participants × 40 items")
    from csikit.kinds.base import Answers
    from csikit.kinds.results import results_of
    from csikit.store import Store
    from csikit.widgets.facilitator import FacilitatorApp

    folder = L.tmpdir("refresh")
    url, ws = L.bench_workshop(folder)
    store = Store(url)
    code = ws.code
    rng = random.Random(0)
    items = [f"i{k}" for k in range(1, 41)]
    store.open_activity(code, "rate40")
    store.open_activity(code, "dots40")
    people = [store.join(code, f"P{i}").id for i in range(participants)]
    t = time.perf_counter()
    for pid in people:
        store.respond(code, pid, "rate40", {i: rng.randint(1, 5) for i in items})
        dots: dict[str, int] = {}
        for item in rng.sample(items, 8):
            dots[item] = 1
        store.respond(code, pid, "dots40", dots)
    print(
        f"   filled {len(store.responses(code, 'rate40'))} ratings and {len(store.responses(code, 'dots40'))} dot rows "
        f"in {time.perf_counter() - t:.1f} s"
    )
    app = FacilitatorApp(store, code, poll=False)
    results = {}
    try:
        for key in ("rate40", "dots40"):
            app.select(key)
            status = store.status(code, key)
            a = ws.activity(key)

            turn = iter(range(10**6))

            def full(key=key, turn=turn):
                high, low = (2, 0) if key == "dots40" else (5, 1)
                store.respond(code, people[0], key, {"i1": high if next(turn) % 2 else low})  # a new answer arrives…
                t0 = time.perf_counter()
                app.refresh()  # …and the next poll redraws
                return (time.perf_counter() - t0) * 1000

            full_ms = [full() for _ in range(repeat)]
            idle_ms = _timed(app.refresh, repeat)
            q_ms = _timed(lambda key=key: store.responses(code, key), repeat)
            resp = store.responses(code, key)
            an_ms = _timed(
                lambda a=a, status=status, resp=resp: results_of(a.kind).summary(
                    Answers(a, status.items, tuple(resp)), ws
                ),
                repeat,
            )
            upd_ms = _timed(lambda status=status: app.results.update(status), repeat)
            m = statistics.median(full_ms)
            results[key] = m
            print(
                f"   {key}: full refresh median {m:.0f} ms (min {min(full_ms):.0f}, max {max(full_ms):.0f}) — "
                f"{L.verdict(m, 100)}; idle poll {statistics.median(idle_ms):.1f} ms"
            )
            print(
                f"      of which: responses query {statistics.median(q_ms):.0f} ms, "
                f"analysis {statistics.median(an_ms):.0f} ms, "
                f"results widget (analysis + chart + table) {statistics.median(upd_ms):.0f} ms"
            )
    finally:
        app.close()
    print(f"   {L.load()} at end", flush=True)
    return results


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--participants", type=int, default=300)
    measure(ap.parse_args().participants)
