"""The built site in headless Chromium, as readers meet it: phones, desktops, both languages, dark mode."""
from __future__ import annotations

import functools
import http.server
import threading

import pytest

from conftest import ROOT, build_project, require_tool

pytestmark = pytest.mark.browser
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
ARTICLE = "editions/2020-12-21/sanmin-activity/"


@pytest.fixture(scope="module")
def site_url(tmp_path_factory):
    """The repository's own site, built with a base path, served by a plain static server under /digest/."""
    chromium = require_tool("/usr/bin/chromium", "Debian's chromium")
    host = tmp_path_factory.mktemp("host")
    build_project(ROOT, host / "digest", base_url="http://127.0.0.1/digest/")
    handler = functools.partial(QuietHandler, directory=str(host))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/digest/", chromium
    server.shutdown()
    server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """A plain static server that keeps the test output clean."""

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser(site_url):
    """One headless Chromium for the module."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=site_url[1], args=ARGS)
        yield instance
        instance.close()


def open_page(browser, url: str, width: int, dark: bool = False):
    """A new page at a viewport width, optionally in dark mode."""
    page = browser.new_page(viewport={"width": width, "height": 800}, color_scheme="dark" if dark else "light")
    response = page.goto(url)
    assert response.status == 200, url
    return page


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("width", [360, 1280])
def test_article_fits_the_screen_without_horizontal_scrolling(browser, site_url, lang, width):
    page = open_page(browser, site_url[0] + f"{lang}/{ARTICLE}", width)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.locator("h1").first.is_visible()
    page.close()


def test_chinese_text_uses_a_cjk_font_and_generous_line_height(browser, site_url):
    page = open_page(browser, site_url[0] + f"zh/{ARTICLE}", 390)
    style = page.evaluate("""() => { const p = document.querySelector('.story-body p');
        const s = getComputedStyle(p); return [s.fontFamily, parseFloat(s.lineHeight) / parseFloat(s.fontSize)]; }""")
    assert "Noto Sans CJK SC" in style[0] or "PingFang SC" in style[0]
    assert style[1] >= 1.7
    page.close()


def test_language_switcher_leads_to_the_translation(browser, site_url):
    page = open_page(browser, site_url[0] + f"zh/{ARTICLE}", 1280)
    page.click(".switcher a")
    assert page.url == site_url[0] + f"en/{ARTICLE}"
    assert page.evaluate("document.documentElement.lang") == "en"
    page.close()


def test_dark_mode_follows_the_system(browser, site_url):
    light = open_page(browser, site_url[0] + "en/", 1280)
    dark = open_page(browser, site_url[0] + "en/", 1280, dark=True)
    background = "getComputedStyle(document.body).backgroundColor"
    assert light.evaluate(background) != dark.evaluate(background)
    light.close()
    dark.close()


def test_skip_link_is_the_first_focus_and_shows(browser, site_url):
    page = open_page(browser, site_url[0] + "zh/", 1280)
    page.keyboard.press("Tab")
    focused = page.evaluate("[document.activeElement.className, document.activeElement.getBoundingClientRect().left]")
    assert focused[0] == "skip-link" and focused[1] >= 0
    page.close()


def test_pages_work_without_javascript(browser, site_url):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site_url[0])
    page.click("text=Qingdao News Digest · December 21, 2020")
    assert "/en/editions/2020-12-21/" in page.url
    assert page.locator(".item").count() == 10
    context.close()
