"""Participant kernel memory (RSS) against a bare ipywidgets notebook in the same Voila settings.

    python benchmarks/kernel_memory.py [--participants 4]

Both servers run with ``csikit serve``'s participant command line (preheated pool,
culling); the floor serves benchmarks/floor/bare_ipywidgets.ipynb. Headless
participants (csikit.testing) join the real app and a dot vote is opened, so their
kernels hold the store connection and the activity view; the floor's pages are
just loaded. Figures: median VmRSS of the used kernels (and of the idle pool).
Goal: participant ≤ 1.25 × floor. Also prints how many participants fit in 24 GiB.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics

import _live as L

from csikit.testing import HeadlessParticipant


async def _use(url: str, n: int, join: bool) -> list[HeadlessParticipant]:
    people = [HeadlessParticipant(url, timeout=300) for _ in range(n)]
    for p in people:  # one by one: this measures memory, not arrival
        await p.connect()
        if join:
            await p.join("Mem")
    return people


def measure(participants: int = 4) -> dict:
    L.header("participant kernel memory (RSS)")
    folder = L.tmpdir("mem")
    url, ws = L.demo_store(folder)
    app = L.Voila(None, folder, store_url=url, code=ws.code, expected=participants, name="participant")
    floor = L.Voila(L.BARE, folder, expected=participants, name="floor")
    try:
        app.wait()
        floor.wait()

        async def go():
            from csikit.store import Store

            used = await _use(app.url, participants, True)
            Store(url).open_activity(ws.code, "s3-vote")
            await asyncio.gather(*(p.wait_for(lambda p: "dots left" in p.text(), timeout=120) for p in used))
            bare = await _use(floor.url, participants, False)
            await asyncio.sleep(3)  # let the kernels settle after the last message
            used_k = {p.kernel_id for p in used}
            bare_k = {p.kernel_id for p in bare}
            for p in used + bare:
                await p.close()
            return used_k, bare_k

        used_ids, bare_ids = L.run(go())
        def split(server, ids):
            rss = {pid: L.rss_mb(pid) for pid in server.kernels()}
            busy = [r for pid, r in rss.items() if any(k in open(f"/proc/{pid}/cmdline").read() for k in ids)]
            idle = [r for pid, r in rss.items() if r not in busy]
            return busy, idle

        app_used, app_idle = split(app, used_ids)
        floor_used, floor_idle = split(floor, bare_ids)
    finally:
        app.stop()
        floor.stop()
    a, f = statistics.median(app_used), statistics.median(floor_used)
    from csikit.serve import KERNEL_MB, capacity

    ratio = a / f
    print(f"   participant kernel (joined, dot vote shown): median {a:.1f} MB over {len(app_used)} kernels "
          f"(range {min(app_used):.1f}–{max(app_used):.1f}); idle pooled {statistics.median(app_idle) if app_idle else float('nan'):.1f} MB")
    print(f"   floor: bare ipywidgets notebook:           median {f:.1f} MB over {len(floor_used)} kernels; "
          f"idle pooled {statistics.median(floor_idle) if floor_idle else float('nan'):.1f} MB")
    print(f"   ratio {ratio:.2f} × floor — {L.verdict(ratio, 1.25)}")
    print(f"   KERNEL_MB (with headroom) = {KERNEL_MB}; one 24 GiB machine holds {capacity(24 * 1024)} participants "
          f"(measured RSS alone: {int((24 * 1024 - 2048) // a)})")
    print(f"   {L.load()} at end", flush=True)
    return {"participant_mb": a, "floor_mb": f, "ratio": ratio}


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--participants", type=int, default=4)
    measure(ap.parse_args().participants)
