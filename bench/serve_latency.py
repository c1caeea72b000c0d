"""Median time from saving an article to its rebuilt page being on disk, with `build.py serve` running.

    python3 bench/serve_latency.py --project .                       # the example site
    python3 ../shared/bench/gen_corpus.py -n 1000 -o /tmp/c.jsonl
    python3 bench/make_corpus_site.py /tmp/c.jsonl /tmp/site-1000
    python3 bench/serve_latency.py --project /tmp/site-1000 --edits 15

The project is copied to a temporary folder (the original is never modified) and built once
before the server starts. Each edit rewrites one article's Chinese body by an atomic save
(temporary file + rename) and waits until its page in the output holds the new text. Reports
the median and the spread of save-to-disk times, the server's own rebuild times, and
per edit the difference of the two: roughly the time the watcher takes to notice the save
(roughly: the page is written before the rebuild ends, and the log rounds to 10 ms).

With --browser, the article's page is open in headless Chromium (Debian's /usr/bin/chromium,
through Playwright) and each edit is timed until the browser, reloaded by the server, shows it:
the reload latency an editor sees, taken as the reloaded page's first contentful paint on the
browser's clock; the time until Playwright finds the edit's text is printed too (it adds
Playwright's own latency of finding text in a new document).
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def start_server(project: Path, search: bool) -> tuple[subprocess.Popen, list[str], Path]:
    """Start `build.py serve --port 0`; return the process, its growing list of output lines, its folder."""
    extra = [] if search else ["--no-search"]
    proc = subprocess.Popen([sys.executable, str(REPO / "build.py"), "--root", str(project), "serve", "--port", "0",
                             *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8")
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(line.rstrip() for line in proc.stdout), daemon=True).start()
    deadline = time.monotonic() + 600
    while not any(line.startswith("serving ") for line in lines):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the server did not start:\n" + "\n".join(lines))
        time.sleep(0.05)
    started = next(line for line in lines if line.startswith("serving "))
    return proc, lines, Path(re.match(r"serving (.+) on http", started).group(1))


def articles(project: Path) -> list[Path]:
    """Chinese article files, in a stable order."""
    return sorted((project / "content" / "editions").glob("*/*.zh.md"))


def page_of(out: Path, article: Path) -> Path:
    """The output file of an article's Chinese page (slug = file stem, as in generated corpora)."""
    return out / "zh" / "editions" / article.parent.name / article.name[:-6] / "index.html"


def save_atomically(path: Path, text: str) -> None:
    """Write a temporary file beside it, then rename, as many editors do."""
    tmp = path.with_name(f".{path.name}.saving")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def measure_edit(out: Path, article: Path, marker: str, timeout: float = 120) -> float:
    """Save one edit; return the seconds until the page on disk shows it."""
    text = article.read_text(encoding="utf-8")
    body_at = text.index("---", 3) + 3
    page = page_of(out, article)
    started = time.perf_counter()
    save_atomically(article, text[:body_at] + f"\n\n{marker}\n" + text[body_at:])
    while time.perf_counter() - started < timeout:
        try:
            if marker.encode() in page.read_bytes():
                return time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.002)
    raise SystemExit(f"{page} never showed the edit")


def measure_in_browser(page, url: str, article: Path, marker: str) -> tuple[float, float]:
    """Open the article's page, save one edit; return (seconds until the reloaded page was first painted,
    seconds until Playwright found the edit in it).

    The first is the browser's own clock: the reloaded document's time origin plus its first
    contentful paint (Paint Timing), against the wall clock at the save. The second adds
    Playwright's own latency: it finds the text only after injecting its script into the new
    document and polling (some 30-40 ms here).
    """
    page.goto(url)
    page.wait_for_function("() => window.LiveReload && window.LiveReload.connector.protocol >= 7", timeout=60000)
    time.sleep(0.2)
    text = article.read_text(encoding="utf-8")
    body_at = text.index("---", 3) + 3
    saved_ms = time.time() * 1000
    started = time.perf_counter()
    save_atomically(article, text[:body_at] + f"\n\n{marker}\n" + text[body_at:])
    page.wait_for_selector(f"text={marker}", timeout=120000)
    found = time.perf_counter() - started
    painted = page.evaluate("""() => {
        const paint = performance.getEntriesByName('first-contentful-paint')[0];
        return paint ? performance.timeOrigin + paint.startTime : null; }""")
    return ((painted - saved_ms) / 1000 if painted else found), found


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=REPO)
    parser.add_argument("--edits", type=int, default=11)
    parser.add_argument("--search", action="store_true",
                        help="keep serve's background search indexing on (it competes for the CPU between edits)")
    parser.add_argument("--browser", action="store_true",
                        help="time each edit until headless Chromium, reloaded by the server, shows it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "project"
        shutil.copytree(args.project, project, ignore=shutil.ignore_patterns("site", ".cache", ".git", "tests", "bench"))
        started = time.perf_counter()
        subprocess.run([sys.executable, str(REPO / "build.py"), "--root", str(project), "build", "-q"], check=True)
        print(f"cold build: {time.perf_counter() - started:.1f} s")
        proc, lines, out = start_server(project, args.search)
        url = re.search(r" on (http://\S+/)", next(line for line in lines if line.startswith("serving "))).group(1)
        browser = None
        try:
            time.sleep(1.0)
            pool = articles(project)
            step = max(1, len(pool) // args.edits)
            times = []
            found = []  # --browser: when Playwright saw the edit
            if args.browser:
                from playwright.sync_api import sync_playwright
                playwright = sync_playwright().start()
                browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                                     args=["--no-sandbox", "--disable-gpu"])
                page = browser.new_page()
            for i in range(args.edits):
                article = pool[(i * step + len(pool) // 2) % len(pool)]
                marker = f"BENCH-EDIT-{i}-{time.time_ns()}"
                if browser is not None:
                    page_url = url + page_of(Path(""), article).parent.as_posix() + "/"
                    painted, seen = measure_in_browser(page, page_url, article, marker)
                    times.append(painted)
                    found.append(seen)
                else:
                    times.append(measure_edit(out, article, marker))
                time.sleep(0.3)  # let the server settle (and write its log line) between edits
            rebuilds = [float(m.group(1)) for line in lines if (m := re.search(r"rebuild done in ([\d.]+) s", line))]
        finally:
            if browser is not None:
                browser.close()
                playwright.stop()
            proc.terminate()
            proc.wait(timeout=30)
    print(f"{len(pool)} articles, {args.edits} one-article edits")
    shown = "the reloaded page painted in the browser" if args.browser else "page on disk"
    print(f"save to {shown}: median {statistics.median(times) * 1000:.0f} ms "
          f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f})")
    if found:
        print(f"save to Playwright finding the edit on the page: median {statistics.median(found) * 1000:.0f} ms "
              f"(min {min(found) * 1000:.0f}, max {max(found) * 1000:.0f})")
    if rebuilds:
        print(f"server rebuild time: median {statistics.median(rebuilds) * 1000:.0f} ms")
    if len(rebuilds) == len(times) and not args.browser:  # one rebuild per edit: what is left is noticing the save and debouncing
        outside = [saved - built for saved, built in zip(times, rebuilds)]
        print(f"save to disk minus rebuild (~detection): median {statistics.median(outside) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
