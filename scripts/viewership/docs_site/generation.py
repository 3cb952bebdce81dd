"""Generate the site: ``dbt docs generate``, the copies, red lines, column lineage, then the checks."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import click

from dbtcommon.dbt import dbt_executable
from viewership import project
from viewership.docs_site.offline_check import (
    SITE_FILES,
    DocsSiteError,
    SiteReport,
    _load_json,
    make_self_contained,
    verify,
)
from viewership.docs_site.red_lines import (
    RED_LINE_DOCS_FILE,
    RED_LINES_FILE,
    annotate_red_lines,
    load_red_lines,
    write_red_line_docs,
)


def run_dbt_docs_generate(target: str | None, target_path: Path, root: Path,
                          extra_args: tuple[str, ...] = ()) -> tuple[str, ...]:
    """``dbt docs generate`` with usage stats off, into ``target_path``; returns dbt's warning lines."""
    env = os.environ.copy()
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "False"
    env["DBT_USE_COLORS"] = "False"
    env.setdefault("DBT_PROFILES_DIR", str(root))
    cmd = [dbt_executable(), "docs", "generate", "--project-dir", str(root), "--target-path", str(target_path),
           *(["--target", target] if target else []), *extra_args]
    proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise DocsSiteError(
            f"`{' '.join(cmd)}` failed ({proc.returncode}):\n{proc.stdout[-4000:]}{proc.stderr[-2000:]}")
    return dbt_warnings(proc.stdout + proc.stderr)


def dbt_warnings(output: str) -> tuple[str, ...]:
    """Warning messages of a dbt run (a [WARNING] line and its indented continuation lines)."""
    warnings: list[str] = []
    lines = re.sub(r"\x1b\[[0-9;]*m", "", output).splitlines()
    for i, line in enumerate(lines):
        if "[WARNING]" not in line:
            continue
        message = [line.split("[WARNING]", 1)[1].lstrip(": ").strip()]
        for follow in lines[i + 1:]:
            if re.match(r"^\d\d:\d\d:\d\d\s", follow) or not follow.strip():
                break
            message.append(follow.strip())
        warnings.append(" ".join(part for part in message if part))
    return tuple(warnings)


def generate(site_dir: Path, target: str | None = None, target_path: Path | None = None,
             root: Path | None = None, extra_args: tuple[str, ...] = (),
             refresh_red_line_docs: bool = False) -> SiteReport:
    """Generate the docs site into ``site_dir``, show red lines on protected models, verify it is offline-safe.

    ``refresh_red_line_docs`` first regenerates docs/dbt/_red_lines__docs.md from governance/redlines.yml
    (``make docs`` does; the tests do not, so a stale file is caught by its own test).
    """
    import time

    started = time.monotonic()
    root = root or project.project_root()
    rules = load_red_lines(root)
    if refresh_red_line_docs and write_red_line_docs(root):
        click.echo(f"regenerated {RED_LINE_DOCS_FILE} from {RED_LINES_FILE}")
    with tempfile.TemporaryDirectory(prefix="docs-target-") as scratch:
        dbt_target = target_path or Path(scratch)
        warnings = run_dbt_docs_generate(target, dbt_target, root, extra_args)
        site_dir.mkdir(parents=True, exist_ok=True)
        for name in SITE_FILES:
            source = dbt_target / name
            if not source.is_file():
                raise DocsSiteError(f"dbt docs generate did not write {source}")
            shutil.copyfile(source, site_dir / name)
    cleared = make_self_contained(site_dir)
    annotated = annotate_red_lines(site_dir, rules)
    _add_column_lineage(site_dir, root)
    findings = verify(site_dir)
    if findings:
        raise DocsSiteError("the docs site is not self-contained:\n  " + "\n  ".join(map(str, findings)))
    manifest = _load_json(site_dir / "manifest.json")
    nodes = manifest.get("nodes") or {}
    project_name = (manifest.get("metadata") or {}).get("project_name")
    return SiteReport(
        site_dir=site_dir,
        models=sum(1 for node in nodes.values() if node.get("resource_type") == "model"),
        sources=len(manifest.get("sources") or {}),
        doc_blocks=sum(1 for block in (manifest.get("docs") or {}).values()
                       if block.get("package_name") == project_name),
        tracking_flag_cleared=cleared,
        red_line_models=tuple(annotated),
        warnings=warnings,
        seconds=time.monotonic() - started,
    )


def _add_column_lineage(site_dir: Path, root: Path) -> None:
    """Hook: the pipeline picture on the overview and column lineage on model pages (viewership.column_lineage)."""
    from viewership.column_lineage import site as column_lineage_site
    from viewership.column_lineage.extract import ColumnLineageError

    try:
        column_lineage_site.annotate(site_dir, root)
    except ColumnLineageError as exc:
        raise DocsSiteError(f"column lineage: {exc}") from exc
