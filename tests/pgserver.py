"""A throwaway PostgreSQL cluster for tests, from Debian's server binaries.

    with PgServer.start() as server:
        server.url        # postgresql+psycopg://postgres@127.0.0.1:PORT/csikit_test

PostgreSQL refuses to run as root. As root, the cluster's directory is handed
to the ``postgres`` system user (created by Debian's ``postgresql`` package) and
``initdb``/``pg_ctl`` run through ``runuser -u postgres --``; as anyone else they
run directly. Authentication is ``trust``, the server listens on 127.0.0.1 only
and its unix socket lives inside the cluster directory, so nothing outside the
test run can see it. Durability is switched off for speed.

If ``CSIKIT_TEST_PG_URL`` is set, no server is started: ``url_from_env()``
returns that URL and the tests use it as is.
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

ENV_URL = "CSIKIT_TEST_PG_URL"
TEST_DB = "csikit_test"
INSTALL_HINT = "install PostgreSQL's server: apt-get install -y postgresql"


class PgUnavailable(RuntimeError):
    """PostgreSQL's server binaries (or the postgres user, or psycopg) are missing."""


def url_from_env() -> str | None:
    return os.environ.get(ENV_URL) or None


def find_bindir() -> Path | None:
    """Newest ``/usr/lib/postgresql/<version>/bin`` that has initdb and pg_ctl."""
    candidates = []
    for initdb in glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        bindir = Path(initdb).parent
        version = bindir.parent.name
        if (bindir / "pg_ctl").exists() and re.fullmatch(r"\d+(\.\d+)*", version):
            candidates.append((tuple(int(p) for p in version.split(".")), bindir))
    return max(candidates)[1] if candidates else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def admin_conninfo(url: str) -> str:
    """libpq URI for the ``postgres`` maintenance database of the server behind ``url``."""
    from sqlalchemy.engine import make_url

    u = make_url(url).set(drivername="postgresql", database="postgres")
    return u.render_as_string(hide_password=False)


def create_database(url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_conninfo(url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_conninfo(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class PgServer:
    """One PostgreSQL cluster in a temporary directory; ``stop()`` removes it."""

    def __init__(self, bindir: Path, root: Path, port: int, as_postgres: bool):
        self.bindir = bindir
        self.root = root
        self.datadir = root / "data"
        self.logfile = root / "server.log"
        self.port = port
        self._as_postgres = as_postgres
        self._running = False
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/{TEST_DB}"

    # -- lifecycle ---------------------------------------------------------
    @classmethod
    def start(cls, bindir: Path | None = None, attempts: int = 3) -> PgServer:
        bindir = bindir or find_bindir()
        if bindir is None:
            raise PgUnavailable(f"no /usr/lib/postgresql/*/bin/initdb: {INSTALL_HINT}")
        as_postgres = os.geteuid() == 0
        if as_postgres:
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                raise PgUnavailable(f"running as root but there is no 'postgres' user: {INSTALL_HINT}") from None
            if shutil.which("runuser") is None:
                raise PgUnavailable("running as root and 'runuser' (util-linux) is missing")
        root = Path(tempfile.mkdtemp(prefix="csikit-pg-"))
        if as_postgres:
            os.chown(root, pw.pw_uid, pw.pw_gid)
        server = cls(bindir, root, 0, as_postgres)
        try:
            server._initdb()
            last_error: Exception | None = None
            for _ in range(attempts):  # the free port can be taken before we bind it
                server.port = _free_port()
                server.url = f"postgresql+psycopg://postgres@127.0.0.1:{server.port}/{TEST_DB}"
                try:
                    server._pg_ctl_start()
                    break
                except subprocess.CalledProcessError as e:
                    last_error = e
                    server._run(
                        ["pg_ctl", "stop", "-D", str(server.datadir), "-m", "immediate"],
                        check=False,
                    )
                    server._running = False
            else:
                raise RuntimeError(f"PostgreSQL did not start:\n{server.log_tail()}") from last_error
            create_database(server.url, TEST_DB)
        except BaseException:
            server.stop()
            raise
        atexit.register(server.stop)
        return server

    def stop(self) -> None:
        if self._running:
            self._running = False
            self._run(["pg_ctl", "stop", "-D", str(self.datadir), "-m", "immediate", "-w"], check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PgServer:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.logfile.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    # -- commands ------------------------------------------------------------
    def _run(self, argv: list[str], check: bool = True) -> subprocess.CompletedProcess:
        argv = [str(self.bindir / argv[0]), *argv[1:]]
        if self._as_postgres:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        # cwd: the postgres user cannot enter root's working directory
        # stdin/stdout: pg_ctl's server logs to a file, so no pipe is held open
        proc = subprocess.run(argv, cwd=self.root, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if check and proc.returncode != 0:
            raise subprocess.CalledProcessError(proc.returncode, argv, proc.stdout, proc.stderr)
        return proc

    def _initdb(self) -> None:
        try:
            self._run(
                [
                    "initdb",
                    "-D",
                    str(self.datadir),
                    "-U",
                    "postgres",
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                    "--no-sync",
                ]
            )
        except subprocess.CalledProcessError as e:
            raise RuntimeError(f"initdb failed:\n{e.stdout}\n{e.stderr}") from e

    def _pg_ctl_start(self) -> None:
        options = f"-F -c fsync=off -c max_connections=400 -c listen_addresses=127.0.0.1 -p {self.port} -k {self.root}"
        self._running = True  # set first: a start that timed out may leave a server behind
        self._run(
            [
                "pg_ctl",
                "start",
                "-D",
                str(self.datadir),
                "-l",
                str(self.logfile),
                "-w",
                "-t",
                "60",
                "-o",
                options,
            ]
        )
