"""The whole demo agenda rehearsed the way a real room behaves.

A facilitator and three phones walk every activity of the demo workshop with messy
text (dollars, markup, emoji, right-to-left) in names and ideas; one phone reloads
mid-vote, one person opens a second tab, one phone's kernel is killed, and the
facilitator resets an activity (confirmed), then undoes it. Afterwards `csikit review`
runs on the same store. Zero errors on every screen and in every log, each phone is
one person, and the review HTML and every step HTML have their charts.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("playwright.sync_api")
pytest.importorskip("voila")

from browser_helpers import (  # noqa: E402 - after the skips
    FOLLOW_MS,
    RENDER_MS,
    Dialogs,
    control,
    dots_shown,
    facilitator_state,
    join,
    kernel_id,
    open_facilitator,
    open_participant,
    select_activity,
    shot,
)
from conftest import kernels_of  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.slow]

NAMES = ("Ana $5 <b>&</b> co", "שלום 👋 Ben", "Chen_{x}^2 \\alpha 100%")
IDEAS = (
    "$\\alert{3}$ and $x^2$",
    "Paid $50 for #1 and $20 for #2",
    "<script>alert(1)</script> مرحبا 🚀 50% _under_ ^caret^ {brace}",
)
#: Words that mean a screen shows a failure instead of what it should.
FAILURE_WORDS = re.compile(r"Something went wrong|Updating this page failed|could not be drawn|Traceback|"
                           r"Error:|NameError|ParseException|<Figure size")


def answer_for(kind: str, person: int):
    """What a phone does in an activity of ``kind``."""

    def ideas(page) -> None:
        page.get_by_placeholder("Type one idea").fill(IDEAS[person])
        page.get_by_role("button", name="Send idea").click()
        expect(page.locator(".csikit-status")).to_contain_text("Idea sent")

    def choose(page) -> None:
        page.locator(".csikit-app .widget-dropdown select").first.select_option(index=3)
        expect(page.locator(".csikit-status")).to_contain_text("Saved")

    def dot(page) -> None:
        page.locator(".csikit-item").first.get_by_role("button", name="+", exact=True).click()
        expect(page.locator(".csikit-app")).to_contain_text("dots left")
        expect(page.locator(".csikit-item .csikit-dots").first).to_have_text(re.compile(r"(^|\s)1$"))

    def rank(page) -> None:
        page.locator(".csikit-item").first.get_by_role("button", name="↓", exact=True).click()
        expect(page.locator(".csikit-status")).to_contain_text("Ranking saved")

    def consent(page) -> None:
        item = page.locator(".csikit-item").first
        item.locator("select").select_option(index=2)  # 1 finger: an objection
        item.locator("textarea").fill(f"Objection {IDEAS[person]}")
        item.get_by_role("button", name="Send").click()
        expect(page.locator(".csikit-status")).to_contain_text("Sent")

    def poll(page) -> None:  # the demo's one poll: yes / partly / no
        page.locator(".csikit-app").get_by_role("button", name="partly", exact=True).click()
        expect(page.locator(".csikit-status")).to_contain_text("Saved")

    return {"ideas": ideas, "rating": choose, "maturity": choose, "dot_vote": dot, "ranking": rank,
            "fist_of_five": consent, "poll": poll}[kind]


def screen_is_clean(page, who: str) -> None:
    text = page.locator("body").inner_text(timeout=FOLLOW_MS)
    bad = FAILURE_WORDS.search(text)
    assert bad is None, f"{who}'s screen shows {bad.group(0)!r}:\n{text[-1500:]}"
    broken = page.locator(".jupyter-widgets .fa-chain-broken, .jp-OutputArea-output .fa-unlink").count()
    assert broken == 0, f"{who}'s screen shows broken widget links"


def run_activity(fac, people, activity, *, reveal: bool) -> None:
    select_activity(fac, activity.title)
    control(fac, "Open").click()
    facilitator_state(fac, "open")
    for i, p in enumerate(people):
        expect(p.page.locator(".csikit-app h4")).to_have_text(activity.title, timeout=FOLLOW_MS)
        answer_for(activity.kind.value, i)(p.page)
    shot(people[0].page, f"rehearsal-phone-{activity.id}")
    expect(fac.locator(".csikit-participation")).to_contain_text(f"{len(people)} of {len(people)}")
    control(fac, "Lock").click()
    facilitator_state(fac, "locked")
    for p in people:
        expect(p.page.locator(".csikit-app")).to_contain_text("Voting closed")
    if reveal:
        control(fac, "Reveal").click()
        facilitator_state(fac, "revealed")
        for p in people:
            expect(p.page.locator(".csikit-app")).to_contain_text("Results")
        shot(fac, f"rehearsal-facilitator-{activity.id}")


def log_errors(paths: list[Path]) -> list[str]:
    """Error lines and tracebacks of the servers' logs."""
    out = []
    for path in paths:
        for line in path.read_text(errors="replace").splitlines():
            if "Traceback" in line or re.search(r"\[E \d|ERROR", line):
                out.append(f"{path.name}: {line}")
    return out


def test_rehearse_the_demo_with_a_messy_room(live_servers, browser, tmp_path):
    live, ws, store = live_servers, live_servers.workshop, live_servers.store
    code = ws.code
    dialogs = Dialogs()
    fac_context, fac = open_facilitator(browser, live.facilitator_url, dialogs)
    people = [open_participant(browser, live.participant_url, name, dialogs) for name in NAMES]
    extra_pages = []
    try:
        for p in people:
            join(p)
        assert len(store.participants(code)) == 3
        by_id = {a.id: a for a in ws.agenda}

        # Step 1 with the messy ideas; the dot vote on them is where the room misbehaves
        run_activity(fac, people, by_id["s1-problems"], reveal=True)
        for idea in IDEAS:
            expect(fac.locator("table.csikit-results")).to_contain_text(idea)
            expect(people[0].page.locator(".csikit-app")).to_contain_text(idea)
        run_activity(fac, people, by_id["s1-impact"], reveal=False)

        top = by_id["s1-top"]
        select_activity(fac, top.title)
        control(fac, "Open").click()
        for p in people:
            expect(p.page.locator(".csikit-app h4")).to_have_text(top.title)
        ana, ben, chen = people
        row = ana.page.locator(".csikit-item", has_text=IDEAS[1])
        row.get_by_role("button", name="+", exact=True).click()
        expect(dots_shown(ana.page, IDEAS[1])).to_have_text(re.compile(r"(^|\s)1$"))
        row.get_by_role("button", name="+", exact=True).click()
        expect(dots_shown(ana.page, IDEAS[1])).to_have_text(re.compile(r"(^|\s)2$"))

        # a reload mid-vote: the same person, the same dots, the budget intact
        ana.page.reload()
        expect(ana.page.locator(".csikit-who b")).to_have_text(NAMES[0], timeout=RENDER_MS)
        expect(ana.page.locator(".csikit-app h4")).to_have_text(top.title)
        expect(dots_shown(ana.page, IDEAS[1])).to_have_text(re.compile(r"(^|\s)2$"))
        expect(ana.page.locator(".csikit-app")).to_contain_text(f"{top.budget - 2} of {top.budget} dots left")
        assert len(store.participants(code)) == 3, "a reload joined a second time"

        # two tabs of one person: one ballot, each click counted against the store
        tab = ben.context.new_page()
        dialogs.watch(tab, "Ben's second tab")
        extra_pages.append(tab)
        tab.goto(live.participant_url, timeout=RENDER_MS)
        expect(tab.locator(".csikit-who b")).to_have_text(NAMES[1], timeout=RENDER_MS)
        tab.locator(".csikit-item", has_text=IDEAS[2]).get_by_role("button", name="+", exact=True).click()
        expect(dots_shown(tab, IDEAS[2])).to_have_text(re.compile(r"(^|\s)1$"))
        ben.page.locator(".csikit-item", has_text=IDEAS[2]).get_by_role("button", name="+", exact=True).click()
        expect(dots_shown(ben.page, IDEAS[2])).to_have_text(re.compile(r"(^|\s)2$"))
        mine = store.my_responses(code, store.participants(code)[1].id, "s1-top")
        assert sum(v for v, _ in mine.values()) == 2
        assert len(store.participants(code)) == 3, "a second tab joined a second time"

        # a killed kernel: the phone says so, and a tap brings the same person back
        chen.page.locator(".csikit-item").first.get_by_role("button", name="+", exact=True).click()
        expect(chen.page.locator(".csikit-item .csikit-dots").first).to_have_text(re.compile(r"(^|\s)1$"))
        kernel = kernel_id(chen.page)
        pid = kernels_of(live.servers.processes[0])[kernel]
        os.kill(pid, signal.SIGKILL)
        banner = chen.page.get_by_text(re.compile("Connection lost", re.I))
        expect(banner).to_be_visible(timeout=30_000)
        shot(chen.page, "rehearsal-connection-lost")
        banner.click()
        expect(chen.page.locator(".csikit-who b")).to_have_text(NAMES[2], timeout=RENDER_MS)
        expect(chen.page.locator(".csikit-item .csikit-dots").first).to_have_text(re.compile(r"(^|\s)1$"))
        assert len(store.participants(code)) == 3

        control(fac, "Lock").click()
        facilitator_state(fac, "locked")
        expect(fac.locator(".csikit-participation")).to_contain_text("3 of 3")
        votes = sorted((r.participant, r.item, r.value) for r in store.responses(code, "s1-top"))

        # a confirmed reset, then undone: nothing lost
        control(fac, "Reset").click()
        expect(fac.locator(".csikit-confirm")).to_contain_text(f"{len(votes)} answers from 3 people")
        shot(fac, "rehearsal-reset-question")
        fac.locator(".csikit-confirm button", has_text="Delete").click()
        facilitator_state(fac, "draft")
        assert store.responses(code, "s1-top") == []
        control(fac, "Undo reset").click()
        facilitator_state(fac, "locked")
        assert sorted((r.participant, r.item, r.value) for r in store.responses(code, "s1-top")) == votes
        control(fac, "Reveal").click()
        facilitator_state(fac, "revealed")
        for p in people:
            expect(p.page.locator(".csikit-app")).to_contain_text(IDEAS[1])
        expect(fac.locator(".csikit-facilitator img.csikit-live-chart")).to_be_visible()
        shot(fac, "rehearsal-s1-top-revealed")

        # the rest of the agenda, every activity
        for activity in ws.agenda:
            if activity.id in {"s1-problems", "s1-impact", "s1-top"}:
                continue
            run_activity(fac, people, activity, reveal=True)
        for p in [*people]:
            screen_is_clean(p.page, p.name)
            shot(p.page, f"rehearsal-end-{people.index(p)}")
        screen_is_clean(fac, "the facilitator")
        shot(fac, "rehearsal-end-facilitator")
        assert not dialogs.seen, dialogs.seen
        assert len(store.participants(code)) == 3
    finally:
        for page in extra_pages:
            page.close()
        for p in people:
            p.close()
        fac_context.close()

    # the quarterly review of the workshop just held
    reviews = tmp_path / "reviews"
    run = subprocess.run([sys.executable, "-m", "csikit", "review", str(live.tmp / "demo"), "--store",
                          store.url_for_kernels, "--out", str(reviews)],
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    htmls = sorted(reviews.rglob("*.html"))
    assert any(h.name == "review.html" for h in htmls), htmls
    assert len([h for h in htmls if h.name != "review.html"]) == 6, htmls
    for html in htmls:
        text = html.read_text(errors="replace")
        assert text.count("<img") >= 1, f"{html.name} has no chart"
        assert "<Figure size" not in text and "Traceback" not in text, html.name
    review = next(h for h in htmls if h.name == "review.html").read_text()
    assert "No workshop activity was locked or revealed" not in review
    assert "Paid $50 for #1 and $20 for #2" in review or "Paid $50 for #1 and $20 for #2".replace("&", "&amp;") in review
    time.sleep(1)
    assert log_errors(list(live.servers.logs)) == []
