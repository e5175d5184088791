"""IST0106/IST0133 from Istio's own validation of RequestAuthentications (fn/analyze/validation)."""

from ..model import REQUEST_AUTHENTICATION, register
from ..validation.analyzer import make

register(make(REQUEST_AUTHENTICATION, __name__))
