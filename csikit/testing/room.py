"""A room played by headless phones on the room endpoint: N people arrive, stay, follow an Open and vote.

``csikit capacity`` climbs a ladder of room sizes with it on this machine, and
``benchmarks/room.py`` runs the same room against the bare-websocket floor and the old
kernel floor. One run (:func:`play`): N :class:`~csikit.testing.room_client.RoomPhone`
arrive at random instants over ``arrival_seconds`` (page, websocket, hello, join) and
stay connected; the facilitator opens the dot vote through the store, as the console
does; every phone must receive the voting screen; every phone votes once (an ``answer``
acked when the store holds it); then the facilitator locks and reveals and every phone
must receive the results.

Reported (:class:`RoomResult`): joins (page → joined screen) p50/p95, failed joins,
Open → every screen p50/p95, vote → ack (the store holds it) p50/p95, reveal → every
screen, the server's RSS before and with the room (MB per phone), the server's CPU, the
clients' CPU (they may be the bottleneck: ``client_processes`` spreads the phones over
several processes), and the Python kernels that existed during the room.

Linux only (process CPU and memory from ``/proc``); 127.0.0.1 only; every wait bounded.

This module plays the room (:func:`play`, on csikit's room server or the bare floor) and is
the worker processes' entry point; a run's terms (goals, plan, target, result) live in
:mod:`csikit.testing.room_goals`, the phone groups in :mod:`csikit.testing.room_phones`
and the ``/proc`` measures in :mod:`csikit.testing.machine`, all re-exported here.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from .machine import _is_voila, _smaps, cpu_seconds, kernels, pss_mb, rss_mb, tree  # noqa: F401 - re-exported
from .room_client import RoomPhone  # noqa: F401 - re-exported
from .room_goals import (  # noqa: F401 - re-exported: a run's terms
    DOT_VOTE,
    FIRST_ITEM,
    GOALS,
    RoomPlan,
    RoomResult,
    Target,
    open_goal,
    percentile,
)
from .room_phones import Phones, WorkerPhones, _more_http_clients, _worker  # noqa: F401 - re-exported


async def _idle(pids: list[int], seconds: float) -> float:
    """CPU of ``pids`` over ``seconds`` of nothing happening, in % of one core."""
    if seconds <= 0:
        return float("nan")
    cpu0, t0 = cpu_seconds(pids), time.monotonic()
    await asyncio.sleep(seconds)
    return 100 * (cpu_seconds(pids) - cpu0) / (time.monotonic() - t0)


async def _page_loads(group, target: Target, count: int) -> dict:
    """Join pages loaded ``count`` times by people who never join: kernels started, server memory."""
    pids = tree(target.roots)
    rss0, every_kernel0, t0 = rss_mb(pids), len(kernels()), time.monotonic()
    r = await group.handle({"cmd": "loads", "count": count})
    seconds = time.monotonic() - t0
    await asyncio.sleep(1.0)
    pids = tree(target.roots)
    rss1, found = rss_mb(pids), kernels(pids)
    await group.handle({"cmd": "unload"})
    await asyncio.sleep(1.0)
    return {
        "count": count,
        "loaded": r["loaded"],
        "failed": len(r["failed"]),
        "seconds": round(seconds, 2),
        "kernels": len(found),
        "machine_kernels_added": len(kernels()) - every_kernel0,
        "rss_before_mb": round(rss0, 1),
        "rss_mb": round(rss1, 1),
        "rss_after_mb": round(rss_mb(tree(target.roots)), 1),
    }


async def play(
    target: Target, n: int, plan: RoomPlan, *, report: Callable[[str], object] = lambda s: None
) -> RoomResult:
    """N phones arrive over the plan's seconds and stay; the facilitator opens; all vote; reveal."""
    _more_http_clients()
    rng = random.Random(n if plan.seed is None else plan.seed)
    k = max(1, plan.client_processes)
    workers: list[WorkerPhones] = []
    groups: list[Phones | WorkerPhones]
    if k == 1:
        groups = [Phones(target.url, plan.timeout)]
    else:
        workers = [WorkerPhones(target.url, plan.timeout) for _ in range(k)]
        await asyncio.gather(*(w.start() for w in workers))
        groups = list(workers)

    def client_cpu() -> float:
        return cpu_seconds([w.proc.pid for w in workers]) if workers else time.process_time()

    async def every(cmd: dict | Callable[[int], dict]) -> list[dict]:
        return await asyncio.gather(*(g.handle(cmd(i) if callable(cmd) else cmd) for i, g in enumerate(groups)))

    try:
        server = tree(target.roots)
        rss0 = rss_mb(server)
        cpu0, c0, t0 = cpu_seconds(server), client_cpu(), time.monotonic()
        start = time.monotonic() + 0.5
        at = [start + rng.uniform(0, plan.arrival_seconds) for _ in range(n)]
        arrived = await every(lambda g: {"cmd": "arrive", "ids": list(range(g, n, k)), "at": at[g::k]})
        joins = [x for a in arrived for x in a["joins"]]
        failed = [x for a in arrived for x in a["failed"]]
        arrival = time.monotonic() - t0
        report(f"{len(joins)}/{n} joined in {arrival:.0f} s")
        await asyncio.sleep(1.0)  # the last joins settle
        server = tree(target.roots)
        rss1 = rss_mb(server)
        found = kernels(server)
        idle = await _idle(server, plan.idle_seconds)

        co = client_cpu()
        t_open = time.monotonic()
        await asyncio.get_running_loop().run_in_executor(None, target.open_activity)
        seen = await every(
            {"cmd": "seen", "phase": "answering", "activity": target.activity, "since": t_open, "timeout": plan.timeout}
        )
        opens = [x for s in seen for x in s["times"]]
        client_open = client_cpu() - co
        report(f"Open reached {len(opens)} phones")
        sample = await groups[0].handle({"cmd": "sample"})

        voted = await every(
            lambda g: {
                "cmd": "vote",
                "activity": target.activity,
                "values": target.vote,
                "spread": plan.vote_seconds,
                "seed": rng.randrange(2**31) + g,
            }
        )
        votes = [x for v in voted for x in v["rtts"]]
        refused = [x for v in voted for x in v["refused"]]
        stored = None
        if target.votes is not None:
            stored = await asyncio.get_running_loop().run_in_executor(None, target.votes)
        reveals: list[float] = []
        if plan.reveal and target.reveal is not None:
            t_reveal = time.monotonic()
            await asyncio.get_running_loop().run_in_executor(None, target.reveal)
            shown = await every(
                {
                    "cmd": "seen",
                    "phase": "results",
                    "activity": target.activity,
                    "since": t_reveal,
                    "timeout": plan.timeout,
                }
            )
            reveals = [x for s in shown for x in s["times"]]
        found = sorted(set(found) | set(kernels(tree(target.roots))))
        extra = {}
        if plan.loads:
            extra["loads"] = await _page_loads(groups[0], target, plan.loads)
        wall = time.monotonic() - t0
        server_cpu = cpu_seconds(tree(target.roots)) - cpu0
        clients = client_cpu() - c0
        return RoomResult(
            n,
            len(joins),
            failed,
            joins,
            opens,
            votes,
            refused,
            reveals,
            arrival,
            server_cpu,
            wall,
            rss0,
            rss1,
            len(found),
            clients,
            client_open,
            idle,
            stored,
            {
                "screen": sample["screen"],
                "bytes_per_message": round(sample["bytes_per_message"]),
                "screen_bytes": sample["screen_bytes"],
                "client_processes": k,
                **extra,
            },
        )
    finally:
        with contextlib.suppress(Exception):
            await every({"cmd": "close"})
        await asyncio.gather(*(w.stop() for w in workers), return_exceptions=True)


# -- csikit's room server --------------------------------------------------------------------
def play_csikit(
    n: int,
    plan: RoomPlan,
    folder,
    *,
    participant_servers: int = 1,
    store_url: str = "",
    report: Callable[[str], object] = lambda s: None,
) -> RoomResult:
    """A room of ``n`` on ``csikit serve``'s participant server(s) with the demo workshop in a
    fresh store (SQLite under ``folder``, or ``store_url``, an empty PostgreSQL database).

    ``participant_servers`` > 1: that many room processes behind nginx (``csikit serve
    --participant-servers``). The facilitator acts through the store, as the console does.
    """
    import shutil

    from ..paths import demo_source
    from ..store import Store
    from ..workshop_file import load_workshop

    folder = Path(folder)
    shutil.copytree(demo_source(), folder / "demo", ignore=shutil.ignore_patterns("*.sqlite*"))
    ws = load_workshop(folder / "demo")
    url = store_url or f"sqlite:///{folder}/store.sqlite"
    store = Store(url)
    store.sync_workshop(ws)
    servers = start_room_servers(url, ws.code, folder, participant_servers=participant_servers)
    try:
        t0 = time.monotonic()
        servers.wait_ready(timeout=120)
        report(f"server answered after {time.monotonic() - t0:.1f} s")

        def reveal() -> None:
            store.lock_activity(ws.code, DOT_VOTE)
            store.reveal_activity(ws.code, DOT_VOTE)

        rooms = [p.pid for p in servers.processes if not _is_voila(p.pid)]  # not the facilitator's server
        target = Target(
            servers.participant_url,
            rooms,
            open_activity=lambda: store.open_activity(ws.code, DOT_VOTE),
            votes=lambda: len(store.responses(ws.code, DOT_VOTE)),
            reveal=reveal,
        )
        return asyncio.run(play(target, n, plan, report=report))
    finally:
        servers.stop()
        store.close()


def start_room_servers(store_url: str, code: str, folder: Path, *, participant_servers: int = 1):
    """The participant room server(s) as ``csikit serve`` starts them (no facilitator server:
    the facilitator acts through the store). Returns an object with ``participant_url``,
    ``processes``, ``wait_ready(timeout)`` and ``stop()``."""
    from .. import serve

    settings = serve.ServerSettings(
        store_url,
        code,
        host="127.0.0.1",
        participant_port=serve.free_port(),
        facilitator_port=serve.free_port(),
        participant_servers=participant_servers,
        log_dir=folder,
    )
    if participant_servers > 1:
        from ..scaleout import start_scaled

        return start_scaled(settings, **_room_only(start_scaled))
    return serve.start_servers(settings, **_room_only(serve.start_servers))


def _room_only(start) -> dict:
    """The room endpoint as participant server, and no facilitator's server when ``start``
    can leave it out (the room acts through the store)."""
    import inspect

    params = inspect.signature(start).parameters
    return {k: v for k, v in (("room", True), ("facilitator", False)) if k in params}


# -- the bare floor --------------------------------------------------------------------------
class BareServer:
    """``python -m csikit.testing.bare_room`` in its own process (the physical floor)."""

    def __init__(self, log: Path | None = None):
        err = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 - the child holds it
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "csikit.testing.bare_room", "--port", "0"],
                stdout=subprocess.PIPE,
                stderr=err,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                text=True,
            )
        finally:
            if log:
                err.close()
        line = self.proc.stdout.readline()
        if not line.startswith("ready"):
            self.stop()
            raise RuntimeError("the bare floor server did not start")
        self.port = int(line.split()[1])
        self.url = f"http://127.0.0.1:{self.port}/?code=BARE"
        import urllib.request

        # the first urllib request of a process costs ≈ 80 ms (imports, proxy lookup): not the Open's
        urllib.request.urlopen(f"http://127.0.0.1:{self.port}/room/health", timeout=10).read()  # noqa: S310

    def push(self, message: str) -> None:
        import urllib.request

        urllib.request.urlopen(
            urllib.request.Request(
                f"http://127.0.0.1:{self.port}/room/open",  # noqa: S310
                data=message.encode(),
                method="POST",
            ),
            timeout=600,
        ).read()

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def bare_message(screen: dict | None, size: int) -> str:
    """The message the bare floor pushes: ``screen`` (csikit's, as a phone received it) with a
    placeholder for each phone's id, padded to ``size`` bytes (what csikit sent per phone)."""
    from .bare_room import PLACEHOLDER

    screen = dict(screen or {"phase": "answering", "activity": {"id": DOT_VOTE}})
    screen["me"] = {"participant": -1, "name": ""}
    screen["phase"], screen["activity"] = "answering", {**(screen.get("activity") or {}), "id": DOT_VOTE}
    msg = {"type": "screen", "screen": screen}
    text = json.dumps(msg, separators=(",", ":"), ensure_ascii=False)
    assert PLACEHOLDER in text
    if len(text.encode()) < size:
        msg["pad"] = "x" * (size - len(text.encode()) - len(',"pad":""'))
        text = json.dumps(msg, separators=(",", ":"), ensure_ascii=False)
    return text


def play_bare(
    n: int,
    plan: RoomPlan,
    *,
    screen: dict | None = None,
    size: int = 3000,
    folder: Path | None = None,
    report: Callable[[str], object] = lambda s: None,
) -> RoomResult:
    """The same room on the bare floor: the same phones, the same bytes pushed at the Open."""
    server = BareServer(Path(folder) / "bare.log" if folder else None)
    message = bare_message(screen, size)
    try:
        target = Target(server.url, [server.proc.pid], open_activity=lambda: server.push(message))
        result = asyncio.run(play(target, n, plan, report=report))
        result.extra["pushed_bytes"] = len(message.encode())
        return result
    finally:
        server.stop()


def main() -> None:
    import argparse

    ap = argparse.ArgumentParser(description="A worker process of headless phones (csikit.testing.room).")
    ap.add_argument("--worker", metavar="URL", required=True)
    ap.add_argument("--timeout", type=float, default=120.0)
    a = ap.parse_args()
    asyncio.run(_worker(a.worker, a.timeout))


if __name__ == "__main__":
    main()
