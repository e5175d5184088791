"""Offline checks of mesh config, after ``istioctl analyze``: one analyzer per file."""
