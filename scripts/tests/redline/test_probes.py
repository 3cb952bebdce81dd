"""Behavioural probes (governance/probes): the real project passes every probe on all four targets and both
render branches; each red line's incident, applied to the compiled SQL or to a copy of the project, is
vetoed by that red line's probe; a probe that cannot run is exit 2, never a pass."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from redline.compiler import compile_targets, load_compiles
from redline.config import ConfigError
from redline.engine import ERROR, VIOLATION, Outcome
from redline.probes import FIRST_RUN, INCREMENTAL, Variant, compile_variants, run_probes
from redline.probes.relations import ProbeError, SqlCache, rewrite_sql
from redline.probes.runner import execute
from redline.probes.spec import load_probe_file, load_probes, rule_probes

from .helpers import ROOT, governance

TARGETS = ("dev", "ci", "staging", "prod")
RULES_WITH_PROBES = ("RL-1", "RL-2", "RL-4", "RL-6", "RL-7", "RL-8")


def redline(*args: str, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "redline", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="session")
def sql_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Transpiled SQL shared by the tests (outcomes are keyed by the exact SQL, so mutants never hit)."""
    return tmp_path_factory.mktemp("probe_cache") / "cache.json"


@pytest.fixture(scope="session")
def variants(tmp_path_factory: pytest.TempPathFactory) -> list[Variant]:
    """The real project compiled for the four targets: incremental (the check's compile) and first run."""
    from scripts.tests.harness import require_postgres

    require_postgres()
    work = tmp_path_factory.mktemp("probe_compile")
    incremental = load_compiles(compile_targets(TARGETS, ROOT, work))
    return compile_variants(ROOT, TARGETS, work, incremental, list(load_probes(ROOT).values()))


def test_every_red_line_with_behaviour_names_existing_probes() -> None:
    by_rule = rule_probes(ROOT)
    probes = load_probes(ROOT)
    assert set(RULES_WITH_PROBES) <= set(by_rule)
    for rule_id in RULES_WITH_PROBES:
        assert by_rule[rule_id], rule_id
        assert all(p in probes for p in by_rule[rule_id]), rule_id


def test_the_project_passes_every_probe_on_every_target_and_branch(variants: list[Variant]) -> None:
    assert {(v.target, v.branch) for v in variants} == {(t, b) for t in TARGETS for b in (FIRST_RUN, INCREMENTAL)}
    # no cache: every probe executes on every variant; one that cannot run would be an ERROR finding
    assert run_probes(governance(), ROOT, variants) == []


# (rule, model, compiled text, replacement): each incident the red lines exist for, and the changes an
# independent review wrote "from the rule's intent" that a shape-only check let through.
Mutation = tuple[str, str, str, str]
NOT_EXISTS_GUARD = ("where not exists (\n        select 1\n        from title_keys as matching_titles\n        where\n"
                    "            matching_titles.ref_id_key = eligible.ref_id_key\n"
                    "            and matching_titles.title_key = eligible.title_key\n    )")
NOT_IN_GUARD = ("where eligible.title_key not in (\n        select matching_titles.title_key\n"
                "        from title_keys as matching_titles\n"
                "        where matching_titles.ref_id_key = eligible.ref_id_key\n    )")
NULL_SAFE_NOT_IN_GUARD = NOT_IN_GUARD.replace("where eligible.title_key not in", "where (eligible.title_key is null "
                                              "or eligible.title_key not in").replace(
    "eligible.ref_id_key\n    )", "eligible.ref_id_key\n            and matching_titles.title_key is not null\n    ))")
INCIDENTS: dict[str, Mutation] = {
    "processed filter weakened": (
        "RL-1", "stg_upload__platform_viewership",
        "(processed is null or processed = false)", "(processed is null or processed = false or processed)"),
    "filter in a CTE the final select does not read": (
        "RL-1", "stg_upload__platform_viewership", "pending as (\n\n    select *\n    from upload\n    where",
        "pending as (\n\n    select *\n    from upload\n\n),\n\nunused as (\n\n    select *\n    from upload\n"
        "    where"),
    "constant-false NOT EXISTS guard": (
        "RL-2", "int_match_ref_id_series", "where not exists", "where 1 = 0 and not exists"),
    "NOT EXISTS correlating on the title only": (
        "RL-2", "int_match_ref_id_series",
        "matching_titles.ref_id_key = eligible.ref_id_key\n            and ", ""),
    "NULL-unsafe NOT IN guard": ("RL-2", "int_match_ref_id_series", NOT_EXISTS_GUARD, NOT_IN_GUARD),
    "unmatched records outer-joined into the final flow": (
        "RL-4", "int_viewership_matched",
        "    from winners\n    inner join normalized\n        on winners.viewership_id = normalized.viewership_id\n"
        "    inner join series",
        "    from normalized\n    left join winners\n        on winners.viewership_id = normalized.viewership_id\n"
        "    left join series"),
    "month mapping shifted by one": ("RL-6", "int_viewership_parsed", "when 'july' then 7", "when 'july' then 8"),
    "quarters upper-cased": ("RL-6", "int_viewership_parsed", "then 'q' || right(", "then 'Q' || right("),
    "uploaded quarter wins over the month": (
        "RL-6", "int_viewership_parsed", "            when period_month is null then uploaded_quarter\n",
        "            when uploaded_quarter is not null then uploaded_quarter\n"
        "            when period_month is null then uploaded_quarter\n"),
    "year guard dropped on the monthly/quarterly path": (
        "RL-6", "int_viewership_parsed", "when date_day is null and uploaded_year < 2000",
        "when date_day is null and uploaded_year < 1900"),
    "year guard dropped on the daily path": (
        "RL-6", "int_viewership_parsed", "as integer) >= 2000\n", "as integer) >= 1900\n"),
    "validation labels swapped": (
        "RL-7", "int_episode_details_validated", "'Viewership' as label", "'Revenue' as label"),
    "tie-break order changed": (
        "RL-8", "int_viewership_matched", "then 0 else 1 end,\n                ref_id\n",
        "then 0 else 1 end,\n                ref_id desc\n"),
    "bucket priority re-mapped later": (
        "RL-8", "int_viewership_matched", "order by\n                bucket_priority,",
        "order by\n                case when bucket = 'TITLE_ONLY' then 0 else bucket_priority end,"),
}


def _mutated(variants: list[Variant], model: str, old: str, new: str) -> list[Variant]:
    out: list[Variant] = []
    hits = 0
    for v in variants:
        nodes = dict(v.compile.nodes)
        for uid, node in nodes.items():
            if node.name == model and node.compiled_code and old in node.compiled_code:
                nodes[uid] = dataclasses.replace(node, compiled_code=node.compiled_code.replace(old, new))
                hits += 1
        out.append(dataclasses.replace(v, compile=dataclasses.replace(v.compile, nodes=nodes)))
    assert hits == len(variants), f"{old!r} is not in every compile of {model}"
    return out


@pytest.mark.parametrize("incident", sorted(INCIDENTS))
def test_each_incident_is_vetoed_by_its_red_lines_probe(variants: list[Variant], sql_cache: Path,
                                                        incident: str) -> None:
    rule, model, old, new = INCIDENTS[incident]
    findings = run_probes(governance(), ROOT, _mutated(variants, model, old, new), [rule], sql_cache)
    vetoes = [f for f in findings if f.status == VIOLATION]
    assert vetoes, incident
    assert {f.rule.id for f in vetoes} == {rule}
    assert set().union(*(f.targets for f in vetoes)) == set(TARGETS)


def test_a_null_safe_not_in_guard_passes_the_rl2_probe(variants: list[Variant], sql_cache: Path) -> None:
    """`x is null or x not in (select c ... where c is not null)` is the NOT EXISTS guard: no probe finding (the
    plain NOT IN is vetoed by the NULL title key in the probe, see INCIDENTS)."""
    mutated = _mutated(variants, "int_match_ref_id_series", NOT_EXISTS_GUARD, NULL_SAFE_NOT_IN_GUARD)
    assert run_probes(governance(), ROOT, mutated, ["RL-2"], sql_cache) == []


def test_the_first_run_branch_is_probed_on_its_own(variants: list[Variant], sql_cache: Path) -> None:
    """A 'backfill' first-run branch that reads every upload row: only the first-run render is wrong."""
    out: list[Variant] = []
    for v in variants:
        if v.branch == FIRST_RUN:
            v = _mutated([v], "stg_upload__platform_viewership", "select * from pending", "select * from upload")[0]
        out.append(v)
    findings = run_probes(governance(), ROOT, out, ["RL-1"], sql_cache)
    assert findings and all(f.rule.id == "RL-1" and f.status == VIOLATION for f in findings)
    assert all(f"[{FIRST_RUN}]" in f.message for f in findings)
    assert any("e.g. {viewership_id=901" in f.message for f in findings)


def test_a_probe_that_cannot_run_is_an_error_never_a_pass(variants: list[Variant], tmp_path: Path) -> None:
    shutil.copytree(ROOT / "governance" / "probes", tmp_path / "governance" / "probes")
    for name in ("redlines.yml", "exceptions.yml"):
        shutil.copy(ROOT / "governance" / name, tmp_path / "governance" / name)
    rules = (tmp_path / "governance" / "redlines.yml").read_text(encoding="utf-8")
    rules = rules.replace("probes: [RL-7.validation]", "probes: [RL-7.validation, RL-7.broken]")
    (tmp_path / "governance" / "redlines.yml").write_text(rules, encoding="utf-8")
    (tmp_path / "governance" / "probes" / "broken.yml").write_text(
        "probes:\n"
        "  - id: RL-7.broken\n"
        "    models: [int_episode_details_validated]\n"
        "    inputs:\n"
        "      int_viewership_matched:\n"
        "        - {viewership_id: 1, no_such_column: x}\n"
        "    assert:\n"
        "      - {name: anything, sql: select 1 where false}\n", encoding="utf-8")
    from redline.config import load_governance

    gov = load_governance(tmp_path, rules_path=tmp_path / "governance" / "redlines.yml")
    findings = run_probes(gov, tmp_path, variants, ["RL-7"])
    errors = [f for f in findings if f.status == ERROR]
    assert errors and not [f for f in findings if f.status == VIOLATION]
    assert "no_such_column" in errors[0].message and "RL-7.broken" in errors[0].message
    assert Outcome(tuple(findings), TARGETS, 1, 1).exit_code == 2
    # a rule naming a probe nobody defines cannot be evaluated either
    (tmp_path / "governance" / "redlines.yml").write_text(rules.replace("RL-7.broken", "RL-7.missing"))
    with pytest.raises(ConfigError, match=r"RL-7\.missing"):
        run_probes(gov, tmp_path, variants, ["RL-7"])


def test_unknown_model_and_unknown_relation_cannot_run(variants: list[Variant], tmp_path: Path) -> None:
    path = tmp_path / "p.yml"
    path.write_text("probes:\n  - id: x\n    models: [no_such_model]\n    assert:\n"
                    "      - {name: a, sql: select 1 where false}\n", encoding="utf-8")
    probe = load_probe_file(path, tmp_path)[0]
    v = variants[0]
    from redline.probes.relations import relations
    from redline.probes.runner import Schemas

    with pytest.raises(ProbeError, match="no_such_model is not in the"):
        execute(probe, v.branch, v.compile, Schemas(relations(v.compile), SqlCache(None)), SqlCache(None))
    with pytest.raises(ProbeError, match="not a model or source"):
        rewrite_sql("select * from somewhere.other_place.tbl", "duckdb", {}, "test")


@pytest.mark.parametrize("text, error", [
    ("probes: {}", "top-level 'probes:' list"),
    ("probes:\n  - {id: a, models: [m], assert: []}", "'assert' must be a non-empty list"),
    ("probes:\n  - {id: a, models: [m], assert: [{name: n, sql: s, branches: [later]}]}", "branches must be"),
    ("probes:\n  - {id: a, models: [m], this: {other: []}, assert: [{name: n, sql: s}]}", "not one of the probe"),
    ("probes:\n  - {id: a, models: [m], colour: red, assert: [{name: n, sql: s}]}", "unknown keys"),
])
def test_bad_probe_files_name_file_and_probe(tmp_path: Path, text: str, error: str) -> None:
    path = tmp_path / "bad.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=error):
        load_probe_file(path, tmp_path)


def _copy(tmp_path: Path, edits: dict[str, Callable[[str], str]]) -> Path:
    copy = tmp_path / "project"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(
        ".venv", ".git", "target*", "logs", "*.duckdb*", "scripts", "__pycache__", ".*cache"))
    for rel, edit in edits.items():
        path = copy / rel
        before = path.read_text(encoding="utf-8")
        after = edit(before)
        assert after != before, rel
        path.write_text(after, encoding="utf-8")
    return copy


@pytest.mark.slow
def test_source_level_incidents_are_vetoed_end_to_end(tmp_path: Path) -> None:
    """`redline check` on a copy of the project whose sources carry incidents (compiled for dev and prod)."""
    copy = _copy(tmp_path, {
        # RL-1: the first-run branch 'backfills' every upload row; the incremental branch keeps the filter
        "models/bronze/upload/stg_upload__platform_viewership.sql":
            lambda s: s.replace("new_rows as (\n\n    select * from pending",
                                "new_rows as (\n\n    select * from upload"),
        # RL-6: quarters upper-cased (a `'q` literal stays in the SQL)
        "models/silver/normalization/int_viewership_parsed.sql":
            lambda s: s.replace("then 'q' || right(quarter_text, 1)", "then 'Q' || right(quarter_text, 1)"),
        # RL-8: tie-break on the highest ref_id
        "models/silver/matching/int_viewership_matched.sql":
            lambda s: s.replace("    'ref_id',\n] -%}", "    'ref_id desc',\n] -%}"),
    })
    proc = redline("check", "--target", "dev", "--target", "prod", "--project-dir", str(copy),
                   "--work-dir", str(tmp_path / "work"), "--rule", "RL-1", "--rule", "RL-6", "--rule", "RL-8")
    out = proc.stdout
    assert proc.returncode == 1, out + proc.stderr
    for rule, probe in (("RL-1", "RL-1.move-copies-only-pending"), ("RL-6", "RL-6.dates"),
                        ("RL-8", "RL-8.bucket-precedence")):
        assert f"VETO: {rule}" in out
        assert f"probe {probe} [" in out
    assert "probe RL-1.move-copies-only-pending [first_run]" in out
    assert "probe RL-1.move-copies-only-pending [incremental]" not in out
    assert "COULD NOT EVALUATE" not in out
    # every probe veto holds on both targets (a structural veto quoting dialect-specific SQL is one per target)
    blocks = out.split("======== VETO")[1:]
    probe_blocks = [b for b in blocks if "found     : probe " in b]
    assert probe_blocks and all("targets   : dev, prod" in b for b in probe_blocks)
    (tmp_path / "veto.txt").write_text(out)


def test_vars_the_probed_models_read_are_flipped_from_their_defaults(tmp_path: Path) -> None:
    from redline.probes import flipped_vars

    (tmp_path / "dbt_project.yml").write_text("vars:\n  strict_move: true\n  label: text\n", encoding="utf-8")
    raw = ["{% if var('strict_move') %} where processed is null {% endif %}",
           "{{ var(\"include_backfill\", false) }} {{ var('late', none) }} {{ var('label', 'x') }}",
           "{{ var('environments')[target.name] }} {{ var('assume_incremental', none) }}"]
    assert flipped_vars(tmp_path, raw) == {"strict_move": False, "include_backfill": True, "late": True,
                                           "label": "redline_sentinel"}


def test_string_and_number_vars_are_set_to_a_sentinel(tmp_path: Path) -> None:
    """A protected value taken from a string or number var (`var('final_phase', '3')`) is rendered with a value
    its default is not, so a run with `--vars` that changes it is probed (adversarial H074)."""
    from redline.probes import SENTINEL_NUMBER, SENTINEL_TEXT, flipped_vars

    (tmp_path / "dbt_project.yml").write_text("vars:\n  days: 30\n  phases: [1, 2]\n", encoding="utf-8")
    raw = ["cast('{{ var(\"final_phase\", \"3\") }}' as varchar) {{ var('mode', 'strict') }}",
           "{{ var('days') }} {{ var('ratio', 0.5) }} {{ var('phases') }} {{ var('who', target.name) }}"]
    assert flipped_vars(tmp_path, raw) == {"final_phase": str(SENTINEL_NUMBER), "mode": SENTINEL_TEXT,
                                           "days": SENTINEL_NUMBER, "ratio": SENTINEL_NUMBER}


def test_vars_read_inside_the_macros_a_probed_model_calls_are_flipped_too(tmp_path: Path) -> None:
    """A filter moved into a macro that drops it under a var (adversarial H021) is rendered with that var
    flipped: the project macros a probed model calls are scanned, transitively; dbt's own macros, macros of
    models nobody probes and uncalled macros are not."""
    from redline.manifest import load_manifest
    from redline.probes import called_macro_code, flipped_vars

    def macro(uid: str, package: str, sql: str, calls: list[str]) -> dict[str, object]:
        return {"unique_id": uid, "package_name": package, "macro_sql": sql, "depends_on": {"macros": calls}}

    manifest = {
        "metadata": {"project_name": "viewership", "adapter_type": "duckdb"},
        "nodes": {
            "model.viewership.stg": {
                "unique_id": "model.viewership.stg", "resource_type": "model", "name": "stg",
                "depends_on": {"macros": ["macro.viewership.pending", "macro.dbt.is_incremental"]},
            },
            "model.viewership.other": {"unique_id": "model.viewership.other", "resource_type": "model", "name": "other",
                                       "depends_on": {"macros": ["macro.viewership.other_only"]}},
        },
        "macros": {
            "macro.viewership.pending": macro("macro.viewership.pending", "viewership",
                                              "{{ predicate() }}", ["macro.viewership.predicate"]),
            "macro.viewership.predicate": macro("macro.viewership.predicate", "viewership",
                                                "{% if var('include_processed', false) %}1 = 1{% endif %}", []),
            "macro.dbt.is_incremental": macro("macro.dbt.is_incremental", "dbt", "{{ var('dbt_own', false) }}", []),
            "macro.viewership.other_only": macro("macro.viewership.other_only", "viewership",
                                                 "{{ var('not_probed', false) }}", []),
            "macro.viewership.uncalled": macro("macro.viewership.uncalled", "viewership",
                                               "{{ var('uncalled', false) }}", []),
        },
    }
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    (tmp_path / "dbt_project.yml").write_text("name: viewership\n", encoding="utf-8")
    codes = called_macro_code(load_manifest(path, "dev"), ["stg"])
    assert len(codes) == 2
    assert flipped_vars(tmp_path, codes) == {"include_processed": True}


def _with_node(variants: list[Variant], target: str, name: str, **changes: object) -> list[Variant]:
    out: list[Variant] = []
    for v in variants:
        if v.target == target:
            nodes = {uid: dataclasses.replace(n, **changes) if n.name == name else n  # type: ignore[arg-type]
                     for uid, n in v.compile.nodes.items()}
            v = dataclasses.replace(v, compile=dataclasses.replace(v.compile, nodes=nodes))
        out.append(v)
    return out


def test_a_gold_relation_without_the_web_app_grant_is_vetoed_whatever_its_folder(variants: list[Variant]) -> None:
    """RL-5 on the manifest: a model OUTSIDE models/gold that is built in the gold location without the grant
    (the path-based structural check does not select it)."""
    moved = _with_node(variants, "prod", "int_viewership_matched", database="ASSETS", schema="PUBLIC", grants={})
    findings = run_probes(governance(), ROOT, moved, ["RL-5"])
    assert [(f.rule.id, f.targets, f.status) for f in findings] == [("RL-5", ("prod",), VIOLATION)]
    assert "int_viewership_matched" in findings[0].message


def test_a_target_reading_another_environments_database_is_vetoed(variants: list[Variant]) -> None:
    """RL-3 on the manifest: staging reading the production upload database."""
    out: list[Variant] = []
    for v in variants:
        if v.target == "staging":
            sources = {uid: {**raw, "database": "UPLOAD_DB_PROD"} for uid, raw in v.compile.sources.items()}
            v = dataclasses.replace(v, compile=dataclasses.replace(v.compile, sources=sources))
        out.append(v)
    findings = run_probes(governance(), ROOT, out, ["RL-3"])
    assert [(f.rule.id, f.targets, f.status) for f in findings] == [("RL-3", ("staging",), VIOLATION)]
    assert "nodes read only from their target's databases" in findings[0].message


def test_the_probe_cache_answers_the_same_and_keeps_only_the_current_state(variants: list[Variant],
                                                                          tmp_path: Path) -> None:
    import json

    cache = tmp_path / "cache.json"
    rule, model, old, new = INCIDENTS["tie-break order changed"]
    mutant = _mutated(variants, model, old, new)
    first = run_probes(governance(), ROOT, mutant, [rule], cache)
    again = run_probes(governance(), ROOT, mutant, [rule], cache)
    assert [f.message for f in first] == [f.message for f in again] and first
    mutant_results = set(json.loads(cache.read_text())["results"])
    assert run_probes(governance(), ROOT, variants, [], cache) == []
    assert not mutant_results & set(json.loads(cache.read_text())["results"])
