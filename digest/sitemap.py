"""Sitemap entries: one per listed page (its path, lastmod and language alternates), and the news sitemap's languages."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache

from babel import Locale

from .model import Article, Edition, Item
from .site import EditionLine, EditionOutline
from .render import PageSpec

UNLISTED = ("redirect.html", "404.html", "bilingual.html")  # pages that search engines should not index
LISTING_KEYS = ("items", "edition", "editions", "months")  # context keys holding what a page lists (not its nav)


@dataclass(frozen=True)
class SitemapUrl:
    """One <url> of a sitemap: its site path, lastmod and alternates as (hreflang, site path)."""

    path: str
    lastmod: dt.datetime | None
    links: tuple = ()
    fp: str = ""  # everything above as text, so fingerprints need not walk the fields


class Entries(tuple):
    """Sitemap entries that carry one fingerprint of them all, so a page's fingerprint need not walk 16k records."""

    fp: str = ""


def entries_of(entries: tuple) -> Entries:
    """The entries as an Entries tuple with its fingerprint."""
    found = Entries(entries)
    found.fp = hashlib.blake2b("\n".join(e.fp for e in entries).encode(), digest_size=16).hexdigest()
    return found


def is_listed(spec: PageSpec) -> bool:
    """An HTML page meant for search engines (not a feed, a redirect or the not-found page)."""
    return (spec.path == "" or spec.path.endswith("/")) and spec.template not in UNLISTED


def entry_text(entry: SitemapUrl) -> str:
    """A sitemap entry as the dependency record keeps it (JSON); it is also the entry's fingerprint."""
    return entry.fp or entry_json(entry.path, entry.lastmod, entry.links)


def entry_json(path: str, lastmod: dt.datetime | None, links: tuple) -> str:
    """The JSON text of an entry's fields (see entry_text)."""
    modified = lastmod.isoformat() if lastmod is not None else None
    return json.dumps([path, modified, links], ensure_ascii=False, separators=(",", ":"))


def entries_from_texts(texts: list[str]) -> list[SitemapUrl]:
    """The inverse of entry_text for many entries (one JSON parse for all: a sitemap holds every page)."""
    found = []
    for text, (path, lastmod, links) in zip(texts, json.loads("[" + ",".join(texts) + "]")):
        lastmod = dt.datetime.fromisoformat(lastmod) if lastmod is not None else None
        found.append(SitemapUrl(path, lastmod, tuple(tuple(link) for link in links), text))
    return found


def sitemap_url(config, spec: PageSpec) -> SitemapUrl:
    """The sitemap entry of a page; alternates only when it has a version in another language."""
    hreflangs = {lang.code: lang.hreflang for lang in config.languages}
    links = ()
    if len(spec.alternates) > 1:
        links = tuple((hreflangs[code], path) for code, path in spec.alternates)
        if spec.x_default is not None:
            links += (("x-default", spec.x_default),)
    lastmod = page_lastmod(spec)
    return SitemapUrl(spec.path, lastmod, links, entry_json(spec.path, lastmod, links))


def page_lastmod(spec: PageSpec) -> dt.datetime | None:
    """When a page's content last changed: its article's date, else the newest article it lists."""
    article = spec.ctx.get("article")
    if isinstance(article, Article):
        return article.updated or article.date
    listed = [spec.ctx[key] for key in LISTING_KEYS if key in spec.ctx]
    dates = list(shown_dates(listed, spec.lang))
    return max(dates) if dates else None


def shown_dates(value, lang: str, depth: int = 0):
    """The dates of the articles a page context lists: through items, editions (or their outlines), lists, dicts."""
    if depth > 4:
        return
    if isinstance(value, Article):
        yield value.updated or value.date
    elif isinstance(value, Item):
        yield value.article.updated or value.article.date
    elif isinstance(value, Edition):
        yield from (item.article.updated or item.article.date for item in value.items.get(lang, ()))
    elif isinstance(value, (EditionOutline, EditionLine)):
        if value.newest is not None:
            yield value.newest
    elif isinstance(value, dict):
        for item in value.values():
            yield from shown_dates(item, lang, depth + 1)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from shown_dates(item, lang, depth + 1)


def newest_lastmod(entries: tuple) -> dt.datetime | None:
    """The latest lastmod among sitemap entries, if any has one."""
    dates = [e.lastmod for e in entries if e.lastmod is not None]
    return max(dates) if dates else None


@lru_cache(maxsize=64)
def news_language(locale: str) -> str:
    """The language code Google News wants: ISO 639, except zh-cn and zh-tw for Chinese scripts."""
    parsed = Locale.parse(locale)
    if parsed.language == "zh":
        traditional = parsed.script == "Hant" or parsed.territory in ("TW", "HK", "MO")
        return "zh-tw" if traditional else "zh-cn"
    return parsed.language
