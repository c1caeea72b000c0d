"""Template helpers for machine-readable metadata: ISO dates, JSON-LD, Open Graph, feed bodies, JSON Feed."""
from __future__ import annotations

import datetime as dt
import json
import re
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import jinja2
from babel import Locale
from babel.core import get_global
from markupsafe import Markup, escape

from . import urls
from .body import place
from .i18n import long_date, ui

# Characters XML 1.0 forbids even as references: a feed holding one is not well-formed.
XML_INVALID_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# JSON inside <script>: these must not appear raw, or a value could close the element or open a comment.
SCRIPT_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"


def install_helpers(env: jinja2.Environment) -> None:
    """Add this module's globals and filters to the site's Jinja environment."""
    env.globals.update(og_locale=og_locale_func, feed_body=feed_body_func, feed_title=feed_title_func,
                       feed_links=feed_links_func, article_graph=article_graph_func,
                       edition_graph=edition_graph_func, json_feed=json_feed_func, entry_id=entry_id_func)
    env.filters.update(iso=iso_filter, script_json=script_json, xml_clean=xml_clean, sitemap_urls=sitemap_urls)


@lru_cache(maxsize=65536)
def iso_datetime(value, timezone: str) -> str:
    """A date or datetime as ISO 8601 / RFC 3339 in the site's time zone, to the second."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    tz = ZoneInfo(timezone)
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(tz).isoformat(timespec="seconds")


@jinja2.pass_context
def iso_filter(ctx, value) -> str:
    """Filter form of iso_datetime, in the site's time zone."""
    return iso_datetime(value, ctx["timezone"])


class SitemapRow(NamedTuple):
    """A sitemap entry as printed, every field escaped for XML already: its absolute URL, its lastmod in ISO
    form, and (hreflang, absolute URL) pairs."""

    loc: str
    lastmod: str | None
    links: tuple


def escaped(text: str) -> str:
    """Text escaped as autoescape escapes it (markupsafe), as a plain string; most URLs have nothing to escape."""
    if "&" in text or "<" in text or ">" in text or '"' in text or "'" in text:
        return str(escape(text))
    return text


@jinja2.pass_context
def sitemap_urls(ctx, entries) -> list[SitemapRow]:
    """Sitemap entries ready to print, escaped: a sitemap lists every page, so its URLs and dates are made
    here in one loop, and the template prints them without autoescape (a call per value for tens of
    thousands of values is most of a sitemap's time)."""
    base, timezone, absolute = ctx["base_url"], ctx["timezone"], urls.absolute
    return [SitemapRow(escaped(absolute(base, e.path)), iso_datetime(e.lastmod, timezone) if e.lastmod else None,
                       tuple((escaped(hreflang), escaped(absolute(base, path))) for hreflang, path in e.links))
            for e in entries]


def script_json(value) -> Markup:
    """JSON safe to place inside <script>: a `</script>` in a value cannot end the element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for raw, escaped in SCRIPT_ESCAPES:
        text = text.replace(raw, escaped)
    return Markup(text)


def xml_clean(text):
    """Drop the characters XML 1.0 cannot hold; keeps Markup as Markup."""
    cleaned = XML_INVALID_RE.sub("", str(text))
    return Markup(cleaned) if isinstance(text, Markup) else cleaned


@lru_cache(maxsize=64)
def og_locale_of(locale: str) -> str:
    """An Open Graph locale (language_TERRITORY) from a Babel locale: zh_Hans_CN -> zh_CN, en -> en_US."""
    parsed = Locale.parse(locale)
    territory = parsed.territory
    if not territory:
        likely = get_global("likely_subtags").get(parsed.language)
        territory = Locale.parse(likely).territory if likely else None
    return f"{parsed.language}_{territory}" if territory else parsed.language


@jinja2.pass_context
def og_locale_func(ctx, code: str) -> str:
    """The Open Graph locale of a site language."""
    return og_locale_of(ctx["locales"].get(code, "en"))


@jinja2.pass_context
def feed_body_func(ctx, record) -> str:
    """A record's HTML body for a feed, as plain text (autoescape escapes it once): absolute URLs, no ids.

    A feed reader shows several entries on one page, so the body's ids are left out (they could clash)
    and links to them lead to the article's own page, where they are.
    """
    links = ctx["entry_links"].get(record.url, {})
    return xml_clean(place(ctx["bodies"][record.body_hash].html, ctx["base_url"], links, ids=None, page=record.url))


def tag_uri(base_url: str, date: str, path: str) -> str:
    """A tag URI (RFC 4151) that stays the same from build to build: tag:host,date:/base/path."""
    parts = urlsplit(base_url)
    return f"tag:{parts.hostname},{date}:{parts.path or '/'}{path}"


@jinja2.pass_context
def entry_id_func(ctx, record) -> str:
    """The stable id of a feed entry: an article by its key (edition/stem) and language; an edition by date."""
    if hasattr(record, "key"):
        return tag_uri(ctx["base_url"], record.edition, f"{record.lang}/{record.key}")
    return tag_uri(ctx["base_url"], record.date, urls.edition(ctx["lang"], record.date).rstrip("/"))


def feed_title(lang: str, kind: str, key: str | None, site_title: dict, sections: dict) -> str:
    """The title of a feed: the site's, or a section's or the editions' with the site's."""
    if kind == "section":
        return f"{sections[key][lang]} · {site_title[lang]}"
    if kind == "editions":
        return f"{ui(lang, 'all_editions')} · {site_title[lang]}"
    return site_title[lang]


@jinja2.pass_context
def feed_title_func(ctx, kind: str, key: str | None = None) -> str:
    """Template form of feed_title, in the page's language."""
    return feed_title(ctx["lang"], kind, key, ctx["site_title"], ctx["sections"])


@jinja2.pass_context
def feed_links_func(ctx) -> list[dict]:
    """The feeds a page announces for autodiscovery: its language's, plus its section's or the editions'."""
    spec = ctx["spec"]
    langs = ctx["codes"] if spec.template == "landing.html" else (ctx["lang"],)
    found = []
    for lang in langs:
        title = feed_title(lang, "language", None, ctx["site_title"], ctx["sections"])
        found.append({"type": "application/atom+xml", "title": title, "path": urls.feed(lang)})
        found.append({"type": "application/feed+json", "title": title, "path": urls.json_feed(lang)})
    lang = ctx["lang"]
    if spec.template == "list.html" and ctx.get("kind") == "section":
        found.append({"type": "application/atom+xml", "path": urls.section_feed(lang, ctx["key"]),
                      "title": feed_title(lang, "section", ctx["key"], ctx["site_title"], ctx["sections"])})
    if spec.template in ("editions.html", "edition.html"):
        found.append({"type": "application/atom+xml", "path": urls.editions_feed(lang),
                      "title": feed_title(lang, "editions", None, ctx["site_title"], ctx["sections"])})
    return found


def edition_name(edition, lang: str, site_title: dict, locale: str) -> str:
    """An edition's title in a language, or the site's title with the date."""
    return edition.title.get(lang) or f"{site_title[lang]} · {long_date(dt.date.fromisoformat(edition.date), locale)}"


def breadcrumb_list(crumbs: list[tuple[str, str]]) -> dict:
    """A schema.org BreadcrumbList from (name, absolute URL) pairs, outermost first."""
    return {"@type": "BreadcrumbList", "itemListElement": [
        {"@type": "ListItem", "position": n, "name": name, "item": url}
        for n, (name, url) in enumerate(crumbs, start=1)]}


def work_ref(url: str, lang: str, hreflangs: dict) -> dict:
    """A reference to an article version by its @id (the one its own page declares)."""
    return {"@type": "NewsArticle", "@id": url + "#article", "url": url, "inLanguage": hreflangs[lang]}


@jinja2.pass_context
def article_graph_func(ctx, article, edition) -> dict:
    """JSON-LD for an article page: a NewsArticle linked to its edition and translations, and its breadcrumbs."""
    lang, base, tz = ctx["lang"], ctx["base_url"], ctx["timezone"]
    url = urls.absolute(base, article.url)
    home = urls.absolute(base, urls.home(lang))
    edition_url = urls.absolute(base, urls.edition(lang, edition.date))
    ed_name = edition_name(edition, lang, ctx["site_title"], ctx["locale"])
    publisher = {"@type": "NewsMediaOrganization", "name": ctx["site_title"][lang], "url": home}
    node = {
        "@type": "NewsArticle", "@id": url + "#article", "url": url, "mainEntityOfPage": url,
        "headline": article.title, "description": article.summary, "inLanguage": ctx["hreflangs"][lang],
        "datePublished": iso_datetime(article.date, tz), "dateModified": iso_datetime(article.updated or article.date, tz),
        "author": [{"@type": "Person", "name": article.byline}] if article.byline else [publisher],
        "publisher": publisher,
        "isPartOf": {"@type": "PublicationIssue", "@id": edition_url, "url": edition_url, "name": ed_name,
                     "datePublished": edition.date,
                     "isPartOf": {"@type": "Periodical", "name": ctx["site_title"][lang], "url": home}},
    }
    if article.subtitle:
        node["alternativeHeadline"] = article.subtitle
    if article.section:
        node["articleSection"] = ctx["sections"][article.section][lang]
    if article.tags:
        node["keywords"] = [ctx["tag_labels"].get(t, {}).get(lang, t) for t in article.tags]
    others = [(code, path) for code, path in article.alternates if code != lang]
    if not article.is_original:
        original = article.url_in(article.original_lang)
        if original:
            node["translationOfWork"] = work_ref(urls.absolute(base, original), article.original_lang,
                                                 ctx["hreflangs"])
        translator = dict(article.translation).get("translator")
        if translator:
            node["translator"] = {"@type": "Person", "name": translator}
    elif others:
        node["workTranslation"] = [work_ref(urls.absolute(base, path), code, ctx["hreflangs"]) for code, path in others]
    crumbs = [(ui(lang, "home"), home), (ed_name, edition_url), (article.title, url)]
    return {"@context": "https://schema.org", "@graph": [node, breadcrumb_list(crumbs)]}


@jinja2.pass_context
def edition_graph_func(ctx, edition) -> dict:
    """JSON-LD for an edition page: its breadcrumbs."""
    lang, base = ctx["lang"], ctx["base_url"]
    crumbs = [(ui(lang, "home"), urls.absolute(base, urls.home(lang))),
              (ui(lang, "editions"), urls.absolute(base, urls.editions(lang))),
              (edition_name(edition, lang, ctx["site_title"], ctx["locale"]),
               urls.absolute(base, urls.edition(lang, edition.date)))]
    return {"@context": "https://schema.org", **breadcrumb_list(crumbs)}


@jinja2.pass_context
def json_feed_func(ctx) -> str:
    """A JSON Feed 1.1 document for the page's feed spec, as text."""
    lang, base = ctx["lang"], ctx["base_url"]
    feed = ctx["feed"]
    doc = {
        "version": JSON_FEED_VERSION,
        "title": feed_title(lang, feed["kind"], feed["key"], ctx["site_title"], ctx["sections"]),
        "home_page_url": urls.absolute(base, feed["html"]),
        "feed_url": urls.absolute(base, ctx["page_path"]),
        "description": ctx["description"][lang],
        "language": ctx["hreflangs"][lang],
        "authors": [{"name": ctx["site_title"][lang], "url": urls.absolute(base, urls.home(lang))}],
        "items": [json_item(ctx, article) for article in ctx["entries"]],
    }
    if not doc["description"]:
        del doc["description"]
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def json_item(ctx, article) -> dict:
    """One article as a JSON Feed item."""
    lang, base, tz = ctx["lang"], ctx["base_url"], ctx["timezone"]
    item = {
        "id": entry_id_func(ctx, article), "url": urls.absolute(base, article.url), "title": article.title,
        "content_html": feed_body_func(ctx, article), "summary": article.summary,
        "date_published": iso_datetime(article.date, tz),
        "date_modified": iso_datetime(article.updated or article.date, tz),
        "language": ctx["hreflangs"][article.lang],
    }
    if article.byline:
        item["authors"] = [{"name": article.byline}]
    tags = ([ctx["sections"][article.section][lang]] if article.section else []) + \
        [ctx["tag_labels"].get(t, {}).get(lang, t) for t in article.tags]
    if tags:
        item["tags"] = tags
    return item
