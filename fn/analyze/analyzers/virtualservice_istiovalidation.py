"""IST0106/IST0133 from Istio's own validation of VirtualServices (fn/analyze/validation)."""

from ..model import VIRTUAL_SERVICE, register
from ..validation.analyzer import make

register(make(VIRTUAL_SERVICE, __name__))
