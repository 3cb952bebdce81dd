"""Generate the dbt docs site into a folder, prove it works offline, and serve it on loopback.

``dbt docs generate`` writes ``index.html`` (dbt's single-page app, JS and CSS inlined) plus the
``manifest.json`` and ``catalog.json`` it reads over HTTP. The page fetches nothing else unless
``metadata.send_anonymous_usage_stats`` is true in the manifest: then it injects dbt's tracking
script from a CDN (``//d1fc8wv8zag5ca.cloudfront.net/.../sp.js``). This module

* ``generate``: runs ``dbt docs generate`` with usage stats off, copies the three files into the site
  folder, clears the tracking flag in the site's copy of the manifest if a profile turned it on, appends
  to every model a rule of ``governance/redlines.yml`` lists under ``models:`` that rule (incident, impact,
  override) so its page shows them, adds the pipeline picture and column lineage
  (``viewership.column_lineage.site``), and verifies the result;
* ``verify``: fails on anything the browser would fetch from another host: ``src``/``href`` of
  script, link, img, iframe, ... tags and CSS ``url()``/``@import`` in the HTML, the tracking flag,
  and Markdown/HTML images in any description of the manifest (descriptions are rendered as HTML);
* ``serve``: serves the folder on 127.0.0.1 (``up`` = generate, then serve);
* ``red-line-docs``: regenerates the doc blocks ``docs/dbt/_red_lines__docs.md`` from the red lines;
* ``coverage``: lists models, columns, sources, macros and exposures that have no description.

Usage: ``python -m viewership.docs_site up --target dev --port 8080`` (what ``make docs`` runs).
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import click

from dbtcommon.dbt import dbt_executable
from viewership import project, protected_models

SITE_FILES = ("index.html", "manifest.json", "catalog.json")
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

# Tag -> attributes whose URL the browser fetches on its own (links in <a> are not fetched).
FETCHING_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "script": ("src",),
    "link": ("href",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "frame": ("src",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "input": ("src",),
    "image": ("href", "xlink:href"),
    "use": ("href", "xlink:href"),
}
# rel values of <link> that do not fetch anything.
NON_FETCHING_LINK_RELS = frozenset({"canonical", "alternate", "author", "help", "license", "next", "prev", "search"})

EXTERNAL_URL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
CSS_EXTERNAL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])\s*((?:https?:)?//[^'")\s]+)""", re.IGNORECASE)
MARKDOWN_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?((?:https?:)?//[^)\s>]+)")
HTML_IMAGE = re.compile(
    r"""<(?:img|script|iframe|link|source)\b[^>]*?\b(?:src|href)\s*=\s*['"]((?:https?:)?//[^'"]+)""", re.IGNORECASE)


class DocsSiteError(Exception):
    """The site could not be generated, or it is not self-contained."""


@dataclass(frozen=True)
class Finding:
    """One thing in the site that would make the browser fetch from another host."""

    file: str
    where: str
    url: str

    def __str__(self) -> str:
        return f"{self.file}: {self.where} fetches {self.url}"


@dataclass(frozen=True)
class SiteReport:
    """What ``generate`` produced."""

    site_dir: Path
    models: int
    sources: int
    doc_blocks: int
    tracking_flag_cleared: bool
    red_line_models: tuple[str, ...]
    warnings: tuple[str, ...]
    seconds: float


class _FetchScanner(HTMLParser):
    """Collects external URLs that tags and inline styles of an HTML page would fetch."""

    def __init__(self, file: str) -> None:
        super().__init__(convert_charrefs=True)
        self.file = file
        self.findings: list[Finding] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): value or "" for name, value in attrs}
        if tag == "style":
            self._in_style = True
        if tag == "link" and set(values.get("rel", "").lower().split()) <= NON_FETCHING_LINK_RELS \
                and values.get("rel"):
            return
        for attribute in FETCHING_ATTRIBUTES.get(tag, ()):
            value = values.get(attribute, "")
            candidates = [part.strip().split(" ")[0] for part in value.split(",")] if "srcset" in attribute \
                else [value]
            for url in candidates:
                if EXTERNAL_URL.match(url):
                    self.findings.append(Finding(self.file, f"<{tag} {attribute}> at line {self.getpos()[0]}", url))
        for url in CSS_EXTERNAL.findall(values.get("style", "")):
            self.findings.append(Finding(self.file, f"style attribute of <{tag}> at line {self.getpos()[0]}", url))

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            for url in CSS_EXTERNAL.findall(data):
                self.findings.append(Finding(self.file, f"<style> near line {self.getpos()[0]}", url))


def scan_html(path: Path) -> list[Finding]:
    """External URLs an HTML page fetches by itself (tags and CSS; script bodies are not markup)."""
    scanner = _FetchScanner(path.name)
    scanner.feed(path.read_text(encoding="utf-8"))
    scanner.close()
    return scanner.findings


def _descriptions(manifest: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(where, text) of every description and doc block the site renders as HTML."""
    for section in ("nodes", "sources", "exposures", "macros", "metrics", "semantic_models", "saved_queries",
                    "unit_tests"):
        for unique_id, node in (manifest.get(section) or {}).items():
            yield unique_id, str(node.get("description") or "")
            for column_name, column in (node.get("columns") or {}).items():
                yield f"{unique_id}.{column_name}", str(column.get("description") or "")
            for argument in node.get("arguments") or []:
                yield f"{unique_id}({argument.get('name')})", str(argument.get("description") or "")
    for unique_id, block in (manifest.get("docs") or {}).items():
        yield unique_id, str(block.get("block_contents") or "")


def scan_manifest(manifest: dict[str, Any]) -> list[Finding]:
    """External fetches the manifest causes: the tracking flag and images in rendered descriptions."""
    findings: list[Finding] = []
    if (manifest.get("metadata") or {}).get("send_anonymous_usage_stats"):
        findings.append(Finding("manifest.json", "metadata.send_anonymous_usage_stats = true",
                                "//d1fc8wv8zag5ca.cloudfront.net/…/sp.js (dbt's tracking script)"))
    for where, text in _descriptions(manifest):
        for url in (*MARKDOWN_IMAGE.findall(text), *HTML_IMAGE.findall(text)):
            findings.append(Finding("manifest.json", f"description of {where}", url))
    return findings


def verify(site_dir: Path) -> list[Finding]:
    """Everything in the site folder that would be fetched from the internet (empty = self-contained)."""
    missing = [name for name in SITE_FILES if not (site_dir / name).is_file()]
    if missing:
        raise DocsSiteError(f"{site_dir}: missing {', '.join(missing)} (run `python -m viewership.docs_site generate`)")
    findings: list[Finding] = []
    for html in sorted(site_dir.glob("*.html")):
        findings.extend(scan_html(html))
    findings.extend(scan_manifest(_load_json(site_dir / "manifest.json")))
    _load_json(site_dir / "catalog.json")
    return findings


def _load_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DocsSiteError(f"{path}: cannot read JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise DocsSiteError(f"{path}: expected a JSON object")
    return data


def make_self_contained(site_dir: Path) -> bool:
    """Clear the tracking flag in the site's manifest copy; True when it had to be cleared."""
    path = site_dir / "manifest.json"
    manifest = _load_json(path)
    metadata = manifest.get("metadata") or {}
    if not metadata.get("send_anonymous_usage_stats"):
        return False
    metadata["send_anonymous_usage_stats"] = False
    path.write_text(json.dumps(manifest), encoding="utf-8")
    return True


# --- red lines on the docs pages -----------------------------------------------------------------
RED_LINES_FILE = protected_models.RED_LINES_FILE
RED_LINE_DOCS_FILE = Path("docs") / "dbt" / "_red_lines__docs.md"
RED_LINES_HEADING = "Red lines protecting this model"


def load_red_lines(root: Path) -> list[dict[str, Any]]:
    """The rules of governance/redlines.yml (id, title, history, models, override, remediation, ...)."""
    try:
        return protected_models.load_red_lines(root)
    except protected_models.RedLinesError as exc:
        raise DocsSiteError(str(exc)) from exc


def _one_line(value: Any) -> str:
    return " ".join(str(value or "").split())


def red_line_markdown(rule: dict[str, Any]) -> str:
    """One rule as Markdown: title, incident, impact, rationale, owner, override and remediation."""
    history = rule.get("history") or {}
    absolute = bool(rule.get("absolute"))
    override = "none: absolute rule, it cannot be overridden or waived" if absolute \
        else _one_line(rule.get("override")) or "not stated"
    lines = [f"**{rule['id']} — {_one_line(rule.get('title'))}** (severity {rule.get('severity', 'error')})", ""]
    for label, value in (
        (f"Incident ({_one_line(history.get('incident_date')) or 'undated'})", history.get("incident")),
        ("Impact", history.get("impact")),
        ("Why", history.get("rationale")),
        ("Owner", history.get("owner")),
        ("Override", override),
        ("Remediation", rule.get("remediation")),
    ):
        if _one_line(value):
            lines.append(f"- {label}: {_one_line(value)}")
    return "\n".join(lines)


def doc_block_name(rule_id: str) -> str:
    """RL-2 -> red_line_rl_2 (dbt doc names are identifiers)."""
    return "red_line_" + re.sub(r"[^a-z0-9]+", "_", rule_id.lower()).strip("_")


def render_red_line_docs(rules: list[dict[str, Any]]) -> str:
    """docs/dbt/_red_lines__docs.md: a summary block and one block per rule, from governance/redlines.yml."""
    out = ["{#", "    GENERATED from governance/redlines.yml by `python -m viewership.docs_site red-line-docs`;",
           "    do not edit by hand. Use {{ doc('red_lines_summary') }} or {{ doc('red_line_rl_<n>') }}.", "#}", ""]
    out += ["{% docs red_lines_summary %}", "{% raw %}",
            "Red lines are the rules the legacy \"Safety Council\" enforced by hand. Here they are data",
            "(`governance/redlines.yml`) checked on the **compiled SQL** of every target by `redline check`;",
            "each rule lists the models it protects (`models:`); their pages on this site show it with its incident.",
            "", "| rule | title | incident | owner | override |", "| --- | --- | --- | --- | --- |"]
    for rule in rules:
        history = rule.get("history") or {}
        override = "absolute" if rule.get("absolute") else "with approval (see rule)"
        cells = [str(rule["id"]), _one_line(rule.get("title")), _one_line(history.get("incident_date")),
                 _one_line(history.get("owner")), override]
        out.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    out += ["", "`redline explain <rule>` prints a rule with its checks.", "{% endraw %}", "{% enddocs %}", ""]
    for rule in rules:
        # Doc blocks are rendered as Jinja when dbt parses them: rule text may quote Jinja, so keep it raw.
        out += [f"{{% docs {doc_block_name(str(rule['id']))} %}}", "{% raw %}", red_line_markdown(rule),
                "{% endraw %}", "{% enddocs %}", ""]
    return "\n".join(out)


def write_red_line_docs(root: Path) -> bool:
    """Regenerate docs/dbt/_red_lines__docs.md; True when its content changed."""
    path = root / RED_LINE_DOCS_FILE
    text = render_red_line_docs(load_red_lines(root))
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


def annotate_red_lines(site_dir: Path, rules: list[dict[str, Any]]) -> list[str]:
    """Append each protected model's rules (the rules whose `models:` list it in governance/redlines.yml) to
    its description in the site's manifest. Returns the annotated unique_ids."""
    path = site_dir / "manifest.json"
    manifest = _load_json(path)
    by_id = {str(rule["id"]): rule for rule in rules}
    by_model = protected_models.red_lines_by_model(rules)
    annotated: list[str] = []
    for unique_id, node in (manifest.get("nodes") or {}).items():
        ids = by_model.get(str(node.get("name"))) if node.get("resource_type") == "model" else None
        if not ids or RED_LINES_HEADING in str(node.get("description") or ""):
            continue
        parts = [red_line_markdown(by_id[rule_id]) for rule_id in ids]
        node["description"] = (str(node.get("description") or "").rstrip()
                               + f"\n\n#### {RED_LINES_HEADING}\n\n" + "\n\n".join(parts))
        annotated.append(unique_id)
    if annotated:
        path.write_text(json.dumps(manifest), encoding="utf-8")
    return annotated


# --- description coverage ------------------------------------------------------------------------
DESCRIBED_NODE_TYPES = frozenset({"model", "seed", "snapshot", "analysis"})
# Adapter implementations of a dispatched macro (duckdb__x, ...) are documented by their dispatcher x.
# Columns dbt adds to every snapshot; its docs explain them.
SNAPSHOT_META_COLUMNS = frozenset({"dbt_scd_id", "dbt_updated_at", "dbt_valid_from", "dbt_valid_to", "dbt_is_deleted"})
ADAPTER_IMPLEMENTATION = re.compile(r"^(default|duckdb|postgres|snowflake|redshift|bigquery|spark|databricks)__")


@dataclass(frozen=True)
class Gap:
    """Something the docs site shows without a description."""

    resource_type: str
    name: str
    path: str
    column: str | None = None
    detail: str = "no description"

    def __str__(self) -> str:
        what = f"{self.resource_type} {self.name}" + (f", column {self.column}" if self.column else "")
        return f"{self.path}: {what}: {self.detail}"


def _blank(value: Any) -> bool:
    return not str(value or "").strip()


def description_gaps(manifest: dict[str, Any], catalog: dict[str, Any] | None = None) -> list[Gap]:
    """Models, seeds, snapshots, sources, macros and exposures of the project (and their columns and
    macro arguments) that have no description. With a catalog, columns that exist in the database but
    are missing from the YAML are reported too."""
    project_name = (manifest.get("metadata") or {}).get("project_name")
    catalog_nodes = {**((catalog or {}).get("nodes") or {}), **((catalog or {}).get("sources") or {})}
    gaps: list[Gap] = []

    def columns(unique_id: str, node: dict[str, Any], kind: str, name: str, path: str) -> None:
        declared = node.get("columns") or {}
        for column_name, column in declared.items():
            if _blank(column.get("description")):
                gaps.append(Gap(kind, name, path, column_name))
        known = {str(c).lower() for c in declared} | (SNAPSHOT_META_COLUMNS if kind == "snapshot" else set())
        for column_name in (catalog_nodes.get(unique_id) or {}).get("columns") or {}:
            if str(column_name).lower() not in known:
                gaps.append(Gap(kind, name, path, str(column_name).lower(), "in the database but not in the YAML"))

    for unique_id, node in sorted((manifest.get("nodes") or {}).items()):
        kind = str(node.get("resource_type"))
        if kind not in DESCRIBED_NODE_TYPES or node.get("package_name") != project_name:
            continue
        name = str(node.get("name")) + (f" v{node['version']}" if node.get("version") is not None else "")
        path = str(node.get("original_file_path") or "")
        if _blank(node.get("description")):
            gaps.append(Gap(kind, name, path))
        columns(unique_id, node, kind, name, path)
    for unique_id, source in sorted((manifest.get("sources") or {}).items()):
        if source.get("package_name") != project_name:
            continue
        name = f"{source.get('source_name')}.{source.get('name')}"
        path = str(source.get("original_file_path") or "")
        if _blank(source.get("source_description")):
            gaps.append(Gap("source", str(source.get("source_name")), path))
        if _blank(source.get("description")):
            gaps.append(Gap("source table", name, path))
        columns(unique_id, source, "source table", name, path)
    for _unique_id, macro in sorted((manifest.get("macros") or {}).items()):
        if macro.get("package_name") != project_name:
            continue
        name, path = str(macro.get("name")), str(macro.get("original_file_path") or "")
        if ADAPTER_IMPLEMENTATION.match(name):
            continue
        if _blank(macro.get("description")):
            gaps.append(Gap("macro", name, path))
        for argument in macro.get("arguments") or []:
            if _blank(argument.get("description")):
                gaps.append(Gap("macro", name, path, f"argument {argument.get('name')}"))
    for _unique_id, exposure in sorted((manifest.get("exposures") or {}).items()):
        if exposure.get("package_name") == project_name and _blank(exposure.get("description")):
            gaps.append(Gap("exposure", str(exposure.get("name")), str(exposure.get("original_file_path") or "")))
    # A source's own description repeats for each of its tables: report it once.
    return list(dict.fromkeys(gaps))


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


class _QuietHandler(SimpleHTTPRequestHandler):
    """Static files, no request log on stderr, no caching of the JSON artifacts."""

    def log_message(self, format: str, *args: Any) -> None:
        return

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


def start_server(site_dir: Path, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """Serve ``site_dir`` in a daemon thread (port 0 = a free port); stop it with ``shutdown()``."""
    if host not in LOOPBACK_HOSTS:
        raise DocsSiteError(f"refusing to serve the docs on {host}: use a loopback address (127.0.0.1)")
    if not (site_dir / "index.html").is_file():
        raise DocsSiteError(f"{site_dir}/index.html not found: generate the site first")
    handler = partial(_QuietHandler, directory=str(site_dir))
    server = ThreadingHTTPServer((host, port), handler)
    threading.Thread(target=server.serve_forever, name="docs-site", daemon=True).start()
    return server


def server_url(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}/"


def _default_site_dir() -> Path:
    return project.project_root() / "target" / "docs_site"


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


if __name__ == "__main__":
    main()
