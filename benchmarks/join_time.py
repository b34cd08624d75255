"""Join time: N participants arriving at once, with the preheated pool and without,
against a bare one-button notebook under the same Voila settings.

    python benchmarks/join_time.py [--sizes 30 100] [--modes pool cold]

Join time = from the page request until the page is interactive: the page is
rendered, the kernel websocket is open and the widget states (with the Join
button) have arrived — what a browser needs before a person can type and click.
All N headless participants (csikit.testing) start at the same instant. The pool is
sized as ``csikit serve --expected N`` sizes it and is full before they arrive.
Goal: participant p95 ≤ 1.3 × the floor's p95 with the pool.
"""

from __future__ import annotations

import argparse
import asyncio
import time

import _live as L

from csikit.testing import HeadlessParticipant


async def _arrive(url: str, n: int, timeout: float) -> tuple[list[float], int]:
    async def one() -> float:
        t0 = time.monotonic()
        p = HeadlessParticipant(url, timeout=timeout)
        try:
            await p.connect()
            await p.wait_for(lambda p: p.find(description="Join", model_name="ButtonModel"), timeout=timeout)
            return time.monotonic() - t0
        finally:
            await p.close()

    results = await asyncio.gather(*(one() for _ in range(n)), return_exceptions=True)
    times = [r for r in results if isinstance(r, float)]
    return times, len(results) - len(times)


def one_run(kind: str, n: int, pool: bool, timeout: float) -> dict:
    folder = L.tmpdir("join")
    if kind == "participant":
        url, ws = L.demo_store(folder)
        server = L.Voila(None, folder, store_url=url, code=ws.code, expected=n, preheat=pool, name=kind)
    else:
        server = L.Voila(L.ONE_BUTTON, folder, expected=n, preheat=pool, name=kind)
    try:
        warm = server.wait()
        time.sleep(2)
        load = L.load()
        times, failed = L.run(_arrive(server.url, n, timeout))
    finally:
        server.stop()
    row = {"kind": kind, "n": n, "pool": pool, "p50": L.percentile(times, 50), "p95": L.percentile(times, 95),
           "max": max(times) if times else float("nan"), "failed": failed, "warm": warm, "load": load}
    print(f"   {kind:<11} n={n:<3} {'pool' if pool else 'cold':<4}: p50 {row['p50']:6.2f} s  p95 {row['p95']:6.2f} s  "
          f"max {row['max']:6.2f} s  failed {failed}  (pool filled in {warm:.0f} s; {load})", flush=True)
    return row


def measure(sizes=(30, 100), modes=("pool", "cold"), timeout: float = 600) -> list[dict]:
    L.header("join time, everyone arriving at once")
    rows = []
    for n in sizes:
        for mode in modes:
            pool = mode == "pool"
            app = one_run("participant", n, pool, timeout)
            floor = one_run("floor", n, pool, timeout)
            ratio = app["p95"] / floor["p95"]
            goal = f" — {L.verdict(ratio, 1.3)}" if pool else " (no goal without the pool)"
            print(f"   n={n} {mode}: participant p95 {app['p95']:.2f} s vs floor p95 {floor['p95']:.2f} s → "
                  f"{ratio:.2f} × floor (p50 {app['p50'] / floor['p50']:.2f} ×){goal}", flush=True)
            rows.append({"n": n, "mode": mode, "app": app, "floor": floor, "ratio": ratio})
    return rows


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[30, 100])
    ap.add_argument("--modes", nargs="+", default=["pool", "cold"], choices=["pool", "cold"])
    ap.add_argument("--timeout", type=float, default=600)
    a = ap.parse_args()
    measure(a.sizes, a.modes, a.timeout)
