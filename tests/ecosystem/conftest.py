"""The image tests here reuse the end-to-end suite's fixtures: the container engine, the
image built once per session by the README's `make image` block, and the environments
that run it (tests/e2e/conftest.py)."""

from e2e.conftest import base_env, container_env, engine, fn_bin, image  # noqa: F401
