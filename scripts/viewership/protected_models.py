"""Which model carries which red line, read from governance/redlines.yml.

Each rule's ``models:`` list names the models the red line exists for; it is the only place that says so
(models carry no ``meta.red_lines``). The docs site shows a rule on the pages of its models and the lineage
picture outlines them. ``redline`` checks the same file: every model a check selects by name is listed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

RED_LINES_FILE = Path("governance") / "redlines.yml"


class RedLinesError(ValueError):
    """governance/redlines.yml cannot be read or has the wrong shape."""


def load_red_lines(root: Path) -> list[dict[str, Any]]:
    """The rules of governance/redlines.yml (id, title, history, models, remediation, ...)."""
    path = root / RED_LINES_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise RedLinesError(f"{path}: cannot read the red lines: {exc}") from exc
    rules = data.get("rules") if isinstance(data, dict) else None
    if not isinstance(rules, list) or not all(isinstance(rule, dict) and rule.get("id") for rule in rules):
        raise RedLinesError(f"{path}: expected `rules:` as a list of mappings with an `id`")
    for rule in rules:
        models = rule.get("models", [])
        if not isinstance(models, list) or not all(isinstance(m, str) and m for m in models):
            raise RedLinesError(f"{path}: {rule['id']}: `models:` must be a list of model names")
    return rules


def red_lines_by_model(rules: Sequence[Mapping[str, Any]]) -> dict[str, tuple[str, ...]]:
    """Model name -> the ids of the rules whose ``models:`` list it, in the file's order."""
    out: dict[str, list[str]] = {}
    for rule in rules:
        for model in rule.get("models") or []:
            ids = out.setdefault(str(model), [])
            if str(rule["id"]) not in ids:
                ids.append(str(rule["id"]))
    return {model: tuple(ids) for model, ids in out.items()}
