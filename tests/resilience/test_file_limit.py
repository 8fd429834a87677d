"""The connection cap and the open-file limit: `serve` raises the limit to fit its cap, and
lowers the cap where the hard limit leaves no room (otherwise `accept` fails with EMFILE)."""

from __future__ import annotations

import resource
import subprocess
import sys

import pytest

from service.webserver import RESERVED_FILES, FileLimit, file_limit

UNLIMITED = resource.RLIM_INFINITY


@pytest.mark.parametrize(
    ("wanted", "soft", "hard", "expected"),
    [
        # Room already: nothing changes.
        (4000, 65536, 65536, FileLimit(None, 4000)),
        (4000, UNLIMITED, UNLIMITED, FileLimit(None, 4000)),
        (4000, 4000 + RESERVED_FILES, 65536, FileLimit(None, 4000)),
        # The common soft limit of 1,024: raised to what the cap needs.
        (4000, 1024, 1048576, FileLimit(4000 + RESERVED_FILES, 4000)),
        (4000, 1024, UNLIMITED, FileLimit(4000 + RESERVED_FILES, 4000)),
        # A hard limit too low for the cap: raised to it, and the cap lowered to fit.
        (4000, 1024, 2048, FileLimit(2048, 2048 - RESERVED_FILES)),
        # Almost no room at all: still one connection.
        (4000, 100, 200, FileLimit(200, 1)),
    ],
)
def test_the_limit_is_raised_to_fit_the_cap_or_the_cap_lowered(
    wanted: int, soft: int, hard: int, expected: FileLimit
) -> None:
    assert file_limit(wanted, soft, hard) == expected


def test_serve_s_protocol_raises_a_low_soft_limit() -> None:
    # In a process of its own: the limit is the process's.
    code = """
import resource
from service.settings import Settings
from service.webserver import RESERVED_FILES, bounded_protocol
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard))
protocol = bounded_protocol(Settings(BOARDWATCH_DRY_RUN=True, BOARDWATCH_HTTP_MAX_CONNECTIONS=3000))
print(protocol.max_connections, resource.getrlimit(resource.RLIMIT_NOFILE)[0], hard)
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    cap, soft, hard = map(int, out.split())
    if hard != UNLIMITED and hard < 3000 + RESERVED_FILES:
        pytest.skip(f"this machine's hard limit ({hard}) is below what the test needs")
    assert (cap, soft) == (3000, 3000 + RESERVED_FILES)
