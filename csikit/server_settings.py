"""What a csikit server is started with: one frozen :class:`ServerSettings`.

``csikit serve``, ``csikit demo`` and ``csikit lab`` build one from their options
(``csikit.cli.server_settings``, the one mapping of options to fields), and
:func:`csikit.serve.start_servers`, :func:`csikit.scaleout.start_scaled` and
:func:`csikit.lab.start_lab` / :func:`csikit.lab.run_lab` take it whole. Its defaults are
the command's defaults; it checks itself when made (and again when derived with
:meth:`ServerSettings.replace`) and says what to fix in a sentence (``CsiError``).

Where the store is when no URL is given (``$CSIKIT_STORE``, then the SQLite file beside
the workshop file) stays :func:`csikit.session.store_url_for`'s rule: the settings carry
the URL as given, and the command derives settings with the resolved one before starting.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from .errors import CsiError

#: Culling of the facilitator server's idle kernels (closed console and presenter tabs).
CULL_IDLE_S = 300
CULL_INTERVAL_S = 60

#: Participants one ``csikit serve --expected`` may name (the command's range).
MAX_EXPECTED = 5000
#: Room servers one ``csikit serve --participant-servers`` may run behind nginx.
MAX_PARTICIPANT_SERVERS = 64

_PORTS = ("participant_port", "facilitator_port", "lab_port")
_OPTION = {"participant_port": "--participant-port", "facilitator_port": "--facilitator-port", "lab_port": "--port"}


@dataclass(frozen=True)
class ServerSettings:
    """Everything a csikit server is started with; the defaults are ``csikit serve``'s.

    Derive a changed copy with :meth:`replace` (checked again); the object itself never changes.
    """

    #: The store: a SQLAlchemy URL (``sqlite:///…``, ``postgresql+psycopg://…``). ``None`` on the
    #: command line: ``$CSIKIT_STORE``, else ``csikit.sqlite`` beside the workshop file
    #: (:func:`csikit.session.store_url_for`); the servers are started with the resolved URL
    #: (the command derives it), which their processes get as ``$CSIKIT_STORE``.
    store_url: str | None = None
    #: The workshop's code (``DESK26``): the room's ``?code=`` and ``$CSIKIT_WORKSHOP``.
    #: Empty on the command line; the command derives it from the workshop file.
    code: str = ""
    #: Address the participant (room) server listens on; ``0.0.0.0`` or empty: every interface,
    #: and the participants' link names this machine's LAN address. The facilitator server
    #: and JupyterLab always listen on 127.0.0.1.
    host: str = "0.0.0.0"
    #: The participants' port (the room server's, or nginx's with several room servers).
    participant_port: int = 8866
    #: The facilitator server's port (console and presenter view), on 127.0.0.1.
    facilitator_port: int = 8867
    #: The facilitator's (or JupyterLab's) token; ``None`` or empty: a new random one per start.
    #: Left out of ``repr`` so it never reaches a log.
    token: str | None = field(default=None, repr=False)
    #: Participants expected: csikit only says whether this machine holds them (nothing is sized by it).
    expected: int = 30
    #: Room servers to run behind nginx on ``participant_port`` (1: one room server, no nginx).
    participant_servers: int = 1
    #: The workshop as given (its folder or ``workshop.yaml``); its folder reaches the kernels
    #: as ``$CSIKIT_WORKSHOP_PATH``. Empty: none.
    workshop_path: str = ""
    #: The link (and QR code) participants get when they reach one room server through a proxy
    #: on another machine (``http://…`` or ``https://…``); empty: ``http://<host>:<participant_port>/?code=<code>``.
    #: Several room servers on this machine (``participant_servers`` > 1) use their own nginx's link.
    join_url: str = ""
    #: Folder for the servers' logs; ``None``: their private folder (removed when they stop).
    log_dir: Path | None = None
    #: Seconds a facilitator server's kernel may sit idle (its tab closed) before it is culled.
    cull_idle: int = CULL_IDLE_S
    #: Seconds between two looks for idle kernels.
    cull_interval: int = CULL_INTERVAL_S
    #: ``csikit lab``: JupyterLab's port on 127.0.0.1 (0: a free one).
    lab_port: int = 0
    #: ``csikit lab``: the notebooks' folder; ``None``: ``lab/`` beside the workshop file.
    folder: Path | None = None

    def __post_init__(self) -> None:
        for name in ("log_dir", "folder"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, Path(value) if value else None)
        if isinstance(self.workshop_path, Path):
            object.__setattr__(self, "workshop_path", str(self.workshop_path))
        problems = self.problems()
        if problems:
            raise CsiError("\n".join(problems))

    def problems(self) -> list[str]:
        """What is wrong with these settings, one sentence each (empty: nothing)."""
        out = []
        for name in _PORTS:
            port = getattr(self, name)
            if not _whole(port) or not 0 <= port <= 65535:
                out.append(f"{_OPTION[name]} {port!r}: a port is a whole number from 0 to 65535.")
        if not _whole(self.expected) or self.expected < 0:
            out.append(f"--expected {self.expected!r}: give how many participants you expect, 0 or more.")
        if not _whole(self.participant_servers) or self.participant_servers < 1:
            out.append("--participant-servers must be at least 1.")
        if self.join_url and not self.join_url.startswith(("http://", "https://")):
            out.append(f"--join-url {self.join_url!r}: give the whole link, e.g. http://10.0.0.1:8080/?code=DESK26")
        for name in ("cull_idle", "cull_interval"):
            value = getattr(self, name)
            if not _whole(value) or value < 0:
                out.append(f"{name} {value!r}: give a number of seconds, 0 or more.")
        if not isinstance(self.host, str):
            out.append(f"--host {self.host!r}: give an address such as 0.0.0.0 or 192.168.1.20.")
        return out

    def replace(self, **changes) -> ServerSettings:
        """A copy with ``changes`` (field names), checked like a new one."""
        return dataclasses.replace(self, **changes)

    def for_workshop(self) -> ServerSettings:
        """These settings, or a CsiError when they name no store URL or workshop code (a server needs both)."""
        missing = [name for name in ("store_url", "code") if not getattr(self, name)]
        if missing:
            raise CsiError(
                f"ServerSettings without {' and '.join(missing)}: derive them with "
                "settings.replace(store_url=…, code=…) before starting a server."
            )
        return self


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


__all__ = ["CULL_IDLE_S", "CULL_INTERVAL_S", "MAX_EXPECTED", "MAX_PARTICIPANT_SERVERS", "ServerSettings"]
