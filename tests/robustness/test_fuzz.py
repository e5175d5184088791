"""Fuzzing the two parsers a user's bytes reach: the input reader (``process``) and the
function-config loader (``load_settings``). Any exception out of them is a crash.

hypothesis drives these in CI (bounded by the profile in _support.py). atheris builds on
this machine too: ``fuzz_atheris.py`` runs the same targets under libFuzzer for longer runs.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, strategies as st

from fn.config import FLAT_KEYS
from fn.core import transform
from fn.items import Item
from fn.results import Results
from fn.settings import load_settings
from fn import yamlnodes as yn

from ._support import PROFILE, assert_no_anchors, resource_list, run_text

SEED_ITEMS = [
    """apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {team: a}""",
    """apiVersion: v1
kind: Service
metadata:
  name: cart
  namespace: shop
  annotations:
    internal.config.kubernetes.io/path: shop/cart.yaml
spec:
  selector: {app: cart}
  ports:
  - {name: http, port: 80}
  - {name: grpc-x, port: 9000, appProtocol: grpc}
  - {name: tcp-db, port: 5432}""",
    """apiVersion: apps/v1
kind: Deployment
metadata: {name: cart, namespace: shop}
spec:
  template:
    metadata:
      labels: {app: cart, version: v2}""",
    """apiVersion: v1
kind: ConfigMap
metadata: {name: tricky, namespace: shop}
data:
  a: on
  b: 0755
  c: 0x1F
  d: 1e3
  e: ~
  f: 2025-01-31
  g: |
    block
  h: [x, {y: z}]
  i: &anchor shared
  j: *anchor""",
]
SEED = resource_list(SEED_ITEMS, """apiVersion: istio-mesh-fn.dev/v1alpha1
kind: IstioMesh
metadata: {name: cfg}
spec:
  virtualService: {timeout: 5s}""").encode()

# Fragments that steer mutations towards the parser's corners.
TOKENS = [b":", b"- ", b"[", b"]", b"{", b"}", b",", b"&a ", b"*a", b"!!str ", b"!!python/object:os.system ",
          b"!!binary ", b"\n", b"  ", b"---\n", b"...\n", b"#", b'"', b"'", b"%YAML 1.1\n", b"|", b">-",
          b"? ", b"\t", b"\x00", b"\xff", b"\xef\xbb\xbf", b"items:", b"kind: ResourceList", b"metadata:",
          b"name:", b"\\u0000", b"<<: *a", b"~", b"0x1F", b"on"]


def check_outcome(out, source: bytes | None = None) -> None:
    """What every outcome must be, whatever the input: a clean exit status, and failure
    never dressed as success."""
    assert out.exit_code in (0, 1)
    if out.exit_code == 0:
        assert out.fatal is None and not any(r.severity == "error" for r in out.results)
    elif out.fatal is None:
        assert any(r.severity == "error" for r in out.results)
        # The ResourceList handed back carries the error for kpt to show.
        if out.stdout:
            assert "severity: error" in out.stdout
    else:
        assert out.stdout == "" and out.fatal.strip() and "\n" not in out.fatal.strip()
    if out.stdout:
        assert_no_anchors(out.stdout, source)


@st.composite
def mutated(draw) -> bytes:
    data = bytearray(SEED)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["insert", "delete", "replace", "dup-line", "swap-lines"]))
        pos = draw(st.integers(0, len(data)))
        if op == "insert":
            data[pos:pos] = draw(st.sampled_from(TOKENS) | st.binary(max_size=8))
        elif op == "delete":
            del data[pos:pos + draw(st.integers(1, 40))]
        elif op == "replace":
            data[pos:pos + 1] = draw(st.sampled_from(TOKENS))
        else:
            lines = bytes(data).split(b"\n")
            i, j = (draw(st.integers(0, len(lines) - 1)) for _ in range(2))
            if op == "dup-line":
                lines.insert(i, lines[j])
            else:
                lines[i], lines[j] = lines[j], lines[i]
            data = bytearray(b"\n".join(lines))
    return bytes(data)


def test_the_seed_itself_runs_clean():
    out = run_text(SEED)
    assert out.exit_code == 0, (out.fatal, [r.message for r in out.results])
    check_outcome(out, SEED)


@PROFILE
@given(st.binary(max_size=2048))
def test_random_bytes_never_crash_the_reader(data):
    check_outcome(run_text(data), data)


@PROFILE
@given(mutated())
def test_mutated_resource_lists_never_crash(data):
    check_outcome(run_text(data), data)


# ------------------------------------------------------------------ config loader

TYPED_FIELDS = {
    "defaultNamespace": None, "injection": ["mode", "revision", "namespaces"],
    "mtls": ["mode", "scope", "rootNamespace"],
    "destinationRule": ["enabled", "nameTemplate", "labels", "tlsMode", "loadBalancer", "subsetLabel"],
    "virtualService": ["enabled", "nameTemplate", "labels", "timeout", "retries"],
    "hosts": ["style", "clusterDomain"], "paths": ["destinationRule", "virtualService", "peerAuthentication"],
    "services": None, "exclude": ["names", "namespaces", "selector"], "analyze": ["generated", "schema", "failOn"],
}
VALUES = [
    "STRICT", "PERMISSIVE", "DISABLE", "enabled", "revision", "ambient", "disabled", "1-24", "mesh", "namespace",
    "none", "fqdn", "short", "ISTIO_MUTUAL", "auto", "ROUND_ROBIN", "30s", "1m30s", "500ms", "0s", "-1s", "30",
    "{name}", "{namespace}-{name}", "{name", "a}", "{0}", "{name!r}", "{}", "{{name}}", "{dir}/x.yaml", "../../x",
    "/abs", "shop", "Bad_NS", "a/b", "example.com/key", "-x", "", " ", "é", "x" * 300, "Error", "Warning", "Info",
    "app=cart", "5xx,connect-failure", "version", "true", "on",
]
scalars = st.one_of(st.sampled_from(VALUES), st.none(), st.booleans(), st.integers(-5, 2000),
                    st.floats(allow_nan=True), st.text(max_size=12))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.sampled_from(["name", "namespace", "attempts", "perTryTimeout", "retryOn", "timeout", "mode", "key",
                     "operator", "values", "matchLabels", "matchExpressions", "app"]) | st.text(max_size=6),
    inner, max_size=4), max_leaves=12)


@st.composite
def typed_spec(draw) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    for key in draw(st.lists(st.sampled_from(sorted(TYPED_FIELDS)), max_size=5, unique=True)):
        sub = TYPED_FIELDS[key]
        if sub is None or draw(st.booleans()) is False:
            spec[key] = draw(values)
        else:
            spec[key] = {k: draw(values) for k in draw(st.lists(st.sampled_from(sub), max_size=3, unique=True))}
    return spec


function_configs = st.one_of(
    typed_spec().map(lambda s: {"apiVersion": "istio-mesh-fn.dev/v1alpha1", "kind": "IstioMesh", "spec": s}),
    st.dictionaries(st.sampled_from(sorted(FLAT_KEYS)) | st.text(max_size=8), scalars, max_size=6).map(
        lambda d: {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": d}),
    values,
)


def _package() -> list[Item]:
    return [Item(n) for n in yn.compose_all("\n---\n".join(SEED_ITEMS))]


@PROFILE
@given(function_configs)
def test_random_function_configs_never_crash_the_loader_or_the_core(fc):
    results = Results()
    settings = load_settings(fc, results)
    if settings is None:
        assert results.has_errors()
        for r in results:
            assert r.message.startswith("invalid function config") and r.field and r.field.get("path")
        return
    assert not results.has_errors()
    # Whatever the loader accepts, the core must be able to run with.
    out, produced = transform(_package(), settings)
    assert all(isinstance(i, Item) for i in out)
