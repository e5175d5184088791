"""Expansion, tokenising, parsing and the external-host rule, field by field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fn.callgraph import addresses as ad

DATA = Path(__file__).parent / "data"
EXPANSION = json.loads((DATA / "k8s-expansion-cases.json").read_text())


@pytest.mark.parametrize("case", EXPANSION["cases"], ids=[c["name"] for c in EXPANSION["cases"]])
def test_expansion_matches_kubernetes(case):
    assert ad.expand(case["input"], EXPANSION["context"].get) == case["expected"]


def test_env_sees_only_earlier_entries_and_never_secrets():
    values = ad.expand_env(
        [("LATE_REF", "$(B)"), ("A", "a"), ("B", "$(A)-b"), ("PW", None), ("URL", "x://u:$(PW)@$(B)")],
        {"BASE": "base"},
    )
    assert values == {"LATE_REF": "$(B)", "A": "a", "B": "a-b", "URL": "x://u:$(PW)@a-b"}


def test_a_later_entry_overrides_envfrom():
    assert ad.expand_env([("HOST", "$(HOST)-2")], {"HOST": "one"}) == {"HOST": "one-2"}


def test_tokens_split_on_the_issue_separators_and_drop_wrapping():
    text = 'a=http://x:1/p;b , c\n  "d:2",[\'e\'] host: f.'
    assert ad.tokens(text) == ["a", "http://x:1/p", "b", "c", "d:2", "e", "host", "f"]


PARSE = [
    ("cart", ("cart", None, "")),
    ("cart:8080", ("cart", 8080, "")),
    ("Cart.Shop.svc.cluster.local.:80", ("cart.shop.svc.cluster.local", 80, "")),
    ("http://cart", ("cart", None, "http")),
    ("https://user:pw@api.example.com:8443/v1?q", ("api.example.com", 8443, "https")),
    ("jdbc:mysql://orders-db:3306/orders", ("orders-db", 3306, "mysql")),
    ("jdbc:postgresql://pg.data.svc:5432/x", ("pg.data.svc", 5432, "postgresql")),
    ("r2dbc:pool:postgresql://pg:5432/x", ("pg", 5432, "postgresql")),
    ("jdbc:oracle:thin:@//ora.example.com:1521/ORCL", ("ora.example.com", 1521, "oracle")),
    ("jdbc:oracle:thin:@ora:1521:SID", ("ora", 1521, "oracle")),
    ("user:pw@tcp(catalogue-db:3306)/socksdb", ("catalogue-db", 3306, "")),
    ("mongodb://u:$(PW)@mongo:27017/db", ("mongo", 27017, "mongodb")),
    ("0@kafka-0.kafka-headless:9094", ("kafka-0.kafka-headless", 9094, "")),
    ("cart:8080/api", ("cart", 8080, "")),
]


@pytest.mark.parametrize(("token", "want"), PARSE, ids=[p[0] for p in PARSE])
def test_parse(token, want):
    addr = ad.parse(token)
    assert addr is not None
    assert (addr.host, addr.port, addr.scheme) == want


NOT_ADDRESSES = ["http://$(HOST):80", "${HOST}:80", "{{ .Values.host }}", "file:/dev/urandom", "a@b.com",
                 "-Xmx128m", "/etc/config", "cart:99999", "::1", "http://:80", "x:y"]


@pytest.mark.parametrize("token", NOT_ADDRESSES)
def test_not_an_address(token):
    assert ad.parse(token) is None


@pytest.mark.parametrize(("token", "external"), [
    ("https://api.stripe.com/v1", True),
    ("smtp.sendgrid.net:587", True),
    ("api.github.com", True),
    ("mydb.abc123.eu-west-1.rds.amazonaws.com:5432", True),
    ("http://metrics.vendor.example:8080", True),  # a URL with three labels, TLD unknown
    ("8.8.8.8:53", True),
    ("8.8.8.8", False),  # a bare dotted quad is more often a version
    ("10.0.0.5:5432", False),
    ("0.0.0.0:8080", False),
    ("cart", False),
    ("cart:8080", False),
    ("redis.cache:6379", False),  # svc.namespace of a Service not in the input
    ("zipkin.jaeger.svc.cluster.local", False),
    ("db.internal:5432", False),
    ("localhost:8080", False),
    ("index.html", False),
    ("run.sh", False),
    ("app.py", False),
    ("spring.datasource.url", False),
    ("log4j.rootLogger", False),
])
def test_looks_external(token, external):
    addr = ad.parse(token)
    assert addr is not None
    assert ad.looks_external(addr, "cluster.local") is external


def test_a_url_after_a_label():
    # OpenShift's collect-profiles CronJob passes name:URL pairs as arguments.
    addr = ad.parse("olm-operator-heap-:https://olm-operator-metrics:8443/debug/pprof/heap")
    assert addr is not None
    assert (addr.host, addr.port, addr.scheme) == ("olm-operator-metrics", 8443, "https")
