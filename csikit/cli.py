"""The ``csikit`` command: one subcommand per job a facilitator or analyst does.

Errors that csikit raises on purpose are printed as plain messages (exit 1), never
as tracebacks.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import click

from .errors import CsiError
from .store import Store, default_store_url
from .workshop_file import WORKSHOP_FILE, load_workshop, workshop_path

STORE_HELP = "Store URL: sqlite:///file.sqlite or postgresql+psycopg://user@host/db (default: csikit.sqlite beside the workshop file)."


def friendly(fn):
    """Turn CsiError into a message on stderr and exit status 1."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except CsiError as exc:
            click.secho(str(exc), fg="red", err=True)
            sys.exit(1)

    return wrapper


def open_workshop(path: str, store_url: str | None):
    """Load a workshop file and sync it into its store; returns (workshop, store)."""
    workshop = load_workshop(path)
    store = Store(store_url or default_store_url(workshop_path(path).parent))
    store.sync_workshop(workshop)
    return workshop, store


store_option = click.option("--store", "store_url", metavar="URL", default=None, envvar="CSIKIT_STORE", help=STORE_HELP)
path_argument = click.argument("path", type=click.Path(path_type=str), default="workshops/demo")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="csikit")
def main() -> None:
    """csikit runs the ITIL Continual Service Improvement six-step model as live,
    data-driven workshops.

    \b
    Start here:
      csikit demo                      run the demo workshop (facilitator + participant apps)
      csikit check workshops/demo      validate a workshop file
      csikit new my-workshop           start a workshop from a commented template
    """


@main.command()
@click.argument("name")
@click.option("--title", default=None, help="Workshop title (default: from NAME).")
@click.option("--dir", "parent", default="workshops", show_default=True, help="Folder that holds workshops.")
@friendly
def new(name: str, title: str | None, parent: str) -> None:
    """Start workshop NAME from a commented template (workshops/NAME/workshop.yaml)."""
    from .scaffold import new_workshop

    file = new_workshop(Path(parent) / name, title=title)
    click.echo(f"Created {file}\nEdit it, then check it with: csikit check {file.parent}")


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
@click.option("--participants", "-n", default=20, show_default=True, type=click.IntRange(1, 5000), help="How many people to simulate.")
@click.option("--seed", default=0, show_default=True, help="Random seed; the same seed gives the same responses.")
@click.option("--walk", is_flag=True, help="Rehearse the whole agenda: open, fill, lock and reveal every draft activity.")
@store_option
@friendly
def simulate(path: str, participants: int, seed: int, walk: bool, store_url: str | None) -> None:
    """Join N simulated participants and fill the open activities with plausible responses."""
    from tqdm import tqdm

    from .simulate import simulate as run

    ws, store = open_workshop(path, store_url)
    bar = functools.partial(tqdm, desc="activities", unit="activity", leave=False, disable=None)
    done = run(store, ws.code, participants, seed=seed, walk=walk, progress=bar)
    if not done:
        click.echo(f"Joined {participants} participants, but no activity of {ws.code} is open. "
                   "Open one in the facilitator app, or rehearse everything with --walk.")
        return
    for key, accepted, refused in done:
        click.echo(f"{key:<24} {accepted:>5} answered  {refused:>4} refused")
    click.echo(f"Store: {store.shown}")


@main.command()
@path_argument
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True)
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Folder to write the tables to.")
@store_option
@friendly
def export(path: str, fmt: str, out: Path, store_url: str | None) -> None:
    """Write the CSI register, responses, ideas, measurements and audit trail as tidy tables."""
    from .export import export_tables

    ws, store = open_workshop(path, store_url)
    for file in export_tables(store, ws.code, out, fmt):
        click.echo(file)


def run() -> None:
    """Entry point for ``python -m csikit``."""
    main(prog_name="csikit")


__all__ = ["main", "open_workshop", "WORKSHOP_FILE"]
