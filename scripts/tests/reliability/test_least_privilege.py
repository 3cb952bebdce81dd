"""Least privilege on PostgreSQL (RL-5): WEB_APP reads gold and nothing else; `redline verify` notices a revoke.

After a real build (synthetic data) on a fresh database:
* the catalog (has_table_privilege, information_schema.role_table_grants) says WEB_APP may SELECT every gold
  relation and holds no privilege at all on any relation of upload, bronze, silver, catalog, dictionary, audit;
* acting as WEB_APP (SET ROLE) a select on bronze/silver/upload is refused; a select on gold SHOULD work but
  does (USAGE on the gold schema comes from the on-run-end hook grant_gold_schema_usage);
* after a revoke of SELECT on a gold relation (fct_viewership_unmatched; episode_details alone, whose v1 view
  keeps its grant), `redline verify --target ci` reports the missing deployed grant.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest

from scripts.tests.harness import ROOT, Warehouse
from scripts.tests.reliability import snapshot, support
from viewership.db import Database

pytestmark = pytest.mark.postgres

ROLE = "web_app"  # WEB_APP as PostgreSQL folds the unquoted grantee dbt renders (see harness)
CLOSED = ("upload", "bronze", "silver", "catalog", "dictionary", "audit")
PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Warehouse, dict[str, list[str]], Path]]:
    tmp = tmp_path_factory.mktemp("least_privilege")
    with support.slots("postgres", tmp) as s:
        wh = s.active
        support.generate(wh, tmp / "synthetic", 2000, 3)
        support.build(wh)
        with wh.connect() as database:
            rel = {loc: [f"{database.schema_ref(loc)}.\"{t}\"" for t in _relations(database, loc)]
                   for loc in ("gold", *CLOSED)}
        assert rel["gold"] and rel["bronze"] and rel["silver"] and rel["upload"]
        yield wh, rel, tmp


def test_catalog_grants_gold_select_only(built: tuple[Warehouse, dict[str, list[str]], Path]) -> None:
    wh, rel, _ = built
    with wh.connect() as database:
        for ref in rel["gold"]:
            assert database.scalar("select has_table_privilege(%s, %s, 'SELECT')", [ROLE, ref]), ref
            others = [p for p in PRIVILEGES[1:]
                      if database.scalar("select has_table_privilege(%s, %s, %s)", [ROLE, ref, p])]
            assert others == [], f"{ROLE} may {others} on {ref}: gold is read-only for the app"
        for loc in CLOSED:
            for ref in rel[loc]:
                granted = [p for p in PRIVILEGES
                           if database.scalar("select has_table_privilege(%s, %s, %s)", [ROLE, ref, p])]
                assert granted == [], f"{ROLE} holds {granted} on {ref}"
        grants = database.query(
            "select table_schema, privilege_type from information_schema.role_table_grants "
            "where grantee = %s and table_catalog = current_database() group by 1, 2 order by 1, 2", [ROLE])
        assert grants == [("gold", "SELECT")], grants


def test_acting_as_web_app_other_layers_are_refused(built: tuple[Warehouse, dict[str, list[str]], Path]) -> None:
    wh, rel, _ = built
    with wh.connect() as database:
        for ref in (rel["bronze"][0], rel["silver"][0], rel["upload"][0]):
            cur = database.connection.cursor()
            cur.execute(f"set role {ROLE}")
            with pytest.raises(psycopg2.Error, match="permission denied"):
                cur.execute(f"select 1 from {ref} limit 1")
            database.connection.rollback()


def test_acting_as_web_app_gold_is_readable(built: tuple[Warehouse, dict[str, list[str]], Path]) -> None:
    wh, _, _ = built
    with wh.connect() as database:
        cur = database.connection.cursor()
        try:
            cur.execute(f"set role {ROLE}")
            cur.execute("select count(*) from gold.episode_details")
            assert cur.fetchone()[0] > 0
        finally:
            database.connection.rollback()


def _verify_after_revoke(built: tuple[Warehouse, dict[str, list[str]], Path], relation: str) -> list[str]:
    """Revoke SELECT on one gold relation, run `redline verify --target ci`, restore the grant; the findings."""
    wh, _, tmp = built
    with wh.connect() as database:
        database.execute(f"revoke select on gold.{relation} from {ROLE}")
        database.connection.commit()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "redline", "verify", "--target", "ci", "--format", "json", "--project-dir",
             str(ROOT), "--work-dir", str(tmp / "redline")],
            env=wh.env, cwd=ROOT, capture_output=True, text=True, timeout=support.SUBPROCESS_TIMEOUT)
    finally:
        with wh.connect() as database:
            database.execute(f"grant select on gold.{relation} to {ROLE}")
            database.connection.commit()
    assert proc.returncode in (0, 1), f"redline verify could not run ({proc.returncode}):\n{proc.stderr[-3000:]}"
    findings = json.loads(proc.stdout).get("findings", [])
    return [json.dumps(f) for f in findings if "grant" in json.dumps(f).lower()]


def test_redline_verify_reports_a_revoked_unmatched_grant(
        built: tuple[Warehouse, dict[str, list[str]], Path]) -> None:
    grant_findings = _verify_after_revoke(built, "fct_viewership_unmatched")
    assert any("fct_viewership_unmatched" in f for f in grant_findings), grant_findings


def test_redline_verify_reports_a_revoked_episode_details_grant(
        built: tuple[Warehouse, dict[str, list[str]], Path]) -> None:
    """Only the v2 table loses its grant; the v1 view (same model name) keeps it and must not mask it
    (fixed in redline 38982d1: deployed grants keyed by unique_id)."""
    grant_findings = _verify_after_revoke(built, "episode_details")
    assert any("fct_episode_details" in f for f in grant_findings), grant_findings


def _relations(database: Database, location: str) -> list[str]:
    return snapshot.relations(database, location)
