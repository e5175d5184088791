"""The mesh model: every fact a policy needs, decided once from the input with the reason
for it, and read-only afterwards."""

from .build import build
from .types import AMBIENT, HTTP, NO_MESH, SIDECAR, TCP, TLS, UDP, UNKNOWN, MeshModel, Namespace, Port, Service, ServiceConfig, WaypointPlan, Workload

__all__ = ["build", "MeshModel", "Namespace", "Port", "Service", "ServiceConfig", "WaypointPlan", "Workload",
           "AMBIENT", "HTTP", "NO_MESH", "SIDECAR", "TCP", "TLS", "UDP", "UNKNOWN"]
