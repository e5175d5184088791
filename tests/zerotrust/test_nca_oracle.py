"""The external oracle: IBM's network-config-analyzer (PyPI) evaluates Istio
AuthorizationPolicies offline. Its connectivity map of the generated policies must equal
what fn/authzcheck.py computes, on the golden cases and on random packages.

NCA pins PyYAML==6.0.2, so it runs from its own venv (`make nca`, .venv-nca); the test
builds it when missing and is skipped, saying why, when it cannot be installed (no
network, no wheel for this Python)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings as hsettings

from fn import authzcheck
from fn.callgraph import infer
from fn.core import transform
from fn.settings import Authorization, Settings
from krm import items_from_yaml

from .test_properties import package

ROOT = Path(__file__).resolve().parents[2]
NCA = Path(os.environ.get("NCA_BIN") or ROOT / ".venv-nca" / "bin" / "nca")
KINDS = {"Namespace", "Deployment", "StatefulSet", "DaemonSet", "Service", "AuthorizationPolicy"}
LINE = re.compile(r"^(\S+)/(\S+)\[(\w+)\] => (\S+)/(\S+)\[(\w+)\] : (.*)$")


@pytest.fixture(scope="module")
def nca() -> Path:
    if not NCA.exists():
        make = shutil.which("make")
        if make is None:
            pytest.skip("network-config-analyzer is not installed and make is missing")
        done = subprocess.run([make, "-C", str(ROOT), "nca", f"PYTHON={sys.executable}"], capture_output=True,
                              text=True, timeout=900)
        if done.returncode != 0 or not NCA.exists():
            pytest.skip("network-config-analyzer could not be installed into .venv-nca (`make nca`): "
                        + (done.stderr.strip().splitlines() or ["no output"])[-1])
    return NCA


def _ports(text: str) -> set[int] | None:
    """None for 'All connections', else the destination ports NCA lists."""
    if text.strip() == "All connections":
        return None
    out: set[int] = set()
    for m in re.finditer(r"dst_ports:([0-9,\-]+)", text):
        for part in m.group(1).split(","):
            lo, _, hi = part.partition("-")
            out.update(range(int(lo), int(hi or lo) + 1))
    return out


def nca_pairs(nca: Path, objs: list[dict], tmp: Path, universe: dict) -> set[tuple]:
    """(caller workload, callee workload, port) NCA allows over TCP, for the ports in ``universe``."""
    path = tmp / "config.yaml"
    path.write_text(yaml.safe_dump_all([o for o in objs if o["kind"] in KINDS]))
    out = subprocess.run([str(nca), "--connectivity", str(path), "--resource_list", str(path), "--output_format",
                          "txt_no_fw_rules", "--output_endpoints", "deployments"], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode in (0, 1) or "TCP Connections" in out.stdout, out.stderr[-2000:]
    tcp = out.stdout.split("TCP Connections:", 1)[1].split("non-TCP Connections:", 1)[0]
    pairs = set()
    for line in tcp.splitlines():
        m = LINE.match(line.strip())
        if not m:
            continue
        src = (m.group(3), m.group(1), m.group(2))
        dst = (m.group(6), m.group(4), m.group(5))
        ports = _ports(m.group(7))
        for port in universe.get(dst, set()):
            if ports is None or port in ports:
                pairs.add((src, dst, port))
    return pairs


def ours(items, graph, report) -> tuple[set[tuple], dict]:
    """The checker's allowed triples, from principals to the workloads that run as them."""
    by_principal: dict[str, list] = {}
    for w in graph.workloads:
        by_principal.setdefault(f"cluster.local/ns/{w.ref.namespace}/sa/{w.service_account}", []).append(w.ref)
    pairs, universe = set(), {}
    checked = set(report.checked)
    for who, callee, port in report.allowed:
        for caller in by_principal.get(who, []):
            if caller != callee:
                pairs.add(((caller.kind, caller.namespace, caller.name), (callee.kind, callee.namespace, callee.name), port))
    for who, callee, port in report.allowed | report.needed:
        universe.setdefault((callee.kind, callee.namespace, callee.name), set()).add(port)
    for w in graph.workloads:
        if w.ref in checked:
            universe.setdefault((w.ref.kind, w.ref.namespace, w.ref.name), set())
    return pairs, universe


def _compare(nca: Path, items, tmp: Path) -> tuple[set, set]:
    graph = infer(items, "cluster.local")
    report = authzcheck.check(items, graph, (), "cluster.local", "istio-system")
    mine, universe = ours(items, graph, report)
    theirs = {t for t in nca_pairs(nca, [i.obj for i in items], tmp, universe) if t[0] != t[1]}
    workloads = {(w.ref.kind, w.ref.namespace, w.ref.name) for w in graph.workloads}
    theirs = {t for t in theirs if t[0] in workloads}
    return mine, theirs


def test_nca_agrees_on_the_enforce_golden_case(nca, tmp_path):
    out = yaml.safe_load((ROOT / "tests/golden/authz-enforce/expected.yaml").read_text())
    items = items_from_yaml(yaml.safe_dump_all(out["items"]))
    mine, theirs = _compare(nca, items, tmp_path)
    assert mine and mine == theirs


@hsettings(max_examples=int(os.environ.get("NCA_EXAMPLES", "15")), deadline=None)
@given(package())
def test_nca_agrees_on_random_packages(nca, tmp_path_factory, text):
    items, _ = transform(items_from_yaml(text), Settings(authorization=Authorization(mode="enforce")))
    mine, theirs = _compare(nca, items, tmp_path_factory.mktemp("nca"))
    assert mine == theirs, (sorted(mine - theirs)[:5], sorted(theirs - mine)[:5])
