"""Facilitator soak: memory of the facilitator's kernel over a long session.

    python benchmarks/facilitator_soak.py [--minutes 10] [--participants 30] [--broken]

The facilitator app runs in this process as in Voila (``FacilitatorApp``; its poll,
``tick()``, every ``POLL_S`` seconds) while simulated participants answer through the
store: the agenda is walked activity after activity (open, answers arriving, lock,
reveal; reset and round again when it ends), so the live chart and table are redrawn
as in a workshop. Two participants typed ``$50 … $20`` and ``$\\alert{3}$`` into the
problems (the ideas that froze the chart before). ``--broken`` also makes the dot-vote
chart fail on every draw (as the mathtext error did) to soak the failure path.

A warm-up round walks the whole agenda once first (every chart drawn once: matplotlib's
font and layout caches and the allocator's arenas fill up, ≈ 60 MB, once). Prints RSS
after it (the baseline), every minute and at the end, the growth, and the pyplot
figures left open. Goal: growth ≤ 20 MB over the soak.
"""

from __future__ import annotations

import argparse
import gc
import random
import time

import _live as L


def measure(
    minutes: float = 10.0, participants: int = 30, broken: bool = False, activity_seconds: float = 40.0, seed: int = 0
) -> dict:
    L.header(
        f"facilitator soak, {minutes:g} min, {participants} participants{' (dot-vote chart broken)' if broken else ''}"
    )
    import os

    import matplotlib.pyplot as plt

    from csikit import charts
    from csikit.errors import CsiError
    from csikit.model import ActivityKind
    from csikit.simulate import Simulation
    from csikit.store import Store
    from csikit.widgets.facilitator import POLL_S, FacilitatorApp

    folder = L.tmpdir("soak")
    url, ws = L.demo_store(folder)
    store = Store(url)
    code = ws.code
    rng = random.Random(seed)
    sim = Simulation(store, code, seed=seed)
    people = sim.join(participants)
    nasty = [r"$\alert{3}$ and $x^2$", "Paid $50 for #1 and $20 for #2"]
    drawn = {"charts": 0, "failed": 0}
    real_png = charts.to_png

    def counted_png(fig, dpi=90):
        try:
            png = real_png(fig, dpi)
        except Exception:
            drawn["failed"] += 1
            raise
        drawn["charts"] += 1
        return png

    charts.to_png = counted_png
    if broken:
        from matplotlib.artist import Artist

        class Boom(Artist):
            def draw(self, renderer):
                raise ValueError(r"\alert{3}: Unknown symbol")

        real_dots = charts.dot_tally_chart

        def dots(frame, title="Dot vote"):
            fig = real_dots(frame, title)
            fig.add_artist(Boom())
            return fig

        charts.dot_tally_chart = dots
    app = FacilitatorApp(store, code, poll=False)
    agenda = [a.id for a in ws.agenda]
    warm = time.monotonic()
    for key in agenda:  # the warm-up round: every activity answered, every chart drawn once
        app.select(key)
        app.open_activity()
        sim.fill(store.status(code, key))
        app.tick()
        app.lock_activity()
        app.reveal_activity()
        app.tick()
    for key in agenda:
        store.reset_activity(code, key)
    gc.collect()
    baseline = L.rss_mb(os.getpid())
    print(
        f"   warm-up round ({len(agenda)} activities, {drawn['charts']} charts) in {time.monotonic() - warm:.0f} s; "
        f"baseline RSS {baseline:.1f} MB",
        flush=True,
    )
    start = time.monotonic()
    end = start + 60 * minutes
    samples = []
    votes = refused = ticks = rounds = 0
    index, switched = -1, float("-inf")
    pid = os.getpid()
    try:
        while time.monotonic() < end:
            now = time.monotonic()
            if now - switched >= activity_seconds:  # the facilitator moves on
                if index >= 0:
                    app.lock_activity()
                    app.reveal_activity()
                index += 1
                if index == len(agenda):
                    index, rounds = 0, rounds + 1
                    for key in agenda:
                        store.reset_activity(code, key)
                app.select(agenda[index])
                app.open_activity()
                switched = now
                if agenda[index] == "s1-problems":
                    for person, text in zip(people, nasty, strict=False):
                        store.add_idea(code, person.id, "s1-problems", text)
            # answers arrive: a few people answer (or change their answer) each poll
            status = store.status(code, agenda[index])
            for person in rng.sample(people, k=min(len(people), rng.randint(0, 2))):
                try:
                    if status.activity.kind is ActivityKind.IDEAS and rng.random() < 0.7:
                        continue  # ideas arrive more slowly
                    sim.answer(person, status)
                    votes += 1
                except CsiError:
                    refused += 1
            app.tick()
            ticks += 1
            if ticks % max(1, int(60 / POLL_S)) == 0:
                samples.append(L.rss_mb(pid))
                garbage = gc.collect()
                print(
                    f"   {(time.monotonic() - start) / 60:4.1f} min: RSS {samples[-1]:.1f} MB "
                    f"({L.rss_mb(pid):.1f} MB after collecting {garbage} objects), {ticks} polls, "
                    f"{votes} answers, {drawn['charts']} charts drawn, {drawn['failed']} failed",
                    flush=True,
                )
            time.sleep(max(0.0, POLL_S - (time.monotonic() - now)))
    finally:
        app.close()
        charts.to_png = real_png
        store.close()
    gc.collect()
    final = L.rss_mb(pid)
    growth = final - baseline
    print(
        f"   {ticks} polls, {votes} answers ({refused} refused), {rounds} full rounds of the agenda, "
        f"{drawn['charts']} charts drawn, {drawn['failed']} failed; pyplot figures open: {len(plt.get_fignums())}"
    )
    print(
        f"   RSS: baseline {baseline:.1f} MB, end {final:.1f} MB, max {max(samples or [final]):.1f} MB; "
        f"growth {growth:+.1f} MB — {L.verdict(growth, 20)}"
    )
    print(f"   {L.load()} at end", flush=True)
    return {
        "growth_mb": growth,
        "baseline_mb": baseline,
        "final_mb": final,
        "charts": drawn["charts"],
        "failed": drawn["failed"],
        "polls": ticks,
    }


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--participants", type=int, default=30)
    ap.add_argument("--broken", action="store_true", help="make the dot-vote chart fail on every draw")
    ap.add_argument("--activity-seconds", type=float, default=40.0, help="seconds each activity stays open")
    args = ap.parse_args()
    result = measure(args.minutes, args.participants, args.broken, args.activity_seconds)
    raise SystemExit(0 if result["growth_mb"] <= 20 else 1)
