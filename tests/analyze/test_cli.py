"""``istio-mesh-fn analyze`` end to end: outputs, exit codes, inputs, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from .conftest import CONFORMANCE

TESTDATA = CONFORMANCE / "testdata"
ROOT = Path(__file__).resolve().parents[2]

BROKEN_VS = """\
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: cart
  namespace: shop
spec:
  hosts: [cart]
  http:
  - route:
    - destination:
        host: carts
"""
WARNING_ONLY = """\
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: db, namespace: shop}
spec:
  host: db.example.com
  trafficPolicy: {tls: {mode: SIMPLE, caCertificates: /etc/ca.pem}}
"""
INFO_ONLY = """\
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  ports: [{name: web, port: 80}]
"""


def analyze(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fn", "analyze", *args], input=stdin, capture_output=True,
                          text=True, cwd=ROOT, timeout=120)


def test_text_output_reads_like_istioctl(tmp_path):
    f = tmp_path / "vs.yaml"
    f.write_text(BROKEN_VS)
    p = analyze(str(f))
    assert p.returncode == 1
    assert p.stdout == (f'Error [IST0101] (VirtualService shop/cart {f}:11) Referenced host not found: "carts"\n')
    assert p.stderr == ""


def test_json_output_fields(tmp_path):
    f = tmp_path / "vs.yaml"
    f.write_text(BROKEN_VS)
    p = analyze("-o", "json", str(f))
    assert p.returncode == 1
    [finding] = json.loads(p.stdout)
    assert finding == {
        "code": "IST0101",
        "name": "ReferencedResourceNotFound",
        "level": "Error",
        "analyzer": "virtualservice.DestinationHostAnalyzer",
        "message": 'Referenced host not found: "carts"',
        "resource": {"apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "namespace": "shop",
                     "name": "cart"},
        "field": "spec.http[0].route[0].destination.host",
        "file": str(f),
        "line": 11,
    }


def test_yaml_output_and_unset_namespace():
    p = analyze("-o", "yaml", "--analyzers", "virtualservice.GatewayAnalyzer",
                str(TESTDATA / "virtualservice_internal_gateway_ref.yaml"))
    findings = yaml.safe_load(p.stdout)
    assert [(x["name"], x["resource"]["namespace"], x["resource"]["name"]) for x in findings] == [
        ("ReferencedInternalGateway", "", "httpbin")]
    assert p.returncode == 0  # a Warning, below the default --fail-on Error


def test_fail_on_levels(tmp_path):
    warn = tmp_path / "warn.yaml"
    warn.write_text(WARNING_ONLY.replace(", caCertificates: /etc/ca.pem", ""))
    info = tmp_path / "info.yaml"
    info.write_text(INFO_ONLY)
    assert analyze(str(warn)).returncode == 0
    assert analyze("--fail-on", "Warning", str(warn)).returncode == 1
    assert analyze("--fail-on", "warning", str(warn)).returncode == 1
    assert analyze("--fail-on", "Warning", str(info)).returncode == 0
    assert analyze("--fail-on", "Info", str(info)).returncode == 1


def test_clean_input(tmp_path):
    f = tmp_path / "ok.yaml"
    f.write_text(INFO_ONLY.replace("name: web, port", "name: http, port"))
    p = analyze(str(f))
    assert p.returncode == 0
    assert "No validation issues found" in p.stdout


def test_directory_is_read_recursively(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "vs.yml").write_text(BROKEN_VS)
    (tmp_path / "svc.json").write_text(json.dumps(yaml.safe_load(INFO_ONLY)))
    (tmp_path / "notes.txt").write_text("not: [yaml")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "junk.yaml").write_text("a: [")
    p = analyze("-o", "json", str(tmp_path))
    assert p.returncode == 1, p.stderr
    got = sorted((x["code"], x["file"]) for x in json.loads(p.stdout))
    assert got == [("IST0101", str(tmp_path / "a" / "b" / "vs.yml")), ("IST0118", str(tmp_path / "svc.json"))]


def test_stdin():
    p = analyze("-o", "json", "-", stdin=BROKEN_VS)
    assert p.returncode == 1
    assert [x["file"] for x in json.loads(p.stdout)] == ["<stdin>"]


def test_missing_file_is_one_clean_line(tmp_path):
    p = analyze(str(tmp_path / "nope.yaml"))
    assert p.returncode == 2
    assert p.stdout == ""
    assert p.stderr.count("\n") == 1 and "nope.yaml" in p.stderr and "Traceback" not in p.stderr


def test_invalid_yaml_names_file_and_line(tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text("apiVersion: v1\nkind: Service\nmetadata: {name: x\n")
    p = analyze(str(f))
    assert p.returncode == 2
    assert p.stderr.startswith(f"istio-mesh-fn analyze: error: {f}: line ")
    assert "invalid YAML" in p.stderr and p.stderr.count("\n") == 1


def test_duplicate_key_and_binary_input(tmp_path):
    dup = tmp_path / "dup.yaml"
    dup.write_text("apiVersion: v1\nkind: Service\nkind: Pod\nmetadata: {name: x}\n")
    p = analyze(str(dup))
    assert p.returncode == 2 and "duplicate key 'kind'" in p.stderr
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\x00\x01\x02")
    p = analyze(str(binary))
    assert p.returncode == 2 and "bin.yaml" in p.stderr and "Traceback" not in p.stderr


def test_non_objects_are_skipped_with_a_warning(tmp_path):
    f = tmp_path / "mixed.yaml"
    f.write_text("just a string\n---\n" + INFO_ONLY)
    p = analyze(str(f))
    assert p.returncode == 0
    assert "IST0118" in p.stdout
    assert "skipped document 0" in p.stderr


def test_mesh_config_file_changes_the_verdict():
    args = [str(TESTDATA / "serviceentry-missing-addresses-protocol.yaml")]
    assert "IST0134" in analyze(*args).stdout
    cfg = str(TESTDATA / "serviceentry-missing-addresses-protocol-mesh-cfg.yaml")
    assert "IST0134" not in analyze("--mesh-config", cfg, *args).stdout


def test_analyzer_selection(tmp_path):
    f = tmp_path / "vs.yaml"
    f.write_text(BROKEN_VS)
    p = analyze("--analyzers", "service.PortNameAnalyzer", str(f))
    assert p.returncode == 0
    p = analyze("--analyzers", "no.SuchAnalyzer", str(f))
    assert p.returncode == 2 and "unknown analyzer no.SuchAnalyzer" in p.stderr


def test_list_analyzers():
    p = analyze("--list-analyzers", "--no-schema")
    assert p.returncode == 0
    assert "virtualservice.DestinationRuleAnalyzer" in p.stdout.split()


def test_no_paths_is_usage_error():
    p = analyze()
    assert p.returncode == 2 and "no input" in p.stderr


def test_namespace_and_cluster_domain(tmp_path):
    f = tmp_path / "app.yaml"
    f.write_text(INFO_ONLY.replace("name: web, namespace: shop", "name: web").replace("name: web, port", "name: http, port")
                 + "---\n" + BROKEN_VS.replace("  namespace: shop\n", "").replace("host: carts", "host: web.shop.svc.corp.local"))
    assert analyze(str(f)).returncode == 1
    assert analyze("-n", "shop", str(f)).returncode == 1
    p = analyze("-n", "shop", "--cluster-domain", "corp.local", "-o", "json", str(f))
    assert p.returncode == 0, p.stdout
    assert json.loads(p.stdout) == []


def test_schema_checks_run_unless_turned_off(tmp_path):
    f = tmp_path / "vs.yaml"
    f.write_text(BROKEN_VS.replace("  hosts: [cart]\n", "  hosts: [cart]\n  colour: red\n"))
    with_schema = {x["code"] for x in json.loads(analyze("-o", "json", str(f)).stdout)}
    without = {x["code"] for x in json.loads(analyze("-o", "json", "--no-schema", str(f)).stdout)}
    assert without == {"IST0101"}
    assert with_schema == {"IST0101", "IST0106"}
