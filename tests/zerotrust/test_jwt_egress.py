"""RequestAuthentication with requireJwt, and egress: ServiceEntries and Sidecars."""

import pytest

from krm import generate, generated, items_from_yaml
from fn.results import Results
from fn.settings import load_settings

from .test_authorization import SHOP, app, ns, policies, run, typed

ISSUER = {"name": "idp", "issuer": "https://idp.example.com/", "jwksUri": "https://idp.example.com/jwks.json"}


def test_request_authentication_alone_says_tokenless_requests_pass():
    objs, results, _ = run(SHOP, {"requestAuthentication": {"providers": [ISSUER]}})
    ras = [o for o in objs if o["kind"] == "RequestAuthentication"]
    assert [(o["metadata"]["namespace"], o["metadata"]["name"]) for o in ras] == [("shop", "jwt-idp")]
    assert ras[0]["spec"] == {"jwtRules": [{"issuer": ISSUER["issuer"], "jwksUri": ISSUER["jwksUri"]}]}
    assert not policies(objs)
    assert any("requests without a token still pass" in r.message for r in results)


def test_require_jwt_pairs_a_deny_on_http_ports_only():
    provider = {**ISSUER, "workloads": ["shop/api", "db"], "requireJwt": True, "audiences": ["a"],
                "forwardOriginalToken": True}
    objs, results, _ = run(SHOP, {"requestAuthentication": {"providers": [provider]}})
    ras = {o["metadata"]["name"]: o for o in objs if o["kind"] == "RequestAuthentication"}
    assert ras["jwt-idp-api"]["spec"]["selector"] == {"matchLabels": {"app": "api"}}
    assert ras["jwt-idp-api"]["spec"]["jwtRules"][0]["audiences"] == ["a"]
    assert ras["jwt-idp-api"]["spec"]["jwtRules"][0]["forwardOriginalToken"] is True
    denies = {o["metadata"]["name"]: o for o in policies(objs)}
    assert denies["require-jwt-idp-api"]["spec"] == {
        "selector": {"matchLabels": {"app": "api"}}, "action": "DENY",
        "rules": [{"from": [{"source": {"notRequestPrincipals": ["*"]}}], "to": [{"operation": {"ports": ["8080"]}}]}]}
    # db serves only a TCP port: a DENY on notRequestPrincipals there would deny every connection.
    assert "require-jwt-idp-db" not in denies
    assert any("shop/db: requireJwt covers only its HTTP ports" in r.message for r in results)


def test_jwks_and_jwks_uri_are_exclusive():
    results = Results()
    bad = {**ISSUER, "jwks": "{}"}
    assert load_settings(typed({"requestAuthentication": {"providers": [bad]}}), results) is None
    assert any("exactly one of jwksUri and jwks" in r.message for r in results)


EXTERNAL = "\n---\n".join([ns("shop"), ns("pay"),
                           app("web", sa="web", env=["http://api.pay:80", "https://api.stripe.com/v1", "http://status.example.com"]),
                           app("api", namespace="pay", sa="api", env=["smtp.sendgrid.net:587"])])


def test_service_entries_per_calling_namespace_with_protocols():
    objs, results, _ = run(EXTERNAL, {"egress": {"mode": "registry-only"}})
    ses = {(o["metadata"]["namespace"], o["metadata"]["name"]): o["spec"] for o in objs if o["kind"] == "ServiceEntry"}
    assert set(ses) == {("shop", "api.stripe.com"), ("shop", "status.example.com"), ("pay", "smtp.sendgrid.net")}
    stripe = ses[("shop", "api.stripe.com")]
    assert stripe == {"hosts": ["api.stripe.com"], "location": "MESH_EXTERNAL", "resolution": "DNS",
                      "ports": [{"number": 443, "name": "tls-443", "protocol": "TLS"}], "exportTo": ["."]}
    assert ses[("shop", "status.example.com")]["ports"] == [{"number": 80, "name": "http-80", "protocol": "HTTP"}]
    assert ses[("pay", "smtp.sendgrid.net")]["ports"][0]["protocol"] == "TCP"
    assert any("smtp.sendgrid.net: TCP port(s) 587 need the host's addresses" in r.message for r in results)
    assert any("outboundTrafficPolicy" in r.message and "REGISTRY_ONLY" in r.message for r in results)


def test_sidecar_per_sidecar_namespace_lists_own_root_and_callee_namespaces():
    """External hosts are reached through ./*: their ServiceEntries live in the namespace
    (exportTo "."), and Istio's validation warns about a host listed twice."""
    objs, _, _ = run(EXTERNAL, {"egress": {"mode": "registry-only"}})
    sidecars = {o["metadata"]["namespace"]: o["spec"] for o in objs if o["kind"] == "Sidecar"}
    assert sidecars["shop"]["egress"] == [{"hosts": ["./*", "istio-system/*", "pay/*"]}]
    assert sidecars["pay"]["egress"] == [{"hosts": ["./*", "istio-system/*"]}]
    assert sidecars["shop"]["outboundTrafficPolicy"] == {"mode": "REGISTRY_ONLY"}


def test_no_sidecar_in_ambient_namespaces():
    amb = EXTERNAL.replace("{istio-injection: enabled}", "{istio.io/dataplane-mode: ambient}")
    objs, _, _ = run(amb, {"egress": {"mode": "registry-only"}, "injection": {"mode": "ambient"}})
    assert not [o for o in objs if o["kind"] == "Sidecar"]
    assert [o for o in objs if o["kind"] == "ServiceEntry"]


@pytest.mark.parametrize("spec", [{"egress": {"mode": "registry-only"}}, {"authorization": {"mode": "enforce"}},
                                  {"requestAuthentication": {"providers": [{**ISSUER, "requireJwt": True}]}}])
def test_rerun_is_stable(spec):
    first, _ = generate(items_from_yaml(EXTERNAL), typed(spec))
    second, _ = generate(first, typed(spec))
    assert [i.obj for i in first] == [i.obj for i in second]
    assert generated(first)


@pytest.mark.parametrize("case", ["authz-enforce", "authz-dry-run", "jwt", "egress"])
def test_generated_zero_trust_objects_pass_istio_schemas_and_analyzers(case):
    """The self-check with Istio's CRD schemas and CEL rules on: no finding at Error."""
    from pathlib import Path

    import yaml

    from fn.analyze import runner
    from fn.resourcelist import process
    from fn.function import run as fn_run

    if not runner.schema_available():
        pytest.skip("the schema analyzer is not installed")
    rl = yaml.safe_load((Path(__file__).parents[1] / "golden" / case / "input.yaml").read_text())
    rl["functionConfig"]["spec"]["analyze"] = {"schema": True}
    outcome = process(yaml.safe_dump(rl).encode(), fn_run, None)
    assert outcome.exit_code == 0, [r.message for r in outcome.results if r.severity == "error"]
    codes = {r.tags.get("code") for r in outcome.results if r.tags and r.tags.get("code")}
    assert codes <= {"IST0134"}, codes  # the TCP ServiceEntry port without addresses, warned about on purpose


def test_readme_documents_every_zero_trust_setting():
    from pathlib import Path

    from fn import config

    readme = (Path(__file__).parents[2] / "README.md").read_text()
    for section, model in (("authorization", config.Authorization), ("egress", config.Egress),
                           ("requestAuthentication", config.RequestAuthentication)):
        for name, f in model.model_fields.items():
            key = f"`{section}.{f.alias or name}"
            assert key in readme, key
    for name, f in config.JwtProvider.model_fields.items():
        assert f"`{f.alias or name}`" in readme, name


def test_graph_json_says_per_edge_whether_the_policies_allow_it(tmp_path, capsys):
    import json

    from fn.graph_cli import main

    pkg = tmp_path / "pkg.yaml"
    pkg.write_text(EXTERNAL)
    assert main(["-o", "json", str(pkg)]) == 0
    assert {e["allowed"] for e in json.loads(capsys.readouterr().out)["edges"]} == {None}
    for mode, want in (("enforce", {True}), ("enforce, inferCalls: false", {False})):
        cfg = tmp_path / "c.yaml"
        cfg.write_text("apiVersion: istio-mesh-fn.dev/v1alpha1\nkind: IstioMesh\nmetadata: {name: m}\n"
                       f"spec: {{authorization: {{mode: {mode}}}}}\n")
        assert main(["-o", "json", "--config", str(cfg), str(pkg)]) == 0
        edges = json.loads(capsys.readouterr().out)["edges"]
        assert edges and {e["allowed"] for e in edges} == want
    # The generated output fed back in: the policies in the input decide.
    out, _ = generate(items_from_yaml(EXTERNAL), typed({"authorization": {"mode": "enforce"}}))
    import yaml

    pkg.write_text(yaml.safe_dump_all([i.obj for i in out]))
    assert main(["-o", "json", str(pkg)]) == 0
    assert {e["allowed"] for e in json.loads(capsys.readouterr().out)["edges"]} == {True}
