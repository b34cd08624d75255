"""Start the servers of a live workshop.

The participant server is the room endpoint (:mod:`csikit.room`, a jupyter_server running
that extension alone) on the LAN: the join page as static files and one websocket per
phone, no kernel per phone. The facilitator server is Voila on the facilitator notebook
only, on 127.0.0.1, behind a token (console and presenter view). Secrets go to the servers
through private config files and the environment, never the command line or logs.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from .errors import CsiError
from .lan import lan_address  # noqa: F401 - re-exported
from .offline import voila_offline
from .paths import demo_source, notebooks_dir  # noqa: F401 - re-exported
from .servedir import WORKDIR_PREFIX, _alive, _children, clean_stale_workdirs, new_workdir  # noqa: F401 - re-exported
from .server_settings import CULL_IDLE_S, CULL_INTERVAL_S, ServerSettings  # noqa: F401 - re-exported


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@dataclass
class Servers:
    """The running room and facilitator servers and the links to them (the facilitator server
    also serves the presenter view, :attr:`presenter_url`)."""

    participant_url: str
    facilitator_url: str
    processes: list[subprocess.Popen] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)
    workdir: Path | None = None
    #: Held open (and ``flock``-ed) while the servers run: the private folder is in use.
    lock: object | None = field(default=None, repr=False)

    @property
    def presenter_url(self) -> str:
        """The presenter view for the room's projector: the facilitator's page (same token) with ``view=presenter``."""
        return f"{self.facilitator_url}{'&' if '?' in self.facilitator_url else '?'}view=presenter"

    def endpoints(self) -> list[tuple[subprocess.Popen, str, Path]]:
        """(process, URL, log) of every server, in the order to wait for them."""
        return list(zip(self.processes, (self.participant_url, self.facilitator_url), self.logs, strict=False))

    def wait_ready(self, timeout: float = 60) -> None:
        """Block until every server answers HTTP, or raise CsiError with the log's tail."""
        deadline = time.monotonic() + timeout
        for proc, url, log in self.endpoints():
            wait_http(proc, url, log, deadline)

    def stop(self, kernel_wait: float = 30) -> None:
        """Stop both servers and their kernels, and remove the private folder (token, cookie secret).

        A server exits while its last kernels are still shutting down: wait up to
        ``kernel_wait`` seconds for them, then kill what is left.
        """
        kernels = _children([p.pid for p in self.processes if p.poll() is None])
        for proc in self.processes:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        try:
            for proc in self.processes:
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
            deadline = time.monotonic() + kernel_wait
            while (left := [pid for pid in kernels if _alive(pid)]) and time.monotonic() < deadline:
                time.sleep(0.2)
            for pid in left:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
        finally:
            self._remove_workdir()

    def _remove_workdir(self) -> None:
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
        if self.lock is not None:
            self.lock.close()
            self.lock = None


def wait_http(proc: subprocess.Popen, url: str, log: Path | None, deadline: float) -> None:
    """Until the server at ``url`` answers HTTP at all (any status: it is up; a static path
    starts no kernel), or raise CsiError with its log's tail when it stops or the
    ``time.monotonic()`` deadline passes."""
    base = url.split("?")[0].replace("0.0.0.0", "127.0.0.1").rstrip("/")
    while True:
        if proc.poll() is not None:
            raise CsiError(f"A server stopped at start-up:\n{_tail(log) if log else ''}")
        try:
            urllib.request.urlopen(base + "/room/health", timeout=2)  # noqa: S310 - Voila answers 404: up too
            return
        except urllib.error.HTTPError:
            return
        except Exception:  # noqa: BLE001 - not up yet
            if time.monotonic() > deadline:
                raise CsiError(f"A server did not answer at {base} in time:\n{_tail(log) if log else ''}") from None
            time.sleep(0.3)


def _tail(log: Path, lines: int = 15) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def start_servers(settings: ServerSettings) -> Servers:
    """Start the room server and the facilitator's Voila; returns once launched (see ``wait_ready``).

    ``settings``: the store URL, workshop code, host, ports, token, workshop path, join URL,
    log folder and kernel culling (:class:`~csikit.server_settings.ServerSettings`; the store
    URL and code must be set). Nothing depends on how many people are expected: a phone
    costs a websocket, not a kernel, so the servers answer within seconds whatever the room's size.
    Their private folder (token, cookie secret; logs unless ``settings.log_dir``) is removed by
    ``Servers.stop``; stale folders of earlier runs are removed first.
    """
    settings.for_workshop()
    notebooks_dir()  # says what to do before anything is started
    token = settings.token or secrets.token_urlsafe(24)
    host, code = settings.host, settings.code
    public = lan_address() if host in ("0.0.0.0", "") else host
    participant_url = settings.join_url or f"http://{public}:{settings.participant_port}/?code={code}"
    facilitator_url = f"http://127.0.0.1:{settings.facilitator_port}/?token={token}"
    workdir, lock = new_workdir()
    servers = Servers(participant_url, facilitator_url, workdir=workdir, lock=lock)
    try:
        _launch(servers, settings, token=token, log_dir=settings.log_dir or workdir)
    except BaseException:
        servers.stop()
        raise
    return servers


def server_env(settings: ServerSettings, participant_url: str) -> dict[str, str]:
    """The environment of a csikit server's processes: this one's, with the store, workshop
    code, participants' link and (when given) the workshop's path."""
    env = {
        **os.environ,
        "CSIKIT_STORE": settings.store_url,
        "CSIKIT_WORKSHOP": settings.code,
        "CSIKIT_PARTICIPANT_URL": participant_url,
    }
    if settings.workshop_path:
        env["CSIKIT_WORKSHOP_PATH"] = str(Path(settings.workshop_path).resolve())
    return env


def _launch(servers: Servers, settings: ServerSettings, *, token: str, log_dir: Path) -> None:
    notebooks = notebooks_dir()
    workdir = servers.workdir
    env = server_env(settings, servers.participant_url)
    cull = [
        f"--MappingKernelManager.cull_idle_timeout={settings.cull_idle}",
        f"--MappingKernelManager.cull_interval={settings.cull_interval}",
        "--MappingKernelManager.cull_connected=False",
    ]
    participant_cmd, participant_env = room_command(
        settings.participant_port, settings.host, workdir / "participant", env
    )
    facilitator_cmd = [
        sys.executable,
        "-m",
        "voila",
        str(notebooks / "facilitator.ipynb"),
        "--no-browser",
        f"--port={settings.facilitator_port}",
        "--Voila.ip=127.0.0.1",
        *cull,
        *voila_offline(env),
        f"--Voila.config_file_paths={_config_dir(workdir / 'facilitator', {'token': token})}",
    ]
    # The facilitator's kernels ask their own server whether their page is still open
    # (csikit.widgets.common.page_connected): that server wants the token.
    facilitator_env = {**env, "CSIKIT_VOILA_TOKEN": token}
    for name, cmd, cmd_env in (
        ("participant", participant_cmd, participant_env),
        ("facilitator", facilitator_cmd, facilitator_env),
    ):
        log = log_dir / f"{name}.log"
        with open(log, "wb") as fh:
            proc = subprocess.Popen(
                cmd,
                env=cmd_env,
                stdout=fh,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                cwd=notebooks,
            )
        servers.processes.append(proc)
        servers.logs.append(log)


def room_command(port: int, host: str, folder: Path, env: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """The command line and environment of one room server: ``jupyter_server`` running the
    ``csikit.room`` extension alone (``folder``: a new private folder).

    Nothing else a phone never needs: every other server extension installed here is
    turned off (JupyterLab, Voila, terminals …), no terminals, no browser, an empty root
    folder for the (token-protected) contents API, and a random token nobody is given and
    the log never shows (jupyter_server prints ``?token=...`` for a token it did not generate).
    """
    folder.mkdir(mode=0o700)
    for sub in ("root", "runtime", "config"):
        (folder / sub).mkdir(mode=0o700)
    extensions = {name: False for name in installed_server_extensions()}
    extensions["csikit.room"] = True
    cmd = [
        sys.executable,
        "-m",
        "jupyter_server",
        "--no-browser",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.ip={host}",
        f"--ServerApp.jpserver_extensions={extensions!r}",
        "--ServerApp.terminals_enabled=False",
        f"--ServerApp.root_dir={folder / 'root'}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    room_env = {
        **env,
        "JUPYTER_TOKEN": secrets.token_urlsafe(24),
        "JUPYTER_RUNTIME_DIR": str(folder / "runtime"),
        "JUPYTER_CONFIG_DIR": str(folder / "config"),
    }
    return cmd, room_env


def installed_server_extensions() -> list[str]:
    """The jupyter_server extensions enabled in this environment's config (to turn off on a room server)."""
    try:
        from jupyter_core.paths import jupyter_config_path
        from jupyter_server.extension.config import ExtensionConfigManager

        return sorted(ExtensionConfigManager(read_config_path=jupyter_config_path()).get_jpserver_extensions())
    except Exception:  # noqa: BLE001 - none found: nothing to turn off
        return []


def _config_dir(folder: Path, voila: dict[str, str]) -> Path:
    """A private folder with a voila.py: secrets stay off the command line and out of logs."""
    folder.mkdir(mode=0o700)
    lines = [
        "import csikit.log_scrub; csikit.log_scrub.scrub_secrets_from_logs()  # request URLs may carry ?token= or &p=",
        "c.VoilaConfiguration.file_allowlist = []  # serve no file of the project",
        f"c.Voila.cookie_secret = bytes.fromhex({secrets.token_hex(32)!r})",
    ]
    lines += [f"c.Voila.{k} = {v!r}" for k, v in voila.items()]
    config = folder / "voila.py"
    config.write_text("\n".join(lines) + "\n")
    os.chmod(config, 0o600)
    return folder


def terminal_qr(url: str) -> str:
    """A QR code drawn with text, for the terminal."""
    import io

    import qrcode

    qr = qrcode.QRCode(border=1)
    qr.add_data(url)
    buf = io.StringIO()
    qr.print_ascii(out=buf, invert=True)
    return buf.getvalue()
