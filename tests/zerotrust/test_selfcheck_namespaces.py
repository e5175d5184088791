"""The generator's self-check sees the namespaces ``injection.namespaces`` puts on the mesh
even when their Namespace object is not in the input: its policies select pods there."""

from __future__ import annotations

from fn.core import transform
from fn.records import replace
from fn.settings import Injection, default_settings
from krm import items_from_yaml

SHOP = """\
apiVersion: v1
kind: Service
metadata: {name: cart, namespace: shop}
spec:
  selector: {app: cart}
  ports: [{name: http, port: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: cart, namespace: shop}
spec:
  selector: {matchLabels: {app: cart}}
  template:
    metadata: {labels: {app: cart}}
    spec: {containers: [{name: cart, image: cart:1}]}
"""


def test_no_matching_workloads_is_not_reported_for_a_listed_namespace():
    mode, revision = "enabled", None
    s = default_settings()
    s = replace(s, injection=Injection(mode, revision, ("shop",)),
                authorization=replace(s.authorization, mode="enforce"))
    out, results = transform(items_from_yaml(SHOP), s)
    generated = {(i.kind, i.name) for i in out if i.kind == "AuthorizationPolicy"}
    assert ("AuthorizationPolicy", "allow-nothing") in generated
    messages = [r.message for r in results]
    assert not [m for m in messages if "IST0127" in m], messages
    # The analyzers ran: the ServiceAccount advice comes from the same run.
    assert any("default ServiceAccount" in m for m in messages)
    # The Namespace seen by the analyzers is not written out.
    assert not [i for i in out if i.kind == "Namespace"]


def test_a_namespace_in_the_input_keeps_its_own_labels():
    s = default_settings()
    s = replace(s, injection=Injection("enabled", None, ("shop",)),
                authorization=replace(s.authorization, mode="enforce"))
    ns = "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\n"
    out, results = transform(items_from_yaml(ns + SHOP), s)
    assert [i.labels for i in out if i.kind == "Namespace"] == [{"istio-injection": "enabled"}]
    assert not [r for r in results if "IST0127" in r.message]


def _messages(text, injection):
    s = default_settings()
    s = replace(s, injection=injection, authorization=replace(s.authorization, mode="enforce"))
    _, results = transform(items_from_yaml(text), s)
    return sorted(r.message for r in results if r.message.startswith("[IST"))


def test_the_analyzers_judge_a_listed_namespace_as_if_its_object_were_in_the_input():
    # The same findings whether the Namespace object is in the package or elsewhere; for a
    # revision label too (istioctl judges istio.io/rev namespaces by its own rules).
    for mode, revision, label in [("enabled", None, "istio-injection: enabled"), ("revision", "1-24", "istio.io/rev: 1-24")]:
        injection = Injection(mode, revision, ("shop",))
        ns = f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: shop, labels: {{{label}}}}}\n---\n"
        assert _messages(SHOP, injection) == _messages(ns + SHOP, injection), mode
