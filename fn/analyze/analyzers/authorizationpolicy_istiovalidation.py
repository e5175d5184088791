"""IST0106/IST0133 from Istio's own validation of AuthorizationPolicys (fn/analyze/validation)."""

from ..model import AUTHORIZATION_POLICY, register
from ..validation.analyzer import make

register(make(AUTHORIZATION_POLICY, __name__))
