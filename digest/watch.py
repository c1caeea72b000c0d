"""Change detection for the preview server: file-system events through watchfiles.

watchfiles (Rust `notify`) gets events from inotify on Linux, so a save is seen within a few
milliseconds whatever the size of the site; where a file system gives no events, or when
DIGEST_WATCH_POLL=1 is set, it polls instead. Every folder the build reads is watched on its
own, not recursively: the list comes from the build's own walker (sources.walk), so the watcher
ignores exactly what the build ignores, never follows a symlinked folder (no loops), and a new or
vanished folder makes it walk again and watch the new list. Single files (config.yaml) are
watched through their folder, because an editor's atomic save replaces the file that a watch
on the file itself would follow.

Events are gathered by a thread per watch list into a queue, so changes made while a rebuild
runs wait there for the next `wait()`; `wait()` returns once no event came for `quiet` seconds.
"""
from __future__ import annotations

import os
import queue
import threading
import time
from pathlib import Path

from watchfiles import Change
from watchfiles._rust_notify import RustNotify  # the documented low-level API that watchfiles.watch() wraps

from .sources import is_ignored, walk

POLL_ENV = "DIGEST_WATCH_POLL"  # set to 1 to poll even where inotify works (network and some container mounts)
STEP_MS = 10  # how often the event thread looks for new events (they are queued by notify meanwhile)
DEBOUNCE_MS = 100  # the event thread hands over a stream of events at least this often
LOST = (0, "")  # stands for "events were lost": every watched path is reported


def polling_forced() -> bool:
    """DIGEST_WATCH_POLL (or watchfiles' own WATCHFILES_FORCE_POLLING) asks for polling."""
    return any(os.environ.get(name, "").lower() not in ("", "0", "false", "no")
               for name in (POLL_ENV, "WATCHFILES_FORCE_POLLING"))


class EventThread:
    """One RustNotify over a list of folders and the thread that moves its events into a queue."""

    def __init__(self, folders: list[str], polling: bool, poll_delay_ms: int, events: queue.Queue):
        self.notify = RustNotify(folders, False, polling, poll_delay_ms, False, False)
        self.closed = threading.Event()
        self.events = events
        self.thread = threading.Thread(target=self.run, name="digest-watch-events", daemon=True)
        self.thread.start()

    def run(self) -> None:
        """Queue every batch of (change, path) until closed; queue an exception if notify fails."""
        try:
            while not self.closed.is_set():
                batch = self.notify.watch(DEBOUNCE_MS, STEP_MS, 0, self.closed)
                if isinstance(batch, set):
                    self.events.put(batch)
        except Exception as exc:  # noqa: BLE001 - handed to wait(), which watches again
            self.events.put(exc)
        finally:
            self.notify.close()

    def close(self) -> None:
        """Stop the thread (within one step); the RustNotify closes with it."""
        self.closed.set()


class Watcher:
    """Waits for changes to a set of files and folders, one quiet burst at a time.

    wait() returns absolute paths of files added, modified or deleted, the files inside a folder
    that appeared or vanished (renamed, moved in, removed) included.
    """

    def __init__(self, paths: list[Path], quiet: float = 0.02, longest: float = 2.0,
                 polling: bool | None = None, poll_delay: float = 0.1):
        self.paths = [os.path.abspath(path) for path in paths]
        self.quiet = quiet  # a burst is over when no event came for this long
        self.longest = longest  # never wait longer than this for a burst to end
        self.polling = polling_forced() if polling is None else polling
        self.poll_delay_ms = max(1, int(poll_delay * 1000))
        self.fallback_reason = ""  # why events could not be used, when the watcher fell back to polling
        self.events: queue.Queue = queue.Queue()
        self.folders: set[str] = set()  # folders the build reads below the watched folders
        self.files: set[str] = set()  # the files in them
        self.watched: list[str] = []  # what the current EventThread watches
        self.backlog: set[str] = set()  # changes pending() found, handed out by the next wait()
        self.thread: EventThread | None = None
        self.scan()
        self.arm()

    def scan(self) -> None:
        """Walk the watched folders as the build does: the folders to watch and the files they hold."""
        folders: set[str] = set()
        files: set[str] = set()
        for path in self.paths:
            for folder, names in walk(Path(path)):
                folders.add(folder)
                files.update(os.path.join(folder, name) for name in names)
        self.folders, self.files = folders, files

    def watch_list(self) -> list[str]:
        """The folders to watch: every walked folder, and the folder of each single (or missing) path."""
        parents = {os.path.dirname(path) for path in self.paths if path not in self.folders}
        return sorted(self.folders | {parent for parent in parents if os.path.isdir(parent)})

    def arm(self) -> None:
        """Watch the current list (the new watch starts before the old one stops, so nothing falls between)."""
        wanted = self.watch_list()
        if self.thread is not None and wanted == self.watched:
            return
        old = self.thread
        self.thread = self.start_thread(wanted)
        self.watched = wanted
        if old is not None:
            old.close()

    def start_thread(self, folders: list[str]) -> EventThread:
        """An EventThread on folders; polling when events are not available."""
        for _ in range(3):
            try:
                return EventThread(folders, self.polling, self.poll_delay_ms, self.events)
            except FileNotFoundError:  # a folder vanished since the walk: walk again
                self.scan()
                folders = self.watch_list()
            except (OSError, RuntimeError) as exc:  # no inotify, or its limits reached
                if self.polling:
                    raise
                self.polling, self.fallback_reason = True, str(exc)
        return EventThread(folders, self.polling, self.poll_delay_ms, self.events)

    def close(self) -> None:
        """Stop watching."""
        if self.thread is not None:
            self.thread.close()
            self.thread = None

    def pending(self) -> bool:
        """Whether files the build reads changed since the last wait(), without blocking (from wait()'s thread).

        What it finds is kept for the next wait(): a rebuild can ask this to give way to newer changes.
        """
        while True:
            try:
                item = self.events.get_nowait()
            except queue.Empty:
                return bool(self.backlog)
            self.backlog |= self.interpret(self.rewatch() if isinstance(item, Exception) else item)

    def wait(self, stop: threading.Event) -> set[str]:
        """Block until something changed and then stayed quiet; return the changed files (empty when stopped)."""
        while True:
            found, self.backlog = self.backlog, set()  # seen by pending() during a rebuild
            batch = set() if found else self.next_batch(stop, None)
            if batch is None:
                return set()
            started = time.monotonic()
            while time.monotonic() - started < self.longest:
                more = self.next_batch(stop, self.quiet)
                if more is None:
                    return set()
                if not more:
                    break
                batch |= more
            changed = found | self.interpret(batch)
            if changed:
                return changed

    def next_batch(self, stop: threading.Event, timeout: float | None) -> set | None:
        """The next batch of raw events; empty after timeout seconds without one; None once stop is set."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not stop.is_set():
            left = 0.05 if deadline is None else min(0.05, deadline - time.monotonic())
            if left <= 0:
                return set()
            try:
                item = self.events.get(timeout=left)
            except queue.Empty:
                continue
            return self.rewatch() if isinstance(item, Exception) else item
        return None

    def rewatch(self) -> set:
        """Notify failed (e.g. its event queue overflowed): walk and watch again; every path may have changed."""
        self.scan()
        self.watched = []
        self.arm()
        return {LOST}

    def interpret(self, batch: set) -> set[str]:
        """The changed files a batch of raw events stands for; walks again when folders came or went."""
        changed: set[str] = set(self.paths) if LOST in batch else set()  # a folder means: read everything
        folders: set[str] = set()
        for change, path in batch - {LOST}:
            kind = self.classify(change, path)
            if kind == "file":
                changed.add(path)
            elif kind == "folder":
                folders.add(path)
        for path in changed:
            if os.path.isfile(path):
                self.files.add(path)
            else:
                self.files.discard(path)
        if folders:
            before = self.files
            self.scan()
            self.watched = []  # a folder renamed over another keeps its name, not its inode: watch anew
            self.arm()
            changed |= before ^ self.files
            changed |= {file for file in self.files if any(file.startswith(folder + os.sep) for folder in folders)}
        return changed

    def inside(self, path: str) -> bool:
        """The path is an entry the build reads in a watched folder."""
        return os.path.dirname(path) in self.folders and not is_ignored(os.path.basename(path))

    def classify(self, change: int, path: str) -> str:
        """'file' (report it), 'folder' (walk again and report the files below it) or 'ignore'."""
        if path in self.folders or (os.path.isdir(path) and (path in self.paths or self.inside(path))):
            # a watched folder whose own times changed needs nothing; one that came or went does
            return "ignore" if change == Change.modified and path in self.folders else "folder"
        if path in self.paths:
            return "file"  # a single watched file such as config.yaml
        if not self.inside(path):
            return "ignore"
        if change == Change.deleted and path not in self.files:
            return "folder"  # a folder renamed or removed (its files are found by walking again), or noise
        return "file"
