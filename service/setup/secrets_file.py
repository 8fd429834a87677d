"""Write the App's credentials where the settings read them: atomically, mode 0600."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path


def write_secrets(path: Path, values: dict[str, object]) -> None:
    """Replace `path` with `values` as JSON; never readable by others, even for a moment."""
    path = path.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secrets-", suffix=".tmp")
    try:
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            json.dump(values, out, indent=2)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
