"""A headless phone on the room endpoint (docs/ROOM-PROTOCOL.md): no browser, no kernel.

A :class:`RoomPhone` does what the join page does over ``/room/ws``: it says ``hello``
with the workshop code (and a rejoin token, if it has one), joins, answers, sends ideas
and "I'm done", and keeps the last ``screen`` the server sent. Every screen's arrival
is timed (``time.monotonic()``, which on Linux is one clock for every process), so a
room of them measures latency: when a phase or an activity first reached this phone
(:meth:`RoomPhone.seen_at`) and how long each message waited for its ``ack``. Thousands
of them share one asyncio loop (tornado's ``websocket_connect``; no other dependency).

Example::

    async with RoomPhone("http://127.0.0.1:8866/?code=DESK26") as p:
        await p.join("Ann")
        await p.wait_for(lambda p: p.activity_id == "s3-vote")
        ack = await p.answer("s3-vote", {"c1": 1}, delta=True)
        assert ack["ok"], ack["error"]

Raw messages, for tests that forge what a tampered page could send: ``await p.send({...})``
(no ``seq`` added) and ``await p.request({...})`` (a ``seq`` added, returns the ``ack``).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import WebSocketClientConnection, websocket_connect

from .errors import HeadlessError

WS_PATH = "/room/ws"
HEALTH_PATH = "/room/health"


def ws_url(url: str) -> str:
    """The room websocket of the participant server at ``url`` (http(s)://host:port/…)."""
    parts = urlsplit(url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{parts.netloc}{WS_PATH}"


def code_of(url: str) -> str:
    """The workshop code in a join link's ``?code=``, or ""."""
    return (parse_qs(urlsplit(url).query).get("code") or [""])[0]


def token_of(url: str) -> str:
    """A personal rejoin link's ``&t=`` token, or ""."""
    return (parse_qs(urlsplit(url).query).get("t") or [""])[0]


class RoomPhone:
    """One phone on the room websocket: the last screen, when each screen came, acks by ``seq``.

    ``url``: the join link (``http://host:port/?code=CODE``; ``&t=TOKEN`` rejoins as that
    person). ``load_page``: GET the join page first, as a browser does. ``timeout``: the
    default bound of every wait.
    """

    def __init__(
        self,
        url: str,
        *,
        code: str | None = None,
        token: str | None = None,
        timeout: float = 60.0,
        load_page: bool = True,
        headers: dict[str, str] | None = None,
    ):
        self.url = url
        self.code = code if code is not None else code_of(url)
        self.token = token if token is not None else token_of(url)
        self.timeout = timeout
        self.load_page = load_page
        self.headers = dict(headers or {})
        self.ws: WebSocketClientConnection | None = None
        self.screen: dict | None = None
        self.participant: int | None = None
        self.name: str = ""
        self.errors: list[str] = []  # the server's ``error`` messages
        self.screens = 0  # screens received
        self.received = 0  # messages received
        self.bytes_received = 0
        self.closed = False
        #: (phase, activity id) → when a screen with it first arrived (time.monotonic())
        self.first_seen: dict[tuple[str, str | None], float] = {}
        self.last_screen_at = 0.0
        self.last_screen_bytes = 0  # the size of the last screen message as it came
        self._seq = 0
        self._acks: dict[int, asyncio.Future] = {}
        self._joined: asyncio.Future | None = None
        self._changed: asyncio.Event | None = None
        self._reader: asyncio.Task | None = None
        self._pong: asyncio.Future | None = None

    # -- what the phone shows ------------------------------------------------------------
    @property
    def phase(self) -> str | None:
        return self.screen.get("phase") if self.screen else None

    @property
    def activity(self) -> dict | None:
        return (self.screen or {}).get("activity")

    @property
    def activity_id(self) -> str | None:
        a = self.activity
        return a.get("id") if a else None

    @property
    def mine(self) -> dict:
        return (self.screen or {}).get("mine") or {}

    def seen_at(self, phase: str, activity: str | None = None) -> float | None:
        """When a screen in ``phase`` (for ``activity``, if given) first reached this phone."""
        if activity is None:
            times = [t for (ph, _), t in self.first_seen.items() if ph == phase]
            return min(times) if times else None
        return self.first_seen.get((phase, activity))

    # -- connection ---------------------------------------------------------------------
    async def __aenter__(self) -> RoomPhone:
        await self.connect()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def connect(self) -> None:
        """(GET the join page,) open the websocket, say hello; returns once the first screen came."""
        if self.load_page:
            client = AsyncHTTPClient()
            try:
                resp = await client.fetch(
                    HTTPRequest(
                        self.url, headers=self.headers, request_timeout=self.timeout, connect_timeout=self.timeout
                    ),
                    raise_error=False,
                )
            except Exception as exc:  # noqa: BLE001 - network errors become one kind of error
                raise HeadlessError(f"The join page did not load: {type(exc).__name__}: {exc}") from exc
            if resp.code != 200:
                raise HeadlessError(f"The join page answered {resp.code} at {self.url}")
        self._changed = asyncio.Event()
        try:
            self.ws = await asyncio.wait_for(
                websocket_connect(
                    HTTPRequest(
                        ws_url(self.url),
                        headers=self.headers,
                        connect_timeout=self.timeout,
                        request_timeout=self.timeout,
                    ),
                    max_message_size=16 * 2**20,
                ),
                self.timeout,
            )
        except Exception as exc:  # noqa: BLE001
            raise HeadlessError(f"The room websocket did not open: {type(exc).__name__}: {exc}") from exc
        self.closed = False
        self._reader = asyncio.get_running_loop().create_task(self._read())
        first = self.screens
        await self.send({"type": "hello", "code": self.code, "token": self.token or ""})
        await self.wait_for(lambda p: p.screens > first or p.errors, what="the first screen")
        if self.errors and self.screens == first:
            raise HeadlessError(f"The server refused hello: {self.errors[-1]}")

    async def close(self) -> None:
        self.closed = True
        if self.ws is not None:
            self.ws.close()
            self.ws = None
        if self._reader is not None:
            self._reader.cancel()
            try:
                await self._reader
            except (asyncio.CancelledError, Exception):  # noqa: BLE001
                pass
            self._reader = None
        for fut in self._acks.values():
            if not fut.done():
                fut.set_exception(HeadlessError("The phone was closed"))
        self._acks.clear()

    def drop(self) -> None:
        """Lose the connection without a goodbye (a phone going to sleep); :meth:`connect` comes back."""
        if self.ws is not None and self.ws.protocol is not None and self.ws.protocol.stream is not None:
            self.ws.protocol.stream.close()
        self.ws = None

    # -- messages -----------------------------------------------------------------------
    async def send(self, msg: dict) -> None:
        """Send one message as is."""
        if self.ws is None:
            raise HeadlessError("The phone is not connected")
        try:
            await self.ws.write_message(json.dumps(msg, separators=(",", ":")))
        except Exception as exc:  # noqa: BLE001 - WebSocketClosedError, StreamClosedError
            raise HeadlessError(f"The room websocket closed: {type(exc).__name__}") from exc

    async def request(self, msg: dict, *, timeout: float | None = None) -> dict:
        """Send ``msg`` with a new ``seq``; returns its ``ack`` (with ``"rtt"``: seconds until it came)."""
        self._seq += 1
        seq = self._seq
        fut = asyncio.get_running_loop().create_future()
        self._acks[seq] = fut
        t0 = time.monotonic()
        try:
            await self.send({**msg, "seq": seq})
            ack = await asyncio.wait_for(fut, self.timeout if timeout is None else timeout)
        except asyncio.TimeoutError:
            raise HeadlessError(
                f"No ack for {msg.get('type')} (seq {seq}) within {timeout or self.timeout:g} s"
            ) from None
        finally:
            self._acks.pop(seq, None)
        return {**ack, "rtt": time.monotonic() - t0}

    async def join(self, name: str = "", *, timeout: float | None = None) -> dict:
        """Join as ``name`` (empty: anonymous); returns the ``joined`` message once its screen came."""
        self._joined = asyncio.get_running_loop().create_future()
        screens = self.screens
        await self.send({"type": "join", "name": name})
        try:
            joined = await asyncio.wait_for(self._joined, self.timeout if timeout is None else timeout)
        except asyncio.TimeoutError:
            raise HeadlessError(f"Not joined within {timeout or self.timeout:g} s: {self.errors[-1:]}") from None
        # a join screen pushed before the join was handled may still be on its way: wait for one that knows us
        await self.wait_for(
            lambda p: p.screens > screens and ((p.screen or {}).get("me") or {}).get("participant") is not None,
            timeout=timeout,
            what="the joined screen",
        )
        return joined

    async def answer(
        self,
        activity: str,
        values: dict,
        comments: dict | None = None,
        *,
        delta: bool = False,
        timeout: float | None = None,
    ) -> dict:
        msg: dict[str, Any] = {"type": "answer", "activity": activity, "values": values, "delta": delta}
        if comments:
            msg["comments"] = comments
        return await self.request(msg, timeout=timeout)

    async def idea(self, activity: str, text: str, *, timeout: float | None = None) -> dict:
        return await self.request({"type": "idea", "activity": activity, "text": text}, timeout=timeout)

    async def edit(self, activity: str, idea: int, text: str, *, timeout: float | None = None) -> dict:
        return await self.request({"type": "edit", "activity": activity, "idea": idea, "text": text}, timeout=timeout)

    async def withdraw(self, activity: str, idea: int, *, timeout: float | None = None) -> dict:
        return await self.request({"type": "withdraw", "activity": activity, "idea": idea}, timeout=timeout)

    async def done(self, activity: str, done: bool = True, *, timeout: float | None = None) -> dict:
        return await self.request({"type": "done", "activity": activity, "done": done}, timeout=timeout)

    async def ping(self, *, timeout: float | None = None) -> float:
        """Seconds until the ``pong``."""
        self._pong = asyncio.get_running_loop().create_future()
        t0 = time.monotonic()
        await self.send({"type": "ping"})
        await asyncio.wait_for(self._pong, self.timeout if timeout is None else timeout)
        return time.monotonic() - t0

    async def wait_for(
        self, condition: Callable[[RoomPhone], Any], timeout: float | None = None, *, what: str = ""
    ) -> Any:
        """Until ``condition(self)`` is truthy (checked after every message); returns its value."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            value = condition(self)
            if value:
                return value
            if self.ws is None and self.closed:
                raise HeadlessError(f"The phone closed while waiting for {what or 'a condition'}")
            left = deadline - time.monotonic()
            if left <= 0:
                raise HeadlessError(
                    f"Timed out waiting for {what or 'a condition'}; phase {self.phase!r}, "
                    f"activity {self.activity_id!r}, errors {self.errors[-2:]}"
                )
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), left)
            except asyncio.TimeoutError:
                pass

    # -- the reader ---------------------------------------------------------------------
    async def _read(self) -> None:
        ws = self.ws
        while True:
            frame = await ws.read_message()
            now = time.monotonic()
            if frame is None:
                self.ws = None if self.ws is ws else self.ws
                for fut in self._acks.values():
                    if not fut.done():
                        fut.set_exception(HeadlessError("The room websocket closed"))
                self._changed.set()
                return
            self.received += 1
            self.bytes_received += len(frame)
            try:
                msg = json.loads(frame)
                if msg.get("type") == "screen":
                    self.last_screen_bytes = len(frame.encode() if isinstance(frame, str) else frame)
                self._handle(msg, now)
            except Exception as exc:  # noqa: BLE001 - a bad frame is the server's bug: keep it
                self.errors.append(f"unreadable message: {type(exc).__name__}: {exc}")
            self._changed.set()

    def _handle(self, msg: dict, now: float) -> None:
        kind = msg.get("type")
        if kind == "screen":
            screen = msg.get("screen") or {}
            self.screen = screen
            self.screens += 1
            self.last_screen_at = now
            activity = screen.get("activity") or {}
            self.first_seen.setdefault((screen.get("phase"), activity.get("id")), now)
            me = screen.get("me") or {}
            if me.get("participant") is not None:
                self.participant = me["participant"]
                self.name = me.get("name") or ""
        elif kind == "ack":
            fut = self._acks.get(msg.get("seq"))
            if fut is not None and not fut.done():
                fut.set_result(msg)
        elif kind == "joined":
            self.token = msg.get("token") or self.token
            self.participant = msg.get("participant", self.participant)
            self.name = msg.get("name") or ""
            if self._joined is not None and not self._joined.done():
                self._joined.set_result(msg)
        elif kind == "error":
            self.errors.append(str(msg.get("error")))
            if self._joined is not None and not self._joined.done() and self.participant is None:
                self._joined.set_exception(HeadlessError(f"The server refused: {msg.get('error')}"))
        elif kind == "pong":
            if self._pong is not None and not self._pong.done():
                self._pong.set_result(now)


async def health(url: str, *, timeout: float = 5.0) -> dict:
    """The participant server's ``/room/health`` answer (``{"ok": true, "phones": N}``)."""
    parts = urlsplit(url)
    resp = await AsyncHTTPClient().fetch(f"{parts.scheme}://{parts.netloc}{HEALTH_PATH}", request_timeout=timeout)
    return json.loads(resp.body)
