"""Reading a built site as its users meet it: pages, links, alternates."""
from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit


class PageParser(HTMLParser):
    """Collects the links, alternates, canonical and <html lang> of one page."""

    def __init__(self):
        super().__init__()
        self.lang = None
        self.links: list[str] = []
        self.alternates: dict[str, str] = {}
        self.canonical = None
        self.refresh = None
        self.ids: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id") is not None:
            self.ids.append(a["id"])
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "link" and a.get("rel") == "canonical":
            self.canonical = a.get("href")
        elif tag == "link" and a.get("rel") == "alternate" and a.get("hreflang"):
            self.alternates[a["hreflang"]] = a["href"]
        elif tag == "link" and a.get("rel") == "stylesheet":
            self.links.append(a["href"])
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag in ("img", "script") and a.get("src"):
            self.links.append(a["src"])
        elif tag == "meta" and a.get("http-equiv") == "refresh":
            self.refresh = a["content"].split("url=", 1)[1]


def parse_page(path: Path) -> PageParser:
    """Parse one HTML file."""
    parser = PageParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def html_pages(out: Path) -> list[Path]:
    """Every HTML file of the site (the build's state folder excluded)."""
    return sorted(p for p in out.rglob("*.html"))


def page_url(out: Path, path: Path, base: str) -> str:
    """The URL a file is served at under base (folders for index.html)."""
    rel = path.relative_to(out).as_posix()
    if rel.endswith("index.html"):
        rel = rel[: -len("index.html")]
    return urljoin(base, rel)


def target_file(out: Path, url: str, base: str) -> Path | None:
    """The file a same-site URL leads to, as a plain static server would serve it; None if off-site."""
    if not url.startswith(base):
        return None
    rel = urlsplit(url).path[len(urlsplit(base).path):]
    target = out / rel
    if rel == "" or rel.endswith("/"):
        target = target / "index.html"
    return target


def broken_links(out: Path, base: str) -> list[str]:
    """Links of every page (404 excluded) that lead to no file when the site is served at base."""
    broken = []
    for path in html_pages(out):
        if path.name == "404.html":
            continue
        here = page_url(out, path, base)
        for link in parse_page(path).links:
            url = urljoin(here, link).split("#")[0]
            target = target_file(out, url, base)
            if target is not None and not target.is_file():
                broken.append(f"{path.relative_to(out)} -> {link}")
            elif target is None and urlsplit(url).netloc == urlsplit(base).netloc:
                broken.append(f"{path.relative_to(out)} -> {link} (outside {base})")
    return broken


def broken_fragments(out: Path, base: str) -> list[str]:
    """Links of every page whose #fragment names no id of the page they lead to (404 and search index excluded)."""
    parsed = {page_url(out, path, base): parse_page(path) for path in html_pages(out) if path.name != "404.html"}
    broken = []
    for here, page in parsed.items():
        for link in page.links:
            url, _, fragment = urljoin(here, link).partition("#")
            target = parsed.get(url)
            if fragment and target is not None and fragment not in target.ids:
                broken.append(f"{here[len(base):]} -> {link}")
    return broken
