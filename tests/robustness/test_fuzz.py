"""Fuzzing the parsers a user's bytes reach: the input reader (``process``), the
function-config loader (``load_settings``) and ``analyze``'s loader (``load_bytes``, then
every analyzer on what it loaded, and its directory walk). Any exception out of them is a
crash.

hypothesis drives these in CI (bounded by the profile in _support.py). atheris builds on
this machine too: ``fuzz_atheris.py`` runs the same targets under libFuzzer for longer runs.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, strategies as st

from fn.configmap import FLAT_KEYS
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


# ------------------------------------------------------------------ analyzer loader

ANALYZE_SEED = b"""apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: cart, namespace: shop}
spec:
  hosts: [cart]
  gateways: [mesh, shop/gw]
  http:
  - match: [{uri: {prefix: /api}}]
    route:
    - destination: {host: cart, subset: v1, port: {number: 80}}
      weight: 100
    timeout: 5s
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: cart, namespace: shop}
spec:
  host: cart.shop.svc.cluster.local
  trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}
  subsets: [{name: v1, labels: {version: v1}}]
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Service
  metadata: {name: cart, namespace: shop, labels: &l {app: cart}}
  spec: {selector: *l, ports: [{name: http, port: 80}]}
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: cart, namespace: shop}
  spec: {selector: {matchLabels: {app: cart}}, template: {metadata: {labels: {app: cart, version: v1}}}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    rootNamespace: istio-system
    outboundTrafficPolicy: {mode: REGISTRY_ONLY}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: istio-system}
spec: {mtls: {mode: STRICT}}
"""


def check_analyze_load(data: bytes) -> None:
    """The analyzer's loader: every input is either loaded or refused with one LoadError
    line naming it; whatever it loads, every analyzer (schema checks included) runs
    without an internal error (IST0001)."""
    from fn.analyze import runner
    from fn.analyze.load import Loaded, LoadError, load_bytes, mesh_config_from

    loaded = Loaded()
    try:
        load_bytes(data, "fuzz.yaml", loaded)
    except LoadError as exc:
        message = str(exc)
        assert message.startswith("fuzz.yaml") and "\n" not in message.strip(), message
        return
    for warning in loaded.warnings:
        assert warning.startswith("fuzz.yaml:")
    mesh = mesh_config_from(loaded.resources)
    assert mesh is None or isinstance(mesh, dict)
    findings = runner.run(loaded.resources, mesh_config=mesh, schema=True)
    crashes = [f"{f.analyzer}: {f.message}" for f in findings if f.code == "IST0001"]
    assert crashes == [], crashes


def test_the_analyze_seed_loads_and_runs():
    check_analyze_load(ANALYZE_SEED)


@st.composite
def mutated_manifests(draw) -> bytes:
    data = bytearray(ANALYZE_SEED)
    for _ in range(draw(st.integers(1, 6))):
        pos = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["insert", "delete", "replace"]))
        if op == "insert":
            data[pos:pos] = draw(st.sampled_from(TOKENS + [b"kind: List\n", b"items: [", b"80", b"-1", b"1e999",
                                                          b"null", b"true", b"''", b"[]", b"{}"]) | st.binary(max_size=8))
        elif op == "delete":
            del data[pos:pos + draw(st.integers(1, 40))]
        else:
            data[pos:pos + 1] = draw(st.sampled_from(TOKENS))
    return bytes(data)


@PROFILE
@given(st.binary(max_size=2048))
def test_random_bytes_never_crash_the_analyzer_loader(data):
    check_analyze_load(data)


@PROFILE
@given(mutated_manifests())
def test_mutated_manifests_never_crash_the_analyzer_loader_or_an_analyzer(data):
    check_analyze_load(data)


# ------------------------------------------------------------ analyze's directory walk

tree_ops = st.lists(st.tuples(
    st.sampled_from(["dir", "hidden-dir", "yaml", "yml", "json", "txt", "fifo", "link-dir", "link-loop"]),
    st.integers(0, 50), st.integers(0, 50)), min_size=1, max_size=25)


@PROFILE
@given(tree_ops)
def test_the_directory_walk_ends_and_finds_every_manifest_once(ops):
    """Any tree of folders, files, FIFOs and symlinks (loops of both kinds included): the
    walk ends, lists only regular *.yaml/*.yml/*.json files, each real file once, and
    all of them that are not inside a hidden folder; each FIFO gets a warning."""
    import os
    import tempfile

    from fn.analyze.load import expand

    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.realpath(tmp)
        dirs, visible_dirs = [root], [root]
        expected, fifos = set(), set()
        for n, (op, a, b) in enumerate(ops):
            parent = dirs[a % len(dirs)]
            hidden = parent not in visible_dirs
            if op in ("dir", "hidden-dir"):
                path = os.path.join(parent, ("." if op == "hidden-dir" else "") + f"d{n}")
                os.mkdir(path)
                dirs.append(path)
                if op == "dir" and not hidden:
                    visible_dirs.append(path)
            elif op in ("yaml", "yml", "json", "txt"):
                path = os.path.join(parent, f"f{n}.{op}")
                with open(path, "w") as fh:
                    fh.write("a: 1\n")
                if op != "txt" and not hidden:
                    expected.add(path)
            elif op == "fifo":
                path = os.path.join(parent, f"p{n}.yaml")
                os.mkfifo(path)
                if not hidden:
                    fifos.add(path)
            elif op == "link-dir":
                # Only to visible folders: a visible link into a hidden one is read, by design.
                os.symlink(visible_dirs[b % len(visible_dirs)], os.path.join(parent, f"l{n}"))
            elif op == "link-loop":  # a link to itself, named as no manifest is
                os.symlink(os.path.join(parent, f"x{n}"), os.path.join(parent, f"x{n}"))
        warnings: list[str] = []
        found = expand([root], warnings)
        real = [os.path.realpath(p) for p in found]
        assert len(real) == len(set(real)), "a file was listed twice"
        assert set(real) == expected
        assert found == sorted(found)
        for fifo in fifos:
            assert any(w.startswith(f"{fifo}: skipped: not a regular file") or
                       os.path.realpath(w.split(":", 1)[0]) == fifo for w in warnings), (fifo, warnings)
