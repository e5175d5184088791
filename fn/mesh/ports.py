"""A Service's ports and the protocol Istio gives each one."""

from __future__ import annotations

from typing import Any, Mapping

from .types import HTTP, TCP, TLS, UDP, UNKNOWN

# Istio's port-name prefixes and appProtocol values -> how a route can treat the port.
# https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/
_PROTOCOLS = {
    "http": HTTP, "http2": HTTP, "grpc": HTTP, "grpc-web": HTTP, "h2c": HTTP,
    "kubernetes.io/h2c": HTTP, "kubernetes.io/ws": HTTP,
    "https": TLS, "tls": TLS, "kubernetes.io/wss": TLS,
    "tcp": TCP, "mongo": TCP, "mysql": TCP, "redis": TCP,
    "udp": UDP,
}


_STREAM_APP_PROTOCOLS = {"kubernetes.io/ws", "kubernetes.io/wss"}
_STREAM_NAME_PREFIXES = ("ws", "wss", "websocket", "websockets")


def is_stream(port: Mapping[str, Any]) -> bool:
    """Websocket ports, by appProtocol or name: their connections outlive any route
    timeout. gRPC streaming cannot be told from the port; it needs the per-Service
    timeout opt-out (README, "Streams")."""
    app = str(port.get("appProtocol") or "").lower()
    if app:
        return app in _STREAM_APP_PROTOCOLS
    name = str(port.get("name") or "").lower()
    return name.split("-", 1)[0] in _STREAM_NAME_PREFIXES


def port_protocol(port: Mapping[str, Any]) -> str:
    """``http``, ``tcp``, ``tls``, ``udp``, or ``""`` when Istio has to sniff it."""
    if str(port.get("protocol") or "TCP").upper() in ("UDP", "SCTP"):
        return UDP
    app = str(port.get("appProtocol") or "").lower()
    if app:
        return _PROTOCOLS.get(app, UNKNOWN)
    name = str(port.get("name") or "").lower()
    if name in _PROTOCOLS:
        return _PROTOCOLS[name]
    prefix = name.split("-", 1)[0]
    if "-" in name:
        # "grpc-web" itself is a prefix that contains a dash.
        if name.startswith("grpc-web-") or name == "grpc-web":
            return HTTP
        return _PROTOCOLS.get(prefix, UNKNOWN)
    return UNKNOWN


def is_grpc(port: Mapping[str, Any]) -> bool:
    """gRPC proper (HTTP/2), which a GRPCRoute can route; grpc-web is HTTP/1."""
    app = str(port.get("appProtocol") or "").lower()
    if app:
        return app == "grpc"
    name = str(port.get("name") or "").lower()
    return (name == "grpc" or name.startswith("grpc-")) and not (name == "grpc-web" or name.startswith("grpc-web-"))
