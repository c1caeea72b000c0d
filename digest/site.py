"""The live site model: a compact catalog of every article, records loaded on demand, derived queries.

The catalog holds one small Entry per article (edition, position, section, tags, date, and per
language its URL, title, source file and last change): enough to compute every list, edition,
outline, feed selection and tag count without the articles' records. Records (model.Article)
are loaded only for the pages being planned — all of them in a full build, a few dozen after an
edit — from memory, or from the build cache's dependency record (store.py).

Page makers (pages.py) read the model only through a View, which notes every input key a page
reads: `g:KEY` an article's records, `o:DATE:LANG` an edition's outline, `ls:LIST:N` the slice of a
list page, and so on. After a change, the engine recomputes the values of the keys the change can
touch (value_of), and plans again only the pages that read a key whose value changed.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from operator import attrgetter

from . import urls
from .config import Config
from .model import Article, Edition, Item, Page, fingerprint

NO_SECTION = "\x00"  # stands for "every section" in a feed key


@dataclass(frozen=True)
class Version:
    """One language of an article as lists and outlines show it, without its record."""

    lang: str
    url: str
    title: str
    shown: str  # its source file, as shown to users
    lastmod: dt.datetime  # updated or date


@dataclass(frozen=True)
class Entry:
    """One article in the catalog: what lists, editions, outlines, feeds and the sitemap need of it."""

    key: str  # DATE/stem
    edition: str
    position: tuple
    section: str | None
    tags: tuple
    date: dt.datetime
    untranslated: str
    original: str
    versions: tuple  # Version per language, in the config's order
    fp: str  # of all its records: the value of g:KEY

    def version(self, lang: str) -> Version | None:
        """The version in a language, if it exists."""
        return next((v for v in self.versions if v.lang == lang), None)

    def item(self, lang: str) -> tuple[str, bool] | None:
        """How the article shows in a language's lists: (language of the version shown, notice) or None."""
        if self.version(lang) is not None:
            return lang, False
        if self.untranslated != "notice":
            return None
        shown = self.original if self.version(self.original) is not None else self.versions[0].lang
        return shown, True


def entry_of(group: dict[str, Article], config: Config) -> Entry:
    """The catalog entry of an article's linked records."""
    first = next(iter(group.values()))
    versions = tuple(Version(a.lang, a.url, a.title, a.shown, a.updated or a.date)
                     for code in config.codes if (a := group.get(code)) is not None)
    return Entry(first.key, first.edition, first.position, first.section, first.tags, first.date, first.untranslated,
                 first.original_lang, versions, fingerprint(sorted((lang, a.fp) for lang, a in group.items())))


def entry_row(entry: Entry) -> list:
    """An entry as plain JSON (the catalog is one list of these; no tagging, it is read on every build)."""
    return [entry.key, entry.edition, list(entry.position), entry.section, list(entry.tags), entry.date.isoformat(),
            entry.untranslated, entry.original,
            [[v.lang, v.url, v.title, v.shown, v.lastmod.isoformat()] for v in entry.versions], entry.fp]


def entry_from_row(row: list) -> Entry:
    """The inverse of entry_row."""
    key, edition, position, section, tags, date, untranslated, original, versions, fp = row
    return Entry(key, edition, tuple(position), section, tuple(tags), dt.datetime.fromisoformat(date), untranslated,
                 original, tuple(Version(lang, url, title, shown, dt.datetime.fromisoformat(lastmod))
                                 for lang, url, title, shown, lastmod in versions), fp)


class Catalog:
    """Every article's Entry, kept per edition; an edition's entries are read from the record when first asked.

    A partial build reads the editions it touches (and their neighbours); only a change to what
    lists show (a new article, a new date, a moved section or tag) reads them all.
    """

    def __init__(self, dates, load=None, editions: dict | None = None):
        self.load = load  # callable(dates) -> {date: [Entry, …]}
        self.editions: dict[str, dict[str, Entry]] = dict(editions or {})  # date -> key -> Entry, read so far
        self.dates = sorted(set(dates) | set(self.editions), reverse=True)  # editions with articles, newest first
        self.changed: set = set()  # editions whose entries this build changed (to record)

    @classmethod
    def of(cls, entries) -> "Catalog":
        """A catalog of some entries, all in memory."""
        editions: dict = {}
        for entry in entries:
            editions.setdefault(entry.edition, {})[entry.key] = entry
        found = cls(editions, editions=editions)
        found.changed = set(editions)
        return found

    def edition(self, date: str) -> dict[str, Entry]:
        """An edition's entries by key (empty when it has none)."""
        found = self.editions.get(date)
        if found is None:
            if date not in self.dates:
                return {}
            self.read([date])
            found = self.editions[date]
        return found

    def read(self, dates) -> None:
        """Read some editions' entries at once."""
        missing = [d for d in dates if d not in self.editions and d in self.dates]
        if missing:
            loaded = self.load(missing)
            for date in missing:
                self.editions[date] = {entry.key: entry for entry in loaded.get(date, ())}

    def read_all(self) -> None:
        """Read every edition (lists, feeds and counts need them all)."""
        self.read(self.dates)

    def get(self, key: str, default=None) -> Entry | None:
        return self.edition(key.split("/", 1)[0]).get(key, default)

    def __getitem__(self, key: str) -> Entry:
        return self.edition(key.split("/", 1)[0])[key]

    def __contains__(self, key: str) -> bool:
        return key in self.edition(key.split("/", 1)[0])

    def put(self, entry: Entry) -> None:
        """Add or replace an entry."""
        edition = self.edition(entry.edition) if entry.edition in self.dates else self.editions.setdefault(
            entry.edition, {})
        edition[entry.key] = entry
        if entry.edition not in self.dates:
            self.dates = sorted({*self.dates, entry.edition}, reverse=True)
        self.changed.add(entry.edition)

    def remove(self, key: str) -> None:
        """Drop an entry (and its edition, when it was the last)."""
        date = key.split("/", 1)[0]
        edition = self.edition(date)
        if key in edition:
            del edition[key]
            self.changed.add(date)
        if not edition and date in self.dates:
            self.dates = [d for d in self.dates if d != date]

    def keys(self) -> list[str]:
        self.read_all()
        return [key for date in self.dates for key in self.editions[date]]

    def values(self) -> list[Entry]:
        self.read_all()
        return [entry for date in self.dates for entry in self.editions[date].values()]

    def __iter__(self):
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self.keys())


@dataclass(frozen=True)
class EditionRef:
    """An edition as other pages name it: its date, titles and leads."""

    date: str
    title: dict
    lead: dict
    fp: str = ""


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
    """An edition as article pages show it in one language: its titles and its articles' titles and URLs.

    Only these, so that editing one article's body renders that article's pages again, not its
    whole edition's (a page is planned again when a key it read changes).
    """

    date: str
    title: dict
    items: dict  # lang -> tuple[MentionItem], for the page's language only
    newest: object = None  # the latest change of its articles in this language (sitemap lastmod)
    fp: str = ""


@dataclass(frozen=True)
class EditionLine:
    """An edition as the list of editions and the archive show it: date, titles, article count."""

    date: str
    title: dict
    count: int
    newest: object = None
    fp: str = ""


@dataclass(frozen=True)
class ListKey:
    """A paginated list: the home of a language, a section or a tag."""

    kind: str  # home, section, tag
    key: str | None
    lang: str

    @property
    def name(self) -> str:
        """The list as a dependency key part."""
        return f"{self.kind}/{self.key or ''}/{self.lang}"

    def path(self, number: int | None) -> str:
        """The site path of the front page (None) or of numbered page `number`."""
        base = urls.home(self.lang) if self.kind == "home" else \
            urls.section(self.lang, self.key) if self.kind == "section" else urls.tag(self.lang, self.key)
        return base if number is None else urls.numbered(base, number)


def list_layout(count: int, per_page: int) -> tuple[int, list[tuple[int, int]]]:
    """Stable pagination: (size of the front page, [(start, end) of numbered page 1, 2, …]).

    Items are newest first. Numbered pages hold fixed chunks counted from the oldest, so
    `/zh/page/3/` keeps its articles once it is full and a new edition changes only the front page
    and at most one numbered page (the chunk it completes). The front page shows the newest items
    that fill no numbered page yet, with the newest full chunk: between per_page and 2 × per_page - 1
    items (all of them when there are fewer). Ranges index the newest-first list.
    """
    full = count // per_page
    if full <= 1:
        return count, []
    front = count - (full - 1) * per_page
    return front, [(count - k * per_page, count - (k - 1) * per_page) for k in range(1, full)]


@dataclass
class Site:
    """The linked model: config, catalog, edition settings, standalone pages, tags, glossary, records on demand."""

    config: Config
    catalog: Catalog  # article key -> Entry, per edition
    infos: dict  # date -> content.EditionInfo (title, lead, order)
    pages: tuple  # model.Page records
    tags: dict
    glossary: dict
    load_groups: object = None  # callable(keys) -> {key: {lang: Article}}, for records not in memory
    groups: dict = field(default_factory=dict)  # key -> {lang: Article}, loaded so far
    memo: dict = field(default_factory=dict)  # derived values of this build (cleared when the catalog changes)
    fp: str = ""

    # --- records ---------------------------------------------------------------------------------

    def group(self, key: str) -> dict[str, Article]:
        """An article's records in every language."""
        found = self.groups.get(key)
        if found is None:
            self.preload([key])
            found = self.groups[key]
        return found

    def preload(self, keys) -> None:
        """Load the records of some articles at once (one query for all)."""
        missing = [k for k in keys if k not in self.groups]
        if missing:
            self.groups.update(self.load_groups(missing))

    def article(self, key: str, lang: str) -> Article:
        """One version's record."""
        return self.group(key)[lang]

    # --- orders ------------------------------------------------------------------------------------

    def memoised(self, name, make):
        """A derived value, computed once per build."""
        found = self.memo.get(name)
        if found is None:
            found = self.memo[name] = make()
        return found

    def order(self) -> tuple[Entry, ...]:
        """Every entry in list order: editions newest first, each edition's articles by position."""
        def make():
            self.catalog.read_all()
            return tuple(entry for date in self.catalog.dates for entry in self.edition_entries(date))
        return self.memoised("order", make)

    def edition_entries(self, date: str) -> tuple[Entry, ...]:
        """An edition's entries by position (empty when it has none)."""
        return self.memoised(("edition", date), lambda: tuple(sorted(self.catalog.edition(date).values(),
                                                                       key=attrgetter("position"))))

    def has_edition(self, date: str) -> bool:
        """The edition has articles (so it has pages)."""
        return date in self.catalog.dates

    def editions(self) -> tuple[str, ...]:
        """The dates of the editions that have articles, newest first."""
        return tuple(self.catalog.dates)

    def latest(self) -> str | None:
        """The newest edition's date."""
        dates = self.editions()
        return dates[0] if dates else None

    # --- editions ----------------------------------------------------------------------------------

    def edition_ref(self, date: str | None) -> EditionRef | None:
        """An edition's date, titles and leads."""
        if date is None:
            return None
        info = self.infos.get(date)
        title, lead = (dict(info.title), dict(info.lead)) if info is not None else ({}, {})
        return EditionRef(date, title, lead, fingerprint(date, sorted(title.items()), sorted(lead.items())))

    def edition_members(self, date: str, lang: str) -> tuple[tuple[str, str, bool], ...]:
        """(key, language shown, notice) of an edition's articles in a language's lists."""
        found = []
        for entry in self.edition_entries(date):
            item = entry.item(lang)
            if item is not None:
                found.append((entry.key, item[0], item[1]))
        return tuple(found)

    def edition(self, date: str, lang: str) -> Edition:
        """An edition with its items in one language as full records (the edition page, feeds, landing)."""
        members = self.edition_members(date, lang)
        self.preload(key for key, _, _ in members)
        items = tuple(Item(self.article(key, shown), notice) for key, shown, notice in members)
        ref = self.edition_ref(date)
        return Edition(date, ref.title, ref.lead, {lang: items},
                       fingerprint(ref.fp, lang, [item.fp for item in items]))

    def outline(self, date: str, lang: str) -> EditionOutline:
        """An edition as article pages list it in one language (titles and URLs from the catalog)."""
        def make():
            items = []
            newest = None
            for entry in self.edition_entries(date):
                item = entry.item(lang)
                if item is None:
                    continue
                version = entry.version(item[0])
                items.append(MentionItem(Mention(entry.key, version.lang, version.title, version.url), item[1]))
                newest = version.lastmod if newest is None else max(newest, version.lastmod)
            ref = self.edition_ref(date)
            items = tuple(items)
            return EditionOutline(date, ref.title, {lang: items}, newest,
                                  fingerprint(date, sorted(ref.title.items()), lang, items, newest))
        return self.memoised(("outline", date, lang), make)

    def neighbours(self, date: str) -> tuple[EditionRef | None, EditionRef | None]:
        """The newer and the older edition around one."""
        dates = self.editions()
        index = dates.index(date)
        return (self.edition_ref(dates[index - 1]) if index > 0 else None,
                self.edition_ref(dates[index + 1]) if index + 1 < len(dates) else None)

    def edition_lines(self, lang: str) -> tuple[EditionLine, ...]:
        """Every edition as the list of editions and the archive show it, newest first."""
        def make():
            lines = []
            self.catalog.read_all()
            for date in self.catalog.dates:
                entries = self.edition_entries(date)
                count, newest = 0, None
                for entry in entries:
                    item = entry.item(lang)
                    if item is not None:
                        count += 1
                        lastmod = entry.version(item[0]).lastmod
                        newest = lastmod if newest is None else max(newest, lastmod)
                title = dict(self.infos[date].title) if date in self.infos else {}
                lines.append(EditionLine(date, title, count, newest, fingerprint(date, sorted(title.items()), count,
                                                                                 newest)))
            return tuple(lines)
        return self.memoised(("lines", lang), make)

    # --- lists -------------------------------------------------------------------------------------

    def list_keys(self) -> list[ListKey]:
        """Every paginated list of the site: homes, configured sections, tags in use per language."""
        found = []
        for lang in self.config.codes:
            found.append(ListKey("home", None, lang))
            found += [ListKey("section", key, lang) for key in self.config.sections]
            used = self.tags_in_use(lang)
            found += [ListKey("tag", key, lang) for key in self.tags if key in used]
        return found

    def members(self) -> dict[str, tuple]:
        """List name -> its items newest first as (key, language shown, notice), every list in one pass."""
        def make():
            found: dict = {}
            for entry in self.order():
                for lang in self.config.codes:
                    item = entry.item(lang)
                    if item is None:
                        continue
                    member = (entry.key, item[0], item[1])
                    found.setdefault(f"home//{lang}", []).append(member)
                    found.setdefault(f"section/{entry.section}/{lang}", []).append(member)
                    for tag in entry.tags:
                        found.setdefault(f"tag/{tag}/{lang}", []).append(member)
            return {name: tuple(items) for name, items in found.items()}
        return self.memoised("members", make)

    def tags_in_use(self, lang: str) -> set:
        """The tags of the articles a language's lists show."""
        return self.memoised(("tags_in_use", lang), lambda: {
            name.split("/")[1] for name in self.members() if name.startswith("tag/") and name.endswith("/" + lang)})

    def list_slices(self, key: ListKey) -> dict:
        """Page number (None: the front page) -> the members it shows."""
        def make():
            members = self.members().get(key.name, ())
            front, ranges = list_layout(len(members), self.config.per_page)
            found = {None: members[:front]}
            for number, (start, end) in enumerate(ranges, start=1):
                found[number] = members[start:end]
            return found
        return self.memoised(("slices", key), make)

    def list_slice(self, key: ListKey, number: int | None) -> tuple:
        """The members one list page shows (from the record when the build knows the list did not change)."""
        known = self.memo.get(("slice", key.name, number))
        if known is not None:
            return known
        return self.list_slices(key).get(number, ())

    def list_items(self, key: ListKey, number: int | None) -> tuple[Item, ...]:
        """The items of one list page as full records."""
        members = self.list_slice(key, number)
        self.preload(k for k, _, _ in members)
        return tuple(Item(self.article(k, shown), notice) for k, shown, notice in members)

    def tag_counts(self, lang: str) -> tuple:
        """(tag, number of articles) for the tags in use in a language, in tags.yaml's order."""
        members = self.members()
        return self.memoised(("tag_counts", lang), lambda: tuple(
            (key, len(members[f"tag/{key}/{lang}"])) for key in self.tags if f"tag/{key}/{lang}" in members))

    def search_periods(self, lang: str) -> tuple[str, ...]:
        """The search index's periods that hold articles in a language, newest first (see search.period_of)."""
        def make():
            from .search import periods_of
            dates = [date for date in self.catalog.dates if any(e.version(lang) for e in self.edition_entries(date))]
            newest = self.catalog.dates[:1]
            found = periods_of([*newest, *dates])  # periods are counted from the newest edition of any language
            return tuple(period for period, members in found.items() if set(members) & set(dates))
        return self.memoised(("periods", lang), make)

    # --- feeds, news -----------------------------------------------------------------------------

    def feed_top(self, lang: str) -> dict:
        """The newest articles written in a language (no untranslated originals), at most feed_size: every
        one under NO_SECTION, and each section's under its key — one sort and one pass for every feed."""
        def make():
            own = [entry for entry in self.order() if entry.version(lang) is not None]
            own.sort(key=attrgetter("date"), reverse=True)  # stable: edition order among equal dates
            size = self.config.feed_size
            chosen: dict = {NO_SECTION: [e.key for e in own[:size]]}
            for entry in own:
                if entry.section is None:
                    continue
                found = chosen.setdefault(entry.section, [])
                if len(found) < size:
                    found.append(entry.key)
            return {key: tuple(found) for key, found in chosen.items()}
        return self.memoised(("feed_top", lang), make)

    def news(self, days: int, limit: int) -> tuple[tuple[str, str], ...]:
        """(key, language) of the articles dated on the newest edition's day or the days before it, newest first."""
        def make():
            latest = self.latest()
            if latest is None:
                return ()
            last = dt.date.fromisoformat(latest)
            first = last - dt.timedelta(days=days - 1)
            tz, codes = self.config.tz, self.config.codes
            chosen = [(entry, v.lang) for entry in self.catalog.values() for v in entry.versions
                      if first <= entry.date.astimezone(tz).date() <= last]
            chosen.sort(key=lambda pair: (pair[0].date, pair[0].key, codes.index(pair[1])), reverse=True)
            return tuple((entry.key, lang) for entry, lang in chosen[:limit])
        return self.memoised(("news", days, limit), make)

    # --- links -------------------------------------------------------------------------------------

    def link_target(self, source: str) -> tuple | None:
        """The site paths of the records written in a content file (content-relative), by language; None if none."""
        parts = source.split("/")
        stem_lang = parts[-1][:-3].rsplit(".", 1) if parts[-1].endswith(".md") else None
        if stem_lang is None or len(stem_lang) != 2:
            return None
        stem, lang = stem_lang
        if len(parts) == 3 and parts[0] == "editions":
            entry = self.catalog.get(f"{parts[1]}/{stem}")
            if entry is None or entry.version(lang) is None or entry.version(lang).shown != "content/" + source:
                return None
            return tuple((v.lang, v.url) for v in entry.versions)
        if len(parts) == 2 and parts[0] == "pages":
            found = tuple((p.lang, p.url) for p in self.pages if p.key == stem)
            return found if any(p.shown == "content/" + source for p in self.pages if p.key == stem) else None
        return None


def inverted(date: str) -> str:
    """A date that sorts in reverse (newest first) as text."""
    return "".join(chr(0x7f - ord(c)) for c in date)


def site_fingerprint(config: Config, pages: tuple, tags: dict) -> str:
    """What every page shows of the site: the settings, the standalone pages' titles (navigation), tag labels."""
    return fingerprint(sorted(config.raw.items(), key=str), [(p.lang, p.url, p.title) for p in pages],
                       sorted(tags.items()))


def value_hash(value) -> str:
    """A short hash of a derived value (what is recorded for a key)."""
    fp = getattr(value, "fp", None)
    if isinstance(fp, str) and fp:
        return fp
    return hashlib.blake2b(repr(value).encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


def value_of(site: Site, key: str):
    """The current value of an input key, or None when it names nothing (a removed article, list page …)."""
    kind, _, rest = key.partition(":")
    if kind == "g":
        entry = site.catalog.get(rest)
        return entry.fp if entry is not None else None
    if kind == "o":
        date, lang = rest.rsplit(":", 1)
        return site.outline(date, lang) if site.has_edition(date) else None
    if kind == "m":
        date, lang = rest.rsplit(":", 1)
        return site.edition_members(date, lang) if site.has_edition(date) else None
    if kind == "e":
        return site.edition_ref(rest)
    if kind == "n":
        return site.neighbours(rest) if site.has_edition(rest) else None
    if kind == "eds":
        return site.edition_lines(rest)
    if kind == "latest":
        return site.latest()
    if kind == "le":
        return site.editions()[:int(rest)]
    if kind == "smap":
        return site.memo.get("sitemap_entries")
    if kind == "ls":
        name, number = rest.rsplit(":", 1)
        number = None if number == "" else int(number)
        known = site.memo.get(("slice", name, number))
        return known if known is not None else site.list_slices(list_key_of(name)).get(number)  # None: gone
    if kind == "lp":
        name, number = rest.rsplit(":", 1)
        return list_position(site, list_key_of(name), None if number == "" else int(number))
    if kind == "ft":
        lang, section = rest.split(":", 1)
        return site.feed_top(lang).get(section, ())
    if kind == "ti":
        return site.tag_counts(rest)
    if kind == "periods":
        return site.search_periods(rest)
    if kind == "news":
        days, limit = rest.split(":")
        return site.news(int(days), int(limit))
    if kind == "x":
        return site.link_target(rest)
    if kind == "gl":
        return sorted(site.glossary.items())
    raise ValueError(f"unknown input key {key!r}")


def list_key_of(name: str) -> ListKey:
    """The ListKey a dependency key part names."""
    kind, key, lang = name.split("/")
    return ListKey(kind, key or None, lang)


def list_position(site: Site, key: ListKey, number: int | None) -> tuple:
    """What a list page shows of its neighbours: which pages exist around it, and in which languages."""
    known = site.memo.get(("position", key.name, number))
    if known is not None:
        return known

    def count(k: ListKey) -> int:
        return len(site.list_slices(k)) - 1  # numbered pages
    total = count(key)
    if key.kind == "home":
        langs = tuple(code for code in site.config.codes
                      if number is None or number <= count(ListKey("home", None, code)))
    elif number is None and key.kind == "tag":
        langs = tuple(code for code in site.config.codes if key.key in site.tags_in_use(code))
    elif number is None:
        langs = tuple(site.config.codes)
    else:
        langs = ()
    return total, langs


class View:
    """The model as one page's maker sees it: every read notes the input key it depends on."""

    def __init__(self, site: Site):
        self.site = site
        self.config = site.config
        self.deps: set = set()

    def note(self, key: str) -> None:
        """Record an input key the page reads."""
        self.deps.add(key)

    def group(self, key: str) -> dict[str, Article]:
        self.note("g:" + key)
        return self.site.group(key)

    def catalog_entry(self, key: str) -> Entry:
        self.note("g:" + key)
        return self.site.catalog[key]

    def edition(self, date: str, lang: str) -> Edition:
        self.note(f"m:{date}:{lang}")
        self.note("e:" + date)
        found = self.site.edition(date, lang)
        for item in found.items[lang]:
            self.note("g:" + item.article.key)
        return found

    def outline(self, date: str, lang: str) -> EditionOutline:
        self.note(f"o:{date}:{lang}")
        return self.site.outline(date, lang)

    def edition_ref(self, date: str | None) -> EditionRef | None:
        if date is not None:
            self.note("e:" + date)
        return self.site.edition_ref(date)

    def neighbours(self, date: str) -> tuple:
        self.note("n:" + date)
        return self.site.neighbours(date)

    def edition_lines(self, lang: str) -> tuple:
        self.note("eds:" + lang)
        return self.site.edition_lines(lang)

    def latest(self) -> str | None:
        self.note("latest:")
        return self.site.latest()

    def list_items(self, key: ListKey, number: int | None) -> tuple[Item, ...]:
        self.note(f"ls:{key.name}:{'' if number is None else number}")
        found = self.site.list_items(key, number)
        for item in found:
            self.note("g:" + item.article.key)
        return found

    def list_position(self, key: ListKey, number: int | None) -> tuple:
        self.note(f"lp:{key.name}:{'' if number is None else number}")
        return list_position(self.site, key, number)

    def feed_articles(self, lang: str, section: str) -> tuple[Article, ...]:
        self.note(f"ft:{lang}:{section}")
        keys = self.site.feed_top(lang).get(section, ())
        self.site.preload(keys)
        for key in keys:
            self.note("g:" + key)
        return tuple(self.site.article(key, lang) for key in keys)

    def tag_counts(self, lang: str) -> tuple:
        self.note("ti:" + lang)
        return self.site.tag_counts(lang)

    def search_periods(self, lang: str) -> tuple:
        self.note("periods:" + lang)
        return self.site.search_periods(lang)

    def news(self, days: int, limit: int) -> tuple:
        self.note(f"news:{days}:{limit}")
        found = self.site.news(days, limit)
        self.site.preload(key for key, _ in found)
        for key, _ in found:
            self.note("g:" + key)
        return tuple(self.site.article(key, lang) for key, lang in found)

    def link_target(self, source: str) -> tuple | None:
        self.note("x:" + source)
        return self.site.link_target(source)

    def glossary(self) -> dict:
        self.note("gl:")
        return self.site.glossary


def page_record(site: Site, key: str) -> list[Page]:
    """The versions of a standalone page."""
    return [p for p in site.pages if p.key == key]
