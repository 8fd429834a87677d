"""The JSON Schema of the rule format, generated from the model and committed.

Regenerate after changing `service/engine/model.py`:

    .venv/bin/python -m service.engine.schema
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from service.engine.model import RuleFile

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "rules" / "boardwatch.schema.json"
REGENERATE = ".venv/bin/python -m service.engine.schema"


def rule_schema() -> dict[str, Any]:
    schema = RuleFile.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "boardwatch rules (version 1)"
    return schema


def render() -> str:
    return json.dumps(rule_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> None:
    SCHEMA_PATH.write_text(render(), encoding="utf-8")
    print(f"wrote {SCHEMA_PATH}")


if __name__ == "__main__":
    main()
