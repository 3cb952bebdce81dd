"""`make docs PORT=…`: a taken port fails at once with the way out, before the ~10 s site generation."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from viewership import docs_site


def test_taken_port_fails_before_generating(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: list[Any] = []
    monkeypatch.setattr(docs_site.cli, "generate", lambda *a, **k: calls.append((a, k)))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(docs_site.main, ["up", "--site-dir", str(tmp_path), "--port", str(port)])
    assert result.exit_code == 1
    assert f"port {port} on 127.0.0.1 is already in use" in result.output
    assert f"make docs PORT={port + 1}" in result.output
    assert calls == []  # nothing was generated


def test_free_port_is_bound_before_generation(tmp_path: Path) -> None:
    server = docs_site._bind_or_fail(tmp_path, "127.0.0.1", 0)
    try:
        host, port = server.server_address[:2]
        assert host == "127.0.0.1" and port > 0
        with socket.socket() as probe, pytest.raises(OSError):
            probe.bind(("127.0.0.1", port))  # held from now on: generation cannot lose it to another program
    finally:
        server.server_close()
