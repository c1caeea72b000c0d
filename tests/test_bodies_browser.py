"""Footnotes on a bilingual page in headless Chromium: each language's link leads to its own note and back."""
from __future__ import annotations

import functools
import http.server
import threading

import pytest

from conftest import build_project, make_project, require_tool
from test_browser import ARGS, QuietHandler

pytestmark = pytest.mark.browser
BILINGUAL = "editions/2020-12-21/harbour/bilingual/"


@pytest.fixture(scope="module")
def bodies_url(tmp_path_factory):
    """The bodies fixture, built under a base path and served by a plain static server."""
    chromium = require_tool("/usr/bin/chromium", "Debian's chromium")
    host = tmp_path_factory.mktemp("host")
    build_project(make_project(tmp_path_factory.mktemp("bodies"), "bodies"), host / "digest",
                  base_url="http://127.0.0.1/digest/")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(host)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/digest/", chromium
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def chromium(bodies_url):
    """One headless Chromium for the module."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=bodies_url[1], args=ARGS)
        yield instance
        instance.close()


TARGET = """() => { const t = document.querySelector(':target');
    const col = t && t.closest('.bi-col');
    return t ? [t.id, col ? col.lang : null, t.textContent.trim(), t.getBoundingClientRect().top] : null; }"""


@pytest.mark.parametrize("page_lang", ["zh", "en"])
@pytest.mark.parametrize("width", [1280, 390])
def test_each_languages_footnote_link_leads_to_its_own_note_and_back(chromium, bodies_url, page_lang, width):
    page = chromium.new_page(viewport={"width": width, "height": 800})
    assert page.goto(bodies_url[0] + f"{page_lang}/{BILINGUAL}").status == 200
    for lang, prefix, note in (("zh-Hans", "zh_", "据青岛港集团发布的数据。"), ("en", "en_", "Figures published by")):
        page.click(f'.bi-col[lang="{lang}"] a.footnote-ref[href="#{prefix}fn:1"]')
        target_id, column, text, top = page.evaluate(TARGET)
        assert (target_id, column) == (f"{prefix}fn:1", lang) and note in text
        assert 0 <= top < 800  # scrolled into view
        page.click(f'.bi-col[lang="{lang}"] li#{prefix}fn\\:1 a.footnote-backref')
        target_id, column, _, top = page.evaluate(TARGET)
        assert (target_id, column) == (f"{prefix}fnref:1", lang) and 0 <= top < 800
    page.close()
