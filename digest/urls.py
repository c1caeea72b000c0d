"""Every URL and output path of the site, in one place.

Site paths are relative to base_url, use '/' and end with '/' for pages
(a folder holding index.html) or with a file name (feed.xml, 404.html).
Links inside pages are written relative to the page that holds them, so the
site works under any base path and from a plain static server.
"""
from __future__ import annotations

import re
import unicodedata
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
    """The absolute URL of a site path (a plain site path is appended: urljoin is slow, and sitemaps call this
    for every page)."""
    if base_url.endswith("/") and ":" not in path and not path.startswith(("/", ".")) and "/." not in path:
        return base_url + path
    return urljoin(base_url, path)


RESERVED_PAGE_SLUGS = frozenset({"editions", "sections", "tags", "archive", "page", "search", "feed.xml", "feed.json"})


# One URL space (issue 26): every output path — slugs, aliases, generated pages, static files and
# content assets — is checked by path_problem and compared by path_key, so two paths that one file
# system stores as one (case, Unicode normalisation) or a name some file system cannot hold are
# found while planning, before anything is written.
WINDOWS_RESERVED = frozenset(["con", "prn", "aux", "nul"] + [f"{d}{n}" for d in ("com", "lpt") for n in range(1, 10)])
MAX_SEGMENT_BYTES = 255  # the longest file name most file systems accept
UNSAFE_CHARS_RE = re.compile(r'[\x00-\x1f\x7f<>:"|?*\\]')
# What path_problem could object to, searched in all paths at once (joined by newlines): cheaper than
# one search per path, which matters at 25,000 paths. A hit only means "look at each path".
SUSPECT_CHARS_RE = re.compile(r'[\x00-\x09\x0b-\x20\x7f<>:"|?*\\\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f'
                              r'\u205f\u3000]')
SUSPECT_NAME_RE = re.compile(r'[\x00-\x1f\x7f<>:"|?*\\]|^\s|[\s.]$|^(?:con|prn|aux|nul|com[1-9]|lpt[1-9])\s*(?:\.|$)',
                             re.IGNORECASE)  # one name that name_problem may object to (the walker asks it)
SUSPECT_NAMES_RE = re.compile(r'[/\n](?:con|prn|aux|nul|com[1-9]|lpt[1-9])[./\n]')  # in the lower-cased text
SUSPECT_PARTS = ("/.", "\n.", "//", "./", ".\n", "\n/", "/\n", "\n\n")  # '.', '..', empty parts, a dot at the end

def is_windows_reserved(name: str) -> bool:
    """CON, PRN, AUX, NUL, COM1-9, LPT1-9, with or without an extension: Windows cannot check these out."""
    return name.split(".", 1)[0].strip().lower() in WINDOWS_RESERVED


def name_problem(name: str) -> str | None:
    """Why some file system cannot hold a file or folder of this name (a phrase); None when every one can."""
    if name == "":
        return "is empty"
    if name in (".", ".."):
        return "is not a name ('.' and '..' point elsewhere)"
    if UNSAFE_CHARS_RE.search(name):
        return 'holds a control character or one of < > : " | ? * \\'
    if name != name.strip():
        return "has a space at its start or end"
    if name.endswith("."):
        return "ends with a dot (Windows drops it)"
    if is_windows_reserved(name):
        return "is a name Windows reserves for devices (CON, PRN, AUX, NUL, COM1-9, LPT1-9)"
    if len(name.encode("utf-8", "surrogateescape")) > MAX_SEGMENT_BYTES:
        return f"is over {MAX_SEGMENT_BYTES} bytes long"
    return None


def path_problem(path: str) -> str | None:
    """Why an output path (relative, '/'-separated) cannot be written on every system; None when it can.

    The rules of name_problem for every part; so a path with no problem stays inside the output
    folder (no '..', no empty part, not absolute).
    """
    for part in path.split("/"):
        problem = name_problem(part)
        if problem:
            return f"'{part}' {problem}" if part else f"a part {problem}"
    return None


def path_problems(paths: list[str]) -> dict[int, str]:
    """path_problem of every path that has one, by index; the common case (none) in one scan of them all."""
    text = "\n" + "\n".join(paths) + "\n"
    if SUSPECT_CHARS_RE.search(text) or any(part in text for part in SUSPECT_PARTS) \
            or SUSPECT_NAMES_RE.search(text.lower()):
        suspects = range(len(paths))
    else:  # only a name over 255 bytes is left to find, and it has over 63 characters (4 bytes each at most)
        suspects = [i for i, path in enumerate(paths) if len(path) > 63 and any(
            len(part) > 63 and len(part.encode("utf-8", "surrogateescape")) > MAX_SEGMENT_BYTES
            for part in path.split("/"))]
    return {i: problem for i in suspects if (problem := path_problem(paths[i]))}


def path_key(path: str) -> str:
    """The form in which two output paths are compared: case-folded and Unicode-normalised, because
    macOS and Windows (and many static hosts) store café in NFC and NFD, or EDITIONS and editions, as one."""
    if path.isascii():
        return path.lower()
    return unicodedata.normalize("NFD", unicodedata.normalize("NFD", path).casefold())
