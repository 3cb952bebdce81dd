"""Run a mutant (swap it into the compiled project, evaluate its rule) and summarise all of them."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from redline.config import (
    EnvironmentMap,
    Governance,
)
from redline.engine import ERROR, VIOLATION, evaluate
from redline.manifest import ProjectCompile
from redline.mutate.plan import generate
from redline.mutate.records import Mutant, MutantResult
from redline.mutate.rl2 import _apply
from redline.mutate.rl3 import _add_projection
from redline.registry import CheckError
from redline.sqlast import parse


def run_mutant(mutant: Mutant, gov: Governance, compiles: Mapping[str, ProjectCompile], root: Path,
               env_map: EnvironmentMap) -> MutantResult:
    mutated = dict(compiles)
    overrides: dict[str, str] = {}
    if mutant.source is not None:
        overrides[mutant.source[0]] = mutant.source[1]
    else:
        compiled = compiles[mutant.target]
        node = compiled.by_name(mutant.model)
        if node is None:
            return MutantResult(mutant, False, "model vanished")
        if mutant.sql is not None:
            node = replace(node, compiled_code=mutant.sql)
        if mutant.everywhere:
            for other_target, other in compiles.items():
                other_node = other.by_name(mutant.model)
                if other_target == mutant.target or other_node is None:
                    continue
                sql = _apply(parse(other_node.sql, other_node.dialect),
                             _add_projection(mutant.everywhere), other_node.dialect)
                other_nodes = dict(other.nodes)
                other_nodes[other_node.unique_id] = replace(other_node, compiled_code=sql)
                mutated[other_target] = replace(other, nodes=other_nodes)
        if mutant.grants is not None:
            node = replace(node, grants=mutant.grants)
        nodes = dict(compiled.nodes)
        nodes[node.unique_id] = node
        mutated[mutant.target] = replace(compiled, nodes=nodes)
    focus = frozenset({mutant.model, *mutant.also_check})
    outcome = evaluate(gov, mutated, root, env_map, [mutant.rule], focus=focus, overrides=overrides)
    hits = [f for f in outcome.findings if f.status in {VIOLATION, ERROR}]
    detail = hits[0].message if hits else ""
    by_error = bool(hits) and all(f.status == ERROR for f in hits)
    return MutantResult(mutant, bool(hits), detail[:200], by_error)


@dataclass(frozen=True)
class MutationSummary:
    results: tuple[MutantResult, ...]
    seconds: float

    @property
    def killers(self) -> list[MutantResult]:
        return [r for r in self.results if not r.mutant.equivalent]

    @property
    def killed(self) -> int:
        return sum(1 for r in self.killers if r.flagged)

    @property
    def kill_rate(self) -> float:
        return self.killed / len(self.killers) if self.killers else 0.0

    @property
    def false_positives(self) -> list[MutantResult]:
        return [r for r in self.results if r.mutant.equivalent and r.flagged]


def run_all(gov: Governance, compiles: Mapping[str, ProjectCompile], root: Path,
            env_map: EnvironmentMap, mutate_targets: Sequence[str] | None = None) -> MutationSummary:
    started = time.monotonic()
    baseline = evaluate(gov, compiles, root, env_map)
    if baseline.exit_code != 0:
        bad = "; ".join(f"{f.rule.id} {f.model}: {f.message}" for f in baseline.findings[:5])
        raise CheckError(f"the unmutated project is not clean, mutation results would be meaningless: {bad}")
    mutants = generate(gov, compiles, env_map, root, mutate_targets)
    results = tuple(run_mutant(m, gov, compiles, root, env_map) for m in mutants)
    return MutationSummary(results, time.monotonic() - started)
