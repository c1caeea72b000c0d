"""Search in headless Chromium, on the seed edition, with the site served under /digest/."""
from __future__ import annotations

import functools
import http.server
import re
import threading
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

from conftest import ROOT, build_project, require_tool

pytestmark = pytest.mark.browser
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """A plain static server that keeps the test output clean."""

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The repository's own site (the seed edition) with its search index, served under /digest/."""
    chromium = require_tool("/usr/bin/chromium", "Debian's chromium")
    host = tmp_path_factory.mktemp("host")
    build_project(ROOT, host / "digest", base_url="http://127.0.0.1/digest/")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(host)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/digest/", chromium, host / "digest"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser(site):
    """One headless Chromium for the module."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=site[1], args=ARGS)
        yield instance
        instance.close()


def search(browser, site, lang: str, query: str, extra: str = ""):
    """Open the search page with a query in its address; return the page once the status is final."""
    page = browser.new_page()
    page.goto(f"{site[0]}{lang}/search/?q={quote(query)}{extra}")
    page.wait_for_function("""() => { const s = document.getElementById('search-status').textContent;
        return s && !/搜索……|Searching/.test(s); }""", timeout=15000)
    return page


def result_links(page) -> list[str]:
    """The absolute addresses of the result headlines."""
    return page.eval_on_selector_all(".search-result .item-title a", "links => links.map(a => a.href)")


def articles_containing(out: Path, lang: str, text: str) -> set[str]:
    """Site paths of the article pages of a language whose indexed part holds text."""
    found = set()
    for path in out.glob(f"{lang}/editions/*/*/index.html"):
        html = path.read_text(encoding="utf-8")
        body = re.search(r"<article[^>]*data-pagefind-body>(.*?)</article>", html, re.S).group(1)
        if text in re.sub(r"<[^>]+>", "", body):
            found.add(path.parent.relative_to(out).as_posix() + "/")
    return found


def paths(site, links: list[str]) -> set[str]:
    """Site paths of result links."""
    return {link.removeprefix(site[0]) for link in links}


def test_qingdao_on_the_chinese_page_finds_the_chinese_articles_holding_it(browser, site):
    page = search(browser, site, "zh", "青岛")
    links = result_links(page)
    assert paths(site, links) == articles_containing(site[2], "zh", "青岛")
    assert all(link.startswith(site[0] + "zh/editions/") for link in links)
    assert f"找到 {len(links)} 篇文章" in page.text_content("#search-status")
    page.close()


def test_qingdao_on_the_english_page_finds_english_articles_only(browser, site):
    page = search(browser, site, "en", "Qingdao")
    links = result_links(page)
    assert len(links) >= 5 and all(link.startswith(site[0] + "en/editions/") for link in links)
    assert f"{len(links)} articles found." in page.text_content("#search-status")
    page.close()


def test_one_result_is_counted_in_the_singular(browser, site):
    page = search(browser, site, "en", "RCEP")
    links = result_links(page)
    assert len(links) == len(articles_containing(site[2], "en", "RCEP")) == 1
    assert page.text_content("#search-status").startswith("1 article found.")
    page.close()


@pytest.mark.parametrize("query, slug", [
    ("扶贫", "poverty-fund-oversight"),  # inside 财政扶贫资金
    ("零跑腿", "west-coast-property-registration"),
    ("崂山", "laoshan-moral-models"),
    ("不动产登记", "west-coast-property-registration"),
])
def test_chinese_words_find_their_articles(browser, site, query, slug):
    page = search(browser, site, "zh", query)
    found = paths(site, result_links(page))
    assert f"zh/editions/2020-12-21/{slug}/" in found
    assert found == articles_containing(site[2], "zh", query)  # and no page without it
    marks = page.eval_on_selector_all(".search-result mark", "marks => marks.map(m => m.textContent)")
    assert query in marks
    excerpts = page.eval_on_selector_all(".search-result .summary", "ps => ps.map(p => p.textContent)")
    assert excerpts and not [e for e in excerpts if re.search(r"[\u4e00-\u9fff]\. ", e)]  # blocks end in 。
    page.close()


def test_results_show_headline_date_edition_and_a_highlighted_excerpt(browser, site):
    page = search(browser, site, "en", "poverty")
    first = page.locator(".search-result").first
    assert first.locator("h2 a").text_content().strip()
    assert first.locator("time").text_content() == "December 21, 2020"
    assert first.locator(".meta a").text_content() == "Edition of December 21, 2020"
    assert first.locator(".summary mark").count() >= 1
    page.close()
    page = search(browser, site, "zh", "扶贫")
    assert page.locator(".search-result time").first.text_content() == "2020年12月21日"
    page.close()


@pytest.mark.parametrize("lang, query", [("zh", "火星殖民计划"), ("zh", "零跑腿办证"), ("en", "xylophonist")])
def test_a_query_with_no_match_says_so(browser, site, lang, query):
    page = search(browser, site, lang, query)
    assert result_links(page) == []
    status = page.text_content("#search-status")
    assert query in status and ("没有找到" in status or "No articles" in status)
    page.close()


def test_a_section_filter_narrows_the_results(browser, site):
    every = paths(site, result_links(search(browser, site, "zh", "青岛")))
    page = search(browser, site, "zh", "青岛", "&section=economy")
    narrowed = paths(site, result_links(page))
    assert narrowed and narrowed < every
    for path in narrowed:
        html = (site[2] / path / "index.html").read_text(encoding="utf-8")
        assert 'data-pagefind-filter="section:economy"' in html
    assert page.eval_on_selector("#search-section", "s => s.value") == "economy"
    page.close()


def test_result_links_open_existing_pages_under_the_sub_path(browser, site):
    page = search(browser, site, "en", "Qingdao")
    links = result_links(page) + page.eval_on_selector_all(".search-result .meta a", "a => a.map(x => x.href)")
    for link in links:
        assert link.startswith(site[0])
        with urllib.request.urlopen(link) as response:
            assert response.status == 200
    page.click(".search-result .item-title a")
    assert page.url == links[0] and page.locator("article.story h1").count() == 1
    page.close()


def test_the_masthead_box_searches_by_keyboard_in_the_page_language(browser, site):
    page = browser.new_page()
    page.goto(site[0] + "zh/editions/2020-12-21/sanmin-activity/")
    assert page.get_attribute(".site-search", "role") == "search"
    page.focus("#site-search-q")
    page.keyboard.type("崂山")
    page.keyboard.press("Enter")
    page.wait_for_selector(".search-result")
    assert page.url.startswith(site[0] + "zh/search/?q=")
    assert "zh/editions/2020-12-21/laoshan-moral-models/" in paths(site, result_links(page))
    page.close()


def test_without_javascript_the_search_page_links_to_the_archive(browser, site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site[0] + "en/search/?q=Qingdao")
    notice = page.locator(".search-nojs p")
    assert notice.is_visible() and "Search needs JavaScript" in notice.text_content()
    page.click(".search-nojs a[href$='archive/']")
    assert page.url == site[0] + "en/archive/"
    context.close()


@pytest.mark.parametrize("lang, query", [("zh", "青岛"), ("en", "Qingdao"), ("en", "")])
def test_the_search_page_is_clean_in_axe(browser, site, lang, query):
    page = search(browser, site, lang, query) if query else browser.new_page()
    if not query:
        page.goto(f"{site[0]}{lang}/search/")
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
        .map(v => `${v.id}: ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)""")
    assert violations == []
    page.close()


def test_a_first_query_downloads_only_the_index_of_its_language(browser, site):
    page = browser.new_page()
    fetched = []
    page.on("response", lambda response: fetched.append(response.url) if "/pagefind/" in response.url else None)
    page.goto(f"{site[0]}zh/search/?q={quote('青岛')}")
    page.wait_for_selector(".search-result")
    names = [url.rsplit("/", 1)[-1] for url in fetched]
    assert "pagefind.js" in names and any(n.endswith(".pf_meta") for n in names)
    assert not any(n.startswith("en_") or n.startswith("pagefind.en") for n in names)  # only the Chinese index
    page.close()
