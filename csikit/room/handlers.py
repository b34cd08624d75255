"""The room endpoint's HTTP and websocket handlers, and how they are added to a Jupyter server.

``GET /`` and ``/room/`` answer the join page (``static/index.html``), ``/room/static/…``
its modules (``/room/static/kinds/<kind>.js`` is the kind's ``csikit/kinds/<kind>/phone.js``),
``/room/ws`` the phone's websocket and ``/room/health`` how many phones are connected.
None of them asks for the server's token: phones have none. Everything a phone
sends is checked (:mod:`csikit.room.protocol`) and applied through the store's rules.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.utils import url_path_join
from tornado import web
from tornado.websocket import WebSocketHandler

from .hub import Hub, log
from .kind_assets import KINDS_DIR, phone_module_path
from .protocol import MAX_MESSAGE_BYTES

STATIC = Path(__file__).parent / "static"
#: Shown at ``/`` until the phone's front-end (``static/index.html``) exists.
PLACEHOLDER = """<!doctype html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>csikit</title></head>
<body><p>The room is ready; its page (static/index.html) is not installed.</p></body></html>"""
#: The settings key the hub is kept under in the tornado application.
HUB = "csikit_room_hub"


class JoinPage(web.RequestHandler):
    """The join page, at ``/`` and ``/room/`` (``?code=CODE``, optional ``&t=TOKEN``)."""

    @allow_unauthenticated
    def get(self) -> None:
        index = STATIC / "index.html"
        try:
            page = index.read_bytes()
        except OSError:
            page = PLACEHOLDER.encode()
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-cache")
        self.set_header("Referrer-Policy", "no-referrer")  # a rejoin link's token stays on this page
        self.write(page)

    @allow_unauthenticated
    def head(self) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")


class RootRedirect(web.RequestHandler):
    """``/`` → ``/room/`` with the query string (relative links of the page then resolve under /room/)."""

    @allow_unauthenticated
    def get(self) -> None:
        query = self.request.query
        self.redirect(url_path_join(self.settings.get("base_url", "/"), "room/") + (f"?{query}" if query else ""))

    head = get


class NothingHere(web.RequestHandler):
    """Everything else a room server would answer (Jupyter's login page, its token-protected
    API and files): 404, so a phone or a scanner learns nothing about the server."""

    @allow_unauthenticated
    def prepare(self) -> None:
        raise web.HTTPError(404)


class Static(web.StaticFileHandler):
    """The page's modules (package data, no CDN)."""

    @allow_unauthenticated
    def get(self, path: str, include_body: bool = True):
        return super().get(path, include_body)

    @allow_unauthenticated
    def head(self, path: str):
        return super().head(path)

    def set_extra_headers(self, path: str) -> None:
        self.set_header("Cache-Control", "no-cache")  # revalidated (ETag): a new csikit shows at once


class KindModule(Static):
    """A kind's phone module: ``/room/static/kinds/<kind>.js`` is ``csikit/kinds/<kind>/phone.js``
    (:func:`~csikit.room.kind_assets.phone_module_path`), for registered kinds only; 404 else.
    Served at the URL it had next to ``phone.js``, so its relative imports still resolve."""

    def parse_url_path(self, url_path: str) -> str:
        name = url_path[:-3] if url_path.endswith(".js") else ""
        try:
            phone_module_path(name)
        except LookupError:
            raise web.HTTPError(404) from None
        return name

    @classmethod
    def get_absolute_path(cls, root: str, path: str) -> str:
        return str(phone_module_path(path))


class Health(web.RequestHandler):
    @allow_unauthenticated
    def get(self) -> None:
        hub: Hub = self.settings[HUB]
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.write(
            json.dumps(
                {
                    "ok": True,
                    "phones": hub.phones,
                    "listening": hub.listening,
                    "backend": "sqlite" if hub.store.is_sqlite else "postgresql",
                }
            )
        )


class PhoneSocket(WebSocketHandler):
    """One phone's websocket: every frame goes to the hub."""

    @allow_unauthenticated
    async def get(self, *args, **kwargs):
        return await super().get(*args, **kwargs)

    @property
    def max_message_size(self) -> int:
        return MAX_MESSAGE_BYTES

    def check_origin(self, origin: str) -> bool:
        # Phones open the page from this server (or nginx in front of it); the socket takes no
        # credentials (no cookie, no token), so another origin gains nothing it could not do itself.
        return True

    def get_compression_options(self):
        return None  # a few KB per screen: compression costs more CPU than it saves on a LAN

    def open(self) -> None:
        self.hub: Hub = self.settings[HUB]
        self.phone = self.hub.connect(self._write)
        self.set_nodelay(True)

    def _write(self, text: str) -> None:
        self.write_message(text)

    async def on_message(self, message) -> None:
        await self.hub.handle(self.phone, message)

    def on_close(self) -> None:
        phone = getattr(self, "phone", None)
        if phone is not None:
            self.hub.disconnect(phone)


def setup(serverapp) -> None:
    """Add the room's handlers to a running Jupyter server and start its hub.

    The store and the workshop come from ``CSIKIT_STORE`` and ``CSIKIT_WORKSHOP`` (as the
    participant servers of ``csikit serve`` set them).
    """
    import asyncio

    from ..log_scrub import scrub_secrets_from_logs

    scrub_secrets_from_logs()  # request URLs may carry ?token= or &t=
    store_url = os.environ.get("CSIKIT_STORE", "")
    if not store_url:
        serverapp.log.error("csikit.room: CSIKIT_STORE is not set; the room endpoint is off.")
        return
    hub = Hub(store_url, os.environ.get("CSIKIT_WORKSHOP", ""))
    web_app = serverapp.web_app
    web_app.settings[HUB] = hub
    base = web_app.settings.get("base_url", "/")

    def at(path: str) -> str:
        return url_path_join(base, path)

    web_app.add_handlers(
        ".*$",
        [  # before Jupyter's own handlers (tornado keeps the catch-all host last)
            (at("/"), RootRedirect),
            (at("/room"), RootRedirect),  # the page's relative links need the slash
            (at("/room/"), JoinPage),
            (at("/room/static/kinds/(.*)"), KindModule, {"path": str(KINDS_DIR)}),  # before static/
            (at("/room/static/(.*)"), Static, {"path": str(STATIC)}),
            (at("/room/ws"), PhoneSocket),
            (at("/room/health"), Health),
            (at("/.*"), NothingHere),
        ],
    )

    def start() -> None:
        hub.start()

    loop = getattr(serverapp, "io_loop", None)
    if loop is not None:
        loop.add_callback(start)
    else:
        asyncio.get_event_loop().call_soon(start)
    log.info(
        "csikit.room: the room endpoint serves workshop %s (%s)",
        hub.code or "any",
        "room signal" if hub.store.is_sqlite else "LISTEN/NOTIFY",
    )
