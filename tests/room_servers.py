"""Real room servers for the live tests (test_room, test_room_serve, test_scaleout,
test_kinds_consent): one started as ``csikit serve`` starts it, the demo synced into its store,
and a minimal phone on its websocket."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import time
import urllib.request
from pathlib import Path

from conftest import copy_demo

CODE = "DESK26"
POLL, DOTS, IDEAS = "s6-changed", "s3-vote", "s1-problems"


def sync_demo(url: str, tmp: Path):
    from csikit.store import Store
    from csikit.workshop_file import load_workshop

    ws = load_workshop(copy_demo(tmp / "demo") if not (tmp / "demo").exists() else tmp / "demo")
    store = Store(url)
    store.sync_workshop(ws)
    return store


@contextlib.contextmanager
def room_server(url: str, tmp: Path, name: str = "room"):
    """One room server (as ``csikit serve`` starts it) on a free port; yields its base URL."""
    from csikit.serve import free_port, room_command

    port = free_port()
    env = {**os.environ, "CSIKIT_STORE": url, "CSIKIT_WORKSHOP": CODE}
    cmd, env = room_command(port, "127.0.0.1", tmp / name, env)
    log = tmp / f"{name}.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen(cmd, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                health = json.loads(urllib.request.urlopen(base + "/room/health", timeout=2).read())
                if health.get("backend") == "sqlite" or health.get("listening"):
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        text = log.read_text(errors="replace")
        assert "Traceback" not in text, text[-3000:]


class Phone:
    """A minimal phone: a websocket that keeps every message and finds the ones wanted."""

    def __init__(self, ws):
        self.ws, self.seen, self.seq = ws, [], 0

    @classmethod
    async def open(cls, base: str) -> Phone:
        from tornado.websocket import websocket_connect

        return cls(await websocket_connect(base.replace("http", "ws") + "/room/ws"))

    async def send(self, message: dict | str) -> int:
        self.seq += 1
        if isinstance(message, dict):
            message = json.dumps({**message, "seq": self.seq})
        await self.ws.write_message(message)
        return self.seq

    async def next(self, want=lambda m: True, timeout: float = 10) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            assert left > 0, f"not received; last messages: {self.seen[-3:]}"
            text = await asyncio.wait_for(self.ws.read_message(), left)
            assert text is not None, "the socket closed"
            m = json.loads(text)
            self.seen.append(m)
            if want(m):
                return m

    async def screen(self, want=lambda s: True, timeout: float = 10) -> dict:
        return (await self.next(lambda m: m["type"] == "screen" and want(m["screen"]), timeout))["screen"]

    async def ack(self, seq: int) -> dict:
        return await self.next(lambda m: m["type"] == "ack" and m["seq"] == seq)

    async def hello(self, token: str = "") -> dict:
        await self.send({"type": "hello", "code": CODE, "token": token})
        return await self.screen()

    async def join(self, name: str) -> dict:
        seq = await self.send({"type": "join", "name": name})
        assert (await self.ack(seq))["ok"]
        joined = await self.next(lambda m: m["type"] == "joined")
        await self.screen()
        return joined

    def close(self) -> None:
        self.ws.close()


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 120))
