"""check --stamp: record in a reviewed translation the hash of its original's text.

The one place check writes: a text edit of the translation's front matter (yamledit.py, which
`translate import` uses too) that keeps every other byte of the file as it was, verified by
parsing it again, written atomically.
"""
from __future__ import annotations

from pathlib import Path

from .config import load_config
from .content import Document, load_content
from .errors import DigestError, error
from .frontmatter import parse_front_matter
from .sources import decode_text, relative
from .translations import source_hash
from .writer import write_atomic
from .yamledit import Quoted, edit_mapping

FENCES = ("---", "...")


def stamp_translation(root: Path, target: str) -> tuple[str, str]:
    """Write `translation.source_hash` into the translation at target; return (shown path, hash)."""
    root = root.resolve()
    path = find_file(root, target)
    config, problems = load_config(root)
    loaded = load_content(config, {}, problems)
    shown = relative(path, root)
    doc = next((d for d in loaded.documents if d.path.resolve() == path), None)
    if doc is None:
        mine = [p for p in problems if p.path == shown and p.level == "error"]
        raise DigestError(mine or error(shown, None, "this file is not an article or page",
                                        "stamp a translation such as content/editions/DATE/slug.en.md",
                                        code="stamp"))
    if doc.lang == config.original_language:
        raise DigestError(error(shown, None, "this is an original, not a translation",
                                f"stamp its translation instead, e.g. {doc.stem}.{config.codes[-1]}.md",
                                code="stamp"))
    original = next((d for d in loaded.documents if (d.kind, d.edition, d.stem, d.lang) ==
                     (doc.kind, doc.edition, doc.stem, config.original_language)), None)
    if original is None:
        raise DigestError(error(shown, None, f"there is no original {doc.stem}.{config.original_language}.md "
                                "to stamp against", "check the file name", code="stamp"))
    value = source_hash(original)
    data = path.read_bytes()
    new = stamped_bytes(data, doc, value, shown)
    if new != data:
        write_atomic(path, new, durable=True)
    return shown, value


def find_file(root: Path, target: str) -> Path:
    """The file named on the command line (relative to the current folder or the project), in content/."""
    candidates = [Path(target).expanduser()] + ([root / target] if not Path(target).is_absolute() else [])
    path = next((p.resolve() for p in candidates if p.is_file()), None)
    if path is None:
        raise DigestError(error(target, None, "no such file", "name the translation, e.g. "
                                "content/editions/2020-12-21/sanmin-activity.en.md", code="stamp"))
    if not path.is_relative_to(root / "content") or path.suffix != ".md":
        raise DigestError(error(target, None, "only Markdown files under content/ can be stamped",
                                "name a translation such as content/editions/DATE/slug.en.md", code="stamp"))
    return path


def stamped_bytes(data: bytes, doc: Document, value: str, shown: str) -> bytes:
    """The file with source_hash set in its front matter; every other byte kept (yamledit)."""
    lines = data.decode("utf-8").splitlines(keepends=True)
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip("\r\n").rstrip() in FENCES), None)
    if end is None:
        raise DigestError(error(shown, 1, "the front matter is never closed", "add the closing `---`", code="stamp"))
    quoted = f'"{value}"'
    if "translation" in doc.meta and not isinstance(doc.meta["translation"], dict):
        raise DigestError(error(shown, doc.key_lines.get("translation"), "cannot add source_hash to this "
                                "`translation:` value", f"write `translation:` as a mapping, or add "
                                f"`source_hash: {quoted}` to it by hand", code="stamp"))
    head = edit_mapping("".join(lines[1:end]), {"translation": {"source_hash": Quoted(value)}},
                        eol=line_end(lines[0]))
    new = (lines[0] + head + "".join(lines[end:])).encode("utf-8")
    verify(data, new, value, shown)
    return new


def line_end(line: str) -> str:
    """The newline a line ends with ('\\n' when it has none)."""
    return line[len(line.rstrip("\r\n")):] or "\n"


def verify(old: bytes, new: bytes, value: str, shown: str) -> None:
    """Refuse an edit that changed anything but translation.source_hash."""
    before, after = parse(old, shown), parse(new, shown)
    expected = dict(before.meta)
    translation = dict(expected.get("translation") or {})
    translation["source_hash"] = value
    expected["translation"] = translation
    if after.problems or after.meta != expected or after.body != before.body:
        raise DigestError(error(shown, before.key_lines.get("translation", 1),
                                "could not add source_hash without changing something else",
                                f"add `source_hash: \"{value}\"` under `translation:` by hand", code="stamp"))


def parse(data: bytes, shown: str):
    """Front matter of file bytes (problems included)."""
    text, problem = decode_text(data, shown)
    if problem:
        raise DigestError(problem)
    return parse_front_matter(text, shown)
