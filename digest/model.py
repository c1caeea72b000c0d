"""Model stage: documents linked into editions, articles and their translations, pages, tags."""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, fields

from . import urls
from .config import Config
from .content import INHERITED_KEYS, Document, EditionInfo, LoadedContent
from .errors import Problem, error, warning

NEVER = 10**9


@dataclass(frozen=True)
class Article:
    """One article in one language, with its inherited metadata and links to its translations."""

    key: str  # edition/stem: the same for an article and its translations
    lang: str
    slug: str
    edition: str
    shown: str
    original_lang: str
    title: str
    kicker: str
    subtitle: str
    byline: str
    dateline: str
    summary: str
    title_note: str
    section: str | None
    tags: tuple
    source: tuple
    date: dt.datetime
    updated: dt.datetime | None
    position: tuple
    translation: tuple
    untranslated: str
    body_hash: str
    minutes: int
    url: str
    alternates: tuple  # ((lang, url), …) for every existing version, this one included
    aliases: tuple
    targets: tuple = ()  # links written as source paths in the body, in order, once each
    fp: str = ""

    @property
    def is_original(self) -> bool:
        """The original, not a translation."""
        return self.lang == self.original_lang

    @property
    def translation_status(self) -> str | None:
        """human / machine / pending for translations, None for originals."""
        return None if self.is_original else dict(self.translation).get("status", "human")

    def url_in(self, lang: str) -> str | None:
        """This article's URL in another language, if it exists there."""
        return dict(self.alternates).get(lang)


ARTICLE_FIELDS = tuple(f.name for f in fields(Article))
ARTICLE_TUPLES = ("tags", "position", "alternates", "aliases", "targets")  # JSON lists back to tuples


def article_row(article: Article) -> list:
    """An article as the dependency record keeps it: its field values in order, as JSON's own types (fast to read).

    Dates are ISO text; source and translation (front matter mappings that may hold YAML dates) are
    tagged as the cache tags values (cache.tag).
    """
    from .cache import tag
    row = []
    for f in ARTICLE_FIELDS:
        value = getattr(article, f)
        if f in ("date", "updated"):
            value = value.isoformat() if value is not None else None
        elif f in ("source", "translation"):
            value = tag(value)
        elif f in ARTICLE_TUPLES:
            value = [list(v) if isinstance(v, tuple) else v for v in value]
        row.append(value)
    return row


def article_from_row(row: list) -> Article:
    """The inverse of article_row (the row was read with cache.untag as json's object hook)."""
    values = dict(zip(ARTICLE_FIELDS, row))
    for f in ("date", "updated"):
        if values[f] is not None:
            values[f] = dt.datetime.fromisoformat(values[f])
    for f in ARTICLE_TUPLES:
        values[f] = tuple(tuple(v) if isinstance(v, list) else v for v in values[f])
    return Article(**values)


@dataclass(frozen=True)
class Item:
    """An entry of a list page: an article, or an untranslated original shown with a notice."""

    article: Article
    notice: bool = False

    @property
    def fp(self) -> str:
        return self.article.fp + ("!" if self.notice else "")


@dataclass(frozen=True)
class Edition:
    """One dated edition: its titles, leads and articles per language."""

    date: str
    title: dict
    lead: dict
    items: dict  # lang -> tuple[Item]
    fp: str = ""


@dataclass(frozen=True)
class Page:
    """A standalone page in one language."""

    key: str
    lang: str
    slug: str
    shown: str
    title: str
    summary: str
    body_hash: str
    url: str
    alternates: tuple
    aliases: tuple
    position: tuple
    targets: tuple = ()
    fp: str = ""



def fingerprint(*parts) -> str:
    """A short stable hash of the repr of some values."""
    return hashlib.blake2b(repr(parts).encode("utf-8"), digest_size=12).hexdigest()


def orphan_problems(config: Config, docs: list) -> list[Problem]:
    """A translation whose original does not exist: it is published alone, which is seldom meant."""
    original = config.original_language
    if any(doc.lang == original for doc in docs):
        return []
    return [warning(doc.shown, 1, f"a translation without its original ({doc.stem}.{original}.md does not exist)"
                    + ("" if doc.kind != "article" or "section" in doc.meta else
                       ": it is left out of the site until the original is back"),
                    f"add the original {doc.stem}.{original}.md, or check the file name", code="orphan-translation")
            for doc in docs]


def make_tag_index(tags: dict) -> dict:
    """Tag key, and each label in any language, to the tag key."""
    index = {}
    for key, labels in tags.items():
        for label in labels.values():
            index.setdefault(label, key)
    for key in tags:
        index[key] = key
    return index


def link_article(config: Config, docs: list[Document], info: EditionInfo, tag_index: dict, derived: dict,
                 drafts: bool, problems: list[Problem], changed: dict) -> dict[str, Article] | None:
    """The versions of one article, with inherited metadata checked; None when drafts are hidden."""
    original = next((d for d in docs if d.lang == config.original_language), docs[0])
    meta = original.meta
    if meta.get("draft") and not drafts:
        return None
    section = meta.get("section")
    if section is None:  # an original without one was refused when read: this is a translation on its own
        return None      # (orphan_problems says so); it waits for its original, which brings the section
    if section not in config.sections:
        problems.append(error(original.shown, original.line_of("section"), f"unknown section '{section}'",
                              f"use one of: {', '.join(config.sections)} — or add it to config.yaml",
                              code="unknown-section"))
    tags = normalise_tags(original, tag_index, problems)
    for doc in docs:
        if doc is not original:
            check_inherited(doc, original, tags, tag_index, problems)
    date = as_datetime(meta.get("date") or dt.date.fromisoformat(info.date), config)
    updated = as_datetime(meta["updated"], config) if meta.get("updated") else None
    position = (info.order.index(original.meta["slug"]) if original.meta["slug"] in info.order else NEVER,
                meta.get("order", NEVER), original.stem)
    versions = {}
    for doc in docs:
        slug = doc.meta["slug"] if "slug" in doc.key_lines else original.meta["slug"]
        versions[doc.lang] = (doc, slug, urls.article(doc.lang, info.date, slug))
    alternates = tuple((lang, url) for lang, (_, _, url) in versions.items())
    group = {}
    for lang, (doc, slug, url) in versions.items():
        summary_auto, minutes, targets = derived[doc.body_hash]
        fields = dict(
            key=f"{info.date}/{original.stem}", lang=lang, slug=slug, edition=info.date, shown=doc.shown,
            original_lang=original.lang, title=doc.meta["title"], kicker=doc.meta.get("kicker", ""),
            subtitle=doc.meta.get("subtitle", ""), byline=doc.meta.get("byline", ""),
            dateline=doc.meta.get("dateline", ""), summary=doc.meta.get("summary") or summary_auto,
            title_note=doc.meta.get("title_note", ""), section=section, tags=tags,
            source=tuple(sorted((meta.get("source") or {}).items(), key=str)), date=date,
            updated=updated or changed_after(changed.get(doc.shown), date, config),
            position=position, translation=tuple(sorted((doc.meta.get("translation") or {}).items(), key=str)),
            untranslated=meta.get("untranslated", config.untranslated), body_hash=doc.body_hash,
            minutes=minutes, url=url, alternates=alternates, aliases=tuple(doc.meta.get("aliases", ())),
            targets=targets,
        )
        group[lang] = Article(**fields, fp=fingerprint(sorted(fields.items(), key=lambda kv: kv[0])))
    return group


def normalise_tags(doc: Document, tag_index: dict, problems: list[Problem]) -> tuple:
    """Tag keys or labels to keys; undeclared tags are errors."""
    keys = []
    for tag in doc.meta.get("tags") or ():
        key = tag_index.get(tag) or tag_index.get(tag.lower())
        if key is None:
            problems.append(error(doc.shown, doc.line_of("tags"), f"undeclared tag '{tag}'",
                                  "add it to content/tags.yaml with a label per language, or fix its spelling",
                                  code="unknown-tag"))
        elif key not in keys:
            keys.append(key)
    return tuple(keys)


def check_inherited(doc: Document, original: Document, tags: tuple, tag_index: dict,
                    problems: list[Problem]) -> None:
    """A translation may restate inherited metadata only identically."""
    for key in INHERITED_KEYS:
        if key not in doc.meta:
            continue
        mine, theirs = doc.meta[key], original.meta.get(key)
        if key == "tags":
            mine = tuple(dict.fromkeys(tag_index.get(t, t) for t in mine or ()))
            theirs = tags
        if mine != theirs:
            problems.append(error(doc.shown, doc.line_of(key),
                                  f"`{key}` differs from the original {original.shown}",
                                  f"remove `{key}` here: translations inherit it from the original",
                                  code="inherited-conflict"))


def as_datetime(value, config: Config) -> dt.datetime:
    """A date or datetime as an aware datetime in the newsroom's time zone."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    if value.tzinfo is None:
        value = value.replace(tzinfo=config.tz)
    return value


def changed_after(when: dt.datetime | None, date: dt.datetime, config: Config) -> dt.datetime | None:
    """A file's last commit date as the update time, when it is later than the publication date."""
    if when is None or when <= date:
        return None
    return when.astimezone(config.tz)


def link_page(config: Config, docs: list[Document], derived: dict, drafts: bool,
              problems: list[Problem]) -> list[Page]:
    """The versions of one standalone page."""
    original = next((d for d in docs if d.lang == config.original_language), docs[0])
    if original.meta.get("draft") and not drafts:
        return []
    found = []
    for doc in docs:
        if doc.meta["slug"] in urls.RESERVED_PAGE_SLUGS:
            problems.append(error(doc.shown, doc.line_of("slug") if "slug" in doc.key_lines else 1,
                                  f"the page slug '{doc.meta['slug']}' is taken by the site's own pages",
                                  "rename the page", code="reserved-slug"))
            return []
    alternates = tuple((d.lang, urls.page(d.lang, d.meta["slug"])) for d in docs)
    for doc in docs:
        summary, _, targets = derived[doc.body_hash]
        fields = dict(key=original.stem, lang=doc.lang, slug=doc.meta["slug"], shown=doc.shown,
                      title=doc.meta["title"], summary=doc.meta.get("summary") or summary,
                      body_hash=doc.body_hash, url=urls.page(doc.lang, doc.meta["slug"]), alternates=alternates,
                      aliases=tuple(doc.meta.get("aliases", ())),
                      position=(original.meta.get("order", NEVER), original.stem), targets=targets)
        found.append(Page(**fields, fp=fingerprint(sorted(fields.items()))))
    return found


def check_edition_orders(loaded: LoadedContent, articles: dict, problems: list[Problem]) -> None:
    """Slugs named in edition.yaml's order must be articles of that edition."""
    for date, info in loaded.editions.items():
        slugs = {a.slug for key, group in articles.items() if key.startswith(date + "/") for a in group.values()}
        drafts = {d.meta["slug"] for d in loaded.documents if d.edition == date}
        for slug in info.order:
            if slug not in slugs and slug not in drafts:
                problems.append(warning(info.shown, info.key_lines.get("order"),
                                        f"order names '{slug}', which is not an article of this edition",
                                        "fix the slug or remove it from the list", code="bad-order"))
