"""Red lines on the docs pages: doc blocks from governance/redlines.yml and their notes on model pages."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from viewership import protected_models
from viewership.docs_site.offline_check import DocsSiteError, _load_json

RED_LINES_FILE = protected_models.RED_LINES_FILE
RED_LINE_DOCS_FILE = Path("docs") / "dbt" / "_red_lines__docs.md"
RED_LINES_HEADING = "Red lines protecting this model"


def load_red_lines(root: Path) -> list[dict[str, Any]]:
    """The rules of governance/redlines.yml (id, title, history, models, override, remediation, ...)."""
    try:
        return protected_models.load_red_lines(root)
    except protected_models.RedLinesError as exc:
        raise DocsSiteError(str(exc)) from exc


def _one_line(value: Any) -> str:
    return " ".join(str(value or "").split())


def red_line_markdown(rule: dict[str, Any]) -> str:
    """One rule as Markdown: title, incident, impact, rationale, owner, override and remediation."""
    history = rule.get("history") or {}
    absolute = bool(rule.get("absolute"))
    override = "none: absolute rule, it cannot be overridden or waived" if absolute \
        else _one_line(rule.get("override")) or "not stated"
    lines = [f"**{rule['id']} — {_one_line(rule.get('title'))}** (severity {rule.get('severity', 'error')})", ""]
    for label, value in (
        (f"Incident ({_one_line(history.get('incident_date')) or 'undated'})", history.get("incident")),
        ("Impact", history.get("impact")),
        ("Why", history.get("rationale")),
        ("Owner", history.get("owner")),
        ("Override", override),
        ("Remediation", rule.get("remediation")),
    ):
        if _one_line(value):
            lines.append(f"- {label}: {_one_line(value)}")
    return "\n".join(lines)


def doc_block_name(rule_id: str) -> str:
    """RL-2 -> red_line_rl_2 (dbt doc names are identifiers)."""
    return "red_line_" + re.sub(r"[^a-z0-9]+", "_", rule_id.lower()).strip("_")


def render_red_line_docs(rules: list[dict[str, Any]]) -> str:
    """docs/dbt/_red_lines__docs.md: a summary block and one block per rule, from governance/redlines.yml."""
    out = ["{#", "    GENERATED from governance/redlines.yml by `python -m viewership.docs_site red-line-docs`;",
           "    do not edit by hand. Use {{ doc('red_lines_summary') }} or {{ doc('red_line_rl_<n>') }}.", "#}", ""]
    out += ["{% docs red_lines_summary %}", "{% raw %}",
            "Red lines are the rules the legacy \"Safety Council\" enforced by hand. Here they are data",
            "(`governance/redlines.yml`) checked on the **compiled SQL** of every target by `redline check`;",
            "each rule lists the models it protects (`models:`); their pages on this site show it with its incident.",
            "", "| rule | title | incident | owner | override |", "| --- | --- | --- | --- | --- |"]
    for rule in rules:
        history = rule.get("history") or {}
        override = "absolute" if rule.get("absolute") else "with approval (see rule)"
        cells = [str(rule["id"]), _one_line(rule.get("title")), _one_line(history.get("incident_date")),
                 _one_line(history.get("owner")), override]
        out.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    out += ["", "`redline explain <rule>` prints a rule with its checks.", "{% endraw %}", "{% enddocs %}", ""]
    for rule in rules:
        # Doc blocks are rendered as Jinja when dbt parses them: rule text may quote Jinja, so keep it raw.
        out += [f"{{% docs {doc_block_name(str(rule['id']))} %}}", "{% raw %}", red_line_markdown(rule),
                "{% endraw %}", "{% enddocs %}", ""]
    return "\n".join(out)


def write_red_line_docs(root: Path) -> bool:
    """Regenerate docs/dbt/_red_lines__docs.md; True when its content changed."""
    path = root / RED_LINE_DOCS_FILE
    text = render_red_line_docs(load_red_lines(root))
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


def annotate_red_lines(site_dir: Path, rules: list[dict[str, Any]]) -> list[str]:
    """Append each protected model's rules (the rules whose `models:` list it in governance/redlines.yml) to
    its description in the site's manifest. Returns the annotated unique_ids."""
    path = site_dir / "manifest.json"
    manifest = _load_json(path)
    by_id = {str(rule["id"]): rule for rule in rules}
    by_model = protected_models.red_lines_by_model(rules)
    annotated: list[str] = []
    for unique_id, node in (manifest.get("nodes") or {}).items():
        ids = by_model.get(str(node.get("name"))) if node.get("resource_type") == "model" else None
        if not ids or RED_LINES_HEADING in str(node.get("description") or ""):
            continue
        parts = [red_line_markdown(by_id[rule_id]) for rule_id in ids]
        node["description"] = (str(node.get("description") or "").rstrip()
                               + f"\n\n#### {RED_LINES_HEADING}\n\n" + "\n\n".join(parts))
        annotated.append(unique_id)
    if annotated:
        path.write_text(json.dumps(manifest), encoding="utf-8")
    return annotated
