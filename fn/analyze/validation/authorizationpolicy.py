"""Istio's ``ValidateAuthorizationPolicy``: rules, principals, service accounts, trust
domains, IP blocks, ports, paths and ``when`` conditions."""

from __future__ import annotations

import re
from typing import Any

from .common import Validation, d, go_q, is_ip, lst, parse_prefix, pattern, s, validate_policy_targets

_SOURCE_FIELDS = ("principals", "requestPrincipals", "namespaces", "ipBlocks", "remoteIpBlocks", "notPrincipals",
                  "notRequestPrincipals", "notNamespaces", "notIpBlocks", "notRemoteIpBlocks", "serviceAccounts",
                  "notServiceAccounts", "trustDomains", "notTrustDomains")
_CUSTOM_UNSUPPORTED = (("namespaces", "From.Namespaces"), ("notNamespaces", "From.NotNamespaces"),
                       ("serviceAccounts", "From.ServiceAccounts"),
                       ("notServiceAccounts", "From.NotServiceAccounts"),
                       ("trustDomains", "From.TrustDomains"), ("notTrustDomains", "From.NotTrustDomains"),
                       ("principals", "From.Principals"), ("notPrincipals", "From.NotPrincipals"),
                       ("requestPrincipals", "From.RequestPrincipals"),
                       ("notRequestPrincipals", "From.NotRequestPrincipals"))
# Source fields that a TCP connection carries (no HTTP needed to match them).
_TCP_SOURCE = ("notPrincipals", "principals", "ipBlocks", "notIpBlocks", "namespaces", "notNamespaces",
               "remoteIpBlocks", "notRemoteIpBlocks", "serviceAccounts", "notServiceAccounts")
_OP_FIELDS = ("ports", "methods", "paths", "hosts", "notPorts", "notMethods", "notPaths", "notHosts")


def validate(name: str, namespace: str, spec: dict[str, Any], meta: dict[str, Any]) -> Validation:
    targets = validate_policy_targets(spec)
    errs: list[str | None] = list(targets.errors)
    warnings = list(targets.warnings)
    action = s(spec.get("action")) or "ALLOW"
    rules = spec.get("rules")
    provider = spec.get("provider")
    if action == "CUSTOM":
        if rules is None:
            errs.append("CUSTOM action without `rules` is meaningless as it will never be triggered, add an empty "
                        "rule `{}` if you want it be triggered for every request")
        elif provider is None or not s(d(provider).get("name")):
            errs.append("`provider.name` must not be empty")
        for rule in lst(rules):
            rule = d(rule)
            for frm in lst(rule.get("from")):
                src = d(frm).get("source")
                if src is None:
                    continue
                for key, label in _CUSTOM_UNSUPPORTED:
                    if lst(d(src).get(key)):
                        errs.append(f"{label} is currently not supported with CUSTOM action")
            for when in lst(rule.get("when")):
                if when is None:
                    errs.append("when field cannot be nil")
                    continue
                key = s(d(when).get("key"))
                for bad in (key == "source.namespace", key == "source.serviceAccount", key == "source.trustDomain",
                            key == "source.principal", key.startswith("request.auth.")):
                    if bad:
                        errs.append(f"{key} is currently not supported with CUSTOM action")
    if provider is not None and action != "CUSTOM":
        errs.append(f"`provider` must not be with non CUSTOM action, found {action}")
    if action == "DENY" and rules is None:
        errs.append("DENY action without `rules` is meaningless as it will never be triggered, add an empty rule "
                    "`{}` if you want it be triggered for every request")
    for i, rule in enumerate(lst(rules)):
        if rule is None:
            errs.append(f"`rule` must not be nil, found at rule {i}")
            continue
        rule = d(rule)
        tcp_from = tcp_to = from_exists = to_exists = False
        if rule.get("from") is not None and not lst(rule.get("from")):
            errs.append(f"`from` must not be empty, found at rule {i}")
        for frm in lst(rule.get("from")):
            if frm is None:
                errs.append(f"`from` must not be nil, found at rule {i}")
                continue
            src = d(frm).get("source")
            if src is None:
                errs.append(f"`from.source` must not be nil, found at rule {i}")
                continue
            from_exists = True
            src = d(src)
            n = {k: len(lst(src.get(k))) for k in _SOURCE_FIELDS}
            if (n["principals"] + n["notPrincipals"] + n["namespaces"] + n["notNamespaces"] > 0
                    and n["serviceAccounts"] + n["notServiceAccounts"] > 0):
                errs.append(f"cannot set serviceAccounts with namespaces or principals, found at rule {i}")
            if not any(n.values()):
                errs.append(f"`from.source` must not be empty, found at rule {i}")
            for key in ("ipBlocks", "notIpBlocks", "remoteIpBlocks", "notRemoteIpBlocks"):
                errs.extend(validate_ips(_strs(src.get(key))))
            for key, check in (("principals", _empty), ("requestPrincipals", _empty), ("namespaces", _empty),
                               ("serviceAccounts", check_service_account), ("trustDomains", _trust_domains),
                               ("ipBlocks", _empty), ("remoteIpBlocks", _empty), ("notPrincipals", _empty),
                               ("notRequestPrincipals", _empty), ("notNamespaces", _empty),
                               ("notServiceAccounts", check_service_account), ("notTrustDomains", _trust_domains),
                               ("notIpBlocks", _empty), ("notRemoteIpBlocks", _empty)):
                errs.append(check(key[0].upper() + key[1:], _strs(src.get(key))))
            if any(src.get(k) is not None for k in _TCP_SOURCE):
                tcp_from = True
        if rule.get("to") is not None and not lst(rule.get("to")):
            errs.append(f"`to` must not be empty, found at rule {i}")
        for to in lst(rule.get("to")):
            if to is None:
                errs.append(f"`to` must not be nil, found at rule {i}")
                continue
            op = d(to).get("operation")
            if op is None:
                errs.append(f"`to.operation` must not be nil, found at rule {i}")
                continue
            to_exists = True
            op = d(op)
            if not any(lst(op.get(k)) for k in _OP_FIELDS):
                errs.append(f"`to.operation` must not be empty, found at rule {i}")
            errs.extend(validate_ports(_strs(op.get("ports"))))
            errs.extend(validate_ports(_strs(op.get("notPorts"))))
            for key in _OP_FIELDS:
                errs.append(_empty(key[0].upper() + key[1:], _strs(op.get(key))))
            errs.append(_path_template("Paths", _strs(op.get("paths"))))
            errs.append(_path_template("NotPaths", _strs(op.get("notPaths"))))
            if op.get("ports") is not None or op.get("notPorts") is not None:
                tcp_to = True
        for cond in lst(rule.get("when")):
            cond = d(cond)
            key = s(cond.get("key"))
            if not key:
                errs.append("`key` must not be empty")
                continue
            values, not_values = _strs(cond.get("values")), _strs(cond.get("notValues"))
            if not values and not not_values:
                errs.append(f"at least one of `values` or `notValues` must be set for key {key}")
                continue
            err = validate_attribute(key, values)
            if err:
                errs.append(f"invalid `value` for `key` {key}: {err}")
            err = validate_attribute(key, not_values)
            if err:
                errs.append(f"invalid `notValue` for `key` {key}: {err}")
        if ((from_exists and not to_exists and not tcp_from) or (to_exists and not tcp_to)) and action == "DENY":
            warnings.append("configured AuthorizationPolicy will deny all traffic to TCP ports under its scope due to "
                            "the use of only HTTP attributes in a DENY rule; it is recommended to explicitly specify "
                            "the port")
    prefix = f"invalid policy {name}.{namespace}:"
    return Validation(errors=[f"{prefix} {e}" for e in errs if e], warnings=warnings)


def _strs(value: Any) -> list[str]:
    return [s(x) for x in lst(value)]


def _empty(key: str, values: list[str]) -> str | None:
    if any(v == "" for v in values):
        return f"empty value not allowed, found in {key}"
    return None


def _wildcards(key: str, values: list[str]) -> str | None:
    err = _empty(key, values)
    if err:
        return err
    for v in values:
        count = v.count("*")
        if count > 1:
            return f"at most one wildcard is allowed, found in {key}: {go_q(v)}"
        if count == 1 and v != "*" and not v.startswith("*") and not v.endswith("*"):
            return f"wildcard is only allowed at the start or end, found in {key}: {go_q(v)}"
    return None


def _trust_domains(key: str, values: list[str]) -> str | None:
    err = _wildcards(key, values)
    if err:
        return err
    for v in values:
        if "/" in v:
            return f"trust domain must not contain '/', found in {key}: {go_q(v)}"
    return None


def check_service_account(key: str, values: list[str]) -> str | None:
    if len(values) > 16:
        return "may not have more than 16 values"
    fmt = "expected format 'serviceAccount' or 'namespace/serviceAccount'"
    for v in values:
        if v == "":
            return f"empty value not allowed, found in {key}"
        if "*" in v:
            return f"wildcard not allowed, found in {key}"
        if v.count("/") not in (0, 1):
            return f"{fmt}, found {go_q(v)} in {key}"
        if len(v) > 320:
            return f"value cannot exceed 320 characters, found {go_q(v)} in {key}"
        ns, sep, sa = v.partition("/")
        if sep:
            if not ns:
                return f"{fmt}, found empty namespace {go_q(v)} in {key}"
            if not sa:
                return f"{fmt}, found empty serviceAccount {go_q(v)} in {key}"
    return None


def _path_template(key: str, paths: list[str]) -> str | None:
    for path in paths:
        template = "{*}" in path or "{**}" in path
        any_seen = False
        path = path.strip("/")
        for glob in path.split("/"):
            if glob == "{*}" and not any_seen:
                continue
            if glob == "{**}" and not any_seen:
                any_seen = True
                continue
            if glob in ("{*}", "{**}") and any_seen:
                return f"invalid or unsupported path {path}, found in {key}. {{**}} is not the last operator"
            if "{" in glob or "}" in glob:
                return (f"invalid or unsupported path {path}, found in {key}. Contains '{{' or '}}' beyond a "
                        "supported path template")
            if template and not pattern("path_literal").match(glob):
                return (f"invalid or unsupported path {path}, found in {key}. Contains segment {glob} with invalid "
                        "string literal")
    return None


def validate_ips(ips: list[str]) -> list[str]:
    errs = []
    for v in ips:
        if "/" in v:
            if not parse_prefix(v):
                errs.append(f"bad CIDR range ({v})")
        elif not is_ip(v):
            errs.append(f"bad IP address ({v})")
    return errs


def validate_ports(ports: list[str]) -> list[str]:
    errs = []
    for p in ports:
        if not re.fullmatch(r"[0-9]+", p) or int(p) > 65535:
            errs.append(f"bad port ({p})")
    return errs


def _map_key(key: str) -> str | None:
    open_ = key.find("[")
    if key.endswith("]") and 0 < open_ < len(key) - 2:
        return None
    return f"bad key ({key}): should have format a[b]"


def validate_attribute(key: str, values: list[str]) -> str | None:
    err = _empty(key, values)
    if err:
        return err
    if key.startswith("request.headers"):
        return _map_key(key)
    if key in ("source.ip", "remote.ip", "destination.ip"):
        errs = validate_ips(values)
        return "; ".join(errs) if errs else None
    if key == "source.serviceAccount":
        return check_service_account(key, values)
    if key == "source.trustDomain":
        return _wildcards(key, values)
    if key in ("source.namespace", "source.principal", "request.auth.principal", "request.auth.audiences",
               "request.auth.presenter", "connection.sni"):
        return None
    if key.startswith("request.auth.claims") or key.startswith("experimental.envoy.filters."):
        return _map_key(key)
    if key == "destination.port":
        errs = validate_ports(values)
        return "; ".join(errs) if errs else None
    if key == "destination.namespace":
        return f"attribute {key} is replaced by the metadata.namespace"
    if key.startswith("destination.labels"):
        return f"attribute {key} is replaced by the workload selector"
    if key in ("destination.name", "destination.user"):
        return f"deprecated attribute {key}: only supported in v1alpha1"
    return f"unknown attribute: {key}"
