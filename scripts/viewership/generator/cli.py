"""``viewership-generate``: build the catalog, load the reference data and generate the upload rows."""

from __future__ import annotations

import time
from pathlib import Path

import click

from viewership import db, schema
from viewership.generator.catalog import build_catalog, write_reference
from viewership.generator.upload import generate_upload, plan_files
from viewership.loader.errors import LoadError
from viewership.loader.reference import load_reference


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--rows", type=click.IntRange(1_000, 10_000_000), default=20_000, show_default=True,
              help="Upload rows to generate (1k to 10M).")
@click.option("--seed", type=int, default=42, show_default=True, help="Same seed, same data.")
@click.option("--catalog-episodes", type=click.IntRange(100, 1_000_000), default=5_000, show_default=True,
              help="Episode assets in the synthetic catalog (100k for benchmarks).")
@click.option("--target", default=None, help="dbt profile target (default: the profile's default, dev).")
@click.option("--out-dir", type=click.Path(path_type=Path), default=Path(".local/synthetic"), show_default=True,
              help="Where the reference CSVs are written.")
@click.option("--append-files", type=click.IntRange(0, 1000), default=None,
              help="Append this many NEW files (each ~1% of --rows) to existing data instead of a fresh set; "
                   "the reference data is left as it is.")
@click.option("--reset/--no-reset", default=True, show_default=True,
              help="Empty the upload table first (ignored with --append-files).")
def main(rows: int, seed: int, catalog_episodes: int, target: str | None, out_dir: Path,
         append_files: int | None, reset: bool) -> None:
    """Generate a deterministic synthetic catalog and upload table into a target."""
    started = time.perf_counter()
    catalog = build_catalog(catalog_episodes, seed)
    database = db.connect(target)
    try:
        database.ensure_tables()
        if append_files is None:
            paths = write_reference(catalog, out_dir / "reference")
            try:
                counts = load_reference(next(iter(paths.values())).parent, database)
            except LoadError as exc:
                raise click.ClickException(str(exc)) from exc
            click.echo("reference: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()), err=True)
            if reset:
                with database.transaction():
                    database.execute(f"delete from {database.table_ref(schema.UPLOAD)}")  # noqa: S608 (config identifier)
            files = plan_files(rows, seed)
        else:
            upload = database.table_ref(schema.UPLOAD)  # quoted identifiers from the environment map
            existing = database.scalar(f"select count(distinct filename) from {upload}")  # noqa: S608
            per_file = max(1_000, rows // 100)
            files = plan_files(per_file * append_files, seed + 1 + int(existing or 0),
                               start_period=int(existing or 0) + 1000)[:append_files] if append_files else []
            for f in files:
                f["filename"] = f"appended_{int(existing or 0) + f['file_idx'] + 1:04d}_{f['filename']}"
        written = generate_upload(database, catalog, files, seed)
    finally:
        database.close()
    elapsed = time.perf_counter() - started
    click.echo(f"upload: {written:,} rows in {len(files)} files ({elapsed:.1f} s)", err=True)
