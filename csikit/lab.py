"""``csikit lab``: JupyterLab on one workshop, for analysts and small teams.

:func:`prepare_lab` copies the step worksheets, the quarterly review template and the
example notebook into a folder (``<workshop>/lab`` by default) with their parameters
cells filled in for the workshop and its store; :func:`start_lab` starts JupyterLab
there on 127.0.0.1 with a token. Kernels also get the workshop and store through
their environment (``CSIKIT_WORKSHOP_PATH``, ``CSIKIT_STORE``, ``CSIKIT_WORKSHOP``),
so a new notebook can call ``csikit.open_workshop()`` with no arguments.

A notebook already in the folder keeps everything but its parameters: the analyst's
cells are never written over.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from .errors import CsiError
from .server_settings import ServerSettings
from .stopping import until_stopped

#: The notebooks a lab folder gets, from the apps' notebooks folder.
LAB_NOTEBOOKS = (
    "step1_vision.ipynb",
    "step2_now.ipynb",
    "step3_target.ipynb",
    "step4_plan.ipynb",
    "step5_check.ipynb",
    "step6_momentum.ipynb",
    "quarterly_review.ipynb",
    "analyse_a_workshop.ipynb",
    "portfolio.ipynb",
)
LAB_FOLDER = "lab"
_ASSIGN = re.compile(r"^(?P<name>[A-Za-z_]\w*)\s*=\s*(?P<value>.*?)(?P<comment>\s+#.*)?$")


@dataclass
class Lab:
    """A running JupyterLab: its process, link and folder."""

    process: subprocess.Popen
    url: str
    folder: Path
    log: Path
    kernels: list[int] = field(default_factory=list)

    def stop(self, timeout: float = 20) -> None:
        """Stop JupyterLab (it shuts its kernels down); kill whatever is left after ``timeout`` s."""
        from .servedir import _alive, _children

        kernels = _children([self.process.pid]) if self.process.poll() is None else []
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        deadline = time.monotonic() + 5
        while (left := [pid for pid in kernels if _alive(pid)]) and time.monotonic() < deadline:
            time.sleep(0.1)
        for pid in left:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)


def fill_parameters(source: str, values: dict[str, str]) -> str:
    """A parameters cell's source with the named assignments set to ``values`` (comments kept).

    Only top-level ``name = value  # comment`` lines whose name is in ``values`` change.
    """
    lines = []
    for line in source.splitlines():
        m = _ASSIGN.match(line)
        if m and m.group("name") in values:
            line = f"{m.group('name')} = {values[m.group('name')]!r}{m.group('comment') or ''}"
        lines.append(line)
    return "\n".join(lines)


def _parameters_cell(nb):
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            return cell
    return None


def prepare_lab(
    workshop_file: Path, store_shown: str, folder: Path | None = None, notebooks: Path | None = None
) -> tuple[Path, list[Path]]:
    """Copy the worksheets, review template and example notebook into the lab folder, parameters filled.

    Parameters
    ----------
    workshop_file
        The workshop's ``workshop.yaml``.
    store_shown
        The store URL to write into the notebooks; empty (a URL with a password) leaves
        the parameter empty and the kernels read ``$CSIKIT_STORE``.
    folder
        Where; default ``lab`` beside the workshop file.
    notebooks
        The source notebooks' folder (default: the apps' notebooks).

    Returns
    -------
    (folder, notebooks written or updated)
    """
    import nbformat

    from .serve import notebooks_dir

    source_dir = Path(notebooks or notebooks_dir())
    folder = Path(folder or workshop_file.parent / LAB_FOLDER).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    workshop = os.path.relpath(workshop_file.parent.resolve(), folder)
    values = {"workshop": workshop, "store_url": store_shown}
    done = []
    for name in LAB_NOTEBOOKS:
        source = source_dir / name
        if not source.is_file():
            continue
        target = folder / name
        nb = nbformat.read(target if target.is_file() else source, as_version=4)
        cell = _parameters_cell(nb)
        if cell is None:
            msg = f"{source} has no cell tagged 'parameters'; reinstall csikit."
            raise CsiError(msg)
        filled = fill_parameters(cell.source, values)
        if target.is_file() and filled == cell.source:
            continue
        cell.source = filled
        nbformat.write(nb, target)
        done.append(target)
    return folder, done


#: JupyterLab's setting that asks "Would you like to receive official Jupyter news?" on the first
#: start; "false" answers it: no pop-up, nothing fetched.
NEWS_SETTING = Path("@jupyterlab") / "apputils-extension" / "notification.jupyterlab-settings"


def quiet_settings(settings_dir: Path) -> Path:
    """A JupyterLab user-settings folder whose news question is answered "no" (the analyst's
    own settings in it are kept)."""
    import json

    file = settings_dir / NEWS_SETTING
    try:
        current = json.loads(file.read_text()) if file.is_file() else {}
    except (OSError, ValueError):
        current = {}
    if current.get("fetchNews") != "false":
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(json.dumps({**current, "fetchNews": "false", "checkForUpdates": False}, indent=2))
    return settings_dir


def lab_command(folder: Path, port: int) -> list[str]:
    """The JupyterLab command line (the token goes through ``$JUPYTER_TOKEN``, out of ``ps``)."""
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={folder}",
        # nothing fetched from the internet (announcements, update checks, the extension index)
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        # open tabs are remembered per lab folder, not across workshops
        f"--LabApp.workspaces_dir={folder / '.jupyterlab-workspaces'}",
        # settings per lab folder too: there csikit answers the "official Jupyter news?" question
        f"--LabApp.user_settings_dir={quiet_settings(folder / '.jupyterlab-settings')}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers and CI run as root; Jupyter refuses without this
        command.append("--allow-root")
    return command


def start_lab(settings: ServerSettings, *, log: Path | None = None, timeout: float = 120) -> Lab:
    """Start JupyterLab on 127.0.0.1 in ``settings.folder`` and wait until it answers.

    Parameters
    ----------
    settings
        ``folder``: the lab folder (:func:`prepare_lab`); ``store_url``, ``code``,
        ``workshop_path``: handed to the kernels as ``CSIKIT_STORE``, ``CSIKIT_WORKSHOP`` and
        ``CSIKIT_WORKSHOP_PATH``; ``lab_port``: 0, a free port; ``token``: empty, a new random one.
    log
        JupyterLab's log (default: ``.csikit-lab.log`` in the folder).

    Raises
    ------
    CsiError
        JupyterLab stopped or did not answer within ``timeout`` seconds (with its log's tail).
    """
    from .serve import free_port

    settings.for_workshop()
    if settings.folder is None:
        raise CsiError("start_lab needs the settings' folder: derive it with settings.replace(folder=…).")
    folder = settings.folder
    token = settings.token or secrets.token_urlsafe(24)
    port = settings.lab_port or free_port()
    log = log or folder / ".csikit-lab.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VOILA_", "JPY_SESSION"))}
    env.update(
        JUPYTER_TOKEN=token,
        CSIKIT_STORE=settings.store_url,
        CSIKIT_WORKSHOP=settings.code,
        CSIKIT_WORKSHOP_PATH=settings.workshop_path,
    )
    # the server's log names its link, token included: readable by this user only
    with os.fdopen(os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
        proc = subprocess.Popen(
            lab_command(folder, port),
            cwd=folder,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    lab = Lab(proc, f"http://127.0.0.1:{port}/lab?token={token}", folder, log)
    try:
        wait_ready(lab, timeout)
    except BaseException:
        lab.stop()
        raise
    return lab


def run_lab(settings: ServerSettings, *, echo=print) -> None:
    """``csikit lab``: prepare the lab folder, start JupyterLab, print the link, wait for Ctrl-C.

    ``settings``: the workshop (``workshop_path``), its store (``store_url``; ``None``: the
    usual rule), the lab ``folder`` (``None``: ``lab/`` beside the workshop file) and ``lab_port``.

    A closed terminal or ``kill`` (SIGHUP, SIGTERM) stops JupyterLab and its kernels too.
    """
    from sqlalchemy.engine import make_url

    from .session import open_workshop_and_store as open_session
    from .workshop_file import workshop_path

    t0 = time.monotonic()
    file = workshop_path(settings.workshop_path).resolve()
    ws, store = open_session(str(file), settings.store_url)
    try:
        url, shown = store.url_for_kernels, store.shown
        written_url = url if make_url(url).password is None else ""
    finally:
        store.close()
    folder, written = prepare_lab(file, written_url, settings.folder)
    echo(
        f"Notebooks for “{ws.title}” (code {ws.code}) on {shown} in {folder}"
        f"{f' ({len(written)} written or updated)' if written else ''}"
    )

    lab = None
    with until_stopped(lambda: lab is not None and lab.stop()):
        try:
            lab = start_lab(
                settings.replace(store_url=url, code=ws.code, workshop_path=str(file.parent), folder=folder)
            )
            echo(f"JupyterLab: {lab.url}")
            echo(f"(answered after {time.monotonic() - t0:.1f} s; open the link on this machine; press Ctrl-C to stop)")
            while lab.process.poll() is None:
                time.sleep(0.5)
            echo(f"JupyterLab stopped:\n{_tail(lab.log)}")
        except KeyboardInterrupt:
            echo("\nStopping JupyterLab …")


def wait_ready(lab: Lab, timeout: float) -> None:
    """Until JupyterLab's API answers, or a CsiError with the log's tail."""
    base = lab.url.split("/lab?")[0]
    deadline = time.monotonic() + timeout
    while True:
        if lab.process.poll() is not None:
            raise CsiError(f"JupyterLab stopped at start-up:\n{_tail(lab.log)}")
        try:
            with urllib.request.urlopen(f"{base}/api", timeout=2):  # noqa: S310 - our own loopback server
                return
        except (urllib.error.URLError, OSError):
            if time.monotonic() > deadline:
                raise CsiError(
                    f"JupyterLab did not answer at {base} within {timeout:.0f} s:\n{_tail(lab.log)}"
                ) from None
            time.sleep(0.2)


def _tail(log: Path, lines: int = 15) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


__all__ = ["LAB_NOTEBOOKS", "Lab", "fill_parameters", "lab_command", "prepare_lab", "run_lab", "start_lab"]
