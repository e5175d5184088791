"""IST0106/IST0133 from Istio's own validation of PeerAuthentications (fn/analyze/validation)."""

from ..model import SECURITY, register
from ..validation.analyzer import make

register(make((SECURITY, "PeerAuthentication"), __name__))
