"""``python -m viewership.docs_site generate|verify|red-line-docs|coverage|serve|up``."""

from __future__ import annotations

import errno
import sys
import threading
from functools import partial
from http.server import ThreadingHTTPServer
from pathlib import Path

import click

from viewership import project
from viewership.docs_site.coverage import description_gaps
from viewership.docs_site.generation import generate
from viewership.docs_site.offline_check import LOOPBACK_HOSTS, DocsSiteError, SiteReport, _load_json, verify
from viewership.docs_site.red_lines import RED_LINE_DOCS_FILE, load_red_lines, render_red_line_docs, write_red_line_docs
from viewership.docs_site.serving import _default_site_dir, _QuietHandler, server_url, start_server


@click.group()
def main() -> None:
    """Generate, verify and serve the dbt docs site (offline, loopback only)."""


@main.command("generate")
@click.option("--target", default=None, help="dbt target (default: the profile's default).")
@click.option("--site-dir", type=click.Path(path_type=Path), default=None, help="Output folder (target/docs_site).")
@click.option("--target-path", type=click.Path(path_type=Path), default=None,
              help="dbt --target-path for the run (default: a temporary folder).")
def generate_command(target: str | None, site_dir: Path | None, target_path: Path | None) -> None:
    """Run dbt docs generate and write a verified, self-contained site folder."""
    _report(_generate_or_fail(site_dir or _default_site_dir(), target, target_path))


@main.command("verify")
@click.option("--site-dir", type=click.Path(path_type=Path), default=None)
def verify_command(site_dir: Path | None) -> None:
    """Exit 1 when the site would fetch anything from the internet."""
    site = site_dir or _default_site_dir()
    try:
        findings = verify(site)
    except DocsSiteError as exc:
        raise click.ClickException(str(exc)) from exc
    if findings:
        for finding in findings:
            click.echo(str(finding), err=True)
        sys.exit(1)
    click.echo(f"{site}: self-contained (no external fetches)")


@main.command("red-line-docs")
@click.option("--check", is_flag=True, help="Exit 1 if the file is stale instead of rewriting it.")
def red_line_docs_command(check: bool) -> None:
    """Regenerate docs/dbt/_red_lines__docs.md from governance/redlines.yml."""
    try:
        root = project.project_root()
        if check:
            current = (root / RED_LINE_DOCS_FILE).read_text(encoding="utf-8") \
                if (root / RED_LINE_DOCS_FILE).is_file() else ""
            if current != render_red_line_docs(load_red_lines(root)):
                click.echo(f"{RED_LINE_DOCS_FILE} is stale: run `python -m viewership.docs_site red-line-docs`",
                           err=True)
                sys.exit(1)
            click.echo(f"{RED_LINE_DOCS_FILE} is current")
            return
        changed = write_red_line_docs(root)
    except (DocsSiteError, project.ProjectError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{RED_LINE_DOCS_FILE}: {'regenerated' if changed else 'already current'}")


@main.command("coverage")
@click.option("--site-dir", type=click.Path(path_type=Path), default=None,
              help="A generated site (or a dbt target folder) with manifest.json [and catalog.json].")
@click.option("--strict", is_flag=True, help="Exit 1 when anything lacks a description.")
def coverage_command(site_dir: Path | None, strict: bool) -> None:
    """List models, columns, sources, macros and exposures without a description."""
    site = site_dir or _default_site_dir()
    try:
        manifest = _load_json(site / "manifest.json")
        catalog = _load_json(site / "catalog.json") if (site / "catalog.json").is_file() else None
    except DocsSiteError as exc:
        raise click.ClickException(str(exc)) from exc
    gaps = description_gaps(manifest, catalog)
    for gap in gaps:
        click.echo(str(gap))
    click.echo(f"{len(gaps)} without a description")
    if gaps and strict:
        sys.exit(1)


@main.command("serve")
@click.option("--site-dir", type=click.Path(path_type=Path), default=None)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
def serve_command(site_dir: Path | None, host: str, port: int) -> None:
    """Serve an already generated site until interrupted."""
    _serve(site_dir or _default_site_dir(), host, port)


@main.command("up")
@click.option("--target", default=None, help="dbt target (default: the profile's default).")
@click.option("--site-dir", type=click.Path(path_type=Path), default=None)
@click.option("--target-path", type=click.Path(path_type=Path), default=None)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
def up_command(target: str | None, site_dir: Path | None, target_path: Path | None, host: str, port: int) -> None:
    """Generate, verify, then serve (what `make docs` runs).

    The port is bound before the site is generated, so a taken port fails at once, not after generating."""
    site = site_dir or _default_site_dir()
    server = _bind_or_fail(site, host, port)
    try:
        _report(_generate_or_fail(site, target, target_path, refresh_red_line_docs=True))
    except BaseException:
        server.server_close()
        raise
    _serve(site, host, port, server)


def _generate_or_fail(site: Path, target: str | None, target_path: Path | None,
                      refresh_red_line_docs: bool = False) -> SiteReport:
    try:
        return generate(site, target=target, target_path=target_path, refresh_red_line_docs=refresh_red_line_docs)
    except (DocsSiteError, project.ProjectError) as exc:
        raise click.ClickException(str(exc)) from exc


def _report(report: SiteReport) -> None:
    note = " (cleared the tracking flag in the site's manifest)" if report.tracking_flag_cleared else ""
    click.echo(f"docs site: {report.site_dir} — {report.models} models, {report.sources} sources, "
               f"{report.doc_blocks} doc blocks, red lines shown on {len(report.red_line_models)} models; "
               f"self-contained{note}; {report.seconds:.1f} s")
    for warning in report.warnings:
        click.echo(f"dbt warning: {warning}", err=True)


def _bind_or_fail(site: Path, host: str, port: int) -> ThreadingHTTPServer:
    """Bind host:port now (serving starts later); a taken port is a one-line error naming the way out."""
    if host not in LOOPBACK_HOSTS:
        raise click.ClickException(f"refusing to serve the docs on {host}: use a loopback address (127.0.0.1)")
    try:
        return ThreadingHTTPServer((host, port), partial(_QuietHandler, directory=str(site)))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise click.ClickException(
                f"port {port} on {host} is already in use; pick a free one: make docs PORT={port + 1} "
                f"(or python -m viewership.docs_site up --port {port + 1})") from exc
        raise click.ClickException(f"cannot serve on {host}:{port}: {exc}") from exc


def _serve(site: Path, host: str, port: int, server: ThreadingHTTPServer | None = None) -> None:
    if server is None:
        try:
            server = start_server(site, host, port)
        except (DocsSiteError, OSError) as exc:
            raise click.ClickException(str(exc)) from exc
    else:
        threading.Thread(target=server.serve_forever, name="docs-site", daemon=True).start()
    click.echo(f"serving {site} on {server_url(server)} (Ctrl-C to stop)")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        click.echo("stopped")
    finally:
        server.shutdown()
        server.server_close()
