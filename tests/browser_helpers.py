"""Helpers for tests/widgets/test_browser.py: participant and facilitator pages, screenshots,
dialog watching, timings and a websocket "freeze" to act on a stale screen.

Waits are on selectors and text, never on sleeps; timeouts are generous because a
cold Voila page takes 2–10 s here and the facilitator imports pandas and seaborn.
"""

from __future__ import annotations

import http.client
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from playwright.sync_api import Browser, BrowserContext, Page, WebSocketRoute, expect
from repo_paths import REPO

SHOTS = REPO / "test-artifacts" / "screenshots"

PHONE = {"width": 375, "height": 667}
DESKTOP = {"width": 1280, "height": 900}

#: First render of a Voila page (cold kernel, or the facilitator's pandas/seaborn imports).
RENDER_MS = 90_000
#: A change that a 1 s poll must bring to the screen (generous: CI machines are often loaded).
FOLLOW_MS = 20_000
expect.set_options(timeout=FOLLOW_MS)

#: The phone's socket: the room endpoint's (csikit.room), or a Voila kernel's (the old path).
PHONE_SOCKETS = re.compile(r"/room/ws$|/api/kernels/")
#: The join form's name box: the room page's, or the kernel app's text widget.
NAME_BOX = ".csikit-join input, .widget-text input"
#: Where a phone types an idea.
IDEA_BOX = "textarea.csikit-idea-text, .widget-textarea textarea"

TIMINGS: dict[str, list[float]] = {}
#: HTTP status of the facilitator page's navigation (with its ?token=), for the auth test.
GOTO_STATUS: dict[str, int] = {}


def record(name: str, seconds: float) -> None:
    TIMINGS.setdefault(name, []).append(seconds)
    print(f"[timing] {name}: {seconds:.2f} s")


def shot(page: Page, name: str) -> Path:
    """Save a screenshot of the whole app to test-artifacts/screenshots/<name>.png.

    Voila's lab template scrolls inside ``#rendered_cells``, so ``full_page`` alone
    stops at the viewport: grow the viewport to the content for the shot, then restore it.
    """
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    size = page.viewport_size
    height = page.evaluate(
        "() => Math.max(document.documentElement.scrollHeight,"
        " ...[...document.querySelectorAll('#rendered_cells, body')].map(e => e.scrollHeight))"
    )
    if size and height > size["height"]:
        page.set_viewport_size({"width": size["width"], "height": min(height + 16, 6000)})
        try:
            page.screenshot(path=str(path), full_page=True)
        finally:
            page.set_viewport_size(size)
    else:
        page.screenshot(path=str(path), full_page=True)
    return path


class Dialogs:
    """Records every alert/confirm/prompt any watched page opens (and dismisses it), and every
    request a watched page sends to another machine (``away``: offline on one laptop means none)."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.away: list[str] = []

    def watch(self, page: Page, who: str) -> Page:
        def on_dialog(dialog) -> None:
            self.seen.append(f"{who}: {dialog.type} {dialog.message!r}")
            dialog.dismiss()

        def on_request(request) -> None:
            parts = urlsplit(request.url)
            if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in (
                "127.0.0.1",
                "localhost",
                "::1",
            ):
                self.away.append(f"{who}: {request.url}")

        page.on("dialog", on_dialog)
        page.on("request", on_request)
        return page


class Freezer:
    """Holds back server→page websocket messages while ``frozen``; page→server still flows.

    With it a test clicks a button of a screen the kernel has already replaced (as a
    slow phone would), so the click reaches the kernel after the facilitator's change.
    """

    def __init__(self) -> None:
        self.frozen = False
        self.held: list[tuple[WebSocketRoute, str | bytes]] = []

    def route(self, ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()

        def from_server(message: str | bytes) -> None:
            if self.frozen:
                self.held.append((ws, message))
            else:
                ws.send(message)

        server.on_message(from_server)

    def freeze(self) -> None:
        self.frozen = True

    def thaw(self) -> None:
        self.frozen = False
        held, self.held = self.held, []
        for ws, message in held:
            ws.send(message)


@dataclass
class Participant:
    name: str
    context: BrowserContext
    page: Page
    freezer: Freezer | None = None
    pid: int | None = None
    marks: dict = field(default_factory=dict)

    def close(self) -> None:
        self.context.close()


def kernel_id(page: Page) -> str:
    """The kernel of this page, as Voila's page config names it."""
    return page.evaluate("JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")


def wait_until(check, timeout: float = FOLLOW_MS / 1000, what: str = "condition"):
    """Poll a store-side or process-side condition until it is truthy; returns its value
    (the browser side waits on selectors instead)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


def open_participant(
    browser: Browser,
    url: str,
    name: str,
    dialogs: Dialogs,
    *,
    freezable: bool = False,
    shot_name: str = "",
) -> Participant:
    """A phone-sized context on the join link; records the goto→Join-visible time."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, has_touch=True)
    context.set_default_timeout(FOLLOW_MS)
    page = context.new_page()
    dialogs.watch(page, f"participant {name!r}")
    freezer = None
    if freezable:
        freezer = Freezer()
        page.route_web_socket(PHONE_SOCKETS, freezer.route)
    t0 = time.monotonic()
    page.goto(url, timeout=RENDER_MS)
    page.get_by_role("button", name="Join", exact=True).wait_for(timeout=RENDER_MS)
    record("join page: goto → Join visible", time.monotonic() - t0)
    if shot_name:
        shot(page, shot_name)
    return Participant(name, context, page, freezer)


def join(p: Participant) -> None:
    """Type the name, click Join; records the click → "Joined as" time."""
    page = p.page
    page.locator(NAME_BOX).fill(p.name)
    t0 = time.monotonic()
    page.get_by_role("button", name="Join", exact=True).click()
    expect(page.locator(".csikit-who")).to_contain_text("Joined as", timeout=FOLLOW_MS)
    record("join: click Join → 'Joined as' visible", time.monotonic() - t0)
    expect(page.locator(".csikit-who b")).to_have_text(p.name or re.compile("anonymous"))


def open_facilitator(browser: Browser, url: str, dialogs: Dialogs) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(FOLLOW_MS)
    page = context.new_page()
    dialogs.watch(page, "facilitator")
    t0 = time.monotonic()
    response = page.goto(url, timeout=RENDER_MS)
    GOTO_STATUS["facilitator"] = response.status if response else 0
    expect(page.locator(".csikit-facilitator")).to_be_visible(timeout=RENDER_MS)
    expect(page.locator(".csikit-participation")).to_be_visible(timeout=RENDER_MS)
    record("facilitator page: goto → app visible", time.monotonic() - t0)
    return context, page


def agenda_button(fac: Page, title: str):
    return fac.locator(".csikit-facilitator button.widget-button", has_text=title)


def control(fac: Page, name: str):
    """A lifecycle button (its accessible name also holds the icon's glyph, so match the text)."""
    return fac.locator(
        ".csikit-facilitator button.widget-button",
        has_text=re.compile(rf"^\s*{re.escape(name)}\s*$"),
    )


def select_activity(fac: Page, title: str) -> None:
    agenda_button(fac, title).click()
    expect(fac.locator(".csikit-facilitator h3:has(.csikit-state)")).to_contain_text(title)


def facilitator_state(fac: Page, state: str) -> None:
    expect(fac.locator(".csikit-state")).to_contain_text(f"· {state}")


def results_rows(fac: Page) -> list[list[str]]:
    """The facilitator's results table, as lists of cell texts."""
    return fac.locator("table.csikit-results").evaluate(
        "t => [...t.tBodies[0].rows].map(r => [...r.cells].map(c => c.textContent.trim()))"
    )


def wait_table_cell(fac: Page, first_cell: str, column: int, value: str, timeout: float = FOLLOW_MS) -> None:
    """Wait until the results-table row whose first cell is ``first_cell`` shows ``value`` in ``column``."""
    fac.wait_for_function(
        """([first, col, value]) => {
            const t = document.querySelector('table.csikit-results');
            if (!t) return false;
            return [...t.tBodies[0].rows].some(r => r.cells[0].textContent.trim() === first
                                                 && r.cells[col] && r.cells[col].textContent.trim() === value);
        }""",
        arg=[first_cell, column, value],
        timeout=timeout,
    )


def dot_row(page: Page, text: str):
    return page.locator(".csikit-item", has_text=text)


def dots_shown(page: Page, text: str):
    """The count label of a dot-vote row."""
    return dot_row(page, text).locator(".csikit-dots")


def add_dot(page: Page, text: str, expected: int) -> None:
    dot_row(page, text).get_by_role("button", name="+", exact=True).click()
    expect(dots_shown(page, text)).to_have_text(re.compile(rf"(^|\s){expected}$"))


def mark_page(page: Page) -> None:
    """Set a marker that a reload would lose."""
    page.evaluate("window.__csikit_no_reload = 1")


def not_reloaded(page: Page) -> bool:
    return page.evaluate("window.__csikit_no_reload === 1")


def scroll_width(page: Page) -> int:
    return page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")


def sideways_scrollers(page: Page) -> list[str]:
    """Elements that scroll sideways (Voila scrolls inside #rendered_cells and widget boxes,
    which ``documentElement.scrollWidth`` does not see)."""
    return page.evaluate("""() => [...document.querySelectorAll('*')].filter(e => {
            const o = getComputedStyle(e).overflowX;
            return (o === 'auto' || o === 'scroll') && e.scrollWidth > e.clientWidth + 1 && e.offsetParent !== null;
        }).map(e => `${e.tagName}.${[...e.classList].slice(-2).join('.')} ${e.scrollWidth}>${e.clientWidth}: `
                    + (e.textContent || '').trim().slice(0, 50))""")


def http_get(url: str, max_redirects: int = 5) -> tuple[list[tuple[int, str]], bytes]:
    """GET ``url`` following redirects by hand: the chain of (status, url) and the final body."""
    chain: list[tuple[int, str]] = []
    for _ in range(max_redirects + 1):
        parts = urlsplit(url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        try:
            conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""))
            resp = conn.getresponse()
            body = resp.read(200_000)
        finally:
            conn.close()
        chain.append((resp.status, url))
        location = resp.getheader("Location")
        if resp.status in (301, 302, 303, 307, 308) and location:
            url = urljoin(url, location)
            continue
        return chain, body
    return chain, b""


# --- the presenter view at a projector's size (test_browser_presenter, test_browser_room_screen) ---

#: The smallest text a projector at 1080p may show (the issue's "readable from the back").
MIN_PX = 24

#: Visible text (a text node's element with a box) smaller than MIN_PX: an SVG's text is
#: measured as drawn (its font size times the SVG's scale), not in its own user units.
SMALL_TEXT = """(min) => {
  const root = document.querySelector('.csikit-presenter');
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const small = [];
  while (walker.nextNode()) {
    const node = walker.currentNode, e = node.parentElement;
    if (!node.textContent.trim() || e.closest('style, title')) continue;
    const r = e.getBoundingClientRect();
    if (!r.width || !r.height || getComputedStyle(e).visibility === 'hidden') continue;
    let px = parseFloat(getComputedStyle(e).fontSize);
    const svg = e.closest('svg');
    if (svg) px *= svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    if (px < min) small.push(`${px.toFixed(1)}px: ${node.textContent.trim().slice(0, 40)}`);
  }
  return small;
}"""

#: Elements of the presenter view that reach outside the viewport (a projector cannot scroll).
OVERFLOW = """() => {
  const W = window.innerWidth, H = window.innerHeight, out = [];
  for (const e of document.querySelectorAll('.csikit-presenter, .csikit-presenter *')) {
    const r = e.getBoundingClientRect();
    if (!r.width || !r.height || e.closest('style')) continue;
    if (r.left < -1 || r.top < -1 || r.right > W + 1 || r.bottom > H + 1)
      out.push(`${e.tagName}.${[...e.classList].join('.')} [${r.left|0},${r.top|0},${r.right|0},${r.bottom|0}]`
               + ` ${(e.textContent || '').trim().slice(0, 30)}`);
  }
  return out;
}"""
