"""No secret in any tracked file; profiles read secrets only from DBT_ENV_SECRET_* variables."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]

SECRET_PATTERNS = {
    "private key block": re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----"),
    "AWS access key id": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "password literal": re.compile(
        r"""(?i)\b(?:password|passwd|pwd|secret|token)\b\s*[:=]\s*["']?(?!\s*["']?\{\{)(?!["']?\s*$)[^\s"'{}().\[\],]{6,}(?![(.\[])"""
    ),
    "credentials in a URL": re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s:@]+@"),
}
SECRET_KEYS = ("password", "private_key", "private_key_path", "private_key_passphrase", "token", "oauth_client_secret")


def _tracked_files() -> list[Path]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return [ROOT / p for p in out.decode().split("\0") if p]


def scan(text: str) -> list[str]:
    return [name for name, pattern in SECRET_PATTERNS.items() if pattern.search(text)]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        pytest.param("password: hunter2secret", ["password literal"], id="yaml_password"),
        pytest.param('PASSWORD = "s3cr3t-value"', ["password literal"], id="python_password"),
        pytest.param("postgresql://admin:pa55word@db:5432/x", ["credentials in a URL"], id="url_credentials"),
        pytest.param("-----BEGIN PRIVATE KEY-----", ["private key block"], id="pem"),
        pytest.param("password: \"{{ env_var('DBT_ENV_SECRET_X', '') }}\"", [], id="env_var_is_fine"),
        pytest.param("password=None", [], id="short_placeholder"),
    ],
)
def test_scanner_detects_secrets(text: str, found: list[str]) -> None:
    assert scan(text) == found


def test_no_tracked_file_contains_a_secret() -> None:
    offenders = []
    for path in _tracked_files():
        if path.suffix in {".png", ".svg", ".duckdb", ".gz"} or not path.is_file() or path == Path(__file__):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for name in scan(text):
            offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert offenders == []


def test_profiles_read_secrets_only_from_secret_env_vars() -> None:
    profiles = yaml.safe_load((ROOT / "profiles.example.yml").read_text(encoding="utf-8"))
    outputs = profiles["viewership"]["outputs"]
    assert set(outputs) >= {"dev", "ci", "staging", "prod"}
    for name, output in outputs.items():
        for key in SECRET_KEYS:
            if key in output:
                assert re.fullmatch(r"\{\{ env_var\('DBT_ENV_SECRET_[A-Z_]+'(, '')?\) \}\}", output[key]), (
                    f"{name}.{key} must come from a DBT_ENV_SECRET_* variable"
                )
    assert "profiles.yml" in (ROOT / ".gitignore").read_text(encoding="utf-8").split()
