"""Synthetic kpt packages for the benchmarks.

``N`` services spread over ``ceil(N / 50)`` namespaces. Each service is a Service with
an ``http`` and a ``grpc`` port and two Deployments (``version: v1`` and ``v2``), in its
own folder, as the KubeStock design lays services out. Each namespace also has its
Namespace object and one ConfigMap the function has no business with, full of scalars a
careless YAML round trip rewrites (``on``, ``0755``, ``1:30``, ``~``, quoted numbers,
block scalars, flow collections, long lines).

Object count: ``3 N + 2 ceil(N / 50)``. At N = 2,000 that is 6,000 service objects,
40 Namespaces and 40 ConfigMaps: 6,080. The brief's 6,040 (3 per service + 40
Namespaces) leaves no room for the unrelated objects it also asks for, so the headline
input is 40 objects (0.7 %) larger than stated; ``--configmaps-per-namespace 0`` gives
exactly 6,040 for whoever needs that number.

Everything is written as text from templates, not by a YAML library, so the input holds
exactly the styles we mean it to (quotes, block scalars, flow style). The ResourceList
is what ``kpt fn source`` sends for the package (less the Kptfile, which is no object
of the count, and less kpt's own rewriting of two ConfigMap scalars): items in path
order, each with kpt's path, index and seqindent annotations, so the function runs as
it does under kpt (it then also assigns file paths to what it generates).

    python benchmarks/generate.py 2000 rl.yaml             # the ResourceList
    python benchmarks/generate.py 2000 pkg/ --package      # the package as files
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from dataclasses import dataclass

SERVICES_PER_NAMESPACE = 50
VERSIONS = ("v1", "v2")


@dataclass(frozen=True)
class Obj:
    path: str  # file inside the package
    index: int  # position in that file
    kind: str
    text: str  # the object as a YAML document, with ``{annotations}`` to fill in


def namespace_count(n_services: int) -> int:
    return max(1, math.ceil(n_services / SERVICES_PER_NAMESPACE))


def expected_count(n_services: int, configmaps_per_namespace: int = 1) -> int:
    return 3 * n_services + (1 + configmaps_per_namespace) * namespace_count(n_services)


def _ns_name(i: int) -> str:
    return f"bench-{i:03d}"


def _svc_name(i: int) -> str:
    return f"svc-{i:05d}"


# Annotation blocks are filled in per destination: none in package files, kpt's in the
# ResourceList. ``{annotations}`` always sits right under ``metadata:``'s last field.

_NAMESPACE = """\
apiVersion: v1
kind: Namespace
metadata:
  name: {ns}
  labels:
    team: team-{team}
{annotations}"""

_SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: {svc}
  namespace: {ns}
  labels:
    app: {svc}
    tier: backend
{annotations}spec:
  type: ClusterIP
  selector:
    app: {svc}
  ports:
  - name: http
    port: 8080
    targetPort: http
    protocol: TCP
  - name: grpc
    port: 9090
    targetPort: grpc
    protocol: TCP
"""

_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {svc}-{version}
  namespace: {ns}
  labels:
    app: {svc}
    version: {version}
{annotations}spec:
  replicas: 2
  revisionHistoryLimit: 3
  selector:
    matchLabels:
      app: {svc}
      version: {version}
  template:
    metadata:
      labels:
        app: {svc}
        version: {version}
      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/port: "9102"
    spec:
      serviceAccountName: {svc}
      containers:
      - name: app
        image: registry.example.com/bench/{svc}:1.{minor}.0
        imagePullPolicy: IfNotPresent
        args: ["--port=8080", "--grpc-port=9090", "--log-level=info"]
        ports:
        - name: http
          containerPort: 8080
        - name: grpc
          containerPort: 9090
        env:
        - name: SERVICE_NAME
          value: {svc}
        - name: FEATURE_FLAG
          value: "on"
        - name: POD_NAMESPACE
          valueFrom:
            fieldRef:
              fieldPath: metadata.namespace
        resources:
          requests: {{cpu: 100m, memory: 128Mi}}
          limits: {{cpu: 500m, memory: 256Mi}}
        readinessProbe:
          httpGet:
            path: /healthz
            port: http
          periodSeconds: 10
        livenessProbe:
          grpc:
            port: 9090
          initialDelaySeconds: 15
"""

# Scalars PyYAML's constructor and representer would rewrite, written as people do.
_CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: {ns}
{annotations}data:
  enabled: on
  legacy: no
  "yes": y
  mode: 0755
  hex: 0x1F
  duration: 1:30
  nothing: ~
  empty: ""
  quoted-number: "8080"
  single: 'it''s'
  float: 1e3
  infinity: .inf
  date: 2001-12-14
  unicode: "caf\\u00e9 ☕"
  long: {long}
  flow: {{a: 1, b: [x, y]}}
  script: |
    #!/bin/sh
    echo "starting {ns}"
      indented line
    exit 0
  folded: >-
    folded text that
    spans lines
"""


def objects(n_services: int, configmaps_per_namespace: int = 1) -> list[Obj]:
    """The package's objects, namespace by namespace, in a stable order."""
    out: list[Obj] = []
    n_ns = namespace_count(n_services)
    long = " ".join(f"word{i}" for i in range(40))  # one line past any fold width
    for n in range(n_ns):
        ns = _ns_name(n)
        out.append(Obj(f"{ns}/namespace.yaml", 0, "Namespace", _NAMESPACE.format(ns=ns, team=n % 7, annotations="{annotations}")))
        for c in range(configmaps_per_namespace):
            cm = _CONFIGMAP.format(ns=ns, long=long, annotations="{annotations}")
            if c:
                cm = cm.replace("name: settings", f"name: settings-{c}", 1)
            out.append(Obj(f"{ns}/config.yaml", c, "ConfigMap", cm))
        first = n * SERVICES_PER_NAMESPACE
        for s in range(first, min(first + SERVICES_PER_NAMESPACE, n_services)):
            svc = _svc_name(s)
            folder = f"{ns}/{svc}"
            out.append(Obj(f"{folder}/service.yaml", 0, "Service", _SERVICE.format(svc=svc, ns=ns, annotations="{annotations}")))
            for idx, version in enumerate(VERSIONS):
                text = _DEPLOYMENT.format(svc=svc, ns=ns, version=version, minor=s % 10, annotations="{annotations}")
                out.append(Obj(f"{folder}/deployment.yaml", idx, "Deployment", text))
    return out


def _kpt_annotations(obj: Obj, indent: str) -> str:
    # Exactly what ``kpt fn source`` adds (values single-quoted, as kpt writes them).
    lines = [
        "annotations:",
        f"  config.kubernetes.io/index: '{obj.index}'",
        f"  config.kubernetes.io/path: '{obj.path}'",
        f"  internal.config.kubernetes.io/index: '{obj.index}'",
        f"  internal.config.kubernetes.io/path: '{obj.path}'",
        "  internal.config.kubernetes.io/seqindent: 'compact'",
    ]
    return "".join(f"{indent}  {line}\n" for line in lines)


def resource_list(n_services: int, configmaps_per_namespace: int = 1) -> str:
    """The ResourceList kpt would send for the package (no functionConfig: defaults)."""
    parts = ["apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n"]
    # kpt sends items sorted by file path, then index.
    for obj in sorted(objects(n_services, configmaps_per_namespace), key=lambda o: (o.path, o.index)):
        text = obj.text.replace("{annotations}", _kpt_annotations(obj, ""))
        lines = text.splitlines(keepends=True)
        parts.append("- " + lines[0])
        parts.extend("  " + line if line.strip() else line for line in lines[1:])
    return "".join(parts)


def write_package(root: str, n_services: int, configmaps_per_namespace: int = 1) -> int:
    """Write the package as files under ``root``; return the number of objects."""
    files: dict[str, list[str]] = {}
    objs = objects(n_services, configmaps_per_namespace)
    for obj in objs:
        files.setdefault(obj.path, []).append(obj.text.replace("{annotations}", ""))
    with open(os.path.join(root, "Kptfile"), "w", encoding="utf-8") as fh:
        fh.write("apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: bench\n"
                 "  annotations:\n    config.kubernetes.io/local-config: \"true\"\n")
    for path, docs in files.items():
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8") as fh:
            fh.write("---\n".join(docs))
    return len(objs)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("services", type=int, help="number of services (N)")
    p.add_argument("out", help="output file (ResourceList), '-' for stdout, or a folder with --package")
    p.add_argument("--package", action="store_true", help="write the package as files into OUT")
    p.add_argument("--configmaps-per-namespace", type=int, default=1,
                   help="unrelated ConfigMaps per namespace (default 1; 0 gives exactly 3N + N/50)")
    args = p.parse_args(argv)
    if args.package:
        os.makedirs(args.out, exist_ok=True)
        count = write_package(args.out, args.services, args.configmaps_per_namespace)
    else:
        text = resource_list(args.services, args.configmaps_per_namespace)
        count = expected_count(args.services, args.configmaps_per_namespace)
        if args.out == "-":
            sys.stdout.write(text)
        else:
            with open(args.out, "w", encoding="utf-8") as fh:
                fh.write(text)
    print(f"{args.services} services, {count} objects", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
