"""The shipped Gateway API CRD extracts: fresh against ../shared where it exists, and
complete enough to validate what the generator makes, on both channels."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "fn" / "analyze" / "schema" / "data"
sys.path.insert(0, str(ROOT / "scripts"))
import extract_crd_schemas  # noqa: E402

CHANNELS = ("standard", "experimental")


@pytest.mark.parametrize("channel", CHANNELS)
def test_extract_is_fresh(channel):
    source, target, label = extract_crd_schemas.SETS[f"gateway-api-{channel}"]
    if not source.exists():
        pytest.skip(f"{source} is absent (a fresh clone has no ../shared)")
    assert target.read_text(encoding="utf-8") == extract_crd_schemas.render(source.read_text(encoding="utf-8"), label)


@pytest.mark.parametrize("channel", CHANNELS)
def test_extract_serves_the_kinds_the_generator_makes(channel):
    shipped = json.loads((DATA / f"gateway-api-{channel}.schemas.json").read_text(encoding="utf-8"))
    v1 = shipped["kinds"]["gateway.networking.k8s.io/v1"]
    assert {"HTTPRoute", "GRPCRoute", "TCPRoute", "Gateway"} <= set(v1)
    assert "v1.6.1" in shipped["source"] and shipped["license"] == "Apache-2.0"
    # TCPRoute v1alpha2 is served (deprecated) on experimental only.
    alpha = shipped["kinds"].get("gateway.networking.k8s.io/v1alpha2", {})
    assert ("TCPRoute" in alpha) == (channel == "experimental")


def test_notice_names_the_gateway_api_source():
    notice = (DATA / "NOTICE.md").read_text(encoding="utf-8")
    assert "kubernetes-sigs/gateway-api v1.6.1" in notice and "Apache" in notice
