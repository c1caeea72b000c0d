#!/usr/bin/env python3
"""How well `import` does on a page whose articles an editor has curated: the table of issue 14.

    python scripts/import_report.py [PAGE.txt] [--curated content/editions/2020-12-21] [--edition DATE]

Imports the page with `python build.py import` into a scratch project, then compares every draft with
the curated original (*.zh.md) that holds the same text: was the article split at the right place
(the draft holds exactly its text), are the byline, dateline, title and subheads right, is the kicker
right once the flagged fix is made, and is the body identical to the curated one after the flagged
fixes. Rejoins and moved passages are counted against the curated paragraphs: a curated paragraph made
of lines that follow each other on the page is a broken paragraph import must rejoin; one made of
lines apart is a passage the layout moved, which import must flag at the line of the moved part.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import shutil
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from digest import cli  # noqa: E402
from digest.drafts import markdown_text  # noqa: E402
from digest.frontmatter import parse_front_matter  # noqa: E402
from digest.importer import PLACEHOLDER, apply_fixes, parse_anchor, parse_page, split_units  # noqa: E402

SEED = ROOT / "tests" / "fixtures" / "import" / "seed-page.txt"  # a copy of ../shared/seeds/000_91f643bd22a170fd.txt
CURATED = ROOT / "content" / "editions" / "2020-12-21"
META = ("kicker", "title", "byline", "dateline", "title_note")


@dataclass
class Row:
    """One curated article and how its draft compares."""

    curated: str
    draft: str = ""
    split: bool = False
    byline: bool = False
    dateline: bool = False
    kicker: bool = False  # after the flagged fixes
    title: bool = False  # a brief without headline: placeholder and the same title_note
    subheads: bool = False
    body: bool = False  # after the flagged fixes
    flags: list[str] = field(default_factory=list)


@dataclass
class Report:
    """The rows, and the page-level counts: rejoins and moved passages."""

    rows: list[Row]
    drafts: int
    rejoins_expected: list[tuple[int, int]]
    rejoins_done: list[tuple[int, int]]
    moved_expected: list[int]
    moved_flagged: list[int]


def scratch_project(folder: Path) -> Path:
    """An empty project with the repository's config, templates and static files."""
    project = folder / "project"
    (project / "content").mkdir(parents=True)
    shutil.copy(ROOT / "config.yaml", project / "config.yaml")
    for name in ("templates", "static"):
        shutil.copytree(ROOT / name, project / name)
    return project


def read_article(path: Path) -> tuple[dict, str]:
    """(front matter, body) of a Markdown file."""
    fm = parse_front_matter(path.read_text(encoding="utf-8"), path.name)
    return fm.meta, fm.body.strip()


def letters(body: str) -> Counter:
    """The characters of a body, markup and spaces left out: what 'the same text' means for a split."""
    return Counter(c for c in body.replace("## ", "").replace("\\", "") if not c.isspace())


def subheads(body: str) -> list[str]:
    """The `##` lines of a body."""
    return [line for line in body.split("\n") if line.startswith("## ")]


def compare(page_path: Path, curated: Path, edition: str) -> Report:
    """Import the page into a scratch project and compare each draft with the curated article."""
    text = page_path.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        project = scratch_project(Path(tmp))
        with contextlib.redirect_stdout(io.StringIO()):
            code = cli.main(["--root", str(project), "import", str(page_path), "--edition", edition])
        if code != 0:
            raise SystemExit(f"import failed with exit code {code}")
        folder = project / "content" / "editions" / edition
        order = [line.strip()[2:] for line in (folder / "edition.yaml").read_text(encoding="utf-8").splitlines()
                 if line.strip().startswith("- ")]
        drafts = {slug: read_article(folder / f"{slug}.zh.md") for slug in order}
    page = parse_page(text, page_path.name)
    fixed = apply_fixes(page)
    after = {slug: (article, "\n\n".join(("## " if p.subhead else "") + markdown_text(p.text)
                                         for p in article.paragraphs))
             for slug, article in zip(order, fixed.articles)}
    flags = {slug: [f"{f.code}@{f.line}" for f in article.flags] for slug, article in zip(order, page.articles)}
    rows = []
    for path in sorted(curated.glob("*.zh.md")):
        meta, body = read_article(path)
        slug = max(drafts, key=lambda s: sum((letters(drafts[s][1]) & letters(body)).values()))
        draft_meta, draft_body = drafts[slug]
        fixed_article, fixed_body = after[slug]
        title_ok = draft_meta.get("title") == meta.get("title") or (
            bool(meta.get("title_note")) and draft_meta.get("title", "").startswith(PLACEHOLDER)
            and draft_meta.get("title_note") == meta.get("title_note"))
        rows.append(Row(path.name, slug, letters(draft_body) == letters(body),
                        draft_meta.get("byline", "") == meta.get("byline", ""),
                        draft_meta.get("dateline", "") == meta.get("dateline", ""),
                        fixed_article.kicker == meta.get("kicker", ""), title_ok,
                        subheads(draft_body) == subheads(body), fixed_body == body, flags[slug]))
    expected, moved = page_pieces(text, curated)
    joins = [j for a in page.articles for j in a.joins]
    flagged = [f.line for a in page.articles for f in a.flags if f.code == "moved-passage"]
    return Report(rows, len(drafts), expected, [j for j in expected if j in joins], moved,
                  [line for line in moved if line in flagged])


def page_pieces(text: str, curated: Path) -> tuple[list[tuple[int, int]], list[int]]:
    """From the curated paragraphs: the page's line pairs that are one broken paragraph, and the lines
    where a moved passage starts (a paragraph made of lines that are not neighbours on the page)."""
    units = split_units(text)
    pieces = {}
    for index, unit in enumerate(units):
        pieces.setdefault(unit.text, index)
        anchor = parse_anchor(unit.text)
        if anchor and anchor.rest:
            pieces.setdefault(anchor.rest, index)
    rejoins, moved = [], []
    for path in sorted(curated.glob("*.zh.md")):
        for paragraph in read_article(path)[1].split("\n\n"):
            tiles = tile(paragraph.removeprefix("## "), pieces)
            for a, b in zip(tiles, tiles[1:]):
                if b == a + 1:
                    rejoins.append((units[a].line, units[b].line))
                else:
                    moved.append(units[b].line)
    return sorted(rejoins), sorted(moved)


def tile(paragraph: str, pieces: dict[str, int]) -> list[int]:
    """The page units whose texts, one after the other, make up the paragraph ([] when they do not)."""
    found, at = [], 0
    while at < len(paragraph):
        match = max((p for p in pieces if paragraph.startswith(p, at)), key=len, default=None)
        if match is None:
            return []
        found.append(pieces[match])
        at += len(match)
    return found


def table(report: Report) -> str:
    """The comparison as a Markdown table, with the totals."""
    mark = {True: "yes", False: "**no**"}
    cols = ("split", "byline", "dateline", "kicker", "title", "subheads", "body")
    lines = ["| curated article | draft | split right | byline | dateline | kicker (after fix) | title | subheads "
             "| body identical after fixes | flags |", "|" + "---|" * 10]
    for row in report.rows:
        cells = [mark[getattr(row, c)] for c in cols]
        lines.append(f"| {row.curated} | {row.draft} | " + " | ".join(cells) + f" | {', '.join(row.flags) or '–'} |")
    n = len(report.rows)
    total = {c: sum(getattr(r, c) for r in report.rows) for c in cols}
    lines += ["", f"drafts written: {report.drafts} for {n} curated articles",
              f"articles split at the right place: {total['split']} of {n}",
              f"bylines right: {total['byline']} of {n}; datelines right: {total['dateline']} of {n}",
              f"broken paragraphs rejoined: {len(report.rejoins_done)} of {len(report.rejoins_expected)} "
              f"({', '.join(f'{a}+{b}' for a, b in report.rejoins_expected)})",
              f"moved passages flagged: {len(report.moved_flagged)} of {len(report.moved_expected)} "
              f"(line {', '.join(map(str, report.moved_expected))})",
              f"kickers right after the flagged fix: {total['kicker']} of {n}; titles right: {total['title']} of {n} "
              "(the brief without headline: placeholder + title_note)",
              f"subheads right: {total['subheads']} of {n}; bodies identical after the flagged fixes: "
              f"{total['body']} of {n}"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the table; exit 1 when any figure falls short."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("page", nargs="?", default=str(SEED), help="the page's text (default: the seed page)")
    parser.add_argument("--curated", default=str(CURATED), help="folder of the curated *.zh.md articles")
    parser.add_argument("--edition", default="2020-12-21", help="edition date to import into (scratch project)")
    args = parser.parse_args(argv)
    report = compare(Path(args.page), Path(args.curated), args.edition)
    print(table(report))
    perfect = all(all(getattr(r, c) for c in ("split", "byline", "dateline", "kicker", "title", "subheads", "body"))
                  for r in report.rows) and report.drafts == len(report.rows) and \
        report.rejoins_done == report.rejoins_expected and report.moved_flagged == report.moved_expected
    return 0 if perfect else 1


if __name__ == "__main__":
    sys.exit(main())
