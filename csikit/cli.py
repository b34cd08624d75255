"""The ``csikit`` command: one subcommand per job a facilitator or analyst does.

Errors that csikit raises on purpose are printed as plain messages (exit 1), never
as tracebacks.
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

import click

from .capacity import LADDER
from .cli_servers import DEFAULT_SETTINGS, _as_settings, _run_servers, _serve_options
from .cli_servers import SETTING_OF_OPTION as SETTING_OF_OPTION  # re-exported: the one mapping
from .cli_servers import server_settings as server_settings  # re-exported
from .errors import CsiError
from .server_settings import MAX_PARTICIPANT_SERVERS, ServerSettings
from .session import open_workshop_and_store
from .workshop_file import WORKSHOP_FILE, load_workshop, workshop_path

STORE_HELP = (
    "Store URL: sqlite:///file.sqlite or postgresql+psycopg://user@host/db "
    "(default: csikit.sqlite beside the workshop file)."
)


def friendly(fn):
    """Errors as one message on stderr and exit status 1, never a traceback.

    A CsiError says what to fix; a file or folder that cannot be read or written
    (``OSError``) is named with the system's reason; anything else is a bug of csikit's,
    reported in one line (``CSIKIT_DEBUG=1`` shows the traceback).
    """

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except CsiError as exc:
            click.secho(str(exc), fg="red", err=True)
        except OSError as exc:
            where = f" {exc.filename}" if exc.filename else ""
            click.secho(f"Cannot use{where}: {exc.strerror or exc}.", fg="red", err=True)
        except (click.exceptions.Exit, click.ClickException, KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback for a facilitator
            if os.environ.get("CSIKIT_DEBUG"):
                raise
            click.secho(
                f"csikit stopped on an unexpected error ({type(exc).__name__}: {exc}); "
                "run again with CSIKIT_DEBUG=1 for the details, and please report it.",
                fg="red",
                err=True,
            )
        sys.exit(1)

    return wrapper


store_option = click.option("--store", "store_url", metavar="URL", default=None, envvar="CSIKIT_STORE", help=STORE_HELP)
#: PATH is required: a default (it was workshops/demo) made `csikit measure --file x.csv` in the
#: repository write into the bundled demo without a word.
path_argument = click.argument("path", type=click.Path(path_type=str), metavar="PATH")


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, invoke_without_command=True)
@click.version_option(package_name="csikit")
@click.pass_context
def main(ctx: click.Context) -> None:
    """csikit runs the ITIL Continual Service Improvement six-step model as live,
    data-driven workshops.

    \b
    Start here:
      csikit demo                      run the demo workshop (facilitator + participant apps)
      csikit check workshops/demo      validate a workshop file
      csikit new my-workshop           start a workshop from a commented template
      csikit lab workshops/demo        analyse a workshop in JupyterLab
    """
    if ctx.invoked_subcommand is None:  # bare `csikit`: the help, and success
        click.echo(ctx.get_help())


@main.command()
@click.argument("name")
@click.option("--title", default=None, help="Workshop title (default: from NAME).")
@click.option("--dir", "parent", default="workshops", show_default=True, help="Folder that holds workshops.")
@click.option(
    "--from",
    "source",
    default=None,
    type=click.Path(path_type=str),
    help="Start the next cycle of this workshop: open initiatives, KPI targets and lessons carry over.",
)
@store_option
@friendly
def new(name: str, title: str | None, parent: str, source: str | None, store_url: str | None) -> None:
    """Start workshop NAME from a commented template (workshops/NAME/workshop.yaml),
    or, with --from, as the next cycle of an earlier workshop."""
    from .scaffold import check_workshop_name, new_workshop

    name = check_workshop_name(name)
    if source:
        from .handoff import write_next_cycle

        ws, store = open_workshop_and_store(source, store_url, create=False)
        file = write_next_cycle(store, ws.code, ws, Path(parent) / name, source_path=source)
        carried = load_workshop(file)
        click.echo(
            f"Created {file}: next cycle of {ws.code} as {carried.code}, carrying over "
            f"{len(carried.initiatives)} open initiatives and {len(carried.kpis)} KPIs"
        )
    else:
        file = new_workshop(Path(parent) / name, title=title)
        click.echo(f"Created {file}")
    click.echo(f"Edit it, then check it with: csikit check {file.parent}")


@main.command()
@path_argument
@friendly
def check(path: str) -> None:
    """Validate a workshop file; print one line per problem (file:line: field: what to fix)."""
    ws = load_workshop(path)
    steps = sorted({int(a.step) for a in ws.agenda})
    click.echo(
        f"{workshop_path(path)}: OK — “{ws.title}” (code {ws.code}): {len(ws.agenda)} activities over "
        f"steps {', '.join(map(str, steps))}; {len(ws.kpis)} KPIs; {len(ws.initiatives)} initiatives; "
        f"{len(ws.measurements)} measurements"
    )


@main.command()
@path_argument
@click.option(
    "--participants",
    "-n",
    default=20,
    show_default=True,
    type=click.IntRange(1, 5000),
    help="How many people to simulate.",
)
@click.option("--seed", default=0, show_default=True, help="Random seed; the same seed gives the same responses.")
@click.option(
    "--walk", is_flag=True, help="Rehearse the whole agenda: open, fill, lock and reveal every draft activity."
)
@store_option
@friendly
def simulate(path: str, participants: int, seed: int, walk: bool, store_url: str | None) -> None:
    """Join N simulated participants and fill the open activities with plausible responses."""
    from tqdm import tqdm

    from .simulate import simulate as run

    ws, store = open_workshop_and_store(path, store_url)
    bar = functools.partial(tqdm, desc="activities", unit="activity", leave=False, disable=None)
    done = run(store, ws.code, participants, seed=seed, walk=walk, progress=bar)
    if not done:
        click.echo(
            f"Joined {participants} participants, but no activity of {ws.code} is open. "
            "Open one in the facilitator app, or rehearse everything with --walk."
        )
        return
    for key, accepted, refused in done:
        click.echo(f"{key:<24} {accepted:>5} answered  {refused:>4} refused")
    click.echo(f"Store: {store.shown}")


@main.command()
@path_argument
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the tables to.",
)
@store_option
@friendly
def export(path: str, fmt: str, out: Path, store_url: str | None) -> None:
    """Write the CSI register, responses, ideas, measurements and audit trail as tidy tables."""
    from .export import export_tables

    ws, store = open_workshop_and_store(path, store_url, create=False)
    for file in export_tables(store, ws.code, out, fmt):
        click.echo(file)


@main.command()
@path_argument
@store_option
@_serve_options
@click.option(
    "--participant-servers",
    default=DEFAULT_SETTINGS.participant_servers,
    show_default=True,
    type=click.IntRange(1, MAX_PARTICIPANT_SERVERS),
    help="Run this many room servers behind nginx (sticky routing) on --participant-port, "
    "for rooms larger than one process holds; use a PostgreSQL --store.",
)
@click.option(
    "--join-url",
    default=DEFAULT_SETTINGS.join_url,
    metavar="URL",
    help="The link (and QR code) participants get, when they reach this server through nginx on another "
    "machine, e.g. http://10.0.0.1:8080/?code=DESK26 (README: More people than one machine holds).",
)
@friendly
@_as_settings
def serve(settings: ServerSettings) -> None:
    """Run a live workshop: the participant app on the LAN and the facilitator app on this machine."""
    ws, store = open_workshop_and_store(settings.workshop_path, settings.store_url)
    _run_servers(ws, store, settings)


@main.command()
@click.option(
    "--dir",
    "folder",
    default=None,
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to copy the demo (default: a new temporary folder).",
)
@_serve_options
@friendly
@_as_settings
def demo(folder, settings: ServerSettings) -> None:
    """Run the bundled demo workshop on a fresh copy with a fresh SQLite store."""
    import shutil
    import tempfile

    from .paths import demo_source
    from .store import default_store_url

    target = folder or Path(tempfile.mkdtemp(prefix="csikit-demo-")) / "demo"
    if target.exists() and any(target.iterdir()):
        raise CsiError(f"{target} is not empty; choose another --dir.")
    shutil.copytree(demo_source(), target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.sqlite*"))
    # another department of the demo organisation beside it, its workshop already held by simulated
    # people: the organisation review rolls the two up
    infra = target.with_name(f"{target.name}-infra")
    if not infra.exists():
        from .simulate import simulate as rehearse

        shutil.copytree(demo_source("demo-infra"), infra, ignore=shutil.ignore_patterns("*.sqlite*"))
        other, other_store = open_workshop_and_store(
            str(infra), default_store_url(infra)
        )  # the demo's own, not $CSIKIT_STORE
        rehearse(other_store, other.code, 8, seed=24, walk=True)
        other_store.close()
    ws, store = open_workshop_and_store(str(target), default_store_url(target))
    click.echo(
        f"Demo copied to {target}; another department of {ws.organisation}, with its workshop held by 8 "
        f"simulated people, to {infra}"
    )
    _run_servers(ws, store, settings.replace(workshop_path=str(target)))
    click.echo(
        f"The demo's workshop and everything the room gave are kept in {target} (store: {store.shown}); "
        f"review them with: csikit review {target}"
    )
    click.echo(f"Roll both departments up into one organisation pack: csikit review {target} {infra} --quarter current")


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str), metavar="PATH")
@click.option(
    "--quarter",
    default="",
    metavar="YYYYQn|current",
    help="Quarter to review, e.g. 2026Q3, or 'current' for the quarter in progress (the workshop just "
    "held), computed as of today. Default: the last finished quarter with KPI measurements or "
    "workshop activity (the quarter in progress only when none has finished).",
)
@click.option(
    "--all", "all_quarters", is_flag=True, help="Review every quarter with KPI measurements or workshop activity."
)
@store_option
@click.option(
    "--out",
    "out",
    default="reviews",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of reviews: OUT/<workshop>/<quarter>/.",
)
@friendly
def review(paths: tuple[str, ...], quarter: str, all_quarters: bool, store_url: str | None, out: Path) -> None:
    """Run the quarterly review and every step worksheet for a quarter; write notebooks and HTML without code.

    Every figure is as of the quarter's end (as of today for the quarter in progress): a
    finished quarter's pack is the same whenever it is run again.

    \b
    Several PATHs (the workshops of one organisation's departments, each its own code):
      csikit review workshops/demo workshops/demo-infra --out reviews
    writes each department's pack and, beside them, one organisation pack
    (OUT/<organisation>/<quarter>/organisation.html) that links to them. Each workshop
    reads its own store (beside its file) unless --store names one for all.
    """
    from .session import existing_store, store_url_for

    for path in paths:
        existing_store(store_url_for(workshop_path(path), store_url), what=load_workshop(path).code)
    if len(paths) > 1:
        from .review.organisation_run import run_organisation_review

        for done in run_organisation_review(
            paths, quarter, store_url, out, all_quarters=all_quarters, report=click.echo
        ):
            for label, pack in done.departments:
                click.echo(
                    f"{done.quarter}: {label}: {pack.html if pack else 'no pack (nothing recorded this quarter)'}"
                )
            click.echo(f"{done.quarter}: {done.organisation}: {done.html}")
        return
    from .review import run_review

    path = paths[0]
    for done in run_review(path, quarter, store_url, out, all_quarters=all_quarters, report=click.echo):
        click.echo(f"{done.quarter}: {done.html}  (+ {len(done.steps)} step worksheets in {done.folder})")


@main.command()
@path_argument
@click.option(
    "--file",
    "file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV with columns kpi, date or quarter, value[, source].",
)
@store_option
@friendly
def measure(path: str, file: Path, store_url: str | None) -> None:
    """Add KPI measurements from a CSV file: all rows or none."""
    from .measurements import read_measurements_csv
    from .quarters import quarter_of

    ws = load_workshop(path)
    rows = read_measurements_csv(file, known_kpis={k.id for k in ws.kpis})  # validate before touching the store
    if not rows:
        raise CsiError(f"{file.name} has no measurement rows; nothing was added.")
    ws, store = open_workshop_and_store(path, store_url)
    stored = {(m.kpi, m.date): m.value for m in store.measurements(ws.code)}
    store.add_measurements(ws.code, rows)
    replaced = sum((m.kpi, m.date) in stored and stored[(m.kpi, m.date)] != m.value for m in rows)
    same = sum(stored.get((m.kpi, m.date)) == m.value for m in rows)
    added = len(rows) - replaced - same
    quarters = sorted({quarter_of(m.date) for m in rows})
    unchanged = f", {same} unchanged" if same else ""
    click.echo(
        f"Added {added} measurement{'' if added == 1 else 's'}, replaced {replaced}{unchanged}: "
        f"{len({m.kpi for m in rows})} KPIs, "
        f"{', '.join(quarters)}, workshop {ws.code} ({store.shown})."
    )


@main.command()
@path_argument
@store_option
@click.option(
    "--dir",
    "lab_folder",
    default=DEFAULT_SETTINGS.folder,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the notebooks (default: lab/ beside the workshop file).",
)
@click.option(
    "--port",
    default=DEFAULT_SETTINGS.lab_port,
    type=click.IntRange(0, 65535),
    help="JupyterLab's port (default: a free one).",
)
@friendly
@_as_settings
def lab(settings: ServerSettings) -> None:
    """Open JupyterLab on a workshop: its step worksheets, review template and an example notebook, ready to run."""
    from .lab import run_lab

    run_lab(settings, echo=click.echo)


def run() -> None:
    """Entry point for ``python -m csikit``."""
    main(prog_name="csikit")


__all__ = ["main", "WORKSHOP_FILE"]


@main.command()
@click.option(
    "--ladder",
    default=",".join(map(str, LADDER)),
    show_default=True,
    help="Room sizes to climb, smallest first; it stops at the first that misses.",
)
@click.option(
    "--arrival-seconds",
    default=30.0,
    show_default=True,
    type=click.FloatRange(0, 3600),
    help="People arrive at random instants over this long.",
)
@click.option("--show", is_flag=True, help="Print this machine's saved calibration and exit.")
@friendly
def capacity(ladder: str, arrival_seconds: float, show: bool) -> None:
    """Measure how many phones one room process holds on this machine, and keep it for `csikit serve --expected`.

    Each rung starts the room server on a fresh demo store; that many headless phones
    arrive and stay, a dot vote opens and everyone votes. Up to 300 phones a room is held
    with 0 failed joins and join, Open → every screen and vote → store p95 ≤ 0.5 s; a
    larger one with 0 failed joins and Open p95 ≤ 1.5 s. Close other programs first: the
    measurement is of this machine as it is, the headless phones included.
    """
    from .capacity import calibrate, calibration_file, load_calibration

    if show:
        cal = load_calibration()
        if cal is None:
            raise CsiError(f"No calibration for this machine in {calibration_file()}; run `csikit capacity`.")
        click.echo(
            f"Measured {cal.measured} on {cal.machine['cores']} cores, {cal.machine['memory_gib']} GiB "
            f"({cal.machine['cpu']}); people arriving over {cal.arrival_seconds:g} s."
        )
        for r in cal.rungs:
            click.echo(
                f"  {r['n']:>4}: {'held  ' if r['met'] else 'missed'}  join p95 {r['join_p95']:.2f} s, "
                f"Open → screen p95 {r['open_p95']:.2f} s, vote → store p95 {r.get('vote_p95', float('nan')):.2f} s, "
                f"{r['failed']} failed"
            )
        click.secho(f"Ceiling: {cal.ceiling}", bold=True)
        return
    try:
        sizes = sorted({int(x) for x in ladder.split(",") if x.strip()})
    except ValueError:
        raise CsiError(f"--ladder {ladder!r}: give room sizes separated by commas, e.g. 100,300,1000") from None
    if not sizes or min(sizes) < 1:
        raise CsiError(f"--ladder {ladder!r}: give room sizes of at least 1, e.g. 100,300,1000")
    cal = calibrate(sizes, arrival_seconds=arrival_seconds, report=click.echo)
    path = cal.save()
    click.secho(
        f"One room process on this machine holds {cal.ceiling or 'fewer than ' + str(sizes[0])} phones; "
        f"saved in {path}.",
        bold=True,
    )
