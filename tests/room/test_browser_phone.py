"""The phone on the room endpoint (issue 21), in a real browser at 375 px: the join page and
its modules (csikit/room/static/) against a room server as ``csikit serve`` starts it, on a
fresh copy of the demo workshop. No kernel per phone: the page is static files and one
websocket (docs/ROOM-PROTOCOL.md).

Covers what phones did on the kernel path: join by link, by code and by personal link; one
phone is one person across reloads and tabs, a private window is another; each kind's
answering screen; fair order; "I'm done"; the countdown; closed and revealed screens; the
min_group message; "Connection lost — tap to reconnect" and its return; text shown as typed.
Every page checks that no request leaves 127.0.0.1, no dialog opens and no script fails.

Run with ``python3 -m pytest -q -m browser tests/room/test_browser_phone.py``. Screenshots go to
test-artifacts/screenshots/phone-*.png.
"""

from __future__ import annotations

import contextlib
import re
from datetime import datetime, timedelta, timezone

import pytest

pytest.importorskip("playwright.sync_api")

from conftest import open_now  # noqa: E402
from phone_helpers import (  # noqa: E402 - after the skip
    BANNER,
    FOLLOW_MS,
    PHONE,
    STORAGE_KEY,
    Cutter,
    Freezer,
    add_dot,
    dots_shown,
    join,
    join_button,
    joined_as,
    new_phone,
    pid_of,
    remembered,
    row,
    scroll_width,
    shot,
    start_room,
    status,
    tap_plus,
    title_shown,
)
from playwright.sync_api import Error as PlaywrightError  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

from csikit.order import shown_order  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.server]

DOT_VOTE = "s3-vote"
JOIN_HINT = "Type a name others will see, or leave it empty to stay anonymous."
TYPED = [
    "<script>alert(1)</script>",
    "$50 … $20 saved per ticket",
    "مرحبا بالعالم — שלום",
    "Great team 🎉👍🏽 ❤️",
    "<img src=x onerror=alert(2)>",
]


@pytest.fixture(scope="module")
def room(tmp_path_factory):
    with start_room(tmp_path_factory.mktemp("phone-room")) as r:
        yield r


def texts_of(room, key: str) -> dict[str, str]:
    return {i.id: i.text for i in room.store.status(room.code, key).items}


def no_sideways_scrolling(page) -> None:
    width = scroll_width(page)
    assert width <= PHONE["width"], f"the page is {width} px wide on a {PHONE['width']} px phone"
    scrollers = page.evaluate("""() => [...document.querySelectorAll('*')].filter(e => {
            const o = getComputedStyle(e).overflowX;
            return (o === 'auto' || o === 'scroll') && e.scrollWidth > e.clientWidth + 1 && e.offsetParent !== null;
        }).map(e => e.tagName + '.' + e.className)""")
    assert scrollers == [], f"parts of the screen scroll sideways: {scrollers}"


# --------------------------------------------------------------------------- joining


def test_join_by_link_by_code_and_by_personal_link(room, browser):
    store, code = room.store, room.code
    fresh = store.current_key(code)[0] is None
    ann = new_phone(browser, room.link)
    others = []
    try:
        page = ann.page
        join_button(page).wait_for()
        assert f"/room/?code={code}" in page.url, page.url  # the QR code's link lands on the room's page
        expect(page.locator(".csikit-title")).to_have_text(room.workshop.title)
        expect(page.locator(".csikit-join")).to_contain_text(JOIN_HINT)
        no_sideways_scrolling(page)
        shot(page, "phone-01-join")
        joined = len(store.participants(code))
        join(page, "Ann")
        assert len(store.participants(code)) == joined + 1
        expect(status(page)).to_contain_text("You're in")
        if fresh:
            expect(page.locator(".csikit-message")).to_have_text(
                "Waiting for the facilitator to open the first activity…"
            )
        shot(page, "phone-02-joined-waiting")
        token = remembered(page, code)
        assert token, "the browser did not remember the person"
        link = page.get_by_role("link", name="your rejoin link").get_attribute("href")
        assert f"code={code}" in link and f"t={token}" in link, link

        # the personal link on another device brings Ann back, no new participant
        other = new_phone(browser, link)
        others.append(other)
        joined_as(other.page, "Ann")
        expect(join_button(other.page)).to_have_count(0)
        assert remembered(other.page, code) == token
        assert len(store.participants(code)) == joined + 1

        # by code: the server's own page without ?code= is this workshop's join page
        bare = new_phone(browser, room.base + "/")
        others.append(bare)
        expect(bare.page.locator(".csikit-title")).to_have_text(room.workshop.title)
        join(bare.page, "")  # anonymous
        assert len(store.participants(code)) == joined + 2
        assert store.participants(code)[-1].name == ""
        ann.check()
    finally:
        ann.close()
        for o in others:
            o.close()


def test_one_phone_is_one_person_across_reloads_and_tabs_a_private_window_is_another(room, browser):
    store, code = room.store, room.code
    open_now(store, code, DOT_VOTE)
    texts = texts_of(room, DOT_VOTE)
    dana = new_phone(browser, room.link)
    private = None
    try:
        page = dana.page
        # a second tab, open before Dana joins in the first, follows the join (storage event)
        early = dana.new_tab()
        early.goto(room.link)
        join_button(early).wait_for()
        join(page, "Dana")
        pid = pid_of(store, code, "Dana")
        joined_as(early, "Dana")
        roster = len(store.participants(code))
        expect(page.locator(".csikit-app")).to_contain_text("6 of 6 dots left")
        add_dot(page, texts["c1"], 1)
        add_dot(page, texts["c1"], 2)
        add_dot(page, texts["c2"], 1)

        # reload mid-vote: same name, same dots, same budget, no second person
        page.reload()
        joined_as(page, "Dana")
        expect(join_button(page)).to_have_count(0)
        expect(dots_shown(page, texts["c1"])).to_have_text(re.compile(r"(^|\s)2$"))
        expect(page.locator(".csikit-app")).to_contain_text("3 of 6 dots left")
        assert len(store.participants(code)) == roster
        shot(page, "phone-03-after-reload")

        # a third tab is Dana as well; a + in any tab counts against the store, and every tab follows
        tab = dana.new_tab()
        tab.goto(room.link)
        joined_as(tab, "Dana")
        tap_plus(tab, texts["c1"])
        for p in (page, early, tab):
            expect(dots_shown(p, texts["c1"])).to_have_text(re.compile(r"(^|\s)3$"))
            expect(p.locator(".csikit-app")).to_contain_text("2 of 6 dots left")
        mine = {i: v for (i, _), (v, _) in store.my_responses(code, pid, DOT_VOTE).items()}
        assert mine == {"c1": 3, "c2": 1}
        assert len(store.participants(code)) == roster

        # a private window (another browser context) is another person
        private = new_phone(browser, room.link)
        join_button(private.page).wait_for()
        join(private.page, "Dana")
        assert len(store.participants(code)) == roster + 1
        assert pid_of(store, code, "Dana") != pid
        expect(private.page.locator(".csikit-app")).to_contain_text("6 of 6 dots left")
        dana.check()
    finally:
        dana.close()
        if private:
            private.close()


def test_a_forged_remembered_token_gives_the_join_screen_and_is_forgotten(room, browser):
    store, code = room.store, room.code
    roster = len(store.participants(code))
    phone = new_phone(browser)
    try:
        phone.context.add_init_script(
            f"localStorage.setItem({STORAGE_KEY.format(code=code)!r}, '<img src=x onerror=alert(9)>')"
        )
        phone.page.goto(room.link)
        join_button(phone.page).wait_for()
        expect(status(phone.page)).to_have_text("")
        phone.page.wait_for_function(f"localStorage.getItem({STORAGE_KEY.format(code=code)!r}) === null")
        assert phone.page.locator("img[src='x']").count() == 0
        assert len(store.participants(code)) == roster
    finally:
        phone.close()


# --------------------------------------------------------------------------- the seven kinds


def test_each_kinds_answering_screen(room, browser):
    store, code, ws = room.store, room.code, room.workshop
    kim = new_phone(browser, room.link)
    try:
        page = kim.page
        join(page, "Kim")
        pid = pid_of(store, code, "Kim")

        def opened(key: str, name: str) -> dict[str, str]:
            open_now(store, code, key)
            title_shown(page, ws.activity(key).title)
            expect(page.locator(".csikit-kind > *").first).to_be_visible()
            no_sideways_scrolling(page)
            return texts_of(room, key)

        def mine(key: str) -> dict:
            return store.my_responses(code, pid, key)

        def saved(text: str = "Saved.") -> None:
            expect(status(page)).to_contain_text(text)

        # ideas: send one, a live counter, edit it, the length limit, withdraw it
        opened("s1-problems", "ideas")
        box = page.locator("textarea.csikit-idea-text")
        box.fill("Password resets take a day")
        expect(page.locator(".csikit-idea-form .csikit-counter")).to_have_text("26 / 500")
        page.get_by_role("button", name="Send idea").click()
        saved("Idea sent.")
        expect(box).to_have_value("")
        edit = page.locator("textarea.csikit-idea-edit")
        expect(edit).to_have_value("Password resets take a day")
        edit.fill("Password resets take two days")
        page.get_by_role("button", name="Save", exact=True).click()
        saved("Idea saved.")
        assert [i.text for i in store.ideas(code, "s1-problems", participant=pid)] == ["Password resets take two days"]
        box.fill("x" * 501)
        expect(page.locator(".csikit-idea-form .csikit-counter")).to_have_text("501 / 500")
        page.get_by_role("button", name="Send idea").click()
        expect(status(page).locator("[role=alert]")).to_contain_text("at most 500 are taken")
        shot(page, "phone-kind-ideas")
        page.get_by_role("button", name="Withdraw").click()
        saved("Idea withdrawn.")
        expect(page.locator(".csikit-my-ideas")).to_have_text("None yet.")
        assert store.ideas(code, "s1-problems", participant=pid) == []

        # dot vote: + and −, dots left, the cap refused in the store's words
        texts = opened(DOT_VOTE, "dot_vote")
        expect(page.locator(".csikit-left")).to_have_text("6 of 6 dots left · at most 3 dots on one item")
        for n in (1, 2, 3):
            add_dot(page, texts["c4"], n)
        tap_plus(page, texts["c4"])
        expect(status(page).locator("[role=alert]")).to_contain_text("At most 3 dots on one item")
        row(page, texts["c4"]).get_by_role("button", name="−", exact=True).click()
        expect(dots_shown(page, texts["c4"])).to_have_text(re.compile(r"(^|\s)2$"))
        expect(page.locator(".csikit-left")).to_contain_text("4 of 6 dots left")
        assert {i: v for (i, _), (v, _) in mine(DOT_VOTE).items()} == {"c4": 2}
        shot(page, "phone-kind-dot-vote")

        # rating on two criteria (impact × effort): each its own choice, saved on change
        texts = opened("s3-impact-effort", "rating")
        first = next(iter(texts))
        item = row(page, texts[first])
        expect(item.locator(".csikit-criterion")).to_have_text(["Impact", "Effort"])
        item.locator("select").nth(0).select_option(label="4 · High")
        saved()
        item.locator("select").nth(1).select_option(label="2 · Low")
        expect(page.locator(".csikit-status")).to_contain_text("Saved.")
        page.wait_for_timeout(300)
        assert mine("s3-impact-effort") == {(first, "impact"): (4, ""), (first, "effort"): (2, "")}
        shot(page, "phone-kind-rating")

        # a Likert rating of KPIs shows each KPI's trend
        texts = opened("s5-confidence", "rating-likert")
        expect(page.locator(".csikit-kpi-trend").first).to_contain_text("baseline")
        row(page, texts["fcr"]).locator("select").select_option(label="4 · Agree")
        saved()
        page.wait_for_timeout(300)
        assert mine("s5-confidence") == {("fcr", ""): (4, "")}

        # maturity: the scale's levels
        texts = opened("s2-maturity", "maturity")
        first = next(iter(texts))
        row(page, texts[first]).locator("select").select_option(label="3 · Defined")
        saved()
        page.wait_for_timeout(300)
        assert mine("s2-maturity") == {(first, "current"): (3, "")}
        shot(page, "phone-kind-maturity")

        # fist of five: 0–2 asks for the objection
        texts = opened("s4-consent", "fist_of_five")
        first, second = list(texts)[:2]
        item = row(page, texts[first])
        expect(item.locator("textarea")).to_be_hidden()
        item.locator("select").select_option(value="1")
        expect(item.locator("textarea")).to_be_visible()
        item.get_by_role("button", name="Send").click()
        saved("Please also say what your objection is")
        item.locator("textarea").fill("Too costly this year")
        item.get_by_role("button", name="Send").click()
        expect(status(page)).to_have_text("✓ Sent.")
        page.wait_for_timeout(300)
        assert mine("s4-consent") == {(first, ""): (1, "Too costly this year")}
        row(page, texts[second]).get_by_role("button", name="Send").click()
        expect(row(page, texts[second]).locator(".csikit-note")).to_have_text("Choose how many fingers first.")
        shot(page, "phone-kind-fist-of-five")

        # ranking: ↑ moves an item up and saves the whole order
        opened("s3-rank", "ranking")
        rows = page.locator(".csikit-rank-row")
        second_text = rows.nth(1).locator(".csikit-text").inner_text().split(". ", 1)[1]
        rows.nth(1).get_by_role("button", name="↑").click()
        saved("Ranking saved.")
        expect(rows.nth(0)).to_contain_text(f"1. {second_text}")
        page.wait_for_timeout(300)
        ranked = {i: v for (i, _), (v, _) in mine("s3-rank").items()}
        assert sorted(ranked.values()) == list(range(1, len(ranked) + 1))
        assert texts_of(room, "s3-rank")[min(ranked, key=ranked.get)] == second_text
        shot(page, "phone-kind-ranking")

        # poll: one choice, marked by ✓; a new choice replaces it
        opened("s6-changed", "poll")
        expect(page.locator(".csikit-poll .csikit-hint")).to_have_text("Choose one.")
        page.get_by_role("button", name="partly", exact=True).click()
        expect(page.get_by_role("button", name="✓ partly")).to_be_visible()
        page.get_by_role("button", name="no", exact=True).click()
        expect(page.get_by_role("button", name="✓ no")).to_be_visible()
        expect(page.get_by_role("button", name="partly", exact=True)).to_be_visible()
        assert {i: v for (i, _), (v, _) in mine("s6-changed").items()} == {"no": 1}
        shot(page, "phone-kind-poll")
        kim.check()
    finally:
        kim.close()


def test_fair_order_each_phone_its_own_order_recorded_by_the_store(room, browser):
    store, code, ws = room.store, room.code, room.workshop
    open_now(store, code, DOT_VOTE)
    activity = ws.activity(DOT_VOTE)
    texts = texts_of(room, DOT_VOTE)
    phones = [new_phone(browser, room.link) for _ in range(2)]
    try:
        orders = []
        for n, phone in enumerate(phones):
            join(phone.page, f"Fair {n}")
            pid = pid_of(store, code, f"Fair {n}")
            title_shown(phone.page, activity.title)
            shown = phone.page.locator(".csikit-item .csikit-text").all_inner_texts()
            assert shown == [texts[k] for k in shown_order(activity, list(texts), pid)]
            orders.append(shown)
            # the store records the place each item was shown in to this person
            last = shown[-1]
            add_dot(phone.page, last, 1)
            [r] = [r for r in store.responses(code, DOT_VOTE, participant=pid)]
            assert r.position == len(shown) - 1
        assert orders[0] != orders[1], "two people saw the same order"
        assert sorted(orders[0]) == sorted(orders[1]) == sorted(texts.values())
    finally:
        for p in phones:
            p.close()


# --------------------------------------------------------------------------- done, countdown, lock, reveal


def test_im_done_and_the_countdown(room, browser):
    store, code, ws = room.store, room.code, room.workshop
    key = "s4-gaps"
    open_now(store, code, key)
    leo = new_phone(browser, room.link)
    try:
        page = leo.page
        join(page, "Leo")
        pid = pid_of(store, code, "Leo")
        title_shown(page, ws.activity(key).title)
        done = page.locator(".csikit-done")
        expect(done).to_have_text("I'm done")
        done.click()
        expect(done).to_have_text("Not done yet (you marked this done)")
        expect(status(page)).to_contain_text("Marked as done")
        assert store.is_done(code, pid, key)
        done.click()
        expect(done).to_have_text("I'm done")
        assert not store.is_done(code, pid, key)

        timer = page.locator(".csikit-countdown .csikit-timer")
        expect(timer).to_have_count(0)
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        store.set_timer(code, key, now + timedelta(minutes=5, seconds=10))
        expect(timer).to_have_text("about 5 min left")
        shot(page, "phone-countdown")
        store.set_timer(code, key, now + timedelta(seconds=50))
        expect(timer).to_have_text(re.compile(r"^[01]:[0-5][05] left$"))
        store.set_timer(code, key, now + timedelta(seconds=1))
        expect(timer).to_have_text("Time is up")
        expect(timer).to_have_class(re.compile("csikit-urgent"))
        store.set_timer(code, key, None)
        expect(timer).to_have_count(0)
        leo.check()
    finally:
        leo.close()


def test_a_tap_on_a_stale_screen_after_the_lock_is_refused_then_closed_and_revealed_screens(room, browser):
    store, code, ws = room.store, room.code, room.workshop
    key = "s6-carry"  # a ranking of fixed items nobody answered yet
    open_now(store, code, DOT_VOTE)
    store.lock_activity(code, DOT_VOTE)
    store.reset_activity(code, DOT_VOTE)
    open_now(store, code, DOT_VOTE)
    texts = texts_of(room, DOT_VOTE)
    freezer = Freezer()
    phones = [new_phone(browser, room.link, route=freezer.route if n == 0 else None) for n in range(3)]
    try:
        for n, phone in enumerate(phones):
            join(phone.page, f"Voter {n}")
            title_shown(phone.page, ws.activity(DOT_VOTE).title)
        a, b, c = (p.page for p in phones)
        add_dot(a, texts["c1"], 1)
        add_dot(b, texts["c1"], 1)
        add_dot(c, texts["c2"], 1)
        add_dot(c, texts["c2"], 2)

        # the facilitator locks; the first phone still shows the vote and taps + on it
        before = store.responses(code, DOT_VOTE)
        freezer.freeze()
        store.lock_activity(code, DOT_VOTE)
        tap_plus(a, texts["c3"])
        a.wait_for_timeout(500)
        freezer.thaw()
        expect(status(a).locator("[role=alert]")).to_contain_text("closed")
        assert store.responses(code, DOT_VOTE) == before, "a vote was stored after the lock"
        for page in (a, b, c):
            expect(page.locator(".csikit-closed-note")).to_contain_text("Voting closed.")
        expect(c.locator(".csikit-mine")).to_contain_text(f"• {texts['c2']}: 2")
        shot(c, "phone-closed")

        # reveal: the results in words, three voters (the demo's min_group is 3)
        store.reveal_activity(code, DOT_VOTE)
        for page in (a, b, c):
            expect(page.locator(".csikit-results-box")).to_contain_text("Results")
            expect(page.get_by_text(f"{texts['c1']}: 2 dots (n=2)")).to_be_visible()
            expect(page.get_by_text(f"{texts['c2']}: 2 dots (n=1)")).to_be_visible()
        shot(c, "phone-results")

        # fewer than min_group answered: the sentence instead of results
        open_now(store, code, key)
        title_shown(a, ws.activity(key).title)
        a.locator(".csikit-rank-row").nth(0).get_by_role("button", name="↓").click()
        expect(status(a)).to_contain_text("Ranking saved.")
        store.lock_activity(code, key)
        store.reveal_activity(code, key)
        for page in (a, b):
            expect(page.locator(".csikit-too-few")).to_have_text(
                "Not enough answers to show without identifying anyone."
            )
        expect(a.locator(".csikit-result")).to_have_count(0)
        shot(a, "phone-too-few")
        for p in phones:
            p.check()
    finally:
        for p in phones:
            p.close()


# --------------------------------------------------------------------------- connection lost


def test_connection_lost_shows_the_banner_a_tap_brings_the_same_person_back(room, browser):
    store, code = room.store, room.code
    open_now(store, code, DOT_VOTE)
    texts = texts_of(room, DOT_VOTE)
    cutter = Cutter()
    gus = new_phone(browser, room.link, route=cutter.route)
    try:
        page = gus.page
        join(page, "Gus")
        roster = len(store.participants(code))
        add_dot(page, texts["c5"], 1)
        expect(page.locator(BANNER)).to_be_hidden()

        cutter.cut_now()
        banner = page.locator(BANNER)
        expect(banner).to_be_visible(timeout=FOLLOW_MS)
        expect(banner).to_have_text("Connection lost — tap to reconnect")
        shot(page, "phone-connection-lost")
        cutter.mend()
        banner.tap()
        expect(banner).to_be_hidden()
        joined_as(page, "Gus")
        expect(dots_shown(page, texts["c5"])).to_have_text(re.compile(r"(^|\s)1$"))
        add_dot(page, texts["c5"], 2)  # the new socket works
        assert len(store.participants(code)) == roster

        # without a tap: the page reconnects by itself once the network is back
        cutter.cut_now()
        expect(banner).to_be_visible(timeout=FOLLOW_MS)
        cutter.mend()
        expect(banner).to_be_hidden(timeout=FOLLOW_MS + 20_000)
        joined_as(page, "Gus")
        expect(dots_shown(page, texts["c5"])).to_have_text(re.compile(r"(^|\s)2$"))
        assert len(store.participants(code)) == roster
        gus.check()
    finally:
        gus.close()


def test_a_restarted_room_server_brings_every_phone_back_as_the_same_person(room, browser):
    """The server side goes away (the room process stopped, as a crash or a restart would):
    the banner shows; once the server is back the phone reconnects by itself, and a tap
    reconnects at once — the same person, their dots intact."""
    store, code = room.store, room.code
    open_now(store, code, DOT_VOTE)
    texts = texts_of(room, DOT_VOTE)
    max_ = new_phone(browser, room.link)
    try:
        page = max_.page
        join(page, "Max")
        roster = len(store.participants(code))
        add_dot(page, texts["c6"], 1)
        room.stop()
        banner = page.locator(BANNER)
        expect(banner).to_be_visible(timeout=FOLLOW_MS)
        expect(banner).to_have_text("Connection lost — tap to reconnect")
        room.start()
        with contextlib.suppress(PlaywrightError):  # it may reconnect by itself before the tap
            banner.tap(timeout=2000)
        expect(banner).to_be_hidden(timeout=FOLLOW_MS + 20_000)
        joined_as(page, "Max")
        expect(dots_shown(page, texts["c6"])).to_have_text(re.compile(r"(^|\s)1$"))
        add_dot(page, texts["c6"], 2)
        assert len(store.participants(code)) == roster
        max_.check()
    finally:
        max_.close()


# --------------------------------------------------------------------------- text as typed


def test_text_shows_as_typed(room, browser):
    store, code, ws = room.store, room.code, room.workshop
    key = "s6-wins"
    open_now(store, code, key)
    name = TYPED[0]
    ivy = new_phone(browser, room.link)
    try:
        page = ivy.page
        join(page, name)
        expect(page.locator(".csikit-who b")).to_have_text(name)
        title_shown(page, ws.activity(key).title)
        box = page.locator("textarea.csikit-idea-text")
        for text in TYPED[1:4]:
            box.fill(text)
            page.get_by_role("button", name="Send idea").click()
            expect(page.locator("textarea.csikit-idea-edit")).to_have_count(TYPED.index(text))
        edits = page.locator("textarea.csikit-idea-edit")
        expect(edits).to_have_count(3)
        assert [edits.nth(i).input_value() for i in range(3)] == TYPED[1:4]
        # two more people, so that the results are shown (min_group 3)
        for n, text in enumerate((TYPED[4], "plain idea")):
            p = store.join(code, f"helper {n}")
            store.add_idea(code, p.id, key, text)
        store.lock_activity(code, key)
        expect(page.locator(".csikit-mine-line")).to_have_text([f"• {t}" for t in TYPED[1:4]])
        store.reveal_activity(code, key)
        lines = page.locator(".csikit-result")
        expect(lines).to_have_count(5)
        assert set(lines.all_inner_texts()) == {f"• {t}" for t in (*TYPED[1:], "plain idea")}
        shot(page, "phone-text-as-typed")
        assert page.locator("img[src='x']").count() == 0, "a typed <img> became an element"
        assert page.locator("#csikit-room script").count() == 0, "a typed <script> became an element"
        ivy.check()
    finally:
        ivy.close()


# --------------------------------------------------------------------------- a kind is one folder


def test_the_page_loads_a_kinds_module_by_name_and_an_unknown_one_says_so(room, browser, tmp_path):
    """phone.js on the page imports ``kinds/<module>.js`` next to itself (no list of kinds; the
    room server answers it from csikit/kinds/<module>/phone.js): the folder's module draws, its
    relative imports resolve (maturity's ``./rating.js``), and a module the server does not have
    shows the shell's sentence for an unknown kind. The screens come from a store of their own
    (this room's store is left as it is) and are handed to the shell by a small AFM model."""
    from conftest import copy_demo

    from csikit.room.screens import screen_from_store
    from csikit.store import Store
    from csikit.workshop_file import load_workshop

    ws = load_workshop(copy_demo(tmp_path / "demo"))
    store = Store(f"sqlite:///{tmp_path}/store.sqlite")
    try:
        store.sync_workshop(ws)
        ana = store.join(ws.code, "Ana")
        screens = {}
        for a in ws.agenda:
            if a.kind.value in ("poll", "maturity") and a.kind.value not in screens:
                store.open_activity(ws.code, a.id)
                screens[a.kind.value] = screen_from_store(store, ws.code, ana)
                store.lock_activity(ws.code, a.id)
    finally:
        store.close()
    poll, maturity = screens["poll"], screens["maturity"]
    maturity["activity"]["module"] = "maturity"  # its own module, which imports ./rating.js
    nope = {**poll, "activity": {**poll["activity"], "id": "elsewhere", "module": "nope"}}
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(room.base + "/room/static/ui.js")  # the room's origin, without the page's own host
        page.evaluate(
            """async ([shell, screen]) => {
            const handlers = {};
            window.model = {
              state: { screen },
              get(k) { return this.state[k]; }, set(k, v) { this.state[k] = v; },
              save_changes() {}, send() {},
              on(n, cb) { (handlers[n] = handlers[n] || []).push(cb); },
              off(n, cb) { handlers[n] = (handlers[n] || []).filter((x) => x !== cb); },
              show(s) { this.state.screen = s; (handlers["change:screen"] || []).forEach((cb) => cb()); },
            };
            const mod = await import(shell);
            const el = document.createElement("div"); document.body.replaceChildren(el);
            await mod.default.render({ model: window.model, el });
        }""",
            [room.base + "/room/static/phone.js", poll],
        )
        page.locator(".csikit-kind-poll").locator("button, input").first.wait_for()
        page.evaluate("(s) => window.model.show(s)", nope)
        expect(page.locator(".csikit-kind")).to_have_text(
            "This phone cannot show this activity; please tell the facilitator."
        )
        page.evaluate("(s) => window.model.show(s)", maturity)
        page.locator(".csikit-kind-maturity").locator("button, input, select").first.wait_for()
        assert errors == []
    finally:
        context.close()
