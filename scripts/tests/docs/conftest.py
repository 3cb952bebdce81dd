"""Fixtures of the docs-site tests: one generated site per session, and Debian Chromium."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.tests.docs.browser import Browser, BrowserUnavailable, ensure_browser
from scripts.tests.harness import IN_CI, ROOT, base_env
from viewership import docs_site


@pytest.fixture(scope="session")
def docs_site_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """`dbt docs generate` of the working tree (DuckDB dev target, a private empty database) as a site folder."""
    tmp = tmp_path_factory.mktemp("docs_site")
    env = base_env()
    env["DBT_DUCKDB_PATH"] = str(tmp / "docs.duckdb")
    started = time.monotonic()
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        report = docs_site.generate(tmp / "site", target="dev", target_path=tmp / "target", root=ROOT)
    print(f"\ndocs site generated in {time.monotonic() - started:.1f} s: {report.models} models, "
          f"{report.doc_blocks} doc blocks, red lines on {len(report.red_line_models)} models")
    for warning in report.warnings:
        print(f"dbt warning: {warning}")
    yield report.site_dir


@pytest.fixture(scope="session")
def browser() -> Browser:
    """Debian chromium + chromedriver, installed with apt-get when missing (root). Required in CI."""
    try:
        found = ensure_browser()
    except BrowserUnavailable as exc:
        if IN_CI:
            pytest.fail(f"{exc} (CI=true: the browser test is required)")
        pytest.skip(f"{exc}; the docs browser test needs Debian chromium and chromium-driver")
    if found.installed_now:
        print(f"\ninstalled chromium + chromium-driver with apt-get in {found.install_seconds:.0f} s")
    return found
