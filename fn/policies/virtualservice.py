"""VirtualService: timeouts and retries on a Service's HTTP-family ports, plain routes on
its TCP ports (Envoy applies neither timeouts nor retries to TCP).

Reads: the model's Services (ports with Istio protocols, per-Service config) and the
``virtualService`` section."""

from __future__ import annotations


from ..durations import parse_duration
from ..mesh import HTTP, TCP, TLS, UDP, UNKNOWN, MeshModel, Service
from ..mesh.serviceconfig import resolve_retries
from ..results import Results
from ..settings import Retries, Settings
from . import routes
from .base import Generated, Output, free_name, metadata, render_labels, service_path
from .destinationrule import export_to

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

API_VERSION = "networking.istio.io/v1"
KIND = "VirtualService"


def retries_field(retries: Retries | None) -> dict[str, Any] | None:
    if retries is None:
        return None
    out: dict[str, Any] = {"attempts": retries.attempts}
    # With no attempts, a per-try timeout or retry conditions mean nothing.
    if retries.per_try_timeout and retries.attempts > 0:
        out["perTryTimeout"] = retries.per_try_timeout
    if retries.retry_on and retries.attempts > 0:
        out["retryOn"] = retries.retry_on
    return out


def build(*, name: str, namespace: str, labels: dict[str, str], host: str, http_ports: list[int],
          tcp_ports: list[int], timeout: str | None, retries: dict[str, Any] | None,
          no_timeout: list[int] | None = None,
          per_port: Mapping[int, tuple[str | None, dict[str, Any] | None]] | None = None,
          split: routes.Split | None = None, export_to: list[str] | None = None) -> dict[str, Any] | None:
    """None when the Service has no port a VirtualService can route. ``per_port`` gives
    (timeout, retries) of the ports listed in ``services[].ports[]``; ``split`` routes by
    weight over version subsets."""
    if not http_ports and not tcp_ports:
        return None
    # With one port the match is redundant (the seed writes none); with several, each
    # route must say which port it is for, or the first would take them all.
    match = len(http_ports) + len(tcp_ports) > 1
    spec: dict[str, Any] = {"hosts": [host]}
    if export_to:
        spec["exportTo"] = list(export_to)
    http = []
    for port in http_ports:
        port_timeout, port_retries = (per_port or {}).get(port, (timeout, retries))
        canary = routes.canary_rule(host, port, split, match) if split is not None else None
        if canary is not None:
            http.append(_timed(canary, port, port_timeout, port_retries, no_timeout))
        rule: dict[str, Any] = {}
        if match:
            rule["match"] = [{"port": port}]
        rule["route"] = routes.weighted(host, port, split)
        routes.add_mirror(rule, host, port, split)
        http.append(_timed(rule, port, port_timeout, port_retries, no_timeout))
    if http:
        spec["http"] = http
    tcp = []
    for port in tcp_ports:
        rule = {}
        if match:
            rule["match"] = [{"port": port}]
        rule["route"] = routes.weighted(host, port, split)
        tcp.append(rule)
    if tcp:
        spec["tcp"] = tcp
    return {"apiVersion": API_VERSION, "kind": KIND, "metadata": metadata(name, namespace, labels), "spec": spec}


def _timed(rule: dict[str, Any], port: int, timeout: str | None, retries: dict[str, Any] | None,
           no_timeout: list[int] | None) -> dict[str, Any]:
    if timeout and port not in (no_timeout or ()):
        rule["timeout"] = timeout
    if retries is not None:
        rule["retries"] = dict(retries)
    return rule


def _one(svc: Service, model: MeshModel, settings: Settings, out: Output) -> None:
    cfg = settings.virtual_service
    # Never a VirtualService and a Gateway API route for one Service: Istio leaves mixing
    # the two undefined. The model says which API routes it.
    if svc.config.routing_api == "gateway-api":
        out.decline(svc, "routed by Gateway API routes (routing.api gateway-api)")
        if svc.versions is not None and not settings.routing.version_services:
            # With the option on, the versionservice policy reports what became of the split.
            out.results.warning(f"{svc.name}: {svc.versions.reason}", resource_ref=svc.item.ref(),
                                file=svc.item.file_ref())
        return
    theirs = model.user.route_for(svc)
    if theirs is not None:
        out.note(svc, f"no VirtualService: the {theirs.describe()} written for this Service routes it")
        out.decline(svc, f"kept the {theirs.describe()} written for this Service")
        return
    name = free_name(KIND, cfg.name_template, cfg.labels, model, settings, svc, out)
    if name is None:
        if svc.config.split is not None and model.user.for_host(KIND, svc, settings.hosts.cluster_domain):
            out.results.warning(f"{svc.name}: the split could not be applied: a VirtualService written for this "
                                 "host is kept as it is", resource_ref=svc.item.ref(), file=svc.item.file_ref())
        return
    split, ok = routes.resolve_split(svc, model, settings, out)
    if not ok:
        out.decline(svc, "its split cannot be applied (see the error)")
        return
    by_port = routes.port_routes(svc, out)
    for number, r in by_port.items():
        if _over_budget(r.timeout, r.retries):
            out.results.warning(_budget_message(f"{svc.name} port {number} (services[].ports[])", r.timeout, r.retries),
                                resource_ref=svc.item.ref(), file=svc.item.file_ref())
    per_port = {n: (r.timeout, retries_field(r.retries)) for n, r in by_port.items()}
    # Unnamed ports are sniffed by Istio: HTTP routes apply once the traffic is detected
    # as HTTP, and are ignored otherwise.
    http_ports = [p.number for p in svc.ports if p.protocol in (HTTP, UNKNOWN)]
    tcp_ports = [p.number for p in svc.ports if p.protocol == TCP]
    for family, why in ((TLS, "TLS traffic is routed by SNI (a tls: route with sniHosts), which a Service "
                              "port does not tell"), (UDP, "Istio does not proxy UDP or SCTP")):
        ports = [p for p in svc.ports if p.protocol == family]
        if ports:
            names = ", ".join(f"{p.number}/{p.name or p.protocol}" for p in ports)
            out.note(svc, f"no route for port(s) {names}: {why}")
    streams = [p.number for p in svc.ports if p.stream and p.protocol in (HTTP, UNKNOWN)]
    if streams and svc.config.timeout:
        out.note(svc, f"no route timeout on port(s) {', '.join(map(str, streams))}: websocket connections "
                      "live longer than any timeout, which would cut them off")
    obj = build(name=name, namespace=svc.namespace, labels=render_labels(cfg.labels, svc), host=svc.host,
                http_ports=http_ports, tcp_ports=tcp_ports, timeout=svc.config.timeout, no_timeout=streams,
                retries=retries_field(svc.config.retries), per_port=per_port, split=split,
                export_to=export_to(settings))
    if obj is None:
        out.decline(svc, "no port a VirtualService can route" if svc.ports else "the Service has no ports")
        return
    out.objects.append(Generated(obj, service_path(settings.paths.virtual_service, settings, svc)))
    out.covered.add(svc.key)


def _over_budget(timeout: str | None, retries: Retries | None) -> bool:
    if not timeout or retries is None or not retries.per_try_timeout or retries.attempts == 0:
        return False
    per_try, limit = parse_duration(retries.per_try_timeout), parse_duration(timeout)
    return per_try is not None and limit is not None and per_try * retries.attempts > limit


def _budget_message(where: str, timeout: str | None, retries: Retries | None) -> str:
    assert retries is not None
    return (f"{where}: perTryTimeout {retries.per_try_timeout} x {retries.attempts} attempts "
            f"exceeds the route timeout {timeout}: the timeout cuts retries short")


def check_retry_budget(model: MeshModel, settings: Settings, results: Results) -> None:
    """Warn (not fail) where retries cannot all run: the route timeout bounds the whole
    request, retries included, so perTryTimeout x attempts > timeout means the last
    attempts are cut off. Legal in Istio, hence a warning; checked once for the global
    setting, once per override that sets a timeout or retries, and once per Service
    whose annotations set them."""
    vs = settings.virtual_service
    checks: list[tuple[str, str | None, Retries | None]] = [("spec.virtualService", vs.timeout, vs.retries)]
    for i, o in enumerate(settings.services):
        if {"timeout", "retries"} & o.given:
            timeout = o.timeout if "timeout" in o.given else vs.timeout
            checks.append((f"spec.services[{i}]", timeout, resolve_retries(vs.retries, o.retries)))
    for where, timeout, retries in checks:
        if _over_budget(timeout, retries):
            results.warning(_budget_message(where, timeout, retries), field={"path": where})
    for svc in model.services:
        by_annotation = any(svc.config.sources[k].startswith("annotation") for k in ("timeout", "retries"))
        if svc.skip is None and by_annotation and _over_budget(svc.config.timeout, svc.config.retries):
            results.warning(_budget_message(f"{svc.name} (annotations)", svc.config.timeout, svc.config.retries),
                            resource_ref=svc.item.ref(), file=svc.item.file_ref())


def generate(model: MeshModel, settings: Settings) -> Output:
    out = Output()
    check_retry_budget(model, settings, out.results)
    for svc in model.services:
        if svc.skip is None:
            _one(svc, model, settings, out)
    return out
