"""VirtualService: timeouts and retries for a Service's HTTP-family ports, plain
routes for its TCP ports (Envoy applies neither timeouts nor retries to TCP)."""

from __future__ import annotations

from typing import Any

from .common import metadata

API_VERSION = "networking.istio.io/v1"
KIND = "VirtualService"


def _route(host: str, port: int) -> list[dict[str, Any]]:
    return [{"destination": {"host": host, "port": {"number": port}}, "weight": 100}]


def build(
    *,
    name: str,
    namespace: str,
    labels: dict[str, str],
    host: str,
    http_ports: list[int],
    tcp_ports: list[int],
    timeout: str | None,
    retries: dict[str, Any] | None,
) -> dict[str, Any] | None:
    """None when the Service has no port a VirtualService can route."""
    if not http_ports and not tcp_ports:
        return None
    # With one port the match is redundant (the seed writes none); with several, each
    # route must say which port it is for, or the first would take them all.
    match = len(http_ports) + len(tcp_ports) > 1
    spec: dict[str, Any] = {"hosts": [host]}
    http = []
    for port in http_ports:
        rule: dict[str, Any] = {}
        if match:
            rule["match"] = [{"port": port}]
        rule["route"] = _route(host, port)
        if timeout:
            rule["timeout"] = timeout
        if retries is not None:
            rule["retries"] = dict(retries)
        http.append(rule)
    if http:
        spec["http"] = http
    tcp = []
    for port in tcp_ports:
        rule = {}
        if match:
            rule["match"] = [{"port": port}]
        rule["route"] = _route(host, port)
        tcp.append(rule)
    if tcp:
        spec["tcp"] = tcp
    return {"apiVersion": API_VERSION, "kind": KIND, "metadata": metadata(name, namespace, labels), "spec": spec}
