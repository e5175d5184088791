"""Helpers for running kpt on a throwaway copy of a package held in git, the way the kpt
functions catalog's e2e tests do: the package's change is `git diff` of the work tree."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

GIT = ["git", "-c", "user.email=e2e@istio-mesh-fn.invalid", "-c", "user.name=e2e", "-c", "commit.gpgsign=false",
       "-c", "core.autocrlf=false"]


def git(pkg: Path, *args: str) -> str:
    return subprocess.run([*GIT, *args], cwd=pkg, check=True, capture_output=True, text=True).stdout


def checkout(src: Path, dest: Path, ignore=(".expected",)) -> Path:
    """Copy src to dest, make it a git repo and commit everything."""
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns(*ignore))
    git(dest, "init", "-q")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "package as checked in")
    return dest


def diff(pkg: Path) -> str:
    """Everything that changed since the commit, new files included."""
    git(pkg, "add", "-A")
    return git(pkg, "diff", "--cached", "--no-color", "--no-ext-diff", "--binary")


def files(pkg: Path) -> dict[str, bytes]:
    return {p.relative_to(pkg).as_posix(): p.read_bytes()
            for p in sorted(pkg.rglob("*")) if p.is_file() and ".git" not in p.relative_to(pkg).parts}


KPTFILE = """apiVersion: kpt.dev/v1
kind: Kptfile
metadata:
  name: {name}
  annotations:
    config.kubernetes.io/local-config: "true"
pipeline:
  mutators:
    - {key}: {value}
"""


def kptfile(name: str, *, exec: str | None = None, image: str | None = None) -> str:
    key, value = ("exec", exec) if exec else ("image", image)
    return KPTFILE.format(name=name, key=key, value=value)
