"""IST0106/IST0133 from Istio's own validation of DestinationRules (fn/analyze/validation)."""

from ..model import DESTINATION_RULE, register
from ..validation.analyzer import make

register(make(DESTINATION_RULE, __name__))
