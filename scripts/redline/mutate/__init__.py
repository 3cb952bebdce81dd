"""`redline mutate`: mutation testing of the red-line checks themselves.

Mutants are generated from governance/redlines.yml: each check type has its mutation operators, and the
models, columns and values they mutate come from the rule entries (selectors, params), environment names
from vars.environments; nothing in this module names a model. They change the compiled SQL (per target
dialect), the resolved YAML config (grants) and the raw sources of the models the rules name. Each mutant
weakens or removes one protection (drop or weaken a predicate, drop the UNION branch, drop or invert NOT
EXISTS, hard-code a database, drop a grant, swap a phase, change a bucket order...) and must be flagged by its
rule (killed). Equivalent rewrites (reordered, qualified, renamed, three-valued-equivalent predicates, names
in comments/strings/CTEs...) must NOT be flagged: each flag is a false positive. Exit 1 below the kill-rate
threshold or with any false positive.
"""

from __future__ import annotations

from redline.mutate.cli import mutate
from redline.mutate.execute import MutationSummary, run_all, run_mutant
from redline.mutate.file_edits import ANCHOR, CONFIG_ANCHOR, SOURCE_CALL, raw_source_edits, yaml_edits
from redline.mutate.generic import (
    MutantItems,
    grant_mutants,
    literal_mutants,
    literal_rewrite_mutants,
    number_comparison_mutants,
    replace_relation,
    swapped_comparisons,
    target_dependent,
    window_mutants,
)
from redline.mutate.plan import BROAD_CHECKS, check_mutants, generate
from redline.mutate.records import Mutant, MutantResult, Transform
from redline.mutate.rl1 import EQUIVALENT_PER_PREDICATE, WEAK_PER_PREDICATE, predicate_rewrites, rl1_mutants
from redline.mutate.rl2 import rl2_mutants
from redline.mutate.rl3 import EnvNames, rl3_mutants

__all__ = [
    "ANCHOR",
    "BROAD_CHECKS",
    "CONFIG_ANCHOR",
    "EQUIVALENT_PER_PREDICATE",
    "SOURCE_CALL",
    "WEAK_PER_PREDICATE",
    "EnvNames",
    "Mutant",
    "MutantItems",
    "MutantResult",
    "MutationSummary",
    "Transform",
    "check_mutants",
    "generate",
    "grant_mutants",
    "literal_mutants",
    "literal_rewrite_mutants",
    "mutate",
    "number_comparison_mutants",
    "predicate_rewrites",
    "raw_source_edits",
    "replace_relation",
    "rl1_mutants",
    "rl2_mutants",
    "rl3_mutants",
    "run_all",
    "run_mutant",
    "swapped_comparisons",
    "target_dependent",
    "window_mutants",
    "yaml_edits",
]
