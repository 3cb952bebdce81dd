"""Headless Debian Chromium for the docs test: find or install it, and drive it through chromedriver.

No PyPI browser tooling: Debian's ``chromium`` + ``chromium-driver`` packages, and a small W3C WebDriver
client over ``urllib`` (chromedriver speaks JSON over HTTP), so the test works on a machine with no
internet beyond the Debian mirror. Chromium starts with the flags this machine kind needs (no background
networking, a fresh profile) and with Chrome's performance log on, so the test can list every URL the
page requested.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMEDRIVER_CANDIDATES = ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")
DEBIAN_PACKAGES = ("chromium", "chromium-driver")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--window-size=1600,1000",
)
ELEMENT_KEY = "element-6066-11e4-a52e-4f735466cecf"
T = TypeVar("T")


class BrowserUnavailable(Exception):
    """Chromium/chromedriver are not installed and could not be installed."""


class WebDriverError(AssertionError):
    """chromedriver answered with an error."""


@dataclass(frozen=True)
class Browser:
    chromium: str
    chromedriver: str
    installed_now: bool = False
    install_seconds: float = 0.0


def _first_existing(paths: tuple[str, ...], name: str) -> str | None:
    for path in paths:
        if Path(path).is_file() and os.access(path, os.X_OK):
            return path
    return shutil.which(name)


def find_browser() -> Browser | None:
    chromium = _first_existing(CHROMIUM_CANDIDATES, "chromium")
    driver = _first_existing(CHROMEDRIVER_CANDIDATES, "chromedriver")
    return Browser(chromium, driver) if chromium and driver else None


def ensure_browser() -> Browser:
    """Debian chromium + chromedriver; installs them with apt-get when absent and we are root."""
    found = find_browser()
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise BrowserUnavailable(
            "chromium/chromedriver not found and cannot be installed here (needs root and apt-get): "
            f"install the Debian packages {' '.join(DEBIAN_PACKAGES)}"
        )
    started = time.monotonic()
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update"], ["apt-get", "install", "-y", "--no-install-recommends", *DEBIAN_PACKAGES]):
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1200, check=False)
        if proc.returncode != 0:
            raise BrowserUnavailable(f"`{' '.join(cmd)}` failed ({proc.returncode}): {proc.stderr[-2000:]}")
    found = find_browser()
    if not found:
        raise BrowserUnavailable(f"apt-get installed {DEBIAN_PACKAGES} but chromium/chromedriver are still missing")
    return Browser(found.chromium, found.chromedriver, True, time.monotonic() - started)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Session:
    """One WebDriver session (one headless Chromium)."""

    base: str
    session_id: str
    screenshots: list[Path] = field(default_factory=list)

    # -- protocol ---------------------------------------------------------------------------------
    def _call(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        return _request(method, f"{self.base}/session/{self.session_id}{path}", payload)

    def get(self, url: str) -> None:
        self._call("POST", "/url", {"url": url})

    @property
    def current_url(self) -> str:
        return str(self._call("GET", "/url"))

    def set_window_size(self, width: int, height: int) -> None:
        self._call("POST", "/window/rect", {"width": width, "height": height})

    def script(self, source: str, *args: Any) -> Any:
        return self._call("POST", "/execute/sync", {"script": source, "args": list(args)})

    def find(self, css: str) -> list[str]:
        found = self._call("POST", "/elements", {"using": "css selector", "value": css})
        return [item[ELEMENT_KEY] for item in found]

    def find_xpath(self, xpath: str) -> list[str]:
        found = self._call("POST", "/elements", {"using": "xpath", "value": xpath})
        return [item[ELEMENT_KEY] for item in found]

    def click(self, element: str) -> None:
        self._call("POST", f"/element/{element}/click", {})

    def type_into(self, element: str, text: str) -> None:
        self._call("POST", f"/element/{element}/value", {"text": text})

    def text(self, element: str) -> str:
        return str(self._call("GET", f"/element/{element}/text"))

    def screenshot(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(self._call("GET", "/screenshot")))
        self.screenshots.append(path)
        return path

    def dom(self) -> str:
        return str(self.script("return document.documentElement.outerHTML;"))

    def body_text(self) -> str:
        return str(self.script("return document.body.innerText;"))

    def performance_log(self) -> list[dict[str, Any]]:
        entries = _request("POST", f"{self.base}/session/{self.session_id}/se/log", {"type": "performance"})
        return [json.loads(entry["message"])["message"] for entry in entries]

    def requested_urls(self) -> list[str]:
        """Every URL the page asked the network stack for since the last call (Network.requestWillBeSent)."""
        return [event["params"]["request"]["url"] for event in self.performance_log()
                if event.get("method") == "Network.requestWillBeSent"]

    # -- helpers ----------------------------------------------------------------------------------
    def wait_for(self, what: str, probe: Callable[[], T | None], timeout: float = 20.0) -> T:
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            try:
                value = probe()
                if value:
                    return value
            except WebDriverError as exc:  # element went stale while Angular re-rendered
                last_error = exc
            time.sleep(0.2)
        raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}"
                             + (f" (last error: {last_error})" if last_error else ""))

    def wait_css(self, css: str, timeout: float = 20.0) -> list[str]:
        return self.wait_for(f"an element matching {css!r}", lambda: self.find(css), timeout)

    def wait_xpath(self, xpath: str, timeout: float = 20.0) -> list[str]:
        return self.wait_for(f"an element at {xpath!r}", lambda: self.find_xpath(xpath), timeout)

    def wait_text(self, text: str, timeout: float = 20.0) -> str:
        return self.wait_for(f"text {text!r} on the page", lambda: text if text in self.body_text() else None,
                             timeout)


def _request(method: str, url: str, payload: dict[str, Any] | None = None, timeout: float = 60.0) -> Any:
    data = json.dumps(payload).encode() if payload is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            body = json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode(errors="replace")
        try:
            value = json.loads(detail).get("value", {})
            detail = f"{value.get('error')}: {value.get('message', '')[:500]}"
        except ValueError:
            pass
        raise WebDriverError(f"{method} {url} -> HTTP {exc.code}: {detail}") from exc
    return body.get("value")


@contextmanager
def chromium_session(browser: Browser) -> Iterator[Session]:
    """Start chromedriver on a free loopback port and one headless Chromium session; stop both after."""
    port = free_port()
    profile = tempfile.mkdtemp(prefix="docs-chromium-")
    log = Path(profile).with_suffix(".chromedriver.log")
    driver = subprocess.Popen(
        [browser.chromedriver, f"--port={port}", "--allowed-ips=127.0.0.1", f"--log-path={log}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if _request("GET", f"{base}/status", timeout=2).get("ready"):
                    break
            except (OSError, WebDriverError):
                pass
            if time.monotonic() > deadline or driver.poll() is not None:
                raise BrowserUnavailable(f"chromedriver did not start on port {port} (log: {log})")
            time.sleep(0.1)
        capabilities = {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": browser.chromium,
                                   "args": [*CHROMIUM_FLAGS, f"--user-data-dir={profile}"]},
            "goog:loggingPrefs": {"performance": "ALL"},
        }
        created = _request("POST", f"{base}/session", {"capabilities": {"alwaysMatch": capabilities}})
        session = Session(base, str(created["sessionId"]))
        try:
            yield session
        finally:
            with suppress(OSError, WebDriverError):
                _request("DELETE", f"{base}/session/{session.session_id}", timeout=20)
    finally:
        driver.terminate()
        try:
            driver.wait(timeout=10)
        except subprocess.TimeoutExpired:
            driver.kill()
        shutil.rmtree(profile, ignore_errors=True)
        log.unlink(missing_ok=True)
