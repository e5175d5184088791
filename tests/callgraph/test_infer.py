"""Call-graph inference on packages written the way real applications write addresses
(see the header of each file in data/ for what it imitates)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from fn.callgraph import Declared, ServiceRef, WorkloadRef, infer
from fn.items import PATH, Item

DATA = Path(__file__).parent / "data"


def load(name: str) -> list[Item]:
    items = []
    for doc in yaml.safe_load_all((DATA / name).read_text()):
        if doc:
            item = Item.from_obj(doc)
            item.set_annotation(PATH, name)
            items.append(item)
    return items


def edges(graph) -> set[tuple[str, str, tuple[int, ...]]]:
    return {(str(e.caller), str(e.service), e.ports) for e in graph.edges}


# Online Boutique's documented call graph (README architecture diagram of
# GoogleCloudPlatform/microservices-demo), in its Service ports.
BOUTIQUE = {
    ("frontend", "adservice", (9555,)), ("frontend", "cartservice", (7070,)),
    ("frontend", "checkoutservice", (5050,)), ("frontend", "currencyservice", (7000,)),
    ("frontend", "productcatalogservice", (3550,)), ("frontend", "recommendationservice", (8080,)),
    ("frontend", "shippingservice", (50051,)),
    ("checkoutservice", "cartservice", (7070,)), ("checkoutservice", "currencyservice", (7000,)),
    ("checkoutservice", "emailservice", (5000,)), ("checkoutservice", "paymentservice", (50051,)),
    ("checkoutservice", "productcatalogservice", (3550,)), ("checkoutservice", "shippingservice", (50051,)),
    ("recommendationservice", "productcatalogservice", (3550,)),
    ("cartservice", "redis-cart", (6379,)), ("loadgenerator", "frontend", (80,)),
}


def test_boutique_finds_exactly_the_documented_graph():
    graph = infer(load("boutique.yaml"))
    assert edges(graph) == BOUTIQUE
    # The collector is not in the package: no edge, not external, not worth a note.
    assert graph.externals == ()
    assert graph.notes == ()


def test_boutique_nodes_carry_identity_and_labels():
    graph = infer(load("boutique.yaml"))
    fe = next(w for w in graph.workloads if w.ref.name == "frontend")
    assert fe.service_account == "frontend"
    assert dict(fe.pod_labels) == {"app": "frontend"}
    redis = next(w for w in graph.workloads if w.ref.name == "redis-cart")
    assert redis.service_account == "default"
    svc = graph.service(ServiceRef("", "emailservice"))
    assert svc is not None and svc.workloads == (WorkloadRef("Deployment", "", "emailservice"),)
    assert [(p.port, p.target_port) for p in svc.ports] == [(5000, 8080)]


def test_evidence_names_item_field_and_text():
    graph = infer(load("boutique.yaml"))
    edge = next(e for e in graph.edges if e.caller.name == "cartservice")
    (ev,) = edge.evidence
    assert (ev.source, ev.item, ev.file, ev.field, ev.text, ev.port) == (
        "env", "Deployment cartservice", "boutique.yaml", "spec.template.spec.containers[0].env[0].value",
        "redis-cart:6379", 6379)


SOCKSHOP = {
    ("sock-shop/front-end", "sock-shop/catalogue", (80,)),  # http://catalogue/ in a list
    ("sock-shop/front-end", "sock-shop/carts", (80,)),
    ("sock-shop/front-end", "sock-shop/orders", (80,)),  # svc.ns
    ("sock-shop/front-end", "sock-shop/user", (80,)),  # svc.ns.svc
    ("sock-shop/catalogue", "sock-shop/catalogue-db", (3306,)),  # Go MySQL DSN
    ("sock-shop/carts", "sock-shop/carts-db", (27017,)),  # args
    ("sock-shop/orders", "sock-shop/orders-db", (27017,)),  # ConfigMap file, mongodb:// with user
    ("sock-shop/orders", "sock-shop/carts", (80,)),
    ("sock-shop/orders", "sock-shop/payment", (80,)),  # FQDN
    ("sock-shop/orders", "sock-shop/shipping", (80,)),
    ("sock-shop/orders", "sock-shop/rabbitmq", (5672, 9090)),  # a bare host: all the Service's ports
    ("sock-shop/shipping", "sock-shop/rabbitmq", (5672,)),  # $(RABBIT_HOST):$(RABBIT_PORT)
    ("sock-shop/queue-master", "sock-shop/rabbitmq", (5672,)),  # unexpanded $(PASSWORD) in userinfo
    ("sock-shop/user", "sock-shop/user-db", (27017,)),
}


def test_sockshop():
    graph = infer(load("sockshop.yaml"))
    assert edges(graph) == SOCKSHOP
    (stripe,) = graph.externals
    assert (stripe.host, stripe.port, stripe.scheme) == ("api.stripe.com", 443, "https")
    assert [str(c) for c in stripe.callers] == ["sock-shop/payment"]
    # zipkin.jaeger.svc.cluster.local is a cluster name with no Service here: a note each.
    assert sorted(n.evidence.text for n in graph.notes) == [
        "http://zipkin.jaeger.svc.cluster.local:9411/", "zipkin.jaeger.svc.cluster.local"]


def test_secrets_are_never_read():
    graph = infer(load("sockshop.yaml"))
    assert not any(e.service.name == "user-db" and e.caller.name != "user" for e in graph.edges)
    assert not any("Secret" in ev.item for e in graph.edges for ev in e.evidence)


def test_configmap_evidence_says_how_it_was_reached():
    graph = infer(load("sockshop.yaml"))
    edge = next(e for e in graph.edges if e.caller.name == "orders" and e.service.name == "orders-db")
    (ev,) = edge.evidence
    assert (ev.source, ev.item, ev.field, ev.via) == (
        "configmap", "ConfigMap sock-shop/orders-config", "data[application.properties]",
        "spec.template.spec.volumes[0].configMap")
    assert ev.text == "mongodb://orders:changeme@orders-db:27017/data?authSource"


PLATFORM = {
    ("shop/orders", "data/kafka-headless", (9092,)),  # envFrom with prefix, $(KAFKA_BROKERS) in args
    ("shop/orders", "data/postgres", (5432,)),  # configMapKeyRef then $(DB_HOST) in a jdbc URL
    ("shop/orders", "data/redis-master", (6379,)),  # svc.ns in a YAML file from a projected volume
    ("shop/orders", "shop/reports", (8081,)),  # $(REPORTS_SERVICE_HOST) service links
    ("shop/orders", "shop/cart", (8080,)),  # annotation
    ("shop/orders", "shop/payment", (9000,)),  # annotation, bare name
    ("shop/nightly-report", "shop/reports", (8081,)),  # CronJob command, FQDN
    ("data/kafka", "data/kafka-headless", (9094,)),  # peers through the headless Service
}


def test_platform():
    graph = infer(load("platform.yaml"))
    assert edges(graph) == PLATFORM
    assert {(x.host, x.port, x.scheme) for x in graph.externals} == {
        ("api.stripe.com", 443, "https"), ("smtp.sendgrid.net", 587, "")}
    (note,) = graph.notes
    assert note.evidence.text == "http://orders:9999" and "does not expose" in note.message


def test_escaped_and_self_references_are_not_edges():
    graph = infer(load("platform.yaml"))
    fields = {ev.field for e in graph.edges for ev in e.evidence}
    # LITERAL=$$(DB_HOST) is the text "$(DB_HOST)", not the postgres host.
    assert "spec.template.spec.containers[0].env[3].value" not in fields
    # cart's OTEL_SERVICE_NAME=cart names itself, it does not call itself.
    assert not any(e.caller.name == "cart" for e in graph.edges)


def test_declared_edges_and_inference_off():
    graph = infer(load("platform.yaml"), infer_edges=False,
                  declared=[Declared("shop/cart", "reports:8081"), Declared("nobody", "cart")])
    assert edges(graph) == {
        ("shop/orders", "shop/cart", (8080,)), ("shop/orders", "shop/payment", (9000,)),
        ("shop/cart", "shop/reports", (8081,)),
    }
    assert all(e.declared for e in graph.edges)
    assert graph.externals == ()
    assert [n.message for n in graph.notes] == ["declared caller 'nobody' is no workload in the input"]


def svc(name, ns, ports=(80,), headless=False, selector=None):
    spec = {"selector": selector or {"app": name},
            "ports": [{"port": p, "targetPort": p + 1000} for p in ports]}
    if headless:
        spec["clusterIP"] = "None"
    return Item.from_obj({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns},
                          "spec": spec})


def deploy(name, ns, env=(), labels=None, annotations=None):
    meta = {"name": name, "namespace": ns}
    if annotations:
        meta["annotations"] = annotations
    return Item.from_obj({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta,
        "spec": {"template": {"metadata": {"labels": labels or {"app": name}}, "spec": {"containers": [{
            "name": "c", "image": "x", "env": [{"name": f"V{i}", "value": v} for i, v in enumerate(env)]}]}}},
    })


@pytest.mark.parametrize(("address", "domain", "target"), [
    ("cart", "cluster.local", "shop/cart"),
    ("cart.shop", "cluster.local", "shop/cart"),
    ("cart.shop.svc", "cluster.local", "shop/cart"),
    ("cart.shop.svc.cluster.local", "cluster.local", "shop/cart"),
    ("cart.shop.svc.cluster.local.", "cluster.local", "shop/cart"),
    ("cart.shop.svc.corp.example", "corp.example", "shop/cart"),
    ("cart.shop.svc.cluster.local", "corp.example", None),
    ("db", "cluster.local", None),  # db is in another namespace: a bare name stays in the caller's
    ("db.data", "cluster.local", "data/db"),
    ("db.data.svc.cluster.local", "cluster.local", "data/db"),
    ("db-0.db.data.svc.cluster.local", "cluster.local", None),  # db is not headless
    ("pg-0.pg.data", "cluster.local", "data/pg"),
    ("pg-0.pg.data.svc", "cluster.local", "data/pg"),
    ("pg-0.pg.data.svc.cluster.local", "cluster.local", "data/pg"),
    ("cart.shop.svc.cluster", "cluster.local", None),
])
def test_dns_forms(address, domain, target):
    items = [svc("cart", "shop"), deploy("cart", "shop"), svc("db", "data"), deploy("db", "data"),
             svc("pg", "data", headless=True), deploy("pg", "data"), deploy("client", "shop", env=[address])]
    graph = infer(items, domain)
    got = {str(e.service) for e in graph.edges if e.caller.name == "client"}
    assert got == ({target} if target else set())


@pytest.mark.parametrize(("address", "ports"), [
    ("cart:80", (80,)),
    ("cart:81", ()),
    ("cart:1080", ()),  # a targetPort is no port of a ClusterIP Service
    ("pg.data:5432", (5432,)),
    ("pg.data:6432", (5432,)),  # through a headless Service the client dials the pods' port
    ("http://cart", (80,)),
    ("https://cart", ()),  # 443 is not a port of cart
    ("cart", (80, 90)),
])
def test_ports_must_be_service_ports(address, ports):
    items = [svc("cart", "shop", ports=(80, 90)), deploy("cart", "shop"),
             svc("pg", "data", ports=(5432,), headless=True), deploy("pg", "data"),
             deploy("client", "shop", env=[address])]
    graph = infer(items)
    got = [e.ports for e in graph.edges if e.caller.name == "client"]
    assert got == ([ports] if ports else [])
    if not ports:
        assert len(graph.notes) == 1


def test_selector_is_a_subset_match_in_the_same_namespace():
    items = [svc("web", "a", selector={"app": "web"}),
             deploy("web-v1", "a", labels={"app": "web", "version": "v1"}),
             deploy("web-v2", "a", labels={"app": "web", "version": "v2"}),
             deploy("web", "b", labels={"app": "web"}),
             deploy("other", "a", labels={"app": "other"})]
    (service,) = infer(items).services
    assert [w.name for w in service.workloads] == ["web-v1", "web-v2"]


def test_results_are_frozen_and_stable():
    a = infer(load("platform.yaml"))
    b = infer(list(reversed(load("platform.yaml"))))
    assert a == b
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.edges[0].ports = ()  # type: ignore[misc]


def test_headless_named_target_port_is_resolved_through_the_pods():
    web = Item.from_obj({
        "apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "web", "namespace": "a"},
        "spec": {"template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [
            {"name": "c", "image": "x", "ports": [{"name": "http", "containerPort": 8080}]}]}}}})
    headless = Item.from_obj({
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "a"},
        "spec": {"clusterIP": "None", "selector": {"app": "web"},
                 "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}})
    graph = infer([web, headless, deploy("probe", "a", env=["web-0.web:8080", "web-1.web:9090"])])
    (edge,) = [e for e in graph.edges if e.caller.name == "probe"]
    assert (str(edge.service), edge.ports) == ("a/web", (80,))
    (note,) = graph.notes
    assert "9090" in note.message


def test_rollout_with_workload_ref_uses_the_deployments_pods():
    rollout = Item.from_obj({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "metadata": {"name": "api", "namespace": "a"},
        "spec": {"workloadRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api-template"}}})
    items = [rollout, deploy("api-template", "a", env=["http://db"], labels={"app": "api"}),
             svc("db", "a"), deploy("db", "a")]
    graph = infer(items)
    roll = next(w for w in graph.workloads if w.ref.kind == "Rollout")
    assert dict(roll.pod_labels) == {"app": "api"}
    assert {(e.caller.kind, e.caller.name) for e in graph.edges} == {("Rollout", "api"), ("Deployment", "api-template")}


# A feature-flag file and a product catalogue as the OpenTelemetry demo mounts them
# (open-telemetry/opentelemetry-demo, kubernetes/opentelemetry-demo.yaml at a8a3ea26):
# prose that names services, links, and a JSON Schema URL.
FLAGS_JSON = """{
  "$schema": "https://flagd.dev/schema/v0/flags.json",
  "flags": {
    "cartFailure": {
      "description": "Fail cart service when the payment service is slow",
      "state": "ENABLED"
    },
    "collector": {"endpoint": "http://collector:4317", "fallback": "collector"}
  },
  "credits": "Photo by someone, see https://creativecommons.org/licenses/by/4.0/ for terms"
}
"""


def test_prose_in_config_files_is_text_not_calls():
    cm = Item.from_obj({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "flags", "namespace": "a"},
                        "data": {"demo.flagd.json": FLAGS_JSON}})
    flagd = Item.from_obj({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "flagd", "namespace": "a"},
        "spec": {"template": {"metadata": {"labels": {"app": "flagd"}}, "spec": {
            "containers": [{"name": "c", "image": "x"}],
            "volumes": [{"name": "f", "configMap": {"name": "flags"}}]}}}})
    items = [cm, flagd] + [i for n in ("cart", "payment", "collector") for i in (svc(n, "a", (4317,)), deploy(n, "a"))]
    graph = infer(items)
    assert edges(graph) == {("a/flagd", "a/collector", (4317,))}
    assert graph.externals == ()
