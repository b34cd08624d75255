"""Facilitator click → presenter view delay, in a real browser.

    python benchmarks/presenter_delay.py [--clicks 20]

``csikit serve``'s two servers run on a fresh demo store with three joined participants.
Headless Debian chromium opens the facilitator console (1280×900) and the presenter view
(1920×1080, ``Servers.presenter_url``) side by side. The facilitator's Open/Reopen and Lock
buttons are clicked in turn on the dot vote, N times. A click's delay is the moment the
presenter page's state line shows the new state (a MutationObserver's ``Date.now()``) minus
the moment the click reached the facilitator page (a capturing listener's ``Date.now()``):
both on this machine's clock, in the browser. Goal: p95 ≤ 1 s (the issue: "follows the
facilitator within 1 s").

Floor, measured in the same run: the same changes written straight to the store by this
process (no browser click, no facilitator kernel) until the presenter page shows them — the
presenter's own part (its poll every 0.25 s, its redraw, the widget message to the page).
For reference: click → the facilitator's own screen shows the new state, and click → the
facilitator kernel's store write (the audit row's time): the part of the delay before the
presenter can see anything.
"""

from __future__ import annotations

import argparse
import os
import re
import time
from datetime import datetime

import _live as L

DOT_VOTE = "s3-vote"
SHOWN = {"open": "Answer on your phone", "lock": "Answers are closed"}

#: Installed in the presenter page: every change of the state line, with its time.
WATCH_PRESENTER = """() => {
  window.__seen = []; window.__last = null;
  const note = () => {
    const s = document.querySelector('.csikit-presenter .csikit-p-state');
    const main = document.querySelector('.csikit-presenter .csikit-p-main');
    const t = s && main && main.offsetParent !== null ? s.textContent.trim() : '';
    if (t !== window.__last) { window.__last = t; window.__seen.push([t, Date.now()]); }
  };
  new MutationObserver(note).observe(document.body,
    {subtree: true, childList: true, characterData: true, attributes: true});
  note();
}"""
#: Installed in the facilitator page: when each click arrived, and when its state label changed.
WATCH_FACILITATOR = """() => {
  window.__clicks = []; window.__states = []; window.__last = null;
  document.addEventListener('click', () => window.__clicks.push(Date.now()), true);
  new MutationObserver(() => {
    const s = document.querySelector('.csikit-state');
    const t = s ? s.textContent.trim() : '';
    if (t !== window.__last) { window.__last = t; window.__states.push([t, Date.now()]); }
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def _button(fac, names: str):
    return fac.locator(
        ".csikit-facilitator button.widget-button:not([disabled])", has_text=re.compile(rf"^\s*({names})\s*$")
    ).first


def _presenter_shows(page, text: str, after: int, timeout_ms: int = 20_000) -> int:
    """The presenter page's time (ms) when its state line first showed ``text`` after ``after``."""
    page.wait_for_function(
        "([t, after]) => window.__seen.some(([s, at]) => s === t && at >= after)", arg=[text, after], timeout=timeout_ms
    )
    return page.evaluate("([t, after]) => window.__seen.find(([s, at]) => s === t && at >= after)[1]", [text, after])


def measure(clicks: int = 20) -> dict:
    L.header(f"facilitator click → presenter view, {clicks} clicks")
    from playwright.sync_api import sync_playwright

    from csikit.serve import ServerSettings, free_port, start_servers
    from csikit.store import Store

    folder = L.tmpdir("presenter")
    url, ws = L.demo_store(folder)
    store = Store(url)
    code, title = ws.code, ws.activity(DOT_VOTE).title
    for name in ("Ada", "Bo", "Cy"):
        store.join(code, name)
    servers = start_servers(
        ServerSettings(
            url,
            code,
            host="127.0.0.1",
            participant_port=free_port(),
            facilitator_port=free_port(),
            workshop_path=str(folder / "demo"),
            log_dir=folder,
        )
    )
    out: dict = {"click": [], "floor": [], "echo": [], "write": []}
    try:
        servers.wait_ready(timeout=120)
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium",
                headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
            )
            fac = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            pres = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
            t0 = time.monotonic()
            fac.goto(servers.facilitator_url, timeout=120_000)
            fac.locator(".csikit-facilitator").wait_for(timeout=120_000)
            pres.goto(servers.presenter_url, timeout=120_000)
            pres.locator(".csikit-presenter").wait_for(timeout=120_000)
            print(f"   both pages up in {time.monotonic() - t0:.1f} s", flush=True)
            fac.locator(".csikit-facilitator button.widget-button", has_text=title).first.click()
            fac.locator(".csikit-state").filter(has_text="draft").wait_for(timeout=20_000)
            fac.evaluate(WATCH_FACILITATOR)
            pres.evaluate(WATCH_PRESENTER)

            for k in range(clicks):
                action = "open" if k % 2 == 0 else "lock"
                button = _button(fac, "Open|Reopen" if action == "open" else "Lock")
                button.wait_for(timeout=20_000)
                n = fac.evaluate("window.__clicks.length")
                button.click()
                fac.wait_for_function("n => window.__clicks.length > n", arg=n)
                clicked = fac.evaluate("window.__clicks[window.__clicks.length - 1]")
                shown = _presenter_shows(pres, SHOWN[action], clicked)
                out["click"].append((shown - clicked) / 1000)
                word = "open" if action == "open" else "locked"
                try:
                    fac.wait_for_function(
                        "([w, after]) => window.__states.some(([s, at]) => s.includes('· ' + w) && at >= after)",
                        arg=[word, clicked],
                        timeout=20_000,
                    )
                    seen = fac.evaluate(
                        "([w, after]) => window.__states.find(([s, at]) => s.includes('· ' + w) && at >= after)[1]",
                        [word, clicked],
                    )
                    out["echo"].append((seen - clicked) / 1000)
                except Exception:  # noqa: BLE001 - the console's markup is not what this measures
                    pass
            # the facilitator kernel's part: click → its store write (the audit row's time)
            clicks_at = fac.evaluate("window.__clicks")[-clicks:]
            writes = [
                e.at
                for e in store.events(code)
                if e.action in ("opened", "locked") and e.activity == DOT_VOTE and e.actor == "facilitator"
            ][-clicks:]
            epoch = datetime(1970, 1, 1)
            out["write"] = [
                ((w - epoch).total_seconds() * 1000 - c) / 1000 for c, w in zip(clicks_at, writes, strict=False)
            ]
            # the floor: the same changes written by this process, straight into the store
            for _ in range(clicks):
                action = "lock" if store.states(code)[DOT_VOTE].value == "open" else "open"
                written = int(time.time() * 1000)
                getattr(store, f"{action}_activity")(code, DOT_VOTE, actor="benchmark")
                shown = _presenter_shows(pres, SHOWN[action], written)
                out["floor"].append((shown - written) / 1000)
                time.sleep(0.3)  # a new change mid-redraw would measure the redraw twice
            browser.close()
    finally:
        servers.stop()
        store.close()
    return out


def report(out: dict) -> None:
    from csikit.widgets.facilitator import POLL_S

    def line(name: str, xs: list[float]) -> str:
        if not xs:
            return f"   {name}: no figures"
        return (
            f"   {name}: n={len(xs)}, p50 {L.percentile(xs, 50):.2f} s, p95 {L.percentile(xs, 95):.2f} s, "
            f"max {max(xs):.2f} s"
        )

    print(line("click → presenter view shows it", out["click"]))
    print(line("  of which click → the facilitator kernel's store write", out["write"]))
    print(line("floor: store write → presenter view shows it", out["floor"]))
    print(line("reference: click → the facilitator's own screen shows it", out["echo"]))
    print(
        f"   (the presenter polls every {POLL_S:g} s: "
        f"a change waits {POLL_S / 2:g} s on average before it is looked for)"
    )
    if out["click"]:
        p95 = L.percentile(out["click"], 95)
        print(f"   click → presenter p95 {p95:.2f} s: {L.verdict(p95, 1.0)}")
    print(f"   {L.load()} at end", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clicks", type=int, default=20)
    args = ap.parse_args()
    if not os.path.exists("/usr/bin/chromium"):
        raise SystemExit("Needs Debian's chromium at /usr/bin/chromium.")
    report(measure(args.clicks))


if __name__ == "__main__":
    main()
