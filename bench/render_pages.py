"""Render cost of article and bilingual pages, in-process, on a project (default: the repository's own site).

    python bench/render_pages.py [--root DIR] [--runs 7]

Loads, converts and plans the project as `check` does (one process, no pool), then renders every article
page and every bilingual page once per run, with the per-process body caches emptied before each
run, as a cold build meets them (each page is rendered once). Prints the median and the best run
per page kind, in microseconds of CPU per page (CPU time: the shared machine's load moves wall time
far more than this), and the conversion cost per body (Markdown and whatever is done to a body
once, when it is converted). Small projects only: it holds every page in memory.
"""
from __future__ import annotations

import argparse
import importlib
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from digest.config import load_config  # noqa: E402
from digest.content import load_content  # noqa: E402
from digest.engine import link_site  # noqa: E402
from digest.pipeline import common_context, convert_bodies  # noqa: E402
from digest.plan import site_specs  # noqa: E402
from digest.render import make_environment, render_page  # noqa: E402


KEEP = ("term_pattern",)  # the glossary's compiled pattern: made once per process in a build too


def clear_body_caches() -> None:
    """Empty the per-process caches of bodies (a cold build meets each body's page once)."""
    for name in ("digest.bilingual", "digest.body"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        for name, value in vars(module).items():
            if callable(getattr(value, "cache_clear", None)) and name not in KEEP:
                value.cache_clear()


def time_pages(env, specs: list, common: dict, runs: int) -> list[float]:
    """Seconds per page of each run over specs."""
    found = []
    for _ in range(runs):
        clear_body_caches()
        common["fragments"].clear()
        started = time.process_time()
        for spec in specs:
            render_page(env, spec, common)
        found.append((time.process_time() - started) / len(specs))
    return found


def main() -> None:
    """Load, convert, plan and time."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--only", choices=("setup", "convert", "article", "bilingual"),
                        help="run one stage --runs times and print nothing (for instruction counts: run it under "
                        "valgrind --tool=callgrind and subtract the count of --only setup)")
    args = parser.parse_args()
    root = args.root.resolve()
    config, problems = load_config(root)
    loaded = load_content(config, {}, problems)
    conversions = []
    derived: dict = {}
    for _ in range(1 if args.only else args.runs):
        derived = {}
        started = time.process_time()
        bodies = convert_bodies(loaded.documents, derived, workers=1)
        conversions.append((time.process_time() - started) / max(1, len(bodies)))
    site, _ = link_site(config, loaded, derived, False, {})
    specs, _ = site_specs(site)
    env = make_environment(root / "templates")
    common = common_context(site, bodies)
    kinds = {"article": [s for s in specs if s.template == "article.html"],
             "bilingual": [s for s in specs if s.template == "bilingual.html"]}
    time_pages(env, kinds["article"] + kinds["bilingual"], common, 1)  # templates compiled, fragments warm
    if args.only:
        if args.only == "convert":
            for _ in range(args.runs):
                convert_bodies(loaded.documents, {}, workers=1)
        elif args.only != "setup":
            time_pages(env, kinds[args.only], common, args.runs)
        return
    print(f"{len(bodies)} bodies: conversion {statistics.median(conversions) * 1e3:.2f} ms per body "
          f"(best {min(conversions) * 1e3:.2f})")
    for kind, chosen in kinds.items():
        times = time_pages(env, chosen, common, args.runs)
        print(f"{len(chosen)} {kind} pages: {statistics.median(times) * 1e6:.0f} µs per page "
              f"(best {min(times) * 1e6:.0f}, {args.runs} runs)")


if __name__ == "__main__":
    main()
