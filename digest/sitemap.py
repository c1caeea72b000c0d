"""Sitemaps as page specs: sitemap.xml with language alternates (an index past the limit), news sitemap, robots.txt."""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from functools import lru_cache

from babel import Locale

from . import urls
from .model import Article, Edition, Item, Site
from .pages import EditionOutline
from .render import PageSpec

NEWS_DAYS = 2  # Google News takes articles of the last two days
NEWS_LIMIT = 1000  # and at most this many in one news sitemap
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


def sitemap_specs(site: Site, specs: list[PageSpec], cache: dict | None = None) -> list[PageSpec]:
    """sitemap.xml (or an index and its parts), news-sitemap.xml and robots.txt for the pages in specs.

    cache (kept by the preview server) maps a page path to its fingerprint and entry of the last
    build: a page whose fingerprint (spec.fp, set by then) did not change has the same entry.
    """
    fresh: dict = {}
    entries = tuple(cached_url(site, spec, cache, fresh) for spec in specs if is_listed(spec))
    if cache is not None:
        cache.clear()  # only the pages of this build, so the cache does not grow while editing
        cache.update(fresh)
    limit = site.config.sitemap_limit
    lang = site.config.original_language
    found = []
    if len(entries) <= limit:
        found.append(PageSpec(urls.SITEMAP, "sitemap.xml", lang, {"entries": entries_of(entries)}))
    else:
        parts = [entries[i:i + limit] for i in range(0, len(entries), limit)]
        index = tuple((urls.sitemap_part(n), newest(part)) for n, part in enumerate(parts, start=1))
        found.append(PageSpec(urls.SITEMAP, "sitemap_index.xml", lang, {"sitemaps": index}))
        found += [PageSpec(path, "sitemap.xml", lang, {"entries": entries_of(part)})
                  for (path, _), part in zip(index, parts)]
    found.append(PageSpec(urls.NEWS_SITEMAP, "news_sitemap.xml", lang, {"news": news_entries(site)}))
    found.append(PageSpec(urls.ROBOTS, "robots.txt", lang, {"sitemaps": (urls.SITEMAP, urls.NEWS_SITEMAP)}))
    return found


def is_listed(spec: PageSpec) -> bool:
    """An HTML page meant for search engines (not a feed, a redirect or the not-found page)."""
    return (spec.path == "" or spec.path.endswith("/")) and spec.template not in UNLISTED


def cached_url(site: Site, spec: PageSpec, cache: dict | None, fresh: dict) -> SitemapUrl:
    """The sitemap entry of a page, from the cache when the page's fingerprint is the same as last time."""
    if cache is None or not spec.fp:
        return sitemap_url(site, spec)
    last = cache.get(spec.path)
    entry = last[1] if last is not None and last[0] == spec.fp else sitemap_url(site, spec)
    fresh[spec.path] = (spec.fp, entry)
    return entry


def sitemap_url(site: Site, spec: PageSpec) -> SitemapUrl:
    """The sitemap entry of a page; alternates only when it has a version in another language."""
    hreflangs = {lang.code: lang.hreflang for lang in site.config.languages}
    links = ()
    if len(spec.alternates) > 1:
        links = tuple((hreflangs[code], path) for code, path in spec.alternates)
        if spec.x_default is not None:
            links += (("x-default", spec.x_default),)
    lastmod = page_lastmod(spec)
    return SitemapUrl(spec.path, lastmod, links, repr((spec.path, lastmod, links)))


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
    elif isinstance(value, EditionOutline):
        if value.newest is not None:
            yield value.newest
    elif isinstance(value, dict):
        for item in value.values():
            yield from shown_dates(item, lang, depth + 1)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from shown_dates(item, lang, depth + 1)


def newest(entries: tuple) -> dt.datetime | None:
    """The latest lastmod among sitemap entries, if any has one."""
    dates = [e.lastmod for e in entries if e.lastmod is not None]
    return max(dates) if dates else None


def news_entries(site: Site) -> tuple:
    """Articles of the last NEWS_DAYS days up to the newest edition's date, every language, newest first."""
    if not site.editions:
        return ()
    last = dt.date.fromisoformat(site.editions[0].date)
    first = last - dt.timedelta(days=NEWS_DAYS - 1)
    cfg = site.config
    chosen = [a for group in site.articles.values() for a in group.values()
              if first <= a.date.astimezone(cfg.tz).date() <= last]
    chosen.sort(key=lambda a: (a.date, a.key, cfg.codes.index(a.lang)), reverse=True)
    return tuple((a, news_language(cfg.language(a.lang).locale)) for a in chosen[:NEWS_LIMIT])


@lru_cache(maxsize=64)
def news_language(locale: str) -> str:
    """The language code Google News wants: ISO 639, except zh-cn and zh-tw for Chinese scripts."""
    parsed = Locale.parse(locale)
    if parsed.language == "zh":
        traditional = parsed.script == "Hant" or parsed.territory in ("TW", "HK", "MO")
        return "zh-tw" if traditional else "zh-cn"
    return parsed.language
