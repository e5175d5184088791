"""The committed defaults are read with the YAML parser (fn/settings.py says why): they
must read exactly as the JSON they are."""

from __future__ import annotations

import json

import yaml

from fn import settings


def test_defaults_json_reads_the_same_as_yaml() -> None:
    with open(settings._DEFAULTS, encoding="utf-8") as fh:
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
