"""``analyze -o sarif``: findings as SARIF 2.1.0, the format code scanning reads (GitHub's
upload-sarif action, GitLab, Azure DevOps, IDE viewers).

One rule per IST code of the message catalog (istioctl's ``messages.yaml``), so a result
links to the code's description and Istio's page for it. A result's primary location is
the field the finding is about when it is known, else the object; the object itself is
also a related location, so a viewer can show both.
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path
from typing import Any, Iterable

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
TOOL = "istio-mesh-fn"
HOME = "https://github.com/kubestock/istio-mesh-fn"
# Istio documents every analysis message at this address, by lower-case code.
HELP_URI = "https://istio.io/latest/docs/reference/config/analysis/{code}/"
LEVEL = {"Error": "error", "Warning": "warning", "Info": "note"}
SRCROOT = "SRCROOT"
STDIN_LABEL = "<stdin>"


@functools.lru_cache(maxsize=1)
def rules() -> list[dict[str, Any]]:
    """One reportingDescriptor per code in the catalog, ordered by code."""
    from .. import yamlnodes as yn

    path = Path(__file__).with_name("data") / "messages.yaml"
    data = yn.to_py(yn.compose_all(path.read_text(encoding="utf-8"))[0])
    out = []
    for m in sorted(data["messages"], key=lambda m: m["code"]):
        description = str(m.get("description") or m["name"]).strip()
        template = str(m.get("template") or "")
        out.append({
            "id": m["code"],
            "name": m["name"],
            "shortDescription": {"text": description},
            "fullDescription": {"text": description},
            "helpUri": HELP_URI.format(code=m["code"].lower()),
            "help": {
                "text": f"{description}\n\nMessage: {template}",
                "markdown": f"{description}\n\nMessage: `{template}`\n\n"
                            f"[{m['code']} in Istio's documentation]({HELP_URI.format(code=m['code'].lower())})",
            },
            "defaultConfiguration": {"level": LEVEL.get(m["level"], "warning")},
            "properties": {"tags": ["istio", m["level"].lower()]},
        })
    return out


def document(findings: Iterable[Any], version: str | None = None, cwd: str | None = None) -> dict[str, Any]:
    """The SARIF log for ``findings`` (``model.Finding``)."""
    if version is None:
        from .. import version as dist_version

        version = dist_version()
    base = os.path.abspath(cwd or os.getcwd())
    catalog = rules()
    index = {r["id"]: i for i, r in enumerate(catalog)}
    results = [_result(f, index, base) for f in findings]
    driver: dict[str, Any] = {
        "name": TOOL,
        "version": version,
        "informationUri": HOME,
        "rules": catalog,
    }
    if _semver(version):
        driver["semanticVersion"] = version
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "originalUriBaseIds": {SRCROOT: {"uri": Path(base).as_uri() + "/"}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


def _result(f: Any, index: dict[str, int], base: str) -> dict[str, Any]:
    r = f.resource
    ref = r.ref()
    logical = {"name": r.name, "fullyQualifiedName": ref, "kind": "resource"}
    if r.file and r.file != STDIN_LABEL:
        artifact = _artifact(r.file, base)
        obj_region = _region(r.node, r.line)
        location: dict[str, Any] = {
            "physicalLocation": {"artifactLocation": artifact, **({"region": obj_region} if obj_region else {})},
            "logicalLocations": [logical],
        }
        field_region = _field_region(r, f.field)
        related = []
        if field_region is not None and field_region != obj_region:
            location["physicalLocation"]["region"] = field_region
            if obj_region:
                related.append({"id": 0, "message": {"text": ref},
                                "physicalLocation": {"artifactLocation": artifact, "region": obj_region}})
    else:
        location, related = {"logicalLocations": [logical]}, []
    result: dict[str, Any] = {
        "ruleId": f.code,
        "level": LEVEL.get(f.level, "warning"),
        "message": {"text": f"{f.message} ({ref})"},
        "locations": [location],
        "partialFingerprints": {"istioMeshFn/v1": _fingerprint(f)},
        "properties": {"analyzer": f.analyzer, "resource": ref},
    }
    if f.code in index:
        result["ruleIndex"] = index[f.code]
    if f.field:
        result["properties"]["field"] = f.field
    if related:
        result["relatedLocations"] = related
    return result


def _artifact(file: str, base: str) -> dict[str, Any]:
    """A path under the working directory as a relative URI against SRCROOT (what code
    scanning maps to the repository); anything else as an absolute file URI."""
    path = os.path.abspath(file)
    rel = os.path.relpath(path, base)
    if not rel.startswith(".." + os.sep) and rel != "..":
        return {"uri": Path(rel).as_posix().replace("%", "%25").replace(" ", "%20"), "uriBaseId": SRCROOT}
    return {"uri": Path(path).as_uri()}


def _region(node: Any, line: int | None) -> dict[str, int] | None:
    mark = getattr(node, "start_mark", None)
    if mark is not None:
        return {"startLine": mark.line + 1, "startColumn": mark.column + 1}
    return {"startLine": line} if line else None


def _field_region(r: Any, field: str | None) -> dict[str, int] | None:
    if not field or r.node is None:
        return None
    from .paths import node_at

    return _region(node_at(r.node, field), None)


def _fingerprint(f: Any) -> str:
    # Stable across edits that only move lines: the code, the object and the message.
    r = f.resource
    key = "\0".join([f.code, r.kind, r.namespace, r.name, f.field or "", f.message])
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _semver(version: str) -> bool:
    import re

    return re.fullmatch(r"\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?", version) is not None
