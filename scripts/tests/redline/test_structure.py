"""Structural checks that follow the data (issue #15): the guard's correlation on the full key, dead or
filtered-out branches, and the same-meaning rewrites that must not be vetoed (class 7)."""

from __future__ import annotations

import pytest

from .helpers import fixture_sql, node, rule_params, run_check

REF_ID_SERIES = "int_match_ref_id_series"
GUARD = ("            matching_titles.ref_id_key = eligible.ref_id_key\n"
         "            and matching_titles.title_key = eligible.title_key")
STRICT_ON = ("    inner join title_keys\n        on\n            eligible.ref_id_key = title_keys.ref_id_key\n"
             "            and eligible.title_key = title_keys.title_key")
NOT_EXISTS = ("    where not exists (\n        select 1\n        from title_keys as matching_titles\n        where\n"
              f"{GUARD}\n    )\n")


def not_in(record: str = "eligible.title_key", column: str = "matching_titles.title_key",
           null_checks: str = "\n            and matching_titles.title_key is not null",
           record_null: str = "eligible.title_key is null or ") -> str:
    """The fallback guard as `NOT IN (subquery)`; the defaults make it NULL-safe (equivalent to NOT EXISTS)."""
    return (f"    where ({record_null}{record} not in (\n        select {column}\n"
            "        from title_keys as matching_titles\n        where\n"
            f"            matching_titles.ref_id_key = eligible.ref_id_key{null_checks}\n    ))\n")


def split_into_ctes(sql: str) -> str:
    """The UNION's branches as their own CTEs (same meaning)."""
    sql = sql.replace("candidates as (\n", "strict_candidates as (\n", 1)
    sql = sql.replace("\n    union\n", "\n),\n\nfallback_candidates as (\n", 1)
    return sql.replace("\n),\n\nfinal as (", "\n),\n\ncandidates as (\n    select * from strict_candidates\n"
                       "    union\n    select * from fallback_candidates\n),\n\nfinal as (", 1)


REWRITES = {
    "split_into_ctes": split_into_ctes,
    "using_join": lambda sql: sql.replace(STRICT_ON, "    inner join title_keys using (ref_id_key, title_key)", 1),
    "left_join_is_null": lambda sql: sql.replace(
        NOT_EXISTS, "    left join title_keys as matching_titles\n        on\n"
        f"    {GUARD.replace('            ', '            ', 2)}\n"
        "    where matching_titles.ref_id_key is null\n", 1),
    "guard_conjuncts_reordered": lambda sql: sql.replace(
        GUARD, "            matching_titles.title_key = eligible.title_key\n"
        "            and eligible.ref_id_key = matching_titles.ref_id_key", 1),
    "cte_renamed": lambda sql: sql.replace("candidates", "branch_rows"),
    "comment_and_formatting": lambda sql: sql.replace("\n    union\n", "\n    -- strict above\n    UNION\n\n", 1),
    "null_safe_not_in": lambda sql: sql.replace(NOT_EXISTS, not_in(), 1),
    "null_safe_not_in_coalesced": lambda sql: sql.replace(NOT_EXISTS, not_in(
        "coalesce(eligible.title_key, '')", "coalesce(matching_titles.title_key, '')", "", ""), 1),
}

HARMS = {
    "guard_on_title_prefix": (GUARD, GUARD.replace("matching_titles.title_key = eligible.title_key",
                                                   "left(matching_titles.title_key, 8) = left(eligible.title_key, 8)"),
                              "only part of the key"),
    "guard_on_wrong_key": ("matching_titles.ref_id_key = eligible.ref_id_key",
                           "matching_titles.ref_id_key = eligible.title_key", "wrong key"),
    "guard_or_escape": ("and matching_titles.title_key = eligible.title_key",
                        "and (matching_titles.title_key = eligible.title_key or eligible.title_key is null)",
                        "ORs in an extra condition"),
    "guard_extra_condition": ("and matching_titles.title_key = eligible.title_key",
                              "and matching_titles.title_key = eligible.title_key\n"
                              "            and matching_titles.is_primary_title", "extra condition"),
    "guard_disabled_by_constant": ("    where not exists (", "    where 1 = 0 and not exists (", "no UNION"),
    "final_keeps_strict_branch": ("    from candidates\n", "    from candidates\n    where branch = 'strict'\n",
                                  "no correlated NOT EXISTS"),
    "anti_join_on_ref_id_only": (NOT_EXISTS, "    left join title_keys as matching_titles\n        on "
                                 "matching_titles.ref_id_key = eligible.ref_id_key\n"
                                 "    where matching_titles.ref_id_key is null\n", "full key"),
    "plain_not_in": (NOT_EXISTS, not_in(null_checks="", record_null=""), "NULL-unsafe NOT IN"),
    "not_in_subquery_column_nullable": (NOT_EXISTS, not_in(null_checks=""), "may be NULL"),
    "not_in_drops_null_record_keys": (NOT_EXISTS, not_in(record_null=""), "is NULL is dropped"),
    "not_in_ored_with_extra": (NOT_EXISTS, not_in(record_null="eligible.title_key = '' or "), "extra condition"),
    "not_in_on_ref_id_only": (NOT_EXISTS, not_in("eligible.ref_id_key", "matching_titles.ref_id_key",
                                                 "\n            and matching_titles.ref_id_key is not null",
                                                 "eligible.ref_id_key is null or "), "NOT IN"),
}


def refser(sql: str) -> object:
    return node(REF_ID_SERIES, sql, "duckdb", path="models/silver/matching/int_match_ref_id_series.sql")


def guard_problems(sql: str) -> list[str]:
    return [p.message for p in run_check("union_fallback_guard", refser(sql),
                                         rule_params("RL-2", "union_fallback_guard"))]


@pytest.mark.parametrize("name", sorted(REWRITES))
def test_rl2_same_meaning_rewrites_pass(name: str) -> None:
    original = fixture_sql("duckdb", REF_ID_SERIES)
    sql = REWRITES[name](original)
    assert sql != original, "rewrite does not apply"
    assert guard_problems(sql) == []


@pytest.mark.parametrize("name", sorted(REWRITES))
def test_rl8_branch_order_follows_the_same_meaning_rewrites(name: str) -> None:
    """RL-8's strict-before-fallback literals are found through the rewrites too (per-branch CTEs read by
    `select *` were a false veto)."""
    sql = REWRITES[name](fixture_sql("duckdb", REF_ID_SERIES))
    assert [p.message for p in run_check("branch_order", refser(sql), rule_params("RL-8", "branch_order"))] == []


def test_rl8_branch_order_still_vetoes_swapped_priorities_behind_ctes() -> None:
    sql = split_into_ctes(fixture_sql("duckdb", REF_ID_SERIES))
    assert "1 as branch_priority" in sql and "2 as branch_priority" in sql
    swapped = sql.replace("1 as branch_priority", "9 as branch_priority", 1)
    problems = [p.message for p in run_check("branch_order", refser(swapped), rule_params("RL-8", "branch_order"))]
    assert problems and "is not below" in problems[0]


@pytest.mark.parametrize("name", sorted(HARMS))
def test_rl2_harmful_guards_vetoed(name: str) -> None:
    old, new, expected = HARMS[name]
    sql = fixture_sql("duckdb", REF_ID_SERIES)
    assert old in sql, "edit does not apply"
    messages = " | ".join(guard_problems(sql.replace(old, new, 1)))
    assert expected in messages, messages


# ---------------------------------------------------------------- RL-1: rows re-entering, filter not reaching

MOVE = "stg_upload__platform_viewership"
PENDING_WHERE = ("    where\n        (processed is null or processed = false)\n"
                 "        and (phase is null or phase = '')\n")
NEW_ROWS_FROM = "    select pending.*\n    from pending\n"

RL1_CASES = [
    pytest.param(NEW_ROWS_FROM, "    select again.*\n    from pending\n"
                 "    inner join upload as again on again.filename = pending.filename\n", {"processed", "phase"},
                 id="self_join_brings_processed_rows_back"),
    pytest.param(NEW_ROWS_FROM + "    where not exists (", "    select again.*\n    from upload as again\n"
                 "    inner join pending on pending.filename = again.filename\n"
                 "    where (pending.processed is null or pending.processed = false)\n"
                 "        and (pending.phase is null or pending.phase = '') and not exists (",
                 {"processed", "phase"},
                 id="filter_applies_to_the_other_scan"),
    pytest.param(PENDING_WHERE, PENDING_WHERE + "    union all\n    select upload.*\n    from upload\n"
                 "    inner join \"warehouse\".\"upload\".\"file_status\" as fs on fs.filename = upload.filename\n"
                 "    where fs.status = 'reprocess'\n", {"processed", "phase"}, id="file_status_rows_unioned_in"),
    pytest.param("    from new_rows\n", "    from upload\n", {"processed", "phase"}, id="filter_cte_not_read"),
    pytest.param(PENDING_WHERE, "    where\n        (processed is null or processed = false or 1 = 1)\n"
                 "        and (phase is null or phase = '')\n", {"processed"}, id="filter_disabled_by_constant"),
    pytest.param("    select *\n    from upload\n" + PENDING_WHERE,
                 "    select u.*\n    from upload as u\n    where\n        (u.phase is null or u.phase = '')\n"
                 "        and (u.processed = false or u.processed is null)\n", set(), id="qualified_reordered"),
    pytest.param(PENDING_WHERE, PENDING_WHERE + "    union all\n    select * from upload where 1 = 0\n", set(),
                 id="dead_branch_adds_no_rows"),
    pytest.param(NEW_ROWS_FROM, "    select pending.*\n    from pending\n"
                 "    inner join already_copied as seen using (viewership_id)\n", set(), id="using_join_elsewhere"),
]


@pytest.mark.parametrize(("old", "new", "missing"), RL1_CASES)
def test_rl1_follows_the_rows(old: str, new: str, missing: set[str]) -> None:
    sql = fixture_sql("duckdb", MOVE)
    assert old in sql, "edit does not apply"
    sql = sql.replace(old, new, 1)
    move = node(MOVE, sql, "duckdb", path="models/bronze/upload/stg_upload__platform_viewership.sql",
                materialized="incremental")
    problems = run_check("required_filter", move, rule_params("RL-1", "required_filter"))
    found = {p for p in ("processed", "phase") if any(f"({p} is null" in x.message for x in problems)}
    assert found == missing, [p.message for p in problems]


# ---------------------------------------------------------------- RL-4: matched rows only (outer joins)

MATCHED = "int_viewership_matched"
FINAL_JOIN = ("    from winners\n    inner join normalized\n"
              "        on winners.viewership_id = normalized.viewership_id\n")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(None, None, "", id="as_compiled"),
        pytest.param(FINAL_JOIN, "    from normalized\n    left join winners\n"
                     "        on winners.viewership_id = normalized.viewership_id\n", "keeps every row",
                     id="left_join_from_all_records"),
        pytest.param(FINAL_JOIN, "    from winners\n    right join normalized\n"
                     "        on winners.viewership_id = normalized.viewership_id\n", "keeps every row",
                     id="right_join_to_all_records"),
        pytest.param(FINAL_JOIN, "    from winners\n    full outer join normalized\n"
                     "        on winners.viewership_id = normalized.viewership_id\n", "keeps every row",
                     id="full_join"),
        pytest.param(FINAL_JOIN, "    from normalized\n    inner join winners\n"
                     "        on normalized.viewership_id = winners.viewership_id\n", "", id="inner_join_swapped"),
        pytest.param(FINAL_JOIN, "    from winners\n    inner join normalized using (viewership_id)\n", "",
                     id="using_join"),
        pytest.param("    inner join series\n        on winners.series_id = series.series_id\n",
                     "    left join series\n        on winners.series_id = series.series_id\n", "",
                     id="left_join_to_a_lookup_is_fine"),
    ],
)
def test_rl4_matched_rows_only(old: str | None, new: str | None, expected: str) -> None:
    sql = fixture_sql("duckdb", MATCHED)
    if old is not None:
        assert old in sql, "edit does not apply"
        sql = sql.replace(old, new or "", 1)
    matched = node(MATCHED, sql, "duckdb", path="models/silver/matching/int_viewership_matched.sql")
    messages = " | ".join(p.message for p in run_check("matched_rows_only", matched,
                                                       rule_params("RL-4", "matched_rows_only")))
    if expected:
        assert expected in messages, messages
    else:
        assert messages == ""


# ---------------------------------------------------------------- RL-8: priorities not re-mapped, tie-break


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(None, None, "", id="as_compiled"),
        pytest.param("        bucket_priority,\n        branch,\n        branch_priority,\n"
                     "        is_primary_title_match,\n        asset_title\n    from int_match_title_only",
                     "        0 as bucket_priority,\n        branch,\n        branch_priority,\n"
                     "        is_primary_title_match,\n        asset_title\n    from int_match_title_only",
                     "re-computed", id="title_only_promoted_in_candidates"),
        pytest.param("                bucket_priority,\n                branch_priority,\n                case",
                     "                bucket_priority,\n                branch_priority desc,\n                case",
                     "no row_number() window", id="fallback_before_strict"),
        pytest.param("                case when is_primary_title_match then 0 else 1 end,\n                ref_id",
                     "                ref_id,\n                case when is_primary_title_match then 0 else 1 end",
                     "tie-break", id="tie_break_reordered"),
        pytest.param("                case when is_primary_title_match then 0 else 1 end,\n                ref_id",
                     "                CASE WHEN is_primary_title_match THEN 0 ELSE 1 END,\n  ref_id asc",
                     "", id="tie_break_reformatted"),
    ],
)
def test_rl8_winner_order(old: str | None, new: str | None, expected: str) -> None:
    sql = fixture_sql("duckdb", MATCHED)
    if old is not None:
        assert old in sql, "edit does not apply"
        sql = sql.replace(old, new or "", 1)
    matched = node(MATCHED, sql, "duckdb", path="models/silver/matching/int_viewership_matched.sql")
    messages = " | ".join(p.message for p in run_check("window_order_prefix", matched,
                                                       rule_params("RL-8", "window_order_prefix")))
    if expected:
        assert expected in messages, messages
    else:
        assert messages == ""


@pytest.mark.parametrize(
    ("old", "new", "ok"),
    [
        pytest.param(None, None, True, id="as_compiled"),
        pytest.param("1 as branch_priority", "3 as branch_priority", False, id="strict_after_fallback"),
        pytest.param("cast('strict' as TEXT) as branch", "cast('fallback' as TEXT) as branch", False,
                     id="labels_swapped"),
    ],
)
def test_rl8_branch_order(old: str | None, new: str | None, ok: bool) -> None:
    sql = fixture_sql("duckdb", REF_ID_SERIES)
    if old is not None:
        assert old in sql, "edit does not apply"
        sql = sql.replace(old, new or "", 1)
    problems = run_check("branch_order", refser(sql), rule_params("RL-8", "branch_order"))
    assert (problems == []) is ok, [p.message for p in problems]


@pytest.mark.parametrize(
    ("extra", "vetoed"),
    [
        pytest.param("        and phase = '0'\n", True, id="phase_contradiction_keeps_no_row"),
        pytest.param("        and processed = true\n", True, id="processed_contradiction_keeps_no_row"),
        pytest.param("        and (processed is null or processed = false)\n", False, id="repeated_conjunct"),
        pytest.param("        and filename is not null\n", False, id="narrowed_by_other_column"),
    ],
)
def test_rl1_filter_constant_false_for_real_data(extra: str, vetoed: bool) -> None:
    sql = fixture_sql("duckdb", MOVE)
    assert PENDING_WHERE in sql
    sql = sql.replace(PENDING_WHERE, PENDING_WHERE + extra, 1)
    move = node(MOVE, sql, "duckdb", path="models/bronze/upload/stg_upload__platform_viewership.sql",
                materialized="incremental")
    messages = " | ".join(p.message for p in run_check("required_filter", move, rule_params("RL-1", "required_filter")))
    assert ("contradiction" in messages) is vetoed, messages


# ---------------------------------------------------------------- class 7: formatting, comments, renamed CTEs

FIXTURE_CHECKS = [
    ("stg_upload__platform_viewership", "RL-1", "required_filter"),
    ("int_match_ref_id_series", "RL-2", "union_fallback_guard"),
    ("int_match_ref_id_series", "RL-8", "branch_order"),
    ("int_viewership_matched", "RL-4", "matched_rows_only"),
    ("int_viewership_matched", "RL-8", "window_order_prefix"),
    ("int_viewership_parsed", "RL-6", "year_guard"),
    ("int_viewership_parsed", "RL-6", "lowercase_output"),
    ("int_episode_details_validated", "RL-7", "label_flags"),
    ("int_episode_details_validated", "RL-7", "data_type_branch"),
]


def reprinted(sql: str) -> str:
    """The same query re-printed by sqlglot: upper-case keywords, other line breaks, no comments."""
    import sqlglot

    return sqlglot.transpile(sql, read="duckdb", write="duckdb", pretty=True, comments=False)[0]


def ctes_renamed(sql: str) -> str:
    """Every CTE renamed (the same query)."""
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(sql, read="duckdb")
    names = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    for table in tree.find_all(exp.Table):
        if table.name in names and not table.db:
            table.set("this", exp.to_identifier(f"step_{table.name}"))
            if not table.alias:
                table.set("alias", exp.TableAlias(this=exp.to_identifier(table.name)))
    for cte in tree.find_all(exp.CTE):
        cte.set("alias", exp.TableAlias(this=exp.to_identifier(f"step_{cte.alias_or_name}")))
    return tree.sql(dialect="duckdb")


@pytest.mark.parametrize("rewrite", [reprinted, ctes_renamed], ids=["reprinted", "ctes_renamed"])
@pytest.mark.parametrize(("model", "rule", "check"), FIXTURE_CHECKS,
                         ids=[f"{m}-{c}" for m, _r, c in FIXTURE_CHECKS])
def test_same_query_rewritten_passes(rewrite: object, model: str, rule: str, check: str) -> None:
    assert callable(rewrite)
    original = fixture_sql("duckdb", model)
    sql = rewrite(original)
    assert sql != original
    target = node(model, original, "duckdb", path=f"models/{model}.sql")
    assert run_check(check, target, rule_params(rule, check)) == [], "fixture itself fails"
    rewritten = node(model, sql, "duckdb", path=f"models/{model}.sql")
    assert [p.message for p in run_check(check, rewritten, rule_params(rule, check))] == []


@pytest.mark.parametrize(
    ("old", "new", "ok"),
    [
        pytest.param(None, None, True, id="as_compiled"),
        pytest.param("    from int_match_ref_id_series\n", "    from int_match_ref_id_series\n"
                     "    where branch = 'strict'\n", False, id="fallback_dropped_downstream"),
        pytest.param("    where ranked.candidate_rank = 1\n",
                     "    where ranked.candidate_rank = 1 and ranked.bucket_priority < 6\n", False,
                     id="title_only_bucket_dropped"),
        pytest.param("    where ranked.candidate_rank = 1\n", "    where 1 = ranked.candidate_rank\n", True,
                     id="rank_filter_flipped"),
    ],
)
def test_rl8_no_candidate_filtered_by_bucket(old: str | None, new: str | None, ok: bool) -> None:
    sql = fixture_sql("duckdb", MATCHED)
    if old is not None:
        assert old in sql, "edit does not apply"
        sql = sql.replace(old, new or "", 1)
    matched = node(MATCHED, sql, "duckdb", path="models/silver/matching/int_viewership_matched.sql")
    problems = run_check("no_filter_on", matched, rule_params("RL-8", "no_filter_on"))
    assert (problems == []) is ok, [p.message for p in problems]


@pytest.mark.parametrize("dialect", ["duckdb", "postgres", "snowflake"])
def test_rl2_not_in_guard_on_every_dialect(dialect: str) -> None:
    """Snowflake reads `x not in (subquery)` as `x <> all (subquery)`: the NULL-safe form passes on every
    dialect (adversarial E023), the plain one is vetoed."""
    sql = fixture_sql(dialect, REF_ID_SERIES)
    assert NOT_EXISTS in sql, "edit does not apply"

    def problems(text: str) -> list[str]:
        return [p.message for p in run_check("union_fallback_guard",
                                             node(REF_ID_SERIES, text, dialect,
                                                  path="models/silver/matching/int_match_ref_id_series.sql"),
                                             rule_params("RL-2", "union_fallback_guard"))]

    assert problems(sql.replace(NOT_EXISTS, not_in(), 1)) == []
    plain = " | ".join(problems(sql.replace(NOT_EXISTS, not_in(null_checks="", record_null=""), 1)))
    assert "NULL-unsafe NOT IN" in plain, plain
