"""Every command meets a bad path, file or option with one line on stderr and exit 1:
no traceback anywhere (a facilitator never reads one). Bare ``csikit`` is help, exit 0."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import copy_demo

from csikit.cli import main


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    return copy_demo(tmp_path_factory.mktemp("cli") / "demo")


def _bad_runs(demo: Path, tmp: Path) -> list[list[str]]:
    missing = str(tmp / "no-such-workshop")
    store = f"sqlite:///{tmp}/store.sqlite"
    return [
        ["check", missing],
        ["new", "x", "--from", missing, "--dir", str(tmp)],
        ["simulate", missing, "-n", "3"],
        ["export", missing, "--format", "csv", "--out", str(tmp / "out")],
        ["export", str(demo), "--format", "xlsx", "--out", "/proc/csikit-export", "--store", store],
        ["review", missing, "--out", str(tmp / "rev")],
        ["review", str(demo), "--quarter", "2026-3", "--store", store, "--out", str(tmp / "rev")],
        ["measure", missing, "--file", str(tmp / "none.csv")],
        ["lab", missing],
        ["serve", missing],
        ["serve", str(demo), "--join-url", "10.0.0.1:8080"],
        ["capacity", "--ladder", "many"],
        ["simulate", str(demo), "-n", "3", "--store", "mysql://nobody@nowhere/x"],
    ]


def test_bare_csikit_shows_the_help_and_succeeds():
    result = CliRunner().invoke(main, [], prog_name="csikit")
    assert result.exit_code == 0 and "Usage: csikit" in result.output and "demo" in result.output


def test_no_command_prints_a_traceback_for_a_bad_path_file_or_option(demo, tmp_path):
    for args in _bad_runs(demo, tmp_path):
        result = CliRunner().invoke(main, args, prog_name="csikit")
        said = result.output.strip()
        assert result.exit_code in (1, 2), (args, said)
        assert "Traceback" not in said and said, (args, said)
        if result.exit_code == 1:  # csikit's own message: one line (click's usage errors are its own format)
            assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), args
            assert len(said.splitlines()) <= 3, (args, said)


def test_an_export_into_an_unwritable_folder_is_one_line(demo, tmp_path):
    from csikit.store import Store
    from csikit.workshop_file import load_workshop

    Store(f"sqlite:///{tmp_path}/s.sqlite").sync_workshop(load_workshop(demo))  # a store that exists
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "csikit",
            "export",
            str(demo),
            "--format",
            "csv",
            "--out",
            "/proc/csikit-export",
            "--store",
            f"sqlite:///{tmp_path}/s.sqlite",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "/proc/csikit-export" in proc.stderr


def test_a_postgresql_store_without_its_driver_names_the_extra(demo, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_psycopg(name, *args, **kwargs):
        if name.split(".")[0] in ("psycopg", "psycopg2"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_psycopg)
    result = CliRunner().invoke(
        main, ["simulate", str(demo), "-n", "2", "--store", "postgresql+psycopg://u@127.0.0.1:1/x"], prog_name="csikit"
    )
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "pip install 'csikit[postgres]'" in result.output


def test_path_is_never_implied(tmp_path):
    csv = tmp_path / "kpis.csv"
    csv.write_text("kpi,quarter,value\nfcr,2026Q4,72.5\n", encoding="utf-8")
    for args in (["measure", "--file", str(csv)], ["review", "--out", str(tmp_path)], ["check"]):
        result = CliRunner().invoke(main, args, prog_name="csikit")
        assert result.exit_code == 2 and "Missing argument 'PATH'" in result.output, (args, result.output)


def test_reading_a_store_that_does_not_exist_is_an_error_not_an_empty_workshop(demo, tmp_path):
    import csikit
    from csikit.errors import CsiError

    typo = f"sqlite:///{tmp_path}/typo.db"
    for args in (
        ["export", str(demo), "--out", str(tmp_path / "out"), "--store", typo],
        ["review", str(demo), "--out", str(tmp_path / "rev"), "--store", typo],
        ["new", "next", "--from", str(demo), "--dir", str(tmp_path), "--store", typo],
    ):
        result = CliRunner().invoke(main, args, prog_name="csikit")
        assert result.exit_code == 1 and "No store at" in result.output and "typo.db" in result.output, (
            args,
            result.output,
        )
    with pytest.raises(CsiError, match="No store at"):
        csikit.open_workshop(demo, typo)
    assert not (tmp_path / "typo.db").exists()  # nothing was created
    fresh = copy_demo(tmp_path / "never-run")
    result = CliRunner().invoke(main, ["new", "next", "--from", str(fresh), "--dir", str(tmp_path)], prog_name="csikit")
    assert result.exit_code == 1 and "No store at" in result.output
    assert not (fresh / "csikit.sqlite").exists()  # the source folder is left as it was
