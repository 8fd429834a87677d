"""The GitHub App manifest (the shipped `service/defaults/app.yml`), and GitHub's web address."""

from __future__ import annotations

from functools import cache
from typing import Any

from service.defaults import app_manifest_text
from service.engine.rule_yaml import read_yaml


@cache
def _committed() -> dict[str, Any]:
    read = read_yaml(app_manifest_text())
    if read.problems or not isinstance(read.data, dict):
        # The file ships with the package: only a broken build gets here.
        raise RuntimeError(f"the shipped app.yml cannot be read: {read.problems}")
    return read.data


def manifest(service_url: str, name: str = "boardwatch") -> dict[str, Any]:
    """`app.yml` with this service's webhook and callback addresses."""
    base = service_url.rstrip("/")
    found = dict(_committed())
    found["name"] = name
    found["hook_attributes"] = {**found["hook_attributes"], "url": f"{base}/webhook"}
    found["redirect_url"] = f"{base}/setup/callback"
    found["url"] = base
    return found


def web_url(api_url: str) -> str:
    """github.com for api.github.com; `https://HOST` for an Enterprise `https://HOST/api/v3`."""
    api = api_url.rstrip("/")
    if api == "https://api.github.com":
        return "https://github.com"
    if api.endswith("/api/v3"):
        return api[: -len("/api/v3")]
    return api  # a test double serves both at one address


def new_app_url(web: str, organization: str | None) -> str:
    if organization:
        return f"{web}/organizations/{organization}/settings/apps/new"
    return f"{web}/settings/apps/new"
