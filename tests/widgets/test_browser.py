"""End-to-end tests in a real browser: both Voila apps, three phone-sized participants,
a facilitator, the demo workshop.

Run with ``python3 -m pytest -q -s -m browser tests/widgets/test_browser.py``; ``-s`` prints the
measured join and vote-to-screen times. Screenshots go to test-artifacts/screenshots/.
Needs Debian's chromium (/usr/bin/chromium) and the playwright package (no downloaded browser).
"""

from __future__ import annotations

import re
import statistics
import time
from collections import Counter

import pytest

pytest.importorskip("playwright.sync_api")
pytest.importorskip("voila")

from browser_helpers import (  # noqa: E402 - after the skips
    FOLLOW_MS,
    GOTO_STATUS,
    IDEA_BOX,
    PHONE,
    RENDER_MS,
    TIMINGS,
    Dialogs,
    add_dot,
    control,
    dot_row,
    dots_shown,
    facilitator_state,
    http_get,
    join,
    mark_page,
    not_reloaded,
    open_facilitator,
    open_participant,
    record,
    results_rows,
    scroll_width,
    select_activity,
    shot,
    sideways_scrollers,
    wait_table_cell,
    wait_until,
)
from conftest import open_now  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

from csikit.model import ActivityState  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.server]

#: A locked activity's phone screen, whatever the kind calls it ("Voting closed.", "Rating closed." …).
CLOSED = re.compile(r"closed\. ?Your answers are kept")

XSS_NAME = "<img src=x onerror=alert(1)>"
XSS_IDEA = "<script>alert(2)</script>"
DOT_VOTE = "s3-vote"
LIKERT = "s5-confidence"
IDEAS = "s1-problems"


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def live(live_servers):
    return live_servers


@pytest.fixture(scope="module")
def dialogs():
    d = Dialogs()
    yield d
    _print_timings()
    assert not d.seen, f"dialogs opened: {d.seen}"


@pytest.fixture(scope="module")
def fac(live, browser, dialogs):
    context, page = open_facilitator(browser, live.facilitator_url, dialogs)
    yield page
    context.close()


def _print_timings() -> None:
    if not TIMINGS:
        return
    print("\n[timing] summary (seconds): name: n, min / median / max")
    for name, values in TIMINGS.items():
        print(
            f"[timing]   {name}: n={len(values)}, {min(values):.2f} / "
            f"{statistics.median(values):.2f} / {max(values):.2f}"
        )


def pid_of(store, code: str, name: str) -> int:
    return [p.id for p in store.participants(code) if p.name == name][-1]


def dot_totals(store, code: str, key: str) -> Counter:
    totals: Counter = Counter()
    for r in store.responses(code, key):
        totals[r.item] += r.value
    return totals


def wait_switched(pages, title: str, what: str, store=None, code: str = "", key: str = "") -> None:
    t0 = time.monotonic()
    if store is not None:
        wait_until(lambda: store.states(code)[key] is ActivityState.OPEN, what=f"{key} open in the store")
        record("facilitator clicks Open → store says open", time.monotonic() - t0)
        t0 = time.monotonic()
    for p in pages:
        expect(p.page.locator("h4", has_text=title)).to_be_visible(timeout=FOLLOW_MS)
        assert not_reloaded(p.page), f"{p.name}'s page reloaded instead of following the facilitator"
        record(what, time.monotonic() - t0)


# --------------------------------------------------------------------------- test 1


def test_main_flow_dot_vote_and_rating(live, browser, fac, dialogs):
    store, ws = live.store, live.workshop
    code = ws.code
    vote, rating = ws.activity(DOT_VOTE), ws.activity(LIKERT)
    items = {i.id: i.text for i in vote.items}
    shot(fac, "facilitator-01-start")

    names = ["Alice", XSS_NAME, "Bob"]
    people = []
    try:
        for n, name in enumerate(names, start=1):
            p = open_participant(
                browser,
                live.participant_url,
                name,
                dialogs,
                freezable=(n == 1),
                shot_name=f"participant-{n}-join",
            )
            join(p)
            p.pid = pid_of(store, code, name)
            expect(p.page.get_by_text("Waiting for the facilitator")).to_be_visible()
            shot(p.page, f"participant-{n}-joined-waiting")
            people.append(p)
        alice, xss, bob = people

        # --- dot vote: select, open; every participant follows without a reload
        select_activity(fac, vote.title)
        facilitator_state(fac, "draft")
        shot(fac, "facilitator-02-dotvote-selected")
        for p in people:
            mark_page(p.page)
        control(fac, "Open").click()
        wait_switched(people, vote.title, "store open → participant screen switched", store, code, DOT_VOTE)
        facilitator_state(fac, "open")
        expect(fac.locator(".csikit-participation")).to_contain_text("0 of 3")
        for n, p in enumerate(people, start=1):
            expect(p.page.locator(".csikit-app")).to_contain_text("6 of 6 dots left")
            shot(p.page, f"participant-{n}-dotvote")

        # the first dot of each participant: time from click to the facilitator's table
        expected = Counter()
        for p, item in ((alice, "c1"), (bob, "c1"), (xss, "c2")):
            expected[item] += 1
            t0 = time.monotonic()
            dot_row(p.page, items[item]).get_by_role("button", name="+", exact=True).click()
            wait_until(
                lambda item=item: dot_totals(store, code, DOT_VOTE)[item] == expected[item],
                what="the dot in the store",
            )
            t1 = time.monotonic()
            wait_table_cell(fac, items[item], 1, str(expected[item]))
            t2 = time.monotonic()
            record("vote: click + → facilitator table shows the new total", t2 - t0)
            record("vote: (of which) store has the dot → facilitator table", t2 - t1)
            expect(dots_shown(p.page, items[item])).to_have_text(re.compile(r"(^|\s)1$"))

        # Alice fills c1 up to the cap, then tries a fourth dot: refused, in words
        add_dot(alice.page, items["c1"], 2)
        add_dot(alice.page, items["c1"], 3)
        expected["c1"] += 2
        dot_row(alice.page, items["c1"]).get_by_role("button", name="+", exact=True).click()
        expect(alice.page.locator(".csikit-status")).to_contain_text("At most 3 dots on one item")
        expect(dots_shown(alice.page, items["c1"])).to_have_text(re.compile(r"(^|\s)3$"))
        shot(alice.page, "participant-1-dotvote-cap-refused")
        add_dot(alice.page, items["c2"], 1)
        add_dot(xss.page, items["c3"], 1)
        add_dot(bob.page, items["c4"], 1)
        add_dot(bob.page, items["c4"], 2)
        expected.update({"c2": 1, "c3": 1, "c4": 2})
        expect(alice.page.locator(".csikit-app")).to_contain_text("2 of 6 dots left")

        # the facilitator sees it all without a reload
        mark_page(fac)
        expect(fac.locator(".csikit-participation")).to_contain_text("3 of 3 have voted")
        for item, n in expected.items():
            wait_table_cell(fac, items[item], 1, str(n))
        assert not_reloaded(fac)
        table = {row[0]: int(row[1]) for row in results_rows(fac)}
        assert dot_totals(store, code, DOT_VOTE) == expected
        assert {k: v for k, v in table.items() if v} == {items[k]: v for k, v in expected.items()}
        assert set(table) == set(items.values())
        shot(fac, "facilitator-03-dotvote-votes")

        # --- lock; Alice's phone still shows the old screen and she clicks + on it
        before = store.responses(code, DOT_VOTE)
        alice.freezer.freeze()
        control(fac, "Lock").click()
        facilitator_state(fac, "locked")
        assert store.states(code)[DOT_VOTE] is ActivityState.LOCKED
        dot_row(alice.page, items["c5"]).get_by_role("button", name="+", exact=True).click()
        alice.freezer.thaw()
        expect(alice.page.locator(".csikit-status")).to_contain_text("closed")
        expect(alice.page.locator(".csikit-status [role=alert]")).to_be_visible()
        for n, p in enumerate(people, start=1):
            expect(p.page.locator(".csikit-app")).to_contain_text(CLOSED, timeout=FOLLOW_MS)
            shot(p.page, f"participant-{n}-dotvote-locked")
        assert store.responses(code, DOT_VOTE) == before, "a vote was stored after the lock"
        shot(fac, "facilitator-04-dotvote-locked")

        # --- reveal: participants see the totals
        control(fac, "Reveal").click()
        facilitator_state(fac, "revealed")
        for n, p in enumerate(people, start=1):
            expect(p.page.locator(".csikit-app")).to_contain_text("Results", timeout=FOLLOW_MS)
            expect(p.page.get_by_text(f"{items['c1']}: 4 dots (n=2)")).to_be_visible()
            expect(p.page.get_by_text(f"{items['c4']}: 2 dots (n=1)")).to_be_visible()
            shot(p.page, f"participant-{n}-dotvote-revealed")
        shot(fac, "facilitator-05-dotvote-revealed")

        # --- a Likert rating, answered in dropdowns
        select_activity(fac, rating.title)
        control(fac, "Open").click()
        wait_switched(people, rating.title, "store open → participant screen switched", store, code, LIKERT)
        facilitator_state(fac, "open")
        kpis = {i.id: i.text for i in store.status(code, LIKERT).items}
        labels = rating.score_labels(ws.maturity_scale)
        answers = [
            (alice, {"fcr": 4, "p1_restore": 2}),
            (xss, {"fcr": 5, "p1_restore": 3}),
            (bob, {"fcr": 4, "p1_restore": 3}),
        ]
        for n, (p, mine) in enumerate(answers, start=1):
            for kpi, value in mine.items():
                p.page.locator(".csikit-item", has_text=kpis[kpi]).locator("select").select_option(
                    label=f"{value} · {labels[value - 1]}"
                )
            expect(p.page.locator(".csikit-status")).to_contain_text("Saved.")
            wait_until(
                lambda p=p, mine=mine: (
                    {r.item: r.value for r in store.responses(code, LIKERT, participant=p.pid)} == mine
                ),
                what=f"{p.name}'s ratings in the store",
            )
            shot(p.page, f"participant-{n}-rating")
        expect(fac.locator(".csikit-participation")).to_contain_text("3 of 3 have rated")
        # columns: item, answers, median, middle half, flag (one value per item: no "on" column)
        wait_table_cell(fac, kpis["fcr"], 1, "3")
        wait_table_cell(fac, kpis["fcr"], 2, "4")
        wait_table_cell(fac, kpis["p1_restore"], 2, "3")
        wait_table_cell(fac, kpis["csat"], 1, "0")
        by_kpi: dict[str, list[int]] = {}
        for r in store.responses(code, LIKERT):
            by_kpi.setdefault(r.item, []).append(r.value)
        assert {k: sorted(v) for k, v in by_kpi.items()} == {
            "fcr": [4, 4, 5],
            "p1_restore": [2, 3, 3],
        }
        table = {row[0]: row for row in results_rows(fac)}
        assert table[kpis["fcr"]][2] == f"{statistics.median(by_kpi['fcr']):g}"
        assert table[kpis["p1_restore"]][2] == f"{statistics.median(by_kpi['p1_restore']):g}"
        shot(fac, "facilitator-06-rating-votes")

        control(fac, "Lock").click()
        facilitator_state(fac, "locked")
        for n, p in enumerate(people, start=1):
            expect(p.page.locator(".csikit-app")).to_contain_text(CLOSED)
            shot(p.page, f"participant-{n}-rating-locked")
        control(fac, "Reveal").click()
        facilitator_state(fac, "revealed")
        for n, p in enumerate(people, start=1):
            expect(p.page.get_by_text(re.compile(rf"^{re.escape(kpis['fcr'])}: median 4 \(.*n=3\)$"))).to_be_visible(
                timeout=FOLLOW_MS
            )
            expect(
                p.page.get_by_text(re.compile(rf"^{re.escape(kpis['p1_restore'])}: median 3 \(.*n=3\)$"))
            ).to_be_visible()
            shot(p.page, f"participant-{n}-rating-revealed")
        shot(fac, "facilitator-07-rating-revealed")
        assert not dialogs.seen, dialogs.seen
    finally:
        for p in people:
            p.close()


# --------------------------------------------------------------------------- test 2


def test_typed_html_shows_as_text(live, browser, fac, dialogs):
    store, ws = live.store, live.workshop
    code = ws.code
    ideas = ws.activity(IDEAS)
    p = open_participant(browser, live.participant_url, XSS_NAME, dialogs)
    try:
        join(p)
        expect(p.page.locator(".csikit-who b")).to_have_text(XSS_NAME)
        select_activity(fac, ideas.title)
        control(fac, "Open").click()
        expect(p.page.locator("h4", has_text=ideas.title)).to_be_visible()
        p.page.locator(IDEA_BOX).first.fill(XSS_IDEA)
        p.page.get_by_role("button", name="Send idea").click()
        expect(p.page.locator(".csikit-status")).to_contain_text("Idea sent")
        shot(p.page, "participant-xss-ideas")
        assert [i.text for i in store.ideas(code, IDEAS)] == [XSS_IDEA]

        # the facilitator's roster (in the join accordion) shows the name as text
        roster = fac.locator(".csikit-roster")
        if not roster.is_visible():
            fac.get_by_text("Join link, QR code and who has joined").click()
        expect(roster).to_be_visible()
        expect(roster).to_contain_text(XSS_NAME)
        # and the results table shows the idea as text
        expect(fac.locator("table.csikit-results")).to_contain_text(XSS_IDEA)
        assert any(XSS_IDEA in row for row in results_rows(fac))
        shot(fac, "facilitator-08-xss-ideas")
        for page in (fac, p.page):
            assert page.locator("img[src='x']").count() == 0, "a typed <img> became an element"
            assert page.locator(".csikit-app script, .csikit-facilitator script").count() == 0
        assert not dialogs.seen, dialogs.seen
    finally:
        p.close()


# --------------------------------------------------------------------------- test 3


def test_phone_screens_need_no_horizontal_scrolling(live, browser, dialogs):
    store, ws = live.store, live.workshop
    code = ws.code
    p = open_participant(browser, live.participant_url, "Pat", dialogs, shot_name="phone-join")
    try:
        assert scroll_width(p.page) <= PHONE["width"]
        assert sideways_scrollers(p.page) == []
        join(p)
        assert scroll_width(p.page) <= PHONE["width"]
        assert sideways_scrollers(p.page) == []
        for key, name in (
            (DOT_VOTE, "dotvote"),
            ("s3-impact-effort", "rating-impact-effort"),
            (LIKERT, "rating-likert"),
            ("s3-rank", "ranking"),
        ):
            open_now(store, code, key)
            expect(p.page.locator("h4", has_text=ws.activity(key).title)).to_be_visible()
            expect(p.page.locator(".csikit-item").first).to_be_visible()
            width = scroll_width(p.page)
            shot(p.page, f"phone-{name}")
            assert width <= PHONE["width"], f"{key}: the page is {width} px wide on a {PHONE['width']} px phone"
            assert sideways_scrollers(p.page) == [], f"{key}: parts of the screen scroll sideways"
    finally:
        p.close()


def test_a_refusal_at_the_bottom_of_a_long_list_is_in_view(live, browser, dialogs):
    """On a phone the status line sits above the list; while it says something it sticks to
    the top of the screen, so a refused click far down the list is never off-screen."""
    store, ws = live.store, live.workshop
    items = [i.text for i in ws.activity(DOT_VOTE).items]
    open_now(store, ws.code, DOT_VOTE)
    p = open_participant(browser, live.participant_url, "Scroller", dialogs)
    try:
        join(p)
        last = items[-1]
        for n in (1, 2, 3):
            add_dot(p.page, last, n)
        plus = dot_row(p.page, last).get_by_role("button", name="+", exact=True)
        plus.scroll_into_view_if_needed()
        plus.click()  # a fourth dot on one item: refused
        status = p.page.locator(".csikit-status")
        expect(status).to_contain_text("At most 3 dots on one item")
        box = status.bounding_box()
        shot(p.page, "phone-refusal-in-view")
        assert box is not None and 0 <= box["y"] and box["y"] + box["height"] <= PHONE["height"], (
            f"the refusal is off-screen at y={box and box['y']:.0f} on a {PHONE['height']} px screen"
        )
        assert scroll_width(p.page) <= PHONE["width"]
    finally:
        p.close()


# --------------------------------------------------------------------------- test 4


def test_rejoin_link_brings_back_identity_and_dots(live, browser, dialogs):
    store, ws = live.store, live.workshop
    code = ws.code
    items = {i.id: i.text for i in ws.activity(DOT_VOTE).items}
    open_now(store, code, DOT_VOTE)
    p = open_participant(browser, live.participant_url, "Rita", dialogs)
    try:
        join(p)
        pid = pid_of(store, code, "Rita")
        expect(p.page.locator("h4", has_text=ws.activity(DOT_VOTE).title)).to_be_visible()
        add_dot(p.page, items["c5"], 1)
        add_dot(p.page, items["c5"], 2)
        add_dot(p.page, items["c6"], 1)
        link = p.page.get_by_role("link", name="your rejoin link").get_attribute("href")
        assert link and "t=" in link and f"code={code}" in link
        joined = len(store.participants(code))

        t0 = time.monotonic()
        p.page.goto(link, timeout=RENDER_MS)
        expect(p.page.locator(".csikit-who")).to_contain_text("Joined as Rita", timeout=RENDER_MS)
        record("rejoin: goto rejoin link → 'Joined as' visible", time.monotonic() - t0)
        expect(p.page.get_by_role("button", name="Join", exact=True)).to_have_count(0)
        expect(dots_shown(p.page, items["c5"])).to_have_text(re.compile(r"(^|\s)2$"))
        expect(dots_shown(p.page, items["c6"])).to_have_text(re.compile(r"(^|\s)1$"))
        expect(p.page.locator(".csikit-app")).to_contain_text("3 of 6 dots left")
        shot(p.page, "participant-rejoined")
        assert len(store.participants(code)) == joined, "rejoining created a new participant"
        assert {r.item: r.value for r in store.responses(code, DOT_VOTE, participant=pid)} == {
            "c5": 2,
            "c6": 1,
        }
    finally:
        p.close()


# --------------------------------------------------------------------------- test 5

SECRETS = (
    b"facilitator_app",
    b"room_page",
    b"SQLite format 3",
    b"csikit: 1",
    b"CSIKIT_STORE",
    b"cookie_secret",
    b"Northwind",
)


def _leaks(body: bytes) -> list[bytes]:
    return [s for s in SECRETS if s in body]


def test_servers_refuse_what_they_must_not_serve(live, fac):
    fac_base = live.facilitator_url.split("?")[0].rstrip("/")
    # without the token: redirected to the login page, never the app
    for path in ("/", "/?token=wrong", "/voila/render/facilitator.ipynb", "/api/kernels"):
        chain, body = http_get(fac_base + path, max_redirects=0)
        status, _ = chain[-1]
        assert status == 302, f"{path}: {chain}"
        assert _leaks(body) == []
        chain, body = http_get(fac_base + path)
        assert "/login" in chain[-1][1], f"{path} did not end at the login page: {chain}"
        assert _leaks(body) == [], f"{path} leaked {_leaks(body)}"
    # with the token: the app (the browser's navigation; a second GET would start another heavy kernel)
    assert GOTO_STATUS.get("facilitator") == 200

    part_base = live.participant_url.split("?")[0].rstrip("/")
    for path in (
        "/voila/files/workshop.yaml",
        "/voila/files/facilitator.ipynb",
        "/voila/files/participant.ipynb",
        "/voila/render/facilitator.ipynb",
        "/facilitator.ipynb",
        "/../csikit.sqlite",
        "/store.sqlite",
        "/voila/files/../facilitator.ipynb",
        "/voila/files/%2e%2e/csikit/serve.py",
        "/voila/files/../../workshops/demo/workshop.yaml",
        "/voila/tree",
        "/tree",
        "/api/kernels",
        "/api/sessions",
        "/api/contents",
        "/api/contents/facilitator.ipynb",
        "/files/facilitator.ipynb",
    ):
        chain, body = http_get(part_base + path)
        status, final = chain[-1]
        assert status in (403, 404), f"{path}: {chain}"
        assert _leaks(body) == [], f"{path} leaked {_leaks(body)}"


# --------------------------------------------------------------------------- sanity of the agenda the tests use


def test_demo_agenda_has_what_the_browser_tests_use(live):
    ws = live.workshop
    assert ws.activity(DOT_VOTE).kind.value == "dot_vote" and len(ws.activity(DOT_VOTE).items) == 8
    assert (ws.activity(DOT_VOTE).budget, ws.activity(DOT_VOTE).cap) == (6, 3)
    assert ws.activity(LIKERT).kind.value == "rating"
    assert ws.activity(IDEAS).kind.value == "ideas"
