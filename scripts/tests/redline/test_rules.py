"""Each check on compiled-SQL fixtures in the duckdb, postgres and snowflake dialects: passing and failing."""

from __future__ import annotations

import pytest

from redline.registry import CheckError

from .helpers import DIALECTS, fixture_sql, handwritten_sql, node, project, rule_params, run_check

MOVE = "stg_upload__platform_viewership"
REF_ID_SERIES = "int_match_ref_id_series"


def move_node(dialect: str, sql: str | None = None) -> object:
    return node(MOVE, sql if sql is not None else fixture_sql(dialect, MOVE), dialect,
                path="models/bronze/upload/stg_upload__platform_viewership.sql", materialized="incremental")


# ---------------------------------------------------------------- RL-1


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(
    ("old", "new", "missing"),
    [
        pytest.param(None, None, set(), id="as_compiled"),
        pytest.param("(processed is null or processed = false)", "coalesce(processed, false) = false", set(),
                     id="coalesce_equivalent"),
        pytest.param("(phase is null or phase = '')", "coalesce(phase, '') = ''", set(), id="phase_coalesce"),
        pytest.param("(processed is null or processed = false)\n        and (phase is null or phase = '')",
                     "(phase is null or phase = '') and (processed = false or processed is null)", set(),
                     id="reordered"),
        pytest.param("(processed is null or processed = false)", "processed = false", {"processed"},
                     id="processed_false_only"),
        pytest.param("(processed is null or processed = false)", "processed is null", {"processed"},
                     id="processed_null_only"),
        pytest.param("(processed is null or processed = false)\n        and ", "", {"processed"},
                     id="processed_dropped"),
        pytest.param("\n        and (phase is null or phase = '')", "", {"phase"}, id="phase_dropped"),
        pytest.param("(phase is null or phase = '')", "(phase is null or phase = '' or phase = '0')", {"phase"},
                     id="phase_weakened"),
        pytest.param("select pending.*\n    from pending", "select upload.*\n    from upload",
                     {"processed", "phase"}, id="filter_bypassed"),
        pytest.param("(processed is null or processed = false)", "(processed is null or processed = false or true)",
                     {"processed"}, id="or_true"),
    ],
)
def test_rl1_move_filter(dialect: str, old: str | None, new: str | None, missing: set[str]) -> None:
    sql = fixture_sql(dialect, MOVE)
    if old is not None:
        assert old in sql, "fixture edit does not apply"
        sql = sql.replace(old, new or "", 1)
    problems = run_check("required_filter", move_node(dialect, sql), rule_params("RL-1", "required_filter"))
    found = {p for p in ("processed", "phase") if any(f"({p} is null" in x.message for x in problems)}
    assert found == missing, [p.message for p in problems]


def test_rl1_source_no_longer_read() -> None:
    sql = fixture_sql("duckdb", MOVE).replace('"warehouse"."upload"."platform_viewership"',
                                              '"warehouse"."upload"."other_table"')
    problems = run_check("required_filter", move_node("duckdb", sql), rule_params("RL-1", "required_filter"))
    assert [p.message for p in problems] == ["the model no longer reads upload.platform_viewership"]


# ---------------------------------------------------------------- RL-2


def refser(dialect: str, sql: str) -> object:
    return node(REF_ID_SERIES, sql, dialect, path="models/silver/matching/int_match_ref_id_series.sql")


LEGACY_SHAPE = "snowflake_legacy_style"
RL2_SHAPES = (*DIALECTS, LEGACY_SHAPE)


def style(shape: str) -> str:
    """The compiled fixtures use the keyed title tables; the hand-written legacy shape the title functions."""
    return "legacy" if shape == LEGACY_SHAPE else "keyed"


def rl2_sql(shape: str) -> tuple[str, str]:
    """(dialect, SQL) of one RL-2 input: a dialect's compile, or the hand-written legacy shape (Snowflake)."""
    if shape == LEGACY_SHAPE:
        return "snowflake", handwritten_sql("snowflake", REF_ID_SERIES)
    return shape, fixture_sql(shape, REF_ID_SERIES)


def cut_union(sql: str, kind: str) -> str:
    """Delete the UNION and the fallback branch (the 2025-12-02 deployed version)."""
    if kind == "legacy":
        return sql.replace("    UNION\n    select * from fallback_matches\n", "")
    start = sql.index("\n    union\n")
    end = sql.index("\n),\n\nfinal as")
    return sql[:start] + sql[end:]


RL2_EDITS = {
    "not_exists_inverted": {"keyed": ("not exists", "exists"), "legacy": ("NOT EXISTS", "EXISTS")},
    "union_all_equivalent": {"keyed": ("\n    union\n", "\n    union all\n"),
                             "legacy": ("UNION\n", "UNION ALL\n")},
    "intersect": {"keyed": ("\n    union\n", "\n    intersect\n"), "legacy": ("UNION\n", "INTERSECT\n")},
    "guard_uncorrelated": {
        "keyed": ("matching_titles.title_key = eligible.title_key",
                  "matching_titles.title_key = matching_titles.title_key"),
        "legacy": ("NOT EXISTS", "guard: r.platform_content_name -> m2.title"),
    },
    "guard_without_ref_id": {
        "keyed": ("matching_titles.ref_id_key = eligible.ref_id_key\n            and ", ""),
        "legacy": ("WHERE m2.ref_id = r.ref_id\n          AND ", "WHERE "),
    },
    "strict_title_check_dropped": {
        "keyed": ("\n            and eligible.title_key = title_keys.title_key", ""),
        "legacy": ("where lower(regexp_replace(trim(m.title), '[^A-Za-z0-9]', ''))\n        = "
                   "lower(regexp_replace(trim(r.platform_content_name), '[^A-Za-z0-9]', ''))", ""),
    },
    "guard_swapped_operands_equivalent": {
        "keyed": ("matching_titles.title_key = eligible.title_key", "eligible.title_key = matching_titles.title_key"),
        "legacy": ("WHERE m2.ref_id = r.ref_id", "WHERE r.ref_id = m2.ref_id"),
    },
}


@pytest.mark.parametrize("shape", RL2_SHAPES)
@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        pytest.param(None, "", id="as_compiled"),
        pytest.param("cut_union", "no UNION", id="union_deleted"),
        pytest.param("not_exists_inverted", "EXISTS without NOT", id="not_exists_inverted"),
        pytest.param("union_all_equivalent", "", id="union_all_equivalent"),
        pytest.param("intersect", "no UNION", id="intersect"),
        pytest.param("guard_uncorrelated", "not correlated with the outer record", id="guard_uncorrelated"),
        pytest.param("guard_without_ref_id", "not correlated on the record's ref_id", id="guard_without_ref_id"),
        pytest.param("strict_title_check_dropped", "strict branch", id="strict_title_check_dropped"),
        pytest.param("guard_swapped_operands_equivalent", "", id="guard_swapped_operands_equivalent"),
    ],
)
def test_rl2_union_fallback(shape: str, edit: str | None, expected: str) -> None:
    dialect, sql = rl2_sql(shape)
    kind = style(shape)
    if edit == "cut_union":
        sql = cut_union(sql, kind)
        code = "\n".join(line for line in sql.splitlines() if not line.startswith("--"))
        assert " union" not in code.lower()
    elif edit is not None:
        old, new = RL2_EDITS[edit][kind]
        assert old in sql, f"edit {old!r} does not apply to the {dialect} fixture"
        if new.startswith("guard: "):  # rewrite inside the NOT EXISTS only
            before, after = new.removeprefix("guard: ").split(" -> ")
            head, guard = sql.split(old, 1)
            guard, tail = guard.split("\n    )\n", 1)
            sql = head + old + guard.replace(before, after) + "\n    )\n" + tail
        else:
            sql = sql.replace(old, new, 1)
    problems = run_check("union_fallback_guard", refser(dialect, sql),
                         rule_params("RL-2", "union_fallback_guard"))
    messages = " | ".join(p.message for p in problems)
    if expected:
        assert expected in messages, messages
    else:
        assert problems == [], messages


def test_rl2_unparseable_sql_cannot_be_evaluated() -> None:
    with pytest.raises(CheckError):
        run_check("union_fallback_guard", refser("duckdb", "select from where ((("),
                  rule_params("RL-2", "union_fallback_guard"))


# ---------------------------------------------------------------- RL-4


PHASE_SQL = "with src as (select * from {up}), final as (select id, {phase} as phase from src) select * from final"


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(
    ("phase", "ok"),
    [
        pytest.param("cast('2' as varchar)", True, id="literal_2"),
        pytest.param("'2'", True, id="bare_literal"),
        pytest.param("cast('1' as varchar)", False, id="wrong_phase"),
        pytest.param("'7'", False, id="not_a_phase"),
        pytest.param("src.phase", False, id="passed_through_from_normalized"),
    ],
)
def test_rl4_phase_value(dialect: str, phase: str, ok: bool) -> None:
    upstream = node("int_viewership_normalized", "select 1 as id, cast('1' as varchar) as phase", dialect)
    matched = node("int_viewership_matched", PHASE_SQL.format(up="int_viewership_normalized", phase=phase), dialect)
    compiles = {matched.target: project([upstream, matched], dialect)}
    problems = run_check("phase_value", matched, {"value": "2"}, compiles)
    assert (problems == []) is ok, [p.message for p in problems]


def test_rl4_view_over_another_version_passes_phase_through() -> None:
    v2 = node("fct_episode_details", "select 1 as id, '3' as phase", "duckdb", version="v2", alias="episode_details")
    v1 = node("fct_episode_details", "select id, phase from episode_details", "duckdb", version="v1",
              alias="episode_details_v1")
    compiles = {"dev": project([v1, v2], "duckdb")}
    assert run_check("phase_value", v1, {"value": "3"}, compiles) == []


@pytest.mark.parametrize(
    ("final_reads", "ok"),
    [
        pytest.param("int_episode_details_validated", True, id="via_validated_matched"),
        pytest.param("int_viewership_matched", True, id="matched_directly"),
        pytest.param("int_viewership_normalized", False, id="normalized_directly"),
    ],
)
def test_rl4_final_reads_only_matched(final_reads: str, ok: bool) -> None:
    d = "duckdb"
    normalized = node("int_viewership_normalized", "select 1 as id", d)
    matched = node("int_viewership_matched", "select * from int_viewership_normalized", d,
                   depends_on=["model.viewership.int_viewership_normalized"])
    validated = node("int_episode_details_validated", "select * from int_viewership_matched", d,
                     depends_on=["model.viewership.int_viewership_matched"])
    final = node("fct_episode_details", f"select * from {final_reads}", d,
                 depends_on=[f"model.viewership.{final_reads}"])
    compiles = {"dev": project([normalized, matched, validated, final], d)}
    problems = run_check("reads_only", final, rule_params("RL-4", "reads_only"), compiles)
    assert (problems == []) is ok, [p.message for p in problems]


# ---------------------------------------------------------------- RL-5


@pytest.mark.parametrize(
    ("grants", "ok"),
    [
        pytest.param({"select": ["WEB_APP"]}, True, id="web_app"),
        pytest.param({"+select": ["web_app", "ANALYST"]}, True, id="plus_key_lower_case_extra_role"),
        pytest.param({}, False, id="no_grants"),
        pytest.param({"select": []}, False, id="emptied"),
        pytest.param({"select": ["WEB_APP_RO"]}, False, id="other_role"),
        pytest.param({"insert": ["WEB_APP"]}, False, id="other_privilege"),
    ],
)
def test_rl5_grants(grants: dict[str, list[str]], ok: bool) -> None:
    gold = node("fct_episode_details", "select 1 as id", "snowflake", grants=grants,
                path="models/gold/fct_episode_details_v2.sql")
    problems = run_check("grants_role", gold, rule_params("RL-5", "grants_role"))
    assert (problems == []) is ok


# ---------------------------------------------------------------- date / validation protections

DATE_SQL = """
select
    case lower(month_raw) when 'january' then 1 when 'february' then 2 else null end as month,
    case when month <= 3 then 'q1' when month <= 6 then 'q2' else 'q4' end as quarter
from parsed
where extract(year from date_value) >= 2000 or (date_value is null and uploaded_year >= 2000)
"""


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(
    ("check", "label", "edit", "ok"),
    [
        pytest.param("required_literal", "month-name mapping", None, True, id="month_names"),
        pytest.param("required_literal", "month-name mapping", ("'january'", "'jan'"), False, id="no_january"),
        pytest.param("required_literal", "month-name mapping", ("-- x", "-- 'january'"), True,
                     id="comment_does_not_count_but_literal_stays"),
        pytest.param("required_literal", "lower-case quarters", None, True, id="q1"),
        pytest.param("required_literal", "lower-case quarters", ("'q1'", "'Q1'"), False, id="upper_Q1"),
        pytest.param("year_guard", "year >= 2000 guard", None, True, id="year_guard"),
        pytest.param("year_guard", "year >= 2000 guard", (">= 2000", "> 1999"), True, id="gt_1999"),
        pytest.param("year_guard", "year >= 2000 guard", (">= 2000", ">= 1970"), False, id="epoch_guard"),
        pytest.param("year_guard", "year >= 2000 guard", ("where extract(year from date_value) >= 2000", "--"),
                     False, id="no_guard"),
        pytest.param("year_guard", "year >= 2000 guard", ("uploaded_year >= 2000", "uploaded_year >= 0"),
                     False, id="guard_on_one_date_path_only"),
        pytest.param("year_guard", "year >= 2000 guard", ("uploaded_year >= 2000", "2000 <= uploaded_year"),
                     True, id="guard_flipped"),
        pytest.param("year_guard", "year >= 2000 guard", (">= 2000 or", ">= 2000 and 1 = 0 or"),
                     False, id="guard_disabled_by_constant"),
    ],
)
def test_date_protections(dialect: str, check: str, label: str, edit: tuple[str, str] | None, ok: bool) -> None:
    sql = DATE_SQL if edit is None else DATE_SQL.replace(*edit)
    parsed = node("int_viewership_parsed", sql, dialect, path="models/silver/normalization/int_viewership_parsed.sql")
    problems = run_check(check, parsed, rule_params("RL-6", check, label))
    assert (problems == []) is ok, [p.message for p in problems]


def test_comment_alone_does_not_satisfy_the_month_mapping() -> None:
    sql = "-- the mapping used 'january'\nselect 1 as month from parsed"
    parsed = node("int_viewership_parsed", sql, "duckdb")
    assert run_check("required_literal", parsed, rule_params("RL-6", "required_literal", "month-name mapping"))


VALIDATION_SQL = """
select *,
    case when lower(data_type) = 'revenue' then 'missing_revenue'
         when lower(data_type) in ('viewership', 'viewership_revenue') then 'missing_views' end as reason
from matched
"""


@pytest.mark.parametrize(
    ("check", "edit", "ok"),
    [
        pytest.param("data_type_branch", None, True, id="branch"),
        pytest.param("data_type_branch", ("= 'revenue'", "= 'rev'"), False, id="no_revenue_branch"),
        pytest.param("forbidden_literal", None, True, id="no_missing_week"),
        pytest.param("forbidden_literal", ("'missing_views'", "'Missing week'"), False, id="missing_week_back"),
    ],
)
def test_validation_protections(check: str, edit: tuple[str, str] | None, ok: bool) -> None:
    sql = VALIDATION_SQL if edit is None else VALIDATION_SQL.replace(*edit)
    validated = node("int_episode_details_validated", sql, "snowflake")
    problems = run_check(check, validated, rule_params("RL-7", check))
    assert (problems == []) is ok, [p.message for p in problems]


# ---------------------------------------------------------------- RL-8


@pytest.mark.parametrize(
    ("order", "ok"),
    [
        pytest.param("bucket_priority, branch_priority, ref_id", True, id="legacy_order"),
        pytest.param("bucket_priority asc, branch_priority asc", True, id="explicit_asc"),
        pytest.param("branch_priority, bucket_priority", False, id="swapped"),
        pytest.param("bucket_priority desc, branch_priority", False, id="descending"),
    ],
)
def test_rl8_winner_order(order: str, ok: bool) -> None:
    sql = f"select *, row_number() over (partition by viewership_id order by {order}) as rn from candidates"
    matched = node("int_viewership_matched", sql, "postgres")
    problems = run_check("window_order_prefix", matched, {"columns": ["bucket_priority", "branch_priority"]})
    assert (problems == []) is ok


@pytest.mark.parametrize(("value", "ok"), [("2", True), ("3", False)])
def test_rl8_bucket_priority(value: str, ok: bool) -> None:
    bucket = node(REF_ID_SERIES, f"with c as (select 1 as id) select id, {value} as bucket_priority from c",
                  "duckdb")
    assert (run_check("output_literal", bucket, {"column": "bucket_priority", "value": 2}) == []) is ok
