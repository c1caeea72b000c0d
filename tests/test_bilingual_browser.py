"""Bilingual pages in headless Chromium: level pairs, phones, hover, glossary for screen readers, axe, print.

axe-core is vendored in tests/vendor/axe.min.js (MPL-2.0, from the npm package axe-core 4.14.1), so the
test needs no network.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from test_browser import browser, open_page, site_url  # noqa: F401 - fixtures shared with the other browser tests

pytestmark = pytest.mark.browser
BILINGUAL = "editions/2020-12-21/sanmin-activity/bilingual/"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"

TOPS = """() => [...document.querySelectorAll('.bi-body .pair')].map(pair => {
    const [a, b] = pair.querySelectorAll(':scope > .bi-col');
    const ra = a.getBoundingClientRect(), rb = b.getBoundingClientRect();
    return [ra.top, rb.top, ra.bottom, ra.left, rb.left];
})"""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_wide_screen_pairs_are_level_and_nothing_scrolls_sideways(browser, site_url, lang):
    page = open_page(browser, site_url[0] + f"{lang}/{BILINGUAL}", 1280)
    pairs = page.evaluate(TOPS)
    assert len(pairs) == 15  # the blocks of the original
    for top_a, top_b, _, left_a, left_b in pairs:
        assert abs(top_a - top_b) <= 2 and left_b > left_a + 300
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    first = page.evaluate("getComputedStyle(document.querySelector('.bi-body .bi-col')).lang || "
                          "document.querySelector('.bi-body .bi-col').lang")
    assert first == ("zh-Hans" if lang == "zh" else "en")  # the page's language first
    page.close()


def test_phone_interleaves_pairs_without_sideways_scrolling(browser, site_url):
    page = open_page(browser, site_url[0] + f"zh/{BILINGUAL}", 390)
    for _, top_b, bottom_a, left_a, left_b in page.evaluate(TOPS):
        assert top_b >= bottom_a - 1 and abs(left_a - left_b) < 20  # the partner comes after, not beside
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    partner = page.evaluate("getComputedStyle(document.querySelector('.bi-body .bi-col + .bi-col')).color")
    own = page.evaluate("getComputedStyle(document.querySelector('.bi-body .bi-col')).color")
    assert partner != own  # set apart by colour
    page.close()


def test_hovering_a_paragraph_highlights_its_partner(browser, site_url):
    page = open_page(browser, site_url[0] + f"en/{BILINGUAL}", 1280)
    partner = "getComputedStyle(document.querySelector('#p3 > .bi-col + .bi-col')).backgroundColor"
    before = page.evaluate(partner)
    page.hover("#p3 > .bi-col p")
    assert page.evaluate(partner) != before
    page.close()


def test_glossary_terms_other_language_is_in_the_accessibility_tree(browser, site_url):
    page = open_page(browser, site_url[0] + f"zh/{BILINGUAL}", 1280)
    tree = page.locator("#p1").aria_snapshot()
    assert "(Sanmin)" in tree and "(三民)" in tree
    page.hover("#p1 .term")
    shown = page.evaluate("getComputedStyle(document.querySelector('#p1 .term .term-gloss')).width")
    assert float(shown.rstrip("px")) > 20  # the tooltip shows on hover
    page.close()


@pytest.mark.parametrize("path", [f"zh/{BILINGUAL}", f"en/{BILINGUAL}", "zh/editions/2020-12-21/sanmin-activity/",
                                  "en/editions/2020-12-21/sanmin-activity/"])
def test_axe_finds_no_violation(browser, site_url, path):
    page = open_page(browser, site_url[0] + path, 1280)
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    assert [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]] == []
    page.close()


def test_print_hides_navigation_and_interleaves_on_portrait(browser, site_url):
    page = browser.new_page(viewport={"width": 688, "height": 1017})
    page.emulate_media(media="print")
    page.goto(site_url[0] + f"zh/{BILINGUAL}")
    hidden = "sel => getComputedStyle(document.querySelector(sel)).display"
    for selector in (".site-nav", ".switcher", ".views", ".site-footer"):
        assert page.evaluate(hidden, selector) == "none", selector
    assert page.evaluate(hidden, ".bi-body .pair") == "block"
    page.set_viewport_size({"width": 1017, "height": 688})  # A4 landscape
    assert page.evaluate(hidden, ".bi-body .pair") == "grid"
    assert page.evaluate("getComputedStyle(document.querySelector('.bi-body .pair')).breakInside") == "avoid"
    page.close()


def test_no_request_fails_and_the_icon_loads_under_the_base_path(browser, site_url):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    failed = []
    page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto(site_url[0] + f"en/{BILINGUAL}")
    page.wait_for_load_state("networkidle")
    assert failed == []
    assert page.evaluate("fetch(document.querySelector('link[rel=icon][type=\"image/svg+xml\"]').href)"
                         ".then(r => r.status)") == 200
    page.close()
