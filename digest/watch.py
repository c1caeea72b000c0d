"""Change detection for the preview server: polling snapshots of the watched files.

Polling compares (mtime, size, inode) of every file, so it sees what event-based watchers
miss: editors that save by writing a temporary file and renaming it over the original (the
inode changes), folders renamed or created with files already inside, and deletions.
"""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

Snapshot = dict  # absolute path (str) -> (mtime_ns, size, inode)


def ignored(name: str) -> bool:
    """Hidden files, editor backups and swap files: the build never reads them."""
    return name.startswith(".") or name.endswith(("~", ".swp", ".swx", ".tmp")) or name == "4913"


def take_snapshot(paths: list[Path]) -> Snapshot:
    """The state of every watched file: single files as given, folders walked (hidden ones skipped)."""
    snapshot: Snapshot = {}
    for path in paths:
        if path.is_dir():
            scan_folder(str(path), snapshot)
        else:
            add_file(str(path), snapshot)
    return snapshot


def scan_folder(folder: str, snapshot: Snapshot) -> None:
    """Add every file below folder to the snapshot."""
    try:
        entries = list(os.scandir(folder))
    except OSError:  # removed while we looked: the next snapshot will tell
        return
    for entry in entries:
        if ignored(entry.name):
            continue
        try:
            if entry.is_dir():
                scan_folder(entry.path, snapshot)
            else:
                stat = entry.stat()
                snapshot[entry.path] = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        except OSError:
            continue


def add_file(path: str, snapshot: Snapshot) -> None:
    """Add one file (when it exists)."""
    try:
        stat = os.stat(path)
    except OSError:
        return
    snapshot[path] = (stat.st_mtime_ns, stat.st_size, stat.st_ino)


def changed_paths(old: Snapshot, new: Snapshot) -> set[str]:
    """Files added, removed or modified between two snapshots."""
    return {path for path in old.keys() | new.keys() if old.get(path) != new.get(path)}


class Watcher:
    """Waits for changes to a set of files and folders, one quiet burst at a time."""

    def __init__(self, paths: list[Path], interval: float = 0.05, quiet: float = 0.05, longest: float = 2.0):
        self.paths = list(paths)
        self.interval = interval  # seconds between two polls
        self.quiet = quiet  # a burst is over when nothing changed for this long
        self.longest = longest  # never wait longer than this for a burst to end
        self.snapshot = take_snapshot(self.paths)

    def wait(self, stop: threading.Event) -> set[str]:
        """Block until something changed and then stayed quiet; return the changed files (empty when stopped)."""
        changed: set[str] = set()
        while not changed:
            if stop.wait(self.interval):
                return set()
            changed = self.poll()
        started = last = time.monotonic()
        while time.monotonic() - last < self.quiet and time.monotonic() - started < self.longest:
            if stop.wait(min(self.interval, self.quiet)):
                return set()
            more = self.poll()
            if more:
                changed |= more
                last = time.monotonic()
        return changed

    def poll(self) -> set[str]:
        """Compare the files with the last snapshot, which becomes the current state."""
        new = take_snapshot(self.paths)
        changed = changed_paths(self.snapshot, new)
        self.snapshot = new
        return changed
