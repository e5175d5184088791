"""``istio-mesh-fn graph`` end to end, and the README's graphs kept current."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).parent / "data"


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fn", "graph", *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, check=False)


def readme_graphs() -> list[tuple[str, str]]:
    text = (ROOT / "README.md").read_text()
    section = text.split("<!-- callgraph:start -->", 1)[1].split("<!-- callgraph:end -->", 1)[0]
    return re.findall(r"<!-- callgraph: (\S+) -->\n```mermaid\n(.*?)```\n", section, re.S)


def test_readme_has_the_kustomization_example_graph():
    assert "kustomization-example/base" in [path for path, _ in readme_graphs()]


@pytest.mark.parametrize(("path", "block"), readme_graphs(), ids=[p for p, _ in readme_graphs()])
def test_readme_graph_is_the_commands_output(path, block):
    result = run(path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == block, f"README's graph of {path} is stale: rerun istio-mesh-fn graph {path}"


def test_mermaid_is_the_default_and_draws_every_edge():
    out = run(str(DATA / "platform.yaml")).stdout
    lines = out.splitlines()
    assert lines[0] == "flowchart LR"
    assert sum("-->" in line or "-.->" in line for line in lines) == 10  # 8 calls + 2 external
    assert '  subgraph ns0["namespace data"]' in lines
    assert any('-.->|"cart:8080"|' in line for line in lines)  # declared only: dashed
    assert any(line.strip().startswith("n") and '{{"smtp.sendgrid.net:587"}}' in line for line in lines)


def test_json_has_nodes_edges_evidence_and_external_hosts():
    result = run("-o", "json", str(DATA / "platform.yaml"))
    doc = json.loads(result.stdout)
    edge = next(e for e in doc["edges"] if e["from"] == "CronJob/shop/nightly-report")
    assert edge["to"] == "Service/shop/reports"
    assert edge["ports"] == [8081]
    assert edge["targets"] == ["Deployment/shop/reports"]
    assert edge["allowed"] is None
    assert edge["evidence"] == [{
        "source": "command", "item": "CronJob shop/nightly-report", "file": str(DATA / "platform.yaml"),
        "field": "spec.jobTemplate.spec.template.spec.containers[0].command[4]",
        "text": "http://reports.shop.svc.cluster.local:8081/run", "port": 8081}]
    orders = next(n for n in doc["nodes"] if n["id"] == "Deployment/shop/orders")
    assert orders["serviceAccountName"] == "orders"
    assert orders["podLabels"] == {"app": "orders", "version": "v1"}
    kafka = next(n for n in doc["nodes"] if n["id"] == "Service/data/kafka-headless")
    assert kafka["headless"] is True
    assert kafka["ports"][0] == {"port": 9092, "name": "tcp-client", "protocol": "TCP", "targetPort": "client"}
    assert {(x["host"], x["port"], x["scheme"]) for x in doc["external"]} == {
        ("api.stripe.com", 443, "https"), ("smtp.sendgrid.net", 587, None)}
    assert len(doc["notes"]) == 1
    assert "note:" in result.stderr and "http://orders:9999" in result.stderr


def test_dot():
    out = run("-o", "dot", str(DATA / "sockshop.yaml")).stdout
    assert out.startswith("digraph callgraph {\n") and out.endswith("}\n")
    assert "subgraph cluster_0 {" in out
    assert out.count(" -> ") == 15  # 14 calls + api.stripe.com
    assert '[label="rabbitmq:5672"]' in out
    assert "shape=hexagon" in out


def test_reads_stdin_and_directories():
    text = (DATA / "boutique.yaml").read_text()
    from_stdin = run(stdin=text)
    from_dash = run("-", stdin=text)
    assert from_stdin.returncode == 0 and from_stdin.stdout == from_dash.stdout
    assert from_stdin.stdout.count("-->") == 16
    from_dir = run("kustomization-example/base")
    assert from_dir.stdout.count("([") == 6


def test_bad_input_exits_2_with_a_message():
    missing = run("no/such/file.yaml")
    assert missing.returncode == 2
    assert "no/such/file.yaml" in missing.stderr and "Traceback" not in missing.stderr
    broken = run(stdin="kind: [\n")
    assert broken.returncode == 2 and "<stdin>" in broken.stderr and "Traceback" not in broken.stderr
    usage = run("-o", "svg")
    assert usage.returncode == 2 and "invalid choice" in usage.stderr


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
@pytest.mark.parametrize("name", ["boutique.yaml", "sockshop.yaml", "platform.yaml"])
def test_graphviz_accepts_the_dot(name):
    out = run("-o", "dot", str(DATA / name)).stdout
    result = subprocess.run(["dot", "-Tsvg"], input=out, capture_output=True, text=True, check=False)
    assert result.returncode == 0 and not result.stderr, result.stderr
