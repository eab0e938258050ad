"""The built wheel stands on its own: bundled scenarios, templates and the ``fiscal-sim`` commands work from
another directory in a fresh virtual environment (the dependencies borrowed from the test environment)."""

from __future__ import annotations

import json
import os
import re
import site
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv with only the wheel installed; returns its bin folder."""
    root = tmp_path_factory.mktemp("wheel")
    dist = root / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(REPO)],
        check=True,
        cwd=root,
    )
    (wheel,) = dist.glob("fiscal_sim-*.whl")
    env = root / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    python = env / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)], check=True
    )
    # the dependencies (numpy, pandas, Flask …) from the test environment, behind the wheel's own packages
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(purelib, "borrowed-dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return env / "bin"


def run(bin_dir: Path, *args, cwd: Path) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": "", "MPLBACKEND": "Agg"}
    return subprocess.run(
        [str(bin_dir / "fiscal-sim"), *args], cwd=cwd, capture_output=True, text=True, env=environment, timeout=120
    )


def bundled_dir(bin_dir: Path, cwd: Path) -> Path:
    """Where the installed package keeps its bundled scenarios."""
    code = "from fiscal_sim.scenario import BUNDLED_DIR; print(BUNDLED_DIR)"
    found = subprocess.run([str(bin_dir / "python"), "-c", code], cwd=cwd, capture_output=True, text=True, check=True)
    return Path(found.stdout.strip())


def test_the_wheel_holds_the_bundled_scenarios(installed, tmp_path):
    bundled = bundled_dir(installed, tmp_path)
    assert REPO not in bundled.parents and bundled.is_dir()  # inside the new environment, not the checkout
    assert {"baseline.yaml", "towns.csv", "projects.csv"} <= {p.name for p in bundled.iterdir()}


def test_validate_and_run_a_bundled_scenario_from_another_directory(installed, tmp_path):
    baseline = bundled_dir(installed, tmp_path) / "baseline.yaml"
    checked = run(installed, "validate", str(baseline), cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith("OK")
    ran = run(installed, "run", str(baseline), "--out", "out", cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert (tmp_path / "out" / "towns.csv").exists()


def test_serve_finds_the_bundled_scenarios(installed, tmp_path):
    environment = {**os.environ, "PYTHONPATH": "", "FISCAL_SIM_DATA_DIR": str(tmp_path / "data")}
    server = subprocess.Popen(
        [str(installed / "fiscal-sim"), "serve", "--port", "0"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )
    try:
        line = server.stdout.readline()
        base = re.search(r"http://[^ /]+:\d+", line).group(0)
        with urllib.request.urlopen(f"{base}/api/v1/scenarios", timeout=30) as response:
            ids = {s["id"] for s in json.load(response)["scenarios"]}
        assert "baseline" in ids
        with urllib.request.urlopen(f"{base}/", timeout=30) as response:  # the page's templates are packaged
            assert response.status == 200 and "县乡财政体制模拟" in response.read().decode("utf-8")
    finally:
        server.terminate()
        server.wait(timeout=30)
