"""RL-5: every selected model grants the app role its privilege."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from redline.manifest import CompiledNode
from redline.registry import CheckContext, Problem, model_check, param


@model_check("grants_role")
def grants_role(ctx: CheckContext, node: CompiledNode, params: Mapping[str, Any]) -> Iterator[Problem]:
    """The model's resolved `grants` config (per target, after dbt_project.yml and config() merge) must give
    the role the privilege; without it the upload app, running as WEB_APP, cannot read the table."""
    role = str(param(params, "role", str)).upper()
    privilege = str(params.get("privilege", "select")).lower()
    granted: set[str] = set()
    for key, value in node.grants.items():
        if key.lstrip("+").lower() != privilege:
            continue
        values = [value] if isinstance(value, str) else list(value or [])
        granted |= {str(v).strip('"').upper() for v in values}
    if role not in granted:
        yield Problem(node.name, f"grants.{privilege} on target {node.target} is {sorted(granted) or 'empty'}",
                      f"grants: {{{privilege}: ['{role}']}}", anchor="grants")
