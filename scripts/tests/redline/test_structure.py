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


@pytest.mark.parametrize("name", sorted(HARMS))
def test_rl2_harmful_guards_vetoed(name: str) -> None:
    old, new, expected = HARMS[name]
    sql = fixture_sql("duckdb", REF_ID_SERIES)
    assert old in sql, "edit does not apply"
    messages = " | ".join(guard_problems(sql.replace(old, new, 1)))
    assert expected in messages, messages
