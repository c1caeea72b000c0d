#!/usr/bin/env python3
"""Draw static/favicon.ico (32 px, the fallback for browsers without SVG icons) from static/favicon.svg.

    python scripts/make_favicon.py

Renders the SVG in headless Chromium and wraps the PNG in an ICO container (PNG entries are valid ICO).
"""
from __future__ import annotations

import struct
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
SIZE = 32


def render_png(svg: str) -> bytes:
    """The SVG as a SIZE × SIZE PNG with a transparent background."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": SIZE, "height": SIZE})
        page.set_content(f'<style>html,body{{margin:0;background:transparent}}svg{{display:block;width:{SIZE}px;'
                         f'height:{SIZE}px}}</style>{svg}')
        png = page.screenshot(omit_background=True)
        browser.close()
    return png


def ico_of(png: bytes) -> bytes:
    """An ICO file holding one PNG image."""
    header = struct.pack("<HHH", 0, 1, 1)
    entry = struct.pack("<BBBBHHII", SIZE, SIZE, 0, 0, 1, 32, len(png), 6 + 16)
    return header + entry + png


def main() -> int:
    """Write static/favicon.ico."""
    svg = (ROOT / "static" / "favicon.svg").read_text(encoding="utf-8")
    (ROOT / "static" / "favicon.ico").write_bytes(ico_of(render_png(svg)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
