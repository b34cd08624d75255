"""The phones of a room run: a group of headless phones in this process, or in a worker process.

:class:`Phones` holds :class:`~csikit.testing.room_client.RoomPhone` objects and answers
the coordinator's commands (arrive, seen, vote, loads, close …) with the times it
measured; :class:`WorkerPhones` sends the same commands, one JSON line each, to a
``python -m csikit.testing.room --worker URL`` process, whose loop is :func:`_worker`. The
coordinator (:func:`csikit.testing.room.play`) does not care which. Re-exported by
:mod:`csikit.testing.room`.
"""

from __future__ import annotations

import asyncio
import json
import random
import subprocess
import sys
import time

from .room_client import RoomPhone


class Phones:
    """A group of phones in this process; :meth:`handle` answers the coordinator's commands."""

    def __init__(self, url: str, timeout: float):
        self.url, self.timeout = url, timeout
        self.phones: list[RoomPhone] = []

    async def handle(self, cmd: dict) -> dict:
        return await getattr(self, f"_{cmd['cmd']}")(**{k: v for k, v in cmd.items() if k != "cmd"})

    async def _arrive(self, ids: list[int], at: list[float]) -> dict:
        """Phone ``ids[i]`` arrives at ``time.monotonic()`` ``at[i]``: page, hello, join."""
        joins, failed = [], []

        async def arrive(i: int, when: float) -> None:
            await asyncio.sleep(max(0.0, when - time.monotonic()))
            p = RoomPhone(self.url, timeout=self.timeout)
            t0 = time.monotonic()
            try:
                await p.connect()
                await p.join(f"R{i}")
                joins.append(time.monotonic() - t0)
                self.phones.append(p)
            except Exception as exc:  # noqa: BLE001 - counted and reported
                failed.append(f"{type(exc).__name__}: {str(exc)[:160]}")
                await p.close()

        await asyncio.gather(*(arrive(i, w) for i, w in zip(ids, at, strict=True)))
        return {"joins": joins, "failed": failed, "cpu": time.process_time()}

    async def _seen(self, phase: str, activity: str | None, since: float, timeout: float) -> dict:
        """Seconds from ``since`` until each phone first had a ``phase`` screen of ``activity``."""

        async def one(p: RoomPhone) -> float | None:
            try:
                t = await p.wait_for(lambda p: p.seen_at(phase, activity), timeout=timeout, what=f"{phase} {activity}")
                return t - since
            except Exception:  # noqa: BLE001 - counted as missing
                return None

        got = await asyncio.gather(*(one(p) for p in self.phones))
        return {
            "times": [t for t in got if t is not None],
            "missing": sum(t is None for t in got),
            "cpu": time.process_time(),
        }

    async def _vote(self, activity: str, values: dict, spread: float, seed: int) -> dict:
        rng = random.Random(seed)
        rtts, refused = [], []

        async def one(p: RoomPhone) -> None:
            await asyncio.sleep(rng.uniform(0, spread))
            try:
                ack = await p.answer(activity, values, delta=True)
            except Exception as exc:  # noqa: BLE001
                refused.append(f"{type(exc).__name__}: {str(exc)[:160]}")
                return
            (rtts if ack.get("ok") else refused).append(ack["rtt"] if ack.get("ok") else str(ack.get("error")))

        await asyncio.gather(*(one(p) for p in self.phones))
        return {"rtts": rtts, "refused": refused, "cpu": time.process_time()}

    async def _loads(self, count: int, concurrency: int = 100) -> dict:
        """``count`` join pages loaded (page, websocket, hello) by people who never join; they stay connected."""
        sem = asyncio.Semaphore(concurrency)
        failed = []
        self.lurkers: list[RoomPhone] = []

        async def one() -> None:
            async with sem:
                p = RoomPhone(self.url, timeout=self.timeout)
                try:
                    await p.connect()
                    self.lurkers.append(p)
                except Exception as exc:  # noqa: BLE001
                    failed.append(f"{type(exc).__name__}: {str(exc)[:160]}")
                    await p.close()

        await asyncio.gather(*(one() for _ in range(count)))
        return {"loaded": len(self.lurkers), "failed": failed, "cpu": time.process_time()}

    async def _unload(self) -> dict:
        await asyncio.gather(*(p.close() for p in getattr(self, "lurkers", [])))
        self.lurkers = []
        return {"cpu": time.process_time()}

    async def _sample(self) -> dict:
        """One phone's last screen, and the bytes per screen the phones received on average."""
        p = next((p for p in self.phones if p.screen), None)
        per = sum(p.bytes_received for p in self.phones) / max(1, sum(p.received for p in self.phones))
        return {
            "screen": p.screen if p else None,
            "bytes_per_message": per,
            "screen_bytes": p.last_screen_bytes if p else 0,
        }

    async def _cpu(self) -> dict:
        return {"cpu": time.process_time()}

    async def _close(self) -> dict:
        await asyncio.gather(*(p.close() for p in self.phones))
        self.phones = []
        return {"cpu": time.process_time()}


class WorkerPhones:
    """A group of phones in another process (``python -m csikit.testing.room --worker URL``)."""

    def __init__(self, url: str, timeout: float):
        self.url, self.timeout = url, timeout
        self.proc: asyncio.subprocess.Process | None = None
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "csikit.testing.room",
            "--worker",
            self.url,
            "--timeout",
            str(self.timeout),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            limit=2**26,
        )

    async def handle(self, cmd: dict) -> dict:
        async with self._lock:
            self.proc.stdin.write(json.dumps(cmd).encode() + b"\n")
            await self.proc.stdin.drain()
            line = await self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the phones' worker process stopped (exit {self.proc.returncode})")
        out = json.loads(line)
        if "exception" in out:
            raise RuntimeError(f"the phones' worker failed: {out['exception']}")
        return out

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.stdin.close()
            try:
                await asyncio.wait_for(self.proc.wait(), 10)
            except asyncio.TimeoutError:
                self.proc.kill()
                await self.proc.wait()


async def _worker(url: str, timeout: float) -> None:
    """Answer the coordinator's commands, one JSON line each, on stdin/stdout."""
    _more_http_clients()
    group = Phones(url, timeout)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=2**26)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    out = sys.stdout.buffer
    while line := await reader.readline():
        cmd = json.loads(line)
        try:
            answer = await group.handle(cmd)
        except Exception as exc:  # noqa: BLE001 - reported to the coordinator
            answer = {"exception": f"{type(exc).__name__}: {exc}"}
        out.write(json.dumps(answer).encode() + b"\n")
        out.flush()
    await group._close()


def _more_http_clients() -> None:
    """Page loads of a room arrive together: let tornado's HTTP client run many at once (default 10)."""
    from tornado.httpclient import AsyncHTTPClient

    AsyncHTTPClient.configure(None, max_clients=10_000)
