"""Istio's ``ValidateGateway`` and the server TLS checks Sidecars share."""

from __future__ import annotations

from typing import Any

from .common import (HTTP_PROTOCOLS, TLS_PROTOCOLS, Validation, d, go_q, is_dns1123_label, lst, num, parse_protocol,
                     s, validate_ip_address, validate_namespace_slash_wildcard_hostname, validate_port,
                     validate_unix_address)

UNIX = "unix://"
_CIPHERS = {"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
            "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
            "ECDHE-ECDSA-AES128-SHA", "ECDHE-RSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA", "ECDHE-RSA-AES256-SHA",
            "AES128-GCM-SHA256", "AES256-GCM-SHA384", "AES128-SHA", "AES256-SHA", "DES-CBC3-SHA"}


def validate(name: str, namespace: str, spec: dict[str, Any], meta: dict[str, Any]) -> Validation:
    v = Validation()
    semantics = s(d(meta.get("annotations")).get("internal.istio.io/gateway-semantics")) == "gateway"
    if not is_dns1123_label(name) and not semantics:
        v.err(f"invalid gateway name: {go_q(name)}")
    servers = lst(spec.get("servers"))
    if not servers:
        v.err("gateway must have at least one server")
    else:
        for server in servers:
            v.add(_server(server, semantics))
    port_names: set[str] = set()
    for server in servers:
        if server is None:
            v.err("server may not be null")
            continue
        server = d(server)
        if server.get("port") is not None:
            port = d(server.get("port"))
            pname = s(port.get("name"))
            if pname in port_names:
                v.err(f"port names in servers must be unique: duplicate name {pname}")
            port_names.add(pname)
            if parse_protocol(s(port.get("protocol"))) not in HTTP_PROTOCOLS and \
                    d(server.get("tls")).get("httpsRedirect") is True:
                v.warn("tls.httpsRedirect should only be used with http servers")
    return v


def _server(server: Any, semantics: bool) -> Validation:
    v = Validation()
    if server is None:
        return v.err("cannot have nil server")
    server = d(server)
    hosts = [s(h) for h in lst(server.get("hosts"))]
    if not hosts:
        v.err("server config must contain at least one host")
    for h in hosts:
        v.err(*validate_namespace_slash_wildcard_hostname(h, True, semantics))
    bind = s(server.get("bind"))
    port_errs = _server_port(server.get("port"), bind)
    v.err(*port_errs)
    v.err(*_server_bind(server.get("port"), bind))
    tls = server.get("tls")
    v.add(validate_server_tls(tls))
    if not port_errs:
        proto = parse_protocol(s(d(server.get("port")).get("protocol")))
        if proto in TLS_PROTOCOLS and tls is None:
            v.err("server must have TLS settings for HTTPS/TLS protocols")
        elif proto not in TLS_PROTOCOLS and tls is not None:
            if proto in HTTP_PROTOCOLS:
                t = d(tls)
                passthrough = (s(t.get("mode")) or "PASSTHROUGH") in ("PASSTHROUGH", "AUTO_PASSTHROUGH")
                if not passthrough or any(s(t.get(k)) for k in ("caCertificates", "privateKey", "serverCertificate")):
                    v.err("server cannot have TLS settings for plain text HTTP ports")
            else:
                v.err("server cannot have TLS settings for non HTTPS/TLS ports")
    return v


def _server_port(port: Any, bind: str) -> list[str]:
    if port is None:
        return ["port is required"]
    port = d(port)
    errs = []
    proto = s(port.get("protocol"))
    if parse_protocol(proto) == "UnsupportedProtocol":
        errs.append(f"invalid protocol {go_q(proto)}, supported protocols are HTTP, HTTP2, GRPC, GRPC-WEB, MONGO, "
                    "REDIS, MYSQL, TCP")
    number = num(port.get("number"))
    if number > 0 or not bind.startswith(UNIX):
        err = validate_port(number)
        if err:
            errs.append(err)
    if num(port.get("targetPort")) > 0:
        errs.append("targetPort has no impact on Gateways")
    if not s(port.get("name")):
        errs.append(f"port name must be set: {_port_text(port)}")
    return errs


def _port_text(port: dict[str, Any]) -> str:
    # Go prints the proto message; only its fields matter to a reader.
    parts = [f"{k}:{go_q(s(port[k])) if isinstance(port[k], str) else s(port[k])}"
             for k in ("number", "protocol", "name") if port.get(k) not in (None, "", 0)]
    return " ".join(parts)


def _server_bind(port: Any, bind: str) -> list[str]:
    errs = []
    if bind.startswith(UNIX):
        err = validate_unix_address(bind[len(UNIX):])
        if err:
            errs.append(err)
        if port is not None and num(d(port).get("number")) != 0:
            errs.append(f"port number must be 0 for unix domain socket: {_port_text(d(port))}")
    elif bind:
        err = validate_ip_address(bind)
        if err:
            errs.append(err)
    return errs


def _valid_cipher(cs: str) -> bool:
    if cs in ("", "ALL"):
        return True
    if not cs[0].isalnum():
        return True
    return cs in _CIPHERS


def validate_server_tls(tls: Any) -> Validation:
    """Istio's ``validateTLSOptions`` for a Gateway server or a Sidecar ingress listener."""
    v = Validation()
    if tls is None:
        return v
    t = d(tls)
    mode = s(t.get("mode")) or "PASSTHROUGH"
    ciphers = [s(c) for c in lst(t.get("cipherSuites"))]
    if s(t.get("minProtocolVersion")) in ("TLSV1_0", "TLSV1_1") and not ciphers:
        v.warn("TLS version below TLSV1_2 require setting compatible ciphers as by default they no longer "
               "include compatible ciphers.")
    invalid, valid, dup = set(), set(), set()
    for cs in ciphers:
        if not _valid_cipher(cs):
            invalid.add(cs)
        elif cs in valid:
            dup.add(cs)
        else:
            valid.add(cs)
    if invalid:
        v.warn(f"ignoring invalid cipher suites: [{' '.join(sorted(invalid))}]")
    if dup:
        v.warn(f"ignoring duplicate cipher suites: [{' '.join(sorted(dup))}]")
    server_cert, key, ca = s(t.get("serverCertificate")), s(t.get("privateKey")), s(t.get("caCertificates"))
    cred, creds, certs = s(t.get("credentialName")), lst(t.get("credentialNames")), lst(t.get("tlsCertificates"))
    if mode == "ISTIO_MUTUAL":
        if server_cert:
            v.err("ISTIO_MUTUAL TLS cannot have associated server certificate")
        if key:
            v.err("ISTIO_MUTUAL TLS cannot have associated private key")
        if ca:
            v.err("ISTIO_MUTUAL TLS cannot have associated CA bundle")
        if certs:
            v.err("ISTIO_MUTUAL TLS cannot have associated tlsCertificates")
        if cred:
            v.err("ISTIO_MUTUAL TLS cannot have associated credentialName")
        if creds:
            v.err("ISTIO_MUTUAL TLS cannot have associated credentialNames")
        return v
    if mode in ("PASSTHROUGH", "AUTO_PASSTHROUGH"):
        if s(t.get("caCrl")) or server_cert or key or ca or certs or cred or creds:
            v.warn(f"{mode} mode does not use certificates, they will be ignored")
    sources = sum([bool(server_cert and key), bool(cred), bool(creds), bool(certs)])
    if sources > 1:
        v.err("only one of credential_name, credential_names, server_certificate/private_key, tls_certificates "
              "should be specified")
    terminating = mode in ("SIMPLE", "MUTUAL", "OPTIONAL_MUTUAL")
    if terminating and (cred or creds):
        return v
    to_verify = [d(c) for c in certs] if certs else [{"serverCertificate": server_cert, "privateKey": key}]
    if terminating:
        prefix = "SIMPLE TLS"
        if mode in ("MUTUAL", "OPTIONAL_MUTUAL"):
            prefix = "MUTUAL TLS"
            if not ca:
                v.err(f"{prefix} requires a client CA bundle")
        if len(certs) > 2:
            v.warn(f"{prefix} can support up to 2 server certificates")
        for cert in to_verify:
            if not s(cert.get("serverCertificate")):
                v.err(f"{prefix} requires a server certificate")
            if not s(cert.get("privateKey")):
                v.err(f"{prefix} requires a private key")
    if s(t.get("caCrl")):
        if cred:
            v.err("CRL is not supported with credentialName. CRL has to be specified in the credential")
        if mode == "SIMPLE":
            v.err("CRL is not supported with SIMPLE TLS")
    return v
