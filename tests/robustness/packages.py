"""hypothesis strategies for random KRM packages, written as YAML text so that every
scalar reaches the function exactly as a person (or kpt) wrote it."""

from __future__ import annotations

import json

from hypothesis import strategies as st

NAMESPACES = ["shop", "web", "data", "istio-system", "kube-system"]
APPS = ["cart", "web", "db", "api", "auth", "cache", "pay", "search"]
VERSIONS = ["v1", "v2", "v10", "canary"]

# Scalars that PyYAML would rewrite if it ever loaded and dumped them (YAML 1.1 booleans,
# octal, hex, floats, nulls, timestamps, sexagesimals), quoting styles, escapes, tags.
TRICKY = [
    "on", "off", "yes", "no", "Y", "n", "NO", "True", "FALSE", "0755", "0x1F", "0o17", "0b1010", "1e3", "6.02e23",
    ".inf", "-.Inf", ".NaN", "~", "null", "Null", "''", '""', "2025-01-31", "2001-12-14t21:59:43.10-05:00",
    "12:30:00", "1_000", "+12", "-0", "99999999999999999999999", "'0755'", '"on"', "'it''s'", '"tab\\there"',
    '"line\\nbreak"', '"\\u00e9t\\u00e9 \\U0001F680"', "été", "日本語のテキスト", "🚀 launch", "'#not a comment'",
    "'a: b'", "'- x'", "'&notanchor'", "'!notatag'", "!!str 123", "!!binary aGVsbG8=", "!custom tagged",
    "!!int '42'", "plain text with  two  spaces", "x" * 300, "http://example.com/a?b=c#d", "'   padded   '",
]
BLOCKS = ["|\n  line one\n    indented\n  last", ">-\n  folded\n  text", "|+\n  kept\n", "|-\n  stripped",
          ">\n  a\n\n  b"]
FLOWS = ["[on, 0755, {a: ~}]", "{k: 0x1F, 'q': \"v\", n: [1, 2]}", "[]", "{}", "[a, [b, [c]]]",
         "{on: yes, 'off': no}"]

# A JSON string is a YAML double-quoted scalar, as long as it holds no surrogate escapes
# (json.dumps writes astral characters as pairs; YAML wants \U) and no raw line separators.
_printable = st.characters(exclude_categories=("Cs", "Cc", "Co", "Cn", "Cf", "Zl", "Zp")) | st.sampled_from("\t\n")
free_text = st.text(_printable, max_size=40).map(lambda s: json.dumps(s, ensure_ascii=False))


def _indent(block: str, n: int) -> str:
    return block.replace("\n", "\n" + " " * n)


@st.composite
def tricky_value(draw, depth: int = 0) -> str:
    kind = draw(st.sampled_from(["scalar", "scalar", "text", "block", "flow", "map", "seq"] if depth < 2
                                else ["scalar", "text", "flow"]))
    if kind == "scalar":
        return draw(st.sampled_from(TRICKY))
    if kind == "text":
        return draw(free_text)
    if kind == "block":
        return draw(st.sampled_from(BLOCKS))
    if kind == "flow":
        return draw(st.sampled_from(FLOWS))
    if kind == "map":
        keys = draw(st.lists(st.sampled_from(["on", "0755", "key", "'quoted key'", "x.y/z", "n"]), min_size=1,
                             max_size=3, unique=True))
        return "\n" + "\n".join(f"  {k}: {_indent(draw(tricky_value(depth + 1)), 2)}" for k in keys)
    items = draw(st.lists(tricky_value(depth + 1), min_size=1, max_size=3))
    return "\n" + "\n".join(f"- {_indent(v, 2)}" for v in items)


@st.composite
def unrelated_object(draw, name: str) -> str:
    api, kind = draw(st.sampled_from([("v1", "ConfigMap"), ("example.com/v1", "Widget"), ("v1", "Secret"),
                                      ("batch/v1", "CronJob"), ("networking.istio.io/v1", "Gateway")]))
    lines = [f"apiVersion: {api}", f"kind: {kind}", "metadata:", f"  name: {name}"]
    ns = draw(st.sampled_from(NAMESPACES + [None]))
    if ns:
        lines.append(f"  namespace: {ns}")
    if draw(st.booleans()):
        lines.append(f"  annotations: {{note: {draw(st.sampled_from(TRICKY[:20]))}, owner: 'team-a'}}")
    lines.append("data:" if kind in ("ConfigMap", "Secret") else "spec:")
    keys = draw(st.lists(st.sampled_from(["a", "on", "0755", "mode", "'q k'", "long", "list", "nested", "b-c"]),
                         min_size=1, max_size=5, unique=True))
    for k in keys:
        lines.append(f"  {k}: {_indent(draw(tricky_value()), 2)}")
    if draw(st.integers(0, 3)) == 0:
        # Anchors and aliases: the function writes each alias out as a copy.
        # One document holds every item of a ResourceList: anchor names must differ.
        a = f"shared-{name}"
        lines += [f"  anchored: &{a} {{k: on, n: 0x1F}}", f"  aliased: *{a}", f"  listed: [*{a}, *{a}]"]
    return "\n".join(lines)


PORTS = ["{name: http, port: 80}", "{name: http-web, port: 8080, targetPort: 8080}", "{name: grpc, port: 9000}",
         "{port: 5000}", "{name: tcp-db, port: 5432}", "{name: https, port: 443}", "{name: udp-dns, port: 53, protocol: UDP}",
         "{name: redis, port: 6379}", "{name: web, port: 81, appProtocol: http}", "{name: x, port: 82, appProtocol: kubernetes.io/h2c}"]


@st.composite
def service(draw, app: str, ns: str | None) -> str:
    lines = ["apiVersion: v1", "kind: Service", "metadata:", f"  name: {app}"]
    if ns:
        lines.append(f"  namespace: {ns}")
    if draw(st.booleans()):
        lines.append(f"  labels: {{app: {app}, tier: {draw(st.sampled_from(['on', 'backend', '0755']))}}}")
    lines.append("spec:")
    if draw(st.integers(0, 9)) == 0:
        lines += ["  type: ExternalName", f"  externalName: {app}.example.com"]
    elif draw(st.integers(0, 9)) > 0:
        lines.append(f"  selector: {{app: {app}}}")
    ports = draw(st.lists(st.sampled_from(PORTS), max_size=3, unique_by=lambda p: p.split("port: ")[1][:3]))
    if ports:
        lines.append("  ports:")
        lines += [f"  - {p}" for p in ports]
    return "\n".join(lines)


@st.composite
def workload(draw, app: str, ns: str | None, name: str) -> str:
    kind = draw(st.sampled_from(["Deployment", "StatefulSet", "DaemonSet"]))
    labels = [f"app: {app}"]
    if draw(st.booleans()):
        labels.append(f"version: {draw(st.sampled_from(VERSIONS))}")
    if draw(st.integers(0, 5)) == 0:
        labels.append("sidecar.istio.io/inject: " + draw(st.sampled_from(['"true"', '"false"'])))
    lines = ["apiVersion: apps/v1", f"kind: {kind}", "metadata:", f"  name: {name}"]
    if ns:
        lines.append(f"  namespace: {ns}")
    lines += ["spec:", "  replicas: 2", "  selector:", f"    matchLabels: {{app: {app}}}", "  template:",
              "    metadata:", "      labels:"] + [f"        {lb}" for lb in labels] + [
              "    spec:", "      containers:", f"      - name: {app}", f"        image: 'registry.example.com/{app}:1.0'",
              "        env:", "        - {name: FLAG, value: \"on\"}"]
    return "\n".join(lines)


@st.composite
def namespace(draw, name: str) -> str:
    lines = ["apiVersion: v1", "kind: Namespace", "metadata:", f"  name: {name}"]
    labels = draw(st.sampled_from([None, "null", "{}", "{team: a}", "{istio-injection: disabled}",
                                   "{istio-injection: enabled}", "{istio.io/rev: 1-23}",
                                   "{istio.io/dataplane-mode: none}", "\n    team: b\n    on: yes"]))
    if labels is not None:
        lines.append(f"  labels: {labels}" if labels != "null" else "  labels:")
    return "\n".join(lines)


@st.composite
def user_rule(draw, app: str, ns: str | None) -> str:
    kind = draw(st.sampled_from(["DestinationRule", "VirtualService"]))
    name = draw(st.sampled_from([app, f"{app}-destination", f"{app}-mine"]))
    lines = ["apiVersion: networking.istio.io/v1", f"kind: {kind}", "metadata:", f"  name: {name}"]
    if ns:
        lines.append(f"  namespace: {ns}")
    host = draw(st.sampled_from([app, f"{app}.{ns or 'shop'}.svc.cluster.local", "other"]))
    if kind == "DestinationRule":
        lines += ["spec:", f"  host: {host}", "  trafficPolicy: {tls: {mode: DISABLE}}"]
    else:
        lines += ["spec:", f"  hosts: [{host}]", "  http:", f"  - route: [{{destination: {{host: {host}}}}}]",
                  "    timeout: 1s"]
    return "\n".join(lines)


CONFIGS = [
    None,
    "apiVersion: istio-mesh-fn.dev/v1alpha1\nkind: IstioMesh\nmetadata: {name: m}\nspec:\n  injection: {mode: revision, revision: 1-24}",
    "apiVersion: istio-mesh-fn.dev/v1alpha1\nkind: IstioMesh\nmetadata: {name: m}\nspec:\n  injection: {mode: ambient}",
    "apiVersion: istio-mesh-fn.dev/v1alpha1\nkind: IstioMesh\nmetadata: {name: m}\nspec:\n  injection: {namespaces: [shop]}\n  mtls: {scope: namespace}",
    "apiVersion: istio-mesh-fn.dev/v1alpha1\nkind: IstioMesh\nmetadata: {name: m}\nspec:\n  hosts: {style: fqdn}\n  destinationRule: {tlsMode: auto, loadBalancer: LEAST_REQUEST}",
    "apiVersion: istio-mesh-fn.dev/v1alpha1\nkind: IstioMesh\nmetadata: {name: m}\nspec:\n  destinationRule: {nameTemplate: '{namespace}-{name}'}\n  virtualService: {nameTemplate: '{name}-vs', timeout: 5s, retries: {attempts: 1, perTryTimeout: 2s}}",
    "apiVersion: istio-mesh-fn.dev/v1alpha1\nkind: IstioMesh\nmetadata: {name: m}\nspec:\n  mtls: {mode: PERMISSIVE}\n  services: [{name: cart, timeout: 5s}, {name: db, namespace: data, tlsMode: auto}]",
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: m}\ndata: {timeout: 10s, retryAttempts: '2', perTryTimeout: 4s, injection: disabled}",
    # Zero trust, everything on (issue 12).
    "apiVersion: istio-mesh-fn.dev/v1alpha1\nkind: IstioMesh\nmetadata: {name: m}\nspec:\n  authorization: {mode: enforce}\n"
    "  egress: {mode: registry-only}\n  requestAuthentication: {providers: [{name: idp, issuer: 'https://idp.example.com/', "
    "jwksUri: 'https://idp.example.com/jwks', requireJwt: true}]}",
]


@st.composite
def package(draw) -> tuple[list[str], str | None]:
    """(items as YAML text, function config as YAML text or None). Identities are unique."""
    items: list[str] = []
    for ns in draw(st.lists(st.sampled_from(NAMESPACES), unique=True, max_size=4)):
        items.append(draw(namespace(ns)))
    apps = draw(st.lists(st.tuples(st.sampled_from(APPS), st.sampled_from(NAMESPACES[:3] + [None])),
                         unique=True, max_size=6))
    taken: set[tuple[str, str | None, str]] = set()
    for app, ns in apps:
        if draw(st.integers(0, 9)) > 0:
            items.append(draw(service(app, ns)))
        for i in range(draw(st.integers(0, 2))):
            items.append(draw(workload(app, ns, f"{app}-{i}")))
        if draw(st.integers(0, 4)) == 0:
            rule = draw(user_rule(app, ns))
            ident = (rule.split("kind: ")[1].split("\n")[0], ns, rule.split("name: ")[1].split("\n")[0])
            if ident not in taken:
                taken.add(ident)
                items.append(rule)
    for i in range(draw(st.integers(0, 4))):
        items.append(draw(unrelated_object(f"other-{i}")))
    if draw(st.booleans()):
        # kpt's view: every item knows its file.
        items = [_with_path(it, f"{_folder(it)}/resources.yaml", i) for i, it in enumerate(items)]
    return items, draw(st.sampled_from(CONFIGS))


def _folder(item: str) -> str:
    for line in item.split("\n"):
        if line.startswith("  namespace: "):
            return line.split(": ", 1)[1]
    return "base"


def _with_path(item: str, path: str, index: int) -> str:
    ann = (f"  annotations:\n    internal.config.kubernetes.io/path: '{path}'\n"
           f"    internal.config.kubernetes.io/index: '{index}'")
    lines = item.split("\n")
    if any(ln.startswith("  annotations:") for ln in lines):
        return item  # keep the tricky annotations as written; this item has no path
    at = lines.index("metadata:") + 1
    return "\n".join(lines[:at] + ann.split("\n") + lines[at:])
