"""IST0106/IST0133 from Istio's own validation of ServiceEntrys (fn/analyze/validation)."""

from ..model import SERVICE_ENTRY, register
from ..validation.analyzer import make

register(make(SERVICE_ENTRY, __name__))
