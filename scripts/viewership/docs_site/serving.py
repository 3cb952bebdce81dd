"""Serve the site folder on a loopback address."""

from __future__ import annotations

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from viewership import project
from viewership.docs_site.offline_check import LOOPBACK_HOSTS, DocsSiteError


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
