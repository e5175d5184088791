"""With no config a run takes the settings classes' own defaults (fn/settings.py says
why): they must be the committed schema/defaults.json and the pydantic models' defaults."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from fn import settings

DEFAULTS = Path(settings.__file__).parent / "schema" / "defaults.json"


def test_default_settings_are_what_defaults_json_says() -> None:
    with open(DEFAULTS, encoding="utf-8") as fh:
        assert settings.default_settings() == settings.from_data(json.load(fh))


def test_defaults_json_reads_the_same_as_yaml() -> None:
    # Kept: schema/defaults.json is published for people and tools that read it as YAML.
    with open(DEFAULTS, encoding="utf-8") as fh:
        text = fh.read()
    as_json = json.loads(text)
    as_yaml = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    assert as_yaml == as_json
    # Equal values of different types would compare equal (1 == 1.0 == True): compare
    # the types too, leaf by leaf.
    def leaves(x: object, path: str = "") -> list[tuple[str, type]]:
        if isinstance(x, dict):
            return [leaf for k, v in sorted(x.items()) for leaf in leaves(v, f"{path}.{k}")]
        if isinstance(x, list):
            return [leaf for i, v in enumerate(x) for leaf in leaves(v, f"{path}[{i}]")]
        return [(path, type(x))]
    assert leaves(as_yaml) == leaves(as_json)


def test_default_settings_are_the_models_defaults() -> None:
    from fn import config  # the pydantic models the file is generated from

    assert settings.default_settings() == settings.from_data(config.defaults())
