"""Meaning checks of RL-6/7 (issue #15, class 5) and vacuous structure (class 1) on the compiled models:
each realistic harmful edit is vetoed, each same-meaning rewrite is accepted."""

from __future__ import annotations

import pytest

from redline.dataflow import constant, live_find
from redline.registry import get

from .helpers import fixture_sql, node, project, rule_params, run_check

PARSED = "int_viewership_parsed"
VALIDATED = "int_episode_details_validated"


def parsed(sql: str) -> object:
    return node(PARSED, sql, "duckdb", path="models/silver/normalization/int_viewership_parsed.sql")


def run_target(check: str, nodes: list[object], params: object) -> list[str]:
    from redline.registry import CheckContext

    from .helpers import ROOT, env_map

    pc = project(nodes, "duckdb")  # type: ignore[arg-type]
    ctx = CheckContext(root=ROOT, env_map=env_map(), compiles={pc.target: pc}, target=pc.target)
    return [p.message for p in get(check).func(ctx, nodes, params)]


def edited(name: str, old: str, new: str, count: int = 1) -> str:
    sql = fixture_sql("duckdb", name)
    assert old in sql, f"fixture edit does not apply: {old!r}"
    return sql.replace(old, new, count)


@pytest.mark.parametrize(
    ("sql", "expected"),
    [("a = 1 and 1 = 0", False), ("a = 1 or true", True), ("a = 1 and false", False), ("a = 1", None),
     ("'x' = 'y'", False), ("a = 1 or 1 = 1", True)],
)
def test_constant_conditions(sql: str, expected: bool | None) -> None:
    import sqlglot

    cond = sqlglot.parse_one(f"select 1 where {sql}").args["where"]
    assert constant(cond) is expected


def test_live_nodes_skip_unread_cte_and_dead_scope() -> None:
    sql = ("with unused as (select 'january' as m from t), dead as (select 'february' as m from t where 1 = 0) "
           "select 'march' as m from t union all select m from dead")
    texts = {lit.this for lit in live_find(sql, "duckdb", __import__("sqlglot").exp.Literal)}
    assert "march" in texts and "january" not in texts and "february" not in texts


# ---------------------------------------------------------------- RL-6 month mapping (value_mapping)

MONTH_EDITS = [
    pytest.param(None, None, True, id="as_compiled"),
    pytest.param("when 'january' then 1\n            when 'jan' then 1\n            when 'february' then 2",
                 "when 'february' then 2\n            when 'january' then 1\n            when 'jan' then 1",
                 True, id="reordered_whens"),
    pytest.param("when 'march' then 3", "when 'march' then 4", False, id="march_shifted"),
    pytest.param("case lower(month_text)", "case month_text", False, id="no_lower_upper_case_names_lost"),
    pytest.param("case lower(month_text)", "case upper(month_text)", False, id="upper_names"),
    pytest.param("when 'december' then 12", "when 'december' then 0", False, id="december_zero"),
]


@pytest.mark.parametrize(("old", "new", "ok"), MONTH_EDITS)
def test_month_mapping(old: str | None, new: str | None, ok: bool) -> None:
    sql = fixture_sql("duckdb", PARSED) if old is None else edited(PARSED, old, new or "")
    problems = run_target("value_mapping", [parsed(sql)], rule_params("RL-6", "value_mapping"))
    assert (problems == []) is ok, problems


def test_month_mapping_shifted_in_a_values_table() -> None:
    sql = ("with months(name, n) as (values ('january', 1), ('february', 3)) "
           "select n as month from months")
    problems = run_target("value_mapping", [parsed(sql)], {"mapping": {"january": 1, "february": 2}})
    assert problems and "'february' -> 3" in problems[0]


def test_month_mapping_disabled_in_a_dead_branch() -> None:
    sql = edited(PARSED, "case lower(month_text)\n            when 'january'",
                 "case when 1 = 0 then case lower(month_text) when 'x' then 0 end end as unused_month,\n"
                 "        case lower(month_text)\n            when 'january'")
    assert run_target("value_mapping", [parsed(sql)], rule_params("RL-6", "value_mapping")) == []
    gone = "select 1 as month from t where false and 'january' = 'x'"
    problems = run_target("value_mapping", [parsed(gone)], rule_params("RL-6", "value_mapping"))
    assert problems and "no live" in problems[0]


# ---------------------------------------------------------------- RL-6 lower-case quarters

@pytest.mark.parametrize(
    ("old", "new", "ok"),
    [
        pytest.param(None, None, True, id="as_compiled"),
        pytest.param("then 'q' || right(quarter_text, 1)", "then upper('q' || right(quarter_text, 1))", False,
                     id="upper_applied"),
        pytest.param("then 'q' || right(quarter_text, 1)", "then 'Q' || right(quarter_text, 1)", False,
                     id="upper_literal"),
        pytest.param("then 'q' || right(quarter_text, 1)", "then concat('q', right(quarter_text, 1))", True,
                     id="concat_rewrite"),
        pytest.param("then 'q' || right(quarter_text, 1)", "then trim(quarter_text)", False,
                     id="uploaded_text_not_lower_cased"),
        pytest.param("then 'q' || right(quarter_text, 1)", "then lower(trim(quarter_text))", True,
                     id="uploaded_text_lower_cased"),
    ],
)
def test_quarters_lower_case(old: str | None, new: str | None, ok: bool) -> None:
    sql = fixture_sql("duckdb", PARSED) if old is None else edited(PARSED, old, new or "")
    problems = run_check("lowercase_output", parsed(sql), rule_params("RL-6", "lowercase_output"))
    assert (problems == []) is ok, [p.message for p in problems]


# ---------------------------------------------------------------- RL-6 year guard on each date path


@pytest.mark.parametrize(
    ("old", "new", "ok"),
    [
        pytest.param(None, None, True, id="as_compiled"),
        pytest.param("and uploaded_year < 2000", "and uploaded_year < 1900", False, id="monthly_path_unguarded"),
        pytest.param("when cast(extract(year from date_value) as integer) >= 2000",
                     "when cast(extract(year from date_value) as integer) >= 2000 or 1 = 1", False,
                     id="own_date_guard_disabled_by_or_true"),
        pytest.param("when cast(extract(year from date_value) as integer) >= 2000",
                     "when 1999 < cast(extract(year from date_value) as integer)", True, id="flipped_guard"),
    ],
)
def test_year_guard_each_path(old: str | None, new: str | None, ok: bool) -> None:
    sql = fixture_sql("duckdb", PARSED) if old is None else edited(PARSED, old, new or "", -1)
    problems = run_check("year_guard", parsed(sql), rule_params("RL-6", "year_guard"))
    assert (problems == []) is ok, [p.message for p in problems]


# ---------------------------------------------------------------- RL-7 labels


def validated(sql: str) -> object:
    return node(VALIDATED, sql, "duckdb", path="models/silver/matching/int_episode_details_validated.sql")


@pytest.mark.parametrize(
    ("old", "new", "ok"),
    [
        pytest.param(None, None, True, id="as_compiled"),
        pytest.param("lower(data_type) in ('viewership', 'viewership_revenue')",
                     "lower(data_type) in ('viewership', 'viewership_revenue', 'revenue')", False,
                     id="revenue_rows_get_viewership_label"),
        pytest.param("lower(data_type) = 'revenue'\n", "lower(data_type) = 'viewership'\n", False,
                     id="revenue_flag_swapped"),
        pytest.param("where has_revenue_label", "where has_viewership_label", False, id="labels_swapped"),
        pytest.param("lower(data_type) in ('viewership', 'viewership_revenue')",
                     "lower(data_type) = 'viewership' or lower(data_type) = 'viewership_revenue'", True,
                     id="in_as_or"),
        pytest.param("where has_revenue_label", "where true and has_revenue_label", True, id="extra_true"),
        pytest.param("revenue_failure as validation_failure", "viewership_failure as validation_failure", False,
                     id="revenue_rows_validated_as_viewership"),
        pytest.param("viewership_failure as validation_failure", "revenue_failure as validation_failure", False,
                     id="viewership_rows_validated_as_revenue"),
    ],
)
def test_label_flags(old: str | None, new: str | None, ok: bool) -> None:
    sql = fixture_sql("duckdb", VALIDATED) if old is None else edited(VALIDATED, old, new or "")
    problems = run_check("label_flags", validated(sql), rule_params("RL-7", "label_flags"))
    assert (problems == []) is ok, [p.message for p in problems]


@pytest.mark.parametrize(
    ("old", "new", "ok"),
    [
        pytest.param("= 'revenue'", "= 'Revenue'", False, id="lower_never_equals_capitalised"),
        pytest.param("lower(data_type) = 'revenue'", "upper(data_type) = 'REVENUE'", True, id="upper_upper"),
    ],
)
def test_data_type_branch_constant_false_for_real_data(old: str, new: str, ok: bool) -> None:
    sql = ("select *, case when lower(data_type) = 'revenue' then 'missing_revenue' "
           "when lower(data_type) in ('viewership', 'viewership_revenue') then 'missing_views' end as reason "
           "from matched")
    assert old in sql
    problems = run_check("data_type_branch", validated(sql.replace(old, new)), rule_params("RL-7", "data_type_branch"))
    assert (problems == []) is ok, [p.message for p in problems]
    assert constant(__import__("sqlglot").parse_one(f"select 1 where {sql.split('when ')[1].split(' then')[0]}"
                                                    .replace(old, new)).args["where"]) is (None if ok else False)
