"""The project's build cache: one SQLite file in the cache folder (never in the output).

Why SQLite: entries are read on demand (a build after a one-article edit reads the HTML of the
pages it renders, not of the whole site), writes are transactional (a build killed half-way leaves
the last good state), and it is in the standard library. Values are JSON with tagged dates, never
pickle, so a cache file that someone else wrote cannot run code. Every value carries a checksum:
a damaged entry is a miss, a damaged file is reported in one line and started again; neither can
change the output.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import sqlite3
import sys
from pathlib import Path

from .errors import Problem
from .markdown import VERSION as MARKDOWN_VERSION

# Bump when the meaning of an entry changes: an older cache is then started again. Bodies are cached by
# the hash of their text alone, so a change to the HTML made of them (markdown.VERSION) starts it again too.
FORMAT = f"5/{MARKDOWN_VERSION}"
FILE_NAME = "cache.sqlite"
KINDS = ("parsed", "derived", "html", "output", "busy")


def default_cache_dir(root: Path) -> Path:
    """Where a project keeps its build state: .cache/digest/ (ignored by git)."""
    return root / ".cache" / "digest"


class Cache:
    """Entries by (kind, key): parsed files and body facts by content hash, body HTML, output records."""

    def __init__(self, folder: Path, notice=None):
        self.folder = folder
        self.path = folder / FILE_NAME
        self.notice = notice or (lambda line: print(line, file=sys.stderr))
        self.db: sqlite3.Connection | None = None

    def connect(self) -> sqlite3.Connection:
        """The open database; a damaged or foreign file is reported and replaced by an empty one."""
        if self.db is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            try:
                self.db = self.open_db()
            except sqlite3.DatabaseError as exc:
                self.reset(exc)
        return self.db

    def open_db(self) -> sqlite3.Connection:
        """Open (or create) the file and check that it is a cache of this format."""
        db = sqlite3.connect(str(self.path), timeout=30, isolation_level=None, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")  # commits without waiting for the disk; a kill still loses nothing
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)")
            db.execute("CREATE TABLE IF NOT EXISTS entries (kind TEXT, key TEXT, sum TEXT, value TEXT, "
                       "PRIMARY KEY (kind, key)) WITHOUT ROWID")
            row = db.execute("SELECT value FROM meta WHERE name = 'format'").fetchone()
            if row is None:
                db.execute("INSERT OR REPLACE INTO meta VALUES ('format', ?)", (str(FORMAT),))
            elif row[0] != str(FORMAT):
                db.execute("DELETE FROM entries")
                db.execute("UPDATE meta SET value = ? WHERE name = 'format'", (str(FORMAT),))
            db.execute("SELECT count(*) FROM entries").fetchone()  # reads every page of the table's index
        except BaseException:
            db.close()
            raise
        return db

    def reset(self, exc: Exception) -> None:
        """Replace a damaged cache file by an empty one, saying so in one line."""
        if self.db is not None:
            with contextlib.suppress(sqlite3.Error):
                self.db.close()
            self.db = None
        self.notice(f"{self.path}: the build cache was damaged ({exc}); starting it again — "
                    "this build renders every page")
        for suffix in ("", "-journal", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(str(self.path) + suffix)
        self.db = self.open_db()

    def guarded(self, action, fallback):
        """Run action(db); on a damaged database start it again and return fallback."""
        try:
            return action(self.connect())
        except sqlite3.DatabaseError as exc:
            self.reset(exc)
            return fallback

    def get_many(self, kind: str, keys) -> dict:
        """The entries of kind among keys that are present and intact."""
        keys = list(keys)
        found: dict = {}

        def read(db):
            for start in range(0, len(keys), 500):
                chunk = keys[start:start + 500]
                rows = db.execute(f"SELECT key, sum, value FROM entries WHERE kind = ? AND key IN "
                                  f"({','.join('?' * len(chunk))})", (kind, *chunk)).fetchall()
                found.update(self.decode_rows(rows))
            return found
        return self.guarded(read, {})

    def get_all(self, kind: str) -> dict:
        """Every intact entry of kind."""
        return self.guarded(lambda db: self.decode_rows(
            db.execute("SELECT key, sum, value FROM entries WHERE kind = ?", (kind,)).fetchall()), {})

    def keys(self, kind: str) -> list[str]:
        """The keys of every entry of kind."""
        return self.guarded(lambda db: [k for (k,) in db.execute("SELECT key FROM entries WHERE kind = ?", (kind,))],
                            [])

    def get(self, kind: str, key: str):
        """One entry, or None."""
        return self.get_many(kind, [key]).get(key)

    def decode_rows(self, rows) -> dict:
        """Rows whose checksum matches, decoded; a damaged entry is left out (it is made again)."""
        found = {}
        for key, checksum, text in rows:
            if isinstance(text, str) and checksum == value_sum(text):
                with contextlib.suppress(ValueError, TypeError, KeyError):
                    found[key] = decode(text)
        return found

    def put_many(self, kind: str, items: dict, plain: bool = False) -> None:
        """Store entries of kind, in one transaction (plain: values of JSON's own types only, written as they are)."""
        if not items:
            return
        rows = []
        for key, value in items.items():
            try:
                text = json.dumps(value, ensure_ascii=False, separators=(",", ":")) if plain else encode(value)
                text.encode("utf-8")  # lone surrogates cannot be stored
            except (TypeError, ValueError):
                continue  # a value JSON cannot hold (rare YAML): it is simply parsed again next time
            rows.append((kind, key, value_sum(text), text))

        def write(db):
            with transaction(db):
                db.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?)", rows)
        self.guarded(write, None)

    def delete(self, kind: str, key: str) -> None:
        """Remove one entry."""
        def drop(db):
            db.execute("DELETE FROM entries WHERE kind = ? AND key = ?", (kind, key))
        self.guarded(drop, None)

    def prune(self, kind: str, live, gone=None) -> None:
        """Delete entries of kind whose key is not in live (content that no longer exists), or just those in gone."""
        live = set(live)

        def drop(db):
            keys = gone if gone is not None else [k for (k,) in db.execute("SELECT key FROM entries WHERE kind = ?",
                                                                          (kind,))]
            stale = [(kind, k) for k in keys if k not in live]
            if stale:
                with transaction(db):
                    db.executemany("DELETE FROM entries WHERE kind = ? AND key = ?", stale)
        self.guarded(drop, None)

    def close(self) -> None:
        """Close the database (the next use opens it again)."""
        if self.db is not None:
            with contextlib.suppress(sqlite3.Error):
                self.db.close()
            self.db = None


@contextlib.contextmanager
def transaction(db: sqlite3.Connection):
    """One write transaction (the connection is in autocommit mode otherwise)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def value_sum(text: str) -> str:
    """The checksum stored beside a value."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


TAG = "\x00"  # starts the one key of an object that stands for a tuple, a date or a problem


def encode(value) -> str:
    """A value as JSON; tuples, dates and problems tagged so that they come back as the same types."""
    return json.dumps(tag(value), ensure_ascii=False, separators=(",", ":"))


def decode(text: str):
    """The value encode() wrote."""
    return json.loads(text, object_hook=untag)


def tag(value):
    """JSON-ready form: str, numbers, lists and dicts with text keys stay as they are; the rest is tagged."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, list):
        return [tag(v) for v in value]
    if isinstance(value, dict):
        if all(type(k) is str and not k.startswith(TAG) for k in value):
            return {k: tag(v) for k, v in value.items()}
        return {TAG + "d": [[tag(k), tag(v)] for k, v in value.items()]}
    if isinstance(value, tuple):
        return {TAG + "t": [tag(v) for v in value]}
    if isinstance(value, dt.datetime):
        return {TAG + "T": value.isoformat()}
    if isinstance(value, dt.date):
        return {TAG + "D": value.isoformat()}
    if isinstance(value, Problem):
        return {TAG + "P": [value.path, value.line, value.message, value.hint, value.level, value.code]}
    raise TypeError(f"cannot cache a {type(value).__name__}")


def untag(obj: dict):
    """json's object hook: a tagged object back to its type (the inverse of tag())."""
    if len(obj) != 1:
        return obj
    (name, inner), = obj.items()
    if not name.startswith(TAG):
        return obj
    kind = name[1:]
    if kind == "t":
        return tuple(inner)
    if kind == "d":
        return {hashable(k): v for k, v in inner}
    if kind == "T":
        return dt.datetime.fromisoformat(inner)
    if kind == "D":
        return dt.date.fromisoformat(inner)
    if kind == "P":
        return Problem(*inner)
    raise ValueError(f"unknown cache tag {name!r}")


def hashable(key):
    """A decoded dict key (lists cannot be keys: YAML never makes them)."""
    if isinstance(key, list):
        raise ValueError("a list as a mapping key")
    return key
