"""The committed JSON Schema and defaults are generated from the config models; a stale
file fails here (regenerate with `make schema`)."""

import json
from pathlib import Path

import pytest
import yaml

from fn import schema_gen
from fn.config import IstioMesh

SCHEMA_DIR = Path(schema_gen.__file__).parent / "schema"
ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", sorted(schema_gen.FILES))
def test_committed_file_is_fresh(name):
    assert (SCHEMA_DIR / name).read_text(encoding="utf-8") == schema_gen.render(name), (
        f"fn/schema/{name} is stale: run `make schema`"
    )


def test_example_function_config_validates_against_the_models():
    cfg = yaml.safe_load((ROOT / "function-config.yaml").read_text())
    assert IstioMesh.model_validate(cfg).spec.model_dump() == IstioMesh().spec.model_dump()


def test_schema_describes_every_spec_field_in_camel_case():
    schema = json.loads((SCHEMA_DIR / "function-config.schema.json").read_text())
    spec = schema["$defs"]["MeshSpec"]["properties"]
    assert {"defaultNamespace", "injection", "mtls", "destinationRule", "virtualService", "hosts", "paths",
            "routing", "services", "exclude", "analyze"} <= set(spec)
    assert schema["$defs"]["MeshSpec"]["additionalProperties"] is False


def test_schema_rejects_what_the_models_reject():
    import jsonschema
    schema = json.loads((SCHEMA_DIR / "function-config.schema.json").read_text())
    cfg = yaml.safe_load((ROOT / "function-config.yaml").read_text())
    jsonschema.validate(cfg, schema)
    cfg["spec"]["mtls"]["mode"] = "strict"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(cfg, schema)
