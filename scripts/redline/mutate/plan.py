"""Which mutants each check of each rule gets: the generator `redline mutate` and `redline explain` use."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from redline.config import (
    CheckSpec,
    EnvironmentMap,
    Governance,
    Rule,
)
from redline.manifest import CompiledNode, ProjectCompile
from redline.mutate.file_edits import SOURCE_CALL, raw_source_edits, yaml_edits
from redline.mutate.generic import (
    MutantItems,
    _add_marker,
    _compares_column_with,
    _compares_number,
    _split_word,
    _string_literals,
    grant_mutants,
    literal_mutants,
    literal_rewrite_mutants,
    number_comparison_mutants,
    replace_relation,
    swapped_comparisons,
    target_dependent,
    window_mutants,
)
from redline.mutate.records import Mutant
from redline.mutate.rl1 import rl1_mutants
from redline.mutate.rl2 import rl2_mutants
from redline.mutate.rl3 import EnvNames, rl3_mutants


def check_mutants(spec: CheckSpec, rule: Rule, node: CompiledNode, compiled: ProjectCompile,  # noqa: C901 - dispatch on the check type: one short branch per registered check
                  names: EnvNames) -> Iterator[tuple[CompiledNode, MutantItems, tuple[str, ...]]]:
    """The mutation operators of one model check, keyed by its check type; every model name, column and
    value comes from the rule entry (params, selectors) or the compiled project: (node, mutants, also_check)."""
    params = spec.params
    if spec.check == "required_filter":
        table = str(dict(params.get("source") or {}).get("table", "source_table"))
        relation = f"{names.databases[-1]}.PUBLIC.{table}" if names.databases else table
        yield node, rl1_mutants(node, params, relation), ()
    elif spec.check == "union_fallback_guard":
        yield node, rl2_mutants(node, params), ()
    elif spec.check == "phase_value":
        value = str(params["value"])
        siblings = sorted({str(c.params["value"]) for c in rule.checks
                           if c.check == spec.check and "value" in c.params})
        beyond = str(max(int(v) for v in siblings) + 1) if all(v.isdigit() for v in siblings) else f"{value}x"
        alternatives = [v for v in [*siblings, beyond, ""] if v != value]
        yield node, literal_mutants(node, str(params.get("column", "phase")), value, alternatives, "swap_phase",
                                    [f"'{value}'", f"cast('{value}' as varchar(10))"]), ()
    elif spec.check == "reads_only":
        through = [str(x) for x in params.get("through") or []]
        forbidden = [str(x) for x in params.get("forbidden") or []]
        if not forbidden:
            return
        parents = sorted({p.name for uid in node.depends_on if (p := compiled.nodes.get(uid)) is not None
                          and p.resource_type == "model"})
        for parent in parents:
            yield node, replace_relation(node, parent, forbidden[0]), ()
        for parent in parents:  # one step upstream: a parent that stops reading `through`
            upstream = compiled.by_name(parent)
            if upstream is None or parent in through:
                continue
            for allowed in through:
                yield upstream, replace_relation(upstream, allowed, forbidden[0]), (node.name,)
    elif spec.check == "data_type_branch":
        column = str(params.get("column", "data_type"))
        for value in [str(v) for v in params.get("values") or []]:
            yield node, literal_rewrite_mutants(node, {value: value[:3] if value[:3] != value else f"{value}_x"},
                                                "drop_data_type_branch", False), ()
        yield node, swapped_comparisons(node, "equivalent_swapped_data_type_test",
                                        _compares_column_with(column.lower(), True)), ()
    elif spec.check == "forbidden_literal":
        for marker in [str(m) for m in params.get("markers") or []]:
            yield node, _add_marker(node, marker), ()
    elif spec.check == "output_literal":
        value = str(params["value"])
        alternatives = [str(int(value) + 1), str(int(value) - 1 if int(value) > 1 else 9)] if value.isdigit() \
            else [f"{value}x", ""]
        # operator name kept from the first output_literal red line (the bucket order, RL-8)
        yield node, literal_mutants(node, str(params["column"]), value, alternatives, "change_bucket_order"), ()
    elif spec.check == "window_order_prefix":
        yield node, window_mutants(node, [str(c) for c in params["columns"]]), ()
    elif spec.check == "required_literal":
        case_sensitive = bool(params.get("case_sensitive", False))
        present = _string_literals(node)
        seen = present if case_sensitive else {x.lower() for x in present}
        options = [str(o) for o in params.get("any_of") or []]
        found = [o for o in options if (o if case_sensitive else o.lower()) in seen]
        if found and case_sensitive and any(o.upper() != o for o in found):
            yield node, literal_rewrite_mutants(node, {o: o.upper() for o in found}, "upper_case_literal", True), ()
        elif found:
            yield node, literal_rewrite_mutants(node, {o: _split_word(o) for o in found}, "drop_required_literal",
                                                case_sensitive), ()
    elif spec.check == "year_guard":
        minimum = int(params.get("minimum", 2000))
        yield node, number_comparison_mutants(node, minimum, [minimum - 30, minimum - 100], "weaken_year_guard"), ()
        yield node, swapped_comparisons(node, "equivalent_swapped_year_guard", _compares_number(minimum)), ()


def _mutated_nodes(spec: CheckSpec, rule: Rule, compiled: ProjectCompile) -> list[CompiledNode]:
    """The models a check's mutants are made on: the selected ones; for a path/tag-selected check whose
    selection is broad, the selected models the same rule names elsewhere (else the first selected)."""
    nodes, _missing = compiled.select(spec.selector)
    if spec.selector.names or spec.check not in BROAD_CHECKS:
        return nodes
    named = {n for other in rule.checks for n in other.selector.names}
    chosen = [n for n in nodes if n.name in named]
    return chosen or nodes[:1]


BROAD_CHECKS = frozenset({"forbidden_literal"})  # checks that scan many models for one marker


def generate(gov: Governance, compiles: Mapping[str, ProjectCompile], env_map: EnvironmentMap,  # noqa: C901 - dispatch on the check type for the project-level checks; model checks go to check_mutants
             root: Path, mutate_targets: Sequence[str] | None = None,
             only_rules: Sequence[str] | None = None) -> list[Mutant]:
    """Every mutant of every model the rules select, on the chosen compiles (the others are comparison
    partners). Operators are keyed by check type; models, columns and values come from governance/redlines.yml
    and environment names from vars.environments: adding a model to a rule's selector adds its mutants."""
    mutants: list[Mutant] = []
    names = EnvNames.of(env_map)
    spread = names.everywhere()

    def add(rule: str, node: CompiledNode, items: Iterator[tuple[str, str, str, bool]],
            also: tuple[str, ...] = ()) -> None:
        for operator, description, sql, is_equivalent in items:
            if not sql:
                continue
            mutants.append(Mutant(f"{rule}:{node.name}:{node.target}:{operator}:{len(mutants)}", rule, node.name,
                                  node.target, operator, description, is_equivalent, sql=sql, also_check=also,
                                  everywhere=spread.get(operator, "")))

    named = sorted({n for r in gov.rules for spec in r.checks for n in spec.selector.names})
    rules = [r for r in gov.rules if only_rules is None or r.id in only_rules]
    for target, compiled in compiles.items():
        if mutate_targets is not None and target not in mutate_targets:
            continue
        partners = [t for t, c in compiles.items() if t != target and c.dialect == compiled.dialect]
        for rule in rules:
            for spec in rule.checks:
                if spec.check == "grants_role":
                    role, privilege = str(spec.params["role"]), str(spec.params.get("privilege", "select"))
                    for node in compiled.select(spec.selector)[0]:
                        for operator, description, grants, same in grant_mutants(role, privilege):
                            mutants.append(Mutant(f"{rule.id}:{node.name}:{target}:{operator}:{len(mutants)}",
                                                  rule.id, node.name, target, operator, description, same,
                                                  grants=grants))
                elif spec.check == "compiled_environment_binding":
                    selected = {n.name for n in compiled.select(spec.selector)[0]} if not spec.selector.is_empty() \
                        else {n.name for n in compiled.models()}
                    for name in named:
                        found = compiled.by_name(name)
                        if found is not None and name in selected:
                            add(rule.id, found, rl3_mutants(found, env_map, compiled, spread))
                elif spec.check == "compiles_identical":
                    if partners:
                        for name in named:
                            found = compiled.by_name(name)
                            if found is not None:
                                add(rule.id, found, target_dependent(found))
                else:
                    for node in _mutated_nodes(spec, rule, compiled):
                        for mutated, items, also in check_mutants(spec, rule, node, compiled, names):
                            add(rule.id, mutated, items, also)
    # raw sources (target-independent): the named models' files and the YAML files declaring them
    first = next(iter(compiles.values()), None)
    for rule in rules:
        for spec in rule.checks:
            if spec.check != "no_hard_coded_environment" or first is None:
                continue
            globs = [str(g) for g in spec.params.get("paths") or []]
            for name in named:
                model = first.by_name(name)
                if model is None or not (root / model.original_file_path).is_file():
                    continue
                text = (root / model.original_file_path).read_text(encoding="utf-8")
                if not SOURCE_CALL.search(text):
                    continue
                for operator, description, old, new, eq in raw_source_edits(text, names):
                    mutants.append(Mutant(f"{rule.id}:{name}:source:{operator}:{len(mutants)}", rule.id, name, "*",
                                          operator, description, eq, source=(model.original_file_path,
                                                                             text.replace(old, new, 1))))
            for yml in sorted(p for g in globs if g.endswith((".yml", ".yaml")) for p in root.glob(g)):
                text = yml.read_text(encoding="utf-8")
                declared = [n for n in named if re.search(rf"(?m)^\s*- name: {re.escape(n)}\s*$", text)]
                if not declared:
                    continue
                rel = yml.relative_to(root).as_posix()
                for operator, description, old, new, eq in yaml_edits(text, names):
                    mutants.append(Mutant(f"{rule.id}:{yml.stem}:source:{operator}:{len(mutants)}", rule.id,
                                          yml.stem, "*", operator, description, eq,
                                          source=(rel, text.replace(old, new, 1))))
    return mutants
