"""The MERGE overrides on the emulation, on a throwaway dbt project that uses the project's
macros/emulation/ (no project model uses the `merge` strategy yet): an incremental merge model updates
matched rows and inserts new ones, and a timestamp snapshot closes the changed row, over two runs."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from dbtcommon.dbt import dbt_executable
from viewership import db, emulation, project

pytestmark = pytest.mark.snowflake_emulation

PROJECT = """
name: emulation_check
version: "1.0"
config-version: 2
profile: viewership
macro-paths: ["macros"]
model-paths: ["models"]
snapshot-paths: ["snapshots"]
flags:
  send_anonymous_usage_stats: false
"""
MERGED = """
{{ config(materialized='incremental', incremental_strategy='merge', unique_key='id') }}
{% if var('batch') == 1 %}
select 1 as id, 'a' as label, cast('2025-01-01 00:00:00' as timestamp) as updated_at
union all
select 2 as id, 'b' as label, cast('2025-01-01 00:00:00' as timestamp) as updated_at
{% else %}
select 2 as id, 'b2' as label, cast('2025-02-01 00:00:00' as timestamp) as updated_at
union all
select 3 as id, 'c' as label, cast('2025-02-01 00:00:00' as timestamp) as updated_at
{% endif %}
"""
SNAPSHOT = """
{% snapshot merged_history %}
{{ config(unique_key='id', strategy='timestamp', updated_at='updated_at',
          target_schema='SNAPSHOTS') }}
select * from {{ ref('merged') }}
{% endsnapshot %}
"""


def test_incremental_merge_and_snapshot_merge_on_the_emulation(tmp_path: Path) -> None:
    root = tmp_path / "emulation_check"
    (root / "macros").mkdir(parents=True)
    (root / "models").mkdir()
    (root / "snapshots").mkdir()
    for macro in (project.project_root() / "macros" / "emulation").glob("*.sql"):
        shutil.copy(macro, root / "macros" / macro.name)
    (root / "dbt_project.yml").write_text(PROJECT)
    (root / "models" / "merged.sql").write_text(MERGED)
    (root / "snapshots" / "merged_history.sql").write_text(SNAPSHOT)

    with emulation.server() as env, emulation.environ(env):
        _, cfg = project.target_config("staging")
        work_db = str(cfg["database"])
        con = db.connect("staging")
        try:
            con.execute(f"create database if not exists {db.quote(work_db)}")
            con.execute(f"create schema if not exists {db.quote(work_db)}.{db.quote('PUBLIC')}")
        finally:
            con.close()
        for batch in (1, 2):
            cmd = [dbt_executable(), "build", "--target", "staging",
                   "--project-dir", str(root), "--profiles-dir", str(emulation._profiles_dir(project.project_root())),
                   "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "target"),
                   "--vars", f"{{batch: {batch}}}"]
            proc = subprocess.run(cmd, env=emulation.dbt_env(env), capture_output=True, text=True, timeout=300)
            assert proc.returncode == 0, proc.stdout[-5000:]
        con = db.connect("staging")
        try:
            merged = con.query(f"select id, label from {db.quote(work_db)}.PUBLIC.merged order by id")
            history = con.query(
                f"select id, label, case when dbt_valid_to is null then 'current' else 'closed' end "
                f"from {db.quote(work_db)}.SNAPSHOTS.merged_history order by id, label")
        finally:
            con.close()
    assert [(int(i), str(label)) for i, label in merged] == [(1, "a"), (2, "b2"), (3, "c")]
    assert [(int(i), str(label), str(state)) for i, label, state in history] == [
        (1, "a", "current"), (2, "b", "closed"), (2, "b2", "current"), (3, "c", "current")]
