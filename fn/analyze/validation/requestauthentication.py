"""Istio's ``ValidateRequestAuthentication``."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from .common import Validation, d, lst, pattern, present, s, validate_duration, validate_policy_targets


def validate(name: str, namespace: str, spec: dict[str, Any], meta: dict[str, Any]) -> Validation:
    v = validate_policy_targets(spec)
    for rule in lst(spec.get("jwtRules")):
        if rule is None:
            continue
        rule = d(rule)
        v.err(*_jwt_rule(rule))
        _private_keys(v, rule)
    return v


def parse_jwks_uri(uri: str) -> str | None:
    """The error of Istio's ``security.ParseJwksURI``, if any."""
    try:
        parts = urlsplit(uri)
        port = parts.port  # raises on a bad port
    except ValueError as exc:
        return f'parse "{uri}": {exc}'
    del port
    if parts.scheme not in ("http", "https"):
        return f"URI scheme {json.dumps(parts.scheme)} is not supported"
    return None


def _jwks(text: str) -> list[Any] | None:
    """The keys of a JWKS document (or a single JWK), None when it is not one."""
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    if isinstance(doc, dict) and isinstance(doc.get("keys"), list):
        keys: list[Any] = doc["keys"]
        return keys
    if isinstance(doc, dict) and "kty" in doc:
        return [doc]
    return None


def _jwt_rule(rule: dict[str, Any]) -> list[str]:
    errs: list[str | None] = []
    for aud in lst(rule.get("audiences")):
        if not s(aud):
            errs.append("audience must be non-empty string")
    if not s(rule.get("issuer")) and not s(rule.get("jwksUri")):
        errs.append("issuer or jwksUri must be non-empty string")
    if s(rule.get("jwksUri")):
        errs.append(parse_jwks_uri(s(rule.get("jwksUri"))))
    if s(rule.get("jwks")) and _jwks(s(rule.get("jwks"))) is None:
        errs.append("jwks parse error: failed to parse JWK set")
    for loc in lst(rule.get("fromHeaders")):
        if loc is None:
            errs.append("location header name must be non-null")
            continue
        if not s(d(loc).get("name")):
            errs.append("location header name must be non-empty string")
    for loc in lst(rule.get("fromParams")):
        if not s(loc):
            errs.append("location query must be non-empty string")
    for loc in lst(rule.get("fromCookies")):
        if not s(loc):
            errs.append("cookie name must be non-empty string")
    for ch in lst(rule.get("outputClaimToHeaders")):
        if ch is None:
            errs.append("outputClaimToHeaders must not be null")
            continue
        ch = d(ch)
        claim, header = s(ch.get("claim")), s(ch.get("header"))
        if not claim or not header:
            errs.append("outputClaimToHeaders header and claim value must be non-empty string")
            continue
        if not pattern("strict_header").match(header):
            errs.append(f"header name {header} is not a valid header name")
    if present(rule, "timeout"):
        errs.append(validate_duration(rule.get("timeout")))
    return [e for e in errs if e]


# Members that only a private (or symmetric) JWK has.
_PRIVATE = {"RSA": "d", "EC": "d", "OKP": "d", "oct": "k"}


def _private_keys(v: Validation, rule: dict[str, Any]) -> None:
    keys = _jwks(s(rule.get("jwks"))) if s(rule.get("jwks")) else None
    for i, key in enumerate(keys or []):
        if isinstance(key, dict) and _PRIVATE.get(s(key.get("kty"))) in key:
            v.warn(f"jwks key at index {i} contains private key material; only public keys are used for "
                   "verification")
