"""RL-3 raw scans found by the adversarial suite (H051, H053): a database spelled inside a Jinja expression of
a source's `database:`, and a database qualifying a schema in a hook's GRANT."""

from __future__ import annotations

from redline.rules.environment_scan import scan_sql, scan_yaml

from .helpers import env_map

NAMES = env_map().all_databases() | env_map().all_table_names()
MAPPED = "\"{{ var('environments')[target.name]['upload']['database'] or target.database }}\""


def test_source_database_expression_spelling_a_name_in_one_branch() -> None:
    harmful = MAPPED.replace("{{ ", "{{ 'UPLOAD_DB_PROD' if target.name == 'prod' else (", 1).replace(" }}", ") }}")
    yaml_text = "sources:\n  - name: upload\n    database: {}\n"
    assert [h.text for h in scan_yaml(yaml_text.format(harmful), NAMES)] == ["UPLOAD_DB_PROD"]
    assert scan_yaml(yaml_text.format(MAPPED), NAMES) == []
    # a location key of the map that equals a database name (the dictionary) is not a spelled database
    assert scan_yaml(yaml_text.format(MAPPED.replace("'upload'", "'dictionary'")), NAMES) == []
    # a description may name the legacy database: it is documentation, not executed
    assert scan_yaml("sources:\n  - name: upload\n    description: \"{{ 'UPLOAD_DB' }}\"\n", NAMES) == []


def test_hook_grant_on_a_schema_of_an_environment_database() -> None:
    dbs, tables = env_map().all_databases(), env_map().all_table_names()
    hook = "grant select on future tables in schema STAGING_ASSETS.PUBLIC to role WEB_APP"
    assert [h.text for h in scan_sql(hook, dbs, tables)] == ["STAGING_ASSETS"]
    assert scan_sql("grant usage on schema {{ env_database('gold') }}.{{ env_schema('gold') }} to role WEB_APP",
                    dbs, tables) == []


def test_a_bare_database_after_database_or_use_in_a_macro() -> None:
    """H052: an on-run-end grant macro spelling `grant usage on database ASSETS` (no dot: no qualified name)."""
    dbs, tables = env_map().all_databases(), env_map().all_table_names()
    assert [h.text for h in scan_sql("grant usage on database ASSETS to role {{ role }};", dbs, tables)] == ["ASSETS"]
    assert [h.text for h in scan_sql("use database STAGING_ASSETS;\nuse UPLOAD_DB;", dbs, tables)] == \
        ["STAGING_ASSETS", "UPLOAD_DB"]
    assert scan_sql("grant usage on database {{ env_database('gold') }} to role {{ role }};", dbs, tables) == []
    assert scan_sql("use warehouse {{ target.warehouse }}; use role WEB_APP;", dbs, tables) == []
