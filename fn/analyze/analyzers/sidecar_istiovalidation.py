"""IST0106/IST0133 from Istio's own validation of Sidecars (fn/analyze/validation)."""

from ..model import SIDECAR, register
from ..validation.analyzer import make

register(make(SIDECAR, __name__))
