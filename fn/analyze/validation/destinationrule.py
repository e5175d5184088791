"""Istio's ``ValidateDestinationRule`` and the traffic-policy checks it shares."""

from __future__ import annotations

import math

from .common import (Validation, d, fnum, is_dns1123_label, lst, num, parse_duration_ns, present, s,
                     validate_duration, validate_export_to, validate_fqdn, validate_ip_address, validate_labels,
                     validate_percent, validate_port, validate_wildcard_domain, validate_workload_selector, wrapped)

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def validate(name: str, namespace: str, spec: dict[str, Any], meta: dict[str, Any]) -> Validation:
    v = Validation()
    v.err(validate_wildcard_domain(s(spec.get("host"))))
    v.add(validate_traffic_policy(namespace, spec.get("trafficPolicy")))
    seen: set[str] = set()
    for subset in lst(spec.get("subsets")):
        if subset is None:
            v.err("subset may not be null")
            continue
        subset = d(subset)
        sname = s(subset.get("name"))
        if sname in seen:
            v.err(f"duplicate subset names: {sname}")
        seen.add(sname)
        v.err(validate_subset_name(sname))
        v.err(*validate_labels(subset.get("labels")))
        v.add(validate_traffic_policy(namespace, subset.get("trafficPolicy")))
    selector = spec.get("workloadSelector")
    v.err(*validate_export_to(namespace, spec.get("exportTo"), False, selector is not None))
    v.add(validate_workload_selector(selector))
    return v


def validate_subset_name(name: str) -> str | None:
    if not name:
        return "subset name cannot be empty"
    if not is_dns1123_label(name):
        return f"subset name is invalid: {name}"
    return None


_POLICY_FIELDS = ("outlierDetection", "connectionPool", "loadBalancer", "tls", "portLevelSettings",
                  "tunnel", "proxyProtocol", "retryBudget")


def validate_traffic_policy(namespace: str, policy: Any) -> Validation:
    v = Validation()
    if policy is None:
        return v
    policy = d(policy)
    if not any(present(policy, f) for f in _POLICY_FIELDS):
        return v.err("traffic policy must have at least one field")
    if present(policy, "tunnel") and present(policy, "proxyProtocol"):
        return v.err("tunnel and proxyProtocol must not be set together")
    v.add(validate_outlier_detection(policy.get("outlierDetection")))
    v.err(*validate_connection_pool(policy.get("connectionPool")))
    v.add(validate_load_balancer(policy.get("loadBalancer"), policy.get("outlierDetection")))
    v.err(*validate_client_tls(namespace, policy.get("tls")))
    v.add(_port_policies(namespace, policy.get("portLevelSettings")))
    v.err(*_tunnel(policy.get("tunnel")))
    pp = policy.get("proxyProtocol")
    if pp is not None:
        version = s(d(pp).get("version")) or "V1"
        if version not in ("V1", "V2", "0", "1"):
            v.err(f"proxy protocol version is invalid: {version}")
    return v


def _port_policies(namespace: str, settings: Any) -> Validation:
    v = Validation()
    for t in lst(settings):
        if t is None:
            v.err("traffic policy may not be null")
            continue
        t = d(t)
        if not present(t, "port"):
            v.err("portTrafficPolicy must have valid port")
        if not any(present(t, f) for f in ("outlierDetection", "connectionPool", "loadBalancer", "tls")):
            v.err("port traffic policy must have at least one field")
        else:
            v.add(validate_outlier_detection(t.get("outlierDetection")))
            v.err(*validate_connection_pool(t.get("connectionPool")))
            v.add(validate_load_balancer(t.get("loadBalancer"), t.get("outlierDetection")))
            v.err(*validate_client_tls(namespace, t.get("tls")))
    return v


def _tunnel(tunnel: Any) -> list[str]:
    if tunnel is None:
        return []
    tunnel = d(tunnel)
    errs = []
    proto = s(tunnel.get("protocol"))
    if proto not in ("", "CONNECT", "POST"):
        errs.append('tunnel protocol must be "CONNECT" or "POST"')
    target = s(tunnel.get("targetHost"))
    fqdn_err, ip_err = validate_fqdn(target), validate_ip_address(target)
    if fqdn_err and ip_err:
        errs.append(f"tunnel target host must be valid FQDN or IP address: {fqdn_err}; {ip_err}")
    port_err = validate_port(num(tunnel.get("targetPort")))
    if port_err:
        errs.append(f"tunnel target port is invalid: {port_err}")
    return errs


def validate_outlier_detection(outlier: Any) -> Validation:
    v = Validation()
    if outlier is None:
        return v
    outlier = d(outlier)
    if present(outlier, "baseEjectionTime"):
        v.err(validate_duration(outlier.get("baseEjectionTime")))
    if num(outlier.get("consecutiveErrors")) != 0:
        v.warn("outlier detection consecutive errors is deprecated, use consecutiveGatewayErrors or "
               "consecutive5xxErrors instead")
    if not wrapped(outlier.get("splitExternalLocalOriginErrors")) and \
            num(wrapped(outlier.get("consecutiveLocalOriginFailures"))) > 0:
        v.err("outlier detection consecutive local origin failures is specified, but split external local "
              "origin errors is set to false")
    if present(outlier, "interval"):
        v.err(validate_duration(outlier.get("interval")))
    v.err(validate_percent(num(outlier.get("maxEjectionPercent"))),
          validate_percent(num(outlier.get("minHealthPercent"))))
    return v


def validate_connection_pool(settings: Any) -> list[str]:
    if settings is None:
        return []
    settings = d(settings)
    if not present(settings, "http") and not present(settings, "tcp"):
        return ["connection pool must have at least one field"]
    errs: list[str | None] = []
    http = settings.get("http")
    if http is not None:
        http = d(http)
        for key, text in (("http1MaxPendingRequests", "http1 max pending requests"),
                          ("http2MaxRequests", "http2 max requests"),
                          ("maxRequestsPerConnection", "max requests per connection"),
                          ("maxRetries", "max retries")):
            if num(http.get(key)) < 0:
                errs.append(f"{text} must be non-negative")
        if present(http, "idleTimeout"):
            errs.append(validate_duration(http.get("idleTimeout")))
        if s(http.get("h2UpgradePolicy")) == "UPGRADE" and http.get("useClientProtocol") is True:
            errs.append("use client protocol must not be true when H2UpgradePolicy is UPGRADE")
        if num(http.get("maxConcurrentStreams")) < 0:
            errs.append("max concurrent streams must be non-negative")
        ka = http.get("http2KeepAlive")
        if ka is not None:
            ka = d(ka)
            for key, text in (("interval", "http2 keepalive interval is required"),
                              ("timeout", "http2 keepalive timeout is required")):
                errs.append(validate_duration(ka.get(key)) if present(ka, key) else text)
    tcp = settings.get("tcp")
    if tcp is not None:
        tcp = d(tcp)
        if num(tcp.get("maxConnections")) < 0:
            errs.append("max connections must be non-negative")
        for key in ("connectTimeout", "maxConnectionDuration"):
            if present(tcp, key):
                errs.append(validate_duration(tcp.get(key)))
        if present(tcp, "idleTimeout"):
            # 0s turns the idle timeout off: Istio allows it.
            ns = parse_duration_ns(tcp.get("idleTimeout"))
            if ns is None or abs(ns) >= 10**6:
                errs.append(validate_duration(tcp.get("idleTimeout")))
        ka = tcp.get("tcpKeepalive")
        if ka is not None:
            for key in ("time", "interval"):
                if present(d(ka), key):
                    errs.append(validate_duration(d(ka).get(key)))
    return [e for e in errs if e]


def _is_prime(x: int) -> bool:
    if x != 0 and x < 4:
        return True
    if x & 1 == 0:
        return False
    for factor in range(3, math.isqrt(x) + 1, 2):
        if x % factor == 0:
            return False
    return True


def validate_load_balancer(settings: Any, outlier: Any) -> Validation:
    v = Validation()
    if settings is None:
        return v
    settings = d(settings)
    ch = settings.get("consistentHash")
    if ch is not None:
        ch = d(ch)
        cookie = ch.get("httpCookie")
        if cookie is not None:
            cookie = d(cookie)
            if not s(cookie.get("name")):
                v.err("name required for HttpCookie")
            attrs: set[str] = set()
            for attr in lst(cookie.get("attributes")):
                aname = s(d(attr).get("name"))
                if not aname:
                    v.err("cookie attribute name cannot be empty")
                    continue
                if aname in attrs:
                    v.err(f"duplicate cookie attribute name: {aname}")
                attrs.add(aname)
        ring = num(ch.get("minimumRingSize"))
        if ring != 0:
            v.warn("consistent hash MinimumRingSize is deprecated, use ConsistentHashLB's RingHash "
                   "configuration instead")
            if present(ch, "maglev") or present(ch, "ringHash"):
                v.err("only one of MinimumRingSize or Maglev/Ringhash can be specified")
        ml = ch.get("maglev")
        if ml is not None:
            size = num(d(ml).get("tableSize"))
            if size == 0:
                v.err("tableSize must be set for maglev")
            if size >= 5000011:
                v.err("tableSize must be less than 5000011 for maglev")
            if not _is_prime(size):
                v.err("tableSize must be a prime number for maglev")
    if present(settings, "localityLbSetting") and present(settings, "zoneAwareLbSetting"):
        v.err("only one of localityLbSetting and zoneAwareLbSetting can be set")
    v.add(_locality_lb(settings.get("localityLbSetting"), outlier))
    v.add(_zone_aware_lb(settings.get("zoneAwareLbSetting"), outlier))
    warm = settings.get("warmup")
    if warm is not None:
        warm = d(warm)
        if not present(warm, "duration"):
            v.err("duration is required")
        else:
            v.err(validate_duration(warm.get("duration")))
        if fnum(warm.get("minimumPercent")) > 100:
            v.err("minimumPercent value should be less than or equal to 100")
        if present(warm, "aggression") and fnum(warm.get("aggression")) <= 0:
            v.err("aggression should be greater than 0")
    return v


_TOPOLOGY = ("topology.kubernetes.io/region", "topology.kubernetes.io/zone", "topology.istio.io/subzone")


def _locality_lb(lb: Any, outlier: Any) -> Validation:
    v = Validation()
    if lb is None:
        return v
    lb = d(lb)
    distribute, failover = lst(lb.get("distribute")), lst(lb.get("failover"))
    priority = [s(p) for p in lst(lb.get("failoverPriority"))]
    if distribute and failover:
        return v.err("can not simultaneously specify 'distribute' and 'failover'")
    if failover and priority:
        for label in priority:
            if label in _TOPOLOGY:
                return v.err(f"can not simultaneously set 'failover' and topology label '{label}' in "
                             "'failover_priority'")
    sources = []
    for loc in distribute:
        loc = d(loc)
        sources.append(s(loc.get("from")))
        total, dests = 0, []
        for dest, weight in d(loc.get("to")).items():
            dests.append(s(dest))
            w = num(weight)
            if w <= 0 or w > 100:
                return v.err("locality weight must be in range [1, 100]")
            total += w
        if total != 100:
            return v.err(f"total locality weight {total} != 100")
        v.err(_localities(dests))
    v.err(_localities(sources))
    if (failover or priority) and outlier is None:
        v.warn("outlier detection policy must be provided for failover")
    for f in failover:
        f = d(f)
        src, dst = s(f.get("from")), s(f.get("to"))
        if src == dst:
            v.err("locality lb failover settings must specify different regions")
        if "/" in src or "/" in dst:
            v.err("locality lb failover only specify region")
        if "*" in src or "*" in dst:
            v.err("locality lb failover region should not contain '*' wildcard")
    return v


def _zone_aware_lb(lb: Any, outlier: Any) -> Validation:
    v = Validation()
    if lb is None:
        return v
    lb = d(lb)
    failover, priority = lst(lb.get("failover")), [s(p) for p in lst(lb.get("failoverPriority"))]
    for label in priority:
        if label in _TOPOLOGY:
            v.err(f"'failover_priority' for zone aware lb must not use topology label '{label}'; region- and "
                  "zone-level routing are handled automatically")
    if (failover or priority) and outlier is None:
        v.warn("outlier detection policy must be provided for failover")
    for f in failover:
        f = d(f)
        src, dst = s(f.get("from")), s(f.get("to"))
        if src == dst:
            v.err("zone aware lb failover settings must specify different regions")
        if "/" in src or "/" in dst:
            v.err("zone aware lb failover only specifies region; zone and subzone failover are handled "
                  "automatically")
        if "*" in src or "*" in dst:
            v.err("zone aware lb failover region should not contain '*' wildcard")
    return v


def _localities(localities: list[str]) -> str | None:
    tree: dict[str, dict[str, dict[str, bool]]] = {}
    for loc in localities:
        n = loc.count("*")
        if n and (n > 1 or not loc.endswith("*")):
            return f"locality {loc} wildcard '*' number can not exceed 1 and must be in the end"
        if "*" in tree:
            return f"locality {loc} overlap with previous specified ones"
        items = loc.split("/", 2)
        if any(i == "" for i in items):
            return f"locality {loc} must not contain empty region/zone/subzone info"
        region = items[0]
        zone = items[1] if len(items) > 1 else ""
        sub = items[2] if len(items) > 2 else ""
        overlap = f"locality {loc} overlap with previous specified ones"
        if len(items) == 1:
            if region in tree:
                return overlap
            tree[region] = {"*": {"*": True}}
        elif len(items) == 2:
            if region in tree:
                if "*" in tree[region] or zone in tree[region]:
                    return overlap
                tree[region][zone] = {"*": True}
            else:
                tree[region] = {zone: {"*": True}}
        else:
            if region in tree:
                if "*" in tree[region]:
                    return overlap
                if zone in tree[region]:
                    if tree[region][zone].get("*") or tree[region][zone].get(sub):
                        return overlap
                    tree[region][zone][sub] = True
                else:
                    tree[region][zone] = {sub: True}
            else:
                tree[region] = {zone: {sub: True}}
    return None


def validate_client_tls(namespace: str, tls: Any) -> list[str]:
    """Istio's ``agent.ValidateTLS`` for a DestinationRule's client TLS settings."""
    if tls is None:
        return []
    tls = d(tls)
    errs = []
    cred = s(tls.get("credentialName"))
    mode = s(tls.get("mode")) or "DISABLE"
    if cred.startswith("configmap://"):
        rest = cred[len("configmap://"):]
        parts = rest.split("/")
        if not rest or len(parts) > 2 or any(p == "" for p in parts):
            errs.append(f"invalid configmap:// credentialName: invalid resource name {rest!r}")
        else:
            ns = parts[0] if len(parts) == 2 else namespace
            if ns != namespace or not namespace:
                errs.append("invalid configmap:// credentialName: namespace must match the configuration "
                            f'namespace "{namespace}"')
    if wrapped(tls.get("insecureSkipVerify")) is True:
        if mode == "SIMPLE" and (s(tls.get("caCertificates")) or cred or tls.get("subjectAltNames") is not None):
            errs.append("cannot specify CaCertificates or CredentialName or SubjectAltNames when "
                        "InsecureSkipVerify is set true")
        if mode == "MUTUAL" and (s(tls.get("caCertificates")) or tls.get("subjectAltNames") is not None):
            errs.append("cannot specify CaCertificates or SubjectAltNames when InsecureSkipVerify is set true")
    if mode in ("SIMPLE", "MUTUAL") and cred:
        if any(s(tls.get(k)) for k in ("clientCertificate", "caCertificates", "privateKey", "caCrl")):
            errs.append("cannot specify client certificates or CA certificate or CA CRL If credentialName is set")
        return errs
    if mode == "MUTUAL":
        if not s(tls.get("clientCertificate")):
            errs.append("client certificate required for mutual tls")
        if not s(tls.get("privateKey")):
            errs.append("private key required for mutual tls")
    return errs
