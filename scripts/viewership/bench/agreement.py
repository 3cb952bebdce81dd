"""Do our pipeline and a reference match the same records? One JSON object on stdout.

``python -m viewership.bench.agreement --manifest target/manifest.json --target dev`` compares
``int_viewership_matched`` (relation names from the manifest) with ``bench_ref.staging`` (what the last
reference run matched) on the records our silver layer normalized. The bench runs it as a child process so
that its own process stays small (see ``Bench.compare``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from viewership import db


def relations(manifest: Path) -> dict[str, str]:
    """Model name -> relation name, from a dbt manifest (empty when there is none)."""
    if not manifest.exists():
        return {}
    data = json.loads(manifest.read_text(encoding="utf-8"))
    return {n["name"]: n["relation_name"] for n in data["nodes"].values()
            if n["resource_type"] == "model" and n.get("relation_name")}


def agreement(database: db.Database, rel: dict[str, str]) -> dict[str, object]:
    matched, normalized = rel["int_viewership_matched"], rel["int_viewership_normalized"]
    sql = f"""
        with ours as (select viewership_id as id, match_bucket from {matched}),
        normalized as (select viewership_id as id,
                       coalesce(trim(platform_content_name), '') = '' as is_untitled
                       from {normalized}),
        ref as (select s.id, s.match_bucket from bench_ref.staging as s
                inner join normalized as n on n.id = s.id where s.content_provider is not null)
        select
            (select count(*) from normalized),
            (select count(*) from ours),
            (select count(*) from ref),
            (select count(*) from ours inner join ref on ref.id = ours.id),
            (select count(*) from ours inner join ref on ref.id = ours.id
             where ours.match_bucket = ref.match_bucket),
            (select count(*) from ours inner join normalized as n on n.id = ours.id
             where n.is_untitled and not exists (select 1 from ref where ref.id = ours.id))
    """  # noqa: S608 (relation names from the manifest)
    n_normalized, ours, ref, both, same_bucket, untitled_extra = database.query(sql)[0]
    by_bucket = database.query(f"select match_bucket, count(*) from {matched} group by 1")  # noqa: S608
    return {"normalized": int(n_normalized), "ours": int(ours), "reference_matched": int(ref),
            "both": int(both), "only_ours": int(ours) - int(both), "only_reference": int(ref) - int(both),
            "same_bucket": int(same_bucket), "only_ours_untitled": int(untitled_extra),
            "ours_by_bucket": {str(k): int(v) for k, v in by_bucket}}


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--manifest", type=click.Path(path_type=Path, dir_okay=False), required=True)
@click.option("--target", default="dev", show_default=True, help="Profile target (dev = DuckDB, ci = PostgreSQL).")
def main(manifest: Path, target: str) -> None:
    """Print the agreement counts as JSON ({"missing": true} when the models were not built)."""
    rel = relations(manifest)
    if "int_viewership_matched" not in rel or "int_viewership_normalized" not in rel:
        click.echo(json.dumps({"missing": True}))
        return
    database = db.connect(target)
    try:
        click.echo(json.dumps(agreement(database, rel)))
    finally:
        database.close()


if __name__ == "__main__":
    sys.exit(main())
