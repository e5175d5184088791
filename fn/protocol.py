"""A Service port's protocol, decided as Istio decides it.

Istio (pkg/config/kube ConvertProtocol, used by pilot's Kubernetes Service conversion)
looks at, in order: ``protocol: UDP``; ``appProtocol`` (Kubernetes' own
``kubernetes.io/h2c|ws|wss`` names, else the value itself); else the port name. Either
string is cut at its first ``-`` (``tcp-custom`` is TCP, ``http-web`` is HTTP), except
for the ``grpc-web`` prefix, which holds a dash. When that names no protocol Istio knows,
a few server-first ports (SMTP, DNS, MySQL, MongoDB) are TCP, because sniffing would
wait forever for a client that speaks second; anything else is sniffed.

Pure and stdlib-only: the generator and the analyzers both call it per port.
"""

from __future__ import annotations

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping


GRPC, GRPC_WEB, HTTP, HTTP_PROXY, HTTP2 = "GRPC", "GRPC-Web", "HTTP", "HTTP_PROXY", "HTTP2"
HTTPS, TCP, TLS, UDP = "HTTPS", "TCP", "TLS", "UDP"
MONGO, REDIS, MYSQL = "Mongo", "Redis", "MySQL"
UNSUPPORTED = "UnsupportedProtocol"

# Istio's protocol.Parse: case-insensitive, whole string.
_PARSE = {
    "tcp": TCP, "udp": UDP, "grpc": GRPC, "grpc-web": GRPC_WEB, "http": HTTP,
    "http_proxy": HTTP_PROXY, "http2": HTTP2, "https": HTTPS, "tls": TLS,
    "mongo": MONGO, "redis": REDIS, "mysql": MYSQL,
}

# Kubernetes' standard appProtocol names (only honoured as appProtocol, never as a name).
_K8S_APP_PROTOCOLS = {
    "kubernetes.io/h2c": HTTP2,  # HTTP/2 over cleartext
    "kubernetes.io/ws": HTTP,  # WebSocket
    "kubernetes.io/wss": HTTPS,  # WebSocket over TLS
}

# SMTP, DNS, MySQL, MongoDB: protocol sniffing would break these server-first protocols.
WELL_KNOWN_TCP_PORTS = frozenset({25, 53, 3306, 27017})

_GRPC_WEB = "grpc-web"

HTTP_FAMILY, TCP_FAMILY, TLS_FAMILY, UDP_FAMILY, SNIFFED = "http", "tcp", "tls", "udp", ""

_FAMILY = {
    HTTP: HTTP_FAMILY, HTTP2: HTTP_FAMILY, GRPC: HTTP_FAMILY, GRPC_WEB: HTTP_FAMILY,
    HTTPS: TLS_FAMILY, TLS: TLS_FAMILY,
    TCP: TCP_FAMILY, MONGO: TCP_FAMILY, MYSQL: TCP_FAMILY, REDIS: TCP_FAMILY,
    UDP: UDP_FAMILY,
}

# Port-name words that mean a long-lived stream, where a route timeout cuts traffic off.
_STREAM_WORDS = frozenset({"ws", "wss", "websocket", "websockets", "sse"})
_STREAM_APP_PROTOCOLS = frozenset({"kubernetes.io/ws", "kubernetes.io/wss"})


def parse(name: str) -> str:
    """Istio's ``protocol.Parse``: a protocol name, case-insensitive, or Unsupported."""
    return _PARSE.get(name.lower(), UNSUPPORTED)


def convert(port_number: int | None, name: str, transport: str = "TCP", app_protocol: str | None = None) -> str:
    """Istio's ``kube.ConvertProtocol``. ``app_protocol`` None means unset; an empty
    string is set (and names nothing), as a non-nil Go pointer would be."""
    if transport.upper() == "UDP":
        return UDP
    if app_protocol is not None:
        name = app_protocol
        if name in _K8S_APP_PROTOCOLS:
            return _K8S_APP_PROTOCOLS[name]
    if name[:len(_GRPC_WEB)].lower() == _GRPC_WEB:
        return GRPC_WEB
    proto = parse(name.split("-", 1)[0])
    if proto == UNSUPPORTED and port_number in WELL_KNOWN_TCP_PORTS:
        return TCP
    return proto


def istio_protocol(port: Mapping[str, Any]) -> str:
    """The protocol Istio gives a Kubernetes Service port (a ``spec.ports[]`` entry)."""
    app = port.get("appProtocol")
    return convert(
        _int(port.get("port")),
        _text(port.get("name")),
        _text(port.get("protocol")) or "TCP",
        None if app is None else _text(app),
    )


def route_family(protocol: str) -> str:
    """Which VirtualService route list can match it: ``http``, ``tcp``, ``tls``,
    ``udp`` (none can), or ``""`` when Istio sniffs the protocol. HTTP_PROXY is a sidecar
    egress listener kind, not a routable Service protocol, so it is treated as unknown."""
    return _FAMILY.get(protocol, SNIFFED)


def port_family(port: Mapping[str, Any]) -> str:
    """``route_family`` of a Service port, except that SCTP is ``udp`` too: Istio only
    special-cases UDP, but the sidecar captures neither, so neither can be routed."""
    if _text(port.get("protocol")).upper() == "SCTP":
        return UDP_FAMILY
    return route_family(istio_protocol(port))


def is_stream(port: Mapping[str, Any]) -> bool:
    """True for ports that carry long-lived streams (WebSocket, server-sent events), where
    a route timeout would cut connections off: ``appProtocol`` ``kubernetes.io/ws`` or
    ``kubernetes.io/wss``, or a port name with a word ``ws``, ``wss``, ``websocket(s)`` or
    ``sse`` between its dashes (``ws``, ``http-ws``, ``websocket-chat``). gRPC streaming
    can't be told from a port; say so in config."""
    app = port.get("appProtocol")
    if app is not None and _text(app).lower() in _STREAM_APP_PROTOCOLS:
        return True
    return any(word in _STREAM_WORDS for word in _text(port.get("name")).lower().split("-"))


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None
