"""One phone is one person, and a lost connection says so (issue 11, items 3 and 4), in a real
browser against both Voila servers (the preheated participant pool, as ``csikit serve`` runs it).

Run with ``python3 -m pytest -q -s tests/test_browser_identity.py``; ``-s`` prints the timings.
"""

from __future__ import annotations

import os
import re
import signal
import time

import pytest

pytest.importorskip("playwright.sync_api")
pytest.importorskip("voila")

from browser_helpers import (  # noqa: E402 - after the skips
    FOLLOW_MS,
    PHONE,
    RENDER_MS,
    Dialogs,
    add_dot,
    dot_row,
    dots_shown,
    join,
    kernel_id,
    open_participant,
    record,
    shot,
    wait_until,
)
from conftest import kernels_of  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

from csikit.model import ActivityState  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.server]

DOT_VOTE = "s3-vote"
BANNER = "#csikit-connection-lost"
#: A reloaded or closed page's kernel is shut down by its pagehide beacon, well before the culler.
KERNEL_GONE_S = 20


@pytest.fixture(scope="module")
def live(live_servers):
    store, code = live_servers.store, live_servers.workshop.code
    state = store.states(code)[DOT_VOTE]
    if state is not ActivityState.OPEN:
        if state is not ActivityState.DRAFT:
            store.reset_activity(code, DOT_VOTE)
        store.open_activity(code, DOT_VOTE)
    return live_servers


@pytest.fixture(scope="module")
def dialogs():
    d = Dialogs()
    yield d
    assert not d.seen, f"dialogs opened: {d.seen}"


def items_of(live) -> dict[str, str]:
    return {i.id: i.text for i in live.workshop.activity(DOT_VOTE).items}


def my_dots(live, pid: int) -> dict[str, int]:
    return {item: v for (item, _), (v, _) in live.store.my_responses(live.workshop.code, pid, DOT_VOTE).items()}


def joined_as(page, name: str) -> None:
    expect(page.locator(".csikit-who b")).to_have_text(name, timeout=RENDER_MS)


def test_reload_mid_vote_brings_back_the_same_person(live, browser, dialogs):
    store, code = live.store, live.workshop.code
    texts = items_of(live)
    p = open_participant(browser, live.participant_url, "Dana", dialogs)
    try:
        join(p)
        page = p.page
        expect(page.locator(".csikit-app")).to_contain_text("6 of 6 dots left")
        add_dot(page, texts["c1"], 1)
        add_dot(page, texts["c1"], 2)
        add_dot(page, texts["c2"], 1)
        pid = [x.id for x in store.participants(code) if x.name == "Dana"][-1]
        assert my_dots(live, pid) == {"c1": 2, "c2": 1}
        roster = len(store.participants(code))
        old = kernel_id(page)
        server = live.servers.processes[0]
        assert old in kernels_of(server)

        # reload mid-vote: same name, same dots, same budget, no second person
        t0 = time.monotonic()
        page.reload(timeout=RENDER_MS)
        joined_as(page, "Dana")
        record("reload → 'Joined as' the same person", time.monotonic() - t0)
        expect(dots_shown(page, texts["c1"])).to_have_text(re.compile(r"(^|\s)2$"))
        expect(dots_shown(page, texts["c2"])).to_have_text(re.compile(r"(^|\s)1$"))
        expect(page.locator(".csikit-app")).to_contain_text("3 of 6 dots left")
        expect(page.get_by_role("button", name="Join", exact=True)).to_have_count(0)
        assert kernel_id(page) != old
        assert len(store.participants(code)) == roster
        shot(page, "identity-01-after-reload")
        # the budget is intact: three more dots fit, a fourth is refused by the store
        add_dot(page, texts["c3"], 1)
        add_dot(page, texts["c3"], 2)
        add_dot(page, texts["c2"], 2)
        expect(page.locator(".csikit-app")).to_contain_text("0 of 6 dots left")
        assert my_dots(live, pid) == {"c1": 2, "c2": 2, "c3": 2}

        # the reloaded page's old kernel is shut down (its pagehide beacon), not left to the culler
        t0 = time.monotonic()
        wait_until(lambda: old not in kernels_of(server), KERNEL_GONE_S, "the reloaded page's old kernel to end")
        record("reload → old kernel gone", time.monotonic() - t0)

        # a closed tab, and the join link opened again in the same browser: still Dana
        current = kernel_id(page)
        page.close()
        wait_until(lambda: current not in kernels_of(server), KERNEL_GONE_S, "the closed page's kernel to end")
        page = p.context.new_page()
        dialogs.watch(page, "participant 'Dana' reopened")
        page.goto(live.participant_url, timeout=RENDER_MS)
        joined_as(page, "Dana")
        expect(dots_shown(page, texts["c3"])).to_have_text(re.compile(r"(^|\s)2$"))
        assert len(store.participants(code)) == roster
    finally:
        p.close()


def test_a_forged_remembered_token_gives_the_normal_join_screen(live, browser, dialogs):
    store, code = live.store, live.workshop.code
    roster = len(store.participants(code))
    context = browser.new_context(viewport=PHONE, has_touch=True)
    try:
        context.add_init_script(f"localStorage.setItem('csikit:participant:{code}', '<img src=x onerror=alert(9)>')")
        page = context.new_page()
        dialogs.watch(page, "participant with a forged token")
        page.goto(live.participant_url, timeout=RENDER_MS)
        expect(page.get_by_role("button", name="Join", exact=True)).to_be_visible(timeout=RENDER_MS)
        expect(page.locator(".csikit-status")).to_have_text("")
        expect(page.locator(".csikit-app")).not_to_contain_text("not valid")
        # the browser forgot the token the store did not know
        page.wait_for_function(f"localStorage.getItem('csikit:participant:{code}') === null", timeout=FOLLOW_MS)
        assert len(store.participants(code)) == roster
    finally:
        context.close()


def test_two_tabs_of_one_browser_are_one_person(live, browser, dialogs):
    store, code = live.store, live.workshop.code
    texts = items_of(live)
    tab1 = open_participant(browser, live.participant_url, "Eve", dialogs)
    try:
        # the second tab opens before Eve joins in the first: it follows the join (storage event)
        tab2 = tab1.context.new_page()
        dialogs.watch(tab2, "participant 'Eve' tab 2")
        tab2.goto(live.participant_url, timeout=RENDER_MS)
        expect(tab2.get_by_role("button", name="Join", exact=True)).to_be_visible(timeout=RENDER_MS)
        roster = len(store.participants(code))
        join(tab1)
        joined_as(tab2, "Eve")
        assert len(store.participants(code)) == roster + 1
        pid = [x.id for x in store.participants(code) if x.name == "Eve"][-1]
        # a third tab opened afterwards is Eve as well
        tab3 = tab1.context.new_page()
        dialogs.watch(tab3, "participant 'Eve' tab 3")
        tab3.goto(live.participant_url, timeout=RENDER_MS)
        joined_as(tab3, "Eve")
        assert len(store.participants(code)) == roster + 1

        page1 = tab1.page
        for page in (page1, tab2, tab3):
            expect(page.locator(".csikit-app")).to_contain_text("6 of 6 dots left")
        # a + in each tab counts against the store's value, not the one on that tab's screen
        add_dot(page1, texts["c1"], 1)
        dot_row(tab2, texts["c1"]).get_by_role("button", name="+", exact=True).click()
        wait_until(lambda: my_dots(live, pid) == {"c1": 2}, FOLLOW_MS / 1000, "two dots on c1 in the store")
        for page in (page1, tab2, tab3):  # each tab catches up with the store
            expect(dots_shown(page, texts["c1"])).to_have_text(re.compile(r"(^|\s)2$"))
            expect(page.locator(".csikit-app")).to_contain_text("4 of 6 dots left")
        dot_row(tab3, texts["c1"]).get_by_role("button", name="−", exact=True).click()
        wait_until(lambda: my_dots(live, pid) == {"c1": 1}, FOLLOW_MS / 1000, "one dot on c1 in the store")
        for page in (page1, tab2, tab3):
            expect(dots_shown(page, texts["c1"])).to_have_text(re.compile(r"(^|\s)1$"))
        assert len(store.participants(code)) == roster + 1
    finally:
        tab1.close()


def test_a_killed_kernel_shows_the_banner_and_a_tap_brings_the_person_back(live, browser, dialogs):
    store, code = live.store, live.workshop.code
    texts = items_of(live)
    p = open_participant(browser, live.participant_url, "Finn", dialogs)
    try:
        join(p)
        page = p.page
        add_dot(page, texts["c2"], 1)
        expect(page.locator(BANNER)).to_have_count(0)
        roster = len(store.participants(code))
        kid = kernel_id(page)
        pid = kernels_of(live.servers.processes[0])[kid]
        os.kill(pid, signal.SIGKILL)
        t0 = time.monotonic()
        banner = page.locator(BANNER)
        expect(banner).to_be_visible(timeout=20_000)
        record("kernel SIGKILL → 'Connection lost' banner visible", time.monotonic() - t0)
        expect(banner).to_have_text("Connection lost — tap to reconnect")
        shot(page, "identity-02-connection-lost")
        banner.tap()
        joined_as(page, "Finn")
        expect(page.locator(BANNER)).to_have_count(0)
        expect(dots_shown(page, texts["c2"])).to_have_text(re.compile(r"(^|\s)1$"))
        assert len(store.participants(code)) == roster
    finally:
        p.close()


class Cutter:
    """Cuts the page's kernel websockets on demand and refuses new ones until ``mend()``."""

    def __init__(self) -> None:
        self.cut = False
        self.open: list = []

    def route(self, ws) -> None:
        if self.cut:
            ws.close()
            return
        self.open.append((ws, ws.connect_to_server()))

    def cut_now(self) -> None:
        self.cut = True
        for ws, server in self.open:
            ws.close()
            server.close()
        self.open.clear()

    def mend(self) -> None:
        self.cut = False


def test_a_dropped_websocket_shows_the_banner_and_a_tap_brings_the_person_back(live, browser, dialogs):
    store, code = live.store, live.workshop.code
    context = browser.new_context(viewport=PHONE, has_touch=True)
    cutter = Cutter()
    context.route_web_socket(re.compile(r"/api/kernels/"), cutter.route)
    try:
        page = context.new_page()
        dialogs.watch(page, "participant 'Gus'")
        page.goto(live.participant_url, timeout=RENDER_MS)
        page.locator(".widget-text input").fill("Gus")
        page.get_by_role("button", name="Join", exact=True).click()
        joined_as(page, "Gus")
        roster = len(store.participants(code))
        old = kernel_id(page)
        cutter.cut_now()
        t0 = time.monotonic()
        expect(page.locator(BANNER)).to_be_visible(timeout=20_000)
        record("websocket cut → 'Connection lost' banner visible", time.monotonic() - t0)
        cutter.mend()
        page.locator(BANNER).tap()
        joined_as(page, "Gus")
        assert len(store.participants(code)) == roster
        wait_until(lambda: old not in kernels_of(live.servers.processes[0]), KERNEL_GONE_S,
                   "the cut page's kernel to end after the reload")
    finally:
        context.close()


def test_without_the_anywidget_front_end_the_join_screen_still_comes(live, browser, dialogs):
    """Should anywidget's front-end fail to load, the page works as before: the join form,
    hidden while the browser could still say who it is, shows by itself after a few seconds."""
    context = browser.new_context(viewport=PHONE, has_touch=True)
    context.route(re.compile(r"/voila/labextensions/anywidget/"), lambda route: route.abort())
    try:
        page = context.new_page()
        page.on("dialog", lambda d: (dialogs.seen.append(f"no anywidget: {d.message!r}"), d.dismiss()))
        t0 = time.monotonic()
        page.goto(live.participant_url, timeout=RENDER_MS)
        page.locator(".csikit-app h3").wait_for(timeout=RENDER_MS)
        shown = time.monotonic()
        expect(page.get_by_role("button", name="Join", exact=True)).to_be_visible(timeout=FOLLOW_MS)
        record("no anywidget front-end: app → Join visible", time.monotonic() - shown)
        assert time.monotonic() - t0 < RENDER_MS / 1000
        page.locator(".widget-text input").fill("Hal")
        page.get_by_role("button", name="Join", exact=True).click()
        joined_as(page, "Hal")
    finally:
        context.close()
