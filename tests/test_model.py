import pytest

from fn import mesh
from fn.mesh import HTTP, TCP, TLS, UDP, UNKNOWN
from fn.mesh.ports import port_protocol
from fn.settings import Settings
from krm import items_from_yaml


def discover(items, default_namespace):
    model, _ = mesh.build(items, Settings(default_namespace=default_namespace or None))
    return model.services


@pytest.mark.parametrize("port,expected", [
    ({"name": "http"}, HTTP), ({"name": "http-web"}, HTTP), ({"name": "http2"}, HTTP),
    ({"name": "grpc"}, HTTP), ({"name": "grpc-web"}, HTTP), ({"name": "grpc-web-x"}, HTTP),
    ({"name": "tcp-redis"}, TCP), ({"name": "mongo"}, TCP), ({"name": "mysql-main"}, TCP), ({"name": "redis"}, TCP),
    ({"name": "https"}, TLS), ({"name": "tls-passthrough"}, TLS),
    ({"name": "web"}, UNKNOWN), ({}, UNKNOWN), ({"name": "httpx"}, UNKNOWN),
    ({"name": "tcp", "appProtocol": "http"}, HTTP), ({"name": "http", "appProtocol": "kubernetes.io/h2c"}, HTTP),
    ({"appProtocol": "grpc"}, HTTP), ({"appProtocol": "mysql"}, TCP), ({"appProtocol": "https"}, TLS),
    ({"name": "dns", "protocol": "UDP"}, UDP), ({"name": "HTTP"}, HTTP),
])
def test_port_protocol(port, expected):
    assert port_protocol(port) == expected


PACKAGE = """
apiVersion: v1
kind: Service
metadata: {name: web, namespace: a}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web-v1, namespace: a}
spec:
  template: {metadata: {labels: {app: web, version: v1}}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web-v2, namespace: a}
spec:
  template: {metadata: {labels: {app: web, version: v2}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web-other-ns, namespace: b}
spec:
  template: {metadata: {labels: {app: web, version: v9}}}
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web-v3, namespace: a}
spec:
  workloadRef: {apiVersion: apps/v1, kind: Deployment, name: web-ref}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web-ref, namespace: a}
spec:
  template: {metadata: {labels: {app: other, version: v3}}}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  template: {metadata: {labels: {app: web, version: v7}}}
---
apiVersion: v1
kind: Service
metadata: {name: headless}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{port: 5432, name: tcp-pg}]
"""


def test_selectors_match_workloads_in_the_same_namespace_only():
    svcs = {s.name: s for s in discover(items_from_yaml(PACKAGE), "")}
    assert sorted(w.item.name for w in svcs["web"].workloads) == ["web-v1", "web-v2"]
    # The headless Service has no namespace; the DaemonSet neither: they match each other.
    assert [w.item.name for w in svcs["headless"].workloads] == ["agent"]
    assert svcs["headless"].ports[0].protocol == TCP


def test_default_namespace_applies_to_items_without_one():
    svcs = {s.name: s for s in discover(items_from_yaml(PACKAGE), "a")}
    assert sorted(w.item.name for w in svcs["headless"].workloads) == ["agent", "web-v1", "web-v2"]


def test_rollout_with_workload_ref_uses_the_referenced_pod_labels():
    pkg = PACKAGE + """
---
apiVersion: v1
kind: Service
metadata: {name: other, namespace: a}
spec:
  selector: {app: other}
  ports: [{port: 80}]
"""
    svcs = {s.name: s for s in discover(items_from_yaml(pkg), "")}
    assert sorted(w.item.name for w in svcs["other"].workloads) == ["web-ref", "web-v3"]


def test_service_without_selector_matches_nothing():
    pkg = "apiVersion: v1\nkind: Service\nmetadata: {name: ext}\nspec: {ports: [{port: 80}]}\n---\n" + PACKAGE
    svcs = {s.name: s for s in discover(items_from_yaml(pkg), "")}
    assert svcs["ext"].workloads == () and svcs["ext"].selector == {}
