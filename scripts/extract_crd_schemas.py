#!/usr/bin/env python3
"""Extract the validation part of Istio's CRDs into the compact JSON the schema
validator ships (fn/analyze/schema/data/istio-crds.schemas.json).

Only what validation reads is kept: per served version, the OpenAPI v3 schema without
descriptions and examples, and whether the status subresource is on. Versions whose
schemas are identical share one entry (v1, v1beta1 and v1alpha3 usually are).

    python scripts/extract_crd_schemas.py                 # rewrite the extract
    python scripts/extract_crd_schemas.py --check         # exit 1 if it is stale
    python scripts/extract_crd_schemas.py --source PATH   # another CRD file
    python scripts/extract_crd_schemas.py --set gateway-api-standard   # the Gateway API's CRDs

The default source is tests/data/schemas/istio-crds.gen.yaml (provenance beside it); each
--set has its own source and target (SETS below).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT / "tests" / "data" / "schemas" / "istio-crds.gen.yaml"
TARGET = ROOT / "fn" / "analyze" / "schema" / "data" / "istio-crds.schemas.json"
ISTIO_LABEL = "istio/api kubernetes/customresourcedefinitions.gen.yaml"
# name -> (source, target, provenance label). The Gateway API bundles are the v1.6.1
# release's standard-install.yaml and experimental-install.yaml.
SETS = {
    "istio": (DEFAULT_SOURCE, TARGET, ISTIO_LABEL),
    **{f"gateway-api-{ch}": (ROOT.parent / "shared" / "schemas" / f"gateway-api-{ch}.gen.yaml",
                             TARGET.parent / f"gateway-api-{ch}.schemas.json",
                             f"kubernetes-sigs/gateway-api v1.6.1 config/crd {ch} channel")
       for ch in ("standard", "experimental")},
}

# Keys of a schema node that hold documentation only. Property *names* are never
# dropped: a field may well be called "description".
_DOC_KEYS = {"description", "example", "externalDocs", "title"}
# Keys whose value is a map of name -> schema, a schema, or a list of schemas.
_SCHEMA_MAPS = {"properties", "patternProperties", "definitions"}
_SCHEMA_ONE = {"items", "additionalProperties", "not", "additionalItems"}
_SCHEMA_LIST = {"allOf", "anyOf", "oneOf"}


def strip_schema(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key in sorted(node):
        value = node[key]
        if key in _DOC_KEYS:
            continue
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: strip_schema(sub) for name, sub in sorted(value.items())}
        elif key in _SCHEMA_ONE and isinstance(value, dict):
            out[key] = strip_schema(value)
        elif key in _SCHEMA_LIST and isinstance(value, list):
            out[key] = [strip_schema(sub) for sub in value]
        else:
            out[key] = value
    return out


def extract(source_text: str, label: str = ISTIO_LABEL) -> dict[str, Any]:
    schemas: list[Any] = []
    index: dict[str, int] = {}
    kinds: dict[str, dict[str, Any]] = {}
    for doc in yaml.safe_load_all(source_text):
        if not doc or doc.get("kind") != "CustomResourceDefinition":
            continue
        spec = doc["spec"]
        group, kind = spec["group"], spec["names"]["kind"]
        for version in spec["versions"]:
            if not version.get("served", False):
                continue
            schema = strip_schema(version["schema"]["openAPIV3Schema"])
            key = json.dumps(schema, sort_keys=True, separators=(",", ":"))
            if key not in index:
                index[key] = len(schemas)
                schemas.append(schema)
            entry: dict[str, Any] = {
                "schema": index[key],
                "scope": spec.get("scope", "Namespaced"),
                "statusSubresource": "status" in (version.get("subresources") or {}),
            }
            if version.get("deprecated"):
                entry["deprecated"] = True
                if version.get("deprecationWarning"):
                    entry["deprecationWarning"] = version["deprecationWarning"]
            kinds.setdefault(f"{group}/{version['name']}", {})[kind] = entry
    return {
        "source": label,
        "license": "Apache-2.0",
        "sourceSha256": hashlib.sha256(source_text.encode()).hexdigest(),
        "kinds": {gv: dict(sorted(k.items())) for gv, k in sorted(kinds.items())},
        "schemas": schemas,
    }


def render(source_text: str, label: str = ISTIO_LABEL) -> str:
    return json.dumps(extract(source_text, label), sort_keys=False, separators=(",", ":")) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", dest="set_", choices=sorted(SETS), default="istio")
    ap.add_argument("--source", type=Path)
    ap.add_argument("--target", type=Path)
    ap.add_argument("--check", action="store_true", help="exit 1 if the target differs from a fresh extract")
    args = ap.parse_args(argv)
    source, target, label = SETS[args.set_]
    args.source = args.source or source
    args.target = args.target or target
    fresh = render(args.source.read_text(encoding="utf-8"), label)
    if args.check:
        current = args.target.read_text(encoding="utf-8") if args.target.exists() else ""
        if current != fresh:
            print(f"{args.target} is stale; run: python scripts/extract_crd_schemas.py --set {args.set_}",
                  file=sys.stderr)
            return 1
        return 0
    args.target.parent.mkdir(parents=True, exist_ok=True)
    args.target.write_text(fresh, encoding="utf-8")
    print(f"wrote {args.target} ({len(fresh)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
