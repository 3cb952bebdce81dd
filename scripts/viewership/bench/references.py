"""The two procedural references of the benchmark (DOMAIN §5.1-5.3), on DuckDB and PostgreSQL.

* ``legacy`` — the FAITHFUL legacy algorithm: a queue table of unmatched ids, then for each bucket in
  order a bucket table and one ``UPDATE … FROM (subquery)`` with the legacy join conditions, including
  the ``lower(regexp_replace(trim(title)))`` equality OR-ed over title and clean_title (a nested loop
  over the whole catalog). Quadratic: run it on a few thousand records only.
* ``fixed`` — the FIXED procedural port a careful team would write: the same queue and UPDATE chain and
  the same bucket semantics, but titles normalized once into key tables and joined by equality, each
  UPDATE fed by a de-duplicated, id-sorted source.

Both work on ``bench_ref.staging``, a copy of the upload rows with the legacy normalization minimum
(see ``sql/prepare_staging.sql``), so they need only the tables the generator fills. SQL lives in
``sql/`` as Jinja templates; values (platform names) are bound parameters, never spliced.

``python -m viewership.bench.references --algorithm fixed --target dev`` runs one reference against the
target's database (DBT_DUCKDB_PATH / POSTGRES_DATABASE) and prints one JSON object: seconds per phase and
bucket, matched count per bucket.
"""

from __future__ import annotations

import json
import re
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import click
import jinja2

from viewership import db, schema

SQL_DIR = Path(__file__).with_name("sql")
ALGORITHMS = ("legacy", "fixed")
BUCKETS: tuple[tuple[str, str], ...] = (
    ("FULL_DATA", "full_data"),
    ("REF_ID_SERIES", "ref_id_series"),
    ("REF_ID_ONLY", "ref_id_only"),
    ("SERIES_SEASON_EPISODE", "series_season_episode"),
    ("SERIES_ONLY", "series_only"),
    ("TITLE_ONLY", "title_only"),
)
_PLATFORM = "__bench_platform__"


@dataclass
class ReferenceResult:
    """What one reference run did and how long each part took."""

    algorithm: str
    engine: str
    records: int = 0
    matched: int = 0
    matched_by_bucket: dict[str, int] = field(default_factory=dict)
    seconds_prepare: float = 0.0
    seconds_matching: float = 0.0
    seconds_by_bucket: dict[str, float] = field(default_factory=dict)
    seconds_total: float = 0.0


class Renderer:
    """Renders the SQL templates for one dialect; statements are split on `;` at line ends."""

    def __init__(self, dialect: str, sources: dict[str, str]) -> None:
        self.dialect = dialect
        self.sources = sources
        self.env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(SQL_DIR)), autoescape=False,
                                      undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
        self.macros = (SQL_DIR / "_macros.sql").read_text(encoding="utf-8")
        self.apply = (SQL_DIR / "fixed" / "_apply.sql").read_text(encoding="utf-8")

    def render(self, text: str, **context: Any) -> list[str]:
        ctx = {"dialect": self.dialect, "src": self.sources, "p": _PLATFORM, "with_title_key": False,
               "sample_every": 1, **context}
        rendered = self.env.from_string(self.macros + self.apply + text).render(**ctx)
        rendered = re.sub(r"(?m)^\s*--.*$", "", rendered)
        return [s.strip() for s in re.split(r";\s*(?:\n|$)", rendered) if s.strip()]

    def file(self, name: str, **context: Any) -> list[str]:
        return self.render((SQL_DIR / name).read_text(encoding="utf-8"), **context)


class Reference:
    """Runs one reference algorithm over a connected database."""

    def __init__(self, database: db.Database, algorithm: str, sample_every: int = 1) -> None:
        if algorithm not in ALGORITHMS:
            raise click.BadParameter(f"unknown algorithm {algorithm!r} (expected one of {', '.join(ALGORITHMS)})")
        if database.dialect not in ("duckdb", "postgres"):
            raise click.BadParameter(f"the references run on DuckDB and PostgreSQL, not {database.dialect}")
        self.database = database
        self.algorithm = algorithm
        self.sample_every = max(1, int(sample_every))
        sources = {
            "upload": database.table_ref(schema.UPLOAD),
            "episode": database.table_ref(schema.CATALOG_EPISODE),
            "series": database.table_ref(schema.CATALOG_SERIES),
            "metadata": database.table_ref(schema.CATALOG_METADATA),
            "dictionary": database.table_ref(schema.INTERNAL_SERIES),
        }
        self.sql = Renderer(database.dialect, sources)
        self.bucket_sql = {
            bucket: self.sql.file(f"{algorithm}/{stem}.sql") for bucket, stem in BUCKETS
        }

    # -- execution helpers -------------------------------------------------------------------------
    def _exec(self, statement: str, platform: str | None = None) -> Any:
        """Execute one statement; the platform travels as a bound named parameter."""
        if _PLATFORM in statement and platform is None:
            raise RuntimeError("statement needs a platform parameter")
        con = self.database.connection
        if self.database.dialect == "duckdb":
            if _PLATFORM in statement:
                return con.execute(statement.replace(_PLATFORM, "$platform"), {"platform": platform})
            return con.execute(statement)
        cur = con.cursor()
        if _PLATFORM in statement:
            cur.execute(statement.replace(_PLATFORM, "%(platform)s"), {"platform": platform})
        else:
            cur.execute(statement)
        return cur

    def _run(self, statement: str, platform: str | None = None) -> None:
        self._exec(statement, platform)

    def _query_one(self, statement: str, platform: str | None = None) -> tuple[Any, ...]:
        row = self._exec(statement, platform).fetchone()
        return tuple(row or ())

    def _scalar(self, statement: str, platform: str | None = None) -> Any:
        row = self._query_one(statement, platform)
        return row[0] if row else None

    def _commit(self) -> None:
        self.database.connection.commit()

    # -- the algorithm -----------------------------------------------------------------------------
    def prepare(self) -> None:
        """Staging copy with the normalization minimum (+ the fixed port's key tables)."""
        if self.database.dialect == "duckdb":
            self.database.execute("begin transaction")
        for statement in self.sql.file("prepare_staging.sql", with_title_key=self.algorithm == "fixed",
                                       sample_every=self.sample_every):
            self._run(statement)
        if self.algorithm == "fixed":
            for statement in self.sql.file("fixed/prepare_keys.sql"):
                self._run(statement)
        self._commit()

    def run(self) -> ReferenceResult:
        result = ReferenceResult(self.algorithm, self.database.dialect)
        started = time.perf_counter()
        self.prepare()
        prepared = time.perf_counter()
        result.seconds_prepare = prepared - started
        by_bucket = dict.fromkeys((b for b, _ in BUCKETS), 0.0)
        platforms = [r[0] for r in self.database.query(
            "select distinct platform from bench_ref.staging where platform is not null order by 1")]
        for platform in platforms:
            self._orchestrate(platform, by_bucket)
        result.seconds_matching = time.perf_counter() - prepared
        result.seconds_total = time.perf_counter() - started
        result.seconds_by_bucket = {k: round(v, 4) for k, v in by_bucket.items()}
        result.records = int(self.database.scalar("select count(*) from bench_ref.staging"))
        counts = dict(self.database.query(
            "select match_bucket, count(*) from bench_ref.staging where content_provider is not null "
            "group by match_bucket"))
        result.matched_by_bucket = {b: int(counts.get(b, 0)) for b, _ in BUCKETS}
        result.matched = sum(result.matched_by_bucket.values())
        return result

    def _orchestrate(self, platform: str, by_bucket: dict[str, float]) -> None:
        """ANALYZE_AND_PROCESS_VIEWERSHIP_DATA_GENERIC(platform) without a filename (DOMAIN §5.1)."""
        render = self.sql.render
        base = render("select count(*) from bench_ref.staging as v where v.platform = {{ p }} "
                      "and v.processed is null and v.content_provider is null")[0]
        if not self._scalar(base, platform):
            return
        if self.database.dialect == "duckdb":
            self.database.execute("begin transaction")
        self._run(render("delete from bench_ref.batch_logs where platform = {{ p }}")[0], platform)
        sums = ", ".join(f"sum(case when {{{{ precheck_predicate('{b}') }}}} then 1 else 0 end)" for b, _ in BUCKETS)
        precheck = render(
            "select " + sums + " from bench_ref.staging as v "  # noqa: S608 (bucket names are constants)
            "where v.platform = {{ p }} and v.processed is null and v.content_provider is null")[0]
        counts = self._query_one(precheck, platform)
        if not any(int(c or 0) for c in counts):
            self._commit()
            return
        self._run(render("create temp table queue as select distinct v.id from bench_ref.staging as v "
                         "where v.platform = {{ p }} and v.processed is null and v.content_provider is null")[0],
                  platform)
        for bucket, _stem in BUCKETS:
            if not self._scalar("select count(*) from queue"):
                break
            t0 = time.perf_counter()
            self._run(render("create temp table bucket_ids as select q.id from queue as q "
                             "inner join bench_ref.staging as v on v.id = q.id "
                             "where {{ bucket_predicate(bucket) }}", bucket=bucket)[0])
            if self.database.dialect == "postgres" and self.algorithm == "fixed":
                self._run("analyze bucket_ids")
            if self._scalar("select count(*) from bucket_ids"):
                for statement in self.bucket_sql[bucket]:
                    self._run(statement, platform)
            self._run("delete from queue where id in "
                      "(select id from bench_ref.staging where content_provider is not null)")
            self._run("drop table bucket_ids")
            by_bucket[bucket] += time.perf_counter() - t0
        self._run(render(
            "insert into bench_ref.batch_logs (id, platform, notes) "
            "select q.id, {{ p }}, 'Final unmatched: No bucket could process this record' from queue as q "
            "inner join bench_ref.staging as v on v.id = q.id "
            "where v.content_provider is null and v.processed is null "
            "and not exists (select 1 from bench_ref.batch_logs as l where l.id = q.id)")[0], platform)
        self._run("drop table queue")
        self._commit()

    def matched_rows(self) -> list[tuple[Any, ...]]:
        """(id, match_bucket, ref_id) of every matched staging row, by id (for correctness checks)."""
        return self.database.query(
            "select id, match_bucket, ref_id from bench_ref.staging where content_provider is not null order by id")


def run_reference(target: str, algorithm: str, sample_every: int = 1) -> ReferenceResult:
    database = db.connect(target)
    try:
        return Reference(database, algorithm, sample_every).run()
    finally:
        database.close()


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--algorithm", type=click.Choice(ALGORITHMS), required=True)
@click.option("--target", default=None, help="Profile target (dev = DuckDB, ci = PostgreSQL).")
@click.option("--sample-every", type=click.IntRange(1, 1000), default=1, show_default=True,
              help="Keep every n-th upload id only (a sample for the slow PostgreSQL legacy).")
def main(algorithm: str, target: str | None, sample_every: int) -> None:
    """Run one reference algorithm and print its result as JSON."""
    result = run_reference(target or "dev", algorithm, sample_every)
    click.echo(json.dumps(asdict(result)))


if __name__ == "__main__":
    sys.exit(main())
