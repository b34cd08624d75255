"""The old kernel floor of benchmarks/room.py: a kernel per phone, as csikit was before issue 21.

One Voila server for ``floor/room.ipynb`` (bare ipywidgets + sqlite3: a join screen, a
1 s SQL poll, a "+" button when the activity opens; no csikit) with Voila's own
preheated pool of one kernel per expected phone (plus a margin) and no refill while
the room runs, kernels over unix sockets. The phones are
:class:`csikit.testing.HeadlessParticipant` (Voila's kernel websocket and the widget
comm protocol, as a browser). The room is the one csikit's phones play
(:mod:`csikit.testing.room`): arrive over the same seconds, join, Open, everyone clicks
"+" once, and the same :class:`~csikit.testing.room.RoomResult` comes out (no reveal).

Expensive: ≈ 60–70 MB and ≈ 1.4 CPU-s per kernel to start, so ``benchmarks/room.py``
caps it (``--kernel-cap``).
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from csikit.testing import HeadlessParticipant
from csikit.testing.room import RoomPlan, RoomResult, cpu_seconds, kernels, pss_mb, rss_mb, tree

HERE = Path(__file__).resolve().parent
NOTEBOOK = HERE / "floor" / "room.ipynb"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class KernelVoila:
    """Voila on one notebook with a preheated pool of ``pool`` kernels (Voila's own)."""

    def __init__(self, notebook: Path, folder: Path, *, pool: int, env: dict[str, str]):
        self.port = _free_port()
        self.pool = pool
        conn = Path("/tmp") / f"csikit-floor-{os.getpid()}-{self.port}"
        conn.mkdir(exist_ok=True)
        cmd = [
            sys.executable,
            "-m",
            "voila",
            str(notebook),
            "--no-browser",
            f"--port={self.port}",
            "--Voila.ip=127.0.0.1",
            "--MappingKernelManager.cull_idle_timeout=300",
            "--MappingKernelManager.cull_interval=60",
            "--MappingKernelManager.cull_connected=False",
            "--KernelManager.transport=ipc",
            f"--Voila.connection_dir_root={conn}",
            "--preheat_kernel=True",
            f"--pool_size={pool}",
            "--VoilaKernelManager.fill_delay=3600",
        ]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = folder / "kernel-floor.log"
        with open(self.log, "wb") as fh:
            self.proc = subprocess.Popen(
                cmd,
                env={**os.environ, **env},
                stdout=fh,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                cwd=notebook.parent,
            )

    def wait(self, timeout: float = 1800) -> float:
        """Until the server answers, its pool's kernels all exist and the tree is quiet; seconds waited."""
        t0 = time.monotonic()
        deadline = t0 + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the kernel floor's Voila stopped:\n{self.log.read_text(errors='replace')[-2000:]}")
            try:
                urllib.request.urlopen(f"{self.url}voila/static/favicon.ico", timeout=5)  # noqa: S310
                break
            except urllib.error.HTTPError:
                break
            except Exception:  # noqa: BLE001 - not up yet
                if time.monotonic() > deadline:
                    raise RuntimeError("the kernel floor's Voila did not answer") from None
                time.sleep(1)
        while time.monotonic() < deadline:  # every pool kernel started and the notebooks have run
            pids = tree([self.proc.pid])
            c0 = cpu_seconds(pids)
            time.sleep(3)
            busy = (cpu_seconds(pids) - c0) / 3
            if len(kernels(pids)) >= self.pool and busy < 0.2:
                break
        return time.monotonic() - t0

    def stop(self) -> None:
        kids = tree([self.proc.pid])
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        time.sleep(1)
        for pid in kids[1:]:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


async def _play(server: KernelVoila, con: sqlite3.Connection, n: int, plan: RoomPlan) -> RoomResult:
    rng = random.Random(n if plan.seed is None else plan.seed)
    roots = [server.proc.pid]
    people: list[HeadlessParticipant] = []
    joins: list[float] = []
    failed: list[str] = []

    async def arrive(i: int) -> None:
        await asyncio.sleep(rng.uniform(0, plan.arrival_seconds))
        p = HeadlessParticipant(server.url, timeout=plan.timeout)
        t0 = time.monotonic()
        try:
            await p.connect()
            await p.join(f"R{i}")  # page → joined, as the new room measures it
            joins.append(time.monotonic() - t0)
            people.append(p)
        except Exception as exc:  # noqa: BLE001 - counted and reported
            failed.append(f"{type(exc).__name__}: {str(exc)[:120]}")
            await p.close()

    pids = tree(roots)
    rss0 = rss_mb(roots)  # the Voila server alone: the kernels are the memory per phone
    cpu0, c0, t0 = cpu_seconds(pids), time.process_time(), time.monotonic()
    await asyncio.gather(*(arrive(i) for i in range(n)))
    arrived = time.monotonic() - t0
    await asyncio.sleep(2)
    pids = tree(roots)
    rss1, found = pss_mb(pids), kernels(pids)  # the server and every kernel, shared pages counted once
    ci0, ti0 = cpu_seconds(pids), time.monotonic()
    await asyncio.sleep(plan.idle_seconds)
    idle = 100 * (cpu_seconds(pids) - ci0) / (time.monotonic() - ti0)
    t_open, co = time.monotonic(), time.process_time()
    con.execute("UPDATE room SET open = 1")

    async def screen(p: HeadlessParticipant) -> float:
        await p.wait_for(lambda p: p.find(description="+", model_name="ButtonModel"), timeout=plan.timeout)
        return time.monotonic() - t_open

    shown = await asyncio.gather(*(screen(p) for p in people), return_exceptions=True)
    opens = [s for s in shown if isinstance(s, float)]
    client_open = time.process_time() - co
    before = con.execute("SELECT count(*) FROM votes").fetchone()[0]
    sent: list[float] = []
    seen: dict[int, float] = {}
    voters = [p for p, s in zip(people, shown, strict=True) if isinstance(s, float)]

    async def watch() -> None:
        deadline = time.monotonic() + plan.timeout
        while len(seen) < len(voters) and time.monotonic() < deadline:
            k = con.execute("SELECT count(*) FROM votes").fetchone()[0] - before
            now = time.monotonic()
            for i in range(len(seen) + 1, k + 1):
                seen[i] = now
            await asyncio.sleep(0.05)

    async def vote(p: HeadlessParticipant) -> None:
        await asyncio.sleep(rng.uniform(0, plan.vote_seconds))
        sent.append(time.monotonic())
        await p.click(description="+")

    watcher = asyncio.get_running_loop().create_task(watch())
    await asyncio.gather(*(vote(p) for p in voters), return_exceptions=True)
    await watcher
    sent.sort()
    votes = [seen[i + 1] - t for i, t in enumerate(sent) if i + 1 in seen]
    wall = time.monotonic() - t0
    server_cpu = cpu_seconds(tree(roots)) - cpu0
    clients = time.process_time() - c0
    await asyncio.gather(*(p.close() for p in people))
    stored = con.execute("SELECT count(*) FROM votes").fetchone()[0] - before
    return RoomResult(
        n,
        len(people),
        failed,
        joins,
        opens,
        votes,
        [],
        [],
        arrived,
        server_cpu,
        wall,
        rss0,
        rss1,
        len(found),
        clients,
        client_open,
        idle,
        stored,
        {"client_processes": 1},
    )


def play_kernel_floor(n: int, plan: RoomPlan, folder: Path, *, report=print) -> RoomResult:
    """A room of ``n`` on the one-notebook kernel floor (a preheated kernel per phone)."""
    db = folder / "floor.sqlite"
    con = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE room (open INTEGER, title TEXT)")
    con.execute("INSERT INTO room VALUES (0, 'Vote')")
    con.execute("CREATE TABLE votes (id INTEGER PRIMARY KEY, who TEXT)")
    pool = n + max(2, n // 10)
    server = KernelVoila(NOTEBOOK, folder, pool=pool, env={"CSIKIT_STORE": f"sqlite:///{db}"})
    try:
        report(f"kernel floor: pool of {pool} warm after {server.wait():.0f} s")
        result = asyncio.run(_play(server, con, n, plan))
        result.extra["pool"] = pool
        return result
    finally:
        server.stop()
        con.close()
