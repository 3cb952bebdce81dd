"""`redline mutate` builds its mutants from governance/redlines.yml (issue #15): no model is named in the engine;
adding a model to a rule's selector adds mutants for it, and they are killed like the original's."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from redline.config import Governance, load_governance
from redline.mutate import Mutant, generate, predicate_rewrites, run_mutant
from redline.sqlast import equivalent, parse

from .helpers import ROOT, env_map, fixture_sql, node, project

MOVE, REFSER = "stg_upload__platform_viewership", "int_match_ref_id_series"
NEW_MOVE, NEW_REFSER = "stg_upload__partner_viewership", "int_match_ref_id_partner_series"


def rules_naming_more(tmp_path: Path) -> Governance:
    """The real rules, with one more model in RL-1's and RL-2's selectors."""
    data = yaml.safe_load((ROOT / "governance" / "redlines.yml").read_text(encoding="utf-8"))
    extra = {"RL-1": NEW_MOVE, "RL-2": NEW_REFSER}
    for rule in data["rules"]:
        if rule["id"] in extra:
            rule["checks"][0]["applies_to"]["names"].append(extra[rule["id"]])
        # the fixture nodes below carry compiled SQL only, no post-hook: the hook check would flag every
        # mutant of the original model (and none of the copy's), which says nothing about the mutants
        rule["checks"] = [c for c in rule["checks"] if c["check"] != "processed_marking"]
    path = tmp_path / "redlines.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return load_governance(ROOT, rules_path=path)


def compiles(dialect: str = "snowflake") -> dict[str, Any]:
    nodes = [node(name, fixture_sql(dialect, source), dialect)
             for name, source in ((MOVE, MOVE), (NEW_MOVE, MOVE), (REFSER, REFSER), (NEW_REFSER, REFSER))]
    pc = project(nodes, dialect)
    return {pc.target: pc}


def by_model(mutants: list[Mutant], rule: str) -> dict[str, list[Mutant]]:
    out: dict[str, list[Mutant]] = {}
    for m in mutants:
        if m.rule == rule:
            out.setdefault(m.model, []).append(m)
    return out


def test_adding_a_model_to_a_selector_adds_its_mutants(tmp_path: Path) -> None:
    real = load_governance(ROOT)
    before = generate(real, compiles(), env_map(), ROOT)
    after = generate(rules_naming_more(tmp_path), compiles(), env_map(), ROOT)
    for rule, old, new in (("RL-1", MOVE, NEW_MOVE), ("RL-2", REFSER, NEW_REFSER)):
        assert new not in by_model(before, rule), f"{new} is not in {rule}'s selector yet"
        made = by_model(after, rule)
        assert made[old], rule
        # same SQL, same operators: the new model gets exactly the original's mutants
        assert [(m.operator, m.description, m.equivalent) for m in made[new]] == \
               [(m.operator, m.description, m.equivalent) for m in made[old]]
    assert len(after) > len(before)


def test_the_new_models_mutants_are_killed_and_equivalents_pass(tmp_path: Path) -> None:
    gov = rules_naming_more(tmp_path)
    pcs = compiles("duckdb")
    mutants = [m for m in generate(gov, pcs, env_map(), ROOT) if m.rule in {"RL-1", "RL-2"}]
    results = {m.id: run_mutant(m, gov, pcs, ROOT, env_map()) for m in mutants}
    new = [r for r in results.values() if r.mutant.model in {NEW_MOVE, NEW_REFSER}]
    assert len(new) >= 60
    assert [(r.mutant.id, r.mutant.description, r.detail) for r in new if not r.ok] == []
    # and exactly as for the originals: the same verdict per operator
    verdicts = {(r.mutant.rule, r.mutant.operator, r.mutant.description, r.mutant.model in {NEW_MOVE, NEW_REFSER}):
                r.flagged for r in results.values()}
    assert all(verdicts[(rule, op, desc, False)] == flagged for (rule, op, desc, is_new), flagged in verdicts.items()
               if is_new)


def test_the_engine_names_no_model_and_no_environment() -> None:
    """Proof of no hard-coding: no model named by the rules and no environment database appears in redline.mutate."""
    source = "\n".join(p.read_text(encoding="utf-8")
                       for p in sorted((ROOT / "scripts" / "redline" / "mutate").glob("*.py")))
    gov = load_governance(ROOT)
    models = {n for r in gov.rules for spec in r.checks for n in spec.selector.names}
    models |= {str(x) for r in gov.rules for spec in r.checks for key in ("through", "forbidden")
               for x in spec.params.get(key, [])}
    found = {m for m in models if re.search(rf"\b{re.escape(m)}\b", source)}
    assert found == set()
    databases = env_map().all_databases() | env_map().all_table_names()
    assert {d for d in databases if re.search(rf"\b{re.escape(d)}\b", source)} == set()


def test_predicate_rewrites_are_sorted_by_the_truth_table() -> None:
    domains = {"status": [None, "", "new", "old"]}
    required = parse("select 1 where status is null or status = 'new'", "duckdb").args["where"].this
    weak, same = predicate_rewrites(required, domains, ["other = 1"], "duckdb")
    assert len(weak) >= 8 and len(same) >= 4
    for text in weak:
        assert not equivalent(parse(f"select 1 where {text}", "duckdb").args["where"].this, required, domains)
    for text in same:
        assert equivalent(parse(f"select 1 where {text}", "duckdb").args["where"].this, required, domains)
    assert "status IS NULL" in weak and any("other = 1" in w for w in weak)
