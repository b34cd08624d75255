"""The presenter view in a real browser: the facilitator server's page with ``view=presenter``,
at a projector's 1920×1080 and a small one's 1280×720.

Run with ``python3 -m pytest -q -s -m browser tests/widgets/test_browser_presenter.py``. Screenshots go
to test-artifacts/screenshots/presenter-<size>-<moment>.png. The store is changed as the
facilitator's clicks change it (open, answers, lock, reveal, the live switch, a timer); the
page must follow by itself.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

pytest.importorskip("playwright.sync_api")
pytest.importorskip("voila")

from browser_helpers import FOLLOW_MS, MIN_PX, OVERFLOW, RENDER_MS, SHOTS, SMALL_TEXT, Dialogs, record  # noqa: E402 - after the skips
from conftest import open_now  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

from csikit.rules import TOO_FEW  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.server]

FULL_HD = {"width": 1920, "height": 1080}
SMALL = {"width": 1280, "height": 720}
SIZES = (("1080", FULL_HD), ("720", SMALL))
NAMES = ("Zebulon Quayle", "Ottoline Marsh", "Ferdinand Wick")

CONTROLS = "button:visible, input:visible, select:visible, textarea:visible"

#: The chart image's PNG size and the scale it is shown at (object-fit: contain).
CHART_SHOWN = """img => { const r = img.getBoundingClientRect();
  return [img.naturalWidth, img.naturalHeight, Math.min(r.width / img.naturalWidth, r.height / img.naturalHeight)]; }"""


def chart_text_px(page, store, ws, key: str) -> float:
    """The smallest text of the presenter's chart as shown at the page's size, in CSS px: the
    text's size in the PNG (the same chart drawn here, from the same store, as the presenter
    draws it: inside ``figures.sized(CHART_SIZE)`` at CHART_DPI) × the displayed scale."""
    from csikit import figures
    from csikit.kinds.base import Answers
    from csikit.kinds.results import results_of
    from csikit.widgets.presenter import CHART_DPI, CHART_SIZE

    status = store.status(ws.code, key)
    with figures.sized(CHART_SIZE):
        fig = (
            results_of(status.activity.kind)
            .live(Answers.read(store, ws.code, status.activity, status.items), ws)
            .figure()
        )
    smallest = figures.text_sizes_px(fig, CHART_DPI)[0][0]
    width, height, scale = page.locator(".csikit-p-results img").evaluate(CHART_SHOWN)
    assert (width, height) == (fig.size.width_px, fig.size.height_px), "the presenter drew another chart"
    figures.close(fig)
    return smallest * scale


@pytest.fixture(scope="module")
def live(live_servers):
    return live_servers


@pytest.fixture(scope="module")
def presenter(live, browser):
    dialogs = Dialogs()
    context = browser.new_context(viewport=FULL_HD)
    context.set_default_timeout(FOLLOW_MS)
    page = context.new_page()
    dialogs.watch(page, "presenter")
    t0 = time.monotonic()
    page.goto(live.servers.presenter_url, timeout=RENDER_MS)
    expect(page.locator(".csikit-presenter")).to_be_visible(timeout=RENDER_MS)
    record("presenter page: goto → view visible", time.monotonic() - t0)
    yield page
    context.close()
    assert not dialogs.seen, dialogs.seen


def check_both_sizes(page, moment: str) -> None:
    """At 1080p and 720p: nothing outside the viewport, no control; at 1080p no text under MIN_PX.
    A screenshot of each: test-artifacts/screenshots/presenter-<size>-<moment>.png."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for name, size in SIZES:
        page.set_viewport_size(size)
        page.wait_for_timeout(100)  # one layout pass after the resize (no state to wait on)
        page.screenshot(path=str(SHOTS / f"presenter-{name}-{moment}.png"))
        assert page.evaluate(OVERFLOW) == [], f"{moment} at {name}p: elements outside the viewport"
        assert page.locator(CONTROLS).count() == 0, f"{moment}: the presenter view shows a control"
        if size is FULL_HD:
            assert page.evaluate(SMALL_TEXT, MIN_PX) == [], f"{moment} at 1080p: text under {MIN_PX}px"
    page.set_viewport_size(FULL_HD)


def test_presenter_follows_the_room(live, presenter):
    page, store, ws = presenter, live.store, live.workshop
    code = ws.code
    ideas, vote = ws.activity("s1-problems"), ws.activity("s3-vote")

    # before the first Open: the join code and QR code fill the screen
    qr = page.locator(".csikit-p-join img")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box and box["height"] >= 0.4 * FULL_HD["height"], f"the QR code is small before anything opens: {box}"
    expect(page.locator(".csikit-p-code")).to_have_text(code)
    check_both_sizes(page, "join")

    people = [store.join(code, name).id for name in NAMES]

    # ideas, with the facilitator's "show live results" switch on
    t0 = time.monotonic()
    open_now(store, code, ideas.id)
    expect(page.locator(".csikit-p-title")).to_have_text(ideas.title)
    record("store open → presenter shows the question", time.monotonic() - t0)
    expect(page.locator(".csikit-ring[aria-label='0 of 3 answered']")).to_be_visible()
    box = qr.bounding_box()
    assert box and box["height"] <= 0.2 * FULL_HD["height"], f"the QR code stays big while an activity runs: {box}"
    store.set_live_results(code, ideas.id, True)
    texts = ["Password resets eat 20% of calls", "Nobody owns the EPR interface", "Shift handover loses tickets"]
    for pid, text in zip(people, texts, strict=True):
        store.add_idea(code, pid, ideas.id, text)
    expect(page.locator(".csikit-ring[aria-label='3 of 3 answered']")).to_be_visible()
    expect(page.locator(".csikit-p-note")).to_have_count(3)
    expect(page.locator(".csikit-p-note").first).to_be_visible()
    check_both_sizes(page, "ideas-live")
    for name in NAMES:
        expect(page.locator(".csikit-presenter")).not_to_contain_text(name.split()[0])

    # a dot vote with a countdown; two answers are fewer than min_group
    open_now(store, code, vote.id)
    end = datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(minutes=5)
    store.set_timer(code, vote.id, end)
    expect(page.locator(".csikit-p-title")).to_have_text(vote.title)
    expect(page.locator(".csikit-p-countdown")).to_contain_text(":")
    store.respond(code, people[0], vote.id, {"c1": 2, "c2": 1})
    store.respond(code, people[1], vote.id, {"c1": 1})
    expect(page.locator(".csikit-ring[aria-label='2 of 3 answered']")).to_be_visible()
    expect(page.locator(".csikit-p-results img")).to_be_hidden()
    check_both_sizes(page, "vote-open")
    store.lock_activity(code, vote.id)
    store.reveal_activity(code, vote.id)
    expect(page.locator(".csikit-p-message")).to_contain_text(TOO_FEW)
    expect(page.locator(".csikit-p-results img")).to_be_hidden()
    check_both_sizes(page, "too-few")

    # the third answer, then the reveal: the chart fills the results area
    store.reset_activity(code, vote.id)
    store.open_activity(code, vote.id)
    for pid, dots in zip(people, ({"c1": 2, "c2": 1}, {"c1": 1, "c5": 1}, {"c2": 3}), strict=True):
        store.respond(code, pid, vote.id, dots)
    expect(page.locator(".csikit-ring[aria-label='3 of 3 answered']")).to_be_visible()
    store.lock_activity(code, vote.id)
    t0 = time.monotonic()
    store.reveal_activity(code, vote.id)
    chart = page.locator(".csikit-p-results img")
    expect(chart).to_be_visible()
    record("store reveal → presenter shows the chart", time.monotonic() - t0)
    drawn = chart.evaluate("""img => { const r = img.getBoundingClientRect();
        const k = Math.min(r.width / img.naturalWidth, r.height / img.naturalHeight);  // object-fit: contain
        return [img.naturalWidth * k, img.naturalHeight * k]; }""")
    assert drawn[0] >= 0.45 * FULL_HD["width"] or drawn[1] >= 0.45 * FULL_HD["height"], (
        f"the chart is drawn too small for a projector: {drawn}"
    )
    expect(page.locator(".csikit-p-title")).to_be_visible()
    check_both_sizes(page, "revealed")
    shown = chart_text_px(page, store, ws, vote.id)
    print(f"[size] presenter chart: smallest text at 1080p {shown:.1f} px")
    assert shown >= MIN_PX, f"the chart's text is {shown:.1f} px at 1080p"

    # problems × objectives: a rating whose items are the ideas above, revealed as one figure
    impact = ws.activity("s1-impact")
    open_now(store, code, impact.id)
    expect(page.locator(".csikit-p-title")).to_have_text(impact.title)
    items = [i.id for i in store.status(code, impact.id).items]
    assert len(items) == 3
    objectives = impact.criteria(ws.objectives)
    for n, pid in enumerate(people):
        store.respond(
            code,
            pid,
            impact.id,
            {(item, o): 1 + (n + i + j) % 5 for i, item in enumerate(items) for j, o in enumerate(objectives)},
        )
    store.lock_activity(code, impact.id)
    store.reveal_activity(code, impact.id)
    expect(page.locator(".csikit-p-results img")).to_be_visible()
    check_both_sizes(page, "rating-revealed")
    shown = chart_text_px(page, store, ws, impact.id)
    print(f"[size] presenter heatmap: smallest text at 1080p {shown:.1f} px")
    assert shown >= MIN_PX, f"the heatmap's text is {shown:.1f} px at 1080p"


def test_presenter_view_needs_the_facilitator_token(live, browser, presenter):
    """The presenter page is behind the facilitator's token: a browser that has it (its cookie,
    set by the token link) opens ``?view=presenter`` as the console's relative link does; a
    browser without it gets no page."""
    base = live.facilitator_url.split("?")[0]
    same = presenter.context.new_page()
    try:
        same.goto(f"{base}?view=presenter", timeout=RENDER_MS)
        expect(same.locator(".csikit-presenter")).to_be_visible(timeout=RENDER_MS)
    finally:
        same.close()
    stranger = browser.new_context(viewport=SMALL)
    try:
        page = stranger.new_page()
        response = page.goto(f"{base}?view=presenter", timeout=RENDER_MS)
        assert response is not None and (response.status >= 400 or "/login" in page.url), (response.status, page.url)
        assert page.locator(".csikit-presenter").count() == 0
    finally:
        stranger.close()
