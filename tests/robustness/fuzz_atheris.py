"""libFuzzer (atheris) harness for the input reader, the config loader and the
analyzer's loader.

    .venv/bin/pip install atheris
    .venv/bin/python tests/robustness/fuzz_atheris.py reader -atheris_runs=200000
    .venv/bin/python tests/robustness/fuzz_atheris.py config -max_total_time=300
    .venv/bin/python tests/robustness/fuzz_atheris.py analyze -max_total_time=300

Any exception escaping ``process`` or ``load_settings`` (and, for configs it accepts, the
core) is a crash, and so is anything but a one-line LoadError from ``analyze``'s loader
or an internal error (IST0001) from an analyzer on what it loaded: libFuzzer stops and
writes the input to ``crash-*`` in the working directory. Without a corpus argument it
starts from valid seeds in a temporary folder.

CI runs the same targets under hypothesis (test_fuzz.py, bounded by the profile), because
atheris is not a test dependency; this harness is for long, coverage-guided runs.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    import yaml

    from fn import resourcelist, yamlnodes as yn
    from fn.analyze import runner
    from fn.analyze.load import Loaded, LoadError, load_bytes, mesh_config_from
    from fn.core import transform
    from fn.function import run
    from fn.items import Item
    from fn.results import Results
    from fn.settings import load_settings

SEED = b"""apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: v1
  kind: Service
  metadata: {name: cart, namespace: shop}
  spec:
    selector: {app: cart}
    ports: [{name: http, port: 80}, {name: tcp-db, port: 5432}]
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: cart, namespace: shop}
  spec: {template: {metadata: {labels: {app: cart, version: v1}}}}
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: c, namespace: shop}
  data: {a: on, b: 0755, c: &x 0x1F, d: *x}
functionConfig:
  apiVersion: istio-mesh-fn.dev/v1alpha1
  kind: IstioMesh
  metadata: {name: m}
  spec: {virtualService: {timeout: 5s}}
"""
PACKAGE = [Item(n) for n in yn.compose_all(SEED.decode()) for n in yn.get(n, "items").value]


def reader(data: bytes) -> None:
    out = resourcelist.process(data, run)
    if out.exit_code not in (0, 1):
        raise AssertionError(f"exit code {out.exit_code}")
    if out.exit_code == 1 and out.fatal is None and not any(r.severity == "error" for r in out.results):
        raise AssertionError("failure without an error result")


def config(data: bytes) -> None:
    # Interpret the bytes as YAML when they are; otherwise as a flat ConfigMap of strings.
    try:
        fc = yaml.safe_load(data.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError, RecursionError, ValueError):
        fdp = atheris.FuzzedDataProvider(data)
        fc = {"apiVersion": "v1", "kind": "ConfigMap",
              "data": {fdp.ConsumeUnicodeNoSurrogates(12): fdp.ConsumeUnicodeNoSurrogates(24) for _ in range(3)}}
    if isinstance(fc, dict) and "kind" not in fc:
        fc = {"apiVersion": "istio-mesh-fn.dev/v1alpha1", "kind": "IstioMesh", "spec": fc}
    results = Results()
    settings = load_settings(fc, results)
    if settings is None:
        if not results.has_errors():
            raise AssertionError("config refused without an error result")
        return
    transform([Item(yn.copy_node(i.node)) for i in PACKAGE], settings)


ANALYZE_SEED = b"""apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: cart, namespace: shop}
spec:
  hosts: [cart]
  http: [{route: [{destination: {host: cart, subset: v1}}], timeout: 5s}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: cart, namespace: shop}
spec: {host: cart, subsets: [{name: v1, labels: {version: v1}}]}
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Service
  metadata: {name: cart, namespace: shop, labels: &l {app: cart}}
  spec: {selector: *l, ports: [{name: http, port: 80}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data: {mesh: "rootNamespace: istio-system\\n"}
"""


def analyze(data: bytes) -> None:
    loaded = Loaded()
    try:
        load_bytes(data, "fuzz.yaml", loaded)
    except LoadError as exc:
        if not str(exc).startswith("fuzz.yaml") or "\n" in str(exc).strip():
            raise AssertionError(f"LoadError that names no file or spans lines: {exc}") from None
        return
    findings = runner.run(loaded.resources, mesh_config=mesh_config_from(loaded.resources), schema=True)
    crashes = [f"{f.analyzer}: {f.message}" for f in findings if f.code == "IST0001"]
    if crashes:
        raise AssertionError(f"analyzer internal error: {crashes}")


def main() -> None:
    targets = {"reader": reader, "config": config, "analyze": analyze}
    if len(sys.argv) < 2 or sys.argv[1] not in targets:
        raise SystemExit(f"usage: {sys.argv[0]} reader|config|analyze [libFuzzer options]")
    name = sys.argv.pop(1)
    if not any(not a.startswith("-") for a in sys.argv[1:]):
        # No corpus given: start from a valid input of each kind rather than from nothing.
        import tempfile

        corpus = tempfile.mkdtemp(prefix=f"istio-mesh-fn-{name}-")
        seeds = {"reader": [SEED, SEED.split(b"functionConfig:")[0]], "analyze": [ANALYZE_SEED, SEED]}.get(name) or [
            b"virtualService: {timeout: 5s, retries: {attempts: 2, perTryTimeout: 1s}}\n"
            b"destinationRule: {nameTemplate: '{namespace}-{name}', labels: {app: '{name}'}}\n"
            b"services: [{name: cart, timeout: 1s}]\nmtls: {mode: PERMISSIVE, scope: namespace}\n",
            b"apiVersion: v1\nkind: ConfigMap\ndata: {timeout: 10s, retryAttempts: '2', injection: ambient}\n"]
        for i, seed in enumerate(seeds):
            with open(f"{corpus}/seed-{i}", "wb") as fh:
                fh.write(seed)
        sys.argv.append(corpus)
    atheris.Setup(sys.argv, targets[name])
    atheris.Fuzz()


if __name__ == "__main__":
    main()
