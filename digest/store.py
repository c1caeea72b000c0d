"""The dependency record: what the last build of an output folder was made from, kept in the build cache.

For each output folder the cache holds a snapshot of the last good build (never in the output):

* `files`: every input file's stat signature and content hash, so the next build re-reads only
  the files whose bytes changed (an edit that keeps a file's size and time still changes its
  ctime, so it is seen; a mere `touch` costs one hash);
* `groups`: each article's linked records (all its languages) and the problems found in it;
* `blobs`: the catalog (one compact line per article: what lists, editions and feeds need), the
  editions' own settings, the standalone pages, tags, glossary, git dates, warnings;
* `pages`: every output file with the producer that makes it, its fingerprint and sitemap entry;
* `deps`: for each input key (an article, an edition's outline, one list page's slice …) the
  output files that read it — the reverse index a build follows from what changed to what to plan;
* `values`: the hash of each derived input key, to tell whether it changed.

Rows are written in one transaction at the end of a build, after the files are in place; a build
killed before that leaves the previous snapshot and a "busy" mark, so the next build plans every
page again. A snapshot of another format, or one that cannot be read, is dropped with a one-line
notice (the build then plans every page): never a wrong site.
"""
from __future__ import annotations

import contextlib
import json
import sqlite3

from .cache import Cache, decode, encode, transaction, value_sum

FORMAT = "2"  # bump when the meaning of a row changes: older snapshots are then dropped
SCHEMA_VERSION = "2"  # bump when a table's columns change: the tables are then made again

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS snap_out (path TEXT PRIMARY KEY, id INTEGER, format TEXT, setup TEXT, "
    "complete INTEGER)",
    "CREATE TABLE IF NOT EXISTS snap_file (o INTEGER, path TEXT, sig TEXT, hash TEXT, PRIMARY KEY (o, path)) "
    "WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS snap_group (o INTEGER, key TEXT, sum TEXT, value TEXT, PRIMARY KEY (o, key)) "
    "WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS snap_blob (o INTEGER, name TEXT, sum TEXT, value TEXT, PRIMARY KEY (o, name)) "
    "WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS snap_page (o INTEGER, path TEXT, producer TEXT, maker TEXT, fp TEXT, entry TEXT, "
    "lang TEXT, PRIMARY KEY (o, path)) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS snap_page_producer ON snap_page (o, producer)",
    "CREATE TABLE IF NOT EXISTS snap_dep (o INTEGER, key TEXT, path TEXT, PRIMARY KEY (o, key, path)) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS snap_dep_path ON snap_dep (o, path)",
    "CREATE TABLE IF NOT EXISTS snap_value (o INTEGER, key TEXT, value TEXT, data TEXT, PRIMARY KEY (o, key)) "
    "WITHOUT ROWID",
)
TABLES = ("snap_file", "snap_group", "snap_blob", "snap_page", "snap_dep", "snap_value")


class SnapshotError(Exception):
    """The snapshot cannot be trusted (damaged or of another format): the build plans every page."""


class Snapshot:
    """The dependency record of one output folder, read on demand and written in one transaction."""

    def __init__(self, cache: Cache, out: str, setup: str):
        self.cache = cache
        self.out = out
        self.setup = setup  # options and settings that change every page (base URL, drafts, …)
        self.id: int | None = None
        self.complete = False  # the last build into out finished and recorded everything
        self.fresh = True  # no usable snapshot: every page is planned
        self.previous_pages: list[str] = []  # of a snapshot dropped for another setup: the files it had made,
        self.previous_files: list[str] = []  # and its input files (the build may still remove them: ours)

    # --- opening ---------------------------------------------------------------------------------

    def open(self) -> None:
        """Find this output's snapshot; one of another setup or format counts as none (and is replaced)."""
        db = self.db()
        found = db.execute("SELECT value FROM meta WHERE name = 'snapshot_schema'").fetchone()
        if found is None or found[0] != SCHEMA_VERSION:
            with transaction(db):
                for table in ("snap_out", *TABLES):
                    db.execute(f"DROP TABLE IF EXISTS {table}")
                db.execute("INSERT OR REPLACE INTO meta VALUES ('snapshot_schema', ?)", (SCHEMA_VERSION,))
        for statement in SCHEMA:
            db.execute(statement)
        row = db.execute("SELECT id, format, setup, complete FROM snap_out WHERE path = ?", (self.out,)).fetchone()
        if row is None:
            self.id = (db.execute("SELECT coalesce(max(id), 0) + 1 FROM snap_out").fetchone()[0])
            db.execute("INSERT INTO snap_out VALUES (?, ?, ?, ?, 0)", (self.out, self.id, FORMAT, self.setup))
            self.fresh, self.complete = True, False
            return
        self.id = row[0]
        self.complete = bool(row[3])
        self.fresh = row[1] != FORMAT or row[2] != self.setup
        if self.fresh:
            with contextlib.suppress(sqlite3.Error):
                self.previous_pages = [p for (p,) in db.execute("SELECT path FROM snap_page WHERE o = ?", (self.id,))]
                self.previous_files = [p for (p,) in db.execute("SELECT path FROM snap_file WHERE o = ?", (self.id,))]
            self.clear()

    def db(self) -> sqlite3.Connection:
        """The cache's database connection."""
        return self.cache.connect()

    def clear(self) -> None:
        """Forget everything recorded for this output (a format or setup change, a damaged row)."""
        db = self.db()
        with transaction(db):
            for table in TABLES:
                db.execute(f"DELETE FROM {table} WHERE o = ?", (self.id,))
            db.execute("UPDATE snap_out SET format = ?, setup = ?, complete = 0 WHERE id = ?",
                       (FORMAT, self.setup, self.id))
        self.fresh, self.complete = True, False

    def mark_busy(self) -> None:
        """Say that a build is writing into the output: if it is killed, the next one plans every page."""
        self.db().execute("UPDATE snap_out SET complete = 0 WHERE id = ?", (self.id,))

    # --- reading -------------------------------------------------------------------------------------

    def files(self) -> dict[str, tuple[str, str]]:
        """Input path -> (stat signature, content hash) as the last build saw them."""
        rows = self.db().execute("SELECT path, sig, hash FROM snap_file WHERE o = ?", (self.id,))
        return {path: (sig, digest) for path, sig, digest in rows}

    def groups(self, keys) -> dict[str, object]:
        """The recorded values of some groups (articles); a damaged row raises SnapshotError."""
        return self.checked_rows("snap_group", "key", keys)

    def blob(self, name: str, default=None, plain: bool = False):
        """One named value (catalog, editions, pages …), or default when there is none."""
        found = self.checked_rows("snap_blob", "name", [name], plain)
        return found.get(name, default)

    def checked_rows(self, table: str, column: str, keys, plain: bool = False) -> dict:
        """Rows of a checksummed table, decoded (plain: JSON's own types, read as they are)."""
        keys = list(keys)
        found: dict = {}
        db = self.db()
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            rows = db.execute(f"SELECT {column}, sum, value FROM {table} WHERE o = ? AND {column} IN "
                              f"({','.join('?' * len(chunk))})", (self.id, *chunk)).fetchall()
            for key, checksum, text in rows:
                if checksum != value_sum(text):
                    raise SnapshotError(f"the record of {key} is damaged")
                try:
                    found[key] = json.loads(text) if plain else decode(text)
                except (ValueError, TypeError, KeyError) as exc:
                    raise SnapshotError(f"the record of {key} cannot be read ({exc})") from None
        return found

    def pages_of(self, producers) -> dict[str, list[str]]:
        """Producer -> the output files it made last time."""
        producers = list(producers)
        found: dict = {p: [] for p in producers}
        db = self.db()
        for start in range(0, len(producers), 500):
            chunk = producers[start:start + 500]
            rows = db.execute(f"SELECT producer, path FROM snap_page WHERE o = ? AND producer IN "
                              f"({','.join('?' * len(chunk))})", (self.id, *chunk))
            for producer, path in rows:
                found[producer].append(path)
        return found

    def page_rows(self, paths) -> dict[str, tuple]:
        """Path -> (producer, maker, fingerprint, sitemap entry, language) of the given output files."""
        paths = list(paths)
        found: dict = {}
        db = self.db()
        for start in range(0, len(paths), 500):
            chunk = paths[start:start + 500]
            rows = db.execute(f"SELECT path, producer, maker, fp, entry, lang FROM snap_page WHERE o = ? AND path IN "
                              f"({','.join('?' * len(chunk))})", (self.id, *chunk))
            for path, producer, maker, fp, entry, lang in rows:
                found[path] = (producer, tuple(json.loads(maker)), fp, entry, lang)
        return found

    def all_pages(self) -> dict[str, tuple]:
        """Every output file's (fingerprint, sitemap entry): the whole record (a full build compares with it)."""
        rows = self.db().execute("SELECT path, fp, entry FROM snap_page WHERE o = ?", (self.id,))
        return {path: (fp, entry) for path, fp, entry in rows}

    def entries(self) -> list[tuple[str, str]]:
        """(path, sitemap entry) of every listed page, in path order."""
        rows = self.db().execute("SELECT path, entry FROM snap_page WHERE o = ? AND entry IS NOT NULL "
                                 "ORDER BY path", (self.id,))
        return list(rows)

    def dependents(self, keys) -> set[str]:
        """The output files that read any of these input keys."""
        keys = list(keys)
        found: set = set()
        db = self.db()
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            rows = db.execute(f"SELECT path FROM snap_dep WHERE o = ? AND key IN ({','.join('?' * len(chunk))})",
                              (self.id, *chunk))
            found.update(path for (path,) in rows)
        return found

    def values(self, keys) -> dict[str, str]:
        """The recorded hashes of some derived input keys."""
        keys = list(keys)
        found: dict = {}
        db = self.db()
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            rows = db.execute(f"SELECT key, value FROM snap_value WHERE o = ? AND key IN "
                              f"({','.join('?' * len(chunk))})", (self.id, *chunk))
            found.update(rows)
        return found

    def data(self, keys) -> dict:
        """The recorded values themselves (JSON) of some derived keys that keep them (list pages)."""
        keys = list(keys)
        found: dict = {}
        db = self.db()
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            rows = db.execute(f"SELECT key, data FROM snap_value WHERE o = ? AND data IS NOT NULL AND key IN "
                              f"({','.join('?' * len(chunk))})", (self.id, *chunk))
            found.update((key, json.loads(data)) for key, data in rows)
        return found

    def values_like(self, prefix: str) -> dict[str, str]:
        """The recorded hashes of every derived key starting with prefix (one list's pages)."""
        rows = self.db().execute("SELECT key, value FROM snap_value WHERE o = ? AND key >= ? AND key < ?",
                                 (self.id, prefix, prefix + "\uffff"))
        return dict(rows)

    # --- writing -------------------------------------------------------------------------------------

    def save(self, update: "Update") -> None:
        """Write one build's changes in one transaction and mark the snapshot complete."""
        db = self.db()
        o = self.id
        with transaction(db):
            if update.full:
                for table in TABLES:
                    db.execute(f"DELETE FROM {table} WHERE o = ?", (o,))
            db.executemany("DELETE FROM snap_file WHERE o = ? AND path = ?", [(o, p) for p in update.files_gone])
            db.executemany("INSERT OR REPLACE INTO snap_file VALUES (?, ?, ?, ?)",
                           [(o, p, sig, digest) for p, (sig, digest) in update.files.items()])
            db.executemany("DELETE FROM snap_group WHERE o = ? AND key = ?", [(o, k) for k in update.groups_gone])
            db.executemany("INSERT OR REPLACE INTO snap_group VALUES (?, ?, ?, ?)",
                           [(o, k, value_sum(text), text) for k, text in update.groups.items()])
            db.executemany("INSERT OR REPLACE INTO snap_blob VALUES (?, ?, ?, ?)",
                           [(o, k, value_sum(text), text) for k, text in encoded(update.blobs)])
            plain = [(k, json.dumps(v, ensure_ascii=False, separators=(",", ":"))) for k, v in update.plain.items()]
            db.executemany("INSERT OR REPLACE INTO snap_blob VALUES (?, ?, ?, ?)",
                           [(o, k, value_sum(text), text) for k, text in plain])
            gone = list(update.pages_gone)
            db.executemany("DELETE FROM snap_page WHERE o = ? AND path = ?", [(o, p) for p in gone])
            db.executemany("INSERT OR REPLACE INTO snap_page VALUES (?, ?, ?, ?, ?, ?, ?)",
                           [(o, path, producer, json.dumps(maker, ensure_ascii=False, separators=(",", ":")),
                             fp, entry, lang) for path, (producer, maker, fp, entry, lang) in update.pages.items()])
            replanned = [(o, p) for p in (*gone, *update.deps)]
            if not update.full:
                db.executemany("DELETE FROM snap_dep WHERE o = ? AND path = ?", replanned)
            db.executemany("INSERT OR IGNORE INTO snap_dep VALUES (?, ?, ?)",
                           [(o, key, path) for path, keys in update.deps.items() for key in keys])
            db.executemany("DELETE FROM snap_value WHERE o = ? AND key = ?", [(o, k) for k in update.values_gone])
            db.executemany("INSERT OR REPLACE INTO snap_value VALUES (?, ?, ?, ?)",
                           [(o, k, v, update.data.get(k)) for k, v in update.values.items()])
            db.execute("UPDATE snap_out SET complete = 1, format = ?, setup = ? WHERE id = ?",
                       (FORMAT, self.setup, o))
        self.fresh, self.complete = False, True


def output_folders(cache: Cache) -> list[str]:
    """Every output folder the cache holds a record of (one that was built into, not merely tried)."""
    with contextlib.suppress(sqlite3.Error):
        return [path for (path,) in cache.connect().execute(
            "SELECT path FROM snap_out AS s WHERE EXISTS (SELECT 1 FROM snap_page AS p WHERE p.o = s.id)")]
    return []


def encoded(values: dict):
    """(key, JSON text) of values that JSON can hold (a value it cannot is left out: it is made again)."""
    for key, value in values.items():
        with contextlib.suppress(TypeError, ValueError):
            text = encode(value)
            text.encode("utf-8")
            yield key, text


class Update:
    """What one build changes in the snapshot (see Snapshot.save)."""

    def __init__(self, full: bool):
        self.full = full  # everything was planned: the old rows are replaced, not patched
        self.files: dict = {}
        self.files_gone: set = set()
        self.groups: dict = {}  # key -> JSON text (engine.group_value)
        self.groups_gone: set = set()
        self.blobs: dict = {}
        self.plain: dict = {}  # blobs of JSON's own types, written as they are (the catalog)
        self.pages: dict = {}  # path -> (producer, maker, fingerprint, sitemap entry or None, language)
        self.pages_gone: set = set()
        self.deps: dict = {}  # path -> input keys it read (for every page planned this build)
        self.values: dict = {}
        self.data: dict = {}  # key -> JSON of the value itself, for the keys a partial build may read back
        self.values_gone: set = set()
