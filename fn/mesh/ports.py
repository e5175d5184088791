"""A Service's ports and the protocol Istio gives each one: fn.protocol decides it as
Istio's own Kubernetes Service conversion does (appProtocol, then the name's prefix,
UDP/SCTP, then the server-first well-known ports); here it becomes the route family."""

from __future__ import annotations


from .. import protocol

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping


def port_protocol(port: Mapping[str, Any]) -> str:
    """``http``, ``tcp``, ``tls``, ``udp``, or ``""`` when Istio has to sniff it."""
    return protocol.port_family(port)


def is_stream(port: Mapping[str, Any]) -> bool:
    return protocol.is_stream(port)


def is_grpc(port: Mapping[str, Any]) -> bool:
    """gRPC proper (HTTP/2), which a GRPCRoute can route; gRPC-Web is HTTP/1."""
    return protocol.istio_protocol(port) == protocol.GRPC
