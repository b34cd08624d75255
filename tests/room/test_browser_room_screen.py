"""The room's screen end to end: a facilitator console, a presenter view and three phones in
chromium, through ideas → merge → dot vote → reveal, then a problems × objectives rating.

Everything is done the way people do it: phones type and tap, the facilitator clicks the
console (accepts the suggested duplicate, opens, locks, reveals), and the presenter page
follows by itself. Screenshots: test-artifacts/screenshots/room-*.png (presenter at 1920×1080
and 1280×720, console at 1280×800, phones at 375 px).

Run with ``python3 -m pytest -q -s -m browser tests/room/test_browser_room_screen.py``.
"""

from __future__ import annotations

import re
import time

import pytest

pytest.importorskip("playwright.sync_api")
pytest.importorskip("voila")

from browser_helpers import (  # noqa: E402 - after the skips
    FOLLOW_MS,
    MIN_PX,
    OVERFLOW,
    RENDER_MS,
    SHOTS,
    SMALL_TEXT,
    Dialogs,
    control,
    facilitator_state,
    join,
    open_participant,
    record,
    select_activity,
    shot,
    wait_until,
)
from conftest import start_live_workshop  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

from csikit.model import ActivityState  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.server]

PROJECTOR = {"width": 1920, "height": 1080}
SMALL_PROJECTOR = {"width": 1280, "height": 720}
LAPTOP = {"width": 1280, "height": 800}

IDEAS, RATING, VOTE = "s1-problems", "s1-impact", "s1-top"
#: Alice and Bob type the same problem; the console suggests merging them.
TYPED = {
    "Alice": "Password resets eat 20% of calls",
    "Bob": "password resets eat 20% of calls",
    "Chandra": "Printer outages on ward 3 <b>every</b> night",
}


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    with start_live_workshop(tmp_path_factory.mktemp("room")) as live:
        yield live


def presenter_checks(page, moment: str) -> None:
    """Screenshots at both projector sizes; at both, nothing off-screen and no control; at
    1080p no text under MIN_PX."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for name, size in (("1920x1080", PROJECTOR), ("1280x720", SMALL_PROJECTOR)):
        page.set_viewport_size(size)
        page.wait_for_timeout(150)  # one layout pass after the resize
        page.screenshot(path=str(SHOTS / f"room-presenter-{name}-{moment}.png"))
        assert page.evaluate(OVERFLOW) == [], f"{moment} at {name}: presenter elements outside the screen"
        assert page.locator("button:visible, input:visible, select:visible").count() == 0, f"{moment}: a control"
        if size is PROJECTOR:
            assert page.evaluate(SMALL_TEXT, MIN_PX) == [], f"{moment} at 1080p: text under {MIN_PX}px"
    page.set_viewport_size(PROJECTOR)


def in_view(page, locator) -> bool:
    """The element's box lies inside the viewport (no scrolling needed to see it)."""
    box = locator.bounding_box()
    size = page.viewport_size
    return bool(box) and box["y"] >= 0 and box["y"] + min(box["height"], 40) <= size["height"] and box["x"] >= 0


def test_ideas_merge_vote_reveal_and_rating_on_the_room_screen(live, browser):
    store, ws = live.store, live.workshop
    code = ws.code
    dialogs = Dialogs()
    contexts = []

    def context(viewport, **kw):
        c = browser.new_context(viewport=viewport, **kw)
        c.set_default_timeout(FOLLOW_MS)
        contexts.append(c)
        return c

    try:
        fac = context(LAPTOP).new_page()
        dialogs.watch(fac, "facilitator")
        fac.goto(live.facilitator_url, timeout=RENDER_MS)
        expect(fac.locator(".csikit-facilitator")).to_be_visible(timeout=RENDER_MS)

        wall = context(PROJECTOR).new_page()
        dialogs.watch(wall, "presenter")
        wall.goto(live.servers.presenter_url, timeout=RENDER_MS)
        expect(wall.locator(".csikit-presenter")).to_be_visible(timeout=RENDER_MS)
        # before anything opens the wall is the way in: join code and QR code
        expect(wall.locator(".csikit-p-join img")).to_be_visible()
        expect(wall.locator(".csikit-presenter")).to_contain_text(code)
        presenter_checks(wall, "01-join")

        phones = []
        for name in TYPED:
            p = open_participant(browser, live.participant_url, name, dialogs)
            contexts.append(p.context)
            join(p)
            phones.append(p)

        # --- ideas: the facilitator opens, three phones type, the wall counts
        select_activity(fac, ws.activity(IDEAS).title)
        control(fac, "Open").click()
        facilitator_state(fac, "open")
        expect(wall.locator(".csikit-p-title")).to_have_text(ws.activity(IDEAS).title)
        for p in phones:
            expect(p.page.locator("h4", has_text=ws.activity(IDEAS).title)).to_be_visible()
            p.page.get_by_placeholder("Type one idea").fill(TYPED[p.name])
            p.page.get_by_role("button", name="Send idea").click()
            expect(p.page.locator(".csikit-status")).to_contain_text("Idea sent")
        expect(wall.locator(".csikit-ring[aria-label='3 of 3 answered']")).to_be_visible()
        expect(wall.locator(".csikit-p-countdown")).to_contain_text(re.compile(r"\d:\d\d"))  # Open started it
        for name in TYPED:  # an anonymous activity: nobody's name on the wall
            expect(wall.locator(".csikit-presenter")).not_to_contain_text(name)
        shot(phones[2].page, "room-phone-ideas")
        presenter_checks(wall, "02-ideas-open")

        # --- the console at 1280×800: agenda, lifecycle buttons, participation, results in view
        for what in (
            fac.locator(".csikit-agenda"),
            control(fac, "Lock"),
            fac.locator(".csikit-participation-rings"),
            fac.locator(".csikit-results, .csikit-live-results").first,
        ):
            assert in_view(fac, what), f"not visible without scrolling at 1280×800: {what}"
        shot(fac, "room-console-ideas")

        # --- merge: the suggestion names the two password ideas; the facilitator accepts it
        fac.locator(".csikit-merge-box").get_by_text("Merge duplicate ideas").first.click()
        merge = fac.locator(".csikit-merge-ideas")
        expect(merge).to_contain_text("Suggested duplicates")
        suggestion = merge.locator(".widget-hbox", has_text=TYPED["Alice"]).filter(has_text=TYPED["Bob"])
        expect(suggestion.get_by_role("button", name="Accept")).to_be_visible()
        shot(fac, "room-console-merge-suggested")
        suggestion.get_by_role("button", name="Accept").click()
        expect(merge).to_contain_text("+1 merged")
        groups = wait_until(lambda: store.idea_groups(code, IDEAS), what="the merge in the store")
        assert len(groups) == 1 and len(next(iter(groups.values()))) == 1
        events = [e for e in store.events(code) if e.action == "merged"]
        assert events, "the merge is not in the audit trail"
        shot(fac, "room-console-merged")
        control(fac, "Lock").click()
        facilitator_state(fac, "locked")

        # --- dot vote on the ideas: one item per merged group, in each phone's own order
        vote = ws.activity(VOTE)
        select_activity(fac, vote.title)
        t0 = time.monotonic()
        control(fac, "Open").click()
        facilitator_state(fac, "open")
        expect(wall.locator(".csikit-p-title")).to_have_text(vote.title)
        record("console Open → presenter shows the question", time.monotonic() - t0)
        items = store.status(code, VOTE).items
        assert sorted(i.text for i in items) == sorted([TYPED["Alice"], TYPED["Chandra"]]), items
        for p in phones:
            expect(p.page.locator(".csikit-item")).to_have_count(2)
        password = TYPED["Alice"]
        for n, p in enumerate(phones):
            row = p.page.locator(".csikit-item", has_text=password if n < 2 else "Printer")
            row.get_by_role("button", name="+", exact=True).click()
            expect(row.locator(".csikit-dots")).to_have_text(re.compile(r"(^|\s)1$"))
            p.page.locator(".csikit-done").click()
            expect(p.page.locator(".csikit-done")).to_contain_text("Not done yet")
        shot(phones[0].page, "room-phone-dotvote")
        expect(wall.locator(".csikit-ring[aria-label='3 of 3 answered']")).to_be_visible()
        expect(wall.locator(".csikit-ring[aria-label='3 of 3 done']")).to_be_visible()
        presenter_checks(wall, "03-vote-open")
        # the position each phone showed each item in is stored with its vote
        assert all(r.position is not None for r in store.responses(code, VOTE))

        control(fac, "Lock").click()
        facilitator_state(fac, "locked")
        t0 = time.monotonic()
        control(fac, "Reveal").click()
        facilitator_state(fac, "revealed")
        expect(wall.locator(".csikit-p-results img")).to_be_visible()
        record("console Reveal → presenter shows the chart", time.monotonic() - t0)
        for p in phones:
            expect(p.page.locator(".csikit-app")).to_contain_text("Results")
            expect(p.page.get_by_text(f"{password}: 2 dots (n=2)")).to_be_visible()
        shot(phones[1].page, "room-phone-dotvote-revealed")
        shot(fac, "room-console-dotvote-revealed")
        presenter_checks(wall, "04-vote-revealed")
        assert store.states(code)[VOTE] is ActivityState.REVEALED

        # --- problems × objectives: every phone rates both problems on every objective
        rating = ws.activity(RATING)
        select_activity(fac, rating.title)
        control(fac, "Open").click()
        facilitator_state(fac, "open")
        expect(wall.locator(".csikit-p-title")).to_have_text(rating.title)
        criteria = rating.criteria(ws.objectives)
        for n, p in enumerate(phones):
            selects = p.page.locator(".csikit-app .csikit-item select")
            expect(selects).to_have_count(2 * len(criteria))
            for i in range(2 * len(criteria)):
                selects.nth(i).select_option(index=1 + (n + i) % 5)
            wait_until(
                lambda p=p: len(store.my_responses(code, store_pid(store, code, p.name), RATING)) == 2 * len(criteria),
                what=f"{p.name}'s ratings in the store",
            )
        shot(phones[2].page, "room-phone-rating")
        control(fac, "Lock").click()
        facilitator_state(fac, "locked")
        control(fac, "Reveal").click()
        facilitator_state(fac, "revealed")
        # the console and the wall show a heatmap (one image), not a 2 × objectives table
        expect(fac.locator(".csikit-live-chart")).to_be_visible()
        expect(wall.locator(".csikit-p-results img")).to_be_visible()
        shot(fac, "room-console-rating-heatmap")
        presenter_checks(wall, "05-rating-revealed")
        assert not dialogs.seen, dialogs.seen
        # offline on one laptop: the whole agenda on the console, the wall and three phones
        # asked nothing of another machine (no CDN, no font, no analytics)
        assert not dialogs.away, dialogs.away
    finally:
        for c in contexts:
            c.close()


def store_pid(store, code: str, name: str) -> int:
    return next(p.id for p in store.participants(code) if p.name == name)
