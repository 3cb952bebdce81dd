"""RL-3: hard-coded environment names in raw sources (no regex false positives), per-target binding of the
compiled SQL, unrendered Jinja, and target-independent compiles."""

from __future__ import annotations

from pathlib import Path

import pytest

from redline.rules.environment import unrendered_jinja
from redline.rules.environment_scan import scan_sql, scan_yaml

from .helpers import FIXTURES, env_map, node, project, run_check

RAW = FIXTURES / "raw"


def scan(path: Path) -> list[str]:
    em = env_map()
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".yml":
        hits = scan_yaml(text, em.all_databases() | em.all_table_names())
    else:
        hits = scan_sql(text, em.all_databases(), em.all_table_names())
    return [f"{h.line}:{h.text}" for h in hits]


def test_names_come_from_dbt_project_yml() -> None:
    names = env_map().hard_coded_names()
    # every staging/prod database of the map is forbidden, and nothing else is invented
    assert env_map().databases("prod") <= names and env_map().databases("staging") <= names
    assert env_map().databases("dev") == frozenset()


@pytest.mark.parametrize("path", sorted((RAW / "false_positives").iterdir()), ids=lambda p: p.name)
def test_no_false_positives(path: Path) -> None:
    """Names in comments, strings, CTE names, ref()/source() arguments, quoted aliases and YAML descriptions."""
    assert scan(path) == []


@pytest.mark.parametrize("path", sorted((RAW / "hard_coded").iterdir()), ids=lambda p: p.name)
def test_seeded_hard_coded_names_are_always_reported(path: Path) -> None:
    hits = scan(path)
    assert hits, f"{path.name}: hard-coded name not reported"
    names = env_map().hard_coded_names()
    text_lines = path.read_text(encoding="utf-8").splitlines()
    for hit in hits:
        line, name = hit.split(":", 1)
        assert name.upper() in names
        assert name.lower() in text_lines[int(line) - 1].lower(), f"wrong line for {hit}"


def test_the_project_sources_are_clean() -> None:
    root = FIXTURES.parents[3]
    em = env_map()
    dirty = []
    for pattern in ("models/**/*.sql", "macros/**/*.sql"):
        for path in root.glob(pattern):
            if scan_sql(path.read_text(encoding="utf-8"), em.all_databases(), em.all_table_names()):
                dirty.append(path.name)
    assert dirty == []


def test_jinja_string_that_contains_jinja_does_not_break_the_scan() -> None:
    source = "{{ config(post_hook=\"{{ mark() }}\", meta={'a': {'b': 1}}) }}\nselect 'it''s' as x from t"
    assert scan_sql(source, env_map().all_databases(), env_map().all_table_names()) == []


# ---------------------------------------------------------------- compiled SQL, per target


def binding(sql: str, dialect: str, target: str) -> list[str]:
    n = node("fct_episode_details", sql, dialect, target=target)
    return [p.message for p in run_check("compiled_environment_binding", n, {},
                                         {target: project([n], dialect, target)})]


@pytest.mark.parametrize(
    ("sql", "target", "ok"),
    [
        pytest.param("select * from NOSEY_PROD.PUBLIC.int_viewership_matched", "prod", True, id="prod_own_db"),
        pytest.param("select * from TEST_STAGING.PUBLIC.int_viewership_matched", "prod", False,
                     id="prod_reads_staging"),
        pytest.param("select * from NOSEY_PROD.PUBLIC.int_viewership_matched", "staging", False,
                     id="staging_reads_prod"),
        pytest.param("select * from STAGING_ASSETS.PUBLIC.EPISODE_DETAILS_TEST_STAGING", "staging", True,
                     id="staging_own_table"),
        pytest.param("select * from ASSETS.PUBLIC.EPISODE_DETAILS_TEST_STAGING", "prod", False,
                     id="prod_reads_staging_table_name"),
        pytest.param("select 'TEST_STAGING' as legacy_label from NOSEY_PROD.PUBLIC.x", "prod", True,
                     id="string_literal_is_not_a_reference"),
        pytest.param("with assets as (select 1 as a) select assets.a from assets", "staging", True,
                     id="cte_named_like_prod_db"),
        pytest.param("select * from DBT_WORK.PUBLIC.x", "prod", True, id="profile_database"),
    ],
)
def test_compiled_binding_snowflake(sql: str, target: str, ok: bool) -> None:
    assert (binding(sql, "snowflake", target) == []) is ok


def test_compiled_binding_local_targets() -> None:
    assert binding('select * from "warehouse"."silver"."x"', "duckdb", "dev") == []
    assert binding('select * from "NOSEY_PROD"."PUBLIC"."x"', "duckdb", "dev")
    assert binding('select * from "viewership_ci"."gold"."x"', "postgres", "ci") == []
    assert binding('select * from "UPLOAD_DB"."PUBLIC"."x"', "postgres", "ci")


@pytest.mark.parametrize(
    ("sql", "unrendered"),
    [
        pytest.param("select {{ ref('x') }}", True, id="expression"),
        pytest.param("select 1 {% if x %}", True, id="statement"),
        pytest.param("select '{{ not jinja }}' as literal_text", False, id="in_string"),
        pytest.param("select 1 -- {{ in a comment }}", False, id="in_comment"),
        pytest.param("select 1", False, id="clean"),
    ],
)
def test_unrendered_jinja(sql: str, unrendered: bool) -> None:
    assert unrendered_jinja(sql) is unrendered


def test_unrendered_jinja_is_reported_even_when_unparseable() -> None:
    assert any("unsubstituted" in m for m in binding("select {{ ref('x') }} from y", "snowflake", "prod"))


# ---------------------------------------------------------------- compiles identical across targets


def identical(staging_sql: str, prod_sql: str, dev_sql: str | None = None) -> list[str]:
    from .helpers import evaluate_fixture

    compiles = {
        "staging": project([node("m", staging_sql, "snowflake", target="staging")], "snowflake", "staging"),
        "prod": project([node("m", prod_sql, "snowflake", target="prod")], "snowflake", "prod"),
    }
    if dev_sql is not None:
        compiles["dev"] = project([node("m", dev_sql, "duckdb", target="dev")], "duckdb", "dev")
    outcome = evaluate_fixture(compiles, ["RL-3"])
    return [f.message for f in outcome.findings if f.check == "compiles_identical"]


def test_compiles_identical_modulo_environment_names() -> None:
    assert identical(
        "select * from TEST_STAGING.PUBLIC.x join STAGING_ASSETS.PUBLIC.EPISODE_DETAILS_TEST_STAGING e on 1 = 1",
        "select * from NOSEY_PROD.PUBLIC.x join ASSETS.PUBLIC.EPISODE_DETAILS e on 1 = 1",
        'select * from "warehouse"."silver"."x" join "warehouse"."gold"."episode_details" e on 1 = 1',
    ) == []


def test_target_dependent_logic_is_reported() -> None:
    messages = identical("select * from TEST_STAGING.PUBLIC.x",
                         "select * from NOSEY_PROD.PUBLIC.x where platform <> 'Tubi'")
    assert messages and "compiles differently on staging and prod" in messages[0]


def test_different_relations_across_adapters_are_reported() -> None:
    messages = identical("select * from TEST_STAGING.PUBLIC.x", "select * from NOSEY_PROD.PUBLIC.x",
                         'select * from "warehouse"."silver"."y"')
    assert any("reads different relations" in m for m in messages)
