"""Malformed manifests never crash inference: what cannot be read is skipped (the
analyzers report it), and what can is still used."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from fn.callgraph import infer
from fn.items import Item

SERVICE = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "db", "namespace": "a"},
           "spec": {"selector": {"app": "db"}, "ports": [{"port": 5432}]}}

junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20) | st.just("db:5432"),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(
        ["name", "value", "env", "args", "command", "envFrom", "configMapRef", "valueFrom", "configMapKeyRef",
         "key", "volumes", "configMap", "projected", "sources", "containers", "ports", "prefix", "data"]),
        inner, max_size=4),
    max_leaves=12,
)


def workload(spec):
    return Item.from_obj({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "w", "namespace": "a"},
                          "spec": {"template": {"metadata": {"labels": {"app": "w"}}, "spec": spec}}})


@settings(max_examples=150, deadline=None)
@given(spec=st.dictionaries(st.sampled_from(["containers", "initContainers", "volumes", "enableServiceLinks"]),
                            junk, max_size=3),
       data=junk, ports=junk)
def test_junk_is_skipped(spec, data, ports):
    cm = Item.from_obj({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "a"},
                        "data": data})
    bad_svc = Item.from_obj({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x", "namespace": "a"},
                             "spec": {"ports": ports, "selector": data}})
    infer([workload(spec), cm, bad_svc, Item.from_obj(SERVICE)])


def test_good_fields_next_to_bad_ones_are_still_read():
    spec = {"volumes": "oops", "containers": [
        "not a container",
        {"name": "c", "env": [{"name": "A", "value": "db:5432"}, 7, {"value": "x"}], "args": {"bad": 1},
         "envFrom": [{"configMapRef": "nope"}], "ports": "x"},
    ]}
    graph = infer([workload(spec), Item.from_obj(SERVICE)])
    assert [(str(e.caller), str(e.service), e.ports) for e in graph.edges] == [("a/w", "a/db", (5432,))]
