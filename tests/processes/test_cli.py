"""The csikit command: check, new, simulate, export and every --help (what export writes:
test_export.py).

Stores always live in tmp_path (the repo's own workshops/demo/csikit.sqlite is never
touched): simulate and export get a copy of the demo and an explicit --store.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import copy_demo, invoke
from repo_paths import DEMO, REPO

from csikit.cli import main
from csikit.model import ActivityKind, ActivityState
from csikit.store import Store
from csikit.workshop_file import load_workshop

CODE = load_workshop(DEMO).code
HINT = f"no activity of {CODE} is open"
FORMULA = '=HYPERLINK("http://example.invalid","click me")'

BROKEN = """\
code: BROKEN1
title: Broken workshop
organisation: Test Org
agenda:
  - id: pick
    step: 3
    kind: dot_vote
    title: Pick one
    budgett: 5
    items: [{id: a, text: A}, {id: b, text: B}]
"""


def store_url(path: Path) -> str:
    return f"sqlite:///{path}"


# --- help ------------------------------------------------------------------------------------


def test_python_m_csikit_help_in_a_real_process():
    done = subprocess.run(
        [sys.executable, "-m", "csikit", "--help"], capture_output=True, text=True, timeout=60, cwd=REPO
    )
    assert done.returncode == 0, done.stderr
    assert "Usage: csikit" in done.stdout
    for name in ("check", "new", "simulate", "export"):
        assert name in done.stdout
    assert "Traceback" not in done.stderr


def test_every_subcommand_has_help():
    assert set(main.commands) >= {"check", "new", "simulate", "export"}
    for name, command in main.commands.items():
        result = invoke(name, "--help")
        assert result.exit_code == 0, (name, result.output)
        assert f"Usage: csikit {name}" in result.output
        if any(p.name == "store_url" for p in command.params):
            assert "--store" in result.output, name
    for name in ("simulate", "export"):
        assert "--store" in invoke(name, "--help").output
    assert invoke("-h").exit_code == 0


# --- check -----------------------------------------------------------------------------------


def test_check_the_demo():
    result = invoke("check", str(DEMO))
    assert result.exit_code == 0, result.output
    assert "OK" in result.output and CODE in result.output
    assert not (DEMO / "csikit.sqlite-journal").exists()


def test_check_a_broken_file(tmp_path):
    file = tmp_path / "workshop.yaml"
    file.write_text(BROKEN, encoding="utf-8")
    result = invoke("check", str(tmp_path))
    assert result.exit_code == 1
    assert f"{file}:9: agenda[0].budgett: unknown field 'budgett'; did you mean 'budget'?" in result.output
    # invalid YAML, a missing file
    file.write_text("code: X\ntitle: [oops\n", encoding="utf-8")
    result = invoke("check", str(file))
    assert result.exit_code == 1 and f"{file}:" in result.output and "not valid YAML" in result.output
    result = invoke("check", str(tmp_path / "nowhere"))
    assert result.exit_code == 1 and "no such workshop file" in result.output


def test_check_a_broken_file_in_a_real_process(tmp_path):
    (tmp_path / "workshop.yaml").write_text(BROKEN, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "csikit", "check", str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert ":9: agenda[0].budgett: unknown field" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


# --- new ---------------------------------------------------------------------------------------


def test_new_creates_a_valid_workshop_and_refuses_to_overwrite(tmp_path):
    result = invoke("new", "quarterly-review", "--dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    file = tmp_path / "quarterly-review" / "workshop.yaml"
    assert file.is_file()
    ws = load_workshop(file)
    assert ws.code == "QUARTERLYR"
    assert ws.title == "Quarterly review"
    assert invoke("check", str(file.parent)).exit_code == 0
    file.write_text(file.read_text(encoding="utf-8") + "# my edits\n", encoding="utf-8")
    before = file.read_text(encoding="utf-8")
    result = invoke("new", "quarterly-review", "--dir", str(tmp_path))
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert file.read_text(encoding="utf-8") == before


def test_new_with_an_awkward_title(tmp_path):
    title = 'The "big" review: 2026 \\ Q1 # not a comment'
    result = invoke("new", "x", "--dir", str(tmp_path), "--title", title)
    assert result.exit_code == 0, result.output
    ws = load_workshop(tmp_path / "x")
    assert ws.title == title
    assert 4 <= len(ws.code) <= 12


# --- simulate and export ------------------------------------------------------------------------


def test_simulate_without_an_open_activity_prints_the_hint(tmp_path):
    folder = copy_demo(tmp_path / "demo")
    url = store_url(tmp_path / "store.sqlite")
    result = invoke("simulate", str(folder), "--participants", "40", "--store", url)
    assert result.exit_code == 0, result.output
    assert HINT in result.output and "--walk" in result.output
    assert not (folder / "csikit.sqlite").exists()
    store = Store(url)
    assert len(store.participants(CODE)) == 40
    assert all(s is ActivityState.DRAFT for s in store.states(CODE).values())
    store.close()


def test_simulate_into_a_missing_folder(tmp_path):
    folder = copy_demo(tmp_path / "demo")
    missing = tmp_path / "no" / "such"
    for args in (
        ["simulate", str(folder), "--store", store_url(missing / "s.sqlite")],
        ["export", str(folder), "--out", str(tmp_path / "out"), "--store", store_url(missing / "s.sqlite")],
    ):
        result = invoke(*args)
        assert result.exit_code == 1
        assert str(missing) in result.output and "does not exist" in result.output
    assert not missing.exists()
    done = subprocess.run(
        [sys.executable, "-m", "csikit", "simulate", str(folder), "--store", store_url(missing / "s.sqlite")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "does not exist" in done.stderr and "Traceback" not in done.stderr


def test_simulate_with_a_bad_store_url(tmp_path):
    folder = copy_demo(tmp_path / "demo")
    result = invoke("simulate", str(folder), "--store", "mysql://someone@somewhere/db")
    assert result.exit_code == 1 and "SQLite or PostgreSQL" in result.output


@pytest.fixture(scope="module")
def walked(tmp_path_factory):
    """The demo, rehearsed once with --walk and 40 people (plus one idea that looks like a formula)."""
    tmp = tmp_path_factory.mktemp("walk")
    folder = copy_demo(tmp / "demo")
    url = store_url(tmp / "store.sqlite")
    store = Store(url)
    store.sync_workshop(load_workshop(folder))
    ideas = next(a.id for a in load_workshop(folder).agenda if a.kind is ActivityKind.IDEAS)
    mallory = store.join(CODE, "Mallory")
    store.open_activity(CODE, ideas)
    store.add_idea(CODE, mallory.id, ideas, FORMULA)
    store.close()
    result = invoke("simulate", str(folder), "--participants", "40", "--walk", "--store", url)
    return folder, url, tmp, result


@pytest.mark.slow
def test_simulate_walk_fills_every_activity(walked):
    folder, url, _, result = walked
    assert result.exit_code == 0, result.output
    ws = load_workshop(folder)
    store = Store(url)
    for a in ws.agenda:
        assert f"{a.id} " in result.output
        answered, joined = store.participation(ws.code, a.id)
        assert joined == 41
        assert answered >= 40, a.id
        assert store.states(ws.code)[a.id] is ActivityState.REVEALED
    assert " 0 refused" in result.output and "Store: " in result.output
    assert not (folder / "csikit.sqlite").exists()
    store.close()


def _serve_folders(tmp) -> list[Path]:
    return sorted(Path(tmp).glob("csikit-serve-*"))


@pytest.mark.server
@pytest.mark.parametrize("signame", ["SIGINT", "SIGTERM", "SIGHUP"])
def test_serve_stops_its_servers_and_removes_its_folder_on_a_signal(tmp_path, signame):
    """Ctrl-C, `kill` or a closed terminal stop both Voila servers and remove the private
    folder that holds the token and the cookie secret."""
    import os
    import signal
    import time

    from csikit.serve import free_port

    env = {**os.environ, "TMPDIR": str(tmp_path)}
    cmd = [
        sys.executable,
        "-c",
        "from csikit.cli import main; main()",
        "demo",
        "--participant-port",
        str(free_port()),
        "--facilitator-port",
        str(free_port()),
    ]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    deadline = time.monotonic() + 120
    lines = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        lines.append(line)
        if line.startswith("Facilitator:") or not line:
            break
    children = [
        int(p) for p in subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
    ]
    assert children, "".join(lines)
    [folder] = _serve_folders(tmp_path)
    assert (folder / "facilitator" / "voila.py").is_file()
    proc.send_signal(getattr(signal, signame))
    out, _ = proc.communicate(timeout=60)
    time.sleep(1)
    alive = [
        pid for pid in children if os.path.exists(f"/proc/{pid}") and "zombie" not in open(f"/proc/{pid}/status").read()
    ]
    assert not alive, f"Voila servers left running after {signame}: {alive}"
    assert not folder.exists(), f"{folder} (token, cookie secret) left behind after {signame}"
    assert "Traceback" not in out
    assert "The demo's workshop and everything the room gave are kept in" in out  # where its data stays


@pytest.mark.server
def test_serve_removes_its_folder_when_start_up_fails(tmp_path):
    """A participant server that cannot start (an address not on this machine) stops serve
    with a message; the private folder goes too."""
    import os

    from csikit.serve import free_port

    env = {**os.environ, "TMPDIR": str(tmp_path)}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "csikit",
            "demo",
            "--host",
            "203.0.113.7",
            "--participant-port",
            str(free_port()),
            "--facilitator-port",
            str(free_port()),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "A server stopped at start-up" in done.stderr and "Traceback (most recent" not in done.stdout
    assert _serve_folders(tmp_path) == []


@pytest.mark.server
def test_serve_cleans_stale_folders_of_killed_runs(tmp_path):
    """A run killed with SIGKILL cannot clean up: the next start removes its folder, not a running one's."""
    import os
    import time

    from csikit.serve import ServerSettings, free_port, start_servers

    stale = tmp_path / "csikit-serve-killed"
    (stale / "facilitator").mkdir(parents=True)
    (stale / "facilitator" / "voila.py").write_text("c.Voila.token = 'old secret'\n")
    (stale / "lock").write_text("999999\n")
    t = time.time() - 3600
    os.utime(stale, (t, t))
    folder = copy_demo(tmp_path / "demo")
    url = store_url(tmp_path / "store.sqlite")
    Store(url).sync_workshop(load_workshop(folder))
    import tempfile

    saved, tempfile.tempdir = tempfile.tempdir, str(tmp_path)
    try:
        first = start_servers(
            ServerSettings(url, CODE, host="127.0.0.1", participant_port=free_port(), facilitator_port=free_port())
        )
        try:
            assert not stale.exists()
            os.utime(first.workdir, (t, t))
            second = start_servers(
                ServerSettings(url, CODE, host="127.0.0.1", participant_port=free_port(), facilitator_port=free_port())
            )
            second.stop()
            assert first.workdir.exists()  # still running: untouched
        finally:
            first.stop()
    finally:
        tempfile.tempdir = saved
    assert _serve_folders(tmp_path) == []


@pytest.mark.server
@pytest.mark.slow
def test_demo_for_1000_answers_at_once_and_leaves_nothing_behind(tmp_path):
    """`csikit demo --expected 1000` answers within seconds (a phone costs a websocket, not a
    preheated kernel), says what this machine holds, and Ctrl-C leaves no process and no
    private folder behind."""
    import os
    import re
    import signal
    import time

    from csikit.serve import free_port

    env = {**os.environ, "TMPDIR": str(tmp_path)}
    cmd = [
        sys.executable,
        "-m",
        "csikit",
        "demo",
        "--expected",
        "1000",
        "--participant-port",
        str(free_port()),
        "--facilitator-port",
        str(free_port()),
    ]
    import queue
    import threading

    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout] and None, daemon=True).start()
    seen, children = [], set()
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                continue
            seen.append(line)
            if line.startswith("Servers answered after"):
                break
        servers = [
            int(p)
            for p in subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
        ]
        for pid in servers:
            children |= {pid} | {
                int(k) for k in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
            }
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=90)
    time.sleep(0.5)
    while not lines.empty():
        seen.append(lines.get())
    text = "".join(seen)
    answered = re.search(r"Servers answered after ([\d.]+) s", text)
    assert answered and float(answered.group(1)) < 15, text  # the goal is 5 s on a quiet machine
    assert children
    time.sleep(1)
    left = [p for p in children if os.path.exists(f"/proc/{p}") and "zombie" not in open(f"/proc/{p}/status").read()]
    assert not left, f"processes left running: {left}"
    assert _serve_folders(tmp_path) == []
