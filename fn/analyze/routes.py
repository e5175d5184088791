"""Where a VirtualService sends traffic: each destination with its field path."""

from __future__ import annotations

from ..records import mutable_record

from .util import as_dict, as_list, as_str

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


@mutable_record
class RouteDestination:
    rule: str  # tcp | tls | http | http.mirror | http.mirrors
    rule_index: int
    index: int
    destination: dict[str, Any]
    field: str

    @property
    def host(self) -> str:
        return as_str(self.destination.get("host"))

    @property
    def subset(self) -> str:
        return as_str(self.destination.get("subset"))

    @property
    def port(self) -> int | None:
        port = self.destination.get("port")
        if not isinstance(port, dict):
            return None
        number = port.get("number")
        return number if isinstance(number, int) and not isinstance(number, bool) else 0


def route_destinations(spec: dict[str, Any]) -> list[RouteDestination]:
    """Route destinations in istioctl's order: tcp, tls, then http."""
    out = []
    for rule in ("tcp", "tls", "http"):
        for i, r in enumerate(as_list(spec.get(rule))):
            for j, rd in enumerate(as_list(as_dict(r).get("route"))):
                out.append(RouteDestination(rule, i, j, as_dict(as_dict(rd).get("destination")),
                                            f"spec.{rule}[{i}].route[{j}].destination.host"))
    return out


def mirror_destinations(spec: dict[str, Any]) -> list[RouteDestination]:
    out = []
    for i, r in enumerate(as_list(spec.get("http"))):
        r = as_dict(r)
        if isinstance(r.get("mirror"), dict):
            out.append(RouteDestination("http.mirror", i, 0, r["mirror"], f"spec.http[{i}].mirror.host"))
        for j, m in enumerate(as_list(r.get("mirrors"))):
            out.append(RouteDestination("http.mirrors", i, j, as_dict(as_dict(m).get("destination")),
                                        f"spec.http[{i}].mirrors[{j}].destination.host"))
    return out


def gateways(spec: dict[str, Any]) -> list[str]:
    return [as_str(g) for g in as_list(spec.get("gateways"))]


def hosts(spec: dict[str, Any]) -> list[str]:
    return [as_str(h) for h in as_list(spec.get("hosts"))]


def service_parents(route: Any) -> list[tuple[str, str]]:
    """(namespace, name) of the Services a route attaches to (GAMMA parentRefs)."""
    out = []
    for ref in as_list(route.spec.get("parentRefs")):
        ref = as_dict(ref)
        if as_str(ref.get("kind")) == "Service" and as_str(ref.get("group")) in ("", "core") and ref.get("name"):
            out.append((as_str(ref.get("namespace")) or route.ns, as_str(ref.get("name"))))
    return out
