"""istio-mesh-fn: a KRM function that generates and checks Istio mesh config."""

__version__ = "0.1.0"
