"""Registers the commands that live in their own modules (diff, verify, mutate, ratchet)."""

from __future__ import annotations

import importlib

import click


def register(group: click.Group) -> None:
    for module, name in (("redline.diff", "diff"), ("redline.verify", "verify"), ("redline.mutate", "mutate"),
                         ("redline.ratchet", "ratchet")):
        command = getattr(importlib.import_module(module), name)
        assert isinstance(command, click.Command)
        group.add_command(command)
