"""Helpers for the phone's browser tests on the room endpoint (tests/room/test_browser_phone.py):
a room server on a fresh copy of the demo, phone-sized pages that record every request
(nothing may leave 127.0.0.1), joining, dots, screenshots, and cutting or freezing the
room's websocket from the browser side.

The phone page is static (csikit/room/static/): a first render takes well under a second,
so the waits here are short; they wait on selectors and text, never on sleeps.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from browser_helpers import Freezer  # noqa: F401 - holds back a screen, as a slow phone's (shared with the console tests)
from playwright.sync_api import Browser, BrowserContext, Page, WebSocketRoute, expect
from repo_paths import REPO

SHOTS = REPO / "test-artifacts" / "screenshots"
PHONE = {"width": 375, "height": 800}
#: A change the room pushes must be on the screen within this (generous: a loaded CI machine).
FOLLOW_MS = 15_000
#: The websocket of the phone page.
ROOM_WS = re.compile(r"/room/ws$")
STORAGE_KEY = "csikit:participant:{code}"
BANNER = "#csikit-connection-lost"
LOCAL_HOSTS = {"127.0.0.1"}


@dataclass
class Room:
    base: str  # http://127.0.0.1:PORT
    store: object
    workshop: object
    log: Path
    proc: subprocess.Popen | None = None
    cmd: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)

    def stop(self) -> None:
        """Stop the room server (every phone's socket closes)."""
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def start(self) -> None:
        """Start the room server again, same port, store and workshop; wait until it answers."""
        with open(self.log, "ab") as fh:
            self.proc = subprocess.Popen(
                self.cmd,
                env=self.env,
                stdout=fh,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        _wait_ready(self.base, self.proc, self.log)

    @property
    def code(self) -> str:
        return self.workshop.code

    @property
    def link(self) -> str:
        """The join link as the QR code carries it."""
        return f"{self.base}/?code={self.code}"


@contextlib.contextmanager
def start_room(tmp: Path):
    """A room server (``csikit.serve.room_command``, as ``csikit serve`` starts it) on a fresh copy
    of the demo workshop and SQLite store; yields a :class:`Room`; stops it and checks its log."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from conftest import copy_demo

    from csikit.serve import free_port, room_command
    from csikit.store import Store
    from csikit.workshop_file import load_workshop

    ws = load_workshop(copy_demo(tmp / "demo"))
    url = f"sqlite:///{tmp}/store.sqlite"
    store = Store(url)
    store.sync_workshop(ws)
    port = free_port()
    cmd, env = room_command(
        port, "127.0.0.1", tmp / "room", {**os.environ, "CSIKIT_STORE": url, "CSIKIT_WORKSHOP": ws.code}
    )
    log = tmp / "room.log"
    log.write_bytes(b"")
    room = Room(f"http://127.0.0.1:{port}", store, ws, log, None, cmd, env)
    try:
        room.start()
        yield room
    finally:
        if room.proc is not None and room.proc.poll() is None:
            room.stop()
        store.close()
        text = log.read_text(errors="replace")
        assert "Traceback" not in text, text[-3000:]


def _wait_ready(base: str, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        assert proc.poll() is None, log.read_text()
        with contextlib.suppress(OSError):
            if json.loads(urllib.request.urlopen(base + "/room/health", timeout=2).read()).get("ok"):
                return
        assert time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(0.2)


def shot(page: Page, name: str) -> Path:
    """A full-page screenshot to test-artifacts/screenshots/<name>.png."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@dataclass
class Phone:
    """One browser context (one phone, or one private window) and its page."""

    context: BrowserContext
    page: Page
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> Page:
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("websocket", lambda w: self.requests.append(w.url))
        page.on("dialog", lambda d: (self.dialogs.append(f"{d.type} {d.message!r}"), d.dismiss()))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        return page

    def new_tab(self) -> Page:
        return self.watch(self.context.new_page())

    def outside(self) -> list[str]:
        """Requests that left this machine (anything not to 127.0.0.1; data: URLs are local)."""
        return [
            u for u in self.requests if not u.startswith(("data:", "blob:")) and urlsplit(u).hostname not in LOCAL_HOSTS
        ]

    def check(self) -> None:
        """Nothing left 127.0.0.1, no dialog opened, no script error."""
        assert self.outside() == [], f"requests left the machine: {self.outside()}"
        assert self.dialogs == [], f"dialogs opened: {self.dialogs}"
        assert self.errors == [], f"page errors: {self.errors}"

    def close(self) -> None:
        self.check()
        self.context.close()


def new_phone(browser: Browser, url: str | None = None, *, route=None) -> Phone:
    """A phone-sized browser context (a new person's browser) with one page, at ``url``."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, has_touch=True, is_mobile=True)
    context.set_default_timeout(FOLLOW_MS)
    if route is not None:
        context.route_web_socket(ROOM_WS, route)
    phone = Phone(context, None)  # type: ignore[arg-type]
    phone.page = phone.new_tab()
    if url:
        phone.page.goto(url)
    return phone


def join_button(page: Page):
    return page.get_by_role("button", name="Join", exact=True)


def join(page: Page, name: str) -> None:
    """Type the name (may be empty) and tap Join; waits for "Joined as"."""
    join_button(page).wait_for()
    page.locator(".csikit-join input").fill(name)
    join_button(page).click()
    joined_as(page, name)


def joined_as(page: Page, name: str) -> None:
    expect(page.locator(".csikit-who b")).to_have_text(name or re.compile(r"^anonymous #\d+$"), timeout=FOLLOW_MS)


def pid_of(store, code: str, name: str) -> int:
    return [p.id for p in store.participants(code) if p.name == name][-1]


def title_shown(page: Page, title: str) -> None:
    expect(page.locator("h4", has_text=title)).to_be_visible(timeout=FOLLOW_MS)


def row(page: Page, text: str):
    return page.locator(".csikit-item", has_text=text)


def dots_shown(page: Page, text: str):
    return row(page, text).locator(".csikit-dots")


def tap_plus(page: Page, text: str) -> None:
    row(page, text).get_by_role("button", name="+", exact=True).click()


def add_dot(page: Page, text: str, expected: int) -> None:
    tap_plus(page, text)
    expect(dots_shown(page, text)).to_have_text(re.compile(rf"(^|\s){expected}$"))


def status(page: Page):
    return page.locator(".csikit-status")


def remembered(page: Page, code: str) -> str | None:
    return page.evaluate("k => localStorage.getItem(k)", STORAGE_KEY.format(code=code))


def scroll_width(page: Page) -> int:
    return page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")


class Cutter:
    """Cuts the page's room websockets on demand and refuses new ones until ``mend()``."""

    def __init__(self) -> None:
        self.cut = False
        self.open: list = []

    def route(self, ws: WebSocketRoute) -> None:
        if self.cut:
            ws.close()
            return
        self.open.append((ws, ws.connect_to_server()))

    def cut_now(self) -> None:
        self.cut = True
        for ws, server in self.open:
            with contextlib.suppress(Exception):
                ws.close()
            with contextlib.suppress(Exception):
                server.close()
        self.open.clear()

    def mend(self) -> None:
        self.cut = False
