"""Start the two Voila servers of a live workshop.

The participant server serves the participant notebook only, on the LAN, with a
preheated kernel pool and culling of idle, disconnected kernels. The pool fills in the
background a few kernels at a time (``csikit.warmpool``), so the server answers at once,
and publishes how warm it is (:func:`pool_status`). The facilitator
server serves the facilitator notebook only, on 127.0.0.1, behind a token.
Secrets go to Voila through a private config file, never the command line or logs.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import secrets
import shutil
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
from .lan import lan_address  # noqa: F401 - re-exported
from .offline import voila_offline
from .paths import demo_source, notebooks_dir  # noqa: F401 - re-exported
from .servedir import WORKDIR_PREFIX, _alive, _children, clean_stale_workdirs, new_workdir  # noqa: F401 - re-exported

#: Memory of one participant kernel, as its proportional set size (PSS; RSS counts the
#: shared libraries again in every kernel): 66.7 MB measured per pooled kernel (USS the
#: same, RSS 84 MB) in a pool of 292, plus 0.9 MB of the Voila server's per kernel; rounded up.
KERNEL_MB = 70
#: Participants one CPU core serves, an estimate: 100 arriving at once on 2 cores joined
#: with p95 2.4–4.0 s (benchmarks/join_time.py), and an activity switch costs each kernel
#: ≈ 0.2 CPU-seconds (40 connected: 4.2 s until every screen showed it; PLATFORM-NOTES.md).
PARTICIPANTS_PER_CORE = 50
CULL_IDLE_S = 300
CULL_INTERVAL_S = 60
#: Environment variable of the facilitator's kernels: the participant servers' pool status
#: files (``os.pathsep``-separated), see :func:`pool_status`.
POOL_STATUS_ENV = "CSIKIT_POOL_STATUS"
#: The pool status file a participant server writes into its private config folder.
POOL_FILE = "pool.json"
#: Participant servers are the room endpoint (``csikit.room``) unless told otherwise.
ROOM = True


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


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


def pool_low_water(expected: int) -> int:
    """Spare kernels below which the pool refills: half the margin, at least 2.

    Voila refills after every kernel a page takes, so a room of 100 arriving also paid
    for starting 100 more kernels while it joined and while the facilitator opened the
    first activity (each start blocks the server's loop for ≈ 0.2 s). Now the expected
    room takes its kernels from the pool and the refill starts only when the spares run low.
    """
    return max(2, (pool_size(expected) - expected) // 2)


def capacity(total_mb: int | None = None) -> int:
    """How many participant kernels fit in this machine's memory, leaving 2 GiB for the rest."""
    if total_mb is None:
        try:
            total_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
        except (ValueError, OSError, AttributeError):
            return 10**6
    return max(0, (total_mb - 2048) // KERNEL_MB)


def cpu_capacity(cores: int | None = None) -> int:
    """How many participants this machine's cores serve (an estimate: ``PARTICIPANTS_PER_CORE``)."""
    return max(1, cores or os.cpu_count() or 1) * PARTICIPANTS_PER_CORE


def capacity_warning(expected: int, *, total_mb: int | None = None, cores: int | None = None,
                     servers: int = 1) -> str | None:
    """A warning naming the resource that runs out first for ``expected`` participants, or None."""
    memory, cpu = capacity(total_mb), cpu_capacity(cores)
    kernels = pool_size(expected)  # the pool preheats everyone expected plus a margin
    short_cpu, short_memory = expected > cpu, kernels > memory
    if not (short_cpu or short_memory):
        return None
    n = cores or os.cpu_count() or 1
    cpu_text = (f"CPU: {n} core{'s' if n != 1 else ''} serve about {cpu} participants (an estimate: "
                f"{PARTICIPANTS_PER_CORE} per core, from 100 joining at once in 2.4–4 s on 2 cores, "
                "benchmarks/README.md)")
    mem_text = (f"memory: about {memory} participant kernels fit ({KERNEL_MB} MB each, measured as proportional "
                f"set size, 2 GiB kept for the rest) and the pool preheats {kernels}")
    cpu_first = short_cpu and (not short_memory or cpu <= memory)
    first, then = (cpu_text, mem_text if short_memory else "") if cpu_first else (mem_text, cpu_text if short_cpu else "")
    which = "CPU" if cpu_first else "memory"
    also = f"; then {then}" if then else ""
    hint = ("Add participant servers on other machines with one PostgreSQL store (see README)."
            if servers > 1 else
            "Use a PostgreSQL store and several participant servers, on more cores or machines (see README).")
    return (f"Warning: {expected} participants are more than this machine serves well; {which} runs out first. "
            f"{first[0].upper()}{first[1:]}{also}. {hint}")


@dataclass
class Servers:
    """Two running Voila processes and the links to them (the facilitator server also serves the
    presenter view, :attr:`presenter_url`)."""

    participant_url: str
    facilitator_url: str
    processes: list[subprocess.Popen] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)
    workdir: Path | None = None
    #: The participant servers' pool status files (see :func:`pool_status`).
    pool_files: list[Path] = field(default_factory=list)
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

    def pool_status(self) -> tuple[int, int] | None:
        """(warm kernels, target) of the participant servers' preheated pools; None when unknown."""
        return pool_status(self.pool_files) if self.pool_files else None

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


def pool_status(paths: list[Path] | list[str] | None = None, *, max_age: float = 30.0) -> tuple[int, int] | None:
    """How warm the participant servers' preheated kernel pools are: ``(warm, target)``.

    Reads the status files each participant server writes (``csikit.warmpool``); by
    default those named by ``$CSIKIT_POOL_STATUS``, which ``csikit serve`` gives the
    facilitator's kernels. None when unknown: no pool, a file missing, unreadable or
    older than ``max_age`` seconds (its server stopped).
    """
    if paths is None:
        paths = [p for p in os.environ.get(POOL_STATUS_ENV, "").split(os.pathsep) if p]
    if not paths:
        return None
    warm = target = 0
    for path in paths:
        try:
            data = json.loads(Path(path).read_text())
            if time.time() - float(data["updated"]) > max_age:
                return None
            warm, target = warm + int(data["warm"]), target + int(data["target"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
    return warm, target


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
    participant_servers: int = 1,
    room: bool | None = None,
) -> Servers:
    """Start the participant and facilitator Voila servers; returns once launched (see ``wait_ready``).

    Their private folder (token, cookie secret, pool status; logs unless ``log_dir``) is
    removed by ``Servers.stop``; stale folders of earlier runs are removed first.
    ``public_url``: the participants' link when they reach the server through a proxy (scale-out).
    ``participant_servers``: how many participant servers will publish a pool status
    (``csikit.scaleout`` starts the others, in ``workdir / f"participant{i}"``).
    ``room``: the participant server is the room endpoint (``csikit.room``: one websocket per
    phone, no kernel per phone) instead of Voila; default :data:`ROOM`.
    """
    room = ROOM if room is None else room
    notebooks_dir()  # says what to do before anything is started
    token = token or secrets.token_urlsafe(24)
    public = lan_address() if host in ("0.0.0.0", "") else host
    participant_url = public_url or f"http://{public}:{participant_port}/?code={code}"
    facilitator_url = f"http://127.0.0.1:{facilitator_port}/?token={token}"
    workdir, lock = new_workdir()
    servers = Servers(participant_url, facilitator_url, workdir=workdir, lock=lock)
    try:
        _launch(servers, store_url, code, host=host, participant_port=participant_port, facilitator_port=facilitator_port,
                token=token, expected=expected, preheat=preheat, workshop_path=workshop_path, log_dir=log_dir or workdir,
                cull_idle=cull_idle, cull_interval=cull_interval, participant_servers=participant_servers, room=room)
    except BaseException:
        servers.stop()
        raise
    return servers


def _launch(servers: Servers, store_url: str, code: str, *, host: str, participant_port: int, facilitator_port: int,
            token: str, expected: int, preheat: bool, workshop_path: str, log_dir: Path, cull_idle: int,
            cull_interval: int, participant_servers: int, room: bool = False) -> None:
    notebooks = notebooks_dir()
    workdir = servers.workdir
    participant_url = servers.participant_url
    env = {**os.environ, "CSIKIT_STORE": store_url, "CSIKIT_WORKSHOP": code, "CSIKIT_PARTICIPANT_URL": participant_url}
    if workshop_path:
        env["CSIKIT_WORKSHOP_PATH"] = str(Path(workshop_path).resolve())
    cull = [
        f"--MappingKernelManager.cull_idle_timeout={cull_idle}",
        f"--MappingKernelManager.cull_interval={cull_interval}",
        "--MappingKernelManager.cull_connected=False",
    ]
    participant_env = env
    if room:
        preheat = False
        participant_cmd, participant_env = room_command(participant_port, host, workdir / "participant", env)
    else:
        participant_cmd = participant_command(participant_port, host, workdir / "participant", expected=expected,
                                              preheat=preheat, cull=cull)
    facilitator_cmd = [
        sys.executable, "-m", "voila", str(notebooks / "facilitator.ipynb"), "--no-browser",
        f"--port={facilitator_port}", "--Voila.ip=127.0.0.1", *cull, *voila_offline(env),
        f"--Voila.config_file_paths={_config_dir(workdir / 'facilitator', {'token': token})}",
    ]
    if preheat:
        names = ["participant", *(f"participant{i}" for i in range(2, participant_servers + 1))]
        servers.pool_files = [workdir / name / POOL_FILE for name in names]
    # The facilitator's kernels ask their own server whether their page is still open
    # (csikit.widgets.common.page_connected): that server wants the token. They show how
    # warm the participants' pool is from the servers' status files.
    facilitator_env = {**env, "CSIKIT_VOILA_TOKEN": token}
    if servers.pool_files:
        facilitator_env[POOL_STATUS_ENV] = os.pathsep.join(map(str, servers.pool_files))
    for name, cmd, cmd_env in (("participant", participant_cmd, participant_env), ("facilitator", facilitator_cmd, facilitator_env)):
        log = log_dir / f"{name}.log"
        with open(log, "wb") as fh:
            proc = subprocess.Popen(cmd, env=cmd_env, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=True, cwd=notebooks)
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
        sys.executable, "-m", "jupyter_server", "--no-browser", f"--port={port}", "--ServerApp.port_retries=0",
        f"--ServerApp.ip={host}", f"--ServerApp.jpserver_extensions={extensions!r}",
        "--ServerApp.terminals_enabled=False", f"--ServerApp.root_dir={folder / 'root'}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    room_env = {**env, "JUPYTER_TOKEN": secrets.token_urlsafe(24), "JUPYTER_RUNTIME_DIR": str(folder / "runtime"),
                "JUPYTER_CONFIG_DIR": str(folder / "config")}
    return cmd, room_env


def installed_server_extensions() -> list[str]:
    """The jupyter_server extensions enabled in this environment's config (to turn off on a room server)."""
    try:
        from jupyter_core.paths import jupyter_config_path
        from jupyter_server.extension.config import ExtensionConfigManager

        return sorted(ExtensionConfigManager(read_config_path=jupyter_config_path()).get_jpserver_extensions())
    except Exception:  # noqa: BLE001 - none found: nothing to turn off
        return []


def participant_command(port: int, host: str, config: Path, *, expected: int, preheat: bool, cull: list[str]) -> list[str]:
    """The command line of one participant Voila server (``config``: a new private folder)."""
    cmd = [
        sys.executable, "-m", "voila", str(notebooks_dir() / "participant.ipynb"), "--no-browser",
        f"--port={port}", f"--Voila.ip={host}", *cull,
        f"--Voila.config_file_paths={_config_dir(config, {}, pool=preheat, low_water=pool_low_water(expected))}",
    ]
    root = ipc_connection_root()
    if root:
        # kernels talk to the server over unix sockets: no TCP port race when a big pool starts at once
        cmd += ["--KernelManager.transport=ipc", f"--Voila.connection_dir_root={root}"]
    if preheat:
        cmd += ["--preheat_kernel=True", f"--pool_size={pool_size(expected)}",
                f"--VoilaKernelManager.fill_delay={pool_refill_delay(expected)}"]
    return cmd


#: Characters a kernel's unix socket path adds to its folder ("/voila_xxxxxxxx/kernel-<uuid>-ipc-65535").
_IPC_SUFFIX = 72
#: The shortest limit on a unix socket path (macOS: 104 bytes; Linux: 108).
_SOCKET_PATH_MAX = 104


def ipc_connection_root(tmp: str | None = None) -> str | None:
    """A folder for the kernels' connection files whose unix socket paths fit the OS limit, or None (use TCP).

    The temp dir, unless it is too long (pytest's, or macOS's ``/var/folders/…/T/``): then ``/tmp``.
    A socket path over the limit made every kernel fail to start, and the pool stayed empty.
    """
    for root in (tmp or tempfile.gettempdir(), "/tmp"):
        if len(os.fsencode(root)) + _IPC_SUFFIX <= _SOCKET_PATH_MAX and os.path.isdir(root) and os.access(root, os.W_OK):
            return root
    return None


def warm_concurrency() -> int:
    """Pool kernels that start at once: one per core keeps the server answering while the pool fills."""
    return max(1, os.cpu_count() or 1)


def _config_dir(folder: Path, voila: dict[str, str], *, pool: bool = False, low_water: int = 0) -> Path:
    """A private folder with a voila.py: secrets stay off the command line and out of logs.

    ``pool``: the server's preheated pool fills in the background, a few kernels at a time,
    and publishes its status in ``folder / POOL_FILE`` (csikit.warmpool).
    """
    folder.mkdir(mode=0o700)
    lines = [
        "import csikit.serve; csikit.serve.scrub_secrets_from_logs()  # request URLs may carry ?token= or &p=",
        "c.VoilaConfiguration.file_allowlist = []  # serve no file of the project",
        f"c.Voila.cookie_secret = bytes.fromhex({secrets.token_hex(32)!r})",
    ]
    if pool:
        lines.append(f"import csikit.warmpool; csikit.warmpool.install({str(folder / POOL_FILE)!r}, "
                     f"concurrency={warm_concurrency()}, low_water={low_water})")
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
