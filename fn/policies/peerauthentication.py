"""PeerAuthentication: what mTLS servers accept, mesh-wide or per namespace.

Reads: the model's root namespace, mesh namespaces and the input's PeerAuthentications,
and the ``mtls`` section."""

from __future__ import annotations


from ..mesh import MeshModel
from ..settings import Settings
from .base import Generated, Output, metadata, path_for

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

API_VERSION = "security.istio.io/v1"
KIND = "PeerAuthentication"


def build(*, namespace: str, mode: str, name: str = "default") -> dict[str, Any]:
    # "default" with no selector is the one policy per namespace Istio applies to all
    # workloads there; in the root namespace it is mesh-wide.
    return {"apiVersion": API_VERSION, "kind": KIND, "metadata": metadata(name, namespace),
            "spec": {"mtls": {"mode": mode}}}


def generate(model: MeshModel, settings: Settings) -> Output:
    out = Output()
    m = settings.mtls
    if m.mode != "STRICT":
        out.results.warning(f"mTLS mode {m.mode} was chosen explicitly: workloads accept plaintext. "
                            "STRICT is the secure default.")
    if not model.mesh_namespaces:
        return out
    targets = [model.root_namespace] if m.scope == "mesh" else list(model.mesh_namespaces)
    for ns in targets:
        if (KIND, ns, "default") in model.user.names:
            ref = {"apiVersion": API_VERSION, "kind": KIND, "name": "default", **({"namespace": ns} if ns else {})}
            enforced = model.namespace(ns).mtls
            if enforced == m.mode:
                out.results.info(f"kept the PeerAuthentication {ns + '/' if ns else ''}default written by hand; "
                                 "generated none", resource_ref=ref)
            else:
                out.results.warning(
                    f"kept the PeerAuthentication {ns + '/' if ns else ''}default written by hand and generated "
                    f"none, so {m.mode} is not what is enforced there: {enforced} ({model.namespace(ns).mtls_reason})",
                    resource_ref=ref)
            continue
        if m.scope == "mesh" and not model.root_in_package:
            out.results.info(
                f"generated the mesh-wide PeerAuthentication {ns}/default from a package that holds only "
                f"application namespaces; if several packages do the same they all claim {ns}/default. "
                "Consider mtls.scope: namespace in application packages.",
                resource_ref={"apiVersion": API_VERSION, "kind": KIND, "name": "default", "namespace": ns})
        values = {"name": "default", "namespace": ns}
        out.objects.append(Generated(build(namespace=ns, mode=m.mode), path_for(settings.paths.peer_authentication,
                                                                                 settings, "", values)))
    return out
