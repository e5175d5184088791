"""Istio's ``ValidateSidecar``."""

from __future__ import annotations

import re
from typing import Any

from .common import (HTTP_PROTOCOLS, TLS_PROTOCOLS, Validation, d, lst, num, parse_protocol, s, validate_fqdn,
                     validate_ip_address, validate_namespace_slash_wildcard_hostname, validate_port,
                     validate_port_name, validate_protocol, validate_unix_address, validate_workload_selector)
from .destinationrule import validate_connection_pool
from .gateway import UNIX, validate_server_tls
from .virtualservice import validate_destination


def validate(name: str, namespace: str, spec: dict[str, Any], meta: dict[str, Any]) -> Validation:
    v = Validation()
    selector = validate_workload_selector(spec.get("workloadSelector"), labels_key="labels")
    if selector.errors:
        return Validation(errors=selector.errors)
    for w in selector.warnings:
        v.warn(f"sidecar: {w}, will be applied to all services in namespace")
    ingress, egress = lst(spec.get("ingress")), lst(spec.get("egress"))
    if not ingress and not egress and spec.get("outboundTrafficPolicy") is None and \
            spec.get("inboundConnectionPool") is None:
        return Validation(errors=["sidecar: empty configuration provided"])
    ports: set[int] = set()
    for i in ingress:
        if i is None:
            v.err("sidecar: ingress may not be null")
            continue
        i = d(i)
        if i.get("port") is None:
            v.err("sidecar: port is required for ingress listeners")
            continue
        port = d(i.get("port"))
        if num(port.get("targetPort")) > 0:
            v.err("targetPort has no impact on Sidecars")
        bind = s(i.get("bind"))
        if s(port.get("name")):
            v.err(validate_port_name(s(port.get("name"))))
        v.err(validate_protocol(s(port.get("protocol"))), validate_port(num(port.get("number"))))
        if bind:
            v.err(validate_ip_address(bind))
        number = num(port.get("number"))
        if number in ports:
            v.err("sidecar: ports on IP bound listeners must be unique")
        ports.add(number)
        v.err(*_default_endpoint(s(i.get("defaultEndpoint"))))
        tls = i.get("tls")
        if tls is not None:
            t = d(tls)
            if lst(t.get("subjectAltNames")):
                v.err("sidecar: subjectAltNames is not supported in ingress tls")
            if t.get("httpsRedirect") is True:
                v.err("sidecar: httpsRedirect is not supported")
            if s(t.get("credentialName")):
                v.err("sidecar: credentialName is not currently supported")
            if lst(t.get("credentialNames")):
                v.err("sidecar: credentialNames is not currently supported")
            if lst(t.get("tlsCertificates")):
                v.err("sidecar: tls_certificates is not currently supported")
            mode = s(t.get("mode")) or "PASSTHROUGH"
            if mode in ("ISTIO_MUTUAL", "AUTO_PASSTHROUGH"):
                v.err(f"configuration is invalid: cannot set mode to {mode} in sidecar ingress tls")
            if parse_protocol(s(port.get("protocol"))) not in TLS_PROTOCOLS:
                v.err("server cannot have TLS settings for non HTTPS/TLS ports")
            v.add(validate_server_tls(tls))
        pool = i.get("connectionPool")
        v.err(*validate_connection_pool(pool))
        if pool is not None and d(pool).get("http") is not None and \
                parse_protocol(s(port.get("protocol"))) not in HTTP_PROTOCOLS:
            v.warn(f"sidecar: HTTP connection pool settings are configured for port {number} "
                   f'("{s(port.get("name"))}") but its protocol is not HTTP ({s(port.get("protocol"))}); only TCP '
                   "settings will apply")
    v.err(*validate_connection_pool(spec.get("inboundConnectionPool")))
    ports = set()
    sockets: set[str] = set()
    catch_all = False
    for index, e in enumerate(egress):
        if e is None:
            v.err("egress listener may not be null")
            continue
        e = d(e)
        if e.get("port") is None:
            if not catch_all:
                if index == len(egress) - 1:
                    catch_all = True
                else:
                    v.err("sidecar: the egress listener with empty port should be the last listener in the list")
            else:
                v.err("sidecar: egress can have only one listener with empty port")
                continue
        else:
            port = d(e.get("port"))
            if num(port.get("targetPort")) > 0:
                v.err("targetPort has no impact on Sidecars")
            bind = s(e.get("bind"))
            v.err(*_egress_port(port, bind, s(e.get("captureMode")) or "DEFAULT"))
            number = num(port.get("number"))
            if number == 0:
                if bind in sockets:
                    v.err("sidecar: unix domain socket values for listeners must be unique")
                sockets.add(bind)
            else:
                if number in ports:
                    v.err("sidecar: ports on IP bound listeners must be unique")
                ports.add(number)
        hosts = [s(h) for h in lst(e.get("hosts"))]
        if not hosts:
            v.err("sidecar: egress listener must contain at least one host")
            continue
        seen: dict[str, dict[str, bool]] = {}
        for hostname in hosts:
            parts = hostname.split("/", 1)
            if len(parts) == 2 and not parts[0].startswith("~"):
                ns, svc = parts
                if ns == ".":
                    ns = namespace
                svcs = seen.setdefault(ns, {})
                if svc != "*":
                    if svc in svcs or svcs.get("*"):
                        v.warn(f"duplicated egress host: {hostname}")
                elif svcs:
                    v.warn(f"duplicated egress host: {hostname}")
                svcs[svc] = True
            v.err(*validate_namespace_slash_wildcard_hostname(hostname, False, False))
        if seen.get("*", {}).get("*") and len(seen) != 1:
            v.warn("`*/*` host select all resources, no other hosts can be added")
    v.err(*_outbound_policy(spec.get("outboundTrafficPolicy")))
    return v


def _default_endpoint(endpoint: str) -> list[str]:
    if not endpoint:
        return []
    if endpoint.startswith(UNIX):
        err = validate_unix_address(endpoint[len(UNIX):])
        return [err] if err else []
    errs = []
    host, port, split_err = _split_host_port(endpoint)
    if split_err:
        errs.append(split_err)
    if host not in ("", "127.0.0.1", "0.0.0.0", "::1", "::"):
        errs.append("sidecar: defaultEndpoint must be of form 127.0.0.1:<port>,0.0.0.0:<port>,[::1]:port,[::]:port,"
                    "unix://filepath or unset")
    if re.fullmatch(r"[+-]?[0-9]+", port):
        err = validate_port(int(port))
        if err:
            errs.append(err)
    else:
        errs.append(f'sidecar: defaultEndpoint port ({port}) is not a number: strconv.Atoi: parsing "{port}": '
                    "invalid syntax")
    return errs


def _split_host_port(hostport: str) -> tuple[str, str, str | None]:
    """Go's ``net.SplitHostPort``, enough of it for a listener address."""
    i = hostport.rfind(":")
    if i < 0:
        return "", "", f"address {hostport}: missing port in address"
    host, port = hostport[:i], hostport[i + 1:]
    if host.startswith("["):
        if not host.endswith("]"):
            return "", "", f"address {hostport}: missing ']' in address"
        host = host[1:-1]
    elif ":" in host:
        return "", "", f"address {hostport}: too many colons in address"
    return host, port, None


def _egress_port(port: dict[str, Any], bind: str, capture: str) -> list[str]:
    errs: list[str | None] = []
    if s(port.get("name")):
        errs.append(validate_port_name(s(port.get("name"))))
    if num(port.get("number")) == 0:
        errs.append(validate_protocol(s(port.get("protocol"))))
        if not bind.startswith(UNIX):
            errs.append("sidecar: ports with 0 value must have a unix domain socket bind address")
        else:
            errs.append(validate_unix_address(bind[len(UNIX):]))
        if capture not in ("DEFAULT", "NONE"):
            errs.append("sidecar: captureMode must be DEFAULT/NONE for unix domain socket listeners")
    else:
        errs += [validate_protocol(s(port.get("protocol"))), validate_port(num(port.get("number")))]
        if bind:
            errs.append(validate_ip_address(bind))
    return [e for e in errs if e]


def _outbound_policy(tp: Any) -> list[str]:
    if tp is None:
        return []
    tp = d(tp)
    mode = s(tp.get("mode")) or "REGISTRY_ONLY"
    if mode == "ALLOW_ANY_DYNAMIC_DNS":
        return ["sidecar: ALLOW_ANY_DYNAMIC_DNS mode is only supported in MeshConfig, not in Sidecar resource"]
    proxy = tp.get("egressProxy")
    if proxy is None:
        return []
    if mode != "ALLOW_ANY":
        return ["sidecar: egress_proxy must be set only with ALLOW_ANY outbound_traffic_policy mode"]
    errs: list[str | None] = [validate_fqdn(s(d(proxy).get("host")))]
    if d(proxy).get("port") is None:
        errs.append("sidecar: egress_proxy port must be non-nil")
        return [e for e in errs if e]
    errs.extend(validate_destination(proxy))
    return [e for e in errs if e]
