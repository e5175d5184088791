"""Hypothesis over what issue 11 found by hand: path templates, and wrongly typed fields of
items. A template is refused when read or gives a safe .yaml path inside the package; a
field of any type is an error result naming it, never a crash or a lost item."""

from __future__ import annotations

import posixpath

from hypothesis import given, settings as hsettings, strategies as st

from fn.core import safe_path
from fn.results import Results
from fn.settings import load_settings
from krm import generate, items_from_yaml

PIECES = st.sampled_from(["{dir}", "{name}", "{namespace}", "{mode}", "/", "..", ".", "istio", "x.yaml",
                          ".yml", "README.md", "a b", "~", "{", "}", "{{", "}}", "\\", ":", "-", "_"])


@hsettings(max_examples=300, deadline=None)
@given(st.lists(PIECES, min_size=1, max_size=6).map("".join))
def test_a_path_template_is_refused_or_renders_inside_the_package(template):
    results = Results()
    cfg = {"apiVersion": "istio-mesh-fn.dev/v1alpha1", "kind": "IstioMesh",
           "spec": {"paths": {"virtualService": template}}}
    s = load_settings(cfg, results)
    if s is None:
        assert results and all("spec.paths.virtualService" in r.message for r in results)
        return
    for folder in ("", "apps/cart", "a"):
        path = s.paths.virtual_service.format(dir=folder, name="cart", namespace="shop", mode="strict")
        path = posixpath.normpath(path.lstrip("/"))
        assert safe_path(path), (template, path)


VALUES = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=True),
                   st.text(max_size=8), st.lists(st.integers(), max_size=2),
                   st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))


def yaml_value(v):
    import json
    return json.dumps(v)  # JSON is YAML; floats like inf come out as Infinity, a string to YAML


@hsettings(max_examples=200, deadline=None)
@given(field=st.sampled_from(["ports", "port", "name", "namespace", "selector", "type", "hosts"]), value=VALUES)
def test_any_value_in_a_typed_field_is_an_error_or_works_never_a_crash(field, value):
    v = yaml_value(value)
    svc = {"ports": f"[{{port: 80}}]", "port": "[{port: 80}]", "name": "cart", "namespace": "shop",
           "selector": "{app: cart}", "type": "ClusterIP"}
    if field == "ports":
        svc["ports"] = v
    elif field == "port":
        svc["ports"] = f"[{{port: {v}}}]"
    elif field in svc:
        svc[field] = v
    vs = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: v, namespace: shop}\n"
    vs += f"spec: {{hosts: {v if field == 'hosts' else '[x]'}}}\n"
    text = (f"apiVersion: v1\nkind: Service\nmetadata: {{name: {svc['name']}, namespace: {svc['namespace']}}}\n"
            f"spec: {{type: {svc['type']}, selector: {svc['selector']}, ports: {svc['ports']}}}\n---\n" + vs)
    try:
        items = items_from_yaml(text)
    except Exception:  # noqa: BLE001 - not YAML at all: the reader's own tests cover that
        return
    out, results = generate(items, None)
    assert len(out) >= len(items)
    for r in results:
        if r.severity == "error":
            assert r.resource_ref or r.field, r.message
