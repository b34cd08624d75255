"""`csikit serve` end to end on the room endpoint: the facilitator's Voila and the room server,
phones on websockets, and no Python kernel per phone."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request

import pytest
from conftest import LIVE_TOKEN, _process_tree, copy_demo
from room_servers import CODE, POLL, Phone

pytestmark = [pytest.mark.server]


def test_serve_runs_the_room_endpoint_and_no_kernel_per_phone(tmp_path):
    from csikit.serve import ServerSettings, free_port, start_servers
    from csikit.store import Store
    from csikit.workshop_file import load_workshop

    folder = copy_demo(tmp_path / "demo")
    ws = load_workshop(folder)
    url = f"sqlite:///{tmp_path}/store.sqlite"
    store = Store(url)
    store.sync_workshop(ws)
    t0 = time.monotonic()
    servers = start_servers(
        ServerSettings(
            url,
            ws.code,
            host="127.0.0.1",
            participant_port=free_port(),
            facilitator_port=free_port(),
            token=LIVE_TOKEN,
            log_dir=tmp_path,
            workshop_path=str(folder),
        )
    )
    try:
        servers.wait_ready(timeout=60)
        ready = time.monotonic() - t0
        room = servers.participant_url.split("/?")[0]
        page = urllib.request.urlopen(servers.participant_url, timeout=10)  # the link of the QR code
        assert page.status == 200 and page.url.endswith(f"/room/?code={CODE}")
        assert b"<html" in page.read().lower()
        assert urllib.request.urlopen(servers.facilitator_url, timeout=120).status == 200  # the console renders

        async def main():
            phones = [await Phone.open(room) for _ in range(50)]
            for i, p in enumerate(phones):
                await p.hello()
                await p.join(f"P{i}")
            store.open_activity(CODE, POLL)
            await asyncio.gather(*(p.screen(lambda s: s["phase"] == "answering") for p in phones))
            for p in phones:
                seq = await p.send({"type": "answer", "activity": POLL, "values": {"yes": 1}})
                assert (await p.ack(seq))["ok"]
            for p in phones:
                p.close()

        asyncio.run(asyncio.wait_for(main(), 120))
        assert len(store.responses(CODE, POLL)) == 50
        participant, facilitator = servers.processes[0], servers.processes[1]
        assert _process_tree([participant.pid]) == {participant.pid}, "the room server started a process (a kernel?)"
        # the only Python kernels of this workshop are the facilitator server's (the console's page)
        kernels = [pid for pid in _process_tree([facilitator.pid]) if "ipykernel" in _cmdline(pid)]
        assert 1 <= len(kernels) <= 2, kernels
        logs = (tmp_path / "participant.log").read_text()
        assert "Traceback" not in logs and LIVE_TOKEN not in logs
        health = json.loads(urllib.request.urlopen(room + "/room/health").read())
        assert health["ok"] and health["backend"] == "sqlite"
    finally:
        servers.stop()
        store.close()
    print(f"servers ready in {ready:.1f} s")
    assert ready < 30  # the goal (5 s) is measured on a quiet machine; here ~7 agents share 2 cores


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""
