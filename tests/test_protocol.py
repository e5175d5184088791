"""The KRM protocol and the plain-stream mode, through the real CLI process."""

import subprocess
import sys
from pathlib import Path

import yaml

from krm import resource_list

ROOT = Path(__file__).resolve().parents[1]
FN = Path(sys.executable).with_name("istio-mesh-fn")

SERVICE = """
apiVersion: v1
kind: Service
metadata: {name: cart, namespace: shop}
spec:
  selector: {app: cart}
  ports: [{name: http, port: 80}]
"""


def cli(*args, stdin: bytes = b"", exe=None):
    cmd = [str(exe)] if exe else [sys.executable, "-m", "fn"]
    return subprocess.run(cmd + list(args), input=stdin, capture_output=True, timeout=60)


def test_console_script_and_module_both_work():
    data = resource_list(SERVICE)
    a, b = cli(stdin=data), cli(stdin=data, exe=FN)
    assert a.returncode == b.returncode == 0
    assert a.stdout == b.stdout and a.stdout.startswith(b"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n")


def test_every_item_and_annotation_passes_through():
    text = """
apiVersion: kpt.dev/v1
kind: Kptfile
metadata:
  name: pkg
  annotations:
    config.kubernetes.io/local-config: "true"
    internal.config.kubernetes.io/path: Kptfile
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: kptfile.kpt.dev
  annotations:
    config.kubernetes.io/local-config: "true"
    internal.config.kubernetes.io/path: package-context.yaml
    config.k8s.io/id: "7"
    kustomize.config.k8s.io/id: "abc"
    internal.config.kubernetes.io/seqindent: compact
data: {name: pkg}
""" + "---\n" + SERVICE
    out = cli(stdin=resource_list(text))
    assert out.returncode == 0, out.stderr
    rl = yaml.safe_load(out.stdout)
    sent = [d for d in yaml.safe_load_all(text) if d]
    assert rl["items"][: len(sent)] == sent


def test_an_alias_to_another_item_is_expanded_and_the_anchoring_item_kept_as_written():
    # kpt reads each item on its own: an alias may only point inside its item. The item
    # that defines the anchor is untouched, so it is written back as it was read.
    first = b"""- apiVersion: v1
  kind: ConfigMap
  metadata: {name: a, labels: &l {team: x}}
  data: {}
"""
    text = b"""apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
""" + first + b"""- apiVersion: v1
  kind: Secret
  metadata: {name: b, labels: *l}
"""
    out = cli(stdin=text)
    assert out.returncode == 0, out.stderr
    assert first in out.stdout
    assert b"*l" not in out.stdout and out.stdout.count(b"&l") == 1
    rl = yaml.safe_load(out.stdout)
    assert rl["items"][1]["metadata"]["labels"] == {"team": "x"}


def test_error_result_means_exit_1_and_stderr_message():
    cfg = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {timeout: thirty}\n"
    out = cli(stdin=resource_list(SERVICE, cfg))
    assert out.returncode == 1
    assert b"data.timeout" in out.stderr and b"thirty" in out.stderr
    rl = yaml.safe_load(out.stdout)
    assert [r["severity"] for r in rl["results"]] == ["error"]
    assert len(rl["items"]) == 1  # handed back untouched, nothing generated


def test_info_results_only_mean_exit_0():
    # With its workload, so that nothing about the Service is worth a warning.
    deployment = ("---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: cart, namespace: shop}\n"
                  "spec: {template: {metadata: {labels: {app: cart}}}}\n")
    out = cli(stdin=resource_list(SERVICE + deployment))
    rl = yaml.safe_load(out.stdout)
    assert out.returncode == 0 and {r["severity"] for r in rl["results"]} == {"info"}
    assert out.stderr == b""


def test_plain_stream_mode_with_config_file(tmp_path):
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text("apiVersion: istio-mesh-fn.dev/v1alpha1\nkind: IstioMesh\nmetadata: {name: m}\n"
                   "spec: {virtualService: {timeout: 5s}}\n")
    out = cli("--config", str(cfg), stdin=SERVICE.encode())
    assert out.returncode == 0, out.stderr
    docs = list(yaml.safe_load_all(out.stdout))
    assert [d["kind"] for d in docs] == ["Service", "VirtualService", "PeerAuthentication"]
    assert docs[1]["spec"]["http"][0]["timeout"] == "5s"
    assert out.stdout.startswith(b"---\napiVersion: v1\nkind: Service\n")


def test_plain_stream_failure_prints_nothing_on_stdout(tmp_path):
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {bogus: x}\n")
    out = cli("--config", str(cfg), stdin=SERVICE.encode())
    assert out.returncode == 1 and out.stdout == b""
    assert b"data.bogus: unknown key" in out.stderr


def test_files_as_arguments_and_kubectl_list():
    lst = {"apiVersion": "v1", "kind": "List", "items": [yaml.safe_load(SERVICE)]}
    out = cli(stdin=yaml.safe_dump(lst).encode())
    assert out.returncode == 0, out.stderr
    assert [d["kind"] for d in yaml.safe_load_all(out.stdout)] == ["Service", "VirtualService", "PeerAuthentication"]
    out = cli(str(ROOT / "kustomization-example/base/services/ms-identity/service.yaml"))
    assert out.returncode == 0 and b"host: ms-identity" in out.stdout


def test_missing_config_file_is_a_clear_error():
    out = cli("--config", "/nonexistent.yaml", stdin=SERVICE.encode())
    assert out.returncode == 1
    assert out.stderr.startswith(b"istio-mesh-fn: error: cannot read --config /nonexistent.yaml")


def test_schema_subcommand_prints_the_committed_schema():
    out = cli("schema")
    assert out.returncode == 0
    assert out.stdout.decode() == (ROOT / "fn/schema/function-config.schema.json").read_text()
