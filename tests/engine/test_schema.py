"""The committed JSON Schema of the rule format matches the model."""

from __future__ import annotations

import json

from service.engine.schema import REGENERATE, SCHEMA_PATH, render


def test_committed_schema_matches_the_model() -> None:
    committed = SCHEMA_PATH.read_text(encoding="utf-8") if SCHEMA_PATH.exists() else ""
    assert committed == render(), (
        f"{SCHEMA_PATH.name} is out of date with service/engine/model.py; "
        f"regenerate it with `{REGENERATE}` and commit it"
    )


def test_schema_names_every_condition_key() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    keys = set(schema["$defs"]["Condition"]["properties"])
    assert {"all", "any", "not", "labels", "status", "estimate", "sections"} <= keys
