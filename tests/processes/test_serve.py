"""csikit.serve: the room server's command line and the private serve folders."""

from __future__ import annotations

import sys


def test_room_server_runs_the_room_extension_alone_with_an_unlogged_token(tmp_path):
    from csikit.serve import installed_server_extensions, room_command

    cmd, env = room_command(8866, "0.0.0.0", tmp_path / "room", {"CSIKIT_STORE": "sqlite:///x.sqlite"})
    assert cmd[:3] == [sys.executable, "-m", "jupyter_server"] and "--no-browser" in cmd
    extensions = next(a for a in cmd if a.startswith("--ServerApp.jpserver_extensions="))
    assert "'csikit.room': True" in extensions
    for name in installed_server_extensions():  # JupyterLab, Voila, terminals … off on a phones' server
        if name != "csikit.room":
            assert f"'{name}': False" in extensions
    assert "--ServerApp.terminals_enabled=False" in cmd and "--port=8866" in cmd
    assert env["JUPYTER_TOKEN"] and not any(env["JUPYTER_TOKEN"] in a for a in cmd)  # never on the command line
    assert (tmp_path / "room" / "root").is_dir() and not any((tmp_path / "room" / "root").iterdir())
    assert env["CSIKIT_STORE"] == "sqlite:///x.sqlite"


# --- the private serve folder ----------------------------------------------------------------


def _old(folder, seconds=3600):
    import os
    import time

    t = time.time() - seconds
    os.utime(folder, (t, t))
    return folder


def test_stale_serve_folders_are_removed_but_not_those_in_use(tmp_path):
    import fcntl
    import subprocess
    import sys

    from csikit.serve import clean_stale_workdirs

    stale = tmp_path / "csikit-serve-stale"
    (stale / "participant").mkdir(parents=True)
    (stale / "participant" / "voila.py").write_text("c.Voila.cookie_secret = b'secret'\n")
    (stale / "lock").write_text("12345\n")
    old_style = tmp_path / "csikit-serve-oldstyle"  # from before the lock file
    old_style.mkdir()
    locked = tmp_path / "csikit-serve-locked"  # its csikit serve runs
    locked.mkdir()
    holder = open(locked / "lock", "w")  # noqa: SIM115
    fcntl.flock(holder, fcntl.LOCK_EX)
    named = tmp_path / "csikit-serve-named"  # its csikit serve was killed, its Voila server runs on
    (named / "participant").mkdir(parents=True)
    server = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)", f"--Voila.config_file_paths={named / 'participant'}"]
    )
    young = tmp_path / "csikit-serve-young"  # just made by a csikit serve that is starting
    young.mkdir()
    other = tmp_path / "not-csikit"
    other.mkdir()
    for folder in (stale, old_style, locked, named, other):
        _old(folder)
    try:
        removed = clean_stale_workdirs(tmp_path)
    finally:
        server.kill()
        server.wait()
        holder.close()
    assert sorted(removed) == sorted([stale, old_style])
    assert not stale.exists() and not old_style.exists()
    assert locked.exists() and named.exists() and young.exists() and other.exists()


def test_new_workdir_is_private_and_locked(tmp_path):
    import stat

    from csikit.serve import Servers, clean_stale_workdirs, new_workdir

    workdir, lock = new_workdir(tmp_path)
    assert stat.S_IMODE(workdir.stat().st_mode) == 0o700
    _old(workdir)
    assert clean_stale_workdirs(tmp_path) == []  # held by this process
    Servers("p", "f", workdir=workdir, lock=lock).stop()
    assert not workdir.exists()
