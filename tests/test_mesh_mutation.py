"""The mesh model's decisions and messages, pinned where mutation testing showed that no
other in-process test noticed a change: the exact reason each decision gives (a user
reads it in the results), and the fallbacks of the model's lookups."""

from __future__ import annotations

from typing import Any

import pytest

from fn import mesh
from fn.mesh.types import NO_MESH
from fn.settings import Settings
from krm import by_kind, generate, generated, items_from_yaml


def config(spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "istio-mesh-fn.dev/v1alpha1", "kind": "IstioMesh", "spec": spec}


def run(text: str, spec: dict[str, Any] | None = None):
    items, results = generate(items_from_yaml(text), config(spec) if spec is not None else None)
    return generated(items), results


def messages(results, severity: str | None = None) -> list[str]:
    return [r.message for r in results if severity is None or r.severity == severity]


def service(name: str = "cart", ns: str | None = "shop", selector: str = "{app: cart}", ports: str = "[{name: http, port: 80}]",
            extra: str = "") -> str:
    meta = f"{{name: {name}" + (f", namespace: {ns}" if ns is not None else "") + "}"
    sel = f"selector: {selector}, " if selector else ""
    return f"apiVersion: v1\nkind: Service\nmetadata: {meta}\nspec: {{{sel}ports: {ports}{extra}}}\n"


def deployment(name: str = "cart", ns: str | None = "shop", annotations: str = "{}", labels: str = "{app: cart}") -> str:
    meta = f"{{name: {name}" + (f", namespace: {ns}" if ns is not None else "") + "}"
    return (f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {meta}\n"
            f"spec: {{template: {{metadata: {{labels: {labels}, annotations: {annotations}}}}}}}\n")


def namespace(name: str = "shop", labels: str = "{istio-injection: enabled}") -> str:
    return f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {name}, labels: {labels}}}\n"


def docs(*parts: str) -> str:
    return "---\n".join(parts)


# --- names: each problem's message names the field and the value ---------------------

@pytest.mark.parametrize("meta,expected", [
    ("{name: yes, namespace: shop}",
     "Service 'true': metadata.name 'yes' is read by YAML as bool, not a name; quote it"),
    ("{name: cart, namespace: 012}",
     "Service 'cart': metadata.namespace '012' is read by YAML as int, not a name; quote it"),
    ("{name: Bad_Name, namespace: shop}",
     "Service 'Bad_Name': metadata.name 'Bad_Name' is not a DNS-1123 label (lowercase letters, digits and '-', at most 63)"),
    ("{namespace: shop}", "Service '': metadata.name is missing"),
    ("{name: cart, namespace: Shop}",
     "Service 'cart': metadata.namespace 'Shop' is not a DNS-1123 label (lowercase letters, digits and '-', at most 63)"),
])
def test_a_bad_service_name_is_one_error_naming_field_and_value(meta, expected):
    objs, results = run(f"apiVersion: v1\nkind: Service\nmetadata: {meta}\nspec: {{ports: [{{port: 80}}]}}\n")
    [error] = [r for r in results if r.severity == "error"]
    assert error.message == expected
    assert error.field == {"path": "metadata." + ("namespace" if "namespace" in expected.split(":")[1] else "name")}
    assert not by_kind(objs, "VirtualService")


@pytest.mark.parametrize("ns", ['""', "~", None])
def test_an_empty_or_missing_namespace_is_no_problem(ns):
    meta = "{name: cart" + (f", namespace: {ns}" if ns is not None else "") + "}"
    objs, results = run(f"apiVersion: v1\nkind: Service\nmetadata: {meta}\nspec: {{ports: [{{port: 80}}]}}\n")
    assert not messages(results, "error")
    assert list(by_kind(objs, "VirtualService")) == ["cart"]


# --- ports ---------------------------------------------------------------------------

def test_port_error_names_the_index_field_and_value():
    _, results = run(service(ports='[{port: 80}, {port: "x"}]'))
    [error] = [r for r in results if r.severity == "error"]
    assert error.message == "Service shop/cart: spec.ports[1].port must be a port number from 1 to 65535, got 'x'"
    assert error.field == {"path": "spec.ports[1].port", "currentValue": "x"}


def test_ports_that_are_not_a_list_name_the_value():
    _, results = run(service(ports="80"))
    [error] = [r for r in results if r.severity == "error"]
    assert error.message == "Service shop/cart: spec.ports must be a list, got 80"
    assert error.field == {"path": "spec.ports", "currentValue": "80"}


@pytest.mark.parametrize("port,target", [
    ("{port: 80}", 80), ("{port: 80, targetPort: 8080}", 8080), ("{port: 80, targetPort: '8080'}", 8080),
    ("{port: 80, targetPort: web}", "web"), ("{port: 80, targetPort: true}", "True"),
])
def test_port_target_is_a_number_or_a_container_port_name(port, target):
    model, _ = mesh.build(items_from_yaml(service(ports=f"[{port}]")), Settings())
    [p] = model.services[0].ports
    assert p.number == 80 and p.target == target


def test_port_facts_name_stream_and_grpc():
    model, _ = mesh.build(items_from_yaml(service(
        ports="[{name: grpc, port: 90}, {name: http-ws, port: 80, appProtocol: kubernetes.io/ws}, {port: 81}]")),
        Settings())
    ports = {p.number: p for p in model.services[0].ports}
    assert (ports[90].name, ports[90].grpc, ports[90].stream) == ("grpc", True, False)
    assert (ports[80].grpc, ports[80].stream) == (False, True)
    assert ports[81].name == ""


# --- the sidecar decision, with its reason ------------------------------------------

@pytest.mark.parametrize("text,spec,expected", [
    (service(selector=""), None,
     "cart: no ISTIO_MUTUAL: the Service has no selector, so its endpoints are managed by hand and may not have sidecars"),
    (docs(service(), deployment(annotations='{sidecar.istio.io/inject: "false"}')), None,
     "cart: no ISTIO_MUTUAL: its pods carry the annotation sidecar.istio.io/inject=false, and an explicit "
     "ISTIO_MUTUAL breaks calls to pods without a sidecar"),
    (docs(namespace(), service(), deployment()), {"mtls": {"mode": "DISABLE"}},
     "cart: no ISTIO_MUTUAL: mTLS is disabled in namespace shop by the generated PeerAuthentication (mtls.mode DISABLE)"),
    (docs(service(ns=None), deployment(ns=None)), {"mtls": {"mode": "DISABLE"}},
     "cart: no ISTIO_MUTUAL: mTLS is disabled in namespace (none set) by the generated PeerAuthentication "
     "(mtls.mode DISABLE)"),
    (docs(namespace(labels="{istio.io/dataplane-mode: ambient}"), service(), deployment()), None,
     "cart: no ISTIO_MUTUAL: namespace shop is ambient (it is labelled istio.io/dataplane-mode=ambient): ztunnel "
     "does mTLS between workloads, and ISTIO_MUTUAL is a sidecar setting"),
    (docs(service(), deployment()), None,
     "cart: no ISTIO_MUTUAL: namespace shop is not known to be sidecar-injected, and an explicit ISTIO_MUTUAL "
     "breaks calls to pods without a sidecar; Istio's auto-mTLS applies instead"),
    (docs(service(ns=None), deployment(ns=None)), None,
     "cart: no ISTIO_MUTUAL: namespace (none set) is not known to be sidecar-injected, and an explicit ISTIO_MUTUAL "
     "breaks calls to pods without a sidecar; Istio's auto-mTLS applies instead"),
])
def test_no_istio_mutual_says_exactly_why(text, spec, expected):
    objs, results = run(text, spec)
    assert expected in messages(results, "info")
    dr = by_kind(objs, "DestinationRule").get("cart-destination")
    assert dr is None or "tls" not in dr["spec"].get("trafficPolicy", {})


@pytest.mark.parametrize("text", [
    docs(namespace(), service(), deployment()),
    # The pods say so themselves, in a namespace nothing is known about.
    docs(service(), deployment(annotations='{sidecar.istio.io/inject: "true"}')),
    # Some pods say nothing: the namespace decides.
    docs(namespace(), service(), deployment(), deployment(name="cart-b", annotations='{sidecar.istio.io/inject: "true"}')),
])
def test_istio_mutual_where_every_endpoint_has_a_sidecar(text):
    objs, results = run(text)
    assert by_kind(objs, "DestinationRule")["cart-destination"]["spec"]["trafficPolicy"] == {"tls": {"mode": "ISTIO_MUTUAL"}}
    assert not [m for m in messages(results) if "no ISTIO_MUTUAL" in m]


def test_pods_that_disagree_leave_the_decision_to_the_namespace():
    text = docs(service(), deployment(), deployment(name="cart-b", annotations='{sidecar.istio.io/inject: "false"}'))
    objs, results = run(text)
    assert "cart-destination" not in by_kind(objs, "DestinationRule")
    assert any("namespace shop is not known to be sidecar-injected" in m for m in messages(results))


# --- exclusion -----------------------------------------------------------------------

@pytest.mark.parametrize("spec,expected", [
    ({"exclude": {"namespaces": ["shop"]}}, "namespace shop is excluded (exclude.namespaces)"),
    ({"exclude": {"names": ["cart"]}}, "excluded by name (exclude.names: cart)"),
    ({"exclude": {"names": ["shop/cart"]}}, "excluded by name (exclude.names: shop/cart)"),
    ({"exclude": {"selector": {"matchLabels": {"team": "a"}}}}, "excluded by label selector (exclude.selector)"),
])
def test_excluded_services_get_nothing_and_say_why(spec, expected):
    text = service().replace("{name: cart, namespace: shop}", "{name: cart, namespace: shop, labels: {team: a}}")
    objs, results = run(docs(text, deployment()), spec)
    assert not by_kind(objs, "VirtualService")
    assert f"cart: no Istio config generated: {expected}" in messages(results, "info")


@pytest.mark.parametrize("spec", [
    {"exclude": {"names": ["other/cart", "car", "shop/car"]}},
    {"exclude": {"namespaces": ["other"]}},
    {"exclude": {"selector": {"matchLabels": {"team": "b"}}}},
])
def test_exclusions_that_do_not_match_leave_the_service_managed(spec):
    text = service().replace("{name: cart, namespace: shop}", "{name: cart, namespace: shop, labels: {team: a}}")
    objs, _ = run(docs(text, deployment()), spec)
    assert list(by_kind(objs, "VirtualService")) == ["cart"]


def test_external_name_services_get_nothing_and_say_why():
    objs, results = run(service(selector="", extra=", type: ExternalName, externalName: example.com"))
    assert not by_kind(objs, "VirtualService")
    assert ("cart: no Istio config generated: ExternalName Services point outside the cluster: no mesh policy "
            "is generated for them") in messages(results, "info")


# --- hosts ---------------------------------------------------------------------------

def test_fqdn_hosts_need_a_namespace_and_say_so():
    objs, results = run(service(ns=None), {"hosts": {"style": "fqdn", "clusterDomain": "corp.local"}})
    assert by_kind(objs, "VirtualService")["cart"]["spec"]["hosts"] == ["cart"]
    [warning] = [r for r in results if r.severity == "warning" and "fqdn" in r.message]
    assert warning.message == ("cart: hosts.style fqdn needs a namespace; used the short host "
                               "(set metadata.namespace or spec.defaultNamespace)")
    assert warning.resource_ref["name"] == "cart"


def test_fqdn_hosts_use_the_cluster_domain():
    objs, results = run(service(), {"hosts": {"style": "fqdn", "clusterDomain": "corp.local"}})
    assert by_kind(objs, "VirtualService")["cart"]["spec"]["hosts"] == ["cart.shop.svc.corp.local"]
    assert not [m for m in messages(results) if "fqdn" in m]


# --- warnings about managed Services ----------------------------------------------------

def test_a_selector_that_matches_nothing_is_a_warning_naming_it():
    _, results = run(service())
    assert ("cart: its selector {'app': 'cart'} matches no workload in the input, so nothing here shows whether "
            "its pods get a sidecar (check the selector, or that the workloads live in another package)") \
        in messages(results, "warning")


@pytest.mark.parametrize("kind", ["NodePort", "LoadBalancer"])
def test_an_exposed_service_under_strict_mtls_is_warned_about(kind):
    _, results = run(docs(namespace(), service(extra=f", type: {kind}"), deployment()))
    assert (f"cart: a {kind} Service in a namespace under STRICT mTLS refuses clients from outside the mesh "
            "unless they come through a gateway (or a PeerAuthentication with a portLevelMtls exception)") \
        in messages(results, "warning")


def test_an_exposed_service_outside_strict_mtls_or_skipped_is_not_warned_about():
    _, results = run(docs(namespace(), service(extra=", type: NodePort"), deployment()), {"mtls": {"mode": "PERMISSIVE"}})
    assert not [m for m in messages(results) if "NodePort" in m]
    skipped = service(extra=", type: NodePort").replace(
        "{name: cart, namespace: shop}", "{name: cart, namespace: shop, annotations: {istio-mesh-fn.dev/skip: 'true'}}")
    _, results = run(docs(namespace(), skipped))
    assert not [m for m in messages(results) if "NodePort" in m or "matches no workload" in m]


def test_an_unused_services_override_is_a_warning_naming_it():
    _, results = run(docs(service(), deployment()), {"services": [{"name": "nope", "namespace": "shop"},
                                                                  {"name": "cart", "timeout": "5s"},
                                                                  {"name": "gone", "timeout": "5s"}]})
    warnings = [r for r in results if r.severity == "warning" and "services override" in r.message]
    assert [(w.message, w.field) for w in warnings] == [
        ("services override for 'shop/nope' matches no Service in the input", {"path": "spec.services[0]"}),
        ("services override for 'gone' matches no Service in the input", {"path": "spec.services[2]"}),
    ]


# --- the root namespace ------------------------------------------------------------------

def mesh_config(mesh: str, name: str = "istio", api: str = "v1") -> str:
    body = "\n".join("    " + line for line in mesh.splitlines())
    return f"apiVersion: {api}\nkind: ConfigMap\nmetadata: {{name: {name}, namespace: istio-system}}\ndata:\n  mesh: |\n{body}\n"


@pytest.mark.parametrize("cm,root", [
    (mesh_config("rootNamespace: istio-config"), "istio-config"),
    (mesh_config("rootNamespace: istio-config", name="other"), "istio-system"),
    (mesh_config("rootNamespace: istio-config", api="v2"), "istio-system"),
    (mesh_config("rootNamespace: Not_A_Label"), "istio-system"),
    (mesh_config("rootNamespace: 7"), "istio-system"),
    (mesh_config("- a list"), "istio-system"),
    (mesh_config("rootNamespace: [unclosed"), "istio-system"),
    (mesh_config(""), "istio-system"),
])
def test_the_root_namespace_comes_from_a_valid_mesh_config_only(cm, root):
    model, _ = mesh.build(items_from_yaml(docs(service(), cm)), Settings())
    assert model.root_namespace == root
    why = "rootNamespace in the mesh config of ConfigMap istio-system/istio" if root == "istio-config" \
        else "mtls.rootNamespace"
    assert model.root_namespace_reason == why


def test_the_first_valid_mesh_config_wins():
    text = docs(mesh_config("rootNamespace: [unclosed"), mesh_config("rootNamespace: first"),
                mesh_config("rootNamespace: second"))
    model, _ = mesh.build(items_from_yaml(text), Settings())
    assert model.root_namespace == "first"


@pytest.mark.parametrize("text,inside", [
    (service(ns="istio-system"), True),
    (namespace(name="istio-system", labels="{}"), True),
    (service(), False),
    (service(ns=None), False),
])
def test_root_in_package(text, inside):
    model, _ = mesh.build(items_from_yaml(text), Settings())
    assert model.root_in_package is inside


def test_items_without_a_namespace_count_in_the_default_namespace_for_the_root():
    model, _ = mesh.build(items_from_yaml(service(ns=None)), Settings(default_namespace="istio-system"))
    assert model.root_in_package is True


# --- the model's lookups ---------------------------------------------------------------

@pytest.mark.parametrize("name,reason", [
    ("elsewhere", "namespace elsewhere is not known to be on the mesh"),
    ("", "namespace (none set) is not known to be on the mesh"),
])
def test_an_unknown_namespace_is_off_the_mesh_under_istios_default(name, reason):
    model, _ = mesh.build(items_from_yaml(service()), Settings())
    ns = model.namespace(name)
    assert (ns.name, ns.item, dict(ns.labels), dict(ns.add_labels), ns.unlabelled_because, ns.labelled_on_mesh) == \
        (name, None, {}, {}, None, False)
    assert (ns.dataplane, ns.dataplane_reason, ns.mtls, ns.mtls_reason) == \
        (NO_MESH, reason, "PERMISSIVE", "Istio's default")
    assert model.namespace("shop") is model.namespaces["shop"]


def user_rule(kind: str, host: str, ns: str = "shop") -> str:
    field = "hosts: [" + host + "]" if kind == "VirtualService" else "host: " + host
    return f"apiVersion: networking.istio.io/v1\nkind: {kind}\nmetadata: {{name: mine, namespace: {ns}}}\nspec: {{{field}}}\n"


@pytest.mark.parametrize("host,ns,found", [
    ("cart", "shop", True),
    ("cart", "other", False),
    ("cart.shop", "other", True),
    ("cart.shop.svc", "other", True),
    ("cart.shop.svc.cluster.local", "other", True),
    ("cart.shop.svc.other.domain", "other", False),
    ("cart.other", "shop", False),
])
def test_a_persons_rule_covers_the_host_by_any_of_its_names(host, ns, found):
    for kind in ("VirtualService", "DestinationRule"):
        objs, results = run(docs(namespace(), service(), deployment(), user_rule(kind, host, ns)))
        kept = f"cart: kept the {kind} {ns}/mine written for this host"
        assert (kept in messages(results, "info")) is found, (kind, host, ns)
        assert ("cart" if kind == "VirtualService" else "cart-destination") not in by_kind(objs, kind) or not found


def test_a_short_host_needs_the_service_namespace():
    # A Service without namespace is not reached by qualified hosts it cannot have.
    objs, results = run(docs(service(ns=None), user_rule("VirtualService", "cart.shop", ns="shop")))
    assert list(by_kind(objs, "VirtualService")) == ["cart"]
    objs, results = run(docs(service(ns=None), user_rule("VirtualService", "cart", ns='""')))
    assert not by_kind(objs, "VirtualService")


# --- a person's Istio objects -----------------------------------------------------------------

@pytest.mark.parametrize("kind,field,value,expected", [
    ("VirtualService", "hosts", "[cart, 7]", "spec.hosts must be a list of host names, got ['cart', 7]"),
    ("VirtualService", "hosts", "7", "spec.hosts must be a list of host names, got 7"),
    ("DestinationRule", "host", "7", "spec.host must be a host name, got 7"),
    ("DestinationRule", "host", "[cart]", "spec.host must be a host name, got ['cart']"),
])
def test_a_persons_rule_with_a_malformed_host_is_an_error_naming_field_and_value(kind, field, value, expected):
    rule = (f"apiVersion: networking.istio.io/v1\nkind: {kind}\nmetadata: {{name: mine, namespace: shop}}\n"
            f"spec: {{{field}: {value}}}\n")
    _, results = run(docs(namespace(), service(), deployment(), rule))
    errors = [r for r in results if r.severity == "error" and r.field and r.field["path"] == f"spec.{field}"]
    assert [(e.message, e.field["currentValue"], e.resource_ref["name"]) for e in errors] == \
        [(f"{kind} shop/mine: {expected}", expected.split("got ", 1)[1], "mine")]


def test_a_persons_rule_with_hosts_as_one_string_still_covers_that_host():
    rule = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: mine, namespace: shop}\nspec: {hosts: cart}\n"
    objs, results = run(docs(namespace(), service(), deployment(), rule))
    assert "cart" not in by_kind(objs, "VirtualService")
    assert "cart: kept the VirtualService shop/mine written for this host" in messages(results, "info")


GATEWAY_API_OBJECTS = docs(
    "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: waypoint, namespace: shop}\n"
    "spec: {gatewayClassName: istio-waypoint}\n",
    "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: other}\nspec: {gatewayClassName: istio}\n",
    "apiVersion: gateway.networking.k8s.io/v1\nkind: TCPRoute\nmetadata: {name: t, namespace: shop}\n"
    "spec: {parentRefs: [{group: core, kind: Service, name: db, namespace: data}, {kind: Service, name: 7},"
    " {group: x, kind: Service, name: cart}, 5, {group: '', kind: Gateway, name: cart}]}\n",
    "apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {name: g}\n"
    "spec: {parentRefs: [{group: '', kind: Service, name: cart}]}\n",
    "apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {name: g2}\n"
    "spec: {parentRefs: [{group: '', kind: Service, name: cart}]}\n",
    "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: h, namespace: shop}\nspec: {parentRefs: {kind: Service}}\n",
    "apiVersion: gateway.networking.k8s.io/v1\nkind: TCPRoute\nmetadata: {name: none, namespace: shop}\nspec: {}\n",
    "apiVersion: gateway.networking.k8s.io/v1\nkind: TCPRoute\nmetadata: {name: num, namespace: shop}\nspec: {parentRefs: 7}\n",
    "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: ap}\nspec: {}\n",
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x, namespace: shop}\nspec: {}\n",
)


@pytest.mark.parametrize("default_ns", ["", "dflt"])
def test_a_persons_gateway_api_objects_in_the_model(default_ns):
    model, _ = mesh.build(items_from_yaml(GATEWAY_API_OBJECTS, "pkg/a.yaml"), Settings(default_namespace=default_ns or None))
    user, ns = model.user, default_ns
    assert user.names == {("AuthorizationPolicy", ns, "ap"), ("GRPCRoute", ns, "g"), ("GRPCRoute", ns, "g2"),
                          ("Gateway", ns, "other"), ("Gateway", "shop", "waypoint"), ("HTTPRoute", "shop", "h"),
                          ("TCPRoute", "shop", "t"), ("TCPRoute", "shop", "none"), ("TCPRoute", "shop", "num")}
    # Only a parentRef to a core Service attaches a route; the first route for a Service wins.
    assert {k: {key: i.name for key, i in v.items()} for k, v in user.routes.items()} == {
        "HTTPRoute": {}, "GRPCRoute": {(ns, "cart"): "g"}, "TCPRoute": {("data", "db"): "t"}}
    assert {key: i.name for key, i in user.waypoints.items()} == {("shop", "waypoint"): "waypoint"}
    assert [(n, i.name) for n, i in user.istio] == [(ns, "ap")]
    assert user.paths == {"pkg/a.yaml"}


def test_the_workload_match_budget_refuses_the_services_past_it_with_one_error(monkeypatch):
    import importlib

    build_module = importlib.import_module("fn.mesh.build")

    # A small budget stands in for the 10,000 floor: 2 + 2 matches fit in 4, the third Service does not.
    monkeypatch.setattr(build_module, "MIN_MATCH_BUDGET", 4)
    monkeypatch.setattr(build_module, "MATCHES_PER_ITEM", 0)
    parts = [namespace()] + [service(name=f"s{i}", selector="{app: x}") for i in range(4)] + \
        [deployment(name=f"d{i}", labels="{app: x}") for i in range(2)]
    objs, results = run(docs(*parts))
    errors = [r for r in results if r.severity == "error"]
    assert [(e.message, e.resource_ref["name"]) for e in errors] == [
        ("the Services select more than 4 workloads in total (a Service matched 2 at Service shop/s2): refusing the rest "
         "rather than generating without bound; see the README's limits", "s2")]
    assert sorted(by_kind(objs, "VirtualService")) == ["s0", "s1"]
    assert "s3: no Istio config generated: over the workload-match budget (see the error)" in messages(results, "info")


def test_fqdn_hosts_still_find_a_persons_rule_written_for_the_short_name():
    rule = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: mine, namespace: shop}\nspec: {hosts: [cart]}\n"
    objs, results = run(docs(namespace(), service(), deployment(), rule), {"hosts": {"style": "fqdn"}})
    assert "cart" not in by_kind(objs, "VirtualService")
    assert "cart: kept the VirtualService shop/mine written for this host" in messages(results, "info")
