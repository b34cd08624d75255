"""The participant app as Voila serves it: how the join link's request reaches the app.

A preheated kernel builds the join screen before anyone arrives; the request that takes
it (its query string: the workshop code and a rejoin token) arrives later and is applied
then. Kept free of Voila's own modules: importing ``voila.utils`` would add ≈ 43 MB to
every participant kernel.
"""

from __future__ import annotations

import os
from urllib.parse import parse_qs

import ipywidgets as W

from ..errors import CsiError
from ..store import Store
from .common import esc
from .participant import ParticipantApp


def participant_app(store_url: str = "", code: str = "", *, interval: float = 1.0) -> W.Widget:
    """The participant app as Voila serves it: reads the join link's query string.

    ``?code=DESK26`` picks the workshop; ``&p=TOKEN`` rejoins a participant.
    """
    store_url = store_url or os.environ.get("CSIKIT_STORE", "")
    default = (code or os.environ.get("CSIKIT_WORKSHOP", "")).strip().upper()
    if store_url and default and os.environ.get("VOILA_PREHEAT", "False") != "False":
        # A preheated kernel builds the join screen of the server's workshop *before* anyone
        # arrives and does not block on the request: the page is then ready-rendered, as
        # fast as a bare notebook's. The request's query (a rejoin token) is applied when
        # it arrives. Blocking instead kept 30 people arriving at once waiting for seconds.
        try:
            ready = ParticipantApp(Store(store_url), default, interval=interval)
        except CsiError:
            ready = None  # said again, in words, below
        if ready is not None:
            _on_request(lambda: _apply_request(ready))
            return ready
    _wait_for_request()  # a preheated kernel must wait for the real request's query
    query = parse_qs(os.environ.get("QUERY_STRING", ""))
    code = (query.get("code", [""])[0] or default).strip().upper()
    token = query.get("p", [""])[0]
    try:
        if not store_url:
            raise CsiError("This server was started without a store; start it with csikit serve.")
        store = Store(store_url)
        if not code:
            raise CsiError("Open the link the facilitator shared (it carries the workshop code).")
        return ParticipantApp(store, code, token=token, link_base=_link_base(), interval=interval)
    except CsiError as exc:
        return W.HTML(f"<h3>Cannot join</h3><p>{esc(exc)}</p>")


def _apply_request(app: ParticipantApp) -> None:
    """The request reached a ready-built app: take its link base, code and rejoin token."""
    # Tell the server this kernel is in use: a widget message counts as kernel activity. A
    # pooled kernel's last activity is when it was preheated, maybe long ago, and Voila only
    # spares kernels still *in* the pool from culling; a cull between the hand-over and the
    # browser's websocket (seconds on a phone) left the page at "Loading widget..." for good.
    app.add_class("csikit-taken")
    query = parse_qs(os.environ.get("QUERY_STRING", ""))
    code = (query.get("code", [""])[0] or app.code).strip().upper()
    token = query.get("p", [""])[0]
    app.link_base = _link_base()
    if code != app.code:
        if app._task is not None:
            app._task.cancel()
        app.refused_link = True
        app.children = [W.HTML(f"<h3>Cannot join</h3><p>This link is for workshop {esc(code)}, but this server runs "
                               f"{esc(app.code)}. Ask the facilitator for the current link.</p>")]
        return
    if token and app.participant is None:
        try:
            app.participant = app.store.rejoin(code, token)
        except CsiError as exc:
            app.status.show(str(exc), "error")
            return
        app._joined()


def _on_request(callback) -> None:
    """Call ``callback`` in the kernel's event loop once Voila hands this kernel its request."""
    import asyncio
    import threading

    try:
        loop = asyncio.get_event_loop()
    except RuntimeError:
        loop = None

    def wait() -> None:
        _wait_for_request()
        if loop is not None and loop.is_running():
            loop.call_soon_threadsafe(callback)
        else:
            callback()

    threading.Thread(target=wait, name="csikit-wait-for-request", daemon=True).start()


def _wait_for_request() -> None:
    """``voila.utils.wait_for_request()`` without importing voila.

    Importing ``voila.utils`` loads Voila's whole server side (jupyter_server,
    nbconvert, jupyterlab_server …): +43 MB in every participant kernel. This does
    the same with the small ``websockets`` client: in a preheated kernel, wait for
    the request that takes it and copy its details (``QUERY_STRING`` …) into the
    environment.
    """
    if os.environ.get("VOILA_PREHEAT", "False") == "False":
        return
    import json

    from websockets.sync.client import connect

    protocol = os.environ.get("VOILA_WS_PROTOCOL", "ws")
    ip, port = os.environ.get("VOILA_APP_IP", "127.0.0.1"), os.environ.get("VOILA_APP_PORT", "8866")
    base = os.environ.get("VOILA_WS_BASE_URL", os.environ.get("VOILA_SERVER_URL", "/"))
    url = f"{protocol}://{ip}:{port}{base}voila/query/{os.environ.get('VOILA_KERNEL_ID', '')}"
    try:
        with connect(url, open_timeout=5) as ws:
            info = ws.recv()
    except Exception:  # noqa: BLE001 - as Voila: without request info the kernel reads its own environment
        return
    for key, value in json.loads(info).items():
        os.environ[key] = value


def _link_base() -> str:
    host, port = os.environ.get("SERVER_NAME", ""), os.environ.get("SERVER_PORT", "")
    path = os.environ.get("SCRIPT_NAME", "/") or "/"
    if not host:
        return os.environ.get("CSIKIT_PARTICIPANT_URL", "")
    return f"http://{host}{':' + port if port else ''}{path}"
