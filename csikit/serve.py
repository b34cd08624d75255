"""Start the two Voila servers of a live workshop.

The participant server serves the participant notebook only, on the LAN, with a
preheated kernel pool and culling of idle, disconnected kernels. The facilitator
server serves the facilitator notebook only, on 127.0.0.1, behind a token.
Secrets go to Voila through a private config file, never the command line or logs.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from .errors import CsiError

#: RSS of one participant kernel: 85 MB measured (benchmarks/kernel_memory.py), plus headroom.
KERNEL_MB = 100
CULL_IDLE_S = 300
CULL_INTERVAL_S = 60


def notebooks_dir() -> Path:
    """The folder holding the apps' notebooks (in the package when installed, else the repo)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "notebooks", here.parent / "notebooks"):
        if (candidate / "participant.ipynb").is_file():
            return candidate
    raise CsiError("Cannot find the csikit notebooks (participant.ipynb); reinstall csikit.")


def demo_source() -> Path:
    """The bundled demo workshop (in the package when installed, else the repo)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "workshops" / "demo", here.parent / "workshops" / "demo"):
        if (candidate / "workshop.yaml").is_file():
            return candidate
    raise CsiError("Cannot find the bundled demo workshop; reinstall csikit.")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def lan_address() -> str:
    """This machine's address that other devices on the LAN can reach (best guess, no traffic sent)."""
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        return "127.0.0.1"
    for *_, addr in infos:
        if not addr[0].startswith("127."):
            return addr[0]
    return "127.0.0.1"


def pool_refill_delay(expected: int) -> float:
    """Seconds before Voila replaces a preheated kernel someone took.

    Voila's default (1 s) starts a new kernel for every arrival while the room is still
    arriving: 100 people at once meant 100 kernel starts competing with their own page
    loads, and everyone waited ≈ 51 s instead of ≈ 2 s (benchmarks/join_time.py). The
    pool already holds everyone expected, so the refill waits until a burst of that
    size is served (≈ 0.3 s per person, 1–60 s); a small room still refills at once.
    """
    return round(min(60.0, max(1.0, 0.3 * expected)), 1)


def pool_size(expected: int) -> int:
    """Preheated kernels for an expected audience: everyone, plus a margin for reloads."""
    return max(1, expected + max(2, expected // 10))


def capacity(total_mb: int | None = None) -> int:
    """How many participant kernels fit in this machine's memory, leaving 2 GiB for the rest."""
    if total_mb is None:
        try:
            total_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
        except (ValueError, OSError, AttributeError):
            return 10**6
    return max(0, (total_mb - 2048) // KERNEL_MB)


@dataclass
class Servers:
    """Two running Voila processes and the links to them."""

    participant_url: str
    facilitator_url: str
    processes: list[subprocess.Popen] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)
    workdir: Path | None = None

    def endpoints(self) -> list[tuple[subprocess.Popen, str, Path]]:
        """(process, URL, log) of every server, in the order to wait for them."""
        return list(zip(self.processes, (self.participant_url, self.facilitator_url), self.logs, strict=False))

    def wait_ready(self, timeout: float = 60) -> None:
        """Block until every server answers HTTP, or raise CsiError with the log's tail."""
        deadline = time.monotonic() + timeout
        for proc, url, log in self.endpoints():
            wait_http(proc, url, log, deadline)

    def stop(self) -> None:
        """Stop both servers and their kernels."""
        for proc in self.processes:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for proc in self.processes:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def wait_http(proc: subprocess.Popen, url: str, log: Path | None, deadline: float) -> None:
    """Until the server at ``url`` answers HTTP at all (any status: it is up; a static path
    starts no kernel), or raise CsiError with its log's tail when it stops or the
    ``time.monotonic()`` deadline passes."""
    base = url.split("?")[0].replace("0.0.0.0", "127.0.0.1").rstrip("/")
    while True:
        if proc.poll() is not None:
            raise CsiError(f"A server stopped at start-up:\n{_tail(log) if log else ''}")
        try:
            urllib.request.urlopen(base + "/voila/static/favicon.ico", timeout=2)  # noqa: S310
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


def start_servers(
    store_url: str,
    code: str,
    *,
    host: str = "0.0.0.0",
    participant_port: int = 8866,
    facilitator_port: int = 8867,
    token: str | None = None,
    expected: int = 30,
    preheat: bool = True,
    workshop_path: str = "",
    log_dir: Path | None = None,
    cull_idle: int = CULL_IDLE_S,
    cull_interval: int = CULL_INTERVAL_S,
    public_url: str = "",
) -> Servers:
    """Start the participant and facilitator Voila servers; returns once launched (see ``wait_ready``).

    ``public_url``: the participants' link when they reach the server through a proxy (scale-out).
    """
    notebooks = notebooks_dir()
    token = token or secrets.token_urlsafe(24)
    public = lan_address() if host in ("0.0.0.0", "") else host
    participant_url = public_url or f"http://{public}:{participant_port}/?code={code}"
    facilitator_url = f"http://127.0.0.1:{facilitator_port}/?token={token}"
    workdir = Path(tempfile.mkdtemp(prefix="csikit-serve-"))
    os.chmod(workdir, 0o700)
    log_dir = log_dir or workdir
    env = {**os.environ, "CSIKIT_STORE": store_url, "CSIKIT_WORKSHOP": code, "CSIKIT_PARTICIPANT_URL": participant_url}
    if workshop_path:
        env["CSIKIT_WORKSHOP_PATH"] = str(Path(workshop_path).resolve())
    cull = [
        f"--MappingKernelManager.cull_idle_timeout={cull_idle}",
        f"--MappingKernelManager.cull_interval={cull_interval}",
        "--MappingKernelManager.cull_connected=False",
    ]
    participant_cmd = participant_command(participant_port, host, workdir / "participant", expected=expected,
                                          preheat=preheat, cull=cull)
    facilitator_cmd = [
        sys.executable, "-m", "voila", str(notebooks / "facilitator.ipynb"), "--no-browser",
        f"--port={facilitator_port}", "--Voila.ip=127.0.0.1", *cull,
        f"--Voila.config_file_paths={_config_dir(workdir / 'facilitator', {'token': token})}",
    ]
    servers = Servers(participant_url, facilitator_url, workdir=workdir)
    # The facilitator's kernels ask their own server whether their page is still open
    # (csikit.widgets.common.page_connected): that server wants the token.
    facilitator_env = {**env, "CSIKIT_VOILA_TOKEN": token}
    for name, cmd, cmd_env in (("participant", participant_cmd, env), ("facilitator", facilitator_cmd, facilitator_env)):
        log = log_dir / f"{name}.log"
        with open(log, "wb") as fh:
            proc = subprocess.Popen(cmd, env=cmd_env, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=True, cwd=notebooks)
        servers.processes.append(proc)
        servers.logs.append(log)
    return servers


def participant_command(port: int, host: str, config: Path, *, expected: int, preheat: bool, cull: list[str]) -> list[str]:
    """The command line of one participant Voila server (``config``: a new private folder)."""
    cmd = [
        sys.executable, "-m", "voila", str(notebooks_dir() / "participant.ipynb"), "--no-browser",
        f"--port={port}", f"--Voila.ip={host}", *cull,
        # kernels talk to the server over unix sockets: no TCP port race when a big pool starts at once
        "--KernelManager.transport=ipc",
        f"--Voila.config_file_paths={_config_dir(config, {})}",
    ]
    if preheat:
        cmd += ["--preheat_kernel=True", f"--pool_size={pool_size(expected)}",
                f"--VoilaKernelManager.fill_delay={pool_refill_delay(expected)}"]
    return cmd


def _config_dir(folder: Path, voila: dict[str, str]) -> Path:
    """A private folder with a voila.py: secrets stay off the command line and out of logs."""
    folder.mkdir(mode=0o700)
    lines = [
        "import csikit.serve; csikit.serve.scrub_secrets_from_logs()  # request URLs may carry ?token= or &p=",
        "c.VoilaConfiguration.file_allowlist = []  # serve no file of the project",
        f"c.Voila.cookie_secret = bytes.fromhex({secrets.token_hex(32)!r})",
    ]
    lines += [f"c.Voila.{k} = {v!r}" for k, v in voila.items()]
    config = folder / "voila.py"
    config.write_text("\n".join(lines) + "\n")
    os.chmod(config, 0o600)
    return folder


_SECRET_QUERY = re.compile(r"(?i)\b(token|p|_xsrf)=[^&\s#'\"]+")
_LOGGERS = ("tornado.access", "tornado.application", "tornado.general", "Voila", "ServerApp", "")


class _ScrubSecrets(logging.Filter):
    """Replaces the values of ``token=``, ``p=`` (a rejoin token) and ``_xsrf=`` in a log line."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - leave a record we cannot format alone
            return True
        scrubbed = _SECRET_QUERY.sub(r"\1=[secret]", message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, ()
        return True


def scrub_secrets_from_logs() -> None:
    """Keep tokens out of a Voila server's log (called by the server's private voila.py).

    Tornado logs the full request URI of failed requests (``404 GET /x?token=…``), and
    Voila does not install jupyter_server's scrubbing request logger.
    """
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _ScrubSecrets) for f in logger.filters):
            logger.addFilter(_ScrubSecrets())


def terminal_qr(url: str) -> str:
    """A QR code drawn with text, for the terminal."""
    import io

    import qrcode

    qr = qrcode.QRCode(border=1)
    qr.add_data(url)
    buf = io.StringIO()
    qr.print_ascii(out=buf, invert=True)
    return buf.getvalue()
