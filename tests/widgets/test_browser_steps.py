"""A facilitator walks the demo through steps 1 → 6 in a real browser while two
participants answer on phones; it ends with a new initiative in the CSI register
and the next cycle's workshop file.
"""

from __future__ import annotations

import re

import pytest

pytest.importorskip("playwright.sync_api")
pytest.importorskip("voila")

from browser_helpers import (  # noqa: E402 - after the skips
    FOLLOW_MS,
    RENDER_MS,
    Dialogs,
    control,
    facilitator_state,
    join,
    open_facilitator,
    open_participant,
    select_activity,
    shot,
)
from playwright.sync_api import expect  # noqa: E402

from csikit.workshop_file import load_workshop  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.server]

#: A locked activity's phone screen, whatever the kind calls it ("Voting closed.", "Rating closed." …).
CLOSED = re.compile(r"closed\. ?Your answers are kept")


def run_activity(fac, people, title: str, answer) -> None:
    """Open an activity, let every participant answer once, then lock it."""
    select_activity(fac, title)
    control(fac, "Open").click()
    facilitator_state(fac, "open")
    for p in people:
        expect(p.page.locator(".csikit-app h4")).to_have_text(title, timeout=FOLLOW_MS)
        answer(p.page)
    expect(fac.locator(".csikit-participation")).to_contain_text(f"{len(people)} of {len(people)}", timeout=FOLLOW_MS)
    control(fac, "Lock").click()
    facilitator_state(fac, "locked")
    for p in people:
        expect(p.page.locator(".csikit-app")).to_contain_text(CLOSED, timeout=FOLLOW_MS)


def send_idea(text: str):
    def answer(page) -> None:
        page.get_by_placeholder("Type one idea").fill(text)
        page.get_by_role("button", name="Send idea").click()
        expect(page.locator(".csikit-status")).to_contain_text("Idea sent")

    return answer


def choose_first(index: int):
    """Pick option ``index`` of the first dropdown (index 0 is "— choose —")."""

    def answer(page) -> None:
        page.locator(".csikit-app .csikit-item select").first.select_option(index=index)
        expect(page.locator(".csikit-status")).to_contain_text("Saved")

    return answer


def add_first_dot(page) -> None:
    page.locator(".csikit-item").first.get_by_role("button", name="+", exact=True).click()
    expect(page.locator(".csikit-app")).to_contain_text("dots left")
    expect(page.locator(".csikit-item").first).to_contain_text("1")


def consent(page) -> None:
    item = page.locator(".csikit-item").first
    item.locator("select").select_option(index=5)  # "4 · Good idea" (index 0 is "choose")
    item.get_by_role("button", name="Send").click()
    expect(page.locator(".csikit-status")).to_contain_text("Sent")


def open_step_tab(fac, step: int) -> None:
    fac.locator(".lm-TabBar-tab", has_text="Step results").first.click()
    fac.locator(".lm-TabBar-tab", has_text=re.compile(rf"^{step} ·")).first.click()
    expect(fac.locator(".csikit-facilitator")).to_contain_text(f"Step {step} ·")


def test_walk_the_six_steps(live_servers, browser, tmp_path):
    ws, store, code = live_servers.workshop, live_servers.store, live_servers.workshop.code
    dialogs = Dialogs()
    fac_context, fac = open_facilitator(browser, live_servers.facilitator_url, dialogs)
    people = [open_participant(browser, live_servers.participant_url, name, dialogs) for name in ("Ana", "Ben")]
    try:
        for p in people:
            join(p)
        title = {a.id: a.title for a in ws.agenda}

        # Step 1: problems (Ben's reads like TeX to matplotlib and MathJax), their impact on each
        # objective, which to solve first
        dollars = "Paid $50 for #1 and $20 for #2"
        ideas = {"Ana": "Phones ring out at night", "Ben": dollars}
        run_activity(
            fac,
            people,
            title["s1-problems"],
            lambda page: send_idea(next(ideas[p.name] for p in people if p.page is page))(page),
        )
        run_activity(fac, people, title["s1-impact"], choose_first(4))
        run_activity(fac, people, title["s1-top"], add_first_dot)
        shot(fac, "walk-step1-facilitator")
        # the step-1 panel: each chart a picture, the typed dollars as typed, nothing failed
        open_step_tab(fac, 1)
        expect(fac.locator(".csikit-facilitator")).to_contain_text(title["s1-top"], timeout=RENDER_MS)
        expect(fac.locator(".csikit-facilitator img:visible")).to_have_count(2, timeout=RENDER_MS)
        assert dollars in fac.locator(".csikit-facilitator").inner_text()
        assert fac.locator(".csikit-problem:visible").count() == 0
        shot(fac, "walk-step1-results")
        fac.locator(".lm-TabBar-tab", has_text="Run the room").first.click()
        # Step 2: maturity today
        run_activity(fac, people, title["s2-maturity"], choose_first(3))
        # Step 3: the candidates' vote, then the winners of step 1's vote become initiatives
        run_activity(fac, people, title["s3-vote"], add_first_dot)
        before = {i.id for i in store.initiatives(code)}
        open_step_tab(fac, 3)
        fac.locator(".widget-dropdown select").filter(
            has=fac.locator("option", has_text=title["s1-top"])
        ).first.select_option(label=title["s1-top"])
        fac.locator("button", has_text="Create initiatives from winners").click()
        expect(fac.locator(".csikit-facilitator")).to_contain_text("Added to the register", timeout=FOLLOW_MS)
        created = [i for i in store.initiatives(code) if i.id not in before]
        assert created and created[0].title == "Phones ring out at night" and created[0].voters == 2
        shot(fac, "walk-step3-results")
        fac.locator(".lm-TabBar-tab", has_text="Run the room").first.click()
        # Step 4: consent on the initiatives (the new one included)
        run_activity(fac, people, title["s4-consent"], consent)
        assert created[0].id in [i.id for i in store.status(code, "s4-consent").items]
        assert len(store.responses(code, "s4-consent")) == 2
        # Step 5: confidence per KPI; the step panel shows KPI progress
        run_activity(fac, people, title["s5-confidence"], choose_first(4))
        open_step_tab(fac, 5)
        expect(fac.locator(".csikit-facilitator")).to_contain_text("KPI progress toward target", timeout=RENDER_MS)
        shot(fac, "walk-step5-results")
        fac.locator(".lm-TabBar-tab", has_text="Run the room").first.click()
        # Step 6: wins, then the next cycle's workshop file
        run_activity(fac, people, title["s6-wins"], send_idea("Password resets fell by half"))
        open_step_tab(fac, 6)
        fac.get_by_placeholder("name of the next cycle's workshop folder").fill("demo-next")
        fac.locator("button", has_text="Write the next cycle").click()
        expect(fac.locator(".csikit-facilitator")).to_contain_text("Next cycle written to", timeout=RENDER_MS)
        shot(fac, "walk-step6-results")
        nxt = load_workshop(live_servers.tmp / "demo-next")
        assert nxt.code != code
        assert created[0].id in {i.id for i in nxt.initiatives}
        assert any("Password resets fell by half" == item.text for item in nxt.agenda[0].items)
        # The register tab lists the new initiative
        fac.locator(".lm-TabBar-tab", has_text="CSI register").first.click()
        expect(fac.locator(".csikit-facilitator")).to_contain_text(created[0].id)
        assert not dialogs.seen
    finally:
        for p in people:
            p.close()
        fac_context.close()
