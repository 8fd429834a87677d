"""Check the shipped rules and every rules example in README.md against the JSON Schema (and
the shipped targets against theirs).

`make test` runs it. check-jsonschema reads YAML as 1.2 (as editors with the YAML language
server do), so a value such as `color: 5319e7`, a number there, fails as it would for users.
README examples are the ```yaml blocks right after a `<!-- rules-example -->` line
(`<!-- rules-example: override -->` for a repository file); each must also load as rules.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.engine.loader import load_override, load_rules, load_text  # noqa: E402

MARKER = "<!-- rules-example"


def readme_examples(text: str) -> list[tuple[int, bool, str]]:
    """(line, is an override, text) of every marked ```yaml block."""
    lines = text.splitlines()
    found = []
    for index, line in enumerate(lines):
        if not line.startswith(MARKER):
            continue
        start = next(i for i in range(index + 1, len(lines)) if lines[i].strip())
        if lines[start].strip() != "```yaml":
            sys.exit(f"README.md:{index + 1}: {MARKER} must be followed by a ```yaml block")
        end = next(i for i in range(start + 1, len(lines)) if lines[i].strip() == "```")
        found.append((start + 2, "override" in line, "\n".join(lines[start + 1 : end]) + "\n"))
    return found


def main() -> int:
    examples = readme_examples((ROOT / "README.md").read_text(encoding="utf-8"))
    if not examples:
        print("README.md has no rules examples marked with", MARKER)
        return 1
    defaults = load_rules(ROOT / "rules").unwrap()
    failed = False
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for line, override, text in examples:
            path = Path(folder) / f"README.md-line-{line}.yml"
            path.write_text(text, encoding="utf-8")
            paths.append(str(path))
            result = (
                load_override(defaults, text, path.name) if override else load_text(text, path.name)
            )
            for error in result.errors:
                print(f"README.md example at line {line}: {error}")
                failed = True
        shipped = sorted(str(p) for p in (ROOT / "rules").glob("*.yml") if p.name != "targets.yml")
        command = [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--schemafile",
            str(ROOT / "rules" / "boardwatch.schema.json"),
            *shipped,
            *paths,
        ]
        failed = subprocess.run(command, check=False).returncode != 0 or failed
        targets = [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--schemafile",
            str(ROOT / "rules" / "targets.schema.json"),
            str(ROOT / "rules" / "targets.yml"),
        ]
        failed = subprocess.run(targets, check=False).returncode != 0 or failed
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
