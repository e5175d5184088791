"""The Gateway API and ambient checks: what must be reported, and what must stay silent."""

from __future__ import annotations

SVC = """
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: shop}
spec:
  selector: {app: reviews}
  ports: [{name: http, port: 9080}]
"""
ROUTE = """
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: reviews, namespace: shop}
spec:
  parentRefs: [{group: "", kind: Service, name: reviews, port: 9080}]
  rules:
    - matches: [{path: {type: PathPrefix, value: /}}]
      backendRefs: [{group: "", kind: Service, name: reviews, port: 9080, weight: 1}]
      timeouts: {request: 10s}
"""
VS = """
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews-vs, namespace: other}
spec:
  hosts: [reviews.shop.svc.cluster.local]
  http: [{route: [{destination: {host: reviews.shop.svc.cluster.local}}]}]
"""
AMBIENT_NS = """
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio.io/dataplane-mode: ambient}}
"""


def docs(*parts: str) -> str:
    return "\n---\n".join(p.strip("\n") for p in parts)


def codes(findings, analyzer):
    return [(f.code, f.resource.name) for f in findings if f.analyzer == analyzer]


def test_virtualservice_and_httproute_for_one_service(analyze_text):
    found = analyze_text(docs(SVC, ROUTE, VS), analyzers=["httproute.VirtualServiceAnalyzer"])
    assert codes(found, "httproute.VirtualServiceAnalyzer") == [("IMF0101", "reviews")]
    assert "VirtualService other/reviews-vs" in found[0].message
    # A VirtualService bound to an ingress gateway only does not route mesh traffic.
    ingress = VS.replace("  http:", "  gateways: [istio-system/ingress]\n  http:")
    assert analyze_text(docs(SVC, ROUTE, ingress), analyzers=["httproute.VirtualServiceAnalyzer"]) == []


def test_l7_route_in_an_ambient_namespace_without_a_waypoint(analyze_text):
    found = analyze_text(docs(AMBIENT_NS, SVC, ROUTE), analyzers=["ambient.WaypointAnalyzer"])
    assert codes(found, "ambient.WaypointAnalyzer") == [("IMF0102", "reviews")]
    labelled = AMBIENT_NS.replace("ambient}", "ambient, istio.io/use-waypoint: waypoint}")
    assert analyze_text(docs(labelled, SVC, ROUTE), analyzers=["ambient.WaypointAnalyzer"]) == []
    service_opt_in = SVC.replace("namespace: shop}", "namespace: shop, labels: {istio.io/use-waypoint: wp}}")
    assert analyze_text(docs(AMBIENT_NS, service_opt_in, ROUTE), analyzers=["ambient.WaypointAnalyzer"]) == []
    # A route that only sends the Service's traffic to itself asks nothing of a waypoint.
    plain = ROUTE.replace("      timeouts: {request: 10s}\n", "")
    assert analyze_text(docs(AMBIENT_NS, SVC, plain), analyzers=["ambient.WaypointAnalyzer"]) == []
    sidecar_ns = AMBIENT_NS.replace("istio.io/dataplane-mode: ambient", "istio-injection: enabled")
    assert analyze_text(docs(sidecar_ns, SVC, ROUTE), analyzers=["ambient.WaypointAnalyzer"]) == []


def test_virtualservice_in_an_ambient_namespace_without_a_waypoint(analyze_text):
    vs = VS.replace("namespace: other", "namespace: shop")
    found = analyze_text(docs(AMBIENT_NS, SVC, vs), analyzers=["ambient.WaypointAnalyzer"])
    assert codes(found, "ambient.WaypointAnalyzer") == [("IMF0102", "reviews-vs")]


def test_route_without_explicit_defaults(analyze_text):
    assert analyze_text(docs(SVC, ROUTE), analyzers=["httproute.DefaultsAnalyzer"]) == []
    bare = """
apiVersion: gateway.networking.k8s.io/v1
kind: TCPRoute
metadata: {name: db, namespace: shop}
spec:
  parentRefs: [{name: db, port: 5432}]
  rules: [{backendRefs: [{name: db, port: 5432}]}]
"""
    found = analyze_text(bare, analyzers=["httproute.DefaultsAnalyzer"])
    assert codes(found, "httproute.DefaultsAnalyzer") == [("IMF0103", "db")]
    assert found[0].level == "Info" and found[0].field == "spec.parentRefs[0].group"
    assert "spec.rules[0].backendRefs[0].weight" not in found[0].message  # shown: the first four, then a count
    assert "and 1 more" in found[0].message


AUTHZ = """
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: reviews-get, namespace: shop}
spec:
  selector: {matchLabels: {app: reviews}}
  rules: [{to: [{operation: {methods: [GET]}}]}]
"""


def test_selector_where_targetrefs_are_needed(analyze_text):
    found = analyze_text(docs(AMBIENT_NS, AUTHZ), analyzers=["ambient.TargetRefsAnalyzer"])
    assert codes(found, "ambient.TargetRefsAnalyzer") == [("IMF0104", "reviews-get")]
    attached = AUTHZ.replace("  selector: {matchLabels: {app: reviews}}",
                             "  targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: waypoint}]")
    assert analyze_text(docs(AMBIENT_NS, attached), analyzers=["ambient.TargetRefsAnalyzer"]) == []
    l4 = AUTHZ.replace("{operation: {methods: [GET]}}", "{operation: {ports: ['8080']}}")
    assert analyze_text(docs(AMBIENT_NS, l4), analyzers=["ambient.TargetRefsAnalyzer"]) == []
    sidecar_ns = AMBIENT_NS.replace("istio.io/dataplane-mode: ambient", "istio-injection: enabled")
    assert analyze_text(docs(sidecar_ns, AUTHZ), analyzers=["ambient.TargetRefsAnalyzer"]) == []
