"""import, the writing half: the articles read from a page become draft files and join the edition's order.

Everything is planned first (slugs, file texts, the new edition.yaml) and checked (no file may be
overwritten, edition.yaml must stay the same apart from the added slugs); only then is anything
written, each file whole or not at all.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .config import load_config
from .errors import DigestError, error
from .importer import PLACEHOLDER, Article, Flag, PageImport, parse_page
from .sources import decode_text, relative
from .writer import write_atomic, write_new
from .yamlsafe import parse_yaml

SLUG_SYLLABLES = 6
FIELDS = ("kicker", "title", "subtitle", "title_note", "byline", "dateline")


@dataclass
class Draft:
    """One file to write: its slug, where, the article it holds and its text."""

    slug: str
    path: Path
    shown: str
    article: Article
    text: str


@dataclass
class ImportPlan:
    """What import would write: the drafts, edition.yaml's new text (None: unchanged), the page's own flags."""

    page_shown: str
    folder_shown: str
    page: PageImport
    drafts: list[Draft]
    section: str
    edition_path: Path
    edition_text: str | None
    added: list[str] = field(default_factory=list)


def plan_import(root: Path, page_path: Path, page_shown: str, edition: str,
                source_name: str | None = None, page_number: int | None = None) -> ImportPlan:
    """Read and split the page, make the drafts' texts and the new edition.yaml; write nothing."""
    config, _ = load_config(root)
    try:
        data = page_path.read_bytes()
    except OSError as exc:
        raise DigestError(error(page_shown, None, f"cannot read the page ({exc.strerror})",
                                "check the path to the page's text file", code="import-unreadable")) from None
    text, problem = decode_text(data, page_shown)
    if problem:
        raise DigestError(problem)
    page = parse_page(text, page_shown)
    section = next(iter(config.sections))
    folder = root / "content" / "editions" / edition
    source = source_of(source_name, page_number, edition)
    slugs = make_slugs([a.title.removeprefix(PLACEHOLDER) for a in page.articles])
    drafts = []
    for slug, article in zip(slugs, page.articles):
        path = folder / f"{slug}.{config.original_language}.md"
        drafts.append(Draft(slug, path, relative(path, root), article,
                            render_draft(article, section, source, Path(page_shown).name)))
    existing = [d for d in drafts if any(folder.glob(f"{d.slug}.*.md"))]
    if existing:
        raise DigestError([error(d.shown, None, "already exists: import never overwrites a file",
                                 "rename or remove the existing article, or import into another edition",
                                 code="exists") for d in existing])
    edition_path = folder / "edition.yaml"
    edition_shown = relative(edition_path, root)
    old = read_edition(edition_path, edition_shown)
    new, added = add_to_order(old, slugs, edition_shown)
    return ImportPlan(page_shown, relative(folder, root), page, drafts, section, edition_path,
                      new if new != old else None, added)


def write_import(plan: ImportPlan) -> None:
    """Write every draft (never over an existing file), then edition.yaml."""
    for draft in plan.drafts:
        write_new(draft.path, draft.text.encode("utf-8"))
    if plan.edition_text is not None:
        write_atomic(plan.edition_path, plan.edition_text.encode("utf-8"), durable=True)


def source_of(name: str | None, page: int | None, edition: str) -> dict | None:
    """source: {name, page, date} when the command line named the publication or the page."""
    if name is None and page is None:
        return None
    source: dict = {}
    if name is not None:
        source["name"] = name
    if page is not None:
        source["page"] = page
    source["date"] = dt.date.fromisoformat(edition)
    return source


# ---------------------------------------------------------------- slugs

def make_slugs(titles: list[str]) -> list[str]:
    """A pinyin slug per title, unique within the list (-2, -3 … on a clash)."""
    slugs: list[str] = []
    for title in titles:
        base = pinyin_slug(title)
        slug, n = base, 2
        while slug in slugs:
            slug, n = f"{base}-{n}", n + 1
        slugs.append(slug)
    return slugs


def pinyin_slug(title: str) -> str:
    """'上合示范区 “俄罗斯中心”启动' -> 'shang-he-shi-fan-qu': the first syllables of the headline."""
    from pypinyin import lazy_pinyin
    parts: list[str] = []
    for clause in re.split(r"[\s，,。；;：:！？!?、·—]+", title):
        for token in lazy_pinyin(clause):
            parts += re.findall(r"[a-z0-9]+", token.lower())
        if len(parts) >= 3:
            break
    return "-".join(parts[:SLUG_SYLLABLES]) or "article"


# ---------------------------------------------------------------- the draft's text

def render_draft(article: Article, section: str, source: dict | None, page_name: str) -> str:
    """Front matter with the import's report as comments on top, then the body in Markdown."""
    lines = ["---", f"# Imported from {page_name}, lines {article.start}–{article.end}, by `python build.py import`."]
    if article.flags:
        lines.append("# To review (the line numbers are the page's):")
        lines += [f"#   {flag_text(f)}" for f in article.flags]
    lines.append("# Done by import, to check:")
    lines += [f"#   {note}" for note in decisions(article)]
    lines.append(f"#   section: {section} is only the first section of config.yaml: set the right one")
    lines.append("# When the article is ready: delete these comments and `draft: true`.")
    meta: dict = {key: getattr(article, key) for key in FIELDS if getattr(article, key)}
    meta["section"] = section
    if source:
        meta["source"] = source
    meta["draft"] = True
    lines += [f"{key}: {yaml_value(value)}" for key, value in meta.items()]
    lines.append("---")
    body = [("## " if p.subhead else "") + markdown_text(p.text) for p in article.paragraphs]
    return "\n".join(lines) + "\n\n" + "\n\n".join(body) + "\n"


def yaml_value(value) -> str:
    """A value as YAML on one line, quoted by safe_dump wherever YAML would misread it (2020, yes, '#…')."""
    text = yaml.safe_dump(value, allow_unicode=True, width=10**6, default_flow_style=True, sort_keys=False)
    return text.rstrip("\n").removesuffix("\n...").rstrip("\n")


def flag_text(flag: Flag) -> str:
    """One line: 'line 15: what is doubtful — what to do'."""
    text = f"line {flag.line}: {flag.message}" + (f" — {flag.hint}" if flag.hint else "")
    return " ".join(text.split())


def decisions(article: Article) -> list[str]:
    """What import decided by itself, line by line, for the editor to check."""
    notes = []
    if article.kicker_line:
        notes.append(f"line {article.kicker_line}: kicker (引题)")
    if article.title_line:
        notes.append(f"line {article.title_line}: headline")
    if article.byline or article.dateline:
        found = " and ".join(k for k in ("byline", "dateline") if getattr(article, k))
        notes.append(f"{found} read from the page")
    notes += article.notes
    notes += [f"lines {a} and {b}: one paragraph broken by the layout, rejoined" for a, b in article.joins]
    notes += [f"line {p.line}: short line without final punctuation, made a subhead (##)"
              for p in article.paragraphs if p.subhead]
    return notes


def markdown_text(text: str) -> str:
    """Newspaper text as Markdown that shows it as it is: markup characters escaped, nothing else changed."""
    text = re.sub(r"([\\`*_\[])", r"\\\1", text)
    text = re.sub(r"<(?=[A-Za-z/!?])", "&lt;", text)
    text = re.sub(r"^(\d+)([.)])(?=\s)", r"\1\\\2", text)
    if re.match(r"[#>+=-]", text):
        text = "\\" + text
    return text


# ---------------------------------------------------------------- edition.yaml

def read_edition(path: Path, shown: str) -> str | None:
    """edition.yaml's text, or None when there is none."""
    if not path.is_file():
        return None
    text, problem = decode_text(path.read_bytes(), shown)
    if problem:
        raise DigestError(problem)
    return text


def add_to_order(text: str | None, slugs: list[str], shown: str) -> tuple[str, list[str]]:
    """edition.yaml's text with slugs appended to `order:`; the rest of the file kept byte for byte."""
    if text is None:
        return "order:\n" + "".join(f"  - {s}\n" for s in slugs), list(slugs)
    before = parse_yaml(text)
    if before.problems or not isinstance(before.data or {}, dict):
        line = before.problems[0][0] if before.problems else 1
        raise DigestError(error(shown, line, "edition.yaml cannot be read, so the drafts cannot join its order",
                                "fix edition.yaml, then import again", code="import-edition"))
    data = before.data or {}
    order = data.get("order") or []
    added = [s for s in slugs if s not in order]
    if not added:
        return text, []
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    if "order" not in data:
        lines.append("order:\n" + "".join(f"  - {s}\n" for s in added))
    else:
        extend_order(lines, before.key_lines["order"] - 1, added)
    new = "".join(lines)
    after = parse_yaml(new)
    expected = dict(data, order=list(order) + added)
    if after.problems or after.data != expected:
        raise DigestError(error(shown, before.key_lines.get("order"), "could not add the drafts to `order:` "
                                "without changing something else", "add these slugs to `order:` by hand: "
                                + ", ".join(added), code="import-edition"))
    return new, added


def extend_order(lines: list[str], index: int, added: list[str]) -> None:
    """Append to `order:` written as a [flow list] on its line, or as indented `- slug` lines below it."""
    line = lines[index]
    value = line.split(":", 1)[1].split("#", 1)[0].strip()
    if value.startswith("[") and value.endswith("]"):
        close = line.index("]", line.index("["))
        sep = ", " if value[1:-1].strip() else ""
        lines[index] = line[:close].rstrip() + sep + ", ".join(added) + line[close:]
        return
    if value in ("", "null", "~"):
        items = [i for i in range(index + 1, len(lines)) if re.match(r"\s*- ", lines[i]) and
                 all(re.match(r"\s*(- |#|$)", lines[j]) for j in range(index + 1, i))]
        indent = re.match(r"\s*", lines[items[-1]]).group(0) if items else "  "
        at = (items[-1] if items else index) + 1
        if value:
            lines[index] = line.replace(value, "", 1)
        lines[at:at] = [f"{indent}- {s}\n" for s in added]
