"""Feeds as page specs: Atom per language, per section and for the editions, and a JSON Feed per language."""
from __future__ import annotations

import datetime as dt
import os
from operator import attrgetter

from . import urls
from .model import Site
from .pages import resolved_links
from .render import PageSpec

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def feed_specs(site: Site, derived: dict) -> list[PageSpec]:
    """Every feed of the site, in a stable order."""
    specs = []
    cfg = site.config
    for lang in cfg.codes:
        latest = latest_articles(site, lang)
        articles = latest.get(None, ())
        specs.append(article_feed(site, lang, urls.feed(lang), "feed.xml", articles, derived,
                                  {"kind": "language", "key": None, "html": urls.home(lang)}))
        specs.append(article_feed(site, lang, urls.json_feed(lang), "feed.json", articles, derived,
                                  {"kind": "language", "key": None, "html": urls.home(lang)}))
        for key in cfg.sections:
            chosen = latest.get(key, ())
            specs.append(article_feed(site, lang, urls.section_feed(lang, key), "feed.xml", chosen, derived,
                                      {"kind": "section", "key": key, "html": urls.section(lang, key)}))
        specs.append(editions_feed(site, lang))
    return specs


def latest_articles(site: Site, lang: str) -> dict:
    """The newest articles written in a language (no untranslated originals), at most feed_size: all of
    them under None, and those of each section under its key — one sort and one pass for every feed."""
    own = [item.article for item in site.items[lang] if not item.notice]
    own.sort(key=attrgetter("date"), reverse=True)  # stable: edition order among equal dates
    size = site.config.feed_size
    chosen: dict = {None: own[:size]}
    for article in own:
        if article.section is None:  # never in a site that built: a missing section is an error
            continue
        found = chosen.setdefault(article.section, [])
        if len(found) < size:
            found.append(article)
    return {key: tuple(found) for key, found in chosen.items()}


def article_feed(site: Site, lang: str, path: str, template: str, articles: tuple, derived: dict,
                 feed: dict) -> PageSpec:
    """A feed of articles; its entries' source-path links resolved for absolute URLs."""
    links = {a.url: resolved_links(site, a, derived) for a in articles}
    updated = newest([a.updated or a.date for a in articles])
    ctx = {"feed": feed, "entries": articles, "entry_links": links, "updated": updated}
    return PageSpec(path, template, lang, ctx, alternates=feed_alternates(site, path, lang))


def editions_feed(site: Site, lang: str) -> PageSpec:
    """A feed with one entry per edition, newest first."""
    editions = site.editions[:site.config.feed_size]
    dates = {e.date: newest([i.article.updated or i.article.date for i in e.items[lang]] or
                            [dt.datetime.fromisoformat(e.date).replace(tzinfo=site.config.tz)]) for e in editions}
    ctx = {"feed": {"kind": "editions", "key": None, "html": urls.editions(lang)}, "entries": editions,
           "entry_dates": dates, "entry_links": {}, "updated": newest(list(dates.values()))}
    path = urls.editions_feed(lang)
    return PageSpec(path, "editions_feed.xml", lang, ctx, alternates=feed_alternates(site, path, lang))


def feed_alternates(site: Site, path: str, lang: str) -> tuple:
    """The same feed in every language (feeds exist in each language even when empty)."""
    rest = path[len(lang):]
    return tuple((code, code + rest) for code in site.config.codes)


def newest(dates: list[dt.datetime]) -> dt.datetime:
    """The latest of some dates; with none, SOURCE_DATE_EPOCH (or 1970), never the clock."""
    if dates:
        return max(dates)
    return source_date_epoch() or EPOCH


def source_date_epoch() -> dt.datetime | None:
    """The reproducible-builds time, when SOURCE_DATE_EPOCH is set to a whole number of seconds."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value.isdigit():
        return None
    return dt.datetime.fromtimestamp(int(value), tz=dt.timezone.utc)
