"""Istio's ``ValidateServiceEntry``."""

from __future__ import annotations

from typing import Any

from .common import (HTTP_PROTOCOLS, TCP_PROTOCOLS, TLS_PROTOCOLS, Validation, d, go_q, is_ip, lst, num,
                     parse_protocol, s, validate_export_to, validate_fqdn, validate_ip_subnet, validate_labels,
                     validate_partial_wildcard, validate_port, validate_port_name, validate_protocol,
                     validate_unix_address, validate_wildcard_domain, validate_workload_selector)

UNIX = "unix://"


def validate(name: str, namespace: str, spec: dict[str, Any], meta: dict[str, Any]) -> Validation:
    v = Validation()
    selector = validate_workload_selector(spec.get("workloadSelector"), labels_key="labels")
    if selector.errors:
        return Validation(errors=selector.errors)
    for w in selector.warnings:
        v.warn(f"service entry: {w}, will be applied to all services in namespace")
    resolution = s(spec.get("resolution")) or "NONE"
    hosts = [s(h) for h in lst(spec.get("hosts"))]
    addresses = [s(a) for a in lst(spec.get("addresses"))]
    endpoints = spec.get("endpoints")
    if spec.get("workloadSelector") is not None and endpoints is not None:
        v.err("only one of WorkloadSelector or Endpoints is allowed in Service Entry")
    if not hosts:
        v.err("service entry must have at least one host")
    for h in hosts:
        if h == "*":
            v.err(f"invalid host {h}")
        else:
            v.err(validate_wildcard_domain(h))
            if resolution != "DYNAMIC_DNS":
                v.warn(validate_partial_wildcard(h))
    cidr = False
    for a in addresses:
        cidr = cidr or "/" in a
        v.err(validate_ip_subnet(a))
    if cidr and resolution not in ("NONE", "STATIC"):
        v.err("CIDR addresses are allowed only for NONE/STATIC resolution types")
    labels = {str(k): s(x) for k, x in d(meta.get("labels")).items()}
    auto = (resolution != "NONE" and labels.get("networking.istio.io/enable-autoallocate-ip", "").lower() != "false"
            and not addresses)
    numbers: set[int] = set()
    port_names: set[str] = set()
    ports = lst(spec.get("ports"))
    for port in ports:
        if port is None:
            v.err("service entry port may not be null")
            continue
        port = d(port)
        pname, number, proto = s(port.get("name")), num(port.get("number")), s(port.get("protocol"))
        if pname in port_names:
            v.err(f"service entry port name {go_q(pname)} already defined")
        port_names.add(pname)
        if number in numbers:
            v.err(f"service entry port {number} already defined")
        numbers.add(number)
        if num(port.get("targetPort")) != 0:
            v.err(validate_port(num(port.get("targetPort"))))
        if not addresses and not auto and proto in ("", "TCP"):
            v.warn("addresses are required for ports serving TCP (or unset) protocol when IP Autoallocation is "
                   "not enabled")
        v.err(validate_port_name(pname), validate_protocol(proto), validate_port(number))
    eps = lst(endpoints)
    if resolution == "NONE":
        if eps:
            v.err("no endpoints should be provided for resolution type none")
        if spec.get("workloadSelector") is not None:
            v.warn("workloadSelector should not be set when resolution mode is NONE")
    elif resolution == "STATIC":
        for ep in eps:
            if ep is None:
                v.err("endpoint cannot be nil")
                continue
            v.add(_workload_entry(d(ep), port_names))
    elif resolution in ("DNS", "DNS_ROUND_ROBIN"):
        if not eps:
            for h in hosts:
                err = validate_fqdn(h)
                if err:
                    v.err(f"hosts must be FQDN or contain only prefix wildcards if no endpoints are provided for "
                          f"resolution mode {resolution}, {err}")
                    break
        if resolution == "DNS_ROUND_ROBIN" and len(eps) > 1:
            v.err(f"there must only be 0 or 1 endpoint for resolution mode {resolution}")
        for ep in eps:
            if ep is None:
                v.err("endpoint cannot be nil")
                continue
            ep = d(ep)
            addr = s(ep.get("address"))
            if not is_ip(addr) and validate_fqdn(addr):
                v.err(f"endpoint address {go_q(addr)} is not a valid FQDN or an IP address")
            v.err(*validate_labels(ep.get("labels")))
            for pname, pnum in d(ep.get("ports")).items():
                if str(pname) not in port_names:
                    v.err(f"endpoint port {num(pnum)} is not defined by the service entry")
                v.err(validate_port_name(str(pname)), validate_port(num(pnum)))
        if addresses:
            for port in ports:
                if port is None:
                    v.err("ports cannot be nil")
                    continue
                if parse_protocol(s(d(port).get("protocol"))) in TCP_PROTOCOLS:
                    if len(hosts) > 1:
                        v.warn("service entry can not have more than one host specified simultaneously with "
                               "address and tcp port")
                    break
    elif resolution == "DYNAMIC_DNS":
        if not hosts:
            v.err(f"at least one wildcard host must be provided for resolution type {resolution}")
        for h in hosts:
            if not h.startswith("*"):
                v.err(f"host must be wildcarded for resolution mode {resolution}")
        if addresses:
            v.err(f"addresses cannot be set for resolution type {resolution}. HTTP route domains will only be "
                  "generatedfrom the hosts field values")
        if eps:
            v.err(f"endpoints cannot be set for resolution type {resolution}. Destination IP address determined "
                  "from hostsfield values")
        for port in ports:
            if port is None:
                v.err("port cannot be nil")
                continue
            if parse_protocol(s(d(port).get("protocol"))) not in ("HTTP", "TLS", "GRPC", "HTTP2"):
                v.err(f"only HTTP, TLS, GRPC, and HTTP2 protocols are supported for resolution type {resolution}")
        location = s(spec.get("location")) or "MESH_EXTERNAL"
        if location not in ("MESH_EXTERNAL", "MESH_INTERNAL"):
            v.err(f"location must be MESH_EXTERNAL or MESH_INTERNAL for resolution type {resolution}")
        waypoint = labels.get("istio.io/use-waypoint", "")
        if location == "MESH_INTERNAL" and waypoint and waypoint.lower() != "none":
            v.err(f"location MESH_INTERNAL with resolution type {resolution} is not supported when using waypoints")
    else:
        v.err(f"unsupported resolution type {resolution}")
    if resolution != "NONE" and len(hosts) > 1:
        for port in ports:
            if port is None:
                v.err("ports cannot be nil")
                continue
            p = parse_protocol(s(d(port).get("protocol")))
            if p not in HTTP_PROTOCOLS and p not in TLS_PROTOCOLS:
                v.err("multiple hosts provided with non-HTTP, non-TLS ports")
                break
    v.err(*validate_export_to(namespace, spec.get("exportTo"), True, False))
    return v


def _workload_entry(we: dict[str, Any], service_ports: set[str]) -> Validation:
    v = Validation()
    addr = s(we.get("address"))
    if not addr:
        if not s(we.get("network")):
            return v.err("address is required")
        v.warn(f"address is unset with network {go_q(s(we.get('network')))}")
    unix = addr.startswith(UNIX)
    eports = d(we.get("ports"))
    if unix:
        v.err(validate_unix_address(addr[len(UNIX):]))
        if eports:
            v.err(f"unix endpoint {addr} must not include ports")
    elif addr and not is_ip(addr):
        v.err(f"endpoint address {go_q(addr)} is not a valid IP address")
    for pname, pnum in eports.items():
        if str(pname) not in service_ports:
            v.err(f"endpoint port {num(pnum)} is not defined by the service entry")
        v.err(validate_port_name(str(pname)), validate_port(num(pnum)))
    v.err(*validate_labels(we.get("labels")))
    if unix and len(service_ports) != 1:
        v.err("exactly 1 service port required for unix endpoints")
    return v
