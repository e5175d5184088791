"""The fast writer for generated objects writes exactly what PyYAML's emitter writes."""

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from yaml.nodes import SequenceNode

from fn import yamlnodes as yn, yamltext as yt

TRICKY = ["", "v1", "cart", "8080", "0755", "0x1F", "1e3", "1_000", "1:30", "on", "yes", "No", "true", "null", "~",
          "2025-01-31", ".inf", "-1", "- x", "a: b", "a #b", "#x", "*.svc", "&a", "!tag", "'q'", '"q"', "a b",
          " lead", "trail ", "x\ny", "é", "istio-mesh-fn.dev/generated-by", "10.0.0.1", "30s", "a" * 130, "@at",
          "%p", "{x}", "[x]", "x,y", "?", ":", "-", "_", "."]

scalars = st.one_of(st.sampled_from(TRICKY), st.text(max_size=6), st.integers(-10**6, 10**6), st.booleans(),
                    st.none(), st.floats(allow_nan=False, allow_infinity=False))
keys = st.one_of(st.sampled_from(TRICKY), st.text(min_size=1, max_size=6))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(keys, inner, max_size=4)), max_leaves=25)


def emitter(node) -> str:
    return yaml.serialize(SequenceNode(yn.SEQ, [node]), Dumper=yn._Dumper, width=yn._WIDTH, allow_unicode=True)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.dictionaries(keys, values, min_size=1, max_size=5), min_size=1, max_size=3))
def test_fast_writer_matches_the_emitter(objs):
    nodes = [yn.from_py(o) for o in objs]
    assert yt.serialize_entries(nodes) == "".join(emitter(n) for n in nodes)


def test_a_generated_object_takes_the_fast_path():
    obj = {"apiVersion": "networking.istio.io/v1", "kind": "DestinationRule",
           "metadata": {"name": "cart", "namespace": "shop", "labels": {}, "annotations": {
               "istio-mesh-fn.dev/generated-by": "istio-mesh-fn", "config.kubernetes.io/index": "0"}},
           "spec": {"host": "cart", "subsets": [{"name": "v1", "labels": {"version": "v1"}}],
                    "ports": [8080, True, None, [], [["a"]]]}}
    out: list[str] = []
    node = yn.from_py(obj)
    assert yt._write_entry(node, out)
    assert "".join(out) == emitter(node)


def test_styled_or_flow_nodes_go_to_the_emitter():
    node = yn.compose_all("a: {b: 'c'}\nd: [1]\n")[0]
    assert not yt._write_entry(node, [])
    assert yt.serialize_entries([node], 2) == "  - a: {b: 'c'}\n    d: [1]\n"


def test_the_plain_tag_cache_stays_bounded_and_keeps_caching_when_full(monkeypatch):
    """A full cache starts again (fn/yamlnodes.py says why): it never holds more than its
    limit, values seen after it filled are cached too, and tags stay the resolver's."""
    from fn import yamlnodes as yn

    monkeypatch.setattr(yn, "_TAG_CACHE_MAX", 50)
    cache = yn._TAG_CACHES.setdefault(yn._Loader, {})
    cache.clear()
    text = "".join(f"k{i}: v{i}\nn{i}: {i}\nb{i}: yes\n" for i in range(100))
    node = yn.compose_all(text)[0]
    assert len(cache) <= 50
    assert "v99" in cache and cache["v99"] == "tag:yaml.org,2002:str"  # seen after it filled
    tags = {k.value: v.tag for k, v in node.value}
    assert tags["n99"] == "tag:yaml.org,2002:int" and tags["b99"] == "tag:yaml.org,2002:bool"
    assert tags["k99"] == "tag:yaml.org,2002:str" and tags["k0"] == "tag:yaml.org,2002:str"


def test_generated_values_are_written_as_their_node_graph_would_be():
    """fn/yamltext.py writes generated objects straight from their values; where it does,
    the text must be what the node writer gives for yamlnodes.from_py of the same values."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from fn import yamlnodes as yn
    from fn import yamltext as yt

    scalars = (st.text(alphabet="abz09_./-: 'é\n", max_size=8) | st.sampled_from(
        ["true", "on", "0755", "8080", "1.5", "null", "~", "", "-1", "a: b", "#x"])
        | st.integers(-5, 10**6) | st.booleans() | st.none() | st.floats(allow_nan=False))
    values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                          | st.dictionaries(st.text(alphabet="abz09_-./", min_size=1, max_size=6), inner, max_size=3),
                          max_leaves=12)
    written = []

    @settings(max_examples=600, deadline=None)
    @given(st.dictionaries(st.sampled_from(["apiVersion", "kind", "metadata", "spec"]), values, min_size=1))
    def check(obj):
        by_values: list[str] = []
        by_nodes: list[str] = []
        node_ok = yt._write_entry(yn.from_py(obj), by_nodes)
        if yt.write_values_entry(obj, by_values):
            written.append(obj)
            assert node_ok and by_values == by_nodes

    check()
    assert len(written) > 100  # the values writer took most of them
