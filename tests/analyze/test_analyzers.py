"""Per-analyzer unit cases: what must be reported, and what must stay silent."""

from __future__ import annotations

import pytest

SVC = """
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: shop}
spec:
  selector: {app: reviews}
  ports: [{name: http, port: 9080}]
"""
DEPLOY = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: reviews-v1, namespace: shop}
spec:
  template:
    metadata: {labels: {app: reviews, version: v1}}
    spec:
      containers: [{name: app, image: reviews}]
"""
NS_INJECTED = """
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
"""


def docs(*parts: str) -> str:
    return "\n---\n".join(p.strip("\n") for p in parts)


def vs(name: str, spec: str, ns: str = "shop") -> str:
    return f"""
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: {name}, namespace: {ns}}}
spec:
{spec}
"""


def dr(name: str, spec: str, ns: str = "shop") -> str:
    return f"""
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {{name: {name}, namespace: {ns}}}
spec:
{spec}
"""


# (analyzer, input, expected [(message name, resource ref, text that must appear)])
CASES = {
    "vs-subset-missing": (
        "virtualservice.DestinationRuleAnalyzer",
        docs(SVC, dr("reviews", "  host: reviews\n  subsets: [{name: v1, labels: {version: v1}}]"),
             vs("cart", "  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: reviews, subset: v2}")),
        [("ReferencedResourceNotFound", "VirtualService shop/cart", '"reviews+v2"')],
    ),
    "vs-subset-present-fqdn": (
        "virtualservice.DestinationRuleAnalyzer",
        docs(SVC, dr("reviews", "  host: reviews.shop.svc.cluster.local\n  subsets: [{name: v1}]"),
             vs("cart", "  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: reviews, subset: v1}")),
        [],
    ),
    "vs-host-unknown": (
        "virtualservice.DestinationHostAnalyzer",
        docs(SVC, vs("cart", "  hosts: [cart]\n  http:\n  - route:\n    - destination: {host: carts}")),
        [("ReferencedResourceNotFound", "VirtualService shop/cart", 'Referenced host not found: "carts"')],
    ),
    "vs-host-port-unknown": (
        "virtualservice.DestinationHostAnalyzer",
        docs(SVC, vs("cart", "  hosts: [reviews]\n  http:\n  - route:\n"
                             "    - destination: {host: reviews, port: {number: 80}}")),
        [("ReferencedResourceNotFound", "VirtualService shop/cart", '"reviews:80"')],
    ),
    "vs-host-known-other-namespace": (
        "virtualservice.DestinationHostAnalyzer",
        docs(SVC, vs("cart", "  hosts: [reviews.shop.svc.cluster.local]\n  http:\n  - route:\n"
                             "    - destination: {host: reviews.shop.svc.cluster.local, port: {number: 9080}}",
                     ns="other")),
        [],
    ),
    "vs-host-exported-away": (
        "virtualservice.DestinationHostAnalyzer",
        docs(SVC.replace("metadata: {name: reviews, namespace: shop}",
                         "metadata: {name: reviews, namespace: shop, annotations: {networking.istio.io/exportTo: .}}"),
             vs("cart", "  hosts: [x]\n  http:\n  - route:\n    - destination: {host: reviews.shop.svc.cluster.local}",
                ns="other")),
        [("ReferencedResourceNotFound", "VirtualService other/cart", "reviews.shop.svc.cluster.local")],
    ),
    "vs-gateway-missing": (
        "virtualservice.GatewayAnalyzer",
        vs("web", "  hosts: [shop.example.com]\n  gateways: [edge]\n  http:\n  - route:\n"
                  "    - destination: {host: reviews}"),
        [("ReferencedResourceNotFound", "VirtualService shop/web", 'gateway not found: "edge"'),
         ("VirtualServiceHostNotFoundInGateway", "VirtualService shop/web", "Gateway shop/edge")],
    ),
    "vs-gateway-serves-host": (
        "virtualservice.GatewayAnalyzer",
        docs("""
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: edge, namespace: ingress}
spec:
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["shop/*.example.com"]}]
""", vs("web", "  hosts: [shop.example.com]\n  gateways: [ingress/edge, mesh]\n  http:\n  - route:\n"
               "    - destination: {host: reviews}")),
        [],
    ),
    "vs-mesh-hosts-conflict": (
        "virtualservice.ConflictingMeshGatewayHostsAnalyzer",
        docs(vs("a", "  hosts: [reviews]\n  http: [{route: [{destination: {host: reviews}}]}]"),
             vs("b", "  hosts: [reviews.shop.svc.cluster.local]\n  http: [{route: [{destination: {host: reviews}}]}]")),
        [("ConflictingMeshGatewayVirtualServiceHosts", "VirtualService shop/a", "shop/a,shop/b"),
         ("ConflictingMeshGatewayVirtualServiceHosts", "VirtualService shop/b", "shop/a,shop/b")],
    ),
    "vs-mesh-hosts-disjoint-export": (
        "virtualservice.ConflictingMeshGatewayHostsAnalyzer",
        docs(vs("a", "  hosts: [reviews.shop.svc.cluster.local]\n  exportTo: [shop]\n"
                     "  http: [{route: [{destination: {host: reviews}}]}]"),
             vs("b", "  hosts: [reviews.shop.svc.cluster.local]\n  exportTo: [other]\n"
                     "  http: [{route: [{destination: {host: reviews}}]}]", ns="other")),
        [],
    ),
    "vs-unreachable-after-catch-all": (
        "schema.CollectionValidationAnalyzer(VirtualService)",
        vs("r", "  hosts: [reviews]\n  http:\n  - name: all\n    route: [{destination: {host: reviews}}]\n"
                "  - name: api\n    match: [{uri: {prefix: /api}}]\n    route: [{destination: {host: reviews}}]"),
        [("VirtualServiceUnreachableRule", "VirtualService shop/r",
          'VirtualService rule "api" not used (route without matches defined before).')],
    ),
    "vs-prefix-covered": (
        "schema.CollectionValidationAnalyzer(VirtualService)",
        vs("r", "  hosts: [reviews]\n  http:\n  - match: [{uri: {prefix: /api}}]\n"
                "    route: [{destination: {host: reviews}}]\n"
                "  - match: [{uri: {prefix: /api/v2}}]\n    route: [{destination: {host: reviews}}]"),
        [("VirtualServiceIneffectiveMatch", "VirtualService shop/r",
          "rule #1 match #0 of prefix /api/v2 is not used (duplicate/overlapping match in rule #0 of prefix /api on #0)")],
    ),
    "vs-distinct-ports-reachable": (
        "schema.CollectionValidationAnalyzer(VirtualService)",
        vs("r", "  hosts: [reviews]\n  http:\n  - match: [{port: 80}]\n    route: [{destination: {host: reviews}}]\n"
                "  - match: [{port: 8080}]\n    route: [{destination: {host: reviews}}]"),
        [],
    ),
    "dr-subset-selects-nothing": (
        "destinationrule.PodNotSelectedAnalyzer",
        docs(SVC, DEPLOY, dr("reviews", "  host: reviews\n  subsets:\n  - {name: v1, labels: {version: v1}}\n"
                                        "  - {name: v9, labels: {version: v9}}")),
        [("DestinationRuleSubsetNotSelectPods", "DestinationRule shop/reviews", "Subset v9")],
    ),
    "dr-unknown-host": (
        "destinationrule.PodNotSelectedAnalyzer",
        dr("ghost", "  host: ghost"),
        [("UnknownDestinationRuleHost", "DestinationRule shop/ghost", "host ghost")],
    ),
    "dr-simple-tls-without-ca": (
        "destinationrule.CaCertificateAnalyzer",
        dr("db", "  host: db.example.com\n  trafficPolicy: {tls: {mode: SIMPLE}}"),
        [("NoServerCertificateVerificationDestinationLevel", "DestinationRule shop/db", "TLS mode set to SIMPLE")],
    ),
    "dr-istio-mutual-needs-no-ca": (
        "destinationrule.CaCertificateAnalyzer",
        dr("db", "  host: db\n  trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}"),
        [],
    ),
    "sidecar-selects-nothing": (
        "sidecar.SelectorAnalyzer",
        docs(DEPLOY, """
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: s, namespace: shop}
spec:
  workloadSelector: {labels: {app: ratings}}
"""),
        [("ReferencedResourceNotFound", "Sidecar shop/s", 'selector not found: "app=ratings"')],
    ),
    "sidecar-selects-pod-template": (
        "sidecar.SelectorAnalyzer",
        docs(DEPLOY, """
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: s, namespace: shop}
spec:
  workloadSelector: {labels: {app: reviews}}
"""),
        [],
    ),
    "deployment-two-protocols": (
        "deployment.ServiceAssociationAnalyzer",
        docs(NS_INJECTED, DEPLOY, SVC, SVC.replace("name: reviews,", "name: reviews-udp,")
             .replace("[{name: http, port: 9080}]", "[{name: dns, port: 9080, protocol: UDP}]")),
        [("DeploymentAssociatedToMultipleServices", "Deployment shop/reviews-v1", "port 9080")],
    ),
    "deployment-outside-mesh-ignored": (
        "deployment.ServiceAssociationAnalyzer",
        docs(DEPLOY, SVC, SVC.replace("name: reviews,", "name: reviews-udp,")
             .replace("[{name: http, port: 9080}]", "[{name: dns, port: 9080, protocol: UDP}]")),
        [],
    ),
    "uid-1337": (
        "deployment.ApplicationUIDAnalyzer",
        DEPLOY.replace("containers: [{name: app, image: reviews}]",
                       "containers: [{name: app, image: reviews, securityContext: {runAsUser: 1337}}]"),
        [("InvalidApplicationUID", "Deployment shop/reviews-v1", "1337")],
    ),
    "uid-of-proxy-container-allowed": (
        "deployment.ApplicationUIDAnalyzer",
        DEPLOY.replace("containers: [{name: app, image: reviews}]",
                       "containers: [{name: istio-proxy, image: proxy, securityContext: {runAsUser: 1337}}]"),
        [],
    ),
    "namespace-not-injected": (
        "injection.Analyzer",
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}",
        [("NamespaceNotInjected", "Namespace shop", "kubectl label namespace shop istio-injection=enabled")],
    ),
    "namespace-two-injection-labels": (
        "injection.Analyzer",
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {istio-injection: enabled, istio.io/rev: canary}}",
        [("NamespaceMultipleInjectionLabels", "Namespace shop", "[istio-injection=enabled istio.io/rev=canary]")],
    ),
    "namespace-injected-silent": ("injection.Analyzer", NS_INJECTED, []),
    "port-name-unknown": (
        "service.PortNameAnalyzer",
        SVC.replace("name: http, port: 9080", "name: web, port: 9080"),
        [("PortNameIsNotUnderNamingConvention", "Service shop/reviews", "Port name web (port: 9080")],
    ),
    "port-app-protocol-ok": (
        "service.PortNameAnalyzer",
        SVC.replace("name: http, port: 9080", "name: web, port: 9080, appProtocol: http"),
        [],
    ),
    "service-entry-tcp-without-address": (
        "serviceentry.ProtocolAddressesAnalyzer",
        """
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: db, namespace: shop}
spec:
  hosts: [db.example.com]
  ports: [{number: 5432, name: pg, protocol: TCP}]
""",
        [("ServiceEntryAddressesRequired", "ServiceEntry shop/db", "addresses are required")],
    ),
    "service-entry-protocol-conflict": (
        "serviceentry.ConflictingServiceEntryProtocolAnalyzer",
        docs(*(f"""
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {{name: {n}, namespace: shop}}
spec:
  hosts: [api.example.com]
  ports: [{{number: 443, name: p, protocol: {p}}}]
""" for n, p in (("a", "HTTPS"), ("b", "TLS")))),
        [("ConflictingServiceEntryProtocol", "ServiceEntry shop/a", "(HTTPS, TLS)"),
         ("ConflictingServiceEntryProtocol", "ServiceEntry shop/b", "(HTTPS, TLS)")],
    ),
    "authz-no-workload": (
        "authz.AuthorizationPoliciesAnalyzer",
        docs(NS_INJECTED, DEPLOY, """
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: p, namespace: shop}
spec:
  selector: {matchLabels: {app: ratings}}
"""),
        [("NoMatchingWorkloadsFound", "AuthorizationPolicy shop/p", "app=ratings")],
    ),
    "authz-selects-deployment": (
        "authz.AuthorizationPoliciesAnalyzer",
        docs(NS_INJECTED, DEPLOY, """
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: p, namespace: shop}
spec:
  selector: {matchLabels: {app: reviews}}
  rules: [{from: [{source: {namespaces: [shop]}}]}]
"""),
        [],
    ),
    # A manifest's pods never carry the annotation the CNI adds in ambient namespaces: the
    # namespace label is what puts them on the mesh before they run.
    "authz-selects-deployment-in-ambient-namespace": (
        "authz.AuthorizationPoliciesAnalyzer",
        docs("""
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio.io/dataplane-mode: ambient}}
""", DEPLOY, """
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: p, namespace: shop}
spec:
  selector: {matchLabels: {app: reviews}}
"""),
        [],
    ),
    "authz-attached-to-a-service-selects-no-pods": (
        "authz.AuthorizationPoliciesAnalyzer",
        docs("""
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio.io/dataplane-mode: ambient}}
""", """
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: p, namespace: shop}
spec:
  targetRefs: [{group: "", kind: Service, name: reviews}]
"""),
        [],
    ),
    "deprecated-fault-percent": (
        "deprecation.FieldAnalyzer",
        vs("r", "  hosts: [reviews]\n  http:\n  - fault: {delay: {percent: 10, fixedDelay: 1s}}\n"
                "    route: [{destination: {host: reviews}}]"),
        [("Deprecated", "VirtualService shop/r", "HTTPRoute.fault.delay.percent is deprecated")],
    ),
}


GATEWAY_POD = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: ingress, namespace: ingress}
spec:
  template:
    metadata: {labels: {istio: ingressgateway}}
    spec: {containers: [{name: istio-proxy, image: proxyv2}]}
---
apiVersion: v1
kind: Service
metadata: {name: ingress, namespace: ingress}
spec:
  selector: {istio: ingressgateway}
  ports: [{name: http, port: 80, targetPort: 8080}, {name: https, port: 443, targetPort: 8443}]
"""


def gateway(name: str, servers: str, ns: str = "ingress") -> str:
    return f"""
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {{name: {name}, namespace: {ns}}}
spec:
  selector: {{istio: ingressgateway}}
  servers:
{servers}
"""


def telemetry(name: str, spec: str, ns: str = "shop") -> str:
    return f"""
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: {{name: {name}, namespace: {ns}}}
spec:
{spec}
"""


TLS_SERVER = "  - {port: {number: 443, name: https, protocol: HTTPS}, hosts: [%s], tls: {mode: SIMPLE, credentialName: shop-cert}}"

CASES.update({
    "gateway-duplicate-certificate": (
        "gateway.CertificateAnalyzer",
        docs(gateway("a", TLS_SERVER % "a.example.com"), gateway("b", TLS_SERVER % "b.example.com")),
        [("GatewayDuplicateCertificate", "Gateway ingress/a", "[ingress/a ingress/b]"),
         ("GatewayDuplicateCertificate", "Gateway ingress/b", "[ingress/b ingress/a]")],
    ),
    "gateway-distinct-certificates": (
        "gateway.CertificateAnalyzer",
        docs(gateway("a", TLS_SERVER % "a.example.com"),
             gateway("b", (TLS_SERVER % "b.example.com").replace("shop-cert", "other-cert"))),
        [],
    ),
    "gateway-conflicting-hosts": (
        "gateway.ConflictingGatewayAnalyzer",
        docs(GATEWAY_POD, gateway("a", "  - {port: {number: 80, name: http, protocol: HTTP}, hosts: [shop.example.com]}"),
             gateway("b", "  - {port: {number: 80, name: http, protocol: HTTP}, hosts: [shop.example.com]}")),
        [("ConflictingGateways", "Gateway ingress/a", "gateways ingress/b"),
         ("ConflictingGateways", "Gateway ingress/b", "gateways ingress/a")],
    ),
    "gateway-different-ports-no-conflict": (
        "gateway.ConflictingGatewayAnalyzer",
        docs(GATEWAY_POD, gateway("a", "  - {port: {number: 80, name: http, protocol: HTTP}, hosts: [shop.example.com]}"),
             gateway("b", TLS_SERVER % "shop.example.com")),
        [],
    ),
    "gateway-port-not-on-service": (
        "gateway.IngressGatewayPortAnalyzer",
        docs(GATEWAY_POD, gateway("a", "  - {port: {number: 8081, name: http, protocol: HTTP}, hosts: ['*']}")),
        [("GatewayPortNotDefinedOnService", "Gateway ingress/a", "port 8081")],
    ),
    "gateway-port-on-service": (
        "gateway.IngressGatewayPortAnalyzer",
        docs(GATEWAY_POD, gateway("a", "  - {port: {number: 80, name: http, protocol: HTTP}, hosts: ['*']}\n"
                                       "  - {port: {number: 8443, name: https, protocol: HTTPS}, hosts: ['*']}")),
        [],
    ),
    "gateway-selects-no-pod": (
        "gateway.IngressGatewayPortAnalyzer",
        gateway("a", "  - {port: {number: 80, name: http, protocol: HTTP}, hosts: ['*']}"),
        [("ReferencedResourceNotFound", "Gateway ingress/a", '"istio=ingressgateway"')],
    ),
    "telemetry-two-without-selector": (
        "telemetry.DefaultSelectorAnalyzer",
        docs(telemetry("a", "  tracing: [{randomSamplingPercentage: 10}]"),
             telemetry("b", "  tracing: [{randomSamplingPercentage: 20}]")),
        [("MultipleTelemetriesWithoutWorkloadSelectors", "Telemetry shop/a", "[a b]"),
         ("MultipleTelemetriesWithoutWorkloadSelectors", "Telemetry shop/b", "[a b]")],
    ),
    "telemetry-one-per-namespace": (
        "telemetry.DefaultSelectorAnalyzer",
        docs(telemetry("a", "  tracing: [{randomSamplingPercentage: 10}]"),
             telemetry("a", "  tracing: [{randomSamplingPercentage: 20}]", ns="other")),
        [],
    ),
    "telemetry-selector-conflict": (
        "telemetry.SelectorAnalyzer",
        docs(DEPLOY, telemetry("a", "  selector: {matchLabels: {app: reviews}}"),
             telemetry("b", "  selector: {matchLabels: {version: v1}}"),
             telemetry("c", "  selector: {matchLabels: {app: ratings}}")),
        [("ConflictingTelemetryWorkloadSelectors", "Telemetry shop/a", '"reviews-v1"'),
         ("ConflictingTelemetryWorkloadSelectors", "Telemetry shop/b", '"reviews-v1"'),
         ("ReferencedResourceNotFound", "Telemetry shop/c", '"app=ratings"')],
    ),
    "telemetry-access-log-without-provider": (
        "telemetry.ProviderAnalyzer",
        telemetry("a", "  accessLogging: [{filter: {expression: 'response.code >= 400'}}]"),
        [("InvalidTelemetryProvider", "Telemetry shop/a", "The Telemetry a in namespace \"shop\"")],
    ),
    "telemetry-access-log-disabled": (
        "telemetry.ProviderAnalyzer",
        telemetry("a", "  accessLogging: [{disabled: true}]"),
        [],
    ),
    "k8s-gateway-policy-selector": (
        "k8sgateway.SelectorAnalyzer",
        docs("""
apiVersion: v1
kind: Pod
metadata: {name: gw-123, namespace: shop, labels: {gateway.networking.k8s.io/gateway-name: web}}
spec: {containers: [{name: istio-proxy, image: proxyv2}]}
""", """
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: p, namespace: shop}
spec:
  selector: {matchLabels: {gateway.networking.k8s.io/gateway-name: web}}
"""),
        [("IneffectiveSelector", "AuthorizationPolicy shop/p", "Kubernetes Gateway web")],
    ),
    "k8s-gateway-policy-target-ref": (
        "k8sgateway.SelectorAnalyzer",
        docs("""
apiVersion: v1
kind: Pod
metadata: {name: gw-123, namespace: shop, labels: {gateway.networking.k8s.io/gateway-name: web}}
spec: {containers: [{name: istio-proxy, image: proxyv2}]}
""", """
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: p, namespace: shop}
spec:
  targetRef: {kind: Gateway, group: gateway.networking.k8s.io, name: web}
"""),
        [],
    ),
    "envoyfilter-relative-without-priority": (
        "envoyfilter.EnvoyPatchAnalyzer",
        """
apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: {name: ef, namespace: shop}
spec:
  configPatches:
  - applyTo: HTTP_FILTER
    match: {listener: {filterChain: {filter: {name: envoy.filters.network.http_connection_manager}}}}
    patch: {operation: INSERT_BEFORE, value: {name: my.lua}}
  - applyTo: HTTP_ROUTE
    patch: {operation: ADD, value: {name: r}}
""",
        [("EnvoyFilterUsesRelativeOperation", "EnvoyFilter shop/ef", "does not have a priority"),
         ("EnvoyFilterUsesAddOperationIncorrectly", "EnvoyFilter shop/ef", "ADD operation will be ignored")],
    ),
    "envoyfilter-with-priority": (
        "envoyfilter.EnvoyPatchAnalyzer",
        """
apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: {name: ef, namespace: shop}
spec:
  priority: 10
  configPatches:
  - applyTo: HTTP_FILTER
    patch: {operation: INSERT_BEFORE, value: {name: my.lua}}
""",
        [],
    ),
    "jwt-claim-route-without-authn": (
        "virtualservice.JWTClaimRouteAnalyzer",
        docs(GATEWAY_POD, gateway("web", "  - {port: {number: 80, name: http, protocol: HTTP}, hosts: ['*']}"),
             vs("r", "  hosts: ['*']\n  gateways: [ingress/web]\n  http:\n"
                     "  - match: [{headers: {'@request.auth.claims.group': {exact: admin}}}]\n"
                     "    route: [{destination: {host: reviews}}]")),
        [("JwtClaimBasedRoutingWithoutRequestAuthN", "VirtualService shop/r", "(key: @request.auth.claims.group)")],
    ),
    "jwt-claim-route-with-authn": (
        "virtualservice.JWTClaimRouteAnalyzer",
        docs(GATEWAY_POD, gateway("web", "  - {port: {number: 80, name: http, protocol: HTTP}, hosts: ['*']}"),
             vs("r", "  hosts: ['*']\n  gateways: [ingress/web]\n  http:\n"
                     "  - match: [{headers: {'@request.auth.claims.group': {exact: admin}}}]\n"
                     "    route: [{destination: {host: reviews}}]"),
             """
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  jwtRules: [{issuer: https://issuer.example.com}]
"""),
        [],
    ),
})


# istio-mesh-fn's own Gateway API and ambient checks (more in test_gateway_api_analyzers.py).
_ROUTE = """
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
_AMBIENT = """
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio.io/dataplane-mode: ambient}}
"""
_AUTHZ_L7 = """
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: reviews-get, namespace: shop}
spec:
  selector: {matchLabels: {app: reviews}}
  rules: [{to: [{operation: {methods: [GET]}}]}]
"""
CASES.update({
    "httproute-and-virtualservice": (
        "httproute.VirtualServiceAnalyzer",
        docs(SVC, _ROUTE, vs("reviews-vs", "  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: reviews}")),
        [("VirtualServiceAndRouteForOneService", "HTTPRoute shop/reviews", "shop/reviews-vs")],
    ),
    "httproute-alone": ("httproute.VirtualServiceAnalyzer", docs(SVC, _ROUTE), []),
    "route-without-defaults": (
        "httproute.DefaultsAnalyzer",
        _ROUTE.replace('group: "", kind: Service, name: reviews, port: 9080, weight: 1', "name: reviews, port: 9080"),
        [("RouteWithoutExplicitDefaults", "HTTPRoute shop/reviews", "backendRefs[0].group")],
    ),
    "route-with-defaults": ("httproute.DefaultsAnalyzer", _ROUTE, []),
    "ambient-route-without-waypoint": (
        "ambient.WaypointAnalyzer", docs(_AMBIENT, SVC, _ROUTE),
        [("L7PolicyWithoutWaypoint", "HTTPRoute shop/reviews", "ambient namespace shop")],
    ),
    "ambient-route-with-waypoint": (
        "ambient.WaypointAnalyzer",
        docs(_AMBIENT.replace("ambient}", "ambient, istio.io/use-waypoint: waypoint}"), SVC, _ROUTE), [],
    ),
    "ambient-l7-authz-on-selector": (
        "ambient.TargetRefsAnalyzer", docs(_AMBIENT, _AUTHZ_L7),
        [("SelectorWhereTargetRefsNeeded", "AuthorizationPolicy shop/reviews-get", "targetRefs")],
    ),
    "sidecar-l7-authz-on-selector": ("ambient.TargetRefsAnalyzer", docs(NS_INJECTED, _AUTHZ_L7), []),
})


# Istio's own validation, one analyzer per kind (full tables: test_validation_istio.py).
CASES.update({
    "istio-validation-subset-name-from-version": (
        "schema.ValidationAnalyzer.DestinationRule",
        dr("mongo", "  host: mongo\n  subsets: [{name: 1.4.2, labels: {version: 1.4.2}}, {name: v1-4-2}]"),
        [("SchemaValidationError", "DestinationRule shop/mongo", "subset name is invalid: 1.4.2")],
    ),
    "istio-validation-destinationrule-clean": (
        "schema.ValidationAnalyzer.DestinationRule",
        dr("reviews", "  host: reviews\n  trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}\n"
                      "  subsets: [{name: v1, labels: {version: v1}}]"),
        [],
    ),
    "istio-validation-route-timeout-under-1ms": (
        "schema.ValidationAnalyzer.VirtualService",
        vs("reviews", "  hosts: [reviews]\n  http:\n  - timeout: 500us\n    retries: {attempts: 0, perTryTimeout: 2s}\n"
                      "    route:\n    - destination: {host: reviews, subset: v3.6.0}"),
        [("SchemaValidationError", "VirtualService shop/reviews", "duration must be greater than 1ms"),
         ("SchemaValidationError", "VirtualService shop/reviews", "attempts are set to 0"),
         ("SchemaValidationError", "VirtualService shop/reviews", "subset name is invalid: v3.6.0")],
    ),
    "istio-validation-peerauthentication-port-level-without-selector": (
        "schema.ValidationAnalyzer.PeerAuthentication",
        """
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: shop}
spec:
  mtls: {mode: STRICT}
  portLevelMtls: {"8080": {mode: DISABLE}}
""",
        [("SchemaValidationError", "PeerAuthentication shop/default", "cannot have port level mTLS")],
    ),
    "istio-validation-authz-principal-and-service-account": (
        "schema.ValidationAnalyzer.AuthorizationPolicy",
        """
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: allow, namespace: shop}
spec:
  rules:
  - from: [{source: {principals: [cluster.local/ns/shop/sa/web], serviceAccounts: [shop/web]}}]
""",
        [("SchemaValidationError", "AuthorizationPolicy shop/allow", "cannot set serviceAccounts with namespaces")],
    ),
    "istio-validation-requestauthentication-jwks-uri": (
        "schema.ValidationAnalyzer.RequestAuthentication",
        """
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt, namespace: shop}
spec:
  jwtRules: [{issuer: issuer.example.com, jwksUri: ftp://issuer.example.com/keys}]
""",
        [("SchemaValidationError", "RequestAuthentication shop/jwt", 'URI scheme "ftp" is not supported')],
    ),
    "istio-validation-serviceentry-wildcard-host": (
        "schema.ValidationAnalyzer.ServiceEntry",
        """
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ext, namespace: shop}
spec:
  hosts: ["*"]
  ports: [{number: 443, name: https, protocol: TLS}]
  resolution: DNS
""",
        [("SchemaValidationError", "ServiceEntry shop/ext", "invalid host *"),
         ("SchemaValidationError", "ServiceEntry shop/ext", "hosts must be FQDN")],
    ),
    "istio-validation-sidecar-short-egress-host": (
        "schema.ValidationAnalyzer.Sidecar",
        """
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: shop}
spec:
  egress: [{hosts: [./reviews]}]
""",
        [("SchemaValidationError", "Sidecar shop/default", "short names (non FQDN) are not allowed")],
    ),
    "istio-validation-gateway-https-without-tls": (
        "schema.ValidationAnalyzer.Gateway",
        """
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: web, namespace: shop}
spec:
  servers: [{hosts: [shop.example.com], port: {number: 443, name: https, protocol: HTTPS}}]
""",
        [("SchemaValidationError", "Gateway shop/web", "server must have TLS settings for HTTPS/TLS protocols")],
    ),
})


@pytest.mark.parametrize("case", sorted(CASES))
def test_analyzer(case, analyze_text):
    analyzer, text, expected = CASES[case]
    findings = analyze_text(text, analyzers=[analyzer])
    got = sorted((f.name, f.resource.ref()) for f in findings)
    assert got == sorted((name, ref) for name, ref, _ in expected), [f.message for f in findings]
    for name, ref, fragment in expected:
        messages = [f.message for f in findings if f.name == name and f.resource.ref() == ref]
        assert any(fragment in m for m in messages), (fragment, messages)
    for f in findings:
        assert f.analyzer == analyzer


def test_every_analyzer_has_unit_cases():
    from fn.analyze import runner

    from .test_resilience_analyzers import RESILIENCE_CASES

    # A case that makes the analyzer report, not only one where it stays silent.
    firing = {a for a, _, expected in [*CASES.values(), *RESILIENCE_CASES.values()] if expected}
    assert set(runner.names(schema=False)) <= firing


def test_bookinfo_reference_config(analyze_text):
    """Istio's own Bookinfo config over the Bookinfo sample: no Error except what is
    really missing. Its DestinationRule names ratings subsets v2-mysql and v2-mysql-vm,
    whose Deployments live in other sample files, not in bookinfo.yaml."""
    from .conftest import FIXTURES

    text = (FIXTURES / "bookinfo" / "bookinfo.yaml").read_text()
    for f in sorted((FIXTURES / "bookinfo" / "istio-reference").glob("*.yaml")):
        text += "\n---\n" + f.read_text()
    errors = [(f.name, f.resource.ref(), f.field) for f in analyze_text(text) if f.level == "Error"]
    assert errors == [
        ("DestinationRuleSubsetNotSelectPods", "DestinationRule ratings", "spec.subsets[2]"),
        ("DestinationRuleSubsetNotSelectPods", "DestinationRule ratings", "spec.subsets[3]"),
    ]


def test_online_boutique_reference_config(analyze_text):
    from .conftest import FIXTURES

    folder = FIXTURES / "online-boutique"
    text = "\n---\n".join(f.read_text() for f in sorted(folder.glob("*.yaml")) if f.name != "kustomization.yaml")
    text += "\n---\n" + (folder / "istio-reference" / "istio-manifests.yaml").read_text()
    errors = [f"{f.resource.ref()}: {f.message}" for f in analyze_text(text) if f.level == "Error"]
    assert errors == []

