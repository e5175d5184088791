"""authorization.serviceAccounts: per-workload: a ServiceAccount of its own for each workload
that ran as default or shared one, the edit that makes it run as it, and the identities
every policy, the self-check and the graph then name."""

from __future__ import annotations

import json
import subprocess
import sys

import yaml

from fn.resourcelist import process
from fn.function import run as fn_run
from krm import by_kind, generate, generated, items_from_yaml

PER_WORKLOAD = {"authorization": {"mode": "enforce", "serviceAccounts": "per-workload"}}


def config(spec):
    return {"apiVersion": "istio-mesh-fn.dev/v1alpha1", "kind": "IstioMesh", "metadata": {"name": "m"}, "spec": spec}


def deployment(name, sa=None, env=(), kind="Deployment", extra_spec=""):
    sa_line = f"\n      serviceAccountName: {sa}" if sa else ""
    env_yaml = "".join(f"\n        - {{name: E{i}, value: '{v}'}}" for i, v in enumerate(env))
    return f"""apiVersion: apps/v1
kind: {kind}
metadata: {{name: {name}, namespace: shop}}
spec:
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:{sa_line}{extra_spec}
      containers:
      - name: c   # a comment of the person's
        image: example/{name}:1
        env:
        - {{name: X, value: '1'}}{env_yaml}
---
apiVersion: v1
kind: Service
metadata: {{name: {name}, namespace: shop}}
spec:
  selector: {{app: {name}}}
  ports: [{{name: http, port: 80, targetPort: 8080}}]"""


NS = "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {istio-injection: enabled}}"


def package(*docs):
    return "\n---\n".join((NS,) + docs)


def run(text, spec=PER_WORKLOAD, path=None):
    items, results = generate(items_from_yaml(text, path), config(spec))
    return generated(items), results, items


def item(items, name, kind="Deployment"):
    return next(i for i in items if i.kind == kind and i.name == name)


def runs_as(items, name, kind="Deployment"):
    return item(items, name, kind).get("spec", "template", "spec", "serviceAccountName")


def principals(objs, name):
    ap = by_kind(objs, "AuthorizationPolicy")[name]
    return {p for r in ap["spec"]["rules"] for f in r["from"] for p in f["source"]["principals"]}


def messages(results, severity=None):
    return [r.message for r in results if severity is None or r.severity == severity]


def errors(results):
    return messages(results, "error")


def pipe(text, spec):
    """The function's bytes out for a plain stream in, with this config."""
    return process(text.encode(), fn_run, config(spec))


def test_a_workload_on_default_gets_its_own_and_callers_are_named_by_it():
    objs, results, items = run(package(deployment("web", env=["http://cart"]), deployment("cart", sa="cart")))
    assert not errors(results)
    sa = by_kind(objs, "ServiceAccount")
    assert list(sa) == ["web"]
    assert sa["web"]["metadata"]["namespace"] == "shop"
    assert sa["web"]["metadata"]["annotations"]["istio-mesh-fn.dev/replaces"] == "default"
    assert runs_as(items, "web") == "web"
    assert principals(objs, "cart") == {"cluster.local/ns/shop/sa/web"}
    assert not [m for m in messages(results, "warning") if "default ServiceAccount" in m]
    info = [m for m in messages(results, "info") if m.startswith("Deployment shop/web: runs as its own")]
    assert len(info) == 1 and "ran as the default ServiceAccount" in info[0]
    # The default ServiceAccount is not in the input: whether it had pull secrets is unknown.
    assert "ServiceAccount shop/default is not in the input" in info[0]


def test_two_workloads_sharing_one_each_get_their_own():
    text = package(deployment("web", sa="shop", env=["http://cart"]), deployment("admin", sa="shop", env=["http://cart"]),
                   deployment("cart", sa="cart"))
    objs, results, items = run(text)
    assert not errors(results)
    assert sorted(by_kind(objs, "ServiceAccount")) == ["admin", "web"]
    assert (runs_as(items, "web"), runs_as(items, "admin"), runs_as(items, "cart")) == ("web", "admin", "cart")
    assert principals(objs, "cart") == {"cluster.local/ns/shop/sa/web", "cluster.local/ns/shop/sa/admin"}
    assert not [m for m in messages(results, "warning") if "shares ServiceAccount" in m]
    assert any("shared ServiceAccount shop with Deployment shop/admin" in m for m in messages(results, "info"))


def test_the_setting_off_changes_nothing():
    text = package(deployment("web", env=["http://cart"]), deployment("cart", sa="shop"), deployment("admin", sa="shop"))
    keep = pipe(text, {"authorization": {"mode": "enforce", "serviceAccounts": "keep"}})
    unset = pipe(text, {"authorization": {"mode": "enforce"}})
    assert keep.stdout == unset.stdout
    assert "kind: ServiceAccount" not in keep.stdout
    assert any("runs as the default ServiceAccount" in r.message for r in keep.results)
    # And with no config at all the workloads are written back as they came.
    plain = pipe(text, {})
    assert deployment("web", env=["http://cart"]).split("---")[0].strip() in plain.stdout


def test_a_workload_with_its_own_account_is_untouched_byte_for_byte():
    own = deployment("cart", sa="cart-sa")
    out = pipe(package(deployment("web", env=["http://cart"]), own), PER_WORKLOAD)
    assert out.exit_code == 0
    # The comment survives only where the item was copied as written, not re-emitted.
    assert own.split("---")[0].strip() in out.stdout
    docs = [d for d in yaml.safe_load_all(out.stdout) if d]
    assert [d["metadata"]["name"] for d in docs if d["kind"] == "ServiceAccount"] == ["web"]


def test_a_persons_account_with_the_wanted_name_is_never_reused():
    person = "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: web, namespace: shop}"
    objs, results, items = run(package(person, deployment("web", env=["http://cart"]), deployment("cart", sa="cart")))
    assert not errors(results)
    assert list(by_kind(objs, "ServiceAccount")) == ["web-deployment"]
    assert runs_as(items, "web") == "web-deployment"
    assert principals(objs, "cart") == {"cluster.local/ns/shop/sa/web-deployment"}
    assert person in pipe(package(person, deployment("web")), PER_WORKLOAD).stdout  # as written


def test_a_name_another_workload_keeps_is_not_taken_and_same_names_of_two_kinds_differ():
    text = package(deployment("cart", sa="web", env=["http://api"]), deployment("web", env=["http://api"]),
                   deployment("api", kind="StatefulSet", env=["http://cart"]),
                   deployment("api", env=["http://cart"]).split("---")[0])
    objs, results, items = run(text)
    assert not errors(results)
    assert runs_as(items, "cart") == "web"  # alone on it: its own already
    assert runs_as(items, "web") == "web-deployment"
    assert (runs_as(items, "api"), runs_as(items, "api", "StatefulSet")) == ("api", "api-statefulset")


def test_a_second_run_on_the_output_changes_nothing():
    person = "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: web, namespace: shop}\nimagePullSecrets: [{name: reg}]"
    text = package(person, deployment("web", sa="web", env=["http://cart"]), deployment("admin", sa="web"),
                   deployment("cart"))
    first = pipe(text, PER_WORKLOAD)
    assert first.exit_code == 0
    second = pipe(first.stdout, PER_WORKLOAD)
    assert second.exit_code == 0
    assert second.stdout == first.stdout
    assert first.stdout.count("kind: ServiceAccount") == 4  # the person's and three generated
    # The generated ones were recognised, pruned and generated again; no workload moved.
    assert not [r for r in second.results if "runs as its own ServiceAccount" in r.message]
    summary = next(r.message for r in second.results if "labelled namespaces" in r.message)
    assert "3 ServiceAccount" in summary and "moved onto theirs" in summary


def test_pull_secrets_and_token_automount_are_copied_from_the_replaced_account():
    old = ("apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: shared, namespace: shop}\n"
           "imagePullSecrets: [{name: registry-cred}]\nautomountServiceAccountToken: false\nsecrets: [{name: legacy}]")
    text = package(old, deployment("web", sa="shared", env=["http://cart"]), deployment("cart", sa="shared"))
    objs, results, _ = run(text)
    for name in ("web", "cart"):
        sa = by_kind(objs, "ServiceAccount")[name]
        assert sa["imagePullSecrets"] == [{"name": "registry-cred"}]
        assert sa["automountServiceAccountToken"] is False
        assert "secrets" not in sa
    assert any("copied automountServiceAccountToken, imagePullSecrets from ServiceAccount shared" in m
               for m in messages(results, "info"))
    # A later change to the old account reaches the new ones on the next run.
    first = pipe(text, PER_WORKLOAD)
    changed = first.stdout.replace("registry-cred", "registry-cred-2", 1)
    again = yaml.safe_load_all(pipe(changed, PER_WORKLOAD).stdout)
    pulls = {d["metadata"]["name"]: d.get("imagePullSecrets") for d in again if d and d["kind"] == "ServiceAccount"}
    assert pulls == {"shared": [{"name": "registry-cred-2"}], "web": [{"name": "registry-cred-2"}],
                     "cart": [{"name": "registry-cred-2"}]}


def test_the_deprecated_service_account_field_is_set_alike():
    text = package(deployment("web", sa="shop", extra_spec="\n      serviceAccount: shop", env=["http://cart"]),
                   deployment("cart", sa="shop"))
    _, results, items = run(text)
    assert not errors(results)
    spec = item(items, "web").get("spec", "template", "spec")
    assert spec["serviceAccountName"] == spec["serviceAccount"] == "web"
    assert "serviceAccount" not in item(items, "cart").get("spec", "template", "spec")


def test_the_edit_keeps_the_rest_of_the_workload():
    text = package(deployment("web", env=["http://cart"]), deployment("cart", sa="cart"))
    before = item(items_from_yaml(text), "web").obj
    _, _, items = run(text)
    after = item(items, "web").obj
    after["spec"]["template"]["spec"].pop("serviceAccountName")
    assert after == before


def test_a_cronjob_and_a_pod_are_edited_at_their_pod_spec():
    cron = """apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: shop}
spec:
  schedule: "@daily"
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{name: c, image: x, env: [{name: C, value: "http://cart"}]}]"""
    pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: debug, namespace: shop}\nspec: {containers: [{name: c, image: x}]}"
    objs, results, items = run(package(cron, pod, deployment("cart", sa="cart")))
    assert not errors(results)
    assert item(items, "nightly", "CronJob").get("spec", "jobTemplate", "spec", "template", "spec",
                                                 "serviceAccountName") == "nightly"
    assert item(items, "debug", "Pod").get("spec", "serviceAccountName") == "debug"
    assert principals(objs, "cart") == {"cluster.local/ns/shop/sa/nightly"}


def test_a_rollout_borrowing_a_template_keeps_its_identity_with_a_warning():
    rollout = """apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web, namespace: shop}
spec:
  workloadRef: {apiVersion: apps/v1, kind: Deployment, name: web-template}"""
    template = deployment("web-template", env=["http://cart"]).split("---")[0]
    text = package(rollout, template, deployment("cart", sa="cart"))
    _, results, items = run(text)
    assert rollout in pipe(text, PER_WORKLOAD).stdout
    assert any("Rollout shop/web" in m and "spec.workloadRef" in m for m in messages(results, "warning"))


def test_only_application_namespaces():
    system = deployment("dns", env=["http://cart"]).replace("namespace: shop", "namespace: kube-system")
    root = deployment("tool").replace("namespace: shop", "namespace: istio-system")
    objs, _, items = run(package(system, root, deployment("cart", sa="cart")))
    assert not by_kind(objs, "ServiceAccount")
    assert runs_as(items, "dns") is None and runs_as(items, "tool") is None


def test_placed_beside_the_workload_file():
    objs, results, _ = run(package(deployment("web", env=["http://cart"]), deployment("cart", sa="cart")),
                           path="apps/shop/app.yaml")
    assert not errors(results)
    sa = by_kind(objs, "ServiceAccount")["web"]
    assert sa["metadata"]["annotations"]["internal.config.kubernetes.io/path"] == "apps/shop/istio-serviceaccount.yaml"


def test_bindings_of_the_old_account_are_named_until_the_new_one_is_added():
    binding = """apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects: [{kind: ServiceAccount, name: shop}%s]"""
    text = package(deployment("web", sa="shop", env=["http://cart"]), deployment("cart", sa="shop"), binding % "")
    _, results, _ = run(text)
    warned = [m for m in messages(results, "warning") if "RoleBinding shop/reader" in m]
    assert len(warned) == 2 and any("add shop/web to its subjects" in m for m in warned)
    both = binding % ", {kind: ServiceAccount, name: web, namespace: shop}, {kind: ServiceAccount, name: cart, namespace: shop}"
    _, results, _ = run(package(deployment("web", sa="shop", env=["http://cart"]), deployment("cart", sa="shop"), both))
    assert not [m for m in messages(results, "warning") if "RoleBinding" in m]


def test_back_to_keep_the_accounts_workloads_still_run_as_stay():
    text = package(deployment("web", env=["http://cart"]), deployment("cart", sa="cart"))
    first = pipe(text, PER_WORKLOAD)
    back = pipe(first.stdout, {"authorization": {"mode": "enforce"}})
    assert back.exit_code == 0
    docs = [d for d in yaml.safe_load_all(back.stdout) if d]
    assert [d["metadata"]["name"] for d in docs if d["kind"] == "ServiceAccount"] == ["web"]
    assert any("which an earlier run generated" in r.message and r.severity == "warning" for r in back.results)


def test_the_self_check_sees_the_new_identities():
    # The self-check infers the graph from the edited output: a model that named the old
    # identities would deny the calls and fail the run.
    _, results, _ = run(package(deployment("web", env=["http://cart"]), deployment("admin", env=["http://cart"]),
                                deployment("cart", sa="cart")))
    assert not errors(results)
    assert not [m for m in messages(results) if m.startswith("self-check")]


def test_graph_with_the_config_names_the_new_accounts_and_allows_the_calls(tmp_path):
    (tmp_path / "in.yaml").write_text(package(deployment("web", env=["http://cart"]), deployment("cart", sa="cart")))
    (tmp_path / "cfg.yaml").write_text(yaml.safe_dump(config(PER_WORKLOAD)))
    out = subprocess.run([sys.executable, "-m", "fn", "graph", "-o", "json", "--config", str(tmp_path / "cfg.yaml"),
                          str(tmp_path / "in.yaml")], capture_output=True, text=True, check=True)
    graph = json.loads(out.stdout)
    accounts = {n["name"]: n["serviceAccountName"] for n in graph["nodes"] if n["type"] == "workload"}
    assert accounts == {"web": "web", "cart": "cart"}
    assert [e["allowed"] for e in graph["edges"]] == [True]


def test_it_works_without_authorization_policies():
    objs, results, items = run(package(deployment("web", env=["http://cart"]), deployment("cart", sa="cart")),
                               {"authorization": {"serviceAccounts": "per-workload"}})
    assert not errors(results)
    assert list(by_kind(objs, "ServiceAccount")) == ["web"] and not by_kind(objs, "AuthorizationPolicy")
    assert runs_as(items, "web") == "web"


def test_a_wrong_value_names_the_field_and_the_value():
    out = pipe(package(deployment("web")), {"authorization": {"serviceAccounts": "perWorkload"}})
    assert out.exit_code == 1
    assert any(r.severity == "error" and "spec.authorization.serviceAccounts" in r.message and "'perWorkload'" in r.message
               for r in out.results)
