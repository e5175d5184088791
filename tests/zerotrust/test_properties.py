"""Property: over random packages with random calls, the generated AuthorizationPolicies,
evaluated offline, deny no call the graph needs, and allow no stranger anything."""

from hypothesis import event, given, settings as hsettings, strategies as st

from fn import authzcheck
from fn.callgraph import infer
from fn.core import transform
from fn.settings import Authorization, Injection, Settings, VirtualServiceSettings
from krm import items_from_yaml
from robustness import packages as pk
from robustness._support import PROFILE

NS = ["shop", "web", "data"]
# Bare names (every port of the Service) are weighted up: random ports rarely match.
ADDRESS = ["{app}", "{app}.{ns}", "tcp://{app}.{ns}.svc", "{app}", "{app}:80", "{app}:8080", "{app}:5432", "http://{app}.{ns}:80/x", "{app}.{ns}.svc.cluster.local:9000",
           "grpc://{app}:9000", "https://api.example.com", "{app}:6379"]


@st.composite
def calling_workload(draw, app, ns, name, apps):
    sa = draw(st.sampled_from([None, app, "shared", name]))
    labels = [f"app: {app}"] + ([f"version: {draw(st.sampled_from(pk.VERSIONS))}"] if draw(st.booleans()) else [])
    env = []
    for i, (tapp, tns) in enumerate(draw(st.lists(st.sampled_from(apps), max_size=4))):
        env.append(f"        - {{name: A{i}, value: '{draw(st.sampled_from(ADDRESS)).format(app=tapp, ns=tns)}'}}")
    lines = ["apiVersion: apps/v1", "kind: Deployment", "metadata:", f"  name: {name}", f"  namespace: {ns}",
             "spec:", "  selector:", f"    matchLabels: {{app: {app}}}", "  template:", "    metadata:",
             "      labels:"] + [f"        {lb}" for lb in labels] + ["    spec:"]
    if sa:
        lines.append(f"      serviceAccountName: {sa}")
    lines += ["      containers:", f"      - name: {app}", f"        image: example/{app}:1",
              "        ports: [{name: http-web, containerPort: 8080}]", "        env:",
              "        - {name: FLAG, value: 'on'}"] + env
    return "\n".join(lines)


@st.composite
def package(draw):
    apps = draw(st.lists(st.tuples(st.sampled_from(pk.APPS), st.sampled_from(NS)), unique=True, min_size=2, max_size=6))
    items = [f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {n}, labels: {{istio-injection: enabled}}}}" for n in NS]
    for app, ns in apps:
        items.append(draw(pk.service(app, ns)))
        for i in range(draw(st.integers(1, 2))):
            items.append(draw(calling_workload(app, ns, f"{app}-{i}", apps)))
    return "\n---\n".join(items)


@hsettings(PROFILE)
@given(package(), st.sampled_from(["enforce", "dry-run"]))
def test_generated_policies_deny_no_inferred_call(text, mode):
    settings = Settings(authorization=Authorization(mode=mode))
    items, results = transform(items_from_yaml(text), settings)
    assert not [r for r in results if r.severity == "error"], [r.message for r in results if r.severity == "error"]
    graph = infer(items, "cluster.local")
    report = authzcheck.check(items, graph, (), "cluster.local", "istio-system")
    assert not report.denied
    assert not {t for t in report.allowed if t[0] == authzcheck.STRANGER}
    overlap = any("also select" in r.message for r in results)
    if not overlap:
        assert not report.beyond, sorted(report.beyond)[:5]


@hsettings(PROFILE)
@given(package())
def test_per_workload_accounts_are_distinct_allowed_and_stable(text):
    from collections import Counter

    from fn import yamlnodes as yn

    settings = Settings(authorization=Authorization(mode="enforce", service_accounts="per-workload"))
    items, results = transform(items_from_yaml(text), settings)
    assert not [r for r in results if r.severity == "error"], [r.message for r in results if r.severity == "error"]
    graph = infer(items, "cluster.local")
    accounts = Counter((w.ref.namespace, w.service_account) for w in graph.workloads)
    assert ("default" not in {sa for _, sa in accounts}) and max(accounts.values()) == 1, accounts
    assert not authzcheck.check(items, graph, (), "cluster.local", "istio-system").denied
    first = yn.serialize_all([i.node for i in items])
    again, _ = transform(items_from_yaml(first), settings)
    assert yn.serialize_all([i.node for i in again]) == first


def _ambient_service(text, opt_out, headless):
    """A Service of pk.service, opted out of the waypoint and/or headless."""
    if opt_out:
        text = text.replace("metadata:\n", "metadata:\n  labels: {istio.io/use-waypoint: none}\n", 1) \
            if "  labels:" not in text else text.replace("  labels: {", "  labels: {istio.io/use-waypoint: none, ", 1)
    if headless and "type: ExternalName" not in text:
        text = text.replace("spec:\n", "spec:\n  clusterIP: None\n", 1)
    return text


@st.composite
def ambient_package(draw):
    apps = draw(st.lists(st.tuples(st.sampled_from(pk.APPS), st.sampled_from(NS)), unique=True, min_size=2, max_size=6))
    items = [f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {n}}}" for n in NS]
    for app, ns in apps:
        items.append(_ambient_service(draw(pk.service(app, ns)), draw(st.integers(0, 4)) == 0,
                                      draw(st.integers(0, 4)) == 0))
        for i in range(draw(st.integers(1, 2))):
            items.append(draw(calling_workload(app, ns, f"{app}-{i}", apps)))
    return "\n---\n".join(items)


@hsettings(PROFILE)
@given(ambient_package(), st.sampled_from(["enforce", "dry-run"]), st.booleans())
def test_ambient_policies_with_waypoints_deny_no_inferred_call(text, mode, l7):
    # l7: route timeouts and retries, so HTTP Services get a waypoint; else ztunnel only.
    vs = VirtualServiceSettings() if l7 else VirtualServiceSettings(timeout=None, retries=None)
    settings = Settings(authorization=Authorization(mode=mode), injection=Injection(mode="ambient"),
                        virtual_service=vs)
    items, results = transform(items_from_yaml(text), settings)
    assert not [r for r in results if r.severity == "error"], [r.message for r in results if r.severity == "error"]
    graph = infer(items, "cluster.local")
    report = authzcheck.check(items, graph, (), "cluster.local", "istio-system")
    assert not report.denied, sorted(report.denied)[:5]
    assert not {t for t in report.allowed if t[0] == authzcheck.STRANGER}
    overlap = any("also select" in r.message for r in results)
    if not overlap:
        assert not report.beyond, sorted(report.beyond)[:5]
    # Which shape was exercised, for hypothesis' statistics (pytest --hypothesis-show-statistics).
    event("waypoint policies" if any(i.kind == "AuthorizationPolicy" and i.get("spec", "targetRefs")
                                     for i in items) else "ztunnel only")
