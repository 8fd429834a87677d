"""Repository permissions of the people who write commands, looked up once a minute at most."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from service.domain.models import Permission
from service.gateway.protocol import GitHubGateway

PERMISSION_TTL = 60.0  # seconds a looked-up permission is trusted


class PermissionCache:
    """Repository permissions looked up through GitHub, trusted for `ttl` seconds."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, ttl: float = PERMISSION_TTL):
        self.clock = clock
        self.ttl = ttl
        self._seen: dict[tuple[str, str], tuple[float, Permission]] = {}
        self._lock = threading.Lock()

    def get(self, gateway: GitHubGateway, repo: str, login: str) -> Permission:
        key = (repo.casefold(), login.casefold())
        now = self.clock()
        with self._lock:
            cached = self._seen.get(key)
        if cached is not None and now - cached[0] < self.ttl:
            return cached[1]
        permission = gateway.get_permission(repo, login)
        with self._lock:
            self._seen[key] = (now, permission)
        return permission

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()


PERMISSIONS = PermissionCache()
