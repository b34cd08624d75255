"""How `csikit serve`, `demo` and `lab` take their server options and run the servers.

:data:`SETTING_OF_OPTION` maps each click option onto a field of
:class:`~csikit.server_settings.ServerSettings` (the one mapping), :func:`_as_settings` hands
a command its options as one ``settings``, :func:`_serve_options` declares the shared
options, and :func:`_run_servers` starts the servers, prints their links and runs until
Ctrl-C. The commands themselves are in :mod:`csikit.cli`.
"""

from __future__ import annotations

import functools

import click

from .server_settings import MAX_EXPECTED, ServerSettings

#: The one mapping of the server options of `csikit serve`, `demo` and `lab` onto
#: ServerSettings: click's parameter name → the settings' field.
SETTING_OF_OPTION = {
    "path": "workshop_path",
    "store_url": "store_url",
    "host": "host",
    "participant_port": "participant_port",
    "facilitator_port": "facilitator_port",
    "token": "token",
    "expected": "expected",
    "participant_servers": "participant_servers",
    "join_url": "join_url",
    "port": "lab_port",
    "lab_folder": "folder",
}
#: The settings' defaults, which are the options' defaults.
DEFAULT_SETTINGS = ServerSettings()


def server_settings(**options) -> ServerSettings:
    """The ServerSettings that server options stand for (click's parameter names,
    :data:`SETTING_OF_OPTION`); an option not given keeps the settings' default."""
    return ServerSettings(**{SETTING_OF_OPTION[name]: value for name, value in options.items()})


def _as_settings(fn):
    """The command gets its server options as one ``settings`` (a ServerSettings), checked
    (a CsiError says what to fix); its other parameters are passed on as they are."""

    @functools.wraps(fn)
    def wrapper(**kwargs):
        options = {name: kwargs.pop(name) for name in list(kwargs) if name in SETTING_OF_OPTION}
        return fn(settings=server_settings(**options), **kwargs)

    return wrapper


def _serve_options(fn):
    opts = [
        click.option(
            "--host",
            default=DEFAULT_SETTINGS.host,
            show_default=True,
            help="Address the participant server listens on (participants must reach it over the LAN).",
        ),
        click.option("--participant-port", default=DEFAULT_SETTINGS.participant_port, show_default=True, type=int),
        click.option("--facilitator-port", default=DEFAULT_SETTINGS.facilitator_port, show_default=True, type=int),
        click.option("--token", default=DEFAULT_SETTINGS.token, help="Facilitator token (default: a new random one)."),
        click.option(
            "--expected",
            default=DEFAULT_SETTINGS.expected,
            show_default=True,
            type=click.IntRange(1, MAX_EXPECTED),
            help="Participants you expect: csikit says whether this machine holds them (nothing is sized by it).",
        ),
    ]
    for opt in reversed(opts):
        fn = opt(fn)
    return fn


def _run_servers(ws, store, settings: ServerSettings) -> None:
    """Start the servers of ``settings`` (its store URL and code derived from ``ws`` and
    ``store``), print their links and run until Ctrl-C or a server stops."""
    import time

    from .capacity import advice
    from .lan import loopback_warning
    from .serve import start_servers, terminal_qr
    from .stopping import until_stopped

    settings = settings.replace(store_url=store.url_for_kernels, code=ws.code)
    level, said = advice(settings.expected, servers=settings.participant_servers)
    click.secho(said, fg="yellow" if level == "warn" else None, err=level == "warn")
    click.echo(f"Starting csikit for “{ws.title}” (code {ws.code}) on {store.shown} …")

    servers = None
    t0 = time.monotonic()
    with until_stopped(lambda: servers is not None and servers.stop()):
        try:
            if settings.participant_servers > 1:
                from .scaleout import start_scaled

                if store.is_sqlite:
                    click.secho(
                        "Note: the participant servers share an SQLite file, so they must stay on this machine; "
                        "use a PostgreSQL --store to spread them over several machines.",
                        fg="yellow",
                        err=True,
                    )
                servers = start_scaled(settings)
            else:
                servers = start_servers(settings)
            servers.wait_ready(timeout=120)
            warning = loopback_warning(servers.participant_url)
            if warning:
                click.secho(f"Warning: {warning}", fg="red", bold=True, err=True)
            click.echo(terminal_qr(servers.participant_url))
            click.secho(f"Participants: {servers.participant_url}", bold=True)
            click.secho(f"Facilitator:  {servers.facilitator_url}", bold=True)
            click.secho(f"Presenter:    {servers.presenter_url}", bold=True)
            click.echo(f"Servers answered after {time.monotonic() - t0:.1f} s.")
            click.echo(
                "(open the facilitator link on this machine and the presenter link on the projector; "
                "press Ctrl-C to stop both servers)"
            )
            _watch(servers)
            click.secho("A server stopped; stopping the other.", fg="yellow", err=True)
        except KeyboardInterrupt:
            click.echo("\nStopping …")


def _watch(servers) -> None:
    """Until a server stops."""
    import time

    while all(p.poll() is None for p in servers.processes):
        time.sleep(0.5)
