"""Offline safety of the site: what the browser would fetch from another host, and the tracking flag."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

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
