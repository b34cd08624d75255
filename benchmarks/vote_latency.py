"""Vote → facilitator results delay: N participants vote within W seconds.

    python benchmarks/vote_latency.py [--participants 100] [--window 10]

``csikit serve``'s two servers run on a fresh demo store. N headless participants
(csikit.testing) join and a dot vote is opened; a headless client watches the
facilitator app's live results table. Each participant clicks "+" once, at a
random instant within the window. The k-th vote sent counts as seen when the
facilitator's table first shows k dots; its delay is that moment minus its send
time. Goal: p95 ≤ 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import time

import _live as L

from csikit.testing import HeadlessParticipant, gather_bounded

DOT_VOTE = "s3-vote"
_ROW = re.compile(r"<tr><td[^>]*>[^<]*</td><td[^>]*>(\d+)</td>")


def shown_dots(p: HeadlessParticipant) -> int:
    """Dots in the facilitator's results table (class csikit-results)."""
    for s in p.states.values():
        v = s.get("value")
        if isinstance(v, str) and "csikit-results" in v and "95% interval" in v:
            return sum(int(x) for x in _ROW.findall(v.split("<tbody>", 1)[-1]))
    return -1


async def _run(servers, store, ws, n: int, window: float, timeout: float) -> dict:
    texts = {i.id: i.text for i in ws.activity(DOT_VOTE).items}
    people = [HeadlessParticipant(servers.participant_url, timeout=timeout) for _ in range(n)]
    t_join = time.monotonic()
    res = await gather_bounded((p.connect() for p in people), 6)  # arrive in waves: this measures votes, not joins
    people = [p for p, r in zip(people, res, strict=True) if not isinstance(r, Exception)]
    await gather_bounded((p.join(f"V{i}") for i, p in enumerate(people)), 20)
    joined = time.monotonic() - t_join
    store.open_activity(ws.code, DOT_VOTE)
    fac = HeadlessParticipant(servers.facilitator_url, timeout=timeout)
    await fac.connect()
    print(f"   {len(people)} joined in {joined:.0f} s; waiting for the facilitator's table", flush=True)
    await fac.wait_for(lambda f: shown_dots(f) == 0, timeout=timeout)
    await asyncio.gather(*(p.wait_for(lambda p: p.find(description="+", near_text=texts["c1"]), timeout=timeout) for p in people))
    print(f"   {len(people)} joined in {joined:.0f} s; {L.load()} before the vote", flush=True)

    sent: list[float] = []
    seen: dict[int, float] = {}

    async def watch() -> None:
        last = 0
        while last < len(people):
            k = await fac.wait_for(lambda f: shown_dots(f) > last and shown_dots(f), timeout=timeout)
            now = time.monotonic()
            for i in range(last + 1, k + 1):
                seen[i] = now
            last = k

    rng = random.Random(0)
    start = time.monotonic() + 1.0

    async def vote(p: HeadlessParticipant) -> None:
        await asyncio.sleep(max(0.0, start + rng.uniform(0, window) - time.monotonic()))
        sent.append(time.monotonic())
        await p.click(description="+", near_text=texts["c1"])

    watcher = asyncio.get_running_loop().create_task(watch())
    await asyncio.gather(*(vote(p) for p in people))
    try:
        await asyncio.wait_for(watcher, timeout)
    finally:
        await asyncio.gather(fac.close(), *(p.close() for p in people))
    sent.sort()
    delays = [seen[i + 1] - t for i, t in enumerate(sent) if i + 1 in seen]
    return {"n": len(people), "delays": delays, "spread": sent[-1] - sent[0]}


def measure(n: int = 100, window: float = 10.0, timeout: float = 600) -> dict:
    L.header(f"vote → facilitator results, {n} participants voting within {window:g} s")
    from csikit.serve import free_port, start_servers
    from csikit.store import Store

    folder = L.tmpdir("vote")
    url, ws = L.demo_store(folder)
    servers = start_servers(url, ws.code, host="127.0.0.1", participant_port=free_port(), facilitator_port=free_port(),
                            expected=n, preheat=False, log_dir=folder)
    try:
        servers.wait_ready(timeout=120)
        r = L.run(_run(servers, Store(url), ws, n, window, timeout))
    finally:
        servers.stop()
    d = r["delays"]
    p50, p95 = L.percentile(d, 50), L.percentile(d, 95)
    print(f"   {len(d)} of {r['n']} votes seen, sent over {r['spread']:.1f} s: delay p50 {p50:.2f} s, p95 {p95:.2f} s, "
          f"max {max(d):.2f} s — {L.verdict(p95, 1.0)}")
    from csikit.widgets.facilitator import POLL_S
    print(f"   (floor: the facilitator polls the store every {POLL_S:g} s, so a vote waits {POLL_S / 2:g} s on average before it is looked for)")
    print(f"   {L.load()} at end", flush=True)
    return {"p50": p50, "p95": p95, "n": len(d)}


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--participants", type=int, default=100)
    ap.add_argument("--window", type=float, default=10.0)
    a = ap.parse_args()
    measure(a.participants, a.window)
