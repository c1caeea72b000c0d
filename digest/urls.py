"""Every URL and output path of the site, in one place.

Site paths are relative to base_url, use '/' and end with '/' for pages
(a folder holding index.html) or with a file name (feed.xml, 404.html).
Links inside pages are written relative to the page that holds them, so the
site works under any base path and from a plain static server.
"""
from __future__ import annotations

from urllib.parse import urljoin


def home(lang: str) -> str:
    """A language's home: the front page of its list of articles."""
    return f"{lang}/"


def numbered(list_path: str, number: int) -> str:
    """A numbered page of a list (home, section, tag): counted from the oldest, so it keeps its articles."""
    return f"{list_path}page/{number}/"


def editions(lang: str) -> str:
    """The list of editions."""
    return f"{lang}/editions/"


def edition(lang: str, date: str) -> str:
    """One edition."""
    return f"{lang}/editions/{date}/"


def article(lang: str, date: str, slug: str) -> str:
    """One article."""
    return f"{lang}/editions/{date}/{slug}/"


def bilingual(article_path: str) -> str:
    """The bilingual (side-by-side) view of an article, below the article's own path."""
    return f"{article_path}bilingual/"


def section(lang: str, key: str) -> str:
    """A section's list (its front page)."""
    return f"{lang}/sections/{key}/"


def tags(lang: str) -> str:
    """The tag index."""
    return f"{lang}/tags/"


def tag(lang: str, key: str) -> str:
    """A tag's list (its front page)."""
    return f"{lang}/tags/{key}/"


def archive(lang: str) -> str:
    """The archive by month."""
    return f"{lang}/archive/"


def search(lang: str) -> str:
    """A language's search page (its index is in PAGEFIND)."""
    return f"{lang}/search/"


PAGEFIND = "pagefind/"  # the search index of every language, as Pagefind writes it


def page(lang: str, slug: str) -> str:
    """A standalone page."""
    return f"{lang}/{slug}/"


def feed(lang: str) -> str:
    """A language's Atom feed."""
    return f"{lang}/feed.xml"


def json_feed(lang: str) -> str:
    """A language's JSON Feed."""
    return f"{lang}/feed.json"


def section_feed(lang: str, key: str) -> str:
    """A section's Atom feed."""
    return f"{section(lang, key)}feed.xml"


def editions_feed(lang: str) -> str:
    """The Atom feed of the list of editions: one entry per edition."""
    return f"{editions(lang)}feed.xml"


SITEMAP = "sitemap.xml"
NEWS_SITEMAP = "news-sitemap.xml"
ROBOTS = "robots.txt"


def sitemap_part(number: int) -> str:
    """One of the sitemap files listed by the sitemap index, for sites over the per-file limit."""
    return f"sitemap-{number}.xml"


def output_file(path: str) -> str:
    """The file that serves a site path: folders get index.html."""
    return path + "index.html" if path == "" or path.endswith("/") else path


def relative(from_path: str, to_path: str) -> str:
    """A link from the page at from_path to to_path, relative, so any base path works."""
    depth = from_path.count("/")
    up = "../" * depth
    return (up + to_path) or "./"


def absolute(base_url: str, path: str) -> str:
    """The absolute URL of a site path."""
    return urljoin(base_url, path)


RESERVED_PAGE_SLUGS = frozenset({"editions", "sections", "tags", "archive", "page", "search", "feed.xml", "feed.json"})
