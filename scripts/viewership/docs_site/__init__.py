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

from viewership.docs_site.cli import (
    _bind_or_fail,
    coverage_command,
    generate_command,
    main,
    red_line_docs_command,
    serve_command,
    up_command,
    verify_command,
)
from viewership.docs_site.coverage import (
    ADAPTER_IMPLEMENTATION,
    DESCRIBED_NODE_TYPES,
    SNAPSHOT_META_COLUMNS,
    Gap,
    description_gaps,
)
from viewership.docs_site.generation import dbt_warnings, generate, run_dbt_docs_generate
from viewership.docs_site.offline_check import (
    CSS_EXTERNAL,
    EXTERNAL_URL,
    FETCHING_ATTRIBUTES,
    HTML_IMAGE,
    LOOPBACK_HOSTS,
    MARKDOWN_IMAGE,
    NON_FETCHING_LINK_RELS,
    SITE_FILES,
    DocsSiteError,
    Finding,
    SiteReport,
    make_self_contained,
    scan_html,
    scan_manifest,
    verify,
)
from viewership.docs_site.red_lines import (
    RED_LINE_DOCS_FILE,
    RED_LINES_FILE,
    RED_LINES_HEADING,
    annotate_red_lines,
    doc_block_name,
    load_red_lines,
    red_line_markdown,
    render_red_line_docs,
    write_red_line_docs,
)
from viewership.docs_site.serving import server_url, start_server

__all__ = [
    "ADAPTER_IMPLEMENTATION",
    "CSS_EXTERNAL",
    "DESCRIBED_NODE_TYPES",
    "EXTERNAL_URL",
    "FETCHING_ATTRIBUTES",
    "HTML_IMAGE",
    "LOOPBACK_HOSTS",
    "MARKDOWN_IMAGE",
    "NON_FETCHING_LINK_RELS",
    "RED_LINES_FILE",
    "RED_LINES_HEADING",
    "RED_LINE_DOCS_FILE",
    "SITE_FILES",
    "SNAPSHOT_META_COLUMNS",
    "DocsSiteError",
    "Finding",
    "Gap",
    "SiteReport",
    "_bind_or_fail",
    "annotate_red_lines",
    "coverage_command",
    "dbt_warnings",
    "description_gaps",
    "doc_block_name",
    "generate",
    "generate_command",
    "load_red_lines",
    "main",
    "make_self_contained",
    "red_line_docs_command",
    "red_line_markdown",
    "render_red_line_docs",
    "run_dbt_docs_generate",
    "scan_html",
    "scan_manifest",
    "serve_command",
    "server_url",
    "start_server",
    "up_command",
    "verify",
    "verify_command",
    "write_red_line_docs",
]
