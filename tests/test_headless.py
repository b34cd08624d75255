"""Headless participants (csikit.testing) against the real participant Voila server.

Five participants join over the kernel websocket, the facilitator (through the store)
opens a dot vote, and they spend dots with the "+" buttons; the store must hold
exactly those dots.
"""

from __future__ import annotations

import asyncio

import pytest

pytest.importorskip("voila")

from csikit.testing import HeadlessError, HeadlessParticipant, gather_bounded  # noqa: E402

pytestmark = [pytest.mark.server]

DOT_VOTE = "s3-vote"
#: participant → item → dots (budget 6, at most 3 on one item)
PLAN = {
    "Loader 1": {"c1": 2, "c2": 1},
    "Loader 2": {"c3": 3},
    "Loader 3": {"c1": 1, "c4": 1, "c5": 1},
    "Loader 4": {"c6": 2},
    "Loader 5": {"c2": 1, "c3": 1, "c6": 1},
}


async def _vote(live) -> dict[str, dict[str, int]]:
    store, code = live.store, live.workshop.code
    texts = {i.id: i.text for i in live.workshop.activity(DOT_VOTE).items}
    people = [HeadlessParticipant(live.participant_url, timeout=120) for _ in PLAN]
    try:
        outcomes = await gather_bounded((p.connect() for p in people), 5)
        assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
        assert len({p.kernel_id for p in people}) == len(people), "each page must get its own kernel"
        await asyncio.gather(*(p.join(name) for p, name in zip(people, PLAN, strict=True)))
        if store.states(code)[DOT_VOTE].value != "open":
            store.open_activity(code, DOT_VOTE)

        async def spend(p: HeadlessParticipant, plan: dict[str, int]) -> None:
            await p.wait_for(lambda p: p.find(description="+"), timeout=60)
            spent = 0
            for item, dots in plan.items():
                for _ in range(dots):
                    await p.click(description="+", near_text=texts[item])
                    spent += 1
                    # one click at a time, as a person does: wait for the count to move
                    await p.wait_for(lambda p, s=spent: f"{6 - s} of 6 dots left" in p.text(), timeout=60)

        await asyncio.gather(*(spend(p, PLAN[name]) for p, name in zip(people, PLAN, strict=True)))
    finally:
        await asyncio.gather(*(p.close() for p in people))
    by_name = {p.id: p.name for p in store.participants(code)}
    stored: dict[str, dict[str, int]] = {}
    for r in store.responses(code, DOT_VOTE):
        stored.setdefault(by_name[r.participant], {})[r.item] = r.value
    return stored


def test_headless_participants_vote_into_the_store(live_servers):
    stored = asyncio.run(_vote(live_servers))
    assert {name: stored.get(name, {}) for name in PLAN} == PLAN


def test_forged_message_to_unknown_widget_is_harmless(live_servers):
    """send_update/send_custom are raw: they reach the kernel and the page keeps working."""

    async def run() -> str:
        async with HeadlessParticipant(live_servers.participant_url, timeout=120) as p:
            await p.send_custom("0" * 32, {"event": "click"})
            await p.send_update("0" * 32, {"value": "x"})
            await p.join("Forger")
            return p.text()

    assert "Joined as" in asyncio.run(run())


def test_rejoin_link_brings_the_participant_back(live_servers):
    """The rejoin token in the query reaches a preheated kernel after its page was ready-built."""

    async def run() -> str:
        async with HeadlessParticipant(live_servers.participant_url, timeout=120) as p:
            await p.join("Comeback")
        token = next(x.token for x in live_servers.store.participants(live_servers.workshop.code) if x.name == "Comeback")
        async with HeadlessParticipant(f"{live_servers.participant_url}&p={token}", timeout=120) as again:
            await again.wait_for(lambda p: "Joined as" in p.text() and "Comeback" in p.text(), timeout=60)
            return again.text()

    assert "Comeback" in asyncio.run(run())


def test_facilitator_page_with_binary_buffers_is_mirrored(live_servers):
    """The facilitator page holds an Image (the join QR code): its state arrives in binary
    frames. Voila loops for ever reading those for a client of the legacy protocol, so the
    load generator must speak v1 like a browser (benchmarks/vote_latency.py needs this)."""

    async def run() -> tuple[bytes, str]:
        async with HeadlessParticipant(live_servers.facilitator_url, timeout=120) as f:
            images = f.find(model_name="ImageModel")
            assert images, "the facilitator page shows the join QR code"
            png = f.states[images[0]]["value"]
            async with HeadlessParticipant(live_servers.participant_url, timeout=120) as p:
                await p.join("Seen by the facilitator")
            await f.wait_for(lambda f: "Seen by the facilitator" in f.text(), timeout=60)
            return png, f.text()

    png, text = asyncio.run(run())
    assert isinstance(png, bytes) and png.startswith(b"\x89PNG")
    assert "joined:" in text


def test_not_a_voila_page_is_reported():
    async def run() -> None:
        from tornado.httpserver import HTTPServer
        from tornado.web import Application, RequestHandler

        class Plain(RequestHandler):
            def get(self):
                self.write("<html>hello</html>")

        server = HTTPServer(Application([(r"/", Plain)]))
        socks = __import__("tornado.netutil", fromlist=["bind_sockets"]).bind_sockets(0, "127.0.0.1")
        server.add_sockets(socks)
        port = socks[0].getsockname()[1]
        try:
            with pytest.raises(HeadlessError, match="jupyter-config-data"):
                await HeadlessParticipant(f"http://127.0.0.1:{port}/", timeout=10).connect()
        finally:
            server.stop()

    asyncio.run(run())


def test_participant_kernel_does_not_import_voila():
    """Importing voila.utils in the kernel costs +43 MB per participant (benchmarks/kernel_memory.py)."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from csikit.widgets import participant_page as participant\n"
        "participant._wait_for_request()\n"
        "heavy = [m for m in ('voila', 'jupyter_server', 'nbconvert', 'pandas', 'matplotlib') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={k: v for k, v in __import__("os").environ.items() if k != "VOILA_PREHEAT"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
