"""Finding and reading the user's files: the one walker and ignore rule; UTF-8 only, BOM stripped, newlines normalised."""
from __future__ import annotations

import fnmatch
import os
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path

from .errors import Problem, error, warning
from .urls import (MAX_SEGMENT_BYTES, SUSPECT_NAME_RE, WINDOWS_RESERVED, is_windows_reserved,  # noqa: F401 - re-exported
                   name_problem)


def read_text(path: Path, shown: str, found: list | None = None) -> tuple[str | None, Problem | None]:
    """Read a UTF-8 text file; return (text, None) or (None, problem naming the byte offset).

    found: a list to which the problems of unclean characters are added (see decode_text).
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, error(shown, None, f"cannot read the file ({exc.strerror})", "check its permissions")
    return decode_text(data, shown, found)


def decode_text(data: bytes, shown: str, found: list | None = None) -> tuple[str | None, Problem | None]:
    """Decode bytes as UTF-8 with BOM stripped, newlines normalised to \\n and unclean characters removed.

    Control characters and noncharacters (REMOVED_RE) never reach a page, a feed or the search index:
    they are taken out here, where every reader of the user's text passes. found, when given, gets a
    warning for each (and an error for each bidi control, which is left for the editor to decide on).
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, error(
            shown, line,
            f"the file is not UTF-8 (bad byte 0x{data[exc.start]:02x} at offset {exc.start})",
            "save it as UTF-8 (in most editors: Save with Encoding → UTF-8; "
            "or `iconv -f GB18030 -t UTF-8`)",
            code="not-utf8",
        )
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if UNCLEAN_RE.search(text) or ("&#" in text and UNCLEAN_REFERENCE_RE.search(text)):
        if found is not None:
            found += unclean_problems(text, shown)
        text = remove_unclean(text)
    return text, None


# Characters that mean nothing to a reader and are invalid in HTML or XML (a feed with one is broken):
# C0 controls but tab and newline, DEL, C1 controls, noncharacters. Pasted from Word (U+000B is its line
# break), PDFs and terminals (U+001B); invisible, so removing them changes nothing a reader could see: a warning.
REMOVED_CHARS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff" + "".join(
    f"{chr(plane * 0x10000 + 0xfffe)}{chr(plane * 0x10000 + 0xffff)}" for plane in range(1, 17))
# Bidi embeddings, overrides and isolates reorder what a reader sees: a title can read otherwise than it is
# written. Removing one may change how legitimate right-to-left text reads, keeping it may disguise text:
# the editor decides, so they are errors, and a build with one stops.
BIDI_CHARS = "\u202a-\u202e\u2066-\u2069"
REMOVED_RE = re.compile(f"[{REMOVED_CHARS}]")
BIDI_RE = re.compile(f"[{BIDI_CHARS}]")
UNCLEAN_RE = re.compile(f"[{REMOVED_CHARS}{BIDI_CHARS}]")
# The same characters written as HTML character references (&#11; &#x202E;) in Markdown.
UNCLEAN_REFERENCE_RE = re.compile(r"&#(?:[xX]0*([0-9a-fA-F]{1,6})|0*([0-9]{1,7}));?")
CONTROL_NAMES = {0x00: "NUL", 0x07: "bell", 0x08: "backspace", 0x0b: "vertical tab, Word's line break",
                 0x0c: "form feed", 0x1b: "escape", 0x7f: "delete"}


def reference_char(match: re.Match) -> str:
    """The character a numeric character reference stands for ('' when none)."""
    number = int(match.group(1), 16) if match.group(1) else int(match.group(2))
    return chr(number) if number < 0x110000 else ""


def remove_unclean(text: str) -> str:
    """The text without REMOVED_RE characters, also when written as character references (bidi ones stay)."""
    text = REMOVED_RE.sub("", text)
    if "&#" in text:
        text = UNCLEAN_REFERENCE_RE.sub(lambda m: "" if removed_reference(m) else m.group(), text)
    return text


def written_as_reference(match: re.Match) -> bool:
    """The match is a character reference, not the character itself."""
    return match.re is UNCLEAN_REFERENCE_RE


def removed_reference(match: re.Match) -> bool:
    """A reference to a character REMOVED_RE takes out (C1 references excepted: browsers read them as windows-1252)."""
    char = reference_char(match)
    return bool(char) and REMOVED_RE.match(char) is not None and not "\x80" <= char <= "\x9f"


def unclean_problems(text: str, shown: str) -> list[Problem]:
    """A warning for each removed character and an error for each bidi control, by line, once per kind and line."""
    found = {}
    for match in list(UNCLEAN_RE.finditer(text)) + list(UNCLEAN_REFERENCE_RE.finditer(text)):
        char = match.group() if match.re is UNCLEAN_RE else reference_char(match)
        if not char or not UNCLEAN_RE.match(char) or (written_as_reference(match) and "\x80" <= char <= "\x9f"):
            continue  # &#150; is no control character: browsers read it as windows-1252 (an en dash)
        line = text.count("\n", 0, match.start()) + 1
        written = "" if match.re is UNCLEAN_RE else f" written as {match.group()}"
        found.setdefault((line, char), describe_unclean(shown, line, char, written))
    return list(found.values())


def describe_unclean(shown: str, line: int, char: str, written: str) -> Problem:
    """The problem of one unclean character, in an editor's words."""
    code = f"U+{ord(char):04X}"
    if BIDI_RE.match(char):
        name = unicodedata.name(char, "bidi control").lower()
        return error(shown, line, f"a bidi control character {code} ({name}){written}: it reorders what readers "
                     "see, so the text can read otherwise than it is written",
                     "delete it (editors show it as nothing or as a box); if right-to-left text needs its "
                     "direction marked, use U+200F (right-to-left mark) instead", code="bidi-control")
    name = CONTROL_NAMES.get(ord(char), "a noncharacter" if unicodedata.category(char) == "Cn" else "control")
    return warning(shown, line, f"an invisible control character {code} ({name}){written}: it is removed from "
                   "every page, feed and the search index", "delete it; it often comes with text pasted from "
                   "Word, a PDF or a terminal", code="control-character")


# The one ignore rule (STYLE 16): build, check, serve and the watcher all ask these.
LEFTOVER_PATTERNS = ("#*#", ".#*", "*~", "*.swp", "*.swo", "*.swx", "*.tmp", "*.orig", "*.rej", "*.bak",
                     ".DS_Store", "Thumbs.db", "desktop.ini", "4913")  # editors' and systems' leftovers
SECRET_PATTERNS = ("id_rsa*", "id_dsa*", "id_ecdsa*", "id_ed25519*", "*.pem", "*.key", "*.p12", "*.pfx",
                   "*.crt", "*.cer", "*.jks", "*.keystore", "*.ppk", "*.kdbx", ".env", ".env.*", "*.env",
                   ".htpasswd", ".netrc", ".pgpass", ".npmrc", ".pypirc", "credentials.json")


@dataclass
class Walk:
    """What a walk found: the files to use, the problems, and the leftovers it skipped (for check).

    paths are the files as text with their stat results (the engine compares them with the last
    build's, so a build after one edit reads one file); files gives them as Paths.
    """

    paths: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)
    stats: dict = field(default_factory=dict)  # path -> os.stat_result of the file (a link's target)

    @property
    def files(self) -> list[Path]:
        """The files to use, as Paths, in a stable order."""
        return [Path(p) for p in self.paths]


def pattern_re(patterns: tuple) -> re.Pattern:
    """One regular expression for a tuple of shell patterns (a walk asks it of every name)."""
    return re.compile("|".join(fnmatch.translate(pattern.lower()) for pattern in patterns))


SECRET_RE, LEFTOVER_RE = pattern_re(SECRET_PATTERNS), pattern_re(LEFTOVER_PATTERNS)


def pattern_parts(patterns: tuple) -> tuple[frozenset, tuple, tuple, tuple]:
    """Shell patterns sorted by shape, for tests a walk can make with string methods: (exact names,
    prefixes of `X*`, suffixes of `*X`, the other patterns)."""
    exact, prefixes, suffixes, other = set(), [], [], []
    for pattern in (p.lower() for p in patterns):
        inner = pattern.strip("*")
        if any(c in inner for c in "*?[") or pattern.startswith("*") and pattern.endswith("*") and len(pattern) > 1:
            other.append(pattern)
        elif pattern.startswith("*"):
            suffixes.append(inner)
        elif pattern.endswith("*"):
            prefixes.append(inner)
        else:
            exact.add(pattern)
    return frozenset(exact), tuple(prefixes), tuple(suffixes), tuple(other)


# One test of a lower-cased name for the walk's fast path: hidden, secret or leftover (the ignore rule), or a
# name that urls.name_problem may object to (urls.SUSPECT_NAME_RE's cases). Most names are plain, so the test
# is made of string methods and a character search: a regular expression of the shell patterns, each
# starting with `.*`, costs a walk of 40,000 files some 70 ms.
NOTICED_EXACT, NOTICED_PREFIXES, NOTICED_SUFFIXES, _other = pattern_parts((".*",) + SECRET_PATTERNS + LEFTOVER_PATTERNS)
NOTICED_OTHER_RE = re.compile("|".join([fnmatch.translate(p) for p in _other]
                                       + [r"\s", r"(?:con|prn|aux|nul|com[1-9]|lpt[1-9])\s*(?:\.|\Z)"]), re.S)
NOTICED_CHAR_RE = re.compile(r'[\x00-\x1f\x7f<>:"|?*\\]')


def noticed(lower: str) -> bool:
    """A lower-cased name that the walk must look at closely (see NOTICED_EXACT …): False for a plain name."""
    return (lower in NOTICED_EXACT or lower.startswith(NOTICED_PREFIXES) or lower.endswith(NOTICED_SUFFIXES)
            or lower[-1:].isspace() or lower.endswith(".") or NOTICED_CHAR_RE.search(lower) is not None
            or NOTICED_OTHER_RE.match(lower) is not None)


def is_secret(name: str) -> bool:
    """A private key, certificate, password store or environment file: never published (case-insensitive)."""
    return SECRET_RE.match(name.lower()) is not None


def is_leftover(name: str) -> bool:
    """An editor's backup, swap or autosave file, or a system's folder metadata (case-insensitive)."""
    return LEFTOVER_RE.match(name.lower()) is not None


def is_ignored(name: str) -> bool:
    """The one ignore rule: hidden names, leftovers and secrets are never read, published or watched."""
    return name.startswith(".") or is_leftover(name) or is_secret(name)


def walk(root: Path) -> Iterator[tuple[str, list[str]]]:
    """(folder, its file names) for root and every folder below it, ignored names and linked folders skipped.

    The watcher's view (it watches each folder on its own); the build's is walk_files.
    """
    if not root.is_dir():
        return
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not is_ignored(d))
        yield folder, sorted(name for name in files if not is_ignored(name))


def walk_files(root: Path, project: Path | None = None) -> Walk:
    """Every file below root to use, in a stable order, with the problems met on the way.

    Ignored names are skipped (secrets with a warning naming them, leftovers listed in
    `skipped`); links are followed while their target stays inside project (default: root's
    parent), refused when they leave it; a folder met again below itself is a loop, reported
    and not entered, so a walk always ends.
    """
    walk = Walk()
    root = Path(root)
    if not root.is_dir():
        return walk
    project = Path(project or root.parent)
    fence = os.path.realpath(project)
    real = os.path.realpath(root)
    if not within(real, fence):  # the folder itself (static/ a link to a folder elsewhere) leaves the project
        walk.problems.append(error(relative(root, project), None, f"this folder leads outside the project ({real})",
                                   "move the folder into the project instead of linking to it",
                                   code="link-outside"))
        return walk
    visit_folder(str(root), project, fence, walk, (real,), set())
    return walk


def within(real: str, fence: str) -> bool:
    """A resolved path is the fence or below it."""
    return real == fence or real.startswith(fence.rstrip(os.sep) + os.sep)


def visit_folder(folder: str, project: Path, fence: str, walk: Walk, ancestors: tuple, linked: set) -> None:
    """Add the files of one folder to walk, then its subfolders' (see walk_files)."""
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=attrgetter("name"))
    except OSError as exc:
        walk.problems.append(error(relative(Path(folder), project), None, f"cannot read the folder ({exc.strerror})",
                                   "check its permissions", code="unreadable"))
        return
    append, stats = walk.paths.append, walk.stats
    for entry in entries:
        name = entry.name
        path = entry.path
        if (noticed(name.lower())
                or (len(name) > MAX_SEGMENT_BYTES // 4 and len(name.encode("utf-8", "surrogateescape")) > MAX_SEGMENT_BYTES)) \
                and skip_name(name, relative(Path(path), project), walk):
            continue
        if entry.is_file(follow_symlinks=False):  # the common case first: no realpath, no extra system call
            append(path)
            stats[path] = entry.stat(follow_symlinks=False)
            continue
        if entry.is_dir(follow_symlinks=False):
            visit_folder(path, project, fence, walk, ancestors + (os.path.join(ancestors[-1], name),), linked)
            continue
        if not entry.is_symlink():
            continue  # a socket, a pipe, a device: not content
        shown = relative(Path(path), project)
        real = os.path.realpath(path)
        if not link_allowed(Path(path), real, fence, shown, walk):
            continue
        if not os.path.isdir(real):
            append(path)
            stats[path] = os.stat(real)
        elif real in ancestors:
            walk.problems.append(error(shown, None, "this link leads back to a folder that contains it "
                                       "(a link loop)", "remove the link", code="link-loop"))
        elif real in linked:
            walk.problems.append(warning(shown, None, "another link already leads to the same folder: "
                                         "it is read once", "remove one of the links", code="link-twice"))
        else:
            linked.add(real)  # each linked folder once: links cannot multiply a walk
            visit_folder(path, project, fence, walk, ancestors + (real,), linked)


def enter_link(path: str, folder: str, linked: set) -> bool:
    """For walkers that keep their own loop (the watcher): follow a linked folder only once, never upwards."""
    real = os.path.realpath(path)
    here = os.path.realpath(folder)
    if real in linked or here == real or here.startswith(real.rstrip(os.sep) + os.sep):
        return False
    linked.add(real)
    return True


def skip_name(name: str, shown: str, walk: Walk) -> bool:
    """Apply the ignore rule and the name rules to one entry; True when it is not to be used."""
    if is_secret(name):
        walk.problems.append(warning(shown, None, "this looks like a secret (a key, a certificate or a "
                                     "password file): it is not published", "move it out of the project",
                                     code="secret-file"))
        return True
    if is_leftover(name):
        walk.skipped.append(warning(shown, None, "an editor's backup or leftover file: it is not published",
                                    "delete it when you no longer need it", code="leftover-file"))
        return True
    if name.startswith("."):
        return True
    problem = name_problem(name)  # the one name rule, also applied to every output path (urls.path_problem)
    if problem:
        walk.problems.append(error(shown, None, f"this name cannot be checked out on every system: it {problem}",
                                   "rename it", code="unsafe-name"))
        return True
    return False


def link_allowed(path: Path, real: str, fence: str, shown: str, walk: Walk) -> bool:
    """A link is followed when its target exists inside the project; otherwise it is an error."""
    if not within(real, fence):
        walk.problems.append(error(shown, None, f"this link leads outside the project ({os.readlink(path)})",
                                   "copy the file into the project instead of linking to it", code="link-outside"))
        return False
    if not os.path.exists(real):
        walk.problems.append(error(shown, None, f"this link leads nowhere ({os.readlink(path)})",
                                   "fix or remove the link", code="broken-link-file"))
        return False
    return True


def relative(path: Path, root: Path) -> str:
    """The path as shown to the user: relative to the project root, with forward slashes."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
