"""Scale-out: two participant Voila servers behind nginx (sticky by cookie), one PostgreSQL store.

Headless participants (csikit.testing) join through nginx until both servers hold
some of them; each vote goes through its own server's kernel into the one store,
and one facilitator sees every participant and every dot.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import urllib.request

import pytest

from csikit.scaleout import ROUTE_COOKIE, UPSTREAM_HEADER, nginx_binary, nginx_config


def _have_nginx() -> bool:
    try:
        nginx_binary()
        return True
    except Exception:  # noqa: BLE001
        return False


needs_nginx = pytest.mark.skipif(not _have_nginx(), reason="nginx is not installed")


@needs_nginx
def test_nginx_accepts_the_config(tmp_path):
    conf = tmp_path / "nginx.conf"
    conf.write_text(nginx_config(["127.0.0.1:9001", "127.0.0.1:9002"], "127.0.0.1:9000", tmp_path))
    out = subprocess.run(
        [nginx_binary(), "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(conf)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode == 0, out.stderr
    text = conf.read_text()
    assert "hash $csikit_route consistent" in text and f"$cookie_{ROUTE_COOKIE}" in text
    assert "proxy_set_header Upgrade $http_upgrade" in text and "ip_hash" not in text


def test_config_for_remote_backends_prints(capsys):
    from csikit.scaleout import main

    main(["--backend", "10.0.0.2:8866", "--backend", "10.0.0.3:8866", "--listen", "0.0.0.0:8080"])
    out = capsys.readouterr().out
    assert "server 10.0.0.2:8866" in out and "server 10.0.0.3:8866" in out and "listen 0.0.0.0:8080;" in out


@needs_nginx
@pytest.mark.server
@pytest.mark.postgres
def test_two_room_servers_behind_nginx_on_postgresql(pg_store_url, tmp_path):
    """The room endpoint scaled out: phones' websockets go through nginx to two room processes,
    each hears the store's NOTIFY, and every answer is stored once."""
    import json
    import time

    from room_servers import CODE, POLL, Phone

    from csikit.scaleout import start_scaled
    from csikit.serve import ServerSettings, demo_source, free_port
    from csikit.store import Store
    from csikit.workshop_file import load_workshop

    folder = tmp_path / "demo"
    shutil.copytree(demo_source(), folder, ignore=shutil.ignore_patterns("*.sqlite*"))
    ws = load_workshop(folder)
    store = Store(pg_store_url)
    store.sync_workshop(ws)
    servers = start_scaled(
        ServerSettings(
            pg_store_url,
            ws.code,
            participant_servers=2,
            host="127.0.0.1",
            participant_port=free_port(),
            facilitator_port=free_port(),
            log_dir=tmp_path,
        )
    )
    backends = {u.split("//")[1].rstrip("/") for u in servers.backend_urls}
    base = servers.participant_url.split("/?")[0]

    async def run() -> set[str]:
        phones, upstreams = [], set()
        while len(phones) < 24 and not (upstreams == backends and len(phones) >= 8):
            p = await Phone.open(base)
            upstreams.add(p.ws.headers.get(UPSTREAM_HEADER))
            await p.hello()
            await p.join(f"Scaled {len(phones)}")
            phones.append(p)
        t0 = time.monotonic()
        store.open_activity(CODE, POLL)
        await asyncio.gather(*(p.screen(lambda s: s["phase"] == "answering") for p in phones))
        assert time.monotonic() - t0 < 5
        for p in phones:
            seq = await p.send({"type": "answer", "activity": POLL, "values": {"yes": 1}})
            assert (await p.ack(seq))["ok"]
        for p in phones:
            p.close()
        return upstreams, len(phones)

    try:
        servers.wait_ready(timeout=120)
        for url in servers.backend_urls:  # both listen before the first change
            deadline = time.monotonic() + 30
            while not json.loads(urllib.request.urlopen(url + "room/health").read())["listening"]:
                assert time.monotonic() < deadline
                time.sleep(0.2)
        upstreams, n = asyncio.run(asyncio.wait_for(run(), 180))
    finally:
        servers.stop()
    assert upstreams == backends
    assert len(store.responses(CODE, POLL)) == n
    store.close()
