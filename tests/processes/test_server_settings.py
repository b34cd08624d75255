"""ServerSettings: what a csikit server is started with, its defaults, its checks, and the
one mapping of the `csikit serve`, `demo` and `lab` options onto it (no server is started)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from conftest import copy_demo, invoke
from repo_paths import CSIKIT

from csikit.errors import CsiError
from csikit.server_settings import CULL_IDLE_S, CULL_INTERVAL_S, ServerSettings


def test_the_defaults_are_csikit_serves():
    s = ServerSettings()
    assert (s.store_url, s.code, s.host, s.participant_port, s.facilitator_port, s.token) == (
        None,
        "",
        "0.0.0.0",
        8866,
        8867,
        None,
    )
    assert (s.expected, s.participant_servers, s.workshop_path, s.join_url, s.log_dir) == (30, 1, "", "", None)
    assert (s.cull_idle, s.cull_interval, s.lab_port, s.folder) == (CULL_IDLE_S, CULL_INTERVAL_S, 0, None)
    assert (CULL_IDLE_S, CULL_INTERVAL_S) == (300, 60)


def test_every_field_is_documented():
    source = (CSIKIT / "server_settings.py").read_text()
    for f in dataclasses.fields(ServerSettings):
        assert "#: " in source.split(f"    {f.name}:")[0].rsplit("\n\n", 1)[-1], f.name


def test_frozen_and_derived_with_replace():
    s = ServerSettings("sqlite:///x.sqlite", "DESK26", token="secret")
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.host = "127.0.0.1"  # type: ignore[misc]
    t = s.replace(host="127.0.0.1", participant_port=9000)
    assert (t.host, t.participant_port, t.code, t.token) == ("127.0.0.1", 9000, "DESK26", "secret")
    assert (s.host, s.participant_port) == ("0.0.0.0", 8866)  # unchanged
    assert "secret" not in repr(s)  # the token never reaches a log through repr


def test_paths_given_as_text_become_paths():
    s = ServerSettings(log_dir="/tmp/logs", folder="lab", workshop_path=Path("workshops/demo"))
    assert s.log_dir == Path("/tmp/logs") and s.folder == Path("lab") and s.workshop_path == "workshops/demo"


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"participant_port": 70000}, "--participant-port 70000: a port is a whole number from 0 to 65535."),
        ({"facilitator_port": -1}, "--facilitator-port -1: a port is a whole number from 0 to 65535."),
        ({"lab_port": "8888"}, "--port '8888': a port is a whole number from 0 to 65535."),
        ({"expected": -3}, "--expected -3: give how many participants you expect, 0 or more."),
        ({"participant_servers": 0}, "--participant-servers must be at least 1."),
        (
            {"join_url": "10.0.0.1:8080"},
            "--join-url '10.0.0.1:8080': give the whole link, e.g. http://10.0.0.1:8080/?code=DESK26",
        ),
        ({"cull_idle": -1}, "cull_idle -1: give a number of seconds, 0 or more."),
    ],
)
def test_a_wrong_setting_is_said_in_a_sentence(changes, said):
    with pytest.raises(CsiError) as err:
        ServerSettings(**changes)
    assert str(err.value) == said
    with pytest.raises(CsiError):  # derived settings are checked too
        ServerSettings().replace(**changes)


def test_every_problem_is_said_at_once():
    with pytest.raises(CsiError) as err:
        ServerSettings(participant_port=-1, expected=-1, join_url="ftp://x")
    assert len(str(err.value).splitlines()) == 3


def test_https_join_url_and_port_0_are_fine():
    assert ServerSettings(join_url="https://room.example/?code=X", lab_port=0).join_url.startswith("https://")


def test_a_server_needs_a_store_url_and_a_code():
    from csikit.lab import start_lab
    from csikit.scaleout import start_scaled
    from csikit.serve import start_servers

    for start in (start_servers, start_scaled, start_lab):
        with pytest.raises(CsiError, match="without store_url and code: derive them"):
            start(ServerSettings())
    assert ServerSettings("sqlite:///x", "X").for_workshop().code == "X"


# ------------------------------------------------------------------ the command's options
def test_the_option_mapping_names_only_settings_fields():
    from csikit.cli import SETTING_OF_OPTION, server_settings

    fields = {f.name for f in dataclasses.fields(ServerSettings)}
    assert set(SETTING_OF_OPTION.values()) <= fields
    assert server_settings() == ServerSettings()
    s = server_settings(
        path="w",
        store_url="sqlite:///s",
        host="127.0.0.1",
        participant_port=1,
        facilitator_port=2,
        token="t",
        expected=5,
        participant_servers=3,
        join_url="http://j/",
        port=7,
        lab_folder=Path("l"),
    )
    assert s == ServerSettings(
        "sqlite:///s", "", "127.0.0.1", 1, 2, "t", 5, 3, "w", "http://j/", lab_port=7, folder=Path("l")
    )


def test_the_commands_options_are_the_same_as_before():
    from csikit.cli import SETTING_OF_OPTION, main

    options = {name: sorted(o for p in main.commands[name].params for o in p.opts) for name in ("serve", "demo", "lab")}
    assert options["serve"] == sorted(
        [
            "path",
            "--store",
            "--host",
            "--participant-port",
            "--facilitator-port",
            "--token",
            "--expected",
            "--participant-servers",
            "--join-url",
        ]
    )
    assert options["demo"] == sorted(
        ["--dir", "--host", "--participant-port", "--facilitator-port", "--token", "--expected"]
    )
    assert options["lab"] == sorted(["path", "--store", "--dir", "--port"])
    for name in ("serve", "lab"):  # every parameter of these commands is a setting
        assert {p.name for p in main.commands[name].params} <= set(SETTING_OF_OPTION)


@pytest.fixture
def ran(monkeypatch):
    """What csikit serve or demo would start the servers with (servers stood in for)."""
    import csikit.cli

    got = []
    monkeypatch.setattr(csikit.cli, "_run_servers", lambda ws, store, settings: got.append((ws, store, settings)))
    return got


def test_serve_options_make_the_settings(tmp_path, ran, monkeypatch):
    monkeypatch.delenv("CSIKIT_STORE", raising=False)
    folder = copy_demo(tmp_path / "demo")
    store = f"sqlite:///{tmp_path}/store.sqlite"
    result = invoke(
        "serve",
        str(folder),
        "--store",
        store,
        "--host",
        "127.0.0.1",
        "--participant-port",
        "9001",
        "--facilitator-port",
        "9002",
        "--token",
        "tok",
        "--expected",
        "120",
        "--participant-servers",
        "2",
        "--join-url",
        "http://10.0.0.1:8080/?code=DESK26",
    )
    assert result.exit_code == 0, result.output
    [(ws, _, settings)] = ran
    assert settings == ServerSettings(
        store, "", "127.0.0.1", 9001, 9002, "tok", 120, 2, str(folder), "http://10.0.0.1:8080/?code=DESK26"
    )
    assert ws.code == "DESK26"


def test_serve_defaults_and_the_store_from_the_environment(tmp_path, ran, monkeypatch):
    folder = copy_demo(tmp_path / "demo")
    store = f"sqlite:///{tmp_path}/env.sqlite"
    monkeypatch.setenv("CSIKIT_STORE", store)
    assert invoke("serve", str(folder)).exit_code == 0
    [(_, opened, settings)] = ran
    assert settings == ServerSettings(store_url=store, workshop_path=str(folder))
    assert opened.url_for_kernels.endswith("env.sqlite")


def test_run_servers_derives_the_store_url_and_code(tmp_path, monkeypatch):
    """_run_servers hands start_servers the settings with the resolved store URL and the workshop's code."""
    import csikit.cli
    import csikit.serve

    monkeypatch.delenv("CSIKIT_STORE", raising=False)
    started = []

    def fake_start(settings):
        started.append(settings)
        raise KeyboardInterrupt  # stop there: no server

    monkeypatch.setattr(csikit.serve, "start_servers", fake_start)
    folder = copy_demo(tmp_path / "demo")
    result = invoke("serve", str(folder), "--participant-port", "9101", "--token", "tok")
    assert "Stopping" in result.output
    [s] = started
    assert (s.code, s.participant_port, s.token, s.workshop_path) == ("DESK26", 9101, "tok", str(folder))
    assert s.store_url.startswith("sqlite:///") and s.store_url.endswith("csikit.sqlite")


def test_a_bad_port_on_the_command_line_is_one_sentence(tmp_path, ran):
    folder = copy_demo(tmp_path / "demo")
    result = invoke("serve", str(folder), "--participant-port", "70000")
    assert result.exit_code == 1 and not ran
    assert result.output.strip() == "--participant-port 70000: a port is a whole number from 0 to 65535."


def test_lab_options_make_the_settings(tmp_path, monkeypatch):
    import csikit.lab

    got = []
    monkeypatch.setattr(csikit.lab, "run_lab", lambda settings, echo: got.append(settings))
    monkeypatch.delenv("CSIKIT_STORE", raising=False)
    assert (
        invoke("lab", "w", "--store", "sqlite:///s.sqlite", "--dir", str(tmp_path / "nb"), "--port", "8899").exit_code
        == 0
    )
    assert invoke("lab", "w").exit_code == 0
    assert got == [
        ServerSettings("sqlite:///s.sqlite", workshop_path="w", folder=tmp_path / "nb", lab_port=8899),
        ServerSettings(workshop_path="w"),
    ]
