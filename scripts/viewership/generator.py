"""Deterministic synthetic data: a catalog, a dictionary, deals and an upload table of any size.

``viewership-generate --rows 100000 --seed 7 --target dev`` writes

* reference CSVs (same file names and columns as ``fixtures/reference``) into ``--out-dir`` and
  loads them into the target's catalog/dictionary source tables (one transaction, contents replaced);
* ``--rows`` upload rows spread over monthly "files" of several platforms and grains into the upload table.

The catalog is built in Python (it is small: ``--catalog-episodes``, 100k for benchmarks). Upload rows are
generated set-based inside DuckDB from ``range(n)`` with ``hash(seed, i, salt)`` as the random source, so
10M rows take seconds and the same seed always yields the same rows. For PostgreSQL/Snowflake the rows are
generated in an in-memory DuckDB and bulk-copied.

What the data exercises (see README "Synthetic data"): daily, weekly, monthly-by-month-name (any case),
quarterly-only and wide-by-date-already-reshaped grains; catalog ref_ids that are substrings of others
(``SW-1711`` / ``SW-17111``); platform titles that differ from catalog titles (``S03:E140 - …`` prefixes);
inactive series; NULL and blank fields; junk cells that silver must quarantine; and a share of rows that
must end unmatched (inactive series, unknown ref_ids, unmatchable titles).
"""

from __future__ import annotations

import csv
import random
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import duckdb

from dbtcommon.months import MONTHS
from viewership import db, schema
from viewership.loader.errors import LoadError
from viewership.loader.reference import load_reference

SHOW_NAMES = (
    "Maury", "Karamo", "Steve Harvey", "The Jerry Springer Show", "Judge Dad", "The Steve Wilkos Show",
    "Judge Mom", "The People's Court", "Divorce Court", "Judge Karen's Court", "Paternity Court",
    "Couples Court", "Lauren Lake", "Cheaters", "Relative Justice", "Hot Bench", "Judge Jerry",
    "Operation Repo", "Caught in Providence", "Justice for the People",
)
WORDS = (
    "Secret", "Dad", "Baby", "Mama", "Lies", "Truth", "Cheating", "Wedding", "Betrayal", "Sister", "Money",
    "Revenge", "Paternity", "Test", "Results", "Shocking", "Reunion", "Confession", "Family", "Drama",
    "Best", "Friend", "Ex", "Husband", "Wife", "Twins", "Years", "Waited", "Caught", "Camera", "Love",
    "Triangle", "Mother-in-Law", "Landlord", "Neighbor", "Stolen", "Car", "Wig", "Phone", "Party",
)


@dataclass(frozen=True)
class FileProfile:
    """How one platform delivers a file (mirrors the real partner layouts of DOMAIN §9)."""

    key: str
    platform: str
    partner: str
    filename: str  # {period} and {territory} placeholders
    grain: str  # daily | weekly | monthly | quarterly
    data_type: str
    territories: tuple[str | None, ...]
    weight: int


PROFILES: tuple[FileProfile, ...] = (
    # Tubi VOD revenue: monthly by month name, PARTNER ID = ref_id, `S03:E140 - ` title prefix.
    FileProfile("tubi", "Tubi", "Tubi", "tubi_vod_{period}.csv", "monthly", "Revenue", (None,), 30),
    # Roku wide-by-date files already reshaped to one row per title x day; content id often blank.
    FileProfile("roku", "Roku", "Roku", "Roku Nosey Data {territory} {period}.csv", "daily", "Viewership",
                ("United States", "Canada"), 30),
    # Pluto quarterly revenue statements as the loader writes them: split into the quarter's three months
    # (month names), Spanish (LAS) series variants, no content id.
    FileProfile("pluto", "Pluto", "Pluto", "Pluto {territory} Revenue {period}.csv", "quarter_split", "Revenue",
                ("Latin America", None), 12),
    # Amagi quarterly viewership: quarter only (no month, no date), series + season/episode + exact titles.
    FileProfile("amagi", "Amagi", "Amagi", "Amagi_{period}.csv", "quarterly", "Viewership", (None,), 8),
    # Xumo weekly viewership + revenue: asset_id = ref_id, titles `Series - Season - N - Episode - M`.
    FileProfile("xumo", "Xumo", "Xumo", "xumo_vod_{period}.csv", "weekly", "Viewership_Revenue", (None,), 10),
    # YouTube daily: video titles only (catalog title, or an unmatchable variant).
    FileProfile("youtube", "Youtube", "YouTube", "youtube_daily_{period}.csv", "daily", "Viewership",
                (None,), 15),
)


# ---------------------------------------------------------------------------------------------------
# Reference data (Python, deterministic)
# ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Catalog:
    series: list[dict[str, Any]]
    episodes: list[dict[str, Any]]
    metadata: list[dict[str, Any]]
    dictionary: list[dict[str, Any]]
    deals: list[dict[str, Any]]
    territories: list[dict[str, Any]]


def _series_code(index: int, name: str, used: set[str]) -> str:
    letters = "".join(w[0] for w in name.replace("The ", "").split() if w[0].isalpha()).upper()
    code = (letters + "XX")[:2]
    n = 0
    while code in used:
        n += 1
        second = chr(65 + n) if n <= 5 else chr(65 + (index + n) % 26) + chr(65 + n % 26)
        code = f"{letters[:1]}{second}"
    used.add(code)
    return code


def build_catalog(episodes: int, seed: int) -> Catalog:
    """A consistent catalog with about ``episodes`` episode assets."""
    rng = random.Random(seed)
    n_series = max(10, episodes // 500)
    per_series = max(1, episodes // n_series)
    series: list[dict[str, Any]] = []
    eps: list[dict[str, Any]] = []
    meta: list[dict[str, Any]] = []
    dictionary: list[dict[str, Any]] = []
    used: set[str] = set()
    for s in range(n_series):
        base = SHOW_NAMES[s % len(SHOW_NAMES)]
        name = base if s < len(SHOW_NAMES) else f"{base} {s // len(SHOW_NAMES) + 1}"
        code = _series_code(s, name, used)
        inactive = s % 10 == 2  # ~10% of series inactive (their rows must end unmatched)
        status = "Inactive" if inactive else ("Active", "active", "ACTIVE")[s % 3]
        spanish = f"El Show de {name}" if s % 2 else ""
        titles = f"{name}-en, {spanish}-es" if spanish else f"{name}-en"
        series.append({"id": s + 1, "titles": titles, "content_provider": ("NBC", "Nosey Originals",
                       "Fox First Run")[s % 3], "series_code": code, "status": status})
        for alias in (name, f"{name} (LAS)", f"{name} (dubbed) (LAS)"):
            dictionary.append({"entry": alias, "series": name})
        # seasons of up to 120 episodes, so 5-digit ref_ids (S17E111 -> 17111) contain 4-digit ones (1711)
        for k in range(per_series):
            season, episode = 1 + k // 120, 1 + k % 120
            ref_id = f"{code}-{season:02d}{episode:02d}" if episode < 100 else f"{code}-{season:02d}{episode:03d}"
            words = rng.sample(WORDS, 4)
            title = f"{words[0]} {words[1]} {words[2]}{rng.choice(['!', '?', '.', ''])} {words[3]} {k}"
            eps.append({"ref_id": ref_id, "series_id": s + 1, "episode": episode, "season": season,
                        "title": title, "series_name": name, "is_active": not inactive, "code": code})
            clean = title.replace("!", "").replace("?", "")
            meta.append({"ref_id": ref_id, "title": title, "clean_title": clean})
            if k % 7 == 0:  # a second metadata row for some assets (several titles per ref_id)
                meta.append({"ref_id": ref_id, "title": f"{title} (Extended)", "clean_title": None})
    deals = [
        {"platform": "Tubi", "domain": "Distribution Partners", "platform_partner_name": "Tubi",
         "platform_channel_name": None, "platform_territory": None, "deal_parent": 101, "internal_partner": "Tubi",
         "internal_channel": "Nosey", "internal_territory": "United States", "internal_channel_id": 8,
         "internal_territory_id": 1, "active": True},
        {"platform": "Roku", "domain": "Distribution Partners", "platform_partner_name": "Roku",
         "platform_channel_name": None, "platform_territory": "United States", "deal_parent": 201,
         "internal_partner": "Roku", "internal_channel": "Nosey", "internal_territory": "United States",
         "internal_channel_id": 8, "internal_territory_id": 1, "active": True},
        {"platform": "Roku", "domain": "Distribution Partners", "platform_partner_name": "Roku",
         "platform_channel_name": None, "platform_territory": "Canada", "deal_parent": 202,
         "internal_partner": "Roku", "internal_channel": "Nosey", "internal_territory": "Canada",
         "internal_channel_id": 8, "internal_territory_id": 2, "active": True},
        {"platform": "Pluto", "domain": "Distribution Partners", "platform_partner_name": "Pluto",
         "platform_channel_name": None, "platform_territory": None, "deal_parent": 301,
         "internal_partner": "Pluto TV", "internal_channel": "Nosey", "internal_territory": "United States",
         "internal_channel_id": 8, "internal_territory_id": 1, "active": True},
        {"platform": "Pluto", "domain": "Distribution Partners", "platform_partner_name": "Pluto",
         "platform_channel_name": None, "platform_territory": "Latin America", "deal_parent": 302,
         "internal_partner": "Pluto TV", "internal_channel": "Nosey Escandalos",
         "internal_territory": "Latin America", "internal_channel_id": 13, "internal_territory_id": 3,
         "active": True},
        {"platform": "Xumo", "domain": "Distribution Partners", "platform_partner_name": "Xumo",
         "platform_channel_name": None, "platform_territory": None, "deal_parent": 501, "internal_partner": "Xumo",
         "internal_channel": "Nosey", "internal_territory": "United States", "internal_channel_id": 8,
         "internal_territory_id": 1, "active": True},
        {"platform": "Amagi", "domain": "Distribution Partners", "platform_partner_name": "Amagi",
         "platform_channel_name": None, "platform_territory": None, "deal_parent": 701, "internal_partner": "Amagi",
         "internal_channel": "Nosey", "internal_territory": "United States", "internal_channel_id": 8,
         "internal_territory_id": 1, "active": True},
        {"platform": "Youtube", "domain": "Owned and Operated", "platform_partner_name": "YouTube",
         "platform_channel_name": None, "platform_territory": None, "deal_parent": 601,
         "internal_partner": "YouTube", "internal_channel": "Nosey", "internal_territory": "United States",
         "internal_channel_id": 8, "internal_territory_id": 1, "active": True},
        {"platform": "Youtube", "domain": "Owned and Operated", "platform_partner_name": "YouTube",
         "platform_channel_name": None, "platform_territory": "Mexico", "deal_parent": 602,
         "internal_partner": "YouTube", "internal_channel": "Nosey", "internal_territory": "Mexico",
         "internal_channel_id": 8, "internal_territory_id": 5, "active": False},
    ]
    territories = [
        {"id": 1, "name": "US", "active": True}, {"id": 1, "name": "United States", "active": True},
        {"id": 1, "name": "USA", "active": False}, {"id": 2, "name": "CA", "active": True},
        {"id": 2, "name": "Canada", "active": True}, {"id": 3, "name": "LATAM", "active": True},
        {"id": 3, "name": "Latin America", "active": True}, {"id": 5, "name": "MX", "active": True},
        {"id": 5, "name": "Mexico", "active": True},
    ]
    return Catalog(series, eps, meta, dictionary, deals, territories)


REFERENCE_FILES: dict[str, tuple[schema.Table, str]] = {
    t.csv_name: (t, attr)
    for t, attr in (
        (schema.CATALOG_SERIES, "series"),
        (schema.CATALOG_EPISODE, "episodes"),
        (schema.CATALOG_METADATA, "metadata"),
        (schema.INTERNAL_SERIES, "dictionary"),
        (schema.ACTIVE_DEALS, "deals"),
        (schema.TERRITORIES, "territories"),
    )
    if t.csv_name
}


def write_reference(catalog: Catalog, out_dir: Path) -> dict[str, Path]:
    """Write the six reference CSVs (empty cell = NULL), in the shared fixtures' format."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for csv_name, (table, attr) in REFERENCE_FILES.items():
        path = out_dir / csv_name
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(table.column_names)
            for row in getattr(catalog, attr):
                writer.writerow(["" if row.get(c) is None else row.get(c) for c in table.column_names])
        paths[csv_name] = path
    return paths


# ---------------------------------------------------------------------------------------------------
# Upload rows (set-based in DuckDB)
# ---------------------------------------------------------------------------------------------------
def plan_files(rows: int, seed: int, start_period: int = 0) -> list[dict[str, Any]]:
    """Split ``rows`` into files: about 1% of the rows per file (at least 1,000 rows, at most 100 files)."""
    n_files = max(len(PROFILES), min(100, rows // 1000))
    weights = [p.weight for p in PROFILES]
    rng = random.Random(seed * 7919 + start_period)
    files: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    for f in range(n_files):
        profile = PROFILES[f % len(PROFILES)] if f < len(PROFILES) else rng.choices(PROFILES, weights)[0]
        k = counts.get(profile.key, 0) + start_period
        counts[profile.key] = counts.get(profile.key, 0) + 1
        year, month = 2025 + (6 + k) // 12, 1 + (6 + k) % 12  # from July 2025 onwards
        quarter = (month - 1) // 3 + 1
        territory = profile.territories[k % len(profile.territories)]
        if profile.grain in ("quarterly", "quarter_split"):
            period = f"Q{quarter} {year} part {k % 3 + 1}"
        else:
            period = f"{MONTHS[month - 1][:3]} {year}" if profile.key == "roku" else f"{year}_{month:02d}"
        files.append({
            "file_idx": f, "profile": profile.key, "platform": profile.platform, "partner": profile.partner,
            "filename": profile.filename.format(period=period, territory={
                "United States": "US", "Canada": "CA", "Latin America": "LatAm"}.get(territory or "", "US")),
            "grain": profile.grain, "data_type": profile.data_type, "territory": territory,
            "year": year, "month": month, "quarter": quarter,
            "domain": "Owned and Operated" if profile.key == "youtube" else "Distribution Partners",
        })
    base, extra = divmod(rows, len(files))
    start = 0
    for planned in files:
        planned["n_rows"] = base + (1 if planned["file_idx"] < extra else 0)
        planned["row_start"] = start
        start += planned["n_rows"]
    return files


UPLOAD_SELECT = """
with
files as (select * from gen_files),
rows_ as (
    select r.range as i, f.*
    from range({rows}) as r
    join files as f on r.range >= f.row_start and r.range < f.row_start + f.n_rows
),
picked as (
    select
        rows_.*,
        i - row_start + 1 as source_row_number,
        hash({seed}, i, 'scenario') % 1000 as scenario,
        hash({seed}, i, 'noise') % 1000 as noise,
        hash({seed}, i, 'metric') % 100000 as m
    from rows_
),
with_episode as (
    select
        p.*,
        case when p.scenario < 20 then ie.ref_id else ae.ref_id end as ref_id,
        case when p.scenario < 20 then ie.season else ae.season end as season,
        case when p.scenario < 20 then ie.episode else ae.episode end as episode,
        case when p.scenario < 20 then ie.title else ae.title end as title,
        case when p.scenario < 20 then ie.series_name else ae.series_name end as series_name
    from picked as p
    left join gen_active_episodes as ae on ae.idx = hash({seed}, p.i, 'ep') % {n_active}
    left join gen_inactive_episodes as ie on ie.idx = hash({seed}, p.i, 'ep') % {n_inactive}
),
shaped as (
    select
        w.*,
        -- a date inside the file's period
        make_date(w.year, w.month, 1 + cast(hash({seed}, w.i, 'day') % 28 as integer)) as day_date,
        -- scenario 0..19: an inactive series (2%); 30..34: an id the catalog does not know;
        -- 40..43: junk cells silver must quarantine
        case when w.scenario between 30 and 34 then 'ZZ-' || cast(9000 + w.scenario as varchar)
             else w.ref_id end as content_ref
    from with_episode as w
)
select
    platform,
    domain,
    data_type,
    partner as platform_partner_name,
    case when profile = 'pluto' then 'VOD' end as platform_channel_name,
    territory as platform_territory,
    case profile
        when 'tubi' then 'S' || lpad(cast(season as varchar), 2, '0') || ':E' || cast(episode as varchar)
                         || ' - ' || title
        when 'xumo' then series_name || ' - Season - ' || cast(season as varchar) || ' - Episode - '
                         || cast(episode as varchar)
        when 'youtube' then case when noise < 985 then title else series_name || ' | ' || title end
        when 'roku' then case when noise < 5 then null when noise < 10 then '' else title end
        else title
    end as platform_content_name,
    case profile
        when 'tubi' then content_ref
        when 'xumo' then content_ref
        when 'roku' then case when noise < 400 then null else content_ref end
    end as platform_content_id,
    case profile
        when 'pluto' then series_name || ' (LAS)'
        when 'amagi' then series_name
        when 'tubi' then series_name
        when 'roku' then case when noise % 50 = 7 then upper(series_name) else series_name end
    end as platform_series,
    case
        when grain = 'daily' and scenario = 40 then 'not a date'
        when grain = 'daily' and scenario = 41 then '1970-08-23'
        when grain = 'daily' and profile = 'roku' then strftime(day_date, '%Y-%m-%d')
        when grain = 'daily' and noise % 3 = 0 then strftime(day_date, '%m/%d/%Y')
        when grain = 'daily' and noise % 3 = 1 then strftime(day_date, '%Y%m%d')
        when grain = 'daily' then strftime(day_date, '%Y-%m-%d')
        when grain = 'weekly' then strftime(date_trunc('week', day_date), '%Y-%m-%d')
    end as date,
    case when grain = 'monthly' then
        case noise % 3 when 0 then upper({month_name}) when 1 then {month_name} else {month_title} end
        when grain = 'quarter_split' then {split_month}
        when grain in ('daily', 'weekly') and noise % 4 = 0 then cast(month as varchar)
    end as month,
    'q' || cast(quarter as varchar) as quarter,
    cast(year as varchar) as year,
    case when profile in ('roku', 'youtube', 'xumo', 'amagi') then
        case when scenario = 42 then 'n/a' else cast(round(m / 37.0, 2) as varchar) end end as tot_hov,
    case when profile = 'youtube' then cast(m % 5000 as varchar) end as views,
    case when profile = 'roku' then cast(m % 900 as varchar) end as tot_sessions,
    case when profile = 'tubi' then cast(m * 3 as varchar) end as tot_impressions,
    case when data_type in ('Revenue', 'Viewership_Revenue') then
        case when scenario = 43 then '12..5' else cast(round(m / 1000.0, 2) as varchar) end end as revenue,
    case when profile in ('pluto', 'roku', 'xumo', 'amagi') then cast(episode as varchar) end as episode_number,
    case when profile in ('pluto', 'roku', 'tubi', 'xumo', 'amagi') then cast(season as varchar) end
        as season_number,
    filename,
    source_row_number
from shaped
order by i
"""

GENERATED_COLUMNS: tuple[str, ...] = (
    "platform", "domain", "data_type", "platform_partner_name", "platform_channel_name", "platform_territory",
    "platform_content_name", "platform_content_id", "platform_series", "date", "month", "quarter", "year",
    "tot_hov", "views", "tot_sessions", "tot_impressions", "revenue", "episode_number", "season_number",
    "filename", "source_row_number",
)


def _prepare(con: duckdb.DuckDBPyConnection, catalog: Catalog, files: list[dict[str, Any]]) -> tuple[int, int]:
    con.execute("create or replace temp table gen_files (file_idx integer, profile varchar, platform varchar, "
                "partner varchar, filename varchar, grain varchar, data_type varchar, territory varchar, "
                "year integer, month integer, quarter integer, domain varchar, n_rows bigint, row_start bigint)")
    con.executemany(
        "insert into gen_files values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [[f[k] for k in ("file_idx", "profile", "platform", "partner", "filename", "grain", "data_type",
                          "territory", "year", "month", "quarter", "domain", "n_rows", "row_start")]
         for f in files],
    )
    counts = []
    for name, active in (("gen_active_episodes", True), ("gen_inactive_episodes", False)):
        subset = [e for e in catalog.episodes if e["is_active"] is active]
        with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["idx", "ref_id", "season", "episode", "title", "series_name"])
            for idx, e in enumerate(subset):
                writer.writerow([idx, e["ref_id"], e["season"], e["episode"], e["title"], e["series_name"]])
            path = fh.name
        # {name} is one of two literals above; the path is a bound parameter.
        con.execute(f"create or replace temp table {name} as select * from read_csv(?, header = true, "  # noqa: S608
                    "columns = {'idx': 'ubigint', 'ref_id': 'varchar', 'season': 'integer', "
                    "'episode': 'integer', 'title': 'varchar', 'series_name': 'varchar'})", [path])
        Path(path).unlink()
        counts.append(max(1, len(subset)))
    return counts[0], counts[1]


def upload_sql(rows: int, seed: int, n_active: int, n_inactive: int) -> str:
    month_name = "(['" + "', '".join(m.lower() for m in MONTHS) + "'])[month]"
    month_title = "(['" + "', '".join(MONTHS) + "'])[month]"
    split_month = ("(['" + "', '".join(MONTHS) + "'])"
                   "[3 * (quarter - 1) + 1 + cast(noise % 3 as integer)]")
    return UPLOAD_SELECT.format(rows=int(rows), seed=int(seed), n_active=int(n_active),
                                n_inactive=int(n_inactive), month_name=month_name, month_title=month_title,
                                split_month=split_month)


def generate_upload(database: db.Database, catalog: Catalog, files: list[dict[str, Any]], seed: int) -> int:
    """Insert the planned files' rows into the upload table in one transaction."""
    rows = int(sum(f["n_rows"] for f in files))
    offset = files[0]["row_start"] if files else 0
    for f in files:
        f["row_start"] -= offset
    cols = ", ".join(database.ident(c) for c in GENERATED_COLUMNS)
    if database.dialect == "duckdb":
        con = database.connection
        n_active, n_inactive = _prepare(con, catalog, files)
        with database.transaction():
            # identifiers come from the project config (quoted); the SELECT is built from integers only
            con.execute(f"insert into {database.table_ref(schema.UPLOAD)} ({cols}) "  # noqa: S608
                        f"select * from ({upload_sql(rows, seed, n_active, n_inactive)})")
        return rows
    gen = duckdb.connect()
    n_active, n_inactive = _prepare(gen, catalog, files)
    cursor = gen.execute(upload_sql(rows, seed, n_active, n_inactive))
    with database.transaction():
        written = database.bulk_insert(schema.UPLOAD, GENERATED_COLUMNS, _batches(cursor))
    gen.close()
    return written


def _batches(cursor: duckdb.DuckDBPyConnection, size: int = 100_000) -> Iterator[Sequence[Any]]:
    while True:
        chunk = cursor.fetchmany(size)
        if not chunk:
            return
        yield from chunk


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


if __name__ == "__main__":
    sys.exit(main())
