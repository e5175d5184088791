"""Regenerate the committed JSON files from the config models: ``python -m fn.schema_gen``."""

from __future__ import annotations

import json
from pathlib import Path

from . import config
from .analyze import config as validator_config

HERE = Path(__file__).parent / "schema"
FILES = {
    "function-config.schema.json": config.json_schema,
    "defaults.json": config.defaults,
    "validator-config.schema.json": validator_config.json_schema,
}


def render(name: str) -> str:
    return json.dumps(FILES[name](), indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    for name in FILES:
        (HERE / name).write_text(render(name), encoding="utf-8")
        print(f"wrote fn/schema/{name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
