"""The container's path without Docker: the built wheel, installed from the lock file in a fresh
virtualenv outside the checkout, runs `boardwatch` from an empty folder."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.live import free_port

ROOT = Path(__file__).resolve().parents[2]
NOT_SOURCES = (".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", "*.db*")
# Builds a wheel and installs ~50 packages (from pip's cache): minutes on a busy machine.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=600,
    )
    assert done.returncode == 0, f"{args}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _clean_environment(home: Path) -> dict[str, str]:
    """This machine's environment without any boardwatch or GitHub setting (a new team)."""
    kept = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("BOARDWATCH_", "GITHUB_", "PYTHON", "VIRTUAL_ENV"))
    }
    return {**kept, "HOME": str(home)}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `bin/` folder of a fresh virtualenv holding the wheel and the locked dependencies."""
    tmp = tmp_path_factory.mktemp("wheel")
    # Built from a copy: setuptools leaves build/ behind, and a stale build/ would ship files
    # the checkout no longer has.
    source = tmp / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCES))
    dist = tmp / "dist"
    _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", dist, source, cwd=tmp)
    (wheel,) = dist.glob("boardwatch-*.whl")
    venv = tmp / "venv"
    _run(sys.executable, "-m", "venv", venv, cwd=tmp)
    pip = [venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--no-compile"]
    _run(*pip, "-r", ROOT / "requirements.lock", cwd=tmp)
    _run(*pip, "--no-deps", wheel, cwd=tmp)
    return venv / "bin"


@pytest.fixture
def empty(tmp_path: Path) -> Path:
    folder = tmp_path / "empty"
    folder.mkdir()
    return folder


def test_the_wheel_carries_the_defaults(installed: Path, empty: Path) -> None:
    env = _clean_environment(empty)
    version = _run(installed / "boardwatch", "--version", cwd=empty, env=env)
    assert re.fullmatch(r"boardwatch \d+\.\d+\.\d+\S*\n", version)
    checked = _run(installed / "boardwatch", "rules", "check", cwd=empty, env=env)
    assert checked.startswith("OK: ")
    shipped = _run(
        installed / "python",
        "-c",
        "from service.defaults import rules_dir; d = rules_dir(); "
        "print(d); print(*sorted(p.name for p in d.rglob('*.yml')))",
        cwd=empty,
        env=env,
    )
    where, names = shipped.splitlines()
    assert not where.startswith(str(ROOT)) and "site-packages" in where
    assert {"default.yml", "targets.yml", "marketing-request.yml"} <= set(names.split())


def test_serve_runs_from_an_empty_folder(installed: Path, empty: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = empty.parent / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [installed / "boardwatch", "serve", "--port", str(port)],
            cwd=empty,
            env=_clean_environment(empty),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        landing = httpx.get(f"{url}/")
        setup = httpx.get(f"{url}/setup")
        docs = httpx.get(f"{url}/docs")
        asset = re.search(r"""src=['"](/[^'"]+\.js)['"]""", docs.text)
        script = httpx.get(f"{url}{asset.group(1)}") if asset else None
    finally:
        server.terminate()
        server.wait(20)
    assert landing.status_code == 200 and "Set up boardwatch" in landing.text
    assert setup.status_code == 200 and "Set up boardwatch" in setup.text
    assert docs.status_code == 200 and script is not None and script.status_code == 200
    assert f"open {url}/setup" in log.read_text()
    assert (empty / "boardwatch.db").is_file()  # the database lands where it runs
