"""The analyzers inside a KRM pipeline: as a validator (kind IstioMeshValidator) and as
the generator's check of its own output. Findings become kpt results."""

from __future__ import annotations


from ..items import Item
from ..results import ERROR, INFO, WARNING, Result, Results
from ..settings import Settings
from . import runner
from .load import from_items, mesh_config_from
from .model import Finding

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

SEVERITY = {"Error": ERROR, "Warning": WARNING, "Info": INFO}


def to_result(f: Finding, fail_on: str) -> Result:
    """A kpt result. At or above ``fail_on`` it is an error, which fails the pipeline;
    below, it keeps its own level. The istioctl code and level stay in the tags."""
    severity = ERROR if runner.level_rank(f.level) >= runner.level_rank(fail_on) else SEVERITY[f.level]
    item = f.resource.item
    ref = item.ref() if item is not None else {
        "apiVersion": f.resource.api_version, "kind": f.resource.kind, "name": f.resource.name,
        **({"namespace": f.resource.namespace} if f.resource.namespace else {}),
    }
    return Result(
        message=f"[{f.code}] {f.message}",
        severity=severity,
        resource_ref=ref,
        field={"path": f.field} if f.field else None,
        file=item.file_ref() if item is not None else None,
        tags={"code": f.code, "name": f.name, "level": f.level, "analyzer": f.analyzer},
    )


def validate(items: list[Item], function_config: dict[str, Any], results: Results) -> list[Item]:
    """Validator mode: every item passes through untouched; findings are added."""
    from .config import load

    spec = load(function_config, results)
    if spec is None:
        return items
    resources = from_items(items)
    mesh = spec.mesh_config if spec.mesh_config is not None else mesh_config_from(resources)
    schema = spec.schema_ and runner.schema_available()
    findings = runner.run(resources, analyzers=spec.analyzers, mesh_config=mesh, schema=schema,
                          gateway_api_channel=spec.gateway_api_channel)
    for f in findings:
        results.append(to_result(f, spec.fail_on))
    counts = {level: sum(1 for f in findings if f.level == level) for level in runner.LEVELS}
    summary = ", ".join(_count(counts[level], level.lower()) for level in ("Error", "Warning", "Info"))
    skipped = "" if schema or not spec.schema_ else "; schema checks skipped: the schema analyzer is not installed"
    results.info(f"analyzed {_count(len(resources), 'object')}: {summary}{skipped}",
                 tags={k.lower(): str(v) for k, v in counts.items()})
    return items


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


# Analyzer module families (see runner.family) by the kind they report on, where the
# module's name differs from the kind's; istioctl has no PeerAuthentication or
# RequestAuthentication analyzer apart from the schema, and deprecation covers every kind.
FAMILY_OF_KIND = {"AuthorizationPolicy": "authz"}


GATEWAY_API_GROUPS = ("gateway.networking.k8s.io",)


def generated_families(settings: Settings, gateway_api: bool = False) -> frozenset[str]:
    """The families that report on the kinds this run generates, from the policy registry.
    ``gateway_api``: the run generated Gateway API objects (routes, a waypoint), whose
    checks live in the httproute and ambient families; their kind names would otherwise
    pick Istio's own Gateway checks."""
    from ..policies import POLICIES

    # Core kinds (a ServiceAccount, group "") have no Istio analyzer to run.
    kinds = {p.kind for p in POLICIES
             if p.kind and p.group and p.enabled(settings) and p.group not in GATEWAY_API_GROUPS}
    if settings.request_authentication.providers:
        kinds.add("AuthorizationPolicy")  # requireJwt pairs a DENY policy
    extra = {"httproute", "ambient"} if gateway_api else set()
    return frozenset({"deprecation"} | extra | {FAMILY_OF_KIND.get(k, k.lower()) for k in kinds})


def check_generated(items: list[Item], settings: Settings) -> Results:
    """The generator's own output, analyzed with everything around it. Only findings
    about generated objects are kept: each is a defect of the generator."""
    from ..core import is_generated

    out = Results()
    resources = from_items(items + _listed_namespaces(items, settings),
                           default_namespace=settings.default_namespace or "")
    mesh = mesh_config_from(resources) or {"rootNamespace": settings.mtls.root_namespace}
    # Generated Gateway API objects are always checked against the channel's CRDs: their
    # CEL rules are where a route goes wrong (backendRequest > request, a missing port).
    gateway = any(i.group in GATEWAY_API_GROUPS and is_generated(i) for i in items)
    schema = (settings.analyze.schema_ or gateway) and runner.schema_available()
    domain = settings.hosts.cluster_domain
    # Only analyzers that report on the kinds the generator makes can find a defect in
    # it; the others would cost start-up on every run and could only be filtered out.
    findings = runner.run(resources, mesh_config=mesh, schema=schema, cluster_domain=domain,
                          families=generated_families(settings, gateway), gateway_api_channel=settings.routing.gateway_api_channel)
    for f in findings:
        item = f.resource.item
        if f.name == "InternalError":
            # A crashed analyzer checked nothing: passing that off as a clean self-check
            # would hide a defect, so it fails the run whatever failOn says.
            out.append(to_result(f, "Info"))
        elif item is not None and is_generated(item):
            out.append(to_result(f, settings.analyze.fail_on))
    if any(is_generated(i) and i.kind == "AuthorizationPolicy" for i in items):
        _check_authorization(items, settings, out)
    return out


def _listed_namespaces(items: list[Item], settings: Settings) -> list[Item]:
    """Namespaces ``injection.namespaces`` puts on the mesh whose Namespace object is not in
    the input (it lives in another repository), labelled as the model takes them, for the
    analyzers only. Without them, istioctl's rules judge every pod there outside the mesh:
    a generated policy would be reported as selecting no workload (IST0127)."""
    from ..mesh.namespaces import wanted_labels

    labels = wanted_labels(settings.injection.mode, settings.injection.revision)
    if not labels or not settings.injection.namespaces:
        return []
    present = {i.name for i in items if i.kind == "Namespace" and i.group == ""}
    return [Item.from_obj({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": dict(labels)}})
            for ns in settings.injection.namespaces if ns not in present]


def _check_authorization(items: list[Item], settings: Settings, out: Results) -> None:
    """The generated AuthorizationPolicies, evaluated offline against the call graph:
    a needed call they deny is an error of the generator; a call they allow beyond the
    graph is a warning (a policy written by hand may be why)."""
    from .. import authzcheck
    from ..callgraph import Declared, infer
    from ..mesh import ingress
    from ..mesh.build import root_namespace
    from ..mesh.workloads import collect

    a = settings.authorization
    ns = settings.default_namespace or ""
    declared = [Declared(r.caller, r.to, f"authorization.allow[{i}]") for i, r in enumerate(a.allow)]
    graph = infer(items, settings.hosts.cluster_domain, declared=declared, default_namespace=ns,
                  infer_edges=a.infer_calls)
    pods = [(w.namespace, dict(w.pod_labels), w.service_account) for w in collect(items, ns, Results())]
    routes, _ = ingress.discover(items, settings, ns, pods)
    root, _ = root_namespace(items, settings)
    report = authzcheck.check(items, graph, tuple(routes), a.trust_domain, root, a.metrics_principals, ns)
    for who, ref, port in sorted(report.denied):
        out.error(f"self-check: the generated AuthorizationPolicies deny {who} -> {ref} port {port}, a call the "
                  "call graph needs", tags={"check": "authorization"})
    for who, ref, port in sorted(report.beyond):
        if who in a.metrics_principals:
            continue
        out.warning(f"self-check: the AuthorizationPolicies allow {who} -> {ref} port {port}, beyond the call graph",
                    tags={"check": "authorization"})
