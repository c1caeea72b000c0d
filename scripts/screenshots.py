#!/usr/bin/env python3
"""Screenshots of built pages in headless Chromium, desktop and phone width, for reviewing the design.

    python scripts/screenshots.py [--full] [--print] SITE_DIR OUT_DIR PATH [PATH …]

Serves SITE_DIR on 127.0.0.1 (a plain static server, as a host would), then saves
OUT_DIR/<name>-desktop.png and -phone.png for each site path (e.g. zh/ or en/editions/2020-12-21/).
--full takes the whole phone page too (not only the first screen); --print adds
-print-portrait.png and -print-landscape.png, in print emulation at A4 widths (96 dpi, 14 mm margins).
"""
from __future__ import annotations

import functools
import http.server
import sys
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
VIEWPORTS = {"desktop": (1280, 900), "phone": (390, 844)}
PRINT_VIEWPORTS = {"print-portrait": (688, 1017), "print-landscape": (1017, 688)}  # A4 less the @page margins


def serve(folder: Path) -> http.server.ThreadingHTTPServer:
    """A plain static server on a free loopback port, in a thread."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main(argv: list[str]) -> int:
    """Take the screenshots."""
    full, printing = "--full" in argv, "--print" in argv
    argv = [a for a in argv if a not in ("--full", "--print")]
    site, out, paths = Path(argv[0]), Path(argv[1]), argv[2:]
    viewports = {**VIEWPORTS, **(PRINT_VIEWPORTS if printing else {})}
    out.mkdir(parents=True, exist_ok=True)
    server = serve(site)
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for name, (width, height) in viewports.items():
            page = browser.new_page(viewport={"width": width, "height": height})
            if name.startswith("print"):
                page.emulate_media(media="print")
            for path in paths:
                page.goto(base + path)
                slug = path.strip("/").replace("/", "_") or "landing"
                page.screenshot(path=str(out / f"{slug}-{name}.png"), full_page=(name != "phone" or full))
            page.close()
        browser.close()
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
