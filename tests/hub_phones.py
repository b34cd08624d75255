"""Phones on an in-process room hub (:class:`csikit.room.hub.Hub`): the room's protocol and
rules without a server or a socket, for fast tests of what a phone shows and sends.

``HubRoom(store_url, code)`` owns a hub and an event loop; ``room.phone()`` is one phone (one
websocket) that has said ``hello``; ``room.changed()`` is what the hub does when it notices a
change of the room (the SQLite signal, PostgreSQL's NOTIFY): every phone gets its screen.
Each call runs the loop until the hub has nothing left to do, so a test reads the result
straight after it. Live servers are tested in tests/room/test_room.py.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json

from csikit.room.hub import Hub


class HubPhone:
    """One phone: every message the hub sent it (``seen``), its last screen, acks by ``seq``."""

    def __init__(self, room: HubRoom):
        self.room = room
        self.seen: list[dict] = []
        self.seq = 0
        self.phone = room.hub.connect(lambda text: self.seen.append(json.loads(text)))

    # --- what it shows ---------------------------------------------------------------------
    @property
    def screens(self) -> list[dict]:
        return [m["screen"] for m in self.seen if m["type"] == "screen"]

    @property
    def screen(self) -> dict:
        screens = self.screens
        assert screens, f"no screen yet; messages: {self.seen[-3:]}"
        return screens[-1]

    @property
    def phase(self) -> str:
        return self.screen["phase"]

    @property
    def mine(self) -> dict:
        return self.screen["mine"]

    @property
    def items(self) -> list[str]:
        """The item ids in the order this screen shows them."""
        return [i["id"] for i in self.screen["activity"]["items"]]

    @property
    def participant(self) -> int | None:
        return self.screen["me"]["participant"]

    def last(self, kind: str) -> dict | None:
        found = [m for m in self.seen if m["type"] == kind]
        return found[-1] if found else None

    # --- what it sends ---------------------------------------------------------------------
    def send(self, message: dict | str | bytes) -> None:
        """A raw frame (no ``seq`` added), as a tampered page could send it."""
        text = message if isinstance(message, (str, bytes)) else json.dumps(message)
        self.room.run(self.room.hub.handle(self.phone, text))

    def request(self, message: dict) -> dict:
        """``message`` with a ``seq``; returns its ``ack``."""
        self.seq += 1
        seq = self.seq
        self.send({**message, "seq": seq})
        acks = [m for m in self.seen if m["type"] == "ack" and m["seq"] == seq]
        assert len(acks) == 1, f"{len(acks)} acks for {message}; messages: {self.seen[-3:]}"
        return acks[0]

    def hello(self, token: str = "", code: str | None = None) -> dict:
        return self.request({"type": "hello", "code": self.room.code if code is None else code, "token": token})

    def join(self, name: str = "") -> dict:
        return self.request({"type": "join", "name": name})

    def answer(self, activity: str, values: dict, comments: dict | None = None, *, delta: bool = False) -> dict:
        msg = {"type": "answer", "activity": activity, "values": values, "delta": delta}
        if comments is not None:
            msg["comments"] = comments
        return self.request(msg)

    def idea(self, activity: str, text: str) -> dict:
        return self.request({"type": "idea", "activity": activity, "text": text})

    def done(self, activity: str, done: bool = True) -> dict:
        return self.request({"type": "done", "activity": activity, "done": done})

    @property
    def token(self) -> str:
        joined = self.last("joined")
        assert joined, "not joined"
        return joined["token"]

    def close(self) -> None:
        self.room.hub.disconnect(self.phone)


class HubRoom:
    """A hub on ``store_url`` serving workshop ``code``, and its own event loop."""

    def __init__(self, store_url: str, code: str, **hub_options):
        self.code = code
        self.loop = asyncio.new_event_loop()
        self.hub = self.run(self._make(store_url, code, hub_options))

    @staticmethod
    async def _make(store_url, code, options) -> Hub:
        return Hub(store_url, code, **options)

    def run(self, coro):
        """Run ``coro`` on the loop, then every task it left (screens pushed, other tabs)."""

        async def main():
            out = await coro
            for _ in range(100):
                tasks = [
                    t
                    for t in asyncio.all_tasks()
                    if t is not asyncio.current_task() and not t.done() and t not in self._background
                ]
                if not tasks:
                    break
                await asyncio.gather(*tasks)
            return out

        return self._complete(main())

    def _complete(self, coro):
        """``run_until_complete`` here, or in a thread of its own when this thread already runs a
        loop (Playwright's sync API does while a browser fixture of the module is alive)."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return self.loop.run_until_complete(coro)
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            return pool.submit(self.loop.run_until_complete, coro).result()

    _background: set = set()

    def phone(self, token: str = "") -> HubPhone:
        """A new phone (a new tab or a reload) that said hello (with a remembered token)."""
        p = HubPhone(self)
        ack = p.hello(token)
        assert ack["ok"], ack
        return p

    def joined(self, name: str) -> HubPhone:
        p = self.phone()
        ack = p.join(name)
        assert ack["ok"], ack
        return p

    def changed(self) -> None:
        """The room changed (what the hub does on the signal or a NOTIFY)."""

        async def change():
            self.hub.changed(self.code)

        self.run(change())

    def start(self) -> None:
        """Watch the store as a server does (the SQLite signal, the fallback read)."""

        async def start():
            before = set(asyncio.all_tasks())
            self.hub.start()
            self._background = set(asyncio.all_tasks()) - before

        self.run(start())

    def wait(self, seconds: float) -> None:
        """Let the hub's watchers run for ``seconds``."""
        self.run(asyncio.sleep(seconds))

    def close(self) -> None:
        async def stop():
            await self.hub.stop()

        self._complete(stop())
        self.loop.close()
