"""Behaviour of the generator: what it makes, what it leaves alone, and why."""

import pytest
import yaml

from fn.core import transform
from fn.settings import default_settings
from krm import by_kind, generate, generated, items_from_yaml, resource_list, run_bytes

NS = """
apiVersion: v1
kind: Namespace
metadata: {name: shop}
"""


def svc(name, ns="shop", ports="[{name: http, port: 80}]", selector=None, extra=""):
    sel = selector if selector is not None else f"{{app: {name}}}"
    sel_line = f"  selector: {sel}\n" if sel else ""
    return f"""
apiVersion: v1
kind: Service
metadata: {{name: {name}, namespace: {ns}{extra}}}
spec:
{sel_line}  ports: {ports}
"""


def deploy(name, ns="shop", version="v1", app=None):
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}-{version}, namespace: {ns}}}
spec:
  template: {{metadata: {{labels: {{app: {app or name}, version: {version}}}}}}}
"""


def pkg(*docs):
    return "\n---\n".join(docs)


def typed(spec):
    return {"apiVersion": "istio-mesh-fn.dev/v1alpha1", "kind": "IstioMesh", "metadata": {"name": "m"}, "spec": spec}


def run(text, config=None):
    items, results = generate(items_from_yaml(text), config)
    return generated(items), results, items


def messages(results, severity=None):
    return [r.message for r in results if severity is None or r.severity == severity]


def test_rerun_replaces_exactly_what_it_made():
    data = resource_list(pkg(NS, svc("cart"), deploy("cart"), deploy("cart", version="v2")))
    once = run_bytes(data)
    twice = run_bytes(once.stdout.encode())
    assert once.exit_code == twice.exit_code == 0
    a, b = yaml.safe_load(once.stdout), yaml.safe_load(twice.stdout)
    assert a["items"] == b["items"]
    assert len(a["items"]) == 4 + 2 + 1  # inputs, DR + VS, PA


def test_pruning_drops_config_of_a_service_that_is_gone():
    first = run_bytes(resource_list(pkg(NS, svc("cart"), deploy("cart"), svc("gone"))))
    rl = yaml.safe_load(first.stdout)
    rl["items"] = [i for i in rl["items"] if not (i["kind"] == "Service" and i["metadata"]["name"] == "gone")]
    second = yaml.safe_load(run_bytes(yaml.safe_dump(rl).encode()).stdout)
    names = {(i["kind"], i["metadata"]["name"]) for i in second["items"]}
    assert ("VirtualService", "gone") not in names and ("VirtualService", "cart") in names


def test_a_persons_destination_rule_for_the_host_is_kept_and_reported():
    mine = """
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: handmade, namespace: other}
spec: {host: cart.shop.svc.cluster.local}
"""
    objs, results, items = run(pkg(NS, svc("cart"), deploy("cart"), mine))
    assert "DestinationRule" not in {o["kind"] for o in objs}
    assert "VirtualService" in {o["kind"] for o in objs}
    assert any("kept the DestinationRule other/handmade" in m for m in messages(results, "info"))
    assert sum(1 for i in items if i.kind == "DestinationRule") == 1


def test_a_persons_object_with_the_generated_name_is_not_shadowed():
    mine = """
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: cart, namespace: shop}
spec: {hosts: [something-else]}
"""
    objs, results, _ = run(pkg(NS, svc("cart"), deploy("cart"), mine))
    assert "VirtualService" not in {o["kind"] for o in objs}
    assert any("a VirtualService named cart already exists" in m for m in messages(results))


def test_external_name_service_gets_nothing_and_a_reason():
    ext = """
apiVersion: v1
kind: Service
metadata: {name: payments, namespace: shop}
spec: {type: ExternalName, externalName: pay.example.com}
"""
    objs, results, _ = run(pkg(NS, ext))
    assert objs == [] or {o["kind"] for o in objs} == {"PeerAuthentication"}
    refs = [r for r in results if r.resource_ref and r.resource_ref["name"] == "payments"]
    assert len(refs) == 1 and "ExternalName" in refs[0].message


def test_service_without_selector_gets_no_istio_mutual():
    objs, results, _ = run(pkg(NS, svc("db", selector="")))
    assert "DestinationRule" not in {o["kind"] for o in objs}
    assert by_kind(objs, "VirtualService")["db"]
    assert any("no selector" in m for m in messages(results))


def test_no_istio_mutual_where_the_namespace_is_not_injected():
    other = "apiVersion: v1\nkind: Namespace\nmetadata: {name: legacy, labels: {istio-injection: disabled}}\n"
    objs, results, _ = run(pkg(NS, other, svc("cart"), deploy("cart"), deploy("cart", version="v2"),
                               svc("old", ns="legacy"), deploy("old", ns="legacy"), deploy("old", ns="legacy", version="v2")))
    drs = by_kind(objs, "DestinationRule")
    assert drs["cart-destination"]["spec"]["trafficPolicy"] == {"tls": {"mode": "ISTIO_MUTUAL"}}
    assert "trafficPolicy" not in drs["old-destination"]["spec"]
    assert any("legacy is not known to be sidecar-injected" in m for m in messages(results))
    assert any("left namespace legacy unlabelled" in m for m in messages(results))


def test_pod_level_injection_label_decides_over_the_namespace():
    pod_off = deploy("cart").replace("version: v1}", "version: v1, sidecar.istio.io/inject: 'false'}")
    objs, _, _ = run(pkg(NS, svc("cart"), pod_off))
    assert "trafficPolicy" not in by_kind(objs, "DestinationRule")["cart-destination"]["spec"]


def test_tls_auto_leaves_mtls_to_istio():
    objs, _, _ = run(pkg(NS, svc("cart"), deploy("cart"), svc("api")), typed({"destinationRule": {"tlsMode": "auto"}}))
    # Subsets still need a rule; a rule with nothing to say is not written.
    assert by_kind(objs, "DestinationRule")["cart-destination"]["spec"] == {
        "host": "cart", "subsets": [{"name": "v1", "labels": {"version": "v1"}}]}
    assert "api-destination" not in by_kind(objs, "DestinationRule")


def test_overrides_inherit_unset_fields():
    cfg = typed({"services": [
        {"name": "cart", "timeout": "60s", "retries": {"attempts": 5}},
        {"name": "web", "namespace": "shop", "loadBalancer": "LEAST_REQUEST", "tlsMode": "auto"},
        {"name": "ghost"},
    ]})
    objs, results, _ = run(pkg(NS, svc("cart"), deploy("cart"), svc("web"), deploy("web")), cfg)
    vs = by_kind(objs, "VirtualService")
    assert vs["cart"]["spec"]["http"][0]["timeout"] == "60s"
    assert vs["cart"]["spec"]["http"][0]["retries"] == {"attempts": 5, "perTryTimeout": "10s"}
    assert vs["web"]["spec"]["http"][0]["timeout"] == "30s"
    dr = by_kind(objs, "DestinationRule")
    assert dr["web-destination"]["spec"]["trafficPolicy"] == {"loadBalancer": {"simple": "LEAST_REQUEST"}}
    assert dr["cart-destination"]["spec"]["trafficPolicy"]["tls"] == {"mode": "ISTIO_MUTUAL"}
    assert any("'ghost' matches no Service" in m for m in messages(results, "warning"))


def test_exclusions_by_name_namespace_and_selector():
    cfg = typed({"exclude": {"names": ["shop/cart"], "selector": {"matchLabels": {"mesh": "off"}}}})
    objs, results, _ = run(pkg(NS, svc("cart"), svc("web", extra=", labels: {mesh: 'off'}"), svc("api"),
                               svc("dns", ns="kube-system")), cfg)
    assert set(by_kind(objs, "VirtualService")) == {"api"}
    skipped = {r.resource_ref["name"]: r.message for r in results if r.resource_ref and "no Istio config" in r.message}
    assert set(skipped) == {"cart", "web", "dns"}
    assert "exclude.names" in skipped["cart"] and "selector" in skipped["web"] and "kube-system" in skipped["dns"]


def test_fqdn_hosts_and_unknown_namespace_fallback():
    cfg = typed({"hosts": {"style": "fqdn", "clusterDomain": "corp.local"}})
    objs, results, _ = run(pkg(NS, svc("cart"), deploy("cart"), svc("nons", ns='""')), cfg)
    vs = by_kind(objs, "VirtualService")
    assert vs["cart"]["spec"]["hosts"] == ["cart.shop.svc.corp.local"]
    assert vs["nons"]["spec"]["hosts"] == ["nons"]
    assert any("fqdn needs a namespace" in m for m in messages(results, "warning"))


@pytest.mark.parametrize("scope,expected", [
    ("mesh", [("istio-system", "default")]),
    ("namespace", [("shop", "default")]),
    ("none", []),
])
def test_peer_authentication_scope(scope, expected):
    objs, _, _ = run(pkg(NS, svc("cart"), deploy("cart")), typed({"mtls": {"scope": scope}}))
    assert [(o["metadata"]["namespace"], o["metadata"]["name"]) for o in objs if o["kind"] == "PeerAuthentication"] == expected


def test_permissive_mtls_is_a_warning():
    objs, results, _ = run(pkg(NS, svc("cart")), typed({"mtls": {"mode": "PERMISSIVE"}}))
    assert by_kind(objs, "PeerAuthentication")["default"]["spec"]["mtls"]["mode"] == "PERMISSIVE"
    assert any("PERMISSIVE was chosen explicitly" in m for m in messages(results, "warning"))


def test_a_persons_mesh_peer_authentication_is_kept():
    mine = """
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: istio-system}
spec: {mtls: {mode: PERMISSIVE}}
"""
    objs, results, _ = run(pkg(NS, svc("cart"), mine))
    assert "PeerAuthentication" not in {o["kind"] for o in objs}
    assert any("kept the PeerAuthentication istio-system/default" in m for m in messages(results))


@pytest.mark.parametrize("injection,label", [
    ({"mode": "revision", "revision": "1-24"}, ("istio.io/rev", "1-24")),
    ({"mode": "ambient"}, ("istio.io/dataplane-mode", "ambient")),
])
def test_injection_modes_label_namespaces(injection, label):
    _, results, items = run(pkg(NS, svc("cart")), typed({"injection": injection}))
    ns = next(i for i in items if i.kind == "Namespace")
    # Ambient also sends the namespace to the waypoint its routes' timeouts need.
    waypoint = {"istio.io/use-waypoint": "waypoint"} if injection["mode"] == "ambient" else {}
    assert ns.labels == {label[0]: label[1], **waypoint}
    assert "labelled namespaces: shop" in results[-1].message


def test_ambient_namespaces_get_no_istio_mutual():
    objs, results, _ = run(pkg(NS, svc("cart"), deploy("cart")), typed({"injection": {"mode": "ambient"}}))
    # Without ISTIO_MUTUAL and subsets (ztunnel and waypoints read neither) the rule
    # would restate Istio's defaults, so there is none.
    assert "cart-destination" not in by_kind(objs, "DestinationRule")
    assert any("no ISTIO_MUTUAL: namespace shop is ambient" in m for m in messages(results))


def test_injection_only_listed_namespaces():
    other = "apiVersion: v1\nkind: Namespace\nmetadata: {name: tools}\n"
    _, _, items = run(pkg(NS, other), typed({"injection": {"namespaces": ["tools"]}}))
    labels = {i.name: i.labels for i in items if i.kind == "Namespace"}
    assert labels == {"shop": {}, "tools": {"istio-injection": "enabled"}}


def test_listed_namespace_counts_as_injected_without_a_namespace_object():
    objs, _, _ = run(pkg(svc("cart", ns="remote"), deploy("cart", ns="remote")),
                     typed({"injection": {"namespaces": ["remote"]}}))
    assert by_kind(objs, "DestinationRule")["cart-destination"]["spec"]["trafficPolicy"]["tls"]["mode"] == "ISTIO_MUTUAL"


def test_tls_and_udp_ports_get_no_route_and_a_reason():
    ports = "[{name: https, port: 443}, {name: dns, port: 53, protocol: UDP}, {name: grpc, port: 9000}]"
    objs, results, _ = run(pkg(NS, svc("edge", ports=ports), deploy("edge")))
    vs = by_kind(objs, "VirtualService")["edge"]
    # Only one port is routable, so its route needs no port match.
    assert "match" not in vs["spec"]["http"][0]
    assert [r["route"][0]["destination"]["port"]["number"] for r in vs["spec"]["http"]] == [9000]
    # Each with its own reason: only TLS is routed by SNI.
    assert any("443/https" in m and "routed by SNI" in m and "53/dns" not in m for m in messages(results))
    assert any("53/dns" in m and "does not proxy UDP" in m and "SNI" not in m for m in messages(results))


def test_name_templates_and_labels():
    cfg = typed({"destinationRule": {"nameTemplate": "{namespace}-{name}", "labels": {"team": "{namespace}"}},
                 "virtualService": {"nameTemplate": "{name}-routes", "labels": {"app.kubernetes.io/name": "{name}"}}})
    objs, _, _ = run(pkg(NS, svc("cart"), deploy("cart")), cfg)
    assert by_kind(objs, "DestinationRule")["shop-cart"]["metadata"]["labels"] == {"team": "shop"}
    assert by_kind(objs, "VirtualService")["cart-routes"]["metadata"]["labels"] == {"app.kubernetes.io/name": "cart"}


def test_generated_files_never_land_in_a_persons_file():
    text = pkg(NS, svc("cart"), deploy("cart"))
    items = items_from_yaml(text, "istio-destinationrule.yaml")  # the user's own file name
    out, _ = transform(items, default_settings())
    paths = {i.kind: i.path for i in out if i.annotations.get("istio-mesh-fn.dev/generated-by")}
    assert paths["DestinationRule"] == "istio-destinationrule.generated.yaml"
    assert paths["VirtualService"] == "istio-virtualservice.yaml"


def test_plain_stream_output_carries_no_path_annotations():
    objs, _, _ = run(pkg(NS, svc("cart"), deploy("cart")))
    for o in objs:
        assert set(o["metadata"]["annotations"]) == {"istio-mesh-fn.dev/generated-by"}


def test_every_service_without_config_has_one_result_naming_it():
    objs, results, _ = run(pkg(NS, svc("noports", ports="[]", selector="")))
    named = [r for r in results if r.resource_ref and r.resource_ref.get("name") == "noports"]
    assert any("no Istio config generated" in r.message for r in named)


def test_passthrough_items_are_untouched_objects():
    text = pkg(NS, svc("cart"), deploy("cart"))
    items = items_from_yaml(text)
    out, _ = transform(items, default_settings())
    assert all(a is b for a, b in zip(items, out[: len(items)]))
