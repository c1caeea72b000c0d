"""End to end in headless Chromium: an edit on disk shows up in the open page without a manual reload."""
from __future__ import annotations

import time

import pytest

from conftest import make_project, require_tool
from serve_helpers import serving

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ARTICLE = "content/editions/2020-12-21/rcep-base.en.md"
ARTICLE_URL = "en/editions/2020-12-21/rcep-base/"


@pytest.mark.browser
def test_browser_reloads_after_an_edit_and_after_an_error_is_fixed(tmp_path):
    chromium = require_tool("/usr/bin/chromium", "Debian's chromium")
    from playwright.sync_api import sync_playwright
    project = make_project(tmp_path)
    article = project / ARTICLE
    text = article.read_text(encoding="utf-8")
    with serving(project) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(server.url + ARTICLE_URL)
            page.wait_for_function("() => window.LiveReload && window.LiveReload.connector"
                                   " && window.LiveReload.connector._connectionDesired", timeout=10000)
            time.sleep(0.3)  # let the hello handshake finish
            page.evaluate("window.__marker = 'still the same page'")

            article.write_text(text.replace("Just 15 days later", "Only fifteen days later"), encoding="utf-8")
            page.wait_for_selector("text=Only fifteen days later", timeout=10000)
            assert page.evaluate("window.__marker") is None  # reloaded by the server, not by us

            article.write_text(text.replace("title: Qingdao", "title: [Qingdao"), encoding="utf-8")
            page.wait_for_selector("#digest-build-errors", timeout=10000)
            assert "rcep-base.en.md:" in page.inner_text("#digest-build-errors")

            article.write_text(text, encoding="utf-8")
            page.wait_for_selector("text=Just 15 days later", timeout=10000)
            assert page.query_selector("#digest-build-errors") is None
        finally:
            browser.close()
