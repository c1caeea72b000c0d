"""Every page of the site as a PageSpec: what it is, where it goes, what it shows (SPEC §5)."""
from __future__ import annotations

import posixpath
from dataclasses import dataclass

from . import urls
from .bilingual import Glossary
from .model import Article, Edition, Site, fingerprint
from .render import PageSpec


@dataclass(frozen=True)
class Mention:
    """What an article page shows of another article: its key, language, title and URL."""

    key: str
    lang: str
    title: str
    url: str


@dataclass(frozen=True)
class MentionItem:
    """An entry of an article page's edition list (shaped like model.Item)."""

    article: Mention
    notice: bool


@dataclass(frozen=True)
class EditionOutline:
    """What article pages, the editions list and the archive show of an edition in one language.

    Its date, titles, and the key, language, title and URL of its articles (shaped like an
    Edition), and the newest article date (the sitemap's lastmod). Only these, so that editing one
    article's body renders that article's pages again, not its whole edition's nor those long
    lists (a page is rendered when the fingerprint of its context changes).
    """

    date: str
    title: dict
    items: dict  # lang -> tuple[MentionItem], for the page's language only
    newest: object = None  # datetime of the newest article in this language, or None
    fp: str = ""


@dataclass(frozen=True)
class EditionRef:
    """A neighbouring edition as an edition page links to it: its date and titles."""

    date: str
    title: dict
    fp: str = ""


def edition_ref(edition: Edition | None) -> EditionRef | None:
    """A neighbouring edition as an edition page shows it."""
    if edition is None:
        return None
    return EditionRef(edition.date, dict(edition.title), fingerprint(edition.date, sorted(edition.title.items())))


def mention(article: Article | None) -> Mention | None:
    """The parts of an article another article page shows."""
    return None if article is None else Mention(article.key, article.lang, article.title, article.url)


def edition_outline(edition: Edition, lang: str, reuse: dict | None = None,
                    fresh: dict | None = None) -> EditionOutline:
    """An edition as pages in one language list it; the last build's when the edition is unchanged."""
    key = ("outline", lang, edition.date)
    last = reuse.get(key) if reuse is not None else None
    if last is not None and last[0] == edition.fp:
        outline = last[1]
    else:
        items = tuple(MentionItem(mention(item.article), item.notice) for item in edition.items[lang])
        newest = max((i.article.updated or i.article.date for i in edition.items[lang]), default=None)
        outline = EditionOutline(edition.date, dict(edition.title), {lang: items}, newest,
                                 fingerprint(edition.date, sorted(edition.title.items()), lang, items, newest))
    if fresh is not None:
        fresh[key] = (edition.fp, outline)
    return outline


def make_specs(site: Site, derived: dict, reuse: dict | None = None) -> list[PageSpec]:
    """All page specs of the site, in a stable order.

    reuse (kept by the preview server between builds) holds each edition's article specs and each
    list page's spec: an edition whose records and links, or a list page whose items, are the same
    as last time gives the very same spec objects (whose fingerprints need no hashing again).
    """
    cfg = site.config
    specs = [landing_spec(site)]
    fresh: dict = {}
    for lang in cfg.codes:
        specs += home_specs(site, lang, reuse, fresh)
        outlines = {e.date: edition_outline(e, lang, reuse, fresh) for e in site.editions}
        specs.append(editions_spec(site, lang, tuple(outlines.values())))
        specs += edition_specs(site, lang)
        specs += article_specs(site, lang, derived, outlines, reuse, fresh)
        specs += bilingual_specs(site, lang, derived, reuse, fresh)
        specs += section_specs(site, lang, reuse, fresh)
        specs += tag_specs(site, lang, reuse, fresh)
        specs.append(archive_spec(site, lang, tuple(outlines.values())))
        if cfg.search:
            specs.append(search_spec(site, lang))
    specs += page_specs(site, derived)
    specs.append(PageSpec("404.html", "404.html", cfg.original_language, {}, absolute_links=True))
    specs += alias_specs(site, specs)
    if reuse is not None:
        reuse.clear()  # only this build's editions, so the memo does not grow while editing
        reuse.update(fresh)
    for spec in specs:
        if spec.alternates and spec.x_default is None:
            spec.x_default = dict(spec.alternates).get(cfg.original_language, spec.alternates[0][1])
    return specs


def every_lang(site: Site, path_of) -> tuple:
    """Alternates of a page that exists in every language."""
    return tuple((lang, path_of(lang)) for lang in site.config.codes)


def landing_spec(site: Site) -> PageSpec:
    """The bilingual landing page: the latest edition in every language."""
    latest = site.editions[0] if site.editions else None
    return PageSpec("", "landing.html", site.config.original_language, {"edition": latest},
                    alternates=every_lang(site, urls.home), x_default="")


def paginate(items: tuple, per_page: int) -> list[tuple]:
    """Items in pages of per_page; always at least one (maybe empty) page."""
    return [items[i:i + per_page] for i in range(0, len(items), per_page)] or [()]


def pager(number: int, total: int, path_of) -> dict:
    """Links to the neighbouring pages of a paginated list."""
    return {"number": number, "total": total,
            "prev": path_of(number - 1) if number > 1 else None,
            "next": path_of(number + 1) if number < total else None}


def list_specs(site: Site, lang: str, items: tuple, path_of, template: str, extra: dict,
               alternates_of, reuse: dict | None = None, fresh: dict | None = None) -> list[PageSpec]:
    """A paginated list of items (home, section, tag); a page whose items are unchanged reuses its spec."""
    chunks = paginate(items, site.config.per_page)
    shown = tuple((name, getattr(value, "fp", value)) for name, value in sorted(extra.items()))
    specs = []
    for number, chunk in enumerate(chunks, start=1):
        path, pages, alternates = path_of(number), pager(number, len(chunks), path_of), alternates_of(number)
        # what the fingerprint hashes; items compare by identity of their articles first, then field by field
        key = (template, lang, chunk, shown, tuple(pages.items()), alternates)
        last = reuse.get(path) if reuse is not None else None
        if last is not None and last[0] == key:
            spec = last[1]
        else:
            spec = PageSpec(path, template, lang, {**extra, "items": chunk, "pager": pages}, alternates=alternates)
        if fresh is not None:
            fresh[path] = (key, spec)
        specs.append(spec)
    return specs


def home_specs(site: Site, lang: str, reuse: dict | None = None, fresh: dict | None = None) -> list[PageSpec]:
    """A language's home: the latest articles, paginated."""
    counts = {code: len(paginate(site.items[code], site.config.per_page)) for code in site.config.codes}

    def alternates(number):
        return tuple((code, urls.home(code, number)) for code in site.config.codes if number <= counts[code])
    specs = list_specs(site, lang, site.items[lang], lambda n: urls.home(lang, n), "home.html",
                       {"edition": site.editions[0] if site.editions else None}, alternates, reuse, fresh)
    specs[0].x_default = ""  # the homes and the landing page form one cluster
    return specs


def editions_spec(site: Site, lang: str, outlines: tuple) -> PageSpec:
    """The list of editions."""
    return PageSpec(urls.editions(lang), "editions.html", lang, {"editions": outlines},
                    alternates=every_lang(site, urls.editions))


def edition_specs(site: Site, lang: str) -> list[PageSpec]:
    """One page per edition, with its neighbours."""
    specs = []
    eds = site.editions
    for i, edition in enumerate(eds):
        ctx = {"edition": edition, "newer": edition_ref(eds[i - 1] if i > 0 else None),
               "older": edition_ref(eds[i + 1] if i + 1 < len(eds) else None)}
        specs.append(PageSpec(urls.edition(lang, edition.date), "edition.html", lang, ctx,
                              alternates=every_lang(site, lambda code: urls.edition(code, edition.date)),
                              x_default=urls.edition(site.config.original_language, edition.date)))
    return specs


def article_specs(site: Site, lang: str, derived: dict, outlines: dict | None = None, reuse: dict | None = None,
                  fresh: dict | None = None) -> list[PageSpec]:
    """One page per article in this language, with edition navigation (reused per edition, see make_specs)."""
    specs = []
    hints = site_glossary(site) if site.config.glossary_hints else None
    for edition in site.editions:
        own = [item.article for item in edition.items[lang] if not item.notice]
        links = tuple(resolved_links(site, article, derived) for article in own)
        # the edition's fingerprint covers every field of its articles; links depend on other files too
        key = (edition.fp, links, hints.fp if hints is not None else None)
        last = reuse.get((lang, edition.date)) if reuse is not None else None
        outline = outlines[edition.date] if outlines is not None else edition_outline(edition, lang)
        found = last[1] if last is not None and last[0] == key else edition_article_specs(site, lang, edition, own,
                                                                                           links, outline, hints)
        if fresh is not None:
            fresh[(lang, edition.date)] = (key, found)
        specs += found
    return specs


def edition_article_specs(site: Site, lang: str, edition, own: list, links: tuple,
                          outline: EditionOutline, hints: Glossary | None = None) -> list[PageSpec]:
    """The article pages of one edition in one language (glossary: marks its terms, `glossary_hints`)."""
    specs = []
    for j, article in enumerate(own):
        ctx = {"article": article, "edition": outline,
               "prev": mention(own[j - 1] if j > 0 else None), "next": mention(own[j + 1] if j + 1 < len(own) else None),
               "links": links[j], "glossary": hints}
        original_url = article.url_in(article.original_lang) or article.url
        fallbacks = {code: (urls.edition(code, edition.date), "switch_missing")
                     for code in site.config.codes if article.url_in(code) is None}
        specs.append(PageSpec(article.url, "article.html", lang, ctx, alternates=article.alternates,
                              x_default=original_url, fallbacks=fallbacks, source=article.shown))
    return specs


def site_glossary(site: Site) -> Glossary:
    """The glossary as pages use it: term pairs in a stable order, with one fingerprint."""
    terms = tuple((key, tuple(sorted(labels.items()))) for key, labels in sorted(site.glossary.items()))
    return Glossary(terms, fingerprint(terms))


def bilingual_specs(site: Site, lang: str, derived: dict, reuse: dict | None = None,
                    fresh: dict | None = None) -> list[PageSpec]:
    """A side-by-side page, in this language's URL space, for every article that has a translation.

    It pairs the page language's version with the original (the original's page: with the first
    translation). Its context holds both records, so editing either renders it again; both are under
    `entries`, whose bodies the pipeline loads for the pages it renders. Search engines are asked not
    to index it (the articles are the pages to find), so it pairs in hreflang only with its siblings.
    An edition whose records, links and glossary are unchanged reuses its specs (see make_specs).
    """
    specs = []
    glossary = site_glossary(site)
    for edition in site.editions:
        shown = [item.article for item in edition.items[lang] if not item.notice and len(item.article.alternates) > 1]
        partners = [partner_of(site, article) for article in shown]
        links = tuple((resolved_links(site, a, derived), resolved_links(site, b, derived))
                      for a, b in zip(shown, partners))
        key = (edition.fp, links, glossary.fp)
        last = reuse.get((lang, "bilingual", edition.date)) if reuse is not None else None
        if last is not None and last[0] == key:
            found = last[1]
        else:
            found = [bilingual_spec(site, article, partner, pair_links, glossary)
                     for article, partner, pair_links in zip(shown, partners, links)]
        if fresh is not None:
            fresh[(lang, "bilingual", edition.date)] = (key, found)
        specs += found
    # two articles with one URL are reported once, by their article pages: their bilingual pages would repeat it
    seen: set = set()
    return [spec for spec in specs if not (spec.path in seen or seen.add(spec.path))]


def partner_of(site: Site, article: Article) -> Article:
    """What a bilingual page shows beside an article: the original, or (beside the original) the first translation."""
    group = site.articles[article.key]
    if not article.is_original:
        return group[article.original_lang]
    return next(version for code, version in group.items() if code != article.lang)


def bilingual_spec(site: Site, article: Article, partner: Article, links: tuple, glossary: Glossary) -> PageSpec:
    """The bilingual page of one article in its language."""
    original, translation = (article, partner) if article.is_original else (partner, article)
    alternates = tuple((code, urls.bilingual(path)) for code, path in article.alternates)
    ctx = {"article": article, "entries": (original, translation), "partner": partner, "links": links[0],
           "partner_links": links[1], "glossary": glossary}
    return PageSpec(urls.bilingual(article.url), "bilingual.html", article.lang, ctx, alternates=alternates,
                    x_default=urls.bilingual(original.url), source=article.shown)


def resolved_links(site: Site, article: Article | object, derived: dict) -> dict:
    """Where each source-path link of a body leads: target as written -> site path (or None)."""
    targets = derived[article.body_hash][2]
    return {target: resolve_target(site, article, target) for target in targets}


def resolve_target(site: Site, doc, target: str) -> str | None:
    """A link as written in a source file, to a site path; None when it leads nowhere."""
    path, _, fragment = target.partition("#")
    suffix = "#" + fragment if fragment else ""
    if not path:
        return target
    if path.startswith("/"):
        return path.lstrip("/") + suffix
    folder = posixpath.dirname(doc.shown)  # content/editions/DATE or content/pages
    joined = posixpath.normpath(posixpath.join(folder, path))
    if not joined.startswith("content/"):
        return None
    if joined.endswith(".md"):
        found = site.sources.get(joined[len("content/"):])
        if found is None:
            return None
        return (found.get(doc.lang) or next(iter(found.values()))) + suffix
    return "assets/" + joined[len("content/"):] + suffix


def group_items(site: Site, lang: str, keys_of) -> dict:
    """Items of a language grouped by section or tag, in one pass, keeping their order."""
    groups: dict = {}
    for item in site.items[lang]:
        for key in keys_of(item.article):
            groups.setdefault(key, []).append(item)
    return groups


def section_specs(site: Site, lang: str, reuse: dict | None = None, fresh: dict | None = None) -> list[PageSpec]:
    """One paginated list per configured section."""
    groups = group_items(site, lang, lambda a: (a.section,))
    specs = []
    for key in site.config.sections:
        specs += list_specs(site, lang, tuple(groups.get(key, ())), lambda n, key=key: urls.section(lang, key, n),
                            "list.html", {"kind": "section", "key": key},
                            lambda n, key=key: tuple((c, urls.section(c, key, n)) for c in site.config.codes
                                                     if n == 1), reuse, fresh)
    return specs


def tag_specs(site: Site, lang: str, reuse: dict | None = None, fresh: dict | None = None) -> list[PageSpec]:
    """The tag index and one paginated list per tag in use."""
    groups = group_items(site, lang, lambda a: a.tags)
    used = site.tags_in_use
    index = [(key, len(groups[key])) for key in site.tags if key in groups]
    specs = [PageSpec(urls.tags(lang), "tags.html", lang, {"tags": index}, alternates=every_lang(site, urls.tags))]
    for key, _ in index:
        specs += list_specs(site, lang, tuple(groups[key]), lambda n, key=key: urls.tag(lang, key, n), "list.html",
                            {"kind": "tag", "key": key},
                            lambda n, key=key: tuple((c, urls.tag(c, key)) for c in site.config.codes
                                                     if n == 1 and key in used[c]), reuse, fresh)
    return specs


def archive_spec(site: Site, lang: str, outlines: tuple) -> PageSpec:
    """Editions grouped by month, newest first."""
    months: list[dict] = []
    for edition in outlines:
        year, month = int(edition.date[:4]), int(edition.date[5:7])
        if not months or (months[-1]["year"], months[-1]["month"]) != (year, month):
            months.append({"year": year, "month": month, "editions": []})
        months[-1]["editions"].append(edition)
    return PageSpec(urls.archive(lang), "archive.html", lang, {"months": months},
                    alternates=every_lang(site, urls.archive))


def search_spec(site: Site, lang: str) -> PageSpec:
    """The search page of a language: a form, and results drawn by static/js/search.js from the index."""
    return PageSpec(urls.search(lang), "search.html", lang, {}, alternates=every_lang(site, urls.search))


def page_specs(site: Site, derived: dict) -> list[PageSpec]:
    """Standalone pages."""
    specs = []
    for page in site.pages:
        fallbacks = {code: (urls.home(code), "switch_missing_home")
                     for code in site.config.codes if code not in dict(page.alternates)}
        specs.append(PageSpec(page.url, "page.html", page.lang, {"page": page,
                                                                "links": resolved_links(site, page, derived)},
                              alternates=page.alternates, x_default=page.alternates[0][1],
                              fallbacks=fallbacks, source=page.shown))
    return specs


def alias_specs(site: Site, specs: list[PageSpec]) -> list[PageSpec]:
    """Redirect pages at the old URLs listed in `aliases:`."""
    found = []
    records = [a for group in site.articles.values() for a in group.values()] + list(site.pages)
    for record in records:
        for alias in record.aliases:
            path = alias.strip("/") + "/"
            found.append(PageSpec(path, "redirect.html", record.lang, {"target": record.url, "record": record},
                                  source=record.shown))
    return found
