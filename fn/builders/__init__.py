"""One builder per Istio kind. Builders are pure: plain values in, a manifest dict out."""
