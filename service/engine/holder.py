"""`RulesetHolder`: the rules the service runs with; a bad reload keeps the last good ones.

`RulesetHolder.load(settings.rules_dir)` raises `RulesError` (the service must refuse to
start); `holder.reload()` returns the errors and logs them loudly, keeping the old rules;
`holder.check_repository(repo, text)` checks a repository's `.github/boardwatch.yml` over the
defaults; `holder.for_repository(repo, text)` gives the rules for a repository whose last good
file (from the store) is `text` (None: the defaults), cached until the text changes.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from pathlib import Path

from service.engine.loader import (
    REPO_RULES_PATH,
    LoadResult,
    RuleError,
    RulesError,
    load_override,
    load_rules,
    render_errors,
)
from service.engine.model import Ruleset

log = logging.getLogger(__name__)


class RulesetHolder:
    def __init__(self, path: Path | str, ruleset: Ruleset) -> None:
        self.path = Path(path)
        self._ruleset = ruleset
        self._lock = threading.Lock()
        # repo -> (hash of its rule file, merged ruleset): re-read only when the file changes.
        self._repos: dict[str, tuple[str, Ruleset]] = {}
        # The files as they were when the rules were read: an edit made after that, even
        # before a watcher starts, is noticed.
        self._loaded_from = self.fingerprint()

    @classmethod
    def load(cls, path: Path | str) -> RulesetHolder:
        """Load the default rules or raise `RulesError`: the service must not start without."""
        return cls(path, load_rules(path).unwrap())

    @property
    def ruleset(self) -> Ruleset:
        return self._ruleset

    def fingerprint(self) -> tuple[tuple[str, int, int], ...]:
        """Names, sizes and modification times of the rule files: changes when one is edited."""
        paths = sorted(self.path.glob("*.y*ml")) if self.path.is_dir() else [self.path]
        found = []
        for path in paths:
            try:
                stat = path.stat()
            except OSError:
                continue
            found.append((path.name, stat.st_size, stat.st_mtime_ns))
        return tuple(found)

    def watch(self, stop: threading.Event, interval: float = 5.0) -> None:
        """Reload whenever a rule file changes, until `stop` is set (run in a thread)."""
        while not stop.wait(interval):
            now = self.fingerprint()
            if now != self._loaded_from:
                self._loaded_from = now
                self.reload()

    def reload(self) -> list[RuleError]:
        """Read the rules again; on errors keep the last good rules and log every error."""
        result = load_rules(self.path)
        if not result.ok or result.ruleset is None:
            log.error(
                "INVALID RULES in %s: still using the last good rules until this is fixed:\n%s",
                self.path,
                render_errors(result.errors),
                extra={"rule_errors": render_errors(result.errors).splitlines()},
            )
            return list(result.errors)
        with self._lock:
            self._ruleset = result.ruleset
            self._repos.clear()
        log.info("rules reloaded from %s: %d rules", self.path, len(result.ruleset.rules))
        return []

    def check_repository(self, repo: str, text: str) -> LoadResult:
        """`text` as `repo`'s `.github/boardwatch.yml` over the current defaults."""
        return load_override(self._ruleset, text, f"{repo}:{REPO_RULES_PATH}")

    def for_repository(self, repo: str, text: str | None) -> Ruleset:
        """The rules for `repo`, given its last good `.github/boardwatch.yml` (None: absent).

        The text loaded when it was stored; should it fail now (the defaults changed under
        it), the error is logged and the repository keeps the rules it had in this process,
        else the defaults.
        """
        if text is None:
            return self._ruleset
        digest = hashlib.sha256(text.encode()).hexdigest()
        with self._lock:
            cached = self._repos.get(repo)
        if cached is not None and cached[0] == digest:
            return cached[1]
        result = self.check_repository(repo, text)
        if not result.ok or result.ruleset is None:
            log.error(
                "INVALID RULES in %s:%s: keeping its last good rules:\n%s",
                repo,
                REPO_RULES_PATH,
                render_errors(result.errors),
            )
            return cached[1] if cached is not None else self._ruleset
        with self._lock:
            self._repos[repo] = (digest, result.ruleset)
        return result.ruleset


__all__ = ["RulesError", "RulesetHolder"]
