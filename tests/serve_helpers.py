"""Helpers for the serve tests: the real command in a subprocess, stopped afterwards."""
from __future__ import annotations

import contextlib
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class ServeProcess:
    """`python build.py serve --port 0` running on a project; its output collected line by line."""

    def __init__(self, project: Path, *args: str):
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "--root", str(project), "serve",
                                      "--port", "0", *args], cwd=project, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, encoding="utf-8")
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self.read, daemon=True)
        self.reader.start()
        self.url = self.wait_for_line(r"serving .* on (http://\S+/)").group(1)

    def read(self) -> None:
        """Collect the server's output."""
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for_line(self, pattern: str, timeout: float = 60) -> re.Match:
        """The first output line matching pattern (waiting for it)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                found = re.search(pattern, line)
                if found:
                    return found
            if self.proc.poll() is not None and not self.reader.is_alive():
                break
            time.sleep(0.02)
        raise AssertionError(f"no line matching {pattern!r} in:\n" + "\n".join(self.lines))

    def stop(self, sig: int = signal.SIGINT) -> int:
        """Stop the server as Ctrl-C would; kill it if it does not stop; return its exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=15)
            raise
        finally:
            self.reader.join(timeout=5)


@contextlib.contextmanager
def serving(project: Path, *args: str):
    """Run the preview server for the duration of a with-block."""
    server = ServeProcess(project, *args)
    try:
        yield server
    finally:
        server.stop()


def get(url: str) -> tuple[int, str]:
    """Status and text of a page (error statuses included)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def poll(url: str, check, timeout: float = 20) -> tuple[int, str]:
    """Fetch url until check(status, text) holds; return the last answer."""
    deadline = time.monotonic() + timeout
    answer = get(url)
    while not check(*answer):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting on {url}: last status {answer[0]}\n{answer[1][:2000]}")
        time.sleep(0.05)
        answer = get(url)
    return answer
