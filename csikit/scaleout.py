"""Scale-out: several room servers (``csikit.room``) behind nginx, on one PostgreSQL store.

Each room process holds its phones' websockets and hears every change of the store
itself (PostgreSQL ``LISTEN csikit_room``), so any server can take any phone; routing is
still sticky per browser, so a person's tabs share one process and follow each other's
answers at once: nginx routes by a cookie it sets itself. The first request has no ``csikit_route`` cookie, so nginx
uses the request's random ``$request_id`` as the route, hashes it onto one server
(``hash … consistent``) and hands it back as the cookie; every later request of
that browser (the room websocket, static files, a reload) carries the cookie and
lands on the same server. Only stock modules are used (``map``, ``upstream hash``,
``add_header``), so Debian's nginx works without the commercial ``sticky``
module; ``ip_hash`` is avoided because a whole room behind one Wi-Fi NAT shares
one address. Websocket upgrades are passed through (HTTP/1.1, ``Upgrade`` and
``Connection`` headers) and page rendering is not buffered.

``csikit serve --participant-servers N --store postgresql+psycopg://…`` runs it on
one machine: N participant servers on 127.0.0.1, nginx on the public port, one
facilitator server. For servers on several machines, write the config with
``python -m csikit.scaleout --backend hostA:8866 --backend hostB:8866 --listen 0.0.0.0:8080``,
start ``csikit serve`` (or a room server) on each backend machine with the
same PostgreSQL ``--store``, and run nginx with that config.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .errors import CsiError
from .serve import (
    Servers,
    free_port,
    lan_address,
    room_command,
    server_env,
    start_servers,
)
from .server_settings import ServerSettings

NGINX = "/usr/sbin/nginx"
ROUTE_COOKIE = "csikit_route"
#: nginx adds this header to every answer: which participant server answered (for tests and debugging).
UPSTREAM_HEADER = "X-Csikit-Upstream"


def nginx_binary() -> str:
    found = shutil.which("nginx") or (NGINX if os.path.exists(NGINX) else "")
    if not found:
        raise CsiError("Scale-out needs nginx (Debian: apt-get install nginx-light); it was not found.")
    return found


def nginx_config(backends: list[str], listen: str, prefix: Path | str | None = None, *, connections: int = 4096) -> str:
    """An nginx config that spreads participants over ``backends`` ("host:port") with sticky routing.

    ``prefix``: a private folder for nginx's pid, logs and temp files (default: nginx's own).
    """
    if not backends:
        raise CsiError("Scale-out needs at least one participant server.")
    paths = ""
    if prefix is not None:
        p = Path(prefix)
        paths = f"pid {p / 'nginx.pid'};\nerror_log {p / 'error.log'} warn;\n"
        http_paths = (
            "".join(
                f"    {name}_temp_path {p / name};\n" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
            )
            + f"    access_log {p / 'access.log'};\n"
        )
    else:
        http_paths = ""
    user = ""
    if prefix is not None and hasattr(os, "geteuid") and os.geteuid() == 0:
        import pwd

        user = f"user {pwd.getpwuid(0).pw_name};\n"  # workers write temp files into the private prefix
    servers = "".join(f"        server {b} max_fails=0;\n" for b in backends)
    return f"""# csikit participant servers behind nginx, sticky by cookie (written by csikit.scaleout)
{user}worker_processes 1;
{paths}events {{ worker_connections {connections}; }}

http {{
{http_paths}    # The route: the browser's csikit_route cookie, or a new random one on its first request.
    map $cookie_{ROUTE_COOKIE} $csikit_route {{
        "~^(?<route>[0-9a-f]{{32}})$" $route;
        default $request_id;
    }}
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        "" close;
    }}
    upstream csikit_participants {{
        hash $csikit_route consistent;
{servers}    }}
    server {{
        listen {listen};
        location / {{
            proxy_pass http://csikit_participants;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_buffering off;
            proxy_read_timeout 12h;
            proxy_send_timeout 12h;
            add_header Set-Cookie "{ROUTE_COOKIE}=$csikit_route; Path=/; HttpOnly; SameSite=Lax" always;
            add_header {UPSTREAM_HEADER} $upstream_addr always;
        }}
    }}
}}
"""


@dataclass
class ScaledServers(Servers):
    """N participant servers, nginx in front of them and one facilitator server."""

    backend_urls: list[str] = field(default_factory=list)
    nginx_conf: Path | None = None

    def endpoints(self) -> list[tuple[subprocess.Popen, str, Path]]:
        """Every participant server, then nginx, then the facilitator."""
        urls = [*self.backend_urls, self.participant_url, self.facilitator_url]
        # processes: [backend 1, facilitator, backend 2 … N, nginx]
        procs = [self.processes[0], *self.processes[2:-1], self.processes[-1], self.processes[1]]
        logs = [self.logs[0], *self.logs[2:-1], self.logs[-1], self.logs[1]]
        return list(zip(procs, urls, logs, strict=True))


def start_scaled(settings: ServerSettings) -> ScaledServers:
    """Start ``settings.participant_servers`` room servers on 127.0.0.1 behind nginx on
    ``settings.host:settings.participant_port``, and the facilitator server. Each room server holds its phones'
    websockets and hears the store's changes itself (PostgreSQL LISTEN/NOTIFY).

    The participants' link is this nginx's (``settings.join_url`` is not used)."""
    settings.for_workshop()
    nginx = nginx_binary()
    host, participant_port = settings.host, settings.participant_port
    public = lan_address() if host in ("0.0.0.0", "") else host
    public_url = f"http://{public}:{participant_port}/?code={settings.code}"
    ports = [free_port() for _ in range(settings.participant_servers)]
    base = start_servers(settings.replace(host="127.0.0.1", participant_port=ports[0], join_url=public_url))
    servers = ScaledServers(
        public_url,
        base.facilitator_url,
        list(base.processes),
        list(base.logs),
        base.workdir,
        base.lock,
        backend_urls=[f"http://127.0.0.1:{p}/" for p in ports],
    )
    try:
        workdir = base.workdir
        logs = settings.log_dir or workdir
        env = server_env(settings, public_url)
        for i, port in enumerate(ports[1:], start=2):
            cmd, cmd_env = room_command(port, "127.0.0.1", workdir / f"participant{i}", env)
            log = logs / f"participant{i}.log"
            with open(log, "wb") as fh:
                servers.processes.append(
                    subprocess.Popen(
                        cmd,
                        env=cmd_env,
                        stdout=fh,
                        stderr=subprocess.STDOUT,
                        stdin=subprocess.DEVNULL,
                        start_new_session=True,
                    )
                )
            servers.logs.append(log)
        prefix = workdir / "nginx"
        prefix.mkdir(mode=0o700)
        listen = f"{'' if host in ('0.0.0.0', '') else host + ':'}{participant_port}"
        conf = prefix / "nginx.conf"
        conf.write_text(nginx_config([f"127.0.0.1:{p}" for p in ports], listen, prefix))
        servers.nginx_conf = conf
        log = logs / "nginx.log"
        with open(log, "wb") as fh:
            servers.processes.append(
                subprocess.Popen(
                    [nginx, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(conf), "-g", "daemon off;"],
                    stdout=fh,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )
            )
        servers.logs.append(prefix / "error.log")
    except BaseException:
        servers.stop()
        raise
    return servers


def main(argv: list[str] | None = None) -> None:
    """Print an nginx config for participant servers on other machines."""
    ap = argparse.ArgumentParser(prog="python -m csikit.scaleout", description=main.__doc__)
    ap.add_argument(
        "--backend", action="append", required=True, metavar="HOST:PORT", help="A participant server (repeat)."
    )
    ap.add_argument("--listen", default="0.0.0.0:8080", help="Where nginx listens (default: %(default)s).")
    ap.add_argument(
        "--prefix", default=None, help="Folder for nginx's pid, logs and temp files (default: nginx's own)."
    )
    args = ap.parse_args(argv)
    print(nginx_config(args.backend, args.listen, args.prefix or None), end="")


if __name__ == "__main__":
    main()
