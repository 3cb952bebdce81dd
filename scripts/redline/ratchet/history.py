"""governance/ at a git ref: resolve the base, read files and folders with `git show`, nothing checked out."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import yaml

from redline.config import ConfigError


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=False)


def rev_parse(root: Path, ref: str) -> str | None:
    done = _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else None


def resolve_base(root: Path, ref: str) -> tuple[str, str]:
    """(commit, note). `auto`: $REDLINE_BASE is not consulted here (the Makefile passes it as the ref);
    1. the merge-base of HEAD and origin/main (else main) when it is not HEAD itself (a branch or pull
       request is compared with the main commit it started from);
    2. otherwise HEAD~1 (on main, or a clone without origin/main: the last commit against its parent);
    3. otherwise no base (a shallow clone of one commit): commit "" and the ratchet is skipped.
    Any other ref must resolve, or it is a ConfigError (exit 2)."""
    if ref != "auto":
        commit = rev_parse(root, ref)
        if commit is None:
            raise ConfigError(f"--base {ref}: not a commit in this repository (git rev-parse failed)")
        return commit, f"base {ref} ({commit[:12]})"
    head = rev_parse(root, "HEAD")
    if head is None:
        return "", "no base: not a git checkout with commits; governance ratchet skipped"
    mains = [(name, commit) for name in ("origin/main", "main") if (commit := rev_parse(root, name))]
    for name, main in mains:
        done = _git(root, "merge-base", "HEAD", main)
        merge_base = done.stdout.strip()
        if done.returncode == 0 and merge_base and merge_base != head:
            return merge_base, f"base auto = merge-base of HEAD and {name} ({merge_base[:12]})"
    parent = rev_parse(root, "HEAD~1")
    if parent is not None:
        why = "HEAD is on main" if mains else "no origin/main or main"
        return parent, f"base auto = HEAD~1 ({parent[:12]}; {why})"
    return "", "no base: no origin/main and no HEAD~1 (shallow clone?); governance ratchet skipped"


def show(root: Path, commit: str, relpath: str) -> str | None:
    """The file's text at the commit, None when it did not exist there."""
    done = _git(root, "show", f"{commit}:{relpath}")
    return done.stdout if done.returncode == 0 else None


def list_dir(root: Path, commit: str, relpath: str) -> list[str]:
    done = _git(root, "ls-tree", "--name-only", f"{commit}:{relpath}")
    return sorted(done.stdout.split()) if done.returncode == 0 else []


def _load(text: str | None, where: str) -> Any:
    if text is None:
        return None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}: cannot parse YAML: {exc}") from exc
