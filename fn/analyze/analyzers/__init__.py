"""One analyzer per module, named after istioctl's; each registers itself on import."""
