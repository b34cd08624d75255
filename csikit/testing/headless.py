"""Headless participants: drive a Voila page's widgets without a browser.

A :class:`HeadlessParticipant` does what the browser does for a Voila page, and nothing
more: it GETs the page (Voila renders it server-side and embeds the kernel id in
the page config), opens the kernel's websocket
(``/api/kernels/<id>/channels?session_id=…``, jupyter_server's binary ``v1``
protocol, as a browser), opens the ``jupyter.widget.control`` comm (control protocol 1.x), asks
for every widget's state (``request_states``) and then keeps a mirror of the
widget states up to date from the kernel's ``comm_open``/``comm_msg``/``comm_close``
messages. Clicks and value changes are the same ``comm_msg`` messages a browser
sends. So hundreds of participants can be simulated from one process, for
benchmarks (``benchmarks/``) and tests, with tornado only (already a dependency
of jupyter_server).

Example::

    async with HeadlessParticipant("http://127.0.0.1:8866/?code=DESK26") as p:
        await p.join("Ann")
        await p.wait_for(lambda p: p.find(description="+"))
        await p.click(description="+", near_text="Self-service password reset")

Raw messages, for tests that forge what a tampered browser could send::

    await p.send_update(model_id, {"value": "anything"})     # {"method": "update", ...}
    await p.send_custom(model_id, {"event": "click"})         # {"method": "custom", ...}

Both send exactly one ``comm_msg`` to the widget whose comm id is ``model_id``
(in ipywidgets 8 the comm id is the model id) and return at once; the kernel's
answer shows up later in :attr:`HeadlessParticipant.states` (use :meth:`wait_for`).
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import struct
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urljoin, urlsplit

from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import WebSocketClientConnection, websocket_connect

from .errors import HeadlessError
from .page import PageMirror

CONTROL_TARGET = "jupyter.widget.control"
CONTROL_VERSION = "1.0.0"  # ipywidgets 8's widget control protocol
WIDGET_PROTOCOL = "2.1.0"  # ipywidgets 8's widget protocol
#: jupyter_server's binary websocket protocol, the one JupyterLab's and Voila's front ends speak.
#: Voila (0.5) reads the header of every binary kernel message as if in this protocol
#: before sending it; a client on the legacy protocol makes it read a 4-byte big-endian
#: count as an 8-byte little-endian one and loop for ever (seen with the facilitator
#: page's Image buffers), so the load generator speaks v1 like a browser.
WS_PROTOCOL = "v1.kernel.websocket.jupyter.org"
#: A displayed widget in a Voila page's cell outputs (what the page shows; other models are unshown).
_VIEW = re.compile(r'"application/vnd\.jupyter\.widget-view\+json":\s*\{[^{}]*?"model_id":\s*"([0-9a-f]+)"')
_CONFIG = re.compile(r'<script id="jupyter-config-data" type="application/json">\s*(.*?)\s*</script>', re.S)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


def _pack_v1(msg: dict) -> bytes:
    """A kernel message as a frame of jupyter_server's v1 websocket protocol (what browsers speak):
    8-byte little-endian count and offsets, then channel, header, parent header, metadata,
    content (JSON) and the buffers."""
    parts = [json.dumps(msg[k]).encode("utf8") for k in ("header", "parent_header", "metadata", "content")]
    parts = [msg["channel"].encode("utf8"), *parts, *msg.get("buffers", [])]
    offsets = [8 * (len(parts) + 2)]
    for part in parts:
        offsets.append(offsets[-1] + len(part))
    return b"".join([len(offsets).to_bytes(8, "little"), *(o.to_bytes(8, "little") for o in offsets), *parts])


def _unpack_v1(frame: bytes) -> dict:
    count = int.from_bytes(frame[:8], "little")
    offsets = [int.from_bytes(frame[8 * (i + 1) : 8 * (i + 2)], "little") for i in range(count)] + [len(frame)]
    parts = [frame[offsets[i] : offsets[i + 1]] for i in range(count)]
    channel, header, parent, metadata, content = (p.decode("utf8") for p in parts[:5])
    header = json.loads(header)
    return {
        "channel": channel,
        "header": header,
        "msg_type": header.get("msg_type"),
        "parent_header": json.loads(parent),
        "metadata": json.loads(metadata),
        "content": json.loads(content),
        "buffers": parts[5:],
    }


def _unpack(frame: bytes | str) -> dict:
    """A kernel message from a websocket frame of the legacy protocol (JSON text, or
    jupyter_server's binary framing with 4-byte big-endian offsets)."""
    if isinstance(frame, str):
        return json.loads(frame)
    nbufs = struct.unpack("!I", frame[:4])[0]
    offsets = list(struct.unpack("!" + "I" * nbufs, frame[4 : 4 * (nbufs + 1)]))
    offsets.append(len(frame))
    msg = json.loads(frame[offsets[0] : offsets[1]].decode("utf8"))
    msg["buffers"] = [frame[offsets[i] : offsets[i + 1]] for i in range(1, nbufs)]
    return msg


def _put_buffers(state: dict, paths: Iterable, buffers: list) -> None:
    for path, buf in zip(paths or (), buffers or (), strict=False):
        obj = state
        for key in path[:-1]:
            obj = obj[key]
        obj[path[-1]] = buf


class HeadlessParticipant(PageMirror):
    """One headless participant on a Voila page; an async context manager.

    Parameters
    ----------
    url
        The page's URL, query string included (``http://host:port/?code=DESK26``).
    timeout
        Seconds allowed for the page to render and for each :meth:`wait_for` by default.
    headers
        Extra HTTP headers for the page request and the websocket (e.g. a ``Cookie``).

    Attributes
    ----------
    states
        model id → the widget's state (``_model_name``, ``description``, ``value``,
        ``children`` as ``IPY_MODEL_<id>`` strings …), kept up to date.
    kernel_id, timings
        The kernel this page got; ``timings`` holds ``page`` (s to render the page),
        ``ws`` (s to open the websocket) and ``states`` (s until the widget states arrived).
    response_headers
        The page response's headers (``X-Csikit-Upstream`` tells which server behind nginx answered).
    """

    def __init__(self, url: str, *, timeout: float = 60.0, headers: dict[str, str] | None = None):
        self.url = url
        self.timeout = timeout
        self.headers = dict(headers or {})
        self.cookies: dict[str, str] = {}
        self.states: dict[str, dict] = {}
        self.roots: list[str] = []  # the widgets the page displays (its cell outputs)
        self.kernel_id = ""
        self.session = uuid.uuid4().hex
        self.timings: dict[str, float] = {}
        self.response_headers: dict[str, str] = {}
        self.page = ""
        self.closed_reason = ""
        self._ws: WebSocketClientConnection | None = None
        self._v1 = False
        self._reader: asyncio.Task | None = None
        self._control = ""
        self._changed = asyncio.Event()
        self._got_states = asyncio.Event()
        self._kernel_ready = asyncio.Event()
        self._lock = asyncio.Lock()

    # --- connecting ---------------------------------------------------------------

    async def __aenter__(self) -> HeadlessParticipant:
        await self.connect()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    def _cookie_header(self) -> dict[str, str]:
        h = dict(self.headers)
        if self.cookies:
            mine = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            h["Cookie"] = f"{h['Cookie']}; {mine}" if "Cookie" in h else mine
        return h

    async def connect(self, *, pause: float = 0.0) -> None:
        """Load the page, open the kernel websocket and fetch every widget's state.

        ``pause``: seconds between the page and its websocket, as a slow phone spends
        loading the page's scripts.
        """
        t0 = time.monotonic()
        client = AsyncHTTPClient(force_instance=True, max_clients=2)
        try:
            resp = await client.fetch(
                HTTPRequest(
                    self.url,
                    headers=self._cookie_header(),
                    request_timeout=self.timeout,
                    connect_timeout=self.timeout,
                    follow_redirects=True,
                ),
                raise_error=False,
            )
        finally:
            client.close()
        if resp.code != 200:
            raise HeadlessError(f"GET {urlsplit(self.url).path} answered {resp.code}: {(resp.body or b'')[:200]!r}")
        for raw in resp.headers.get_list("Set-Cookie"):
            for name, morsel in SimpleCookie(raw).items():
                self.cookies[name] = morsel.value
        self.response_headers = {k: v for k, v in resp.headers.get_all()}
        self.page = resp.body.decode("utf8", "replace")
        self.roots = _VIEW.findall(self.page)
        self.timings["page"] = time.monotonic() - t0
        m = _CONFIG.search(self.page)
        if not m:
            raise HeadlessError("The page carries no jupyter-config-data (is this a Voila page?)")
        config = json.loads(html.unescape(m.group(1)) if m.group(1).startswith("&") else m.group(1))
        self.kernel_id = config.get("kernelId") or ""
        if not self.kernel_id:
            raise HeadlessError("The page names no kernel (kernelId missing from its page config)")
        base = config.get("baseUrl") or "/"
        parts = urlsplit(urljoin(self.url, base))
        scheme = "wss" if parts.scheme == "https" else "ws"
        ws_url = f"{scheme}://{parts.netloc}{parts.path.rstrip('/')}/api/kernels/{self.kernel_id}/channels?session_id={self.session}"
        if pause:
            await asyncio.sleep(pause)
        t1 = time.monotonic()
        self._ws = await asyncio.wait_for(
            websocket_connect(
                HTTPRequest(
                    ws_url, headers=self._cookie_header(), connect_timeout=self.timeout, request_timeout=self.timeout
                ),
                max_message_size=64 * 2**20,
                subprotocols=[WS_PROTOCOL],
            ),
            self.timeout,
        )
        self._v1 = self._ws.selected_subprotocol == WS_PROTOCOL
        self.timings["ws"] = time.monotonic() - t1
        self._reader = asyncio.get_running_loop().create_task(self._read())
        t2 = time.monotonic()
        # Like JupyterLab's kernel connection, wait for the kernel_info reply before anything
        # else: jupyter_server drops shell messages that arrive while it is still "nudging"
        # the new channels, and a lost comm_open means no widget states ever.
        await self._send("kernel_info_request", {})
        try:
            await asyncio.wait_for(self._kernel_ready.wait(), self.timeout)
        except asyncio.TimeoutError:
            raise HeadlessError(
                f"No kernel_info reply within {self.timeout:.0f} s ({self.closed_reason or 'no answer'})"
            ) from None
        self._control = uuid.uuid4().hex
        await self._send(
            "comm_open",
            {"comm_id": self._control, "target_name": CONTROL_TARGET, "data": {}},
            metadata={"version": CONTROL_VERSION},
        )
        await self._send("comm_msg", {"comm_id": self._control, "data": {"method": "request_states"}})
        try:
            await asyncio.wait_for(self._got_states.wait(), self.timeout)
        except asyncio.TimeoutError:
            raise HeadlessError(
                f"No widget states within {self.timeout:.0f} s ({self.closed_reason or 'no answer'})"
            ) from None
        self.timings["states"] = time.monotonic() - t2

    async def close(self) -> None:
        """Close the websocket (the kernel stays, as with a closed browser tab, until culled)."""
        if self._ws is not None:
            self._ws.close()
            self._ws = None
        if self._reader is not None:
            self._reader.cancel()
            try:
                await self._reader
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - closing anyway
                pass
            self._reader = None

    # --- the wire -------------------------------------------------------------------

    async def _send(self, msg_type: str, content: dict, *, metadata: dict | None = None) -> None:
        if self._ws is None:
            raise HeadlessError("Not connected")
        msg = {
            "header": {
                "msg_id": uuid.uuid4().hex,
                "username": "",
                "session": self.session,
                "msg_type": msg_type,
                "version": "5.3",
                "date": _now(),
            },
            "parent_header": {},
            "metadata": metadata or {},
            "content": content,
            "channel": "shell",
            "buffers": [],
        }
        async with self._lock:
            if self._v1:
                await self._ws.write_message(_pack_v1(msg), binary=True)
            else:
                await self._ws.write_message(json.dumps(msg))

    async def _read(self) -> None:
        try:
            while True:
                frame = await self._ws.read_message()
                if frame is None:
                    self.closed_reason = (
                        f"websocket closed ({self._ws.close_code}: {self._ws.close_reason})" if self._ws else "closed"
                    )
                    break
                self._handle(_unpack_v1(frame) if self._v1 and isinstance(frame, bytes) else _unpack(frame))
                self._changed.set()
                self._changed = asyncio.Event()
        finally:
            self._changed.set()

    def _handle(self, msg: dict) -> None:
        kind = msg.get("msg_type") or msg.get("header", {}).get("msg_type")
        content = msg.get("content", {})
        if kind == "kernel_info_reply":
            self._kernel_ready.set()
        elif kind == "comm_open":
            data = content.get("data", {})
            state = dict(data.get("state", {}))
            _put_buffers(state, data.get("buffer_paths"), msg.get("buffers"))
            self.states[content["comm_id"]] = state
        elif kind == "comm_close":
            self.states.pop(content.get("comm_id"), None)
        elif kind == "comm_msg":
            comm, data = content.get("comm_id"), content.get("data", {})
            method = data.get("method")
            if comm == self._control and method == "update_states":
                states = data.get("states", {})
                _put_buffers(states, data.get("buffer_paths"), msg.get("buffers"))
                for mid, s in states.items():
                    self.states[mid] = dict(s.get("state", {}))
                self._got_states.set()
            elif method in ("update", "echo_update") and comm in self.states:
                state = dict(data.get("state", {}))
                _put_buffers(state, data.get("buffer_paths"), msg.get("buffers"))
                self.states[comm].update(state)

    # --- raw widget messages (also for forged-message tests) ---------------------------

    async def send_update(self, model_id: str, state: dict[str, Any]) -> None:
        """Send ``{"method": "update", "state": state}`` to widget ``model_id``, as a browser does on input."""
        await self._send(
            "comm_msg", {"comm_id": model_id, "data": {"method": "update", "state": state, "buffer_paths": []}}
        )

    async def send_custom(self, model_id: str, content: dict[str, Any]) -> None:
        """Send ``{"method": "custom", "content": content}`` to widget ``model_id``
        (a click is ``{"event": "click"}``)."""
        await self._send("comm_msg", {"comm_id": model_id, "data": {"method": "custom", "content": content}})

    async def wait_for(self, condition: Callable[[HeadlessParticipant], Any], timeout: float | None = None) -> Any:
        """Wait until ``condition(self)`` is truthy (checked after each kernel message); return its value."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            event = self._changed
            value = condition(self)
            if value:
                return value
            left = deadline - time.monotonic()
            if left <= 0 or self._reader is None or self._reader.done():
                why = self.closed_reason or "timed out"
                raise HeadlessError(f"Condition not met ({why}); page shows: {self.text()[:300]!r}")
            try:
                await asyncio.wait_for(event.wait(), left)
            except asyncio.TimeoutError:
                pass

    # --- acting like a person ----------------------------------------------------------

    async def click(self, model_id: str | None = None, *, timeout: float | None = None, **criteria) -> str:
        """Click a button, given by model id or by :meth:`find` criteria; returns its model id.

        With criteria, waits (up to ``timeout``) until exactly one button matches.
        """
        if model_id is None:
            criteria["model_name"] = "ButtonModel"
            try:
                hits = await self.wait_for(lambda p: len(p.find(**criteria)) == 1 and p.find(**criteria), timeout)
            except HeadlessError:
                raise HeadlessError(
                    f"{len(self.find(**criteria))} buttons match {criteria}, expected one; "
                    f"page shows: {self.text()[-300:]!r}"
                ) from None
            model_id = hits[0]
        await self.send_custom(model_id, {"event": "click"})
        return model_id

    async def set_value(self, model_id: str, value: Any) -> None:
        """Set a widget's value as a browser does when the person types or chooses."""
        await self.send_update(model_id, {"value": value})
        self.states.get(model_id, {})["value"] = value

    async def join(self, name: str = "", timeout: float | None = None) -> None:
        """Type a name on the join screen, click Join, wait for "Joined as"."""
        box = await self.wait_for(lambda p: p.find(placeholder="Your name (optional)"), timeout)
        if name:
            await self.set_value(box[0], name)
        await self.click(description="Join")
        await self.wait_for(lambda p: "Joined as" in p.text(), timeout)


async def gather_bounded(coros: Iterable, limit: int) -> list:
    """Run coroutines with at most ``limit`` at once; exceptions are returned, not raised."""
    sem = asyncio.Semaphore(limit)

    async def one(c):
        async with sem:
            return await c

    return await asyncio.gather(*(one(c) for c in coros), return_exceptions=True)


__all__ = ["HeadlessParticipant", "HeadlessError", "gather_bounded"]
