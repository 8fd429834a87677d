"""Packaging in the checkout: the editable install reads the repository's own rules/ and
app.yml (one copy); the lock files pin every dependency pyproject.toml names (else: `make lock`).
The installed wheel is tested in test_wheel.py."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
RUNTIME: list[str] = PROJECT["dependencies"]
DEV: list[str] = PROJECT["optional-dependencies"]["dev"]


def pinned(lock: str) -> dict[str, str]:
    found = {}
    for line in (ROOT / lock).read_text(encoding="utf-8").splitlines():
        if "==" in line and not line.lstrip().startswith("#"):
            name, _, rest = line.partition("==")
            found[canonicalize_name(name.strip())] = rest.split(";")[0].strip()
    return found


@pytest.mark.parametrize(
    ("lock", "wanted"),
    [
        ("requirements.lock", PROJECT["dependencies"]),
        (
            "requirements-dev.lock",
            PROJECT["dependencies"] + PROJECT["optional-dependencies"]["dev"],
        ),
    ],
)
def test_every_dependency_is_pinned_within_its_range(lock: str, wanted: list[str]) -> None:
    pins = pinned(lock)
    problems = []
    for text in wanted:
        requirement = Requirement(text)
        version = pins.get(canonicalize_name(requirement.name))
        if version is None:
            problems.append(f"{requirement.name} is not in {lock}")
        elif not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{requirement.name}=={version} is outside {requirement.specifier}")
    assert not problems, "; ".join(problems) + ": run `make lock`"


def test_the_runtime_lock_carries_no_test_tooling() -> None:
    dev_only = {
        canonicalize_name(Requirement(t).name) for t in PROJECT["optional-dependencies"]["dev"]
    }
    assert not dev_only & set(pinned("requirements.lock"))


def test_the_editable_install_reads_the_checkouts_files() -> None:
    from service.defaults import app_manifest_text, rules_dir

    assert rules_dir() == ROOT / "rules"
    assert app_manifest_text() == (ROOT / "service/defaults/app.yml").read_text(encoding="utf-8")
