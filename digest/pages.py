"""Every output file of the site: producers say which exist, makers say what each one shows (SPEC §5).

A producer is a part of the model that owns a set of output files: the site itself (landing page,
indexes, feeds, search and error pages, standalone pages), an article (its page, bilingual page and
redirects in every language), an edition, a paginated list. A maker is a small JSON-able tuple,
("article", KEY, LANG), naming the function that makes one file's PageSpec from the model — read
through a site.View, which records the input keys the page depends on (see engine.py).
"""
from __future__ import annotations

import datetime as dt
import os
import posixpath

from . import urls
from .bilingual import Glossary
from .model import Article, Edition, fingerprint
from .render import PageSpec
from .site import NO_SECTION, ListKey, Site, View, list_key_of

NEWS_DAYS = 2  # Google News takes articles of the last two days
NEWS_LIMIT = 1000  # and at most this many in one news sitemap
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)

# --- producers -------------------------------------------------------------------------------------


def producers(site: Site) -> list[str]:
    """Every producer of the site, in a stable order."""
    found = ["site"]
    found += ["e:" + date for date in sorted(site.editions(), reverse=True)]
    found += ["g:" + key for key in sorted(site.catalog)]
    found += ["l:" + key.name for key in site.list_keys()]
    return found


def produce(site: Site, producer: str) -> dict[str, tuple]:
    """The output files a producer makes now: site path -> maker (empty when it no longer exists)."""
    kind, _, name = producer.partition(":")
    if kind == "g":
        return article_outputs(site, name)
    if kind == "e":
        if not site.has_edition(name):
            return {}
        return {urls.edition(lang, name): ("edition", name, lang) for lang in site.config.codes}
    if kind == "l":
        key = list_key_of(name)
        if key.kind == "tag" and key.key not in site.tags_in_use(key.lang):
            return {}
        if key.kind == "section" and key.key not in site.config.sections:
            return {}
        numbers = [None] + sorted(n for n in site.list_slices(key) if n is not None)
        return {key.path(n): ("list", name, n) for n in numbers}
    return site_outputs(site)


def site_outputs(site: Site) -> dict[str, tuple]:
    """The files every site has, whatever its articles: landing, indexes, feeds, error, search and standalone pages."""
    cfg = site.config
    found = {"": ("landing",)}
    for lang in cfg.codes:
        found[urls.editions(lang)] = ("editions", lang)
        found[urls.tags(lang)] = ("tags", lang)
        found[urls.archive(lang)] = ("archive", lang)
        if cfg.search:
            found[urls.search(lang)] = ("search", lang)
        found[urls.feed(lang)] = ("feed", lang, NO_SECTION, "atom")
        found[urls.json_feed(lang)] = ("feed", lang, NO_SECTION, "json")
        for key in cfg.sections:
            found[urls.section_feed(lang, key)] = ("feed", lang, key, "atom")
        found[urls.editions_feed(lang)] = ("editions_feed", lang)
    for page in site.pages:
        found[page.url] = ("page", page.key, page.lang)
        for alias in page.aliases:
            found[alias_path(alias)] = ("page_alias", page.key, page.lang, alias)
    found["404.html"] = ("404",)
    found[urls.NEWS_SITEMAP] = ("news",)
    found[urls.ROBOTS] = ("robots",)
    return found


def article_outputs(site: Site, key: str) -> dict[str, tuple]:
    """An article's files in every language: its page, its bilingual page when translated, its redirects."""
    entry = site.catalog.get(key)
    if entry is None:
        return {}
    found = {}
    for version in entry.versions:
        found[version.url] = ("article", key, version.lang)
        if len(entry.versions) > 1:
            found[urls.bilingual(version.url)] = ("bilingual", key, version.lang)
    for lang, record in site.group(key).items():
        for alias in record.aliases:
            found.setdefault(alias_path(alias), ("alias", key, lang, alias))
    return found


def alias_path(alias: str) -> str:
    """The site path of a redirect page."""
    return alias.strip("/") + "/"


def sitemap_outputs(count: int, limit: int) -> dict[str, tuple]:
    """sitemap.xml, or an index and its parts when there are more entries than one file may hold."""
    if count <= limit:
        return {urls.SITEMAP: ("sitemap", None)}
    parts = (count + limit - 1) // limit
    found = {urls.SITEMAP: ("sitemap", 0)}
    found.update({urls.sitemap_part(n): ("sitemap", n) for n in range(1, parts + 1)})
    return found


# --- makers ----------------------------------------------------------------------------------------


def make_spec(view: View, maker: tuple) -> PageSpec | None:
    """The spec of one output file, made from the model through view (None: it no longer exists)."""
    spec = MAKERS[maker[0]](view, *maker[1:])
    if spec is not None and spec.alternates and spec.x_default is None:
        spec.x_default = dict(spec.alternates).get(view.config.original_language, spec.alternates[0][1])
    return spec


def every_lang(view: View, path_of) -> tuple:
    """Alternates of a page that exists in every language."""
    return tuple((lang, path_of(lang)) for lang in view.config.codes)


def landing_page(view: View) -> PageSpec:
    """The bilingual landing page: the latest edition in every language."""
    latest = view.latest()
    edition = None
    if latest is not None:
        parts = [view.edition(latest, code) for code in view.config.codes]
        items = {code: part.items[code] for code, part in zip(view.config.codes, parts)}
        edition = Edition(latest, parts[0].title, parts[0].lead, items, fingerprint([p.fp for p in parts]))
    return PageSpec("", "landing.html", view.config.original_language, {"edition": edition},
                    alternates=every_lang(view, urls.home), x_default="")


def list_page(view: View, name: str, number: int | None) -> PageSpec | None:
    """One page of a paginated list: the front page (newest articles) or a numbered page (counted from the oldest)."""
    key = list_key_of(name)
    total, langs = view.list_position(key, number)
    if number is not None and not 1 <= number <= total:
        return None
    items = view.list_items(key, number)
    newer = None if number is None else key.path(number + 1 if number < total else None)
    older = (key.path(total) if total else None) if number is None else (key.path(number - 1) if number > 1 else None)
    pager = {"number": number, "prev": newer, "next": older}
    alternates = tuple((code, ListKey(key.kind, key.key, code).path(number)) for code in langs)
    if key.kind == "home":
        ctx = {"edition": view.edition_ref(view.latest()) if number is None else None, "items": items,
               "pager": pager}
        spec = PageSpec(key.path(number), "home.html", key.lang, ctx, alternates=alternates)
        if number is None:
            spec.x_default = ""  # the homes and the landing page form one cluster
        return spec
    ctx = {"kind": key.kind, "key": key.key, "items": items, "pager": pager}
    return PageSpec(key.path(number), "list.html", key.lang, ctx, alternates=alternates)


def editions_page(view: View, lang: str) -> PageSpec:
    """The list of editions."""
    return PageSpec(urls.editions(lang), "editions.html", lang, {"editions": view.edition_lines(lang)},
                    alternates=every_lang(view, urls.editions))


def archive_page(view: View, lang: str) -> PageSpec:
    """Editions grouped by month, newest first."""
    months: list[dict] = []
    for edition in view.edition_lines(lang):
        year, month = int(edition.date[:4]), int(edition.date[5:7])
        if not months or (months[-1]["year"], months[-1]["month"]) != (year, month):
            months.append({"year": year, "month": month, "editions": []})
        months[-1]["editions"].append(edition)
    return PageSpec(urls.archive(lang), "archive.html", lang, {"months": months},
                    alternates=every_lang(view, urls.archive))


def tags_page(view: View, lang: str) -> PageSpec:
    """The tag index."""
    return PageSpec(urls.tags(lang), "tags.html", lang, {"tags": view.tag_counts(lang)},
                    alternates=every_lang(view, urls.tags))


def search_page(view: View, lang: str) -> PageSpec:
    """The search page of a language: a form, and results drawn by static/js/search.js from the index."""
    return PageSpec(urls.search(lang), "search.html", lang, {"bundles": view.search_periods(lang)},
                    alternates=every_lang(view, urls.search))


def not_found_page(view: View) -> PageSpec:
    """The 404 page, served at any depth: links are absolute paths."""
    return PageSpec("404.html", "404.html", view.config.original_language, {}, absolute_links=True)


def edition_page(view: View, date: str, lang: str) -> PageSpec | None:
    """One edition in one language, with its neighbours."""
    if not view.site.has_edition(date):
        return None
    newer, older = view.neighbours(date)
    ctx = {"edition": view.edition(date, lang), "newer": newer, "older": older}
    return PageSpec(urls.edition(lang, date), "edition.html", lang, ctx,
                    alternates=every_lang(view, lambda code: urls.edition(code, date)),
                    x_default=urls.edition(view.config.original_language, date))


def article_page(view: View, key: str, lang: str) -> PageSpec | None:
    """An article in one language, with its edition's navigation."""
    group = view.group(key)
    article = group.get(lang)
    if article is None:
        return None
    outline = view.outline(article.edition, lang)
    own = [item.article for item in outline.items[lang] if not item.notice]
    index = next(i for i, mention in enumerate(own) if mention.key == key)
    hints = site_glossary(view) if view.config.glossary_hints else None
    ctx = {"article": article, "edition": outline, "prev": own[index - 1] if index > 0 else None,
           "next": own[index + 1] if index + 1 < len(own) else None, "links": resolved_links(view, article),
           "glossary": hints}
    fallbacks = {code: (urls.edition(code, article.edition), "switch_missing")
                 for code in view.config.codes if article.url_in(code) is None}
    return PageSpec(article.url, "article.html", lang, ctx, alternates=article.alternates,
                    x_default=article.url_in(article.original_lang) or article.url, fallbacks=fallbacks,
                    source=article.shown)


def site_glossary(view: View) -> Glossary:
    """The glossary as pages use it: term pairs in a stable order, with one fingerprint."""
    terms = tuple((key, tuple(sorted(labels.items()))) for key, labels in sorted(view.glossary().items()))
    return Glossary(terms, fingerprint(terms))


def partner_of(group: dict, article: Article) -> Article:
    """What a bilingual page shows beside an article: the original, or (beside the original) the first translation."""
    if not article.is_original:
        return group[article.original_lang]
    return next(version for code, version in group.items() if code != article.lang)


def bilingual_page(view: View, key: str, lang: str) -> PageSpec | None:
    """The side-by-side page of a translated article, in this language's URL space.

    It pairs the page language's version with the original (the original's page: with the first
    translation). Search engines are asked not to index it (the articles are the pages to find), so
    it pairs in hreflang only with its siblings.
    """
    group = view.group(key)
    article = group.get(lang)
    if article is None or len(group) < 2:
        return None
    partner = partner_of(group, article)
    original, translation = (article, partner) if article.is_original else (partner, article)
    ctx = {"article": article, "entries": (original, translation), "partner": partner,
           "links": resolved_links(view, article), "partner_links": resolved_links(view, partner),
           "glossary": site_glossary(view)}
    alternates = tuple((code, urls.bilingual(path)) for code, path in article.alternates)
    return PageSpec(urls.bilingual(article.url), "bilingual.html", lang, ctx, alternates=alternates,
                    x_default=urls.bilingual(original.url), source=article.shown)


def alias_page(view: View, key: str, lang: str, alias: str) -> PageSpec | None:
    """A redirect from an old URL of an article."""
    record = view.group(key).get(lang)
    if record is None or alias not in record.aliases:
        return None
    return PageSpec(alias_path(alias), "redirect.html", lang, {"target": record.url, "record": record},
                    source=record.shown)


def standalone_page(view: View, key: str, lang: str) -> PageSpec | None:
    """A standalone page (about …)."""
    versions = [p for p in view.site.pages if p.key == key]
    page = next((p for p in versions if p.lang == lang), None)
    if page is None:
        return None
    fallbacks = {code: (urls.home(code), "switch_missing_home")
                 for code in view.config.codes if code not in dict(page.alternates)}
    return PageSpec(page.url, "page.html", lang, {"page": page, "links": resolved_links(view, page)},
                    alternates=page.alternates, x_default=page.alternates[0][1], fallbacks=fallbacks,
                    source=page.shown)


def page_alias_page(view: View, key: str, lang: str, alias: str) -> PageSpec | None:
    """A redirect from an old URL of a standalone page."""
    page = next((p for p in view.site.pages if p.key == key and p.lang == lang), None)
    if page is None or alias not in page.aliases:
        return None
    return PageSpec(alias_path(alias), "redirect.html", lang, {"target": page.url, "record": page}, source=page.shown)


def resolved_links(view: View, record) -> dict:
    """Where each relative link of a body leads: target as written -> site path (or None)."""
    return {target: resolve_target(view, record, target) for target in record.targets}


def resolve_target(view: View, record, target: str) -> str | None:
    """A relative link as written in a body (Markdown or raw HTML), to a site path; None when it leads nowhere.

    A .md file is that article's or page's URL in the body's language; a file (a name with an
    extension: photo.png, map.pdf) is the copy of the file beside the source, under assets/;
    anything else (`../other-slug/`, `bilingual/`) means what it means on the body's own page, as a
    browser reads it there, so it can be placed on any other page (body.place). The rule reads the
    link alone, so a page depends on no file's existence (check reports a link to nothing).
    """
    path, _, fragment = target.partition("#")
    suffix = "#" + fragment if fragment else ""
    if not path:
        return target
    if path.startswith("/"):
        return path.lstrip("/") + suffix
    file_part, mark, query = path.partition("?")
    folder = posixpath.dirname(record.shown)  # content/editions/DATE or content/pages
    joined = posixpath.normpath(posixpath.join(folder, file_part))
    if joined.endswith(".md"):
        found = view.link_target(joined[len("content/"):]) if joined.startswith("content/") else None
        if found is None:
            return None
        return (dict(found).get(record.lang) or found[0][1]) + suffix
    if names_file(file_part) and joined.startswith("content/"):
        return "assets/" + joined[len("content/"):] + mark + query + suffix
    return page_relative(record.url, path, suffix)


def names_file(path: str) -> bool:
    """A relative path whose last part is a file name with an extension, not a page (photo.png, not ../slug/)."""
    name = path.rsplit("/", 1)[-1]
    stem, dot, extension = name.rpartition(".")
    return bool(dot and stem and extension) and extension.lower() not in ("html", "htm")


def page_relative(page: str, path: str, suffix: str) -> str | None:
    """A relative path read from the page at site path `page`; None when it climbs above the site."""
    if posixpath.normpath(posixpath.join(page or ".", path)).startswith(".."):
        return None
    joined = posixpath.normpath(posixpath.join("/" + page, path)).lstrip("/")
    folder = path.endswith("/") or path.rsplit("/", 1)[-1] in (".", "..")
    return (joined + "/" if folder and joined else joined) + suffix


# --- feeds -----------------------------------------------------------------------------------------


def feed_page(view: View, lang: str, section: str, kind: str) -> PageSpec:
    """An article feed (Atom or JSON Feed) of a language, or of one section; bodies' links made absolute."""
    articles = view.feed_articles(lang, section)
    if section == NO_SECTION:
        path = urls.feed(lang) if kind == "atom" else urls.json_feed(lang)
        feed = {"kind": "language", "key": None, "html": urls.home(lang)}
    else:
        path = urls.section_feed(lang, section)
        feed = {"kind": "section", "key": section, "html": urls.section(lang, section)}
    links = {a.url: resolved_links(view, a) for a in articles}
    ctx = {"feed": feed, "entries": articles, "entry_links": links,
           "updated": newest([a.updated or a.date for a in articles])}
    return PageSpec(path, "feed.xml" if kind == "atom" else "feed.json", lang, ctx,
                    alternates=feed_alternates(view, path, lang))


def editions_feed_page(view: View, lang: str) -> PageSpec:
    """A feed with one entry per edition, newest first."""
    size = view.config.feed_size
    view.note(f"le:{size}")
    editions = [view.edition(date, lang) for date in view.site.editions()[:size]]
    dates = {e.date: newest([i.article.updated or i.article.date for i in e.items[lang]] or
                            [dt.datetime.fromisoformat(e.date).replace(tzinfo=view.config.tz)]) for e in editions}
    ctx = {"feed": {"kind": "editions", "key": None, "html": urls.editions(lang)}, "entries": tuple(editions),
           "entry_dates": dates, "entry_links": {}, "updated": newest(list(dates.values()))}
    path = urls.editions_feed(lang)
    return PageSpec(path, "editions_feed.xml", lang, ctx, alternates=feed_alternates(view, path, lang))


def feed_alternates(view: View, path: str, lang: str) -> tuple:
    """The same feed in every language (feeds exist in each language even when empty)."""
    rest = path[len(lang):]
    return tuple((code, code + rest) for code in view.config.codes)


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


# --- sitemaps --------------------------------------------------------------------------------------


def news_page(view: View) -> PageSpec:
    """The Google News sitemap: articles of the newest edition's day and the day before."""
    from .sitemap import news_language
    cfg = view.config
    articles = view.news(NEWS_DAYS, NEWS_LIMIT)
    news = tuple((a, news_language(cfg.language(a.lang).locale)) for a in articles)
    return PageSpec(urls.NEWS_SITEMAP, "news_sitemap.xml", cfg.original_language, {"news": news})


def robots_page(view: View) -> PageSpec:
    """robots.txt, naming both sitemaps."""
    return PageSpec(urls.ROBOTS, "robots.txt", view.config.original_language,
                    {"sitemaps": (urls.SITEMAP, urls.NEWS_SITEMAP)})


def sitemap_page(view: View, part: int | None) -> PageSpec:
    """sitemap.xml with every listed page (part None), the index of the parts (0), or part N."""
    from .sitemap import entries_of, newest_lastmod
    view.note("smap:")
    entries = view.site.memo["sitemap_entries"]
    limit = view.config.sitemap_limit
    lang = view.config.original_language
    if part is None:
        return PageSpec(urls.SITEMAP, "sitemap.xml", lang, {"entries": entries_of(entries)})
    parts = [entries[i:i + limit] for i in range(0, len(entries), limit)]
    if part == 0:
        index = tuple((urls.sitemap_part(n), newest_lastmod(p)) for n, p in enumerate(parts, start=1))
        return PageSpec(urls.SITEMAP, "sitemap_index.xml", lang, {"sitemaps": index})
    return PageSpec(urls.sitemap_part(part), "sitemap.xml", lang, {"entries": entries_of(parts[part - 1])})


MAKERS = {
    "landing": landing_page, "list": list_page, "editions": editions_page, "archive": archive_page,
    "tags": tags_page, "search": search_page, "404": not_found_page, "edition": edition_page,
    "article": article_page, "bilingual": bilingual_page, "alias": alias_page, "page": standalone_page,
    "page_alias": page_alias_page, "feed": feed_page, "editions_feed": editions_feed_page, "news": news_page,
    "robots": robots_page, "sitemap": sitemap_page,
}
