"""Istio's ``ValidateVirtualService``. The unreachable-rule and ineffective-match part
of it is the ``virtualservice_validation`` analyzer's (own message codes)."""

from __future__ import annotations

import re

from .common import (Validation, d, fnum, go_q, host_matches, host_subset_of, is_dns1123_label, is_ip, lst, num,
                     parse_duration_ns, pattern, present, s, validate_duration, validate_export_to, validate_fqdn,
                     validate_ip_subnet, validate_labels, validate_port, validate_regexp, validate_wildcard_domain,
                     validate_wildcard_domain_for_gateway_vs)
from .destinationrule import validate_subset_name

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

MESH = "mesh"
_PSEUDO = {":method", ":scheme", ":authority", ":path", ":status"}
_CORS_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE", "*"}
_GRPC_STATUS = {"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
                "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
                "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"}
_RETRY_ON = {"5xx", "gateway-error", "reset", "reset-before-request", "connect-failure", "retriable-4xx",
             "refused-stream", "retriable-status-codes", "retriable-headers", "envoy-ratelimited",
             "http3-post-connect-failure", "cancelled", "deadline-exceeded", "internal", "resource-exhausted",
             "unavailable"}
# Go's net/http StatusText: the codes that have a name.
_HTTP_STATUS = {100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304,
                305, 307, 308, 400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415,
                416, 417, 418, 421, 422, 423, 424, 425, 426, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505,
                506, 507, 508, 510, 511}


def validate(name: str, namespace: str, spec: dict[str, Any], meta: dict[str, Any]) -> Validation:
    v = Validation()
    hosts = [s(h) for h in lst(spec.get("hosts"))]
    gateways = [s(g) for g in lst(spec.get("gateways"))]
    http, tcp, tls = lst(spec.get("http")), lst(spec.get("tcp")), lst(spec.get("tls"))
    if not hosts:
        if gateways:
            v.err("delegate virtual service must have no gateways specified")
        if tls:
            v.err("delegate virtual service must have no tls route specified")
        if tcp:
            v.err("delegate virtual service must have no tcp route specified")
    gateway_semantics = _annotations(meta).get("internal.istio.io/route-semantics") == "gateway"
    applies_to_gateway = False
    applies_to_mesh = True
    if gateways:
        v.add(validate_gateway_names(gateways, gateway_semantics))
        applies_to_gateway = MESH not in gateways
        applies_to_mesh = not applies_to_gateway
    if not applies_to_gateway:
        for route in http:
            for m in lst(d(route).get("match")):
                for key in list(d(d(m).get("headers"))) + list(d(d(m).get("withoutHeaders"))):
                    if _is_jwt_claim(s(key)):
                        v.err(f"JWT claim based routing (key: {key}) is only supported for gateway, found no "
                              f"gateways: [{' '.join(gateways)}]")
    sni = any(lst(d(m).get("sniHosts")) for t in tls for m in lst(d(t).get("match")))
    all_valid = True
    for h in hosts:
        err = (validate_wildcard_domain_for_gateway_vs(sni, h) if applies_to_gateway
               else validate_wildcard_domain(h))
        if err:
            if not is_ip(h):
                v.err(err)
                all_valid = False
        elif applies_to_mesh and h == "*":
            v.err("wildcard host * is not allowed for virtual services bound to the mesh gateway")
            all_valid = False
    if all_valid:
        for i, a in enumerate(hosts):
            for b in hosts[i + 1:]:
                if host_matches(a, b):
                    v.err(f"duplicate hosts in virtual service: {a} & {b}")
    if not http and not tcp and not tls:
        v.err("http, tcp or tls must be provided in virtual service")
    for route in http:
        if route is None:
            v.err("http route may not be null")
            continue
        v.add(validate_http_route(d(route), not hosts, gateway_semantics))
    for route in tls:
        # Istio's isGateway: true unless "mesh" is listed, even with no gateways at all.
        v.add(_tls_route(route, hosts, MESH not in gateways, gateway_semantics))
    for route in tcp:
        v.err(*_tcp_route(route, gateway_semantics))
    v.err(*validate_export_to(namespace, spec.get("exportTo"), False, False))
    return v


def _annotations(meta: dict[str, Any]) -> dict[str, str]:
    return {str(k): s(val) for k, val in d(meta.get("annotations")).items()}


def _is_jwt_claim(name: str) -> bool:
    prefix = "@request.auth.claims"
    if not name.lower().startswith(prefix):
        return False
    rest = name[len(prefix):]
    return (rest.startswith(".") and len(rest) > 1) or (rest.startswith("[") and rest.endswith("]") and len(rest) > 2)


def validate_gateway_names(names: list[str], gateway_semantics: bool) -> Validation:
    v = Validation()
    for gw in names:
        parts = gw.split("/", 1)
        if len(parts) != 2:
            if "." in gw:
                p = gw.split(".")
                v.warn(f"using legacy gatewayName format {go_q(gw)}; prefer the <namespace>/<name> format: "
                       f"{go_q(p[1] + '/' + p[0])}")
            v.err(validate_fqdn(gw))
            return v
        if not parts[0] or not parts[1]:
            v.err("config namespace and gateway name cannot be empty")
        if not is_dns1123_label(parts[0]):
            v.err(f"invalid value for namespace: {go_q(parts[0])}")
        if not is_dns1123_label(parts[1]) and not gateway_semantics:
            v.err(f"invalid value for gateway name: {go_q(parts[1])}")
    return v


# ------------------------------------------------------------------ HTTP routes

def validate_http_route(http: dict[str, Any], delegate: bool, gateway_semantics: bool) -> Validation:
    v = Validation()
    route_type = "delegate" if delegate else ("root" if present(http, "delegate") else "independent")
    v.err(*_route_conflict(http, route_type))
    v.err(*_match_request(http))
    v.err(*_header_operations(http.get("headers")))
    v.err(*_cors(http.get("corsPolicy")))
    v.add(_fault(http.get("fault")))
    if present(http, "mirrorPercent"):
        value = num(d(http["mirrorPercent"]).get("value") if isinstance(http["mirrorPercent"], dict)
                    else http["mirrorPercent"])
        if value > 100:
            v.err(f"mirror_percent must have a max value of 100 (it has {value})")
        v.warn('using deprecated setting "mirrorPercent", use "mirrorPercentage" instead')
    if present(http, "mirrorPercentage"):
        percentage = fnum(d(http["mirrorPercentage"]).get("value"))
        if percentage > 100:
            v.err(f"mirror_percentage must have a max value of 100 (it has {percentage:f})")
        if percentage < 0:
            v.err(f"mirror_percentage must have a min value of 0 (it has {percentage:f})")
    v.err(*validate_destination(http.get("mirror")))
    v.err(*_mirrors(http.get("mirrors")))
    v.err(_redirect(http.get("redirect"), lst(http.get("match"))))
    v.add(_direct_response(http.get("directResponse")))
    v.err(*validate_retry(http.get("retries")))
    v.err(*_rewrite(http.get("rewrite")))
    v.err(_authority_rewrite(http.get("rewrite"), http.get("headers")))
    v.err(*_route_destinations(lst(http.get("route")), gateway_semantics, http=True))
    if present(http, "timeout"):
        v.err(validate_duration(http.get("timeout")))
    return v


def _route_conflict(http: dict[str, Any], route_type: str) -> list[str]:
    errs = []
    name = s(http.get("name"))
    has = {k: present(http, k) for k in ("redirect", "fault", "rewrite", "directResponse", "delegate", "mirror")}
    routes = lst(http.get("route"))
    if route_type == "root":
        if has["redirect"]:
            errs.append(f"root HTTP route {name} must not specify redirect")
        if http.get("route") is not None:
            errs.append(f"root HTTP route {name} must not specify route")
        return errs
    if route_type == "delegate" and has["delegate"]:
        errs.append("delegate HTTP route cannot contain delegate")
    if has["redirect"]:
        if routes:
            errs.append("HTTP route cannot contain both route and redirect")
        if has["fault"]:
            errs.append("HTTP route cannot contain both fault and redirect")
        if has["rewrite"]:
            errs.append("HTTP route rule cannot contain both rewrite and redirect")
        if has["directResponse"]:
            errs.append("HTTP route rule cannot contain both direct_response and redirect")
    elif has["directResponse"]:
        if routes:
            errs.append("HTTP route cannot contain both route and direct_response")
        if has["fault"]:
            errs.append("HTTP route cannot contain both fault and direct_response")
        if has["rewrite"]:
            errs.append("HTTP route rule cannot contain both rewrite and direct_response")
    elif not routes:
        errs.append("HTTP route, redirect or direct_response is required")
    if has["mirror"] and lst(http.get("mirrors")):
        errs.append("HTTP route cannot contain both mirror and mirrors")
    return errs


def _header_name_or_claim(name: str) -> str | None:
    if not name:
        return "header name cannot be empty"
    if _is_jwt_claim(name) or name in _PSEUDO:
        return None
    if not pattern("tchars").match(name):
        return f"header name {name} is not a valid header name"
    return None


def _string_match(sm: Any, where: str) -> str | None:
    sm = d(sm)
    if "prefix" in sm and sm.get("prefix") is not None:
        if not s(sm.get("prefix")):
            return f"{go_q(where)}: prefix string match should not be empty"
    elif "regex" in sm and sm.get("regex") is not None:
        return _string_match_regexp(sm, where)
    return None


def _string_match_regexp(sm: Any, where: str) -> str | None:
    sm = d(sm)
    if sm.get("regex") is None:
        return None
    pattern = s(sm.get("regex"))
    if not pattern:
        return f"{go_q(where)}: regex string match should not be empty"
    return validate_regexp(pattern, where)


def _match_request(http: dict[str, Any]) -> list[str]:
    errs: list[str | None] = []
    matches = [d(m) for m in lst(http.get("match")) if m is not None]
    for m in matches:
        for hname, header in d(m.get("headers")).items():
            if header is None:
                errs.append(f"header match {hname} cannot be null")
            errs.append(_header_name_or_claim(s(hname)))
            errs.append(_string_match(header, "headers"))
        for hname, header in d(m.get("withoutHeaders")).items():
            errs.append(_header_name_or_claim(s(hname)))
            if header is not None and s(d(header).get("regex")) != "*":
                errs.append(_string_match(header, "withoutHeaders"))
        errs.append(_string_match_regexp(m.get("uri"), "uri"))
        errs.append(_string_match(m.get("scheme"), "scheme"))
        errs.append(_string_match(m.get("method"), "method"))
        errs.append(_string_match(m.get("authority"), "authority"))
        for qp in d(m.get("queryParams")).values():
            errs.append(_string_match(qp, "queryParams"))
    for m in matches:
        if num(m.get("port")) != 0:
            errs.append(validate_port(num(m.get("port"))))
        errs.extend(validate_labels(m.get("sourceLabels")))
        errs.extend(validate_gateway_names([s(g) for g in lst(m.get("gateways"))], False).errors)
        ns = s(m.get("sourceNamespace"))
        if ns and not is_dns1123_label(ns):
            errs.append(f"sourceNamespace match {ns} is invalid")
    return [e for e in errs if e]


def _is_internal_header(name: str) -> bool:
    return name.startswith(":") or name.lower() == "host"


def _is_authority_header(name: str) -> bool:
    return name.lower() in (":authority", "host")


def _header_with_authority(name: str) -> str | None:
    if not name:
        return "header name cannot be empty"
    if _is_internal_header(name) and not _is_authority_header(name):
        return f'invalid header {go_q(name)}: header cannot have ":" prefix'
    return None


def _header_operation(name: str) -> str | None:
    if not name:
        return "header name cannot be empty"
    if name.lower() == "host":
        return f"invalid header {go_q(name)}: cannot set Host header"
    if _is_internal_header(name):
        return f'invalid header {go_q(name)}: header cannot have ":" prefix'
    return None


def validate_header_value(value: str) -> str | None:
    if not pattern("header_value").match(value):
        return f"header value configuration {value} is invalid"
    err = _header_value_syntax(value)
    return f"header value configuration: {err}" if err else None


def _header_value_syntax(value: str) -> str | None:
    """Envoy's custom header syntax: ``%VAR%``, ``%VAR(args)%``, ``%%`` for a percent."""
    state, pos, n = "literal", 0, len(value)
    while pos < n:
        ch = value[pos]
        has_next = pos + 1 < n
        if state == "literal":
            if ch == "%":
                if not has_next:
                    return "invalid header configuration. Un-escaped %"
                if value[pos + 1] == "%":
                    pos += 1
                else:
                    state = "var"
        elif state == "var":
            if ch == "%":
                state = "literal"
            elif ch == "(":
                state = "expect_array"
        elif state == "expect_array":
            if ch == "[":
                state = "expect_string"
            elif ch != " ":
                state = "string"
        elif state == "array_delim":
            if ch == ",":
                state = "expect_string"
            elif ch == "]":
                state = "args_end"
            elif ch != " ":
                return "invalid header configuration. Expecting ',', ']', or whitespace"
        elif state == "expect_string":
            if ch == '"':
                state = "string"
            elif ch != " ":
                return "invalid header configuration. Expecting '\"'"
        elif state == "string":
            if ch == "\\":
                if not has_next:
                    return "invalid header configuration. Un-terminated backslash in JSON string"
                pos += 1
            elif ch == ")":
                state = "var_end"
            elif ch == '"':
                state = "array_delim"
        elif state == "args_end":
            if ch == ")":
                state = "var_end"
            elif ch != " ":
                return "invalid header configuration. Expecting ')' or whitespace after '{}', but found '{}'"
        elif state == "var_end":
            if ch == "%":
                state = "literal"
            elif ch != " ":
                return "invalid header configuration. Expecting '%' or whitespace after"
        pos += 1
    if state != "literal":
        return f"invalid header configuration. Un-terminated variable expression '{value}'"
    return None


def _header_operations(headers: Any) -> list[str]:
    errs: list[str | None] = []
    headers = d(headers)
    req, resp = d(headers.get("request")), d(headers.get("response"))
    for op in ("add", "set"):
        for hname, val in d(req.get(op)).items():
            errs += [_header_with_authority(s(hname)), validate_header_value(s(val))]
    for hname in lst(req.get("remove")):
        errs.append(_header_operation(s(hname)))
    for op in ("add", "set"):
        for hname, val in d(resp.get(op)).items():
            errs += [_header_operation(s(hname)), validate_header_value(s(val))]
    for hname in lst(resp.get("remove")):
        errs.append(_header_operation(s(hname)))
    return [e for e in errs if e]


def _authority_rewrite(rewrite: Any, headers: Any) -> str | None:
    current = s(d(rewrite).get("authority"))
    req = d(d(headers).get("request"))
    for op in ("set", "add"):
        for k, val in d(req.get(op)).items():
            if not _is_authority_header(s(k)):
                continue
            if current:
                return f"authority header cannot be set multiple times: have {go_q(current)}, attempting to set " \
                       f"{go_q(s(val))}"
            current = s(val)
    return None


def _cors_header(name: str) -> str | None:
    if not name:
        return "header name cannot be empty"
    if name == "*":
        return None
    if not pattern("tchars").match(name):
        return f"header name {name} is not a valid header name"
    return None


def _cors(policy: Any) -> list[str]:
    if policy is None:
        return []
    policy = d(policy)
    errs: list[str | None] = []
    for origin in lst(policy.get("allowOrigins")):
        origin = d(origin)
        match = next((s(origin.get(k)) for k in ("exact", "prefix", "regex") if origin.get(k) is not None), "")
        if not match:
            errs.append(f"'{match}' is not a valid match type for CORS allow origins")
        else:
            errs.append(_string_match_regexp(origin, "corsPolicy.allowOrigins"))
    for method in lst(policy.get("allowMethods")):
        if s(method) not in _CORS_METHODS:
            errs.append(f"{go_q(s(method))} is not a supported HTTP method")
    for hname in lst(policy.get("allowHeaders")) + lst(policy.get("exposeHeaders")):
        errs.append(_cors_header(s(hname)))
    if present(policy, "maxAge"):
        errs.append(validate_duration(policy.get("maxAge")))
        ns = parse_duration_ns(policy.get("maxAge"))
        if ns is not None and ns % 10**9 > 0:
            errs.append("max_age duration is accurate only to seconds precision")
    return [e for e in errs if e]


def _percentage(p: Any) -> str | None:
    if p is None:
        return None
    value = fnum(p)
    if value < 0.0 or value > 100.0 or 0.0 < value < 0.0001:
        return f"percentage {_go_float(value)} is neither 0.0, nor in range [0.0001, 100.0]"
    return None


def _go_float(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


def _fault(fault: Any) -> Validation:
    v = Validation()
    if fault is None:
        return v
    fault = d(fault)
    abort, delay = fault.get("abort"), fault.get("delay")
    if abort is None and delay is None:
        v.err("HTTP fault injection must have an abort and/or a delay")
    if abort is not None:
        abort = d(abort)
        v.err(_percentage(abort.get("percentage")))
        if abort.get("grpcStatus") is not None:
            status = s(abort.get("grpcStatus"))
            if status not in _GRPC_STATUS:
                v.err(f"gRPC status {go_q(status)} is not supported. See "
                      "https://github.com/grpc/grpc/blob/master/doc/statuscodes.md for a list of supported codes, "
                      "for example 'NOT_FOUND'")
        elif abort.get("http2Error") is not None:
            v.err("HTTP/2 abort fault injection not supported yet")
        elif abort.get("httpStatus") is not None:
            v.err(_http_status(num(abort.get("httpStatus"))))
        else:
            v.warn("abort configured, but error type not set")
    if delay is not None:
        delay = d(delay)
        v.err(_percentage(delay.get("percentage")))
        if delay.get("fixedDelay") is not None:
            v.err(validate_duration(delay.get("fixedDelay")))
        elif delay.get("exponentialDelay") is not None:
            v.err(validate_duration(delay.get("exponentialDelay")), "exponentialDelay not supported yet")
    return v


def _http_status(status: int) -> str | None:
    if status < 200 or status > 600:
        return f"HTTP status {status} is not in range 200-599"
    return None


def validate_destination(dest: Any) -> list[str]:
    if dest is None:
        return []
    dest = d(dest)
    errs: list[str | None] = []
    host = s(dest.get("host"))
    errs.append(f"invalid destination host {host}" if host == "*" else validate_wildcard_domain(host))
    if s(dest.get("subset")):
        errs.append(validate_subset_name(s(dest.get("subset"))))
    if dest.get("port") is not None:
        errs.append(validate_port(num(d(dest.get("port")).get("number"))))
    return [e for e in errs if e]


def _mirrors(mirrors: Any) -> list[str]:
    errs: list[str] = []
    for m in lst(mirrors):
        if m is None:
            errs.append("mirror cannot be null")
            continue
        m = d(m)
        if m.get("destination") is None:
            errs.append("destination is required for mirrors")
            continue
        errs.extend(validate_destination(m.get("destination")))
        if m.get("percentage") is not None:
            value = fnum(m.get("percentage"))
            if value > 100:
                errs.append(f"mirror percentage must have a max value of 100 (it has {value:f})")
            if value < 0:
                errs.append(f"mirror percentage must have a min value of 0 (it has {value:f})")
    return errs


def _redirect(redirect: Any, matches: list[Any]) -> str | None:
    if redirect is None:
        return None
    r = d(redirect)
    uri, prefix = s(r.get("uri")), s(r.get("prefixRewrite"))
    if uri and prefix:
        return "redirect may only specify one of uri or prefix_rewrite"
    if prefix:
        for m in matches:
            u = d(m).get("uri")
            if u is not None and d(u).get("prefix") is None:
                return "redirect prefix_rewrite requires all URI matches to use prefix match type"
    has_port = r.get("port") is not None or r.get("derivePort") is not None
    if not uri and not prefix and not s(r.get("authority")) and not has_port and not s(r.get("scheme")):
        return "redirect must specify URI, authority, scheme, or port"
    code = num(r.get("redirectCode"))
    if code != 0 and (code < 300 or code > 399):
        return f"{code} is not a valid redirect code, must be 3xx"
    scheme = s(r.get("scheme"))
    if scheme and scheme not in ("http", "https"):
        return 'invalid redirect scheme, must be "http" or "https"'
    port = num(r.get("port"))
    if port > 0:
        return validate_port(port)
    return None


def _direct_response(resp: Any) -> Validation:
    v = Validation()
    if resp is None:
        return v
    resp = d(resp)
    body = resp.get("body")
    if body is not None:
        body = d(body)
        if body.get("string") is not None:
            size = len(s(body.get("string")).encode())
        else:
            # protobuf JSON writes bytes as base64: four characters per three bytes.
            text = s(body.get("bytes")).rstrip("=")
            size = len(text) * 3 // 4
        if size > 1024 * 1024:
            v.err("large direct_responses may impact control plane performance, must be less than 1MB")
        elif size > 100 * 1024:
            v.warn("large direct_responses may impact control plane performance")
    v.err(_http_status(num(resp.get("status"))))
    return v


def validate_retry(retries: Any) -> list[str]:
    """Istio's ``agent.ValidateHTTPRetry``."""
    if retries is None:
        return []
    r = d(retries)
    errs: list[str | None] = []
    attempts = num(r.get("attempts"))
    if attempts < 0:
        errs.append("attempts cannot be negative")
    if attempts == 0 and (present(r, "perTryTimeout") or s(r.get("retryOn")) or present(r, "retryRemoteLocalities")):
        errs.append("http retry policy configured when attempts are set to 0 (disabled)")
    if present(r, "perTryTimeout"):
        errs.append(validate_duration(r.get("perTryTimeout")))
    retry_on = s(r.get("retryOn"))
    if retry_on:
        for policy in retry_on.split(","):
            code = int(policy) if re.fullmatch(r"[+-]?[0-9]+", policy) else 0
            if code not in _HTTP_STATUS and policy not in _RETRY_ON:
                errs.append(f"{go_q(policy)} is not a valid retryOn policy")
    if present(r, "backoff"):
        errs.append(validate_duration(r.get("backoff")))
    return [e for e in errs if e]


def _rewrite(rewrite: Any) -> list[str]:
    if rewrite is None:
        return []
    r = d(rewrite)
    uri, regex = s(r.get("uri")), r.get("uriRegexRewrite")
    if uri and regex is not None:
        return ["rewrite may only contain one of URI or UriRegexRewrite"]
    if not uri and regex is None and not s(r.get("authority")):
        return ["rewrite must specify at least one of URI, UriRegexRewrite, or authority. Only one of URI or "
                "UriRegexRewrite may be specified"]
    if regex is not None:
        regex = d(regex)
        if not s(regex.get("match")) or not s(regex.get("rewrite")):
            return ["UriRegexRewrite has errors\nUriRegexRewrite requires both Rewrite and Match fields to be "
                    "specified"]
        err = validate_regexp(s(regex.get("match")), "HTTPRewrite.UriRegexRewrite.Match")
        if err:
            return [f"UriRegexRewrite has errors\n{err}"]
    return []


def _route_destinations(weights: list[Any], gateway_semantics: bool, http: bool = False) -> list[str]:
    """Istio's validateRouteDestinations, and with ``http`` its HTTP twin, which also checks
    each destination's header operations."""
    errs: list[str | None] = []
    total = 0
    for w in weights:
        if w is None:
            errs.append("weight may not be nil")
            continue
        w = d(w)
        if w.get("destination") is None:
            errs.append("destination is required")
        if http:
            errs.extend(_header_operations(w.get("headers")))
        if not gateway_semantics:
            errs.extend(validate_destination(w.get("destination")))
        weight = num(w.get("weight"))
        if weight < 0:
            errs.append(f"weight {weight} < 0")
        total += weight
    if len(weights) > 1 and total == 0:
        errs.append("total destination weight = 0")
    return [e for e in errs if e]


# ------------------------------------------------------------------ TLS and TCP routes

def _tls_route(tls: Any, hosts: list[str], applies_to_gateway: bool, gateway_semantics: bool) -> Validation:
    v = Validation()
    if tls is None:
        return v
    tls = d(tls)
    matches = lst(tls.get("match"))
    if not matches:
        v.err("TLS route must have at least one match condition")
    for m in matches:
        if m is None:
            v.err("TLS match may not be null")
            continue
        m = d(m)
        snis = [s(x) for x in lst(m.get("sniHosts"))]
        if not snis:
            v.err("TLS match must have at least one SNI host")
        for sni in snis:
            v.add(_sni_host(sni, hosts, applies_to_gateway))
        for subnet in lst(m.get("destinationSubnets")):
            v.err(validate_ip_subnet(s(subnet)))
        if num(m.get("port")) != 0:
            v.err(validate_port(num(m.get("port"))))
        v.err(*validate_labels(m.get("sourceLabels")))
        v.add(validate_gateway_names([s(g) for g in lst(m.get("gateways"))], False))
    routes = lst(tls.get("route"))
    if not routes:
        v.err("TLS route is required")
    v.err(*_route_destinations(routes, gateway_semantics))
    return v


def _sni_host(sni: str, hosts: list[str], applies_to_gateway: bool) -> Validation:
    v = Validation()
    err = (validate_wildcard_domain_for_gateway_vs(True, sni) if applies_to_gateway
           else validate_wildcard_domain(sni))
    if err:
        if is_ip(sni):
            return v.warn(f"using an IP address ({go_q(sni)}) goes against SNI spec and most clients do not "
                          "support this")
        return v.err(err)
    if any(host_subset_of(sni, h) for h in hosts):
        return v
    return v.err(f"SNI host {go_q(sni)} is not a compatible subset of any of the virtual service hosts: "
                 f"[{', '.join(hosts)}]")


def _tcp_route(tcp: Any, gateway_semantics: bool) -> list[str]:
    if tcp is None:
        return []
    tcp = d(tcp)
    errs: list[str | None] = []
    for m in lst(tcp.get("match")):
        if m is None:
            errs.append("tcp match may not be nil")
            continue
        m = d(m)
        for subnet in lst(m.get("destinationSubnets")):
            errs.append(validate_ip_subnet(s(subnet)))
        if num(m.get("port")) != 0:
            errs.append(validate_port(num(m.get("port"))))
        errs.extend(validate_labels(m.get("sourceLabels")))
        errs.extend(validate_gateway_names([s(g) for g in lst(m.get("gateways"))], False).errors)
    routes = lst(tcp.get("route"))
    if not routes:
        errs.append("TCP route is required")
    errs.extend(_route_destinations(routes, gateway_semantics))
    return [e for e in errs if e]


__all__ = ["validate", "validate_destination", "validate_retry"]
