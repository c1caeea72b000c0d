"""Change detection: atomic saves, bursts, new and renamed folders, deletions, nothing dropped."""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from digest.watch import Watcher, changed_paths, take_snapshot


def make_tree(tmp_path: Path) -> Path:
    """A small content folder."""
    root = tmp_path / "content"
    (root / "editions" / "2020-12-21").mkdir(parents=True)
    (root / "editions" / "2020-12-21" / "a.zh.md").write_text("---\ntitle: A\n---\nbody\n", encoding="utf-8")
    return root


def wait_in_thread(watcher: Watcher, stop: threading.Event) -> tuple[threading.Thread, list]:
    """Run watcher.wait in a thread; its result lands in the returned list."""
    box: list = []
    thread = threading.Thread(target=lambda: box.append(watcher.wait(stop)))
    thread.start()
    return thread, box


def test_atomic_save_with_same_size_and_mtime_is_seen(tmp_path):
    root = make_tree(tmp_path)
    target = root / "editions" / "2020-12-21" / "a.zh.md"
    before = target.stat()
    watcher = Watcher([root], interval=0.01, quiet=0.02)
    tmp = target.with_name(".a.zh.md.tmp")
    tmp.write_text("---\ntitle: B\n---\nbody\n", encoding="utf-8")  # same size
    os.utime(tmp, ns=(before.st_atime_ns, before.st_mtime_ns))  # same mtime: only the inode tells
    os.replace(tmp, target)
    assert watcher.wait(threading.Event()) == {str(target)}


def test_burst_of_saves_is_one_change(tmp_path):
    root = make_tree(tmp_path)
    watcher = Watcher([root], interval=0.01, quiet=0.15)
    stop = threading.Event()
    thread, box = wait_in_thread(watcher, stop)
    folder = root / "editions" / "2020-12-21"
    for i in range(5):
        (folder / f"n{i}.zh.md").write_text(f"---\ntitle: {i}\n---\n", encoding="utf-8")
        time.sleep(0.04)
    thread.join(timeout=5)
    assert box == [{str(folder / f"n{i}.zh.md") for i in range(5)}]


def test_new_folder_with_files_and_folder_rename_are_seen(tmp_path):
    root = make_tree(tmp_path)
    old = take_snapshot([root])
    new_folder = root / "editions" / "2020-12-22"
    new_folder.mkdir()
    (new_folder / "b.zh.md").write_text("x", encoding="utf-8")
    mid = take_snapshot([root])
    assert changed_paths(old, mid) == {str(new_folder / "b.zh.md")}
    os.rename(new_folder, root / "editions" / "2020-12-23")
    after = take_snapshot([root])
    assert changed_paths(mid, after) == {str(new_folder / "b.zh.md"), str(root / "editions" / "2020-12-23" / "b.zh.md")}


def test_deletion_and_single_file_watch(tmp_path):
    root = make_tree(tmp_path)
    config = tmp_path / "config.yaml"
    config.write_text("a: 1\n", encoding="utf-8")
    old = take_snapshot([root, config])
    config.unlink()
    (root / "editions" / "2020-12-21" / "a.zh.md").unlink()
    assert changed_paths(old, take_snapshot([root, config])) == {
        str(config), str(root / "editions" / "2020-12-21" / "a.zh.md")}


def test_hidden_and_backup_files_are_ignored(tmp_path):
    root = make_tree(tmp_path)
    old = take_snapshot([root])
    (root / ".a.zh.md.swp").write_text("x", encoding="utf-8")
    (root / "a.zh.md~").write_text("x", encoding="utf-8")
    assert changed_paths(old, take_snapshot([root])) == set()


def test_change_after_a_wait_is_kept_for_the_next_wait(tmp_path):
    """An edit made while a rebuild runs (between two waits) is never dropped."""
    root = make_tree(tmp_path)
    target = root / "editions" / "2020-12-21" / "a.zh.md"
    watcher = Watcher([root], interval=0.01, quiet=0.02)
    target.write_text("first edit, longer than before\n", encoding="utf-8")
    assert watcher.wait(threading.Event()) == {str(target)}
    target.write_text("second edit, made during the rebuild\n", encoding="utf-8")  # no wait() running now
    assert watcher.wait(threading.Event()) == {str(target)}


def test_wait_returns_empty_when_stopped(tmp_path):
    watcher = Watcher([make_tree(tmp_path)], interval=0.01)
    stop = threading.Event()
    thread, box = wait_in_thread(watcher, stop)
    stop.set()
    thread.join(timeout=5)
    assert box == [set()]


class SlowScanWatcher(Watcher):
    """A watcher that believes a full poll is costly, so bursts are confirmed by re-checking files."""

    def scan(self):
        snapshot = super().scan()
        self.scan_seconds = 0.02
        return snapshot


def test_burst_on_a_large_site_waits_for_the_changed_file_to_settle(tmp_path):
    root = make_tree(tmp_path)
    target = root / "editions" / "2020-12-21" / "a.zh.md"
    watcher = SlowScanWatcher([root], interval=0.01, quiet=0.03)
    stop = threading.Event()
    box: list = []
    thread = threading.Thread(target=lambda: box.extend([watcher.wait(stop), time.monotonic()]))
    thread.start()
    time.sleep(0.1)
    for i in range(10):  # a file written in pieces, 20 ms apart
        target.write_text("x" * (i + 1), encoding="utf-8")
        time.sleep(0.02)
    last_write = time.monotonic() - 0.02
    thread.join(timeout=5)
    assert box[0] == {str(target)}
    assert box[1] >= last_write  # returned only after the burst ended
    assert watcher.snapshot[str(target)][1] == 10  # the last write is the state the rebuild sees
