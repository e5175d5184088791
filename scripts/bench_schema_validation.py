#!/usr/bin/env python3
"""What schema validation costs: import, compiling every schema and CEL rule, and
validating N VirtualServices (plus as many DestinationRules and PeerAuthentications).

    python scripts/bench_schema_validation.py [N]     # N defaults to 1000

Run it in a fresh process: the first numbers are one-off costs per process.
"""

from __future__ import annotations

import importlib
import sys
import time


def virtual_service(i: int) -> dict:
    host = f"svc-{i}.shop.svc.cluster.local"
    return {
        "apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
        "metadata": {"name": f"svc-{i}", "namespace": "shop", "labels": {"app": f"svc-{i}"}},
        "spec": {
            "hosts": [host],
            "http": [{
                "name": "http", "match": [{"port": 8080, "uri": {"prefix": "/"}}], "timeout": "30s",
                "retries": {"attempts": 3, "perTryTimeout": "10s", "retryOn": "5xx,reset"},
                "route": [
                    {"destination": {"host": host, "subset": "v1", "port": {"number": 8080}}, "weight": 90},
                    {"destination": {"host": host, "subset": "v2", "port": {"number": 8080}}, "weight": 10},
                ],
            }],
            "tcp": [{"match": [{"port": 9090}], "route": [{"destination": {"host": host, "port": {"number": 9090}}}]}],
        },
    }


def destination_rule(i: int) -> dict:
    return {
        "apiVersion": "networking.istio.io/v1", "kind": "DestinationRule",
        "metadata": {"name": f"svc-{i}", "namespace": "shop"},
        "spec": {
            "host": f"svc-{i}.shop.svc.cluster.local",
            "trafficPolicy": {"tls": {"mode": "ISTIO_MUTUAL"}, "loadBalancer": {"simple": "LEAST_REQUEST"},
                              "connectionPool": {"tcp": {"connectTimeout": "5s"}, "http": {"idleTimeout": "1h"}}},
            "subsets": [{"name": "v1", "labels": {"version": "v1"}}, {"name": "v2", "labels": {"version": "v2"}}],
        },
    }


def peer_authentication(i: int) -> dict:
    return {
        "apiVersion": "security.istio.io/v1", "kind": "PeerAuthentication",
        "metadata": {"name": f"svc-{i}", "namespace": "shop"},
        "spec": {"selector": {"matchLabels": {"app": f"svc-{i}"}}, "mtls": {"mode": "STRICT"},
                 "portLevelMtls": {"9090": {"mode": "PERMISSIVE"}}},
    }


def best_of(runs: int, fn) -> tuple[float, float]:
    """Best wall-clock and best CPU seconds (CPU time is steadier on a busy machine)."""
    wall = cpu = float("inf")
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall, cpu = min(wall, time.perf_counter() - t), min(cpu, time.process_time() - c)
    return wall, cpu


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    t0 = time.perf_counter()
    importlib.import_module("fn.analyze.schema")  # cheap: nothing heavy yet
    t1 = time.perf_counter()
    from fn.analyze.schema import catalog, celrules, structural, validate
    t2 = time.perf_counter()
    for kinds in catalog.data()["kinds"].values():
        for entry in kinds.values():
            structural.compiled(entry["schema"])
    t3 = time.perf_counter()
    rules = set()

    def compile_rules(node: structural.Node) -> None:
        for r in node.rules:
            celrules.compile_cached(r.rule)
            rules.add(r.rule)
        for child in [*(node.properties or {}).values(), node.items, node.additional]:
            if isinstance(child, structural.Node):
                compile_rules(child)

    for i in range(len(catalog.data()["schemas"])):
        compile_rules(structural.compiled(i))
    t4 = time.perf_counter()
    print(f"import fn.analyze.schema:             {1e3 * (t1 - t0):7.1f} ms")
    print(f"import the validator and CEL engine:  {1e3 * (t2 - t1):7.1f} ms")
    print(f"load and compile all 15 schemas:      {1e3 * (t3 - t2):7.1f} ms")
    print(f"compile all {len(rules)} distinct CEL rules:  {1e3 * (t4 - t3):7.1f} ms")

    for label, make in (("VirtualServices", virtual_service), ("DestinationRules", destination_rule),
                        ("PeerAuthentications", peer_authentication)):
        objs = [make(i) for i in range(n)]
        assert all(validate(o) == [] for o in objs[:3])
        wall, cpu = best_of(5, lambda: [validate(o) for o in objs])
        print(f"validate {n} {label + ':':21s}{1e3 * wall:7.1f} ms  ({1e6 * wall / n:.0f} us each; "
              f"CPU {1e3 * cpu:.1f} ms)")


if __name__ == "__main__":
    main()
