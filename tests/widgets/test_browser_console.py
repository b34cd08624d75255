"""The facilitator console on a laptop screen: at 1280×800 the agenda, the lifecycle
buttons, participation and the top of the results are visible without scrolling; the
join link, QR code and presenter link wait in a collapsed panel.

Run with ``python3 -m pytest -q -m browser tests/widgets/test_browser_console.py``; the screenshot
goes to test-artifacts/screenshots/console-1280x800.png.
"""

from __future__ import annotations

from urllib.parse import urljoin

import pytest

pytest.importorskip("playwright.sync_api")
pytest.importorskip("voila")

from browser_helpers import (  # noqa: E402 - after the skips
    FOLLOW_MS,
    RENDER_MS,
    SHOTS,
    Dialogs,
    control,
    select_activity,
    shot,
    wait_until,
)
from playwright.sync_api import expect  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.server]

LAPTOP = {"width": 1280, "height": 800}
DOT_VOTE = "s3-vote"
IDEAS = "s1-problems"


@pytest.fixture(scope="module")
def live(live_servers):
    return live_servers


def in_view(box: dict | None, what: str, *, whole: bool = True) -> None:
    """``box`` lies inside the 1280×800 viewport (``whole=False``: its top edge does)."""
    assert box is not None, f"{what} is not on the page"
    bottom = box["y"] + (box["height"] if whole else min(box["height"], 24))
    assert box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= LAPTOP["width"], f"{what} off screen: {box}"
    assert bottom <= LAPTOP["height"], f"{what} is below the fold at 1280×800: {box}"


def test_the_console_fits_a_laptop_screen(live, browser):
    store, ws = live.store, live.workshop
    code = ws.code
    dialogs = Dialogs()
    # a dot vote with answers from three people, so there are results to see
    store.open_activity(code, DOT_VOTE)
    items = [i.id for i in store.status(code, DOT_VOTE).items]
    for n, name in enumerate(("Ann", "Ben", "Cat")):
        p = store.join(code, name)
        store.respond(code, p.id, DOT_VOTE, {items[n]: 2, items[(n + 1) % len(items)]: 1})
    context = browser.new_context(viewport=LAPTOP)
    context.set_default_timeout(FOLLOW_MS)
    page = context.new_page()
    dialogs.watch(page, "facilitator")
    try:
        page.goto(live.facilitator_url, timeout=RENDER_MS)
        expect(page.locator(".csikit-participation")).to_be_visible(timeout=RENDER_MS)
        title = ws.activity(DOT_VOTE).title
        select_activity(page, title)
        expect(page.locator(".csikit-participation")).to_contain_text("3 of 3")
        expect(page.locator("table.csikit-results")).to_be_visible()
        expect(page.locator(".csikit-live-chart img, img.csikit-live-chart")).to_be_visible(timeout=RENDER_MS)
        expect(page.locator(".csikit-participation-rings svg.csikit-ring")).to_have_count(2)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "console-1280x800.png"))  # the viewport: what a laptop shows

        in_view(page.locator(".csikit-agenda").bounding_box(), "the agenda")
        for name in ("Open", "Lock", "Reveal", "Reset"):
            in_view(control(page, name).bounding_box(), f"the {name} button")
        in_view(page.locator(".csikit-participation-rings").bounding_box(), "participation")
        in_view(page.locator(".csikit-live-results").bounding_box(), "the top of the results", whole=False)
        in_view(page.locator(".csikit-live-toggle").bounding_box(), "the live-results switch")
        # the agenda scrolls in its own box, not the page
        agenda = page.locator(".csikit-agenda")
        assert agenda.evaluate("e => getComputedStyle(e).overflowY") == "auto"
        # the QR code is in a collapsed panel: not on screen until opened
        assert not page.locator(".csikit-presenter-link").is_visible()

        # the switch reaches the store; the panel opens to the presenter link and the join QR code
        page.locator(".csikit-live-toggle input").check()
        wait_until(lambda: store.live_results(code, DOT_VOTE), what="the live-results switch in the store")
        page.get_by_text("Join link, QR code and who has joined").click()
        link = page.locator(".csikit-presenter-link a")
        expect(link).to_be_visible()
        href = link.get_attribute("href")
        assert "view=presenter" in href
        # the link opens the presenter view in this browser (the token cookie lets it in)
        presenter = context.new_page()
        dialogs.watch(presenter, "presenter")
        presenter.goto(urljoin(page.url, href), timeout=RENDER_MS)
        expect(presenter.locator(".csikit-presenter")).to_be_visible(timeout=RENDER_MS)
        assert presenter.locator(".csikit-facilitator").count() == 0
        presenter.close()

        # paper entry: add an anonymous person, enter their dots
        page.get_by_text("Enter answers from paper").click()
        entry = page.locator(".csikit-paper-entry")
        expect(entry).to_be_visible()
        entry.get_by_role("button", name="Add paper participant").click()
        expect(entry.locator(".csikit-status")).to_contain_text("Paper 1 is a paper participant")
        entry.locator(".widget-inline-hbox input[type=number]").first.fill("2")
        entry.locator(".widget-inline-hbox input[type=number]").first.press("Enter")
        entry.get_by_role("button", name="Enter answer").click()
        expect(entry.locator(".csikit-status")).to_contain_text("Answer entered for Paper 1")
        paper = store.paper_participants(code)[0].id
        assert {r.item: r.value for r in store.responses(code, DOT_VOTE) if r.participant == paper} == {items[0]: 2}
        expect(page.locator(".csikit-participation")).to_contain_text("4 of 4")
        shot(page, "console-paper-entry")

        # an ideas activity: its merge panel, and results below min_group marked for the facilitator
        store.lock_activity(code, DOT_VOTE)
        store.open_activity(code, IDEAS)
        people = {p.name: p.id for p in store.participants(code)}
        store.add_idea(code, people["Ann"], IDEAS, "Password resets eat 20% of calls")
        store.add_idea(code, people["Ben"], IDEAS, "password resets eat 20% of calls!")
        select_activity(page, ws.activity(IDEAS).title)
        expect(page.locator(".csikit-too-few")).to_contain_text("Only you see these: fewer than 3 answers")
        page.locator(".csikit-merge-box").get_by_text("Merge duplicate ideas", exact=True).first.click()
        expect(page.locator(".csikit-merge-ideas")).to_contain_text("Suggested duplicates")
        shot(page, "console-merge-ideas")
        expect(page.locator(".csikit-roster")).to_contain_text("Cat")
        assert control(page, "Lock").is_enabled()
        assert not dialogs.seen, dialogs.seen
    finally:
        context.close()


def test_the_console_and_the_presenter_view_ask_nothing_of_another_machine(live, browser):
    """Offline on one laptop: every request of the facilitator's pages goes to this machine
    (Voila's lab template would load Font Awesome from a CDN; csikit's template does not)."""
    from urllib.parse import urlsplit

    asked: list[str] = []
    context = browser.new_context(viewport=LAPTOP)
    context.set_default_timeout(FOLLOW_MS)
    page = context.new_page()
    page.on("request", lambda request: asked.append(request.url))
    try:
        page.goto(live.facilitator_url, timeout=RENDER_MS)
        expect(page.locator(".csikit-participation")).to_be_visible(timeout=RENDER_MS)
        icon = page.locator("button i.fa").first
        expect(icon).to_be_attached()
        family = icon.evaluate("i => getComputedStyle(i, '::before').fontFamily")
        page.goto(urljoin(live.facilitator_url, "?view=presenter"), timeout=RENDER_MS)
        expect(page.locator(".csikit-presenter")).to_be_visible(timeout=RENDER_MS)
    finally:
        context.close()
    away = [
        u
        for u in asked
        if urlsplit(u).scheme in ("http", "https", "ws", "wss")
        and urlsplit(u).hostname not in ("127.0.0.1", "localhost")
    ]
    assert asked and not away, f"requests to other machines: {away}"
    assert "Font Awesome" in family, family  # the buttons' icons come with Voila's own bundle
