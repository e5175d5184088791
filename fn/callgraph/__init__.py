"""Call-graph inference from manifests: which workload calls which Service, and why.

``infer(items, cluster_domain)`` returns a frozen ``CallGraph``; ``render`` turns it into
Mermaid, DOT or JSON. Stdlib and ``fn.items`` only, so the policy modules can build on it.
"""

from .infer import CALLS_ANNOTATION, infer
from .model import (
    CallGraph, Declared, Edge, Evidence, External, Note, Service, ServicePort, ServiceRef, Workload,
    WorkloadRef,
)

__all__ = [
    "CALLS_ANNOTATION", "CallGraph", "Declared", "Edge", "Evidence", "External", "Note", "Service",
    "ServicePort", "ServiceRef", "Workload", "WorkloadRef", "infer",
]
