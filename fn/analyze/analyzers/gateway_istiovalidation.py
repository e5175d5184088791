"""IST0106/IST0133 from Istio's own validation of Gateways (fn/analyze/validation)."""

from ..model import GATEWAY, register
from ..validation.analyzer import make

register(make(GATEWAY, __name__))
