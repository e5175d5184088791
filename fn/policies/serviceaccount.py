"""ServiceAccount: one per workload that ran as ``default`` or shared its ServiceAccount
(``authorization.serviceAccounts: per-workload``), placed beside the workload's file, and
the edit of the workload's pod spec that makes it run as it. The model decided which
workloads and which names (``fn/mesh/serviceaccounts.py``), so the AuthorizationPolicies,
the call graph and the self-check already name the new identities.

The edit sets ``serviceAccountName`` on the item's nodes, and the deprecated
``serviceAccount`` too where the pod spec has one (the API server would otherwise refuse
or rewrite a pair that disagrees); nothing else of the workload changes.

Reads: the model's ServiceAccount plans, and the ``authorization`` section."""

from __future__ import annotations

import posixpath

from ..mesh import MeshModel
from ..mesh.serviceaccounts import REPLACES
from ..mesh.types import ServiceAccountPlan
from ..settings import Settings
from .base import Edit, Generated, Output, metadata

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

API_VERSION = "v1"
KIND = "ServiceAccount"
FILE = "istio-serviceaccount.yaml"


def build(plan: ServiceAccountPlan) -> dict[str, Any]:
    meta = metadata(plan.account, plan.namespace)
    meta["annotations"][REPLACES] = plan.replaces
    return {"apiVersion": API_VERSION, "kind": KIND, "metadata": meta, **plan.copied}


def generate(model: MeshModel, settings: Settings) -> Output:
    out = Output()
    made: set[tuple[str, str]] = set()
    moved = 0
    for a in model.service_accounts:
        where: dict[str, Any] = {"resource_ref": a.item.ref(), "file": a.item.file_ref()}
        if (a.namespace, a.account) not in made:
            made.add((a.namespace, a.account))
            folder = posixpath.dirname(a.item.path) or f"istio/{a.namespace}"
            out.objects.append(Generated(build(a), posixpath.join(folder, FILE)))
        for binding in a.bindings:
            out.results.warning(f"{a.workload}: {binding} grants ServiceAccount {a.replaces} rights that its own "
                                f"ServiceAccount {a.account} does not get; add {a.namespace}/{a.account} to its "
                                "subjects if the workload needs them", **where)
        if not a.edit:
            continue
        moved += 1
        out.edits.append(Edit(a.item, a.pod_spec + ("serviceAccountName",), a.account))
        if a.item.get(*a.pod_spec, "serviceAccount") is not None:
            out.edits.append(Edit(a.item, a.pod_spec + ("serviceAccount",), a.account))
        out.results.info(f"{a.workload}: runs as its own ServiceAccount {a.account} now, generated ({a.reason}); "
                         f"{_inherited(a)}", **where)
    if settings.authorization.service_accounts == "per-workload":
        out.summary.append(f"service accounts per workload: {len(made)}, {moved} workload(s) moved onto theirs")
    return out


def _inherited(a: ServiceAccountPlan) -> str:
    """What the new ServiceAccount took over from the one it replaces, or could not."""
    if a.copied:
        return f"copied {', '.join(sorted(a.copied))} from ServiceAccount {a.replaces}"
    if a.source_found:
        return f"ServiceAccount {a.replaces} has no imagePullSecrets or automountServiceAccountToken to copy"
    if a.own_pull_secrets:
        return "its pod spec has imagePullSecrets of its own"
    return (f"ServiceAccount {a.namespace}/{a.replaces} is not in the input: if it carries imagePullSecrets "
            f"(a private registry), add them to {a.account} or to the pod spec")
