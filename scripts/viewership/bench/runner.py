"""Run one measured command: wall time, peak RSS of the process, and (PostgreSQL) peak RSS of its backends."""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path


class MeasureError(RuntimeError):
    """A measured command failed; the message carries its command and output tail."""


@dataclass
class Measurement:
    """One measured run."""

    seconds: float
    peak_rss_mb: float
    returncode: int
    stdout: str
    stderr: str
    backend_peak_rss_mb: float | None = None
    cpu_seconds: float = 0.0  # user + system CPU of the process and its threads (not the PostgreSQL server)
    extra: dict[str, float] = field(default_factory=dict)


def _vm_hwm_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


class BackendSampler:
    """Polls the PostgreSQL backends connected to one database and keeps each one's peak RSS (VmHWM).

    The server runs on this machine, so /proc shows its backends. Reported: the largest single backend
    peak (a parallel query adds workers, counted separately)."""

    def __init__(self, list_pids: Callable[[], list[int]], interval: float = 0.5) -> None:
        self.list_pids = list_pids
        self.interval = interval
        self.peaks: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                for pid in self.list_pids():
                    kb = _vm_hwm_kb(pid)
                    if kb is not None:
                        self.peaks[pid] = max(kb, self.peaks.get(pid, 0))
            except Exception:  # the database may be gone for a moment; keep sampling
                pass
            self._stop.wait(self.interval)

    def __enter__(self) -> BackendSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    @property
    def peak_mb(self) -> float | None:
        return max(self.peaks.values()) / 1024 if self.peaks else None


def run_measured(cmd: Sequence[str], env: dict[str, str], cwd: Path, timeout: float = 3600,
                 sampler: BackendSampler | None = None, check: bool = True) -> Measurement:
    """Run ``cmd``; time it from outside and read its peak RSS from wait4()."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(list(cmd), env=env, cwd=cwd, stdout=out, stderr=err, start_new_session=True)
        timer = threading.Timer(timeout, lambda: os.killpg(proc.pid, signal.SIGKILL))
        timer.start()
        try:
            if sampler is not None:
                with sampler:
                    _, status, usage = os.wait4(proc.pid, 0)
            else:
                _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    m = Measurement(seconds, usage.ru_maxrss / 1024, proc.returncode, stdout, stderr,
                    sampler.peak_mb if sampler else None, usage.ru_utime + usage.ru_stime)
    if check and m.returncode != 0:
        raise MeasureError(f"{' '.join(cmd)} failed ({m.returncode}):\n{stdout[-4000:]}\n{stderr[-3000:]}")
    return m
