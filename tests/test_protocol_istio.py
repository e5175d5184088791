"""Protocol selection against Istio's own test tables.

Translated from istio/istio at commit 86c9f01fd735fb01d8192f5bcaf0d424afb7f14c:
pkg/config/protocol/instance_test.go (TestParse) and pkg/config/kube/conversion_test.go
(TestConvertProtocol), which pilot/pkg/serviceregistry/kube/conversion.go calls for
every Service port. Cases after those tables are ours; each says what it pins.
"""

from __future__ import annotations

import pytest

from fn import protocol as p

ISTIO_COMMIT = "86c9f01fd735fb01d8192f5bcaf0d424afb7f14c"

# instance_test.go TestParse: (input, expected)
PARSE = [
    ("tcp", p.TCP), ("http", p.HTTP), ("HTTP", p.HTTP), ("Http", p.HTTP),
    ("http_proxy", p.HTTP_PROXY), ("Http_Proxy", p.HTTP_PROXY), ("HTTP_PROXY", p.HTTP_PROXY),
    ("https", p.HTTPS), ("http2", p.HTTP2), ("grpc", p.GRPC), ("grpc-web", p.GRPC_WEB),
    ("gRPC-Web", p.GRPC_WEB), ("grpc-Web", p.GRPC_WEB), ("udp", p.UDP),
    ("Mongo", p.MONGO), ("mongo", p.MONGO), ("MONGO", p.MONGO),
    ("Redis", p.REDIS), ("redis", p.REDIS), ("REDIS", p.REDIS),
    ("Mysql", p.MYSQL), ("mysql", p.MYSQL), ("MYSQL", p.MYSQL), ("MySQL", p.MYSQL),
    ("", p.UNSUPPORTED), ("SMTP", p.UNSUPPORTED), ("HBONE", p.UNSUPPORTED),
]


@pytest.mark.parametrize("name,expected", PARSE, ids=[c[0] or "[empty]" for c in PARSE])
def test_parse_as_istio(name, expected):
    assert p.parse(name) == expected


# conversion_test.go TestConvertProtocol: (case name, Service port, expected).
# Go's nil appProto is an absent key; the port number defaults to 0.
CONVERT = [
    ("resolves empty", {}, p.UNSUPPORTED),
    ("resolves from protocol directly", {"protocol": "UDP"}, p.UDP),
    ("resolves from port name", {"name": "http-something"}, p.HTTP),
    ("prefers appProto over portName", {"name": "http-something", "appProtocol": "https"}, p.HTTPS),
    ("resolves from appProto", {"name": "something-httpx", "appProtocol": "https"}, p.HTTPS),
    ("resolves grpc-web", {"name": "grpc-web-x"}, p.GRPC_WEB),
    ("makes sure grpc-web is not resolved incorrectly", {"name": "grpcweb-x"}, p.UNSUPPORTED),
    ("resolves based on known ports", {"port": 3306, "name": "random-name"}, p.TCP),
    ("standard app protocol", {"port": 3306, "name": "random-name", "appProtocol": "kubernetes.io/h2c"}, p.HTTP2),
    # ours, from the issue and the rules above
    ("appProtocol prefix is cut at the dash", {"name": "http", "appProtocol": "tcp-custom"}, p.TCP),
    ("appProtocol wins even when it names nothing", {"port": 8080, "name": "http", "appProtocol": "custom"},
     p.UNSUPPORTED),
    ("unknown appProtocol on a well-known port is TCP", {"port": 3306, "name": "http", "appProtocol": "custom"},
     p.TCP),
    ("kubernetes.io/ws is HTTP", {"port": 80, "appProtocol": "kubernetes.io/ws"}, p.HTTP),
    ("kubernetes.io/wss is HTTPS", {"port": 443, "appProtocol": "kubernetes.io/wss"}, p.HTTPS),
    ("Kubernetes names only count as appProtocol", {"name": "kubernetes.io/h2c"}, p.UNSUPPORTED),
    ("MongoDB port with an unprefixed name", {"port": 27017, "name": "mongodb"}, p.TCP),
    ("MySQL port without a name", {"port": 3306}, p.TCP),
    ("SMTP port", {"port": 25, "name": "smtp"}, p.TCP),
    ("DNS port over TCP", {"port": 53, "name": "dns-tcp"}, p.TCP),
    ("a named protocol beats the well-known port", {"port": 3306, "name": "http-admin"}, p.HTTP),
    ("Redis port is not in Istio's list", {"port": 6379, "name": "client"}, p.UNSUPPORTED),
    ("redis prefix", {"port": 6379, "name": "redis"}, p.REDIS),
    ("UDP beats the name", {"port": 53, "name": "http", "protocol": "UDP"}, p.UDP),
    ("SCTP is not special to Istio", {"port": 80, "name": "http", "protocol": "SCTP"}, p.HTTP),
    ("port number as a string", {"port": "27017", "name": "db"}, p.TCP),
    ("gRPC-Web prefix is case-insensitive", {"name": "GRPC-WEB"}, p.GRPC_WEB),
    ("name without a dash", {"name": "grpc"}, p.GRPC),
]


@pytest.mark.parametrize("name,port,expected", CONVERT, ids=[c[0] for c in CONVERT])
def test_convert_protocol_as_istio(name, port, expected):
    assert p.istio_protocol(port) == expected


@pytest.mark.parametrize("protocol,family", [
    (p.HTTP, "http"), (p.HTTP2, "http"), (p.GRPC, "http"), (p.GRPC_WEB, "http"),
    (p.HTTPS, "tls"), (p.TLS, "tls"),
    (p.TCP, "tcp"), (p.MONGO, "tcp"), (p.MYSQL, "tcp"), (p.REDIS, "tcp"),
    (p.UDP, "udp"), (p.UNSUPPORTED, ""), (p.HTTP_PROXY, ""),
])
def test_route_family(protocol, family):
    assert p.route_family(protocol) == family


@pytest.mark.parametrize("port,family", [
    ({"port": 27017, "name": "mongo"}, "tcp"),
    ({"port": 27017, "name": "db"}, "tcp"),
    ({"port": 8080, "name": "web"}, ""),
    ({"port": 9000, "name": "http", "protocol": "SCTP"}, "udp"),
    ({"port": 53, "name": "dns", "protocol": "UDP"}, "udp"),
    ({"port": 443, "name": "https"}, "tls"),
])
def test_port_family(port, family):
    assert p.port_family(port) == family


@pytest.mark.parametrize("port,stream", [
    ({"name": "http", "appProtocol": "kubernetes.io/ws"}, True),
    ({"name": "https", "appProtocol": "kubernetes.io/wss"}, True),
    ({"name": "ws"}, True),
    ({"name": "http-ws"}, True),
    ({"name": "websocket-chat"}, True),
    ({"name": "http-sse"}, True),
    ({"name": "http"}, False),
    ({"name": "http-news"}, False),  # "ws" only counts as a whole word
    ({"name": "grpc"}, False),
    ({}, False),
])
def test_is_stream(port, stream):
    assert p.is_stream(port) is stream


def test_pure_stdlib_module():
    import ast
    from pathlib import Path

    tree = ast.parse(Path(p.__file__).read_text())
    imported = {n.names[0].name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import)}
    imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert imported <= {"__future__", "typing"}
