"""A body is right wherever it is shown (issue 18), and never loses text (issue 26, item 1).

tests/fixtures/bodies has articles with footnotes in both languages, headings with ids, a table, an
image and links relative to the article, raw HTML with an id, and links to other articles by relative
path (source file, page path, another edition), and a standalone page with footnotes.
"""
from __future__ import annotations

import json
import random
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from conftest import build_project, make_project, run_cli
from digest.body import place, shape
from digest.markdown import convert
from sitecrawl import broken_fragments, broken_links, html_pages
from test_html_valid import validate

BASE = "https://example.org/digest/"
E = "content/editions/2020-12-21/"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def bodies_site(tmp_path_factory):
    """The bodies fixture, built once."""
    project = make_project(tmp_path_factory.mktemp("bodies"), "bodies")
    result, out = build_project(project)
    return project, out


def read(out, rel: str) -> str:
    """A built file's text."""
    return (out / rel).read_text(encoding="utf-8")


class Ids(HTMLParser):
    """Every id of a page, and the ids inside each bilingual column (by its lang)."""

    def __init__(self):
        super().__init__()
        self.all: list[str] = []
        self.columns: dict[str, list[str]] = {}
        self.stack: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        column = a.get("lang") if "bi-col" in (a.get("class") or "").split() else None
        if tag not in ("img", "br", "hr", "meta", "link", "input", "source", "wbr"):
            self.stack.append((tag, column))
        if a.get("id"):
            self.all.append(a["id"])
            inside = next((c for _, c in reversed(self.stack) if c), None)
            if inside:
                self.columns.setdefault(inside, []).append(a["id"])

    def handle_endtag(self, tag):
        while self.stack and self.stack.pop()[0] != tag:
            pass


def ids_of(html: str) -> Ids:
    """The ids of a page."""
    parser = Ids()
    parser.feed(html)
    return parser


# --------------------------------------------------------------- every page valid, every link leads somewhere

def test_every_page_passes_the_nu_checker_duplicate_ids_included(bodies_site, tmp_path):
    from conftest import require_tool
    require_tool("java", "Java for the Nu HTML checker")
    _, out = bodies_site
    proc = validate(out)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_no_page_has_an_id_twice(bodies_site):
    _, out = bodies_site
    for path in html_pages(out):
        ids = ids_of(path.read_text(encoding="utf-8")).all
        assert len(ids) == len(set(ids)), (path, sorted(i for i in ids if ids.count(i) > 1))


def test_every_href_and_src_of_every_page_resolves_in_both_url_spaces(bodies_site):
    _, out = bodies_site
    assert broken_links(out, BASE) == []
    assert broken_fragments(out, BASE) == []
    crawled = {p.relative_to(out).as_posix() for p in html_pages(out)}
    for lang in ("zh", "en"):  # the pages that show bodies, in each language's URL space
        for slug in ("harbour", "quay"):
            assert f"{lang}/editions/2020-12-21/{slug}/bilingual/index.html" in crawled
        assert f"{lang}/about/index.html" in crawled


# --------------------------------------------------------------- bilingual pages: one id namespace per language

@pytest.mark.parametrize("lang", ["zh", "en"])
def test_bilingual_page_gives_each_language_its_own_ids_and_footnotes(bodies_site, lang):
    _, out = bodies_site
    html = read(out, f"{lang}/editions/2020-12-21/harbour/bilingual/index.html")
    ids = ids_of(html)
    assert {"zh_fn:1", "zh_fnref:1", "zh_fn:src", "zh_quay-work", "zh_box"} <= set(ids.columns["zh-Hans"])
    assert {"en_fn:1", "en_fnref:1", "en_fn:src", "en_quay-work", "en_box"} <= set(ids.columns["en"])
    assert not any(i.startswith("en_") for i in ids.columns["zh-Hans"])
    assert not any(i.startswith("zh_") for i in ids.columns["en"])
    assert 'href="#zh_fn:1"' in html and 'href="#en_fn:1"' in html and 'href="#zh_fnref:src"' in html
    assert {"p1", "p2", "p3"} <= set(ids.all)  # the shared paragraph permalinks keep their names
    assert "据青岛港集团发布的数据。" in html and "Figures published by Qingdao Port Group." in html


def test_article_pages_keep_the_ids_their_authors_wrote(bodies_site):
    _, out = bodies_site
    ids = set(ids_of(read(out, "zh/editions/2020-12-21/harbour/index.html")).all)
    assert {"fn:1", "fnref:1", "fn:src", "quay-work", "box", "p1", "p5"} <= ids
    assert 'href="../../../../zh/editions/2020-12-21/quay/#quay-history"' in read(out, "zh/editions/2020-12-21/harbour/index.html")


# --------------------------------------------------------------- relative URLs rebased to the page that shows them

def test_relative_links_are_rebased_on_each_page(bodies_site):
    _, out = bodies_site
    article = read(out, "en/editions/2020-12-21/harbour/index.html")
    bilingual = read(out, "en/editions/2020-12-21/harbour/bilingual/index.html")
    for html, up in ((article, "../../../../"), (bilingual, "../../../../../")):
        assert f'src="{up}assets/editions/2020-12-21/photo.png"' in html
        assert f'href="{up}en/editions/2020-12-21/quay/"' in html  # quay.zh.md, in the page's language
        assert f'href="{up}en/editions/2020-12-20/older/"' in html  # ../../2020-12-20/older/
        assert f'href="{up}en/editions/2020-12-21/quay/#quay-history"' in html  # from raw HTML
    assert 'href="../../../../../zh/editions/2020-12-21/quay/"' in bilingual  # the Chinese column's own links
    page = read(out, "zh/about/index.html")
    assert 'href="../../zh/editions/"' in page and 'id="fn:1"' in page


def test_feeds_have_absolute_urls_and_no_ids(bodies_site):
    _, out = bodies_site
    root = ET.parse(out / "en/feed.xml").getroot()
    entry = next(e for e in root.iter(ATOM + "entry") if "record" in e.find(ATOM + "title").text)
    content = entry.find(ATOM + "content").text
    assert " id=" not in content
    assert f'href="{BASE}en/editions/2020-12-21/harbour/#fn:1"' in content  # a footnote leads to the article
    assert f'src="{BASE}assets/editions/2020-12-21/photo.png"' in content
    assert f'href="{BASE}en/editions/2020-12-21/quay/#quay-history"' in content
    assert "\x00" not in content
    item = next(i for i in json.loads(read(out, "en/feed.json"))["items"] if "record" in i["title"])
    assert " id=" not in item["content_html"] and f"{BASE}en/editions/2020-12-20/older/" in item["content_html"]


def test_excerpts_leave_footnotes_and_their_marks_out(bodies_site):
    _, out = bodies_site
    item = next(i for i in json.loads(read(out, "zh/feed.json"))["items"] if i["title"] == "上一期的港口报道")
    assert item["summary"] == "港口计划扩建，见下一期。"


# --------------------------------------------------------------- placing a body

def test_place_gives_a_namespace_rebases_links_or_drops_ids():
    body, facts = shape(convert('See [a note](#n)[^1] and ![x](photo.png).\n\n<p id="n" class="x">N</p>\n\n'
                                '[^1]: One.\n'))
    links = {"photo.png": "assets/editions/2020-12-21/photo.png"}
    assert facts.links == ("photo.png",)
    own = place(body.html, "../../../../", links)
    assert 'href="#n"' in own and 'id="n"' in own and 'src="../../../../assets/editions/2020-12-21/photo.png"' in own
    column = place(body.html, "../../../../../", links, ids="en_")
    assert 'href="#en_n"' in column and 'id="en_n"' in column and 'href="#en_fn:1"' in column
    feed = place(body.html, BASE, links, ids=None, page="en/editions/2020-12-21/a/")
    assert " id=" not in feed and f'href="{BASE}en/editions/2020-12-21/a/#n"' in feed
    assert f'src="{BASE}assets/editions/2020-12-21/photo.png"' in feed
    assert "\x00" not in own + column + feed


# --------------------------------------------------------------- issue 26, item 1: a body never loses text

UNBALANCED = {
    "unclosed-link": ('第一段<a href="https://example.org">链接没有闭合。\n\n第二段。\n\n第三段。\n', 6),
    "unclosed-bold": ("第一段。\n\n第二段<b>加粗没有闭合。\n\n第三段。\n", 8),
    "stray-end-tag": ("第一段。\n\n第二段</span>多余的闭合。\n\n第三段。\n", 8),
    "unclosed-div": ("<div>\n\n第一段。\n\n第二段。\n\n第三段。\n", 6),
    "stray-div-end": ("第一段。</div>\n\n第二段。</body></html>\n\n第三段。\n", 6),
}
PARAGRAPHS = ("第一段", "第二段", "第三段")


class Text(HTMLParser):
    """The visible text of a page or fragment."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)


def text_of(html: str) -> str:
    """Visible text, tags removed."""
    parser = Text()
    parser.feed(html)
    return "".join(parser.parts)


@pytest.mark.parametrize("case", sorted(UNBALANCED))
def test_unbalanced_markup_keeps_every_paragraph_on_every_page(tmp_path, case):
    body, line = UNBALANCED[case]
    project = make_project(tmp_path, files={
        E + "broken.zh.md": f"---\ntitle: 标签没有闭合\nsection: economy\n---\n\n{body}",
        E + "broken.en.md": "---\ntitle: Unbalanced tags\n---\n\nOne.\n\nTwo.\n\nThree.\n"})
    done = run_cli(project, "build")
    assert done.returncode == 0, done.stderr
    out = project / "site"
    article = read(out, "zh/editions/2020-12-21/broken/index.html")
    story = article[article.index('<div class="story-body">'):article.index('<footer class="story-foot"')]
    bilingual = read(out, "en/editions/2020-12-21/broken/bilingual/index.html")
    feed = ET.parse(out / "zh/feed.xml").getroot()
    content = next(e.find(ATOM + "content").text for e in feed.iter(ATOM + "entry")
                   if e.find(ATOM + "title").text == "标签没有闭合")
    json_item = next(i for i in json.loads(read(out, "zh/feed.json"))["items"] if i["title"] == "标签没有闭合")
    for shown in (story, bilingual, content, json_item["content_html"]):
        assert all(p in text_of(shown) for p in PARAGRAPHS), (case, shown)
    assert story.count("<div") == story.count("</div>")  # the page's own containers are not closed by the body
    assert '<footer class="story-foot"' in article and "</main>" in article
    done = run_cli(project, "check", "--format", "json")
    found = [(f["path"], f["line"]) for f in json.loads(done.stdout) if f["code"] == "unbalanced-html"]
    assert (E + "broken.zh.md", line) in found


def test_random_tag_soup_keeps_every_word():
    rng = random.Random(26)
    tags = ["p", "b", "i", "a href=x", "div", "span", "table", "tr", "td", "ul", "li", "em", "blockquote", "h2",
            "pre", "sup", "section", "img src=y", "br", "form", "select", "option", "html", "body", "head",
            "textarea", "title", "iframe", "noscript", "svg", "math", "frameset", "details", "figure"]
    words = ["alpha", "beta", "gamma", "delta", "epsilon"]
    for _ in range(400):
        parts = []
        for _ in range(rng.randint(1, 30)):
            roll, tag = rng.random(), rng.choice(tags)
            parts.append(f"<{tag}>" if roll < 0.35 else f"</{tag.split()[0]}>" if roll < 0.6 else rng.choice(words))
        soup = " ".join(parts)
        body, facts = shape(soup)
        want = sorted(w for w in re.findall("[a-z]+", soup) if w in words)
        assert sorted(w for w in re.findall("[a-z]+", text_of(body.html)) if w in words) == want, soup
        assert sorted(w for w in re.findall("[a-z]+", facts.text) if w in words) == want, soup


def test_markup_deeper_than_the_parser_goes_is_kept_as_text():
    body, facts = shape("<p>start" + "<div>" * 3000 + "deep</p>\n\n<p>end</p>")
    assert "start" in text_of(body.html) and "deep" in text_of(body.html) and "end" in text_of(body.html)


# --------------------------------------------------------------- check: what the build cannot fix

def test_check_reports_what_the_build_cannot_fix_with_file_and_line(tmp_path):
    project = make_project(tmp_path, "bodies")
    zh, en = project / E / "quay.zh.md", project / E / "quay.en.md"
    zh.write_text(zh.read_text(encoding="utf-8").replace("[^1]: 试运行三个月。\n", "")
                  + '\n<p id="p2">手写的段落编号。</p>\n\n<span id="main">与页面冲突</span>\n\n'
                    '见[不存在的文章](../nowhere/)和<img src="missing.png" alt="">。\n', encoding="utf-8")
    en.write_text(en.read_text(encoding="utf-8").replace("The new quay opened today[^1].", "The new quay opened.")
                  + "\nSee [no such place](#nowhere) and [older](../../2020-12-20/none/).\n\n"
                    '<b id="dup">a</b> <i id="dup">b</i> <s id="fn:9">c</s>\n', encoding="utf-8")
    done = run_cli(project, "check", "--format", "json")
    found = sorted((f["code"], f["path"], f["line"]) for f in json.loads(done.stdout) if f["level"] == "error")
    assert done.returncode == 1
    assert found == sorted([
        ("footnote-elsewhere", E + "quay.zh.md", 6),  # referred to here, defined only in English
        ("footnote-elsewhere", E + "quay.en.md", 11),  # defined here, referred to only in Chinese
        ("id-clash", E + "quay.zh.md", 13),  # p2: a paragraph permalink
        ("id-clash", E + "quay.zh.md", 15),  # main: the page's own
        ("broken-link", E + "quay.zh.md", 17),  # ../nowhere/
        ("missing-file", E + "quay.zh.md", 17),  # missing.png, in raw HTML
        ("broken-link", E + "quay.en.md", 13),  # #nowhere
        ("broken-link", E + "quay.en.md", 13),  # ../../2020-12-20/none/
        ("id-clash", E + "quay.en.md", 15),  # dup, twice
        ("id-clash", E + "quay.en.md", 15),  # fn:9: the footnotes'
    ])
    messages = {f["message"] for f in json.loads(done.stdout)}
    assert any("defined only in content/editions/2020-12-21/quay.en.md (line 11)" in m for m in messages)
    assert any("'dup' is used 2 times" in m for m in messages) and any("'main' is one the page" in m for m in messages)
    built = run_cli(project, "build")
    assert built.returncode == 0, built.stderr  # the build repairs what it can; check says what it cannot


def test_the_fixture_itself_checks_clean(tmp_path):
    done = run_cli(make_project(tmp_path, "bodies"), "check", "--format", "json")
    assert done.returncode == 0 and json.loads(done.stdout) == []


def test_a_note_nothing_refers_to_loses_its_dead_back_link():
    body, _ = shape(convert("Text.\n\n[^a]: A note no one refers to.\n"))
    assert "A note no one refers to." in body.notes and "footnote-backref" not in body.notes


def test_an_unclosed_comment_is_reported_at_its_line():
    from digest.tagbalance import unbalanced_html
    found = unbalanced_html("One.\n\n<!-- done -->\n\n<!-- draft\n\nTwo.\n")
    assert [(line, "never closed" in message) for line, message, _ in found] == [(5, True)]
