"""Routing on JWT claims needs a RequestAuthentication for the gateway's pods: without
one the claims are never validated, so never available to match."""

from __future__ import annotations

from ..model import GATEWAY, REQUEST_AUTHENTICATION, VIRTUAL_SERVICE, Analyzer, Context, register
from ..routes import gateways
from ..util import MESH_GATEWAY, as_dict, as_list, full_name, pods, selects, short_or_full, str_map

CLAIM_HEADER = "@request.auth.claims"
SYSTEM_NAMESPACE = "istio-system"


def _claim_key(spec: dict) -> str:
    for rule in as_list(spec.get("http")):
        for match in as_list(as_dict(rule).get("match")):
            match = as_dict(match)
            for key in list(as_dict(match.get("headers"))) + list(as_dict(match.get("withoutHeaders"))):
                if _is_claim(str(key)):
                    return str(key)
    return ""


def _is_claim(header: str) -> bool:
    if not header.lower().startswith(CLAIM_HEADER):
        return False
    rest = header[len(CLAIM_HEADER):]
    return (rest.startswith(".") and len(rest) > 1) or (rest.startswith("[") and rest.endswith("]") and len(rest) > 2)


@register
class JWTClaimRouteAnalyzer(Analyzer):
    name = "virtualservice.JWTClaimRouteAnalyzer"
    description = "Checks the VirtualService using JWT claim based routing has corresponding RequestAuthentication"

    def analyze(self, ctx: Context, report) -> None:
        authn: dict[str, list[dict[str, str]]] = {}
        for ra in ctx.of(REQUEST_AUTHENTICATION):
            authn.setdefault(ra.ns, []).append(str_map(as_dict(ra.spec.get("selector")).get("matchLabels")))
        for vs in ctx.of(VIRTUAL_SERVICE):
            key = _claim_key(vs.spec)
            if not key:
                continue
            for gw_name in gateways(vs.spec):
                if gw_name == MESH_GATEWAY:
                    continue
                ns, name = short_or_full(vs.ns, gw_name)
                gw = ctx.find(GATEWAY, ns, name)
                if gw is None:
                    continue
                labels = str_map(gw.spec.get("selector"))
                for pod in pods(ctx):
                    if not selects(labels, pod.labels):
                        continue
                    selectors = authn.get(SYSTEM_NAMESPACE, []) + authn.get(pod.namespace, [])
                    if not any(selects(s, pod.labels) for s in selectors):
                        report("JwtClaimBasedRoutingWithoutRequestAuthN", vs, key, full_name(ns, name),
                               pod.resource.name)
