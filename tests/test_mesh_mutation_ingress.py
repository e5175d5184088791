"""Ingress discovery (fn.mesh.ingress): which gateway identity reaches which Service, from
config, Istio Gateways with VirtualServices, Gateway API Gateways with routes, and
Ingresses of class istio; each route with its evidence and whether the identity is
assumed. The AuthorizationPolicies let exactly these identities in."""

from __future__ import annotations

from typing import Any

import pytest

from fn.mesh.ingress import DEFAULT_INGRESS_SA, IngressRoute, discover, principal
from fn.results import Results
from fn.settings import load_settings
from krm import items_from_yaml


def settings(spec: dict[str, Any]):
    results = Results()
    s = load_settings({"apiVersion": "istio-mesh-fn.dev/v1alpha1", "kind": "IstioMesh", "spec": spec}, results)
    assert s is not None, [r.message for r in results]
    return s


DEFAULT = f"td/ns/istio-system/sa/{DEFAULT_INGRESS_SA}"

PACKAGE = """apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: edge}
spec: {selector: {istio: ingressgateway}}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: lost, namespace: edge}
spec: {selector: {app: nobody}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs, namespace: shop}
spec:
  gateways: [edge/gw, own, mesh, edge/lost, 7, cfg]
  http:
  - route:
    - destination: {host: web, port: {number: 80}}
    - destination: {host: api.other.svc.cluster.local}
    - destination: {host: "*.x"}
    - destination: {host: ext.example.com}
  tcp: [{route: [{destination: {host: db.shop.svc, port: {number: 5432}}}]}]
  tls: [{route: [{destination: {host: secure.shop}}]}]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: own, namespace: shop}
spec: {selector: {app: own-gw}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: public, namespace: edge}
spec: {gatewayClassName: istio}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: plain, namespace: edge}
spec: {}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: shop}
spec:
  parentRefs: [{name: public, namespace: edge}, {kind: Service, name: web}, {name: missing},
               {name: plain, namespace: edge, kind: Gateway}]
  rules: [{backendRefs: [{name: web, port: 8080}, {name: api, namespace: other}, {kind: Bucket, name: b}, {port: 1}]}]
"""
CONFIG = {"authorization": {"trustDomain": "td", "ingressGateways": [
    {"name": "cfg", "namespace": "shop", "principal": "td/ns/c/sa/cfg", "services": ["x", "other/y"]}]}}
# The own-gw pods run in another namespace: an Istio Gateway selects pods anywhere.
PODS = [("edge", {"app": "own-gw", "x": "y"}, "own-sa")]


def r(ns: str, name: str, who: str, gw: str, ports: tuple[int, ...], evidence: str, assumed: bool = False) -> IngressRoute:
    return IngressRoute((ns, name), who, gw, ports, evidence, assumed)


HTTP, TCP, TLS = "VirtualService shop/vs spec.http", "VirtualService shop/vs spec.tcp", "VirtualService shop/vs spec.tls"
ROUTE = "HTTPRoute shop/r spec.rules"
CFG, OWN = "td/ns/c/sa/cfg", "td/ns/edge/sa/own-sa"


def test_routes_from_every_source_with_their_evidence():
    routes, warnings = discover(items_from_yaml(PACKAGE), settings(CONFIG), "", PODS)
    assert routes == sorted([
        r("other", "api", CFG, "shop/cfg", (), HTTP),
        r("other", "api", OWN, "shop/own", (), HTTP),
        r("other", "api", "td/ns/edge/sa/plain-istio", "edge/plain", (), ROUTE),
        r("other", "api", "td/ns/edge/sa/public-istio", "edge/public", (), ROUTE),
        r("other", "api", DEFAULT, "edge/gw", (), HTTP, True),
        r("other", "y", CFG, "shop/cfg", (), "authorization.ingressGateways"),
        r("shop", "db", CFG, "shop/cfg", (5432,), TCP),
        r("shop", "db", OWN, "shop/own", (5432,), TCP),
        r("shop", "db", DEFAULT, "edge/gw", (5432,), TCP, True),
        r("shop", "secure", CFG, "shop/cfg", (), TLS),
        r("shop", "secure", OWN, "shop/own", (), TLS),
        r("shop", "secure", DEFAULT, "edge/gw", (), TLS, True),
        r("shop", "web", CFG, "shop/cfg", (80,), HTTP),
        r("shop", "web", OWN, "shop/own", (80,), HTTP),
        r("shop", "web", "td/ns/edge/sa/plain-istio", "edge/plain", (8080,), ROUTE),
        r("shop", "web", "td/ns/edge/sa/public-istio", "edge/public", (8080,), ROUTE),
        r("shop", "web", DEFAULT, "edge/gw", (80,), HTTP, True),
        r("shop", "x", CFG, "shop/cfg", (), "authorization.ingressGateways"),
    ])
    assert warnings == ["Gateway edge/lost: no principal for its selector {'app': 'nobody'}; add it to "
                        "authorization.ingressGateways, or its routes are not allowed in"]


def test_a_configured_principal_wins_over_the_workload_and_the_default():
    spec = {"authorization": {"trustDomain": "td", "ingressGateways": [
        {"name": "gw", "namespace": "edge", "principal": "td/ns/a/sa/gw"},
        {"name": "public", "namespace": "edge", "principal": "td/ns/b/sa/public"}]}}
    routes, warnings = discover(items_from_yaml(PACKAGE), settings(spec), "", PODS)
    web = {(x.gateway, x.principal, x.assumed) for x in routes if x.service == ("shop", "web")}
    assert ("edge/gw", "td/ns/a/sa/gw", False) in web and ("edge/public", "td/ns/b/sa/public", False) in web
    assert not [x for x in routes if x.principal == DEFAULT]


def test_items_without_namespace_are_in_the_default_namespace():
    text = PACKAGE.replace("namespace: shop}", "}")
    routes, _ = discover(items_from_yaml(text), settings(CONFIG), "dflt", PODS)
    assert {x.evidence for x in routes if x.service == ("dflt", "web")} == {
        "VirtualService vs spec.http", "HTTPRoute r spec.rules"}
    # The short gateway name "own" resolves in the VirtualService's (default) namespace.
    assert {x.gateway for x in routes if x.service == ("dflt", "web")} == {"dflt/own", "edge/gw", "edge/public",
                                                                          "edge/plain"}


INGRESS = """apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: web, namespace: shop{annotations}}}
spec:
  {cls}defaultBackend: {{service: {{name: home, port: {{number: 80}}}}}}
  rules:
  - http:
      paths:
      - backend: {{service: {{name: api, port: {{name: http}}}}}}
      - backend: {{resource: {{kind: Bucket, name: x}}}}
"""


@pytest.mark.parametrize("annotations,cls,found", [
    (", annotations: {kubernetes.io/ingress.class: istio}", "", True),
    ("", "ingressClassName: istio\n  ", True),
    (", annotations: {kubernetes.io/ingress.class: nginx}", "", False),
    ("", "ingressClassName: nginx\n  ", False),
    ("", "", False),
])
def test_ingresses_of_class_istio_reach_their_backends(annotations, cls, found):
    text = INGRESS.format(annotations=annotations, cls=cls)
    routes, _ = discover(items_from_yaml(text), settings({}), "", [])
    who = principal("cluster.local", "istio-system", DEFAULT_INGRESS_SA)
    expected = [r("shop", "api", who, "istio-system/istio-ingressgateway", (), "Ingress shop/web spec.rules", True),
                r("shop", "home", who, "istio-system/istio-ingressgateway", (80,), "Ingress shop/web spec.rules", True)]
    assert routes == (expected if found else [])


def test_an_ingress_through_a_configured_default_gateway_is_not_assumed():
    spec = {"authorization": {"ingressGateways": [
        {"name": "istio-ingressgateway", "namespace": "istio-system", "principal": "td/ns/x/sa/gw"}]}}
    text = INGRESS.format(annotations="", cls="ingressClassName: istio\n  ")
    routes, _ = discover(items_from_yaml(text), settings(spec), "", [])
    assert [(x.service, x.principal, x.gateway, x.ports, x.assumed) for x in routes] == [
        (("shop", "api"), "td/ns/x/sa/gw", "istio-system/istio-ingressgateway", (), False),
        (("shop", "home"), "td/ns/x/sa/gw", "istio-system/istio-ingressgateway", (80,), False)]


EDGE_CASES = """apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs, namespace: shop}
spec:
  gateways: [mesh, edge/gw]
  http:
  - route:
    - destination: {host: ""}
    - destination: {host: 7}
    - destination: {host: web.shop.svc.cluster.local.}
    - destination: {host: appX}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: web, namespace: shop}
spec: {gatewayClassName: istio}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: shop}
spec:
  parentRefs: [{name: web, kind: Gateway}]
  rules: [{backendRefs: [{kind: Bucket, name: b}, {name: nameless-before-me}, {port: 1}, {name: api, port: 9}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: mesh-only, namespace: shop}
spec:
  parentRefs: [{group: '', kind: Service, name: web}]
  rules: [{backendRefs: [{name: web}]}]
"""


def test_hosts_gateways_and_backends_at_the_edges():
    # "mesh" means the sidecars, never an ingress gateway, even when a gateway of that
    # name is configured; a parentRef to a Service (GAMMA) is not a Gateway even when a
    # Gateway has its name; a trailing-dot FQDN is the same Service; other hosts are taken
    # as written.
    spec = {"authorization": {"trustDomain": "td", "ingressGateways": [
        {"name": "mesh", "namespace": "shop", "principal": "td/ns/m/sa/mesh"},
        {"name": "gw", "namespace": "edge", "principal": "td/ns/e/sa/gw"}]}}
    routes, warnings = discover(items_from_yaml(EDGE_CASES), settings(spec), "", [])
    assert [(x.service, x.principal, x.gateway, x.ports, x.evidence) for x in routes] == [
        (("shop", "api"), "td/ns/shop/sa/web-istio", "shop/web", (9,), ROUTE),
        (("shop", "appX"), "td/ns/e/sa/gw", "edge/gw", (), HTTP),
        (("shop", "nameless-before-me"), "td/ns/shop/sa/web-istio", "shop/web", (), ROUTE),
        (("shop", "web"), "td/ns/e/sa/gw", "edge/gw", (), HTTP),
    ]
    assert warnings == []


LOOK_ALIKES = """apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: edge}
spec: {selector: {istio: ingressgateway}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: east, namespace: edge}
spec: {gatewayClassName: eastwest}
---
apiVersion: example.com/v1
kind: Gateway
metadata: {name: fake, namespace: edge}
---
apiVersion: example.com/v1
kind: VirtualService
metadata: {name: vs, namespace: shop}
spec: {gateways: [edge/gw], http: [{route: [{destination: {host: a}}]}]}
---
apiVersion: example.com/v1
kind: HTTPRoute
metadata: {name: r, namespace: shop}
spec: {parentRefs: [{name: east, namespace: edge}], rules: [{backendRefs: [{name: b}]}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: via-fake, namespace: shop}
spec: {parentRefs: [{name: fake, namespace: edge}, {name: r}], rules: [{backendRefs: [{name: c}]}]}
---
apiVersion: extensions/v1beta1
kind: Ingress
metadata: {name: old, namespace: shop}
spec: {ingressClassName: istio, defaultBackend: {service: {name: d, port: {number: 80}}}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: g, namespace: shop}
spec: {parentRefs: [{name: east, namespace: edge}], rules: [{backendRefs: [{name: e}]}]}
"""


def test_only_the_real_kinds_are_read_and_the_gateway_class_names_the_identity():
    # Kinds of the same name in other API groups are not gateways, routes or Ingresses
    # that Istio serves; a Gateway API Gateway runs as <name>-<gatewayClassName>.
    routes, warnings = discover(items_from_yaml(LOOK_ALIKES), settings({"authorization": {"trustDomain": "td"}}), "", [])
    assert [(x.service, x.principal, x.gateway, x.evidence) for x in routes] == [
        (("shop", "e"), "td/ns/edge/sa/east-eastwest", "edge/east", "GRPCRoute shop/g spec.rules")]
    assert warnings == []
