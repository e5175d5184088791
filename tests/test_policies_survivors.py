"""The policies' decisions and messages that mutation testing (issue 17) showed no other
in-process test noticed: authorization, JWT, egress, Gateway API routes, the ambient
migration advice and the smaller policies. Each test asserts what a user sees: the
generated objects, where they are written, and the exact text and place of each result."""

from __future__ import annotations

from typing import Any

import pytest

from fn.items import Item
from fn.policies import ambientmigration, gamma
from krm import by_kind, generate, generated, items_from_yaml

PATH = "internal.config.kubernetes.io/path"
DRY_RUN = "istio.io/dry-run"


def typed(spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "istio-mesh-fn.dev/v1alpha1", "kind": "IstioMesh", "metadata": {"name": "m"}, "spec": spec}


def run(text: str, spec: dict[str, Any], path: str | None = None):
    items, results = generate(items_from_yaml(text, path), typed(spec))
    return generated(items), results


def messages(results, severity: str | None = None) -> list[str]:
    return [r.message for r in results if severity is None or r.severity == severity]


def one(results, part: str, severity: str | None = None):
    [r] = [r for r in results if part in r.message and (severity is None or r.severity == severity)]
    return r


def docs(*parts: str) -> str:
    return "\n---\n".join(parts)


def ns(name: str, labels: str = "{istio-injection: enabled}") -> str:
    return f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {name}, labels: {labels}}}"


def workload(name: str, namespace: str | None = "shop", sa: str | None = None, env: tuple[str, ...] = (),
             labels: str | None = None, annotations: str | None = None, kind: str = "Deployment",
             container_ports: str = "") -> str:
    meta = f"{{name: {name}" + (f", namespace: {namespace}" if namespace else "") + "}"
    env_yaml = "".join(f"\n        - {{name: E{i}, value: '{v}'}}" for i, v in enumerate(env))
    sa_line = f"\n      serviceAccountName: {sa}" if sa else ""
    ann = f"\n      annotations: {annotations}" if annotations else ""
    ports = f"\n        ports: {container_ports}" if container_ports else ""
    labels = labels or f"{{app: {name}}}"
    if kind == "Pod":
        return f"""apiVersion: v1
kind: Pod
metadata:
  name: {name}
  namespace: {namespace}
  labels: {labels}
spec:{sa_line}
  containers:
  - name: c
    image: example/{name}:1
    env:
    - {{name: X, value: '1'}}""" + "".join(f"\n    - {{name: E{i}, value: '{v}'}}" for i, v in enumerate(env))
    return f"""apiVersion: apps/v1
kind: {kind}
metadata: {meta}
spec:
  selector: {{matchLabels: {labels}}}
  template:
    metadata:
      labels: {labels}{ann}
    spec:{sa_line}
      containers:
      - name: c
        image: example/{name}:1{ports}
        env:
        - {{name: X, value: '1'}}{env_yaml}"""


def service(name: str, namespace: str | None = "shop", ports: str = "[{name: http, port: 80, targetPort: 8080}]",
            selector: str | None = None, labels: str = "") -> str:
    meta = f"{{name: {name}" + (f", namespace: {namespace}" if namespace else "") + (
        f", labels: {labels}" if labels else "") + "}"
    selector = selector or f"{{app: {name}}}"
    return f"apiVersion: v1\nkind: Service\nmetadata: {meta}\nspec:\n  selector: {selector}\n  ports: {ports}"


def app(name: str, namespace: str | None = "shop", sa: str | None = None, env: tuple[str, ...] = (),
        port: str = "{name: http, port: 80, targetPort: 8080}", **kw: Any) -> str:
    return docs(workload(name, namespace, sa or name, env, **kw), service(name, namespace, f"[{port}]"))


ENFORCE = {"authorization": {"mode": "enforce"}}
AMBIENT = {"injection": {"mode": "ambient"}}
# web calls api (HTTP), api calls db (TCP); nobody calls web.
SHOP = docs(ns("shop"), app("web", env=("http://api:80",)), app("api", env=("db:5432",)),
            app("db", port="{name: tcp-pg, port: 5432}"))


def policies(objs) -> dict[str, dict[str, Any]]:
    return by_kind(objs, "AuthorizationPolicy")


# --- AuthorizationPolicy ----------------------------------------------------------------

def test_authorization_without_strict_mtls_is_a_warning_saying_why():
    _, results = run(SHOP, {**ENFORCE, "mtls": {"mode": "PERMISSIVE"}})
    assert ("authorization with mTLS PERMISSIVE: a plaintext client has no principal, so the generated policies deny "
            "it; STRICT gives every caller an identity") in messages(results, "warning")


def test_a_namespace_without_a_data_plane_gets_no_policies_and_says_why():
    objs, results = run(docs(ns("shop"), ns("legacy", "{}"), app("web", env=("http://api.legacy:80",)),
                             app("api", namespace="legacy")), {**ENFORCE, "injection": {"namespaces": ["shop"]}})
    assert {o["metadata"]["namespace"] for o in policies(objs).values()} == {"shop"}
    r = one(results, "no policies for namespace")
    assert (r.severity, r.message) == (
        "warning", "authorization: no policies for namespace legacy: namespace legacy carries no injection label (label "
                   "its Namespace item, or list it in injection.namespaces)")


def test_workloads_without_a_namespace_are_told_why_they_get_no_policy():
    objs, results = run(docs(app("web", namespace=None, env=("http://api:80",)), app("api", namespace=None)), ENFORCE)
    assert not policies(objs)
    assert ("authorization: workloads without a namespace get no AuthorizationPolicy (their identity names the "
            "namespace); set metadata.namespace or spec.defaultNamespace") in messages(results, "warning")


def test_a_hand_written_allow_nothing_is_kept_and_said():
    mine = ("apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: allow-nothing, namespace: shop}\n"
            "spec: {}")
    objs, results = run(docs(SHOP, mine), ENFORCE)
    assert "allow-nothing" not in policies(objs)
    assert "kept the AuthorizationPolicy shop/allow-nothing written by hand" in messages(results, "info")


def test_pod_labels_that_select_other_workloads_are_named_each():
    # One Service selects three Deployments; web's labels are a subset of the others'.
    text = docs(ns("shop"), app("front", env=("http://web:80",)), service("web"),
                workload("web", sa="web"), workload("web-a", sa="web-a", labels="{app: web, v: a}"),
                workload("web-b", sa="web-b", labels="{app: web, v: b}"))
    objs, results = run(text, ENFORCE, path="apps/shop.yaml")
    assert {"web", "web-a", "web-b"} <= set(policies(objs))
    [r] = [r for r in results if "its pod labels also select" in r.message]
    assert (r.severity, r.message) == (
        "warning", "shop/web: its pod labels also select shop/web-a, shop/web-b, so they get its callers too; give each "
                   "workload a distinguishing label")
    assert r.resource_ref == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "namespace": "shop"}
    assert r.file == {"path": "apps/shop.yaml", "index": 4}


def test_two_workloads_of_one_name_get_policies_named_by_kind():
    text = docs(ns("shop"), app("web", env=("http://cart:80",)), service("cart"),
                workload("cart", sa="cart-d"), workload("cart", sa="cart-s", kind="StatefulSet"))
    objs, _ = run(text, ENFORCE)
    aps = policies(objs)
    assert {"cart-deployment", "cart-statefulset"} <= set(aps) and "cart" not in aps


def test_a_hand_written_policy_with_a_workloads_name_is_kept_and_the_others_still_generated():
    mine = "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: api, namespace: shop}\nspec: {}"
    objs, results = run(docs(SHOP, mine), ENFORCE)
    aps = policies(objs)
    assert "api" not in aps and "db" in aps
    assert "shop/api: an AuthorizationPolicy named api already exists and is not ours to replace" in \
        messages(results, "info")


def test_workload_policies_are_written_beside_the_workload_and_a_bare_pod_in_the_namespace_folder():
    # A bare Pod is in the call graph but not among the mesh model's workloads: it has no path there.
    text = docs(ns("shop"), app("web", env=("http://api:80", "http://worker:80")), app("api"), service("worker"),
                workload("worker", kind="Pod"))
    objs, _ = run(text, ENFORCE, path="apps/shop.yaml")
    aps = policies(objs)
    assert aps["api"]["metadata"]["annotations"][PATH] == "apps/istio-authorizationpolicy.yaml"
    assert aps["worker"]["metadata"]["annotations"][PATH] == "istio/shop/istio-authorizationpolicy.yaml"


def test_unresolved_target_port_names_are_a_warning_on_the_workload():
    text = docs(ns("shop"), app("web", env=("http://api:80",)),
                workload("api", sa="api", container_ports="[{name: http, containerPort: 8080}]"),
                service("api", ports="[{name: http, port: 80, targetPort: http-web}]"))
    _, results = run(text, ENFORCE, path="apps/shop.yaml")
    r = one(results, "a port name none of its containers declares")
    assert (r.severity, r.message) == (
        "warning", "shop/api: shop/api port 80 targets 'http-web', a port name none of its containers declares; that "
                   "port is not allowed")
    assert r.resource_ref == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api", "namespace": "shop"}
    assert r.file == {"path": "apps/shop.yaml", "index": 3}


def test_prometheus_scrapes_in_an_ambient_namespace_are_warned_about_naming_why():
    text = docs(ns("shop", "{}"), app("web", env=("http://api:80",)),
                app("api", annotations="{prometheus.io/port: '9090'}"))
    _, results = run(text, {**AMBIENT, **ENFORCE})
    assert ("shop/api: Prometheus scrapes port 9090 through the proxy (its namespace is ambient); in enforce mode the "
            "scrape is denied unless authorization.metricsPrincipals names the scraper's identity") in \
        messages(results, "warning")


def test_dry_run_marks_the_policies_attached_for_a_waypoint_too():
    text = docs(ns("shop", "{}"), app("web", env=("http://cart:80",)), app("cart"))
    objs, _ = run(text, {**AMBIENT, "authorization": {"mode": "dry-run"}, "virtualService": {"timeout": "5s"}})
    aps = policies(objs)
    assert "cart-waypoint" in aps
    assert {name: ap["metadata"]["annotations"].get(DRY_RUN) for name, ap in aps.items()} == {
        name: "true" for name in aps}


# --- AuthorizationPolicy attached for a waypoint ------------------------------------------

# Ambient, with the default route timeout: every Service goes through the waypoint.
WAYPOINTED = docs(ns("shop", "{}"), app("web", env=("http://cart:80",)), app("cart", env=("db:5432",)),
                  app("db", port="{name: tcp-pg, port: 5432}"))


def test_a_hand_written_waypoint_policy_is_kept_with_an_info_on_the_service_and_the_others_still_generated():
    mine = ("apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: web-waypoint, namespace: shop}\n"
            "spec: {}")
    objs, results = run(docs(WAYPOINTED, mine), {**AMBIENT, **ENFORCE}, path="apps/shop.yaml")
    aps = policies(objs)
    assert "web-waypoint" not in aps and {"cart-waypoint", "db-waypoint"} <= set(aps)
    r = one(results, "web-waypoint already exists")
    assert (r.severity, r.message) == (
        "info", "web: an AuthorizationPolicy named web-waypoint already exists and is not ours to replace; the waypoint "
                "applies that one")
    assert r.resource_ref == {"apiVersion": "v1", "kind": "Service", "name": "web", "namespace": "shop"}
    assert r.file == {"path": "apps/shop.yaml", "index": 2}


def test_a_waypointed_service_nobody_calls_is_said_on_the_service():
    objs, results = run(WAYPOINTED, {**AMBIENT, **ENFORCE}, path="apps/shop.yaml")
    assert policies(objs)["web-waypoint"]["spec"] == {"targetRefs": [{"group": "", "kind": "Service", "name": "web"}]}
    r = one(results, "no inferred caller addresses it")
    assert (r.severity, r.message) == ("info", "web: no inferred caller addresses it, so its waypoint policy allows nothing")
    assert r.resource_ref == {"apiVersion": "v1", "kind": "Service", "name": "web", "namespace": "shop"}
    assert r.file == {"path": "apps/shop.yaml", "index": 2}


# --- RequestAuthentication -------------------------------------------------------------------

IDP = {"name": "idp", "issuer": "https://idp.example.com/", "jwksUri": "https://idp.example.com/jwks.json"}


def jwt(*providers: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {"requestAuthentication": {"providers": list(providers)}, **spec}


def test_require_jwt_under_dry_run_marks_the_deny_as_dry_run():
    objs, _ = run(SHOP, jwt({**IDP, "workloads": ["shop/api"], "requireJwt": True}, authorization={"mode": "dry-run"}))
    assert policies(objs)["require-jwt-idp-api"]["metadata"]["annotations"].get(DRY_RUN) == "true"
    objs, _ = run(SHOP, jwt({**IDP, "workloads": ["shop/api"], "requireJwt": True}, authorization={"mode": "enforce"}))
    assert DRY_RUN not in policies(objs)["require-jwt-idp-api"]["metadata"]["annotations"]


@pytest.mark.parametrize("where", [{"workloads": ["shop/cart"]}, {"namespaces": ["shop"]}])
def test_require_jwt_at_a_waypoint_under_dry_run_marks_the_deny_as_dry_run(where):
    objs, _ = run(WAYPOINTED, jwt({**IDP, **where, "requireJwt": True}, authorization={"mode": "dry-run"}, **AMBIENT))
    deny = policies(objs)["require-jwt-idp-cart"]
    assert deny["spec"]["targetRefs"] == [{"group": "", "kind": "Service", "name": "cart"}]
    assert deny["metadata"]["annotations"].get(DRY_RUN) == "true"


def test_a_namespace_wide_provider_at_a_waypoint_attaches_to_the_gateway_only():
    objs, _ = run(WAYPOINTED, jwt({**IDP, "namespaces": ["shop"], "requireJwt": True}, **AMBIENT))
    ras = by_kind(objs, "RequestAuthentication")
    assert list(ras) == ["jwt-idp"]
    assert ras["jwt-idp"]["spec"]["targetRefs"] == [{"group": "gateway.networking.k8s.io", "kind": "Gateway",
                                                     "name": "waypoint"}]
    assert {"require-jwt-idp-cart", "require-jwt-idp-web"} <= set(policies(objs))


def test_a_waypoint_served_by_the_ingress_gateway_too_is_warned_about_on_the_service():
    gateway = """apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: shop-gateway, namespace: shop}
spec:
  gatewayClassName: istio
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: front, namespace: shop}
spec:
  parentRefs: [{name: shop-gateway}]
  rules: [{backendRefs: [{name: cart, port: 80}]}]"""
    _, results = run(docs(WAYPOINTED, gateway), jwt({**IDP, "workloads": ["shop/cart"]}, **AMBIENT, **ENFORCE),
                     path="apps/shop.yaml")
    r = one(results, "which the ingress gateway's requests do not pass")
    assert (r.severity, r.message) == (
        "warning", "shop/cart: requestAuthentication idp is checked by its waypoint, which the ingress gateway's "
                   "requests do not pass (they go to the pods directly); validate the token at the gateway too, or "
                   "label the Service istio.io/ingress-use-waypoint=true")
    assert r.resource_ref == {"apiVersion": "v1", "kind": "Service", "name": "cart", "namespace": "shop"}
    assert r.file == {"path": "apps/shop.yaml", "index": 4}


def test_require_jwt_reads_a_named_target_port_from_the_containers():
    text = docs(ns("shop"), workload("api", sa="api", container_ports="[{name: http-web, containerPort: 8080}]"),
                service("api", ports="[{name: http, port: 80, targetPort: http-web}]"))
    objs, results = run(text, jwt({**IDP, "workloads": ["api"], "requireJwt": True}))
    rule = policies(objs)["require-jwt-idp-api"]["spec"]["rules"][0]
    assert rule["to"] == [{"operation": {"ports": ["8080"]}}]
    assert not [m for m in messages(results) if "covers only its HTTP ports" in m]


def test_a_workload_entry_matching_nothing_is_a_warning_naming_the_setting():
    objs, results = run(SHOP, jwt({**IDP, "workloads": ["shop/api", "shop/nope"]}))
    assert list(by_kind(objs, "RequestAuthentication")) == ["jwt-idp-api"]
    r = one(results, "matches no workload")
    assert (r.severity, r.message) == ("warning", "requestAuthentication idp: workloads[1] 'shop/nope' matches no workload "
                                                  "in the input")
    assert r.field == {"path": "spec.requestAuthentication.providers[idp].workloads[1]"}


@pytest.mark.parametrize("text,spec", [
    # Listed in injection.namespaces, the root namespace is on the mesh, but not a provider's.
    (docs(SHOP, ns("istio-system")), {"injection": {"namespaces": ["istio-system", "shop"]}}),
    # Namespace-less items have no namespace to write a policy in.
    (docs(ns("shop"), app("web"), app("cart", namespace=None)), {}),
])
def test_a_provider_for_every_namespace_leaves_out_the_root_and_the_empty_namespace(text, spec):
    objs, _ = run(text, jwt(IDP, **spec))
    assert [(o["metadata"].get("namespace"), o["metadata"]["name"]) for o in objs
            if o["kind"] == "RequestAuthentication"] == [("shop", "jwt-idp")]


def test_a_provider_without_require_jwt_does_not_stop_the_next_one():
    objs, results = run(SHOP, jwt({**IDP, "workloads": ["shop/web"]},
                                  {**IDP, "name": "other", "workloads": ["shop/api"], "requireJwt": True}))
    assert "require-jwt-other-api" in policies(objs)
    assert ("requestAuthentication idp: requests without a token still pass (a RequestAuthentication only rejects "
            "invalid tokens); set requireJwt to require one") in messages(results, "info")


def test_require_jwt_names_each_port_it_cannot_cover_and_goes_on_to_the_next_workload():
    text = docs(ns("shop"), app("api"), workload("db", sa="db"),
                service("db", ports="[{name: tcp-pg, port: 5432}, {name: tcp-rep, port: 5433}]"))
    objs, results = run(text, jwt({**IDP, "workloads": ["shop/db", "shop/api"], "requireJwt": True}))
    assert "require-jwt-idp-db" not in policies(objs) and "require-jwt-idp-api" in policies(objs)
    assert ("shop/db: requireJwt covers only its HTTP ports; not db:5432, db:5433 (a JWT rule cannot apply to TCP or "
            "unnamed ports)") in messages(results, "info")


def test_in_ambient_a_workload_without_a_waypoint_is_warned_and_the_next_still_covered():
    text = docs(WAYPOINTED, workload("worker", sa="worker"))
    objs, results = run(text, jwt({**IDP, "workloads": ["shop/cart", "shop/worker"], "requireJwt": True}, **AMBIENT))
    ras = by_kind(objs, "RequestAuthentication")
    assert ras["jwt-idp-cart"]["spec"]["targetRefs"] == [{"group": "", "kind": "Service", "name": "cart"}]
    assert ras["jwt-idp-worker"]["spec"]["selector"] == {"matchLabels": {"app": "worker"}}
    assert ("shop/worker: requireJwt in an ambient namespace needs a waypoint proxy; ztunnel enforces only L4 rules "
            "and skips requestPrincipals") in messages(results, "warning")


# --- ServiceEntry ---------------------------------------------------------------------------

EGRESS = {"egress": {"mode": "registry-only"}}


def service_entries(objs) -> dict[tuple[str, str], dict[str, Any]]:
    return {(o["metadata"]["namespace"], o["metadata"]["name"]): o["spec"] for o in objs if o["kind"] == "ServiceEntry"}


@pytest.mark.parametrize("address,host,ports", [
    # No port and no scheme: 443, TLS.
    ("api.stripe.com", "api.stripe.com", [(443, "TLS")]),
    # Port 443 without a scheme is TLS; port 80 without one is HTTP.
    ("secure.example.com:443", "secure.example.com", [(443, "TLS")]),
    ("plain.example.com:80", "plain.example.com", [(80, "HTTP")]),
    ("plain.example.com:81", "plain.example.com", [(81, "TCP")]),
    # A TLS scheme on another port is TLS.
    ("https://pay.example.com:8443/v1", "pay.example.com", [(8443, "TLS")]),
    ("grpc://rpc.example.com:9000", "rpc.example.com", [(9000, "GRPC")]),
])
def test_service_entry_ports_and_protocols(address, host, ports):
    objs, results = run(docs(ns("shop"), app("web", env=(address,))), EGRESS)
    assert service_entries(objs)[("shop", host)]["ports"] == [
        {"number": n, "name": f"{p.lower()}-{n}", "protocol": p} for n, p in ports]
    tcp = [m for m in messages(results) if "need the host's addresses" in m]
    assert bool(tcp) == any(p == "TCP" for _, p in ports)
    portless = "egress: hosts named without a port or scheme were given port 443 (TLS)"
    assert (portless in messages(results, "info")) == (address == "api.stripe.com")


def test_tcp_ports_without_addresses_are_one_warning_naming_every_port():
    objs, results = run(docs(ns("shop"), app("web", env=("db.example.com:5432", "db.example.com:5433"))), EGRESS)
    assert [p["number"] for p in service_entries(objs)[("shop", "db.example.com")]["ports"]] == [5432, 5433]
    r = one(results, "need the host's addresses")
    assert (r.severity, r.message) == (
        "warning", "egress: ServiceEntry shop/db.example.com: TCP port(s) 5432, 5433 need the host's addresses, which "
                   "the manifests do not give: without them the sidecar matches the port for every destination "
                   "(IST0134). Add spec.addresses to a ServiceEntry of your own, or enable Istio's DNS proxying with "
                   "address auto-allocation")
    assert r.resource_ref == {"apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry", "name": "db.example.com",
                              "namespace": "shop"}


def test_external_hosts_called_from_workloads_without_a_namespace_are_warned_about():
    objs, results = run(app("web", namespace=None, env=("https://api.stripe.com",)), EGRESS)
    assert not service_entries(objs)
    assert ("egress: external hosts called from workloads without a namespace get no ServiceEntry (exportTo '.' needs "
            "one); set metadata.namespace or spec.defaultNamespace") in messages(results, "warning")


def test_an_excluded_namespace_gets_no_service_entry_and_the_next_one_does():
    text = docs(ns("alpha"), ns("shop"), app("a", namespace="alpha", env=("https://api.stripe.com",)),
                app("web", env=("https://api.stripe.com",)))
    objs, _ = run(text, {**EGRESS, "exclude": {"namespaces": ["alpha"]}})
    assert list(service_entries(objs)) == [("shop", "api.stripe.com")]


def test_a_hand_written_service_entry_is_kept_and_the_next_host_still_generated():
    mine = ("apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: api.stripe.com, namespace: shop}\n"
            "spec: {hosts: [api.stripe.com], location: MESH_EXTERNAL, resolution: DNS, ports: [{number: 443, name: tls, "
            "protocol: TLS}]}")
    text = docs(ns("shop"), app("web", env=("https://api.stripe.com", "https://status.example.com")), mine)
    objs, results = run(text, EGRESS)
    assert list(service_entries(objs)) == [("shop", "status.example.com")]
    assert "egress: kept the ServiceEntry shop/api.stripe.com written by hand" in messages(results, "info")


# --- Sidecar ---------------------------------------------------------------------------------

def sidecars(objs) -> list[str]:
    return [o["metadata"].get("namespace", "") for o in objs if o["kind"] == "Sidecar"]


@pytest.mark.parametrize("text,spec", [
    # Listed in injection.namespaces, the root and an excluded namespace are on the mesh; a
    # namespace-less Service puts "" among the mesh namespaces too.
    (docs(ns("alpha"), ns("istio-system"), ns("shop"), app("a", namespace="alpha"), app("web"),
          app("cart", namespace=None)),
     {"exclude": {"namespaces": ["alpha"]}, "injection": {"namespaces": ["alpha", "istio-system", "shop"]}}),
    # A namespace without sidecars, sorted first.
    (docs(ns("alpha", "{}"), ns("shop"), app("a", namespace="alpha"), app("web")), {"injection": {"namespaces": ["shop"]}}),
])
def test_a_sidecar_only_for_sidecar_namespaces_of_the_package_not_root_excluded_or_empty(text, spec):
    objs, _ = run(text, {**EGRESS, **spec})
    assert sidecars(objs) == ["shop"]


def test_a_hand_written_default_sidecar_is_kept_and_the_next_namespace_still_gets_one():
    mine = ("apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: default, namespace: alpha}\n"
            "spec: {egress: [{hosts: ['./*']}]}")
    text = docs(ns("alpha"), ns("shop"), app("a", namespace="alpha"), app("web"), mine)
    objs, results = run(text, EGRESS)
    assert sidecars(objs) == ["shop"]
    assert "egress: kept the Sidecar alpha/default written by hand" in messages(results, "info")
    other = mine.replace("name: default", "name: other")
    objs, _ = run(docs(ns("alpha"), ns("shop"), app("a", namespace="alpha"), app("web"), other), EGRESS)
    assert sidecars(objs) == ["alpha", "shop"]


# --- Gateway API routes (gamma) ----------------------------------------------------------------

GW = {"routing": {"api": "gateway-api"}, "destinationRule": {"enabled": False}}


@pytest.mark.parametrize("text,expected", [
    ("0.0001s", "0s"),
    ("0.0s", "0s"),
    ("1m30s", "1m30s"),
    ("1.5s", "1s500ms"),
    ("nonsense", None),
])
def test_gateway_durations(text, expected):
    assert gamma.gateway_duration(text) == expected


def test_a_route_name_invalid_for_a_service_declines_it_with_a_warning_on_the_service():
    spec = {**GW, "virtualService": {"nameTemplate": "{namespace}-{name}"}}
    objs, results = run(docs(service("cart", namespace=None), workload("cart", namespace=None)), spec, path="apps/cart.yaml")
    assert not by_kind(objs, "HTTPRoute")
    r = one(results, "the name would be", "warning")
    assert (r.severity, r.message) == ("warning", "cart: no HTTPRoute: the name would be '-cart'")
    assert r.resource_ref == {"apiVersion": "v1", "kind": "Service", "name": "cart"}
    assert r.file == {"path": "apps/cart.yaml", "index": 0}
    assert ("cart: no Istio config generated: routed by Gateway API routes (routing.api gateway-api); no HTTPRoute: "
            "the name would be '-cart'") in messages(results, "info")


def test_route_labels_invalid_for_a_service_decline_it_naming_each_problem():
    name = "a" * 40
    spec = {**GW, "virtualService": {"nameTemplate": "{namespace}-{name}",
                                     "labels": {"k": "{name}" + "x" * 30, "ok": "{namespace}"}}}
    text = docs(ns("shop"), service(name, selector="{app: web}"), service("b", selector="{app: web}"), workload("web"))
    objs, results = run(text, spec)
    routes = by_kind(objs, "HTTPRoute")
    assert list(routes) == ["shop-b"]
    assert routes["shop-b"]["metadata"]["labels"] == {"k": "b" + "x" * 30, "ok": "shop"}
    assert [m for m in messages(results, "warning") if "no HTTPRoute" in m] == [
        f"{name}: no HTTPRoute: labels.k gives '{name + 'x' * 30}'"]
    # Without a namespace the name template gives '-<name>': both problems are named.
    both = {**GW, "virtualService": {"nameTemplate": "{namespace}-{name}", "labels": {"k": "{name}" + "x" * 30}}}
    _, results = run(docs(service(name, namespace=None, selector="{app: web}"), workload("web", namespace=None)), both)
    assert [m for m in messages(results, "warning") if "no HTTPRoute" in m] == [
        f"{name}: no HTTPRoute: the name would be '-{name}', labels.k gives '{name + 'x' * 30}'"]


def test_a_persons_route_with_the_generated_name_is_kept_and_said():
    mine = ("apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: cart, namespace: shop}\n"
            "spec: {parentRefs: [{name: some-gateway}], rules: [{backendRefs: [{name: other, port: 80}]}]}")
    objs, results = run(docs(ns("shop"), app("cart"), mine), GW, path="apps/shop.yaml")
    assert not by_kind(objs, "HTTPRoute")
    r = one(results, "cart: a HTTPRoute named cart already exists")
    assert (r.severity, r.message) == ("info", "cart: a HTTPRoute named cart already exists and is not ours to replace")
    assert r.resource_ref == {"apiVersion": "v1", "kind": "Service", "name": "cart", "namespace": "shop"}
    assert ("cart: no Istio config generated: routed by Gateway API routes (routing.api gateway-api); a HTTPRoute "
            "named cart already exists and is not ours to replace") in messages(results, "info")


def test_a_persons_route_of_another_kind_does_not_stop_the_http_route():
    mine = ("apiVersion: gateway.networking.k8s.io/v1alpha2\nkind: TCPRoute\nmetadata: {name: db, namespace: shop}\n"
            "spec: {parentRefs: [{group: '', kind: Service, name: cart, port: 5432}], "
            "rules: [{backendRefs: [{name: cart, port: 5432}]}]}")
    text = docs(ns("shop"), app("cart", port="{name: http, port: 80}, {name: tcp-db, port: 5432}"), mine)
    objs, results = run(text, GW)
    assert list(by_kind(objs, "HTTPRoute")) == ["cart"]
    assert not by_kind(objs, "TCPRoute")
    assert "cart: kept the TCPRoute shop/db written for this Service" in messages(results, "info")


def test_ports_no_route_carries_are_named_each():
    text = docs(ns("shop"), app("cart", port="{name: http, port: 80}, {name: https, port: 443}, "
                                            "{name: dns, port: 53, protocol: UDP}"))
    _, results = run(text, GW)
    assert ("cart: no route for port(s) 443/https, 53/dns: TLS is routed by SNI and UDP is not proxied"
            in messages(results, "info"))


# --- ambient migration advice ------------------------------------------------------------------

def item(kind: str, spec: Any, api: str = "security.istio.io/v1") -> Item:
    return Item.from_obj({"apiVersion": api, "kind": kind, "metadata": {"name": "x", "namespace": "shop"}, "spec": spec})


L7 = [{"to": [{"operation": {"methods": ["GET"]}}]}]
SELECTOR = {"matchLabels": {"app": "cart"}}
REF = [{"group": "", "kind": "Service", "name": "cart"}]
RA_ADVICE = ("RequestAuthentication needs a waypoint in ambient mode: attach it with targetRefs (the waypoint Gateway or "
             "the Service) instead of selector")
L7_ADVICE = ("its L7 rules (methods, paths, request principals) with a selector are enforced by ztunnel as deny-all: "
             "attach them to the waypoint with targetRefs; keep L4 rules (principals, ports) on selector")
NET = "networking.istio.io/v1"


@pytest.mark.parametrize("kind,spec,api,expected", [
    ("Sidecar", {}, NET, "Sidecar resources have no effect in ambient mode: remove it"),
    ("EnvoyFilter", {}, NET,
     "EnvoyFilter is not supported in ambient mode: use a waypoint's Gateway API or WasmPlugin config"),
    ("RequestAuthentication", {"selector": SELECTOR}, "security.istio.io/v1", RA_ADVICE),
    ("RequestAuthentication", {"selector": SELECTOR, "targetRefs": REF}, "security.istio.io/v1", None),
    ("RequestAuthentication", {"selector": SELECTOR, "targetRef": REF[0]}, "security.istio.io/v1", None),
    ("AuthorizationPolicy", {"selector": SELECTOR, "rules": L7}, "security.istio.io/v1", L7_ADVICE),
    ("AuthorizationPolicy", {"selector": SELECTOR, "targetRefs": REF, "rules": L7}, "security.istio.io/v1", None),
    ("AuthorizationPolicy", {"selector": SELECTOR, "targetRef": REF[0], "rules": L7}, "security.istio.io/v1", None),
    ("AuthorizationPolicy", {"selector": SELECTOR, "rules": [{"from": [{"source": {"principals": ["a"]}}]}]},
     "security.istio.io/v1", None),
    # Shapes a person may write wrong: no advice, and no crash.
    ("DestinationRule", ["not", "a", "mapping"], NET, None),
    ("DestinationRule", {"trafficPolicy": ["tls"]}, NET, None),
    ("DestinationRule", {"trafficPolicy": {"tls": {"mode": "SIMPLE"}}}, NET, None),
    ("DestinationRule", {"trafficPolicy": {"tls": {"mode": "ISTIO_MUTUAL"}}}, NET,
     "drop trafficPolicy.tls ISTIO_MUTUAL (ztunnel does mTLS)"),
])
def test_ambient_migration_advice(kind, spec, api, expected):
    assert ambientmigration.advice(item(kind, spec, api)) == expected


# --- the smaller policies ----------------------------------------------------------------------------

SPLIT = {"routing": {"api": "gateway-api", "versionServices": True}, "destinationRule": {"enabled": False},
         "services": [{"name": "cart", "split": {"weights": {"v1": 90, "v2": 10}}}]}
VERSIONS = docs(workload("cart-v1", sa="cart", labels="{app: cart, version: v1}"),
                workload("cart-v2", sa="cart", labels="{app: cart, version: v2}"))


def test_a_version_plan_is_said_on_the_service_with_its_file():
    objs, results = run(docs(ns("shop"), service("cart"), VERSIONS), SPLIT, path="apps/shop.yaml")
    assert {"cart-v1", "cart-v2"} <= set(by_kind(objs, "Service"))
    r = one(results, "is applied over per-version Services")
    assert r.message == ("cart: the split (spec.services[0]) is applied over per-version Services cart-v1 (90%), "
                         "cart-v2 (10%) (routing.versionServices)")
    assert r.resource_ref == {"apiVersion": "v1", "kind": "Service", "name": "cart", "namespace": "shop"}
    assert r.file == {"path": "apps/shop.yaml", "index": 1}


def test_per_version_services_of_a_service_without_ports_have_none():
    text = docs(ns("shop"), "apiVersion: v1\nkind: Service\nmetadata: {name: cart, namespace: shop}\n"
                            "spec: {selector: {app: cart}}", VERSIONS)
    objs, _ = run(text, SPLIT)
    services = by_kind(objs, "Service")
    assert [services[n]["spec"] for n in ("cart-v1", "cart-v2")] == [
        {"selector": {"app": "cart", "version": "v1"}, "ports": []},
        {"selector": {"app": "cart", "version": "v2"}, "ports": []}]


def test_a_new_service_account_says_the_pod_spec_keeps_its_own_pull_secrets():
    text = docs(ns("shop"), app("web", env=("http://api:80",)),
                workload("api").replace("      containers:", "      imagePullSecrets: [{name: regcred}]\n      containers:"),
                service("api"))
    _, results = run(text, {"authorization": {"mode": "enforce", "serviceAccounts": "per-workload"}})
    [r] = [r for r in results if "runs as its own ServiceAccount" in r.message and "api" in r.message]
    assert r.message.endswith("; its pod spec has imagePullSecrets of its own")


def test_a_workload_named_like_a_services_waypoint_policy_keeps_both_policies():
    # The Deployment cart-waypoint's own policy and the one attached to Service cart for its
    # waypoint would both be cart-waypoint; one of them used to be dropped, and with it the
    # calls it allowed (the self-check reported web -> cart-waypoint denied).
    text = docs(ns("shop", "{}"), app("web", env=("http://cart:80", "http://cart-waypoint:80")), app("cart"),
                app("cart-waypoint"))
    objs, results = run(text, {**AMBIENT, **ENFORCE})
    aps = [o for o in objs if o["kind"] == "AuthorizationPolicy"]
    names = [o["metadata"]["name"] for o in aps]
    assert len(names) == len(set(names))
    by_name = {o["metadata"]["name"]: o["spec"] for o in aps}
    assert by_name["cart-waypoint"]["selector"] == {"matchLabels": {"app": "cart-waypoint"}}
    assert by_name["cart-waypoint-2"]["targetRefs"] == [{"group": "", "kind": "Service", "name": "cart"}]
    assert by_name["cart-waypoint-waypoint"]["targetRefs"] == [{"group": "", "kind": "Service", "name": "cart-waypoint"}]
    assert not [m for m in messages(results) if "generated it once" in m]
    assert not messages(results, "error")
    again, _ = generate(generate(items_from_yaml(text), typed({**AMBIENT, **ENFORCE}))[0], typed({**AMBIENT, **ENFORCE}))
    assert sorted(o["metadata"]["name"] for o in generated(again) if o["kind"] == "AuthorizationPolicy") == sorted(names)
