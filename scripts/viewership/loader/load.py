"""Loading one file: read, build rows, and write them in one transaction.

Either every row of the file is in the upload table (processed NULL, phase NULL) or none is. The batch key is
(platform, filename), as everywhere in the pipeline: an upload that already has unprocessed rows is refused
unless ``replace`` (which swaps them in the same transaction); one whose rows were already processed is always
refused, with a message naming the rollback command that lets it be re-run.
The same content (``viewership.loader.scan`` fingerprint) under another (platform, filename) is refused too,
naming the upload that holds it, unless ``allow_duplicate_content`` (then the summary records it).
Passes over the file: the scan (structure checks, fingerprint), a date-order pass when dates are auto-detected,
then the rows themselves, streamed into the bulk insert; nothing is written before the scan has passed.
Values reach the database only as bulk data (``Database.bulk_insert``) or bound parameters.
"""

from __future__ import annotations

import datetime as dt
import shlex
import time
from collections.abc import Iterator
from pathlib import Path

from viewership.db import Database, DatabaseError
from viewership.loader import build
from viewership.loader.errors import LoadError
from viewership.loader.progress import Progress
from viewership.loader.reader import Sheet, open_sheet
from viewership.loader.scan import scan
from viewership.loader.summary import FileStats
from viewership.loader.templates import Template
from viewership.schema import UPLOAD

PREVIEW_ROWS = 5


def rerun_hint(platform: str, filename: str, target: str | None) -> str:
    """How to re-run a processed file: roll it back out of every layer, then load it again."""
    command = f"viewership-db rollback --platform {shlex.quote(platform)} --filename {shlex.quote(filename)}"
    if target:
        command += f" --target {shlex.quote(target)}"
    new_name = shlex.quote(f"{Path(filename).stem} v2{Path(filename).suffix}")
    return (
        f"to re-run it, remove it from every layer first ({command}), then load it again; to add a corrected "
        f"version next to it, load it under a new name (e.g. {new_name})"
    )


def _existing(db: Database, platform: str, filename: str) -> tuple[int, int]:
    """(rows, processed rows) already in the upload table for this upload (platform, filename: the batch key)."""
    p = db.param
    row = db.query(
        "select count(*), "  # noqa: S608 - identifiers from the project's configuration, values bound
        "coalesce(sum(case when processed = true or (phase is not null and phase <> '') then 1 else 0 end), 0) "
        f"from {db.table_ref(UPLOAD)} where platform = {p} and filename = {p}",
        [platform, filename],
    )[0]
    return int(row[0]), int(row[1])


def _lock(db: Database, platform: str, filename: str, fingerprint: str | None) -> None:
    """Serialize concurrent loads of one upload, and of one content (PostgreSQL; DuckDB has one writer per
    database file)."""
    if db.dialect == "postgres":
        db.execute("select pg_advisory_xact_lock(hashtext(%s), hashtext(%s))", [platform, filename])
        if fingerprint is not None:
            db.execute("select pg_advisory_xact_lock(hashtext(%s), hashtext(%s))", ["content", fingerprint])


def _same_content(db: Database, fingerprint: str, platform: str, filename: str) -> list[tuple[str, str, int, int]]:
    """(platform, filename, rows, processed rows) of other uploads holding the same content."""
    p = db.param
    rows = db.query(
        "select platform, filename, count(*), "  # noqa: S608 - identifiers from the project's configuration
        "coalesce(sum(case when processed = true or (phase is not null and phase <> '') then 1 else 0 end), 0) "
        f"from {db.table_ref(UPLOAD)} where content_fingerprint = {p} and not (platform = {p} and filename = {p}) "
        "group by platform, filename order by min(id), platform, filename",  # the first loaded first
        [fingerprint, platform, filename],
    )
    return [(str(r[0]), str(r[1]), int(r[2]), int(r[3])) for r in rows]


def _duplicate_error(holders: list[tuple[str, str, int, int]], target: str | None) -> LoadError:
    platform, filename, rows, processed = holders[0]
    state = f"{processed:,} of them already processed" if processed else "not processed yet"
    command = f"viewership-db rollback --platform {shlex.quote(platform)} --filename {shlex.quote(filename)}"
    if target:
        command += f" --target {shlex.quote(target)}"
    more = f" (and {len(holders) - 1} other file(s))" if len(holders) > 1 else ""
    return LoadError(
        f"same content as '{filename}' (platform {platform}, {rows:,} upload row(s), {state}){more}: the data rows "
        "are identical whatever the file name, so loading it would count every metric twice; if that file is the "
        f"wrong one, remove it first ({command}) and load this one; if both are real, load with "
        "--allow-duplicate-content"
    )


def _no_rows_error(stats: FileStats) -> LoadError:
    if stats.rows_read == 0:
        return LoadError(
            f"line {stats.header_line}: header found but no data rows after it; expected at least one data row",
            line=stats.header_line,
        )
    detail = ", ".join(f"{k} {v}" for k, v in sorted(stats.rows_skipped.items()))
    return LoadError(f"no data rows left: all {stats.rows_read} row(s) after the header were skipped ({detail})")


def _counted(rows: Iterator[build.Row], progress: Progress) -> Iterator[build.Row]:
    """Rows as they pass, counted for the progress line; the stage becomes ``writing`` when the file is read."""
    n = 0
    for n, row in enumerate(rows, 1):
        if n & 1023 == 0:
            progress.rows = n
        yield row
    progress.rows = n
    progress.stage = "writing"


def load_file(  # noqa: C901 - the load's steps in order (checks, plan, write, summary), each with its own failure
    path: Path,
    template: Template,
    *,
    platform: str | None,
    db: Database | None,
    year: str | None = None,
    quarter: str | None = None,
    month: str | None = None,
    partner: str | None = None,
    channel: str | None = None,
    territory: str | None = None,
    replace: bool = False,
    dry_run: bool = False,
    progress: bool = False,
    encoding: str | None = None,
    allow_duplicate_content: bool = False,
    sheet: Sheet | None = None,
    template_choice: str | None = None,
) -> FileStats:
    """Load one file; raise LoadError (nothing written) or return its statistics.

    ``progress``: show progress on stderr (a bar on a terminal, else a line every few seconds).
    """
    started = time.perf_counter()
    filename = path.name
    stats = FileStats(
        file=str(path), filename=filename, platform=platform or template.platform, template=template.name,
        data_type=template.data_type, target=db.target if db else None, dry_run=dry_run,
        template_choice=template_choice,
    )
    if not filename.strip():
        raise LoadError("the file name is blank")
    if not stats.platform.strip():
        raise LoadError("--platform is blank: expected a platform name such as Tubi or Roku")
    y, q, m = build.resolve_period(year, quarter, month)
    if sheet is None:
        sheet = open_sheet(path, template, encoding)
    stats.encoding, stats.delimiter = sheet.encoding, sheet.delimiter
    stats.header_line = sheet.header_line
    stats.banner_rows = sheet.banner_rows - (1 if template.wide else 0)  # the date row is not a banner
    with Progress(filename, sheet.size, enabled=progress) as shown:
        shown.set_stage("checking")
        footers = tuple(p for rule in template.skip_rows if (p := rule.pattern()) is not None)
        scanned = scan(sheet, shown.position, footers)
        stats.content_fingerprint = scanned.fingerprint
        inputs = build.Inputs(
            platform=stats.platform, filename=filename,
            load_timestamp=dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds"),
            content_fingerprint=scanned.fingerprint,
            year=y, quarter=q, month=m, partner=partner, channel=channel, territory=territory,
        )
        shown.set_stage("reading")
        file_plan = build.plan(sheet, template, inputs, stats, shown.position)
        rows = _counted(file_plan.rows, shown)

        if dry_run or db is None:
            for row in rows:
                if len(stats.preview) < PREVIEW_ROWS:
                    stats.preview.append({c: (None if v is None else str(v))
                                          for c, v in zip(file_plan.columns, row, strict=True)})
            if stats.rows_written == 0:
                raise _no_rows_error(stats)
            stats.seconds = time.perf_counter() - started
            return stats

        try:
            with db.transaction():
                _lock(db, stats.platform, filename, scanned.fingerprint)
                count, processed = _existing(db, stats.platform, filename)
                if processed:
                    raise LoadError(
                        f"already processed: {processed} of its {count} upload row(s) (platform {stats.platform}) "
                        "were moved into the pipeline, so loading it again would count its data twice; "
                        + rerun_hint(stats.platform, filename, db.target)
                    )
                if count and not replace:
                    raise LoadError(
                        f"already loaded: {count} unprocessed upload row(s) (platform {stats.platform}); "
                        "use --replace to swap them for this file's rows in one transaction"
                    )
                holders = _same_content(db, scanned.fingerprint, stats.platform, filename)
                if holders and not allow_duplicate_content:
                    raise _duplicate_error(holders, db.target)
                stats.duplicate_of = [f"{h[1]} ({h[0]})" for h in holders]
                if count:
                    db.execute(
                        f"delete from {db.table_ref(UPLOAD)} where platform = {db.param} "  # noqa: S608
                        f"and filename = {db.param} and processed is null and (phase is null or phase = '')",
                        [stats.platform, filename],
                    )
                    stats.replaced_rows = count
                written = db.bulk_insert(UPLOAD, file_plan.columns, rows)
                if written == 0:
                    raise _no_rows_error(stats)
                shown.stage = "committing"
        except (LoadError, KeyboardInterrupt):
            raise
        except DatabaseError as exc:
            raise LoadError(f"{exc}; nothing was written") from exc
        except Exception as exc:  # driver errors differ per engine; the transaction was rolled back
            raise LoadError(f"database error while writing ({type(exc).__name__}: {str(exc).strip()}); "
                            "nothing was written") from exc
    stats.seconds = time.perf_counter() - started
    return stats
