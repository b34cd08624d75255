"""`csikit lab`: the lab folder (notebooks with their parameters filled), the JupyterLab
process (loopback, token, kernels get the workshop and store), and a clean stop."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner
from repo_paths import DEMO

from csikit.cli import main
from csikit.lab import LAB_NOTEBOOKS, fill_parameters, lab_command, prepare_lab
from csikit.serve import free_port


@pytest.fixture
def demo(tmp_path) -> Path:
    folder = tmp_path / "demo"
    shutil.copytree(DEMO, folder, ignore=shutil.ignore_patterns("*.sqlite*", "lab"))
    return folder


def parameters(nb_path: Path) -> str:
    nb = nbformat.read(nb_path, as_version=4)
    return next(c.source for c in nb.cells if "parameters" in c.metadata.get("tags", []))


def test_fill_parameters_keeps_comments_and_other_lines():
    source = 'workshop = ""  # the folder\nquarter = ""  # e.g. 2026Q3\nstore_url = ""\nother = 1'
    filled = fill_parameters(source, {"workshop": "..", "store_url": "sqlite:///x.sqlite"})
    assert (
        filled
        == "workshop = '..'  # the folder\nquarter = \"\"  # e.g. 2026Q3\nstore_url = 'sqlite:///x.sqlite'\nother = 1"
    )


def test_prepare_lab_fills_parameters_and_keeps_the_analysts_cells(demo):
    file = demo / "workshop.yaml"
    folder, written = prepare_lab(file, "sqlite:////tmp/store.sqlite")
    assert folder == (demo / "lab").resolve()
    assert sorted(p.name for p in written) == sorted(LAB_NOTEBOOKS)
    for name in LAB_NOTEBOOKS:
        source = parameters(folder / name)
        assert "workshop = '..'" in source and "store_url = 'sqlite:////tmp/store.sqlite'" in source, name
    # the analyst adds a cell; a new run with another store changes the parameters only
    nb = nbformat.read(folder / "step1_vision.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("my_own_analysis = 42"))
    nbformat.write(nb, folder / "step1_vision.ipynb")
    _, again = prepare_lab(file, "sqlite:////tmp/store.sqlite")
    assert again == []  # nothing changed: nothing written
    _, moved = prepare_lab(file, "")  # a URL with a password stays out of the notebooks
    assert len(moved) == len(LAB_NOTEBOOKS)
    nb = nbformat.read(folder / "step1_vision.ipynb", as_version=4)
    assert nb.cells[-1].source == "my_own_analysis = 42"
    assert "store_url = ''" in parameters(folder / "step1_vision.ipynb")


def test_the_lab_listens_on_loopback_and_keeps_the_token_off_the_command_line(tmp_path):
    command = lab_command(tmp_path, 8888)
    assert "--ServerApp.port=8888" in command and "--ServerApp.port_retries=0" in command
    assert "--ServerApp.ip=127.0.0.1" in command and not any("token" in part.lower() for part in command)


def test_cli_lab_reports_a_bad_workshop_without_a_traceback(tmp_path):
    result = CliRunner().invoke(main, ["lab", str(tmp_path / "nope")], prog_name="csikit")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "nope" in result.output


def kernel_environment(kernel_id: str, timeout: float = 5) -> dict[str, str]:
    """The environment of the ipykernel process whose connection file names ``kernel_id``."""
    deadline = time.monotonic() + timeout
    while True:
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
                if f"kernel-{kernel_id}.json" in cmd:
                    raw = Path(f"/proc/{pid}/environ").read_bytes().decode(errors="replace")
                    return dict(item.split("=", 1) for item in raw.split("\0") if "=" in item)
            except OSError:
                continue
        assert time.monotonic() < deadline, f"no kernel process for {kernel_id}"
        time.sleep(0.2)


@pytest.mark.server
@pytest.mark.slow
def test_csikit_lab_starts_jupyterlab_whose_kernels_know_the_workshop_and_stops_on_ctrl_c(demo, tmp_path):
    url = f"sqlite:///{tmp_path}/store.sqlite"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CSIKIT_", "VOILA_", "JPY_SESSION"))}
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "csikit", "lab", str(demo), "--store", url, "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    out = []
    try:
        for line in proc.stdout:
            out.append(line)
            if line.startswith("JupyterLab: "):
                break
        link = out[-1].split(": ", 1)[1].strip()
        assert link.startswith(f"http://127.0.0.1:{port}/") and "/lab?token=" in link, "".join(out)  # --port honoured
        base, token = link.split("/lab?token=")
        with pytest.raises(urllib.error.HTTPError):  # no token, no files
            urllib.request.urlopen(f"{base}/api/contents")
        listing = json.load(urllib.request.urlopen(f"{base}/api/contents?token={token}"))
        assert set(LAB_NOTEBOOKS) <= {item["name"] for item in listing["content"]}
        # a kernel started by the lab is told the workshop and the store through its environment
        request = urllib.request.Request(
            f"{base}/api/sessions?token={token}",
            method="POST",
            data=json.dumps({"path": "probe.ipynb", "type": "notebook", "kernel": {"name": "python3"}}).encode(),
            headers={"Content-Type": "application/json"},
        )
        kernel = json.load(urllib.request.urlopen(request))["kernel"]["id"]
        assert kernel_environment(kernel, timeout=60)["CSIKIT_STORE"] == url
        assert Path(kernel_environment(kernel)["CSIKIT_WORKSHOP_PATH"]) == demo.resolve()
        # the "official Jupyter news?" question is answered: no pop-up on the analyst's first start
        news = json.load(
            urllib.request.urlopen(f"{base}/lab/api/settings/@jupyterlab/apputils-extension:notification?token={token}")
        )
        assert news["settings"]["fetchNews"] == "false"
    finally:
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0 and "Stopping JupyterLab" in rest
    time.sleep(0.5)
    ps = subprocess.run(["ps", "-eo", "args="], capture_output=True, text=True).stdout
    assert str(demo / "lab") not in ps, "JupyterLab is still running"
