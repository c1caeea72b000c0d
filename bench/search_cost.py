#!/usr/bin/env python3
"""Benchmark: what the search index costs — build time, index size per language, bytes of a first query.

    python bench/search_cost.py [--sizes 1000 5000] [--runs 2] [--out bench/work]

For each size N, on the corpus of bench/run.py (same generator, seed 42), it alternates a cold
`build --no-search` with a cold `build` (which indexes), so both meet the same machine load, and
reports the medians, the time the index adds, its size per language, and — in headless Chromium,
with the site served under /digest/ — the bytes a first query downloads from /pagefind/ (as
stored; a host that compresses pagefind.js and the wasm file sends less of those).
"""
from __future__ import annotations

import argparse
import functools
import http.server
import json
import statistics
import sys
import threading
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import REPO, move_away, prepare, run_once  # noqa: E402

QUERIES = {"zh": "青岛", "en": "district"}  # words the generated corpus holds (it has no "Qingdao" in English bodies)


def index_sizes(out: Path) -> dict:
    """Bytes and files of each language's part of the index (fragments, word index, filters, meta)."""
    entry = json.loads((out / "pagefind" / "pagefind-entry.json").read_text(encoding="utf-8"))
    sizes = {}
    for code, info in entry["languages"].items():
        files = [p for p in (out / "pagefind").rglob("*") if p.is_file()
                 and (p.name.startswith(f"{code}_") or info["hash"] in p.name)]
        sizes[code] = {"bytes": sum(p.stat().st_size for p in files), "files": len(files),
                       "pages": info["page_count"]}
    shared = [p for p in (out / "pagefind").iterdir() if p.is_file() and not p.name.endswith(".pf_meta")]
    sizes["shared"] = {"bytes": sum(p.stat().st_size for p in shared), "files": len(shared), "pages": 0}
    return sizes


class LoggingHandler(http.server.SimpleHTTPRequestHandler):
    """A plain static server that notes every path it was asked for (in `self.asked`), silently."""

    asked: list = []

    def do_GET(self):  # noqa: N802 - the standard library's name
        self.asked.append(self.path.split("?")[0])
        super().do_GET()

    def log_message(self, *args):
        pass


def first_query_bytes(out: Path) -> dict:
    """Bytes of the files under /pagefind/ that the first query on each language's search page asked for."""
    from playwright.sync_api import sync_playwright
    host = out.parent / "host"
    host.mkdir(exist_ok=True)
    link = host / "digest"
    if link.is_symlink():
        link.unlink()
    link.symlink_to(out)
    asked: list = []
    handler = type("Handler", (LoggingHandler,), {"asked": asked})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(host)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/digest/"
    found = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync"])
            for lang, query in QUERIES.items():
                asked.clear()
                page = browser.new_page()
                page.goto(f"{base}{lang}/search/?q={quote(query)}")
                page.wait_for_function("document.querySelectorAll('.search-result').length > 0", timeout=120000)
                page.wait_for_timeout(500)
                files = sorted({path.removeprefix("/digest/") for path in asked if "/pagefind/" in path})
                sizes = {rel: (out / rel).stat().st_size for rel in files}
                found[lang] = {"query": query, "bytes": sum(sizes.values()), "files": len(sizes),
                               "of_which_code": sum(v for k, v in sizes.items() if k.endswith("pagefind.js")
                                                    or "/wasm." in k)}
                page.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
        link.unlink()
    return found


def measure(size: int, runs: int, work: Path) -> dict:
    """Alternate cold builds without and with the index; sizes and first-query bytes of the last one."""
    ours, _ = prepare(size, work)
    trash = work / ".trash"
    base = [sys.executable, str(REPO / "build.py"), "--root", str(ours), "build", "--quiet"]
    walls: dict[str, list] = {"no-search": [], "search": []}
    for _ in range(runs):
        move_away(ours / "site", trash)
        walls["no-search"].append(run_once(base + ["--no-search"])["wall"])
        move_away(ours / "site", trash)
        walls["search"].append(run_once(base)["wall"])
    no_change = run_once(base)["wall"]
    out = ours / "site"
    without, with_index = statistics.median(walls["no-search"]), statistics.median(walls["search"])
    return {"n": size, "runs": runs, "cold_no_search": without, "cold_search": with_index,
            "added": with_index - without, "share": (with_index - without) / without, "no_change": no_change,
            "walls": walls, "index": index_sizes(out), "first_query": first_query_bytes(out)}


def main() -> int:
    """Parse arguments, measure each size, print and save the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--out", default=str(REPO / "bench" / "work"))
    args = parser.parse_args()
    work = Path(args.out).resolve()
    work.mkdir(parents=True, exist_ok=True)
    results = []
    for size in args.sizes:
        row = measure(size, args.runs, work)
        results.append(row)
        print(json.dumps(row, ensure_ascii=False, indent=1), flush=True)
    (work / "search-cost.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
