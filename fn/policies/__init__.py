"""The policies, one module per generated kind, in the order they run. Adding a kind means
adding a module with ``enabled(settings)`` and ``generate(model, settings)``, its config
section, and one line here."""

from __future__ import annotations

from . import (ambientmigration, authorizationpolicy, destinationrule, grpcroute, httproute, namespacelabels,
               peerauthentication, requestauthentication, serviceaccount, serviceentry, sidecar, tcproute,
               versionservice, virtualservice, waypoint)
from .base import OWNER_ANNOTATION, OWNER_VALUE, Generated, Output, Policy

POLICIES: tuple[Policy, ...] = (
    Policy("v1", None, namespacelabels.enabled, namespacelabels.generate),
    Policy(destinationrule.API_VERSION, destinationrule.KIND, destinationrule.enabled, destinationrule.generate),
    Policy(virtualservice.API_VERSION, virtualservice.KIND, virtualservice.enabled, virtualservice.generate),
    Policy(peerauthentication.API_VERSION, peerauthentication.KIND, peerauthentication.enabled,
           peerauthentication.generate),
    Policy(httproute.API_VERSION, httproute.KIND, httproute.enabled, httproute.generate, quiet=True),
    Policy(grpcroute.API_VERSION, grpcroute.KIND, grpcroute.enabled, grpcroute.generate, quiet=True),
    Policy(tcproute.API_VERSION, tcproute.KIND, tcproute.enabled, tcproute.generate, quiet=True),
    Policy(versionservice.API_VERSION, versionservice.KIND, versionservice.enabled, versionservice.generate,
           quiet=True),
    Policy(waypoint.API_VERSION, waypoint.KIND, waypoint.enabled, waypoint.generate, quiet=True),
    Policy("v1", None, ambientmigration.enabled, ambientmigration.generate),
    Policy(authorizationpolicy.API_VERSION, authorizationpolicy.KIND, authorizationpolicy.enabled,
           authorizationpolicy.generate, opt_in=True),
    Policy(requestauthentication.API_VERSION, requestauthentication.KIND, requestauthentication.enabled,
           requestauthentication.generate, opt_in=True),
    Policy(serviceentry.API_VERSION, serviceentry.KIND, serviceentry.enabled, serviceentry.generate, opt_in=True),
    Policy(sidecar.API_VERSION, sidecar.KIND, sidecar.enabled, sidecar.generate, opt_in=True),
    Policy(serviceaccount.API_VERSION, serviceaccount.KIND, serviceaccount.enabled, serviceaccount.generate,
           quiet=True),
)

__all__ = ["POLICIES", "Policy", "Output", "Generated", "OWNER_ANNOTATION", "OWNER_VALUE"]
