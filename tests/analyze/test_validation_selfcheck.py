"""Istio's own validation in the generator's self-check: reported on generated objects
only, and loaded only for the kinds the generator makes."""

from __future__ import annotations

import subprocess
import sys

from fn import yamlnodes as yn
from fn.analyze.krm import check_generated
from fn.items import Item
from fn.settings import Settings

# The real settings: the self-check derives the analyzer families from the enabled policies.
SETTINGS = Settings(default_namespace="")

DR = """apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: {name}
  namespace: shop
  annotations: {annotations}
spec:
  host: mongo
  subsets: [{{name: 1.4.2, labels: {{version: 1.4.2}}}}]
"""
SERVICE = """apiVersion: v1
kind: Service
metadata: {name: mongo, namespace: shop}
spec: {selector: {app: mongo}, ports: [{name: mongo, port: 27017}]}
"""
DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {name: mongo, namespace: shop}
spec:
  selector: {matchLabels: {app: mongo}}
  template:
    metadata: {labels: {app: mongo, version: 1.4.2}}
    spec: {containers: [{name: m, image: mongo}]}
"""


def items(*docs: str) -> list[Item]:
    return [Item(n) for d in docs for n in yn.compose_all(d)]


def test_invalid_generated_subset_is_an_error_of_the_self_check():
    generated = DR.format(name="mongo-generated", annotations="{istio-mesh-fn.dev/generated-by: istio-mesh-fn}")
    hand_written = DR.format(name="mongo-by-hand", annotations="{}")
    results = check_generated(items(SERVICE, DEPLOYMENT, generated, hand_written), SETTINGS)
    ist0106 = [r for r in results if r.tags and r.tags.get("code") == "IST0106"]
    assert [(r.resource_ref["name"], r.severity) for r in ist0106] == [("mongo-generated", "error")]
    assert ist0106[0].message == "[IST0106] Schema validation error: subset name is invalid: 1.4.2"
    assert ist0106[0].tags["analyzer"] == "schema.ValidationAnalyzer.DestinationRule"


def test_self_check_loads_only_the_rules_of_the_generated_kinds():
    code = f"""
import sys
from fn.function import run
from fn.items import Item
from fn.settings import Settings
from fn.results import Results
from fn import yamlnodes as yn
run([Item(n) for n in yn.compose_all({SERVICE!r})], None, Results())
print(sorted(m.rsplit('.', 1)[1] for m in sys.modules if m.startswith('fn.analyze.validation.')))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(eval(out.stdout))
    assert {"destinationrule", "virtualservice"} <= loaded
    assert not loaded & {"authorizationpolicy", "requestauthentication", "gateway", "sidecar", "serviceentry"}


def test_export_to_dot_on_an_object_without_a_namespace_is_valid():
    from fn.analyze.validation.common import validate_export_to

    assert validate_export_to("", ["."], False, False) == []
    assert validate_export_to("", ["."], False, True) == []
    assert validate_export_to("shop", [".", "shop"], False, False)  # still a duplicate with a namespace
