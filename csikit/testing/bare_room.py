"""The physical floor of a room: a bare tornado websocket server, nothing else.

It speaks just enough of the room protocol (docs/ROOM-PROTOCOL.md) for a
:class:`~csikit.testing.room_client.RoomPhone`: ``hello`` → a screen, ``join`` →
``joined`` and a screen, any message with a ``seq`` → its ``ack`` (and, for an answer,
the screen again, as the room server sends the phone's new screen). No store, no
validation, no screen building. ``POST /room/open`` with a message as its body sends
those bytes to every connected phone (each phone's copy with its own participant id,
so every phone gets its own message of the same size), which is what the room server
must do at the facilitator's Open with the least work one process can do.

    python -m csikit.testing.bare_room --port 8899      # prints "ready <port>" when listening

``GET /`` answers a small page, ``GET /room/health`` ``{"ok": true, "phones": N}``.
Used by ``benchmarks/room.py`` (the floor, in the same run as csikit) and by tests of
the headless phone. 127.0.0.1 only unless told otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import json

from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application, RequestHandler
from tornado.websocket import WebSocketClosedError, WebSocketHandler

#: What every phone is shown before the first Open (a small screen of the same shape).
WAITING = {
    "workshop": {"code": "", "title": "Bare floor"},
    "me": {"participant": None, "name": ""},
    "phase": "join",
    "activity": None,
    "mine": {},
    "done": False,
    "countdown_end": None,
    "results": None,
    "message": "Join now: the first activity starts soon.",
}
PLACEHOLDER = '"participant":-1'  # replaced, per phone, by its own id in a pushed message


class Room:
    def __init__(self) -> None:
        self.phones: set[Phone] = set()
        self.joined = 0
        self.pushed: str = ""  # the last message pushed (sent again as an answer's screen)


class Phone(WebSocketHandler):
    def initialize(self, room: Room) -> None:
        self.room = room
        self.participant: int | None = None
        self.name = ""

    def check_origin(self, origin: str) -> bool:
        return True

    def open(self) -> None:
        self.room.phones.add(self)

    def on_close(self) -> None:
        self.room.phones.discard(self)

    def _screen(self) -> str:
        if self.room.pushed:
            return self.room.pushed.replace(PLACEHOLDER, f'"participant":{self.participant or 0}', 1)
        screen = {
            **WAITING,
            "me": {"participant": self.participant, "name": self.name},
            "phase": "waiting" if self.participant else "join",
        }
        return json.dumps({"type": "screen", "screen": screen})

    def _write(self, text: str) -> None:
        try:
            self.write_message(text)
        except WebSocketClosedError:
            pass

    def on_message(self, message) -> None:
        try:
            msg = json.loads(message)
            kind = msg.get("type")
        except (ValueError, AttributeError):
            self._write('{"type":"error","error":"unreadable message"}')
            return
        if kind == "hello":
            self._write(self._screen())
        elif kind == "join":
            self.room.joined += 1
            self.participant, self.name = self.room.joined, str(msg.get("name") or "")
            self._write(
                json.dumps(
                    {
                        "type": "joined",
                        "token": f"t{self.participant}",
                        "participant": self.participant,
                        "name": self.name,
                    }
                )
            )
            self._write(self._screen())
        elif kind == "ping":
            self._write('{"type":"pong"}')
        if "seq" in msg:
            self._write(json.dumps({"type": "ack", "seq": msg["seq"], "ok": True, "error": ""}))
            if kind in ("answer", "idea", "withdraw", "done"):
                self._write(self._screen())


class Open(RequestHandler):
    def initialize(self, room: Room) -> None:
        self.room = room

    def post(self) -> None:
        body = self.request.body.decode()
        self.room.pushed = body
        head, sep, tail = body.partition(PLACEHOLDER)
        sent = 0
        for phone in list(self.room.phones):
            text = f'{head}"participant":{phone.participant or 0}{tail}' if sep else body
            try:
                phone.write_message(text)
                sent += 1
            except WebSocketClosedError:
                pass
        self.write({"sent": sent})


class Health(RequestHandler):
    def initialize(self, room: Room) -> None:
        self.room = room

    def get(self) -> None:
        self.write({"ok": True, "phones": len(self.room.phones)})


class Page(RequestHandler):
    def get(self) -> None:
        self.write("<!doctype html><title>Join</title><p>bare floor</p>")


def app(room: Room | None = None) -> Application:
    room = room or Room()
    return Application(
        [
            (r"/room/ws", Phone, {"room": room}),
            (r"/room/open", Open, {"room": room}),
            (r"/room/health", Health, {"room": room}),
            (r"/(?:room/)?", Page),
        ]
    )


async def serve(port: int, host: str = "127.0.0.1") -> None:
    sockets = bind_sockets(port, host, backlog=4096)
    HTTPServer(app(), max_buffer_size=2**24).add_sockets(sockets)
    print(f"ready {sockets[0].getsockname()[1]}", flush=True)
    await asyncio.Event().wait()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--host", default="127.0.0.1")
    a = ap.parse_args()
    try:
        asyncio.run(serve(a.port, a.host))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
