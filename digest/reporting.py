"""Telling the user: problems, progress and the one-line summary. Stages never print."""
from __future__ import annotations

import sys
import time

from .errors import Problem, sort_key


def print_problems(problems: list[Problem], stream=None, outcome: str | None = None,
                   replaced: list[str] = ()) -> None:
    """Every problem on its own line, sorted by file and line, then a count and what became of the site.

    outcome replaces "nothing was written; the previous site is untouched" where that is not what happened
    (publish: a local commit made, a push that failed); replaced: the output files a build had already
    replaced when it stopped (DigestError.replaced).
    """
    stream = stream or sys.stderr
    for problem in sorted(problems, key=sort_key):
        print(problem.format(), file=stream)
    errors = sum(1 for p in problems if p.level == "error")
    warnings = len(problems) - errors
    if errors:
        print(f"{plural(errors, 'error')}, {plural(warnings, 'warning')}: {outcome or site_state(replaced)}",
              file=stream)


def site_state(replaced: list[str]) -> str:
    """What a build that stopped left of the previous site, truthfully."""
    if not replaced:
        return "nothing was written; the previous site is untouched."
    names = ", ".join(replaced[:3]) + (", …" if len(replaced) > 3 else "")
    were = "was" if len(replaced) == 1 else "were"
    return (f"{plural(len(replaced), 'file')} of the previous site {were} replaced before the build stopped ({names}); "
            "every file is whole, and the next successful build brings the rest up to date.")


def plural(n: int, word: str) -> str:
    """'1 error', '3 errors'."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


class Progress:
    """Stage names on one rewritten line when stderr is a terminal; silent otherwise."""

    def __init__(self, enabled: bool, verbose: bool = False):
        self.enabled = enabled
        self.verbose = verbose
        self.started = time.perf_counter()
        self.last = self.started

    def __call__(self, stage: str) -> None:
        now = time.perf_counter()
        if self.verbose:
            print(f"[{now - self.started:6.2f} s] {stage}", file=sys.stderr)
        elif self.enabled:
            print(f"\r\033[K{stage}…", end="", file=sys.stderr, flush=True)
        self.last = now

    def done(self) -> None:
        """Clear the progress line."""
        if self.enabled and not self.verbose:
            print("\r\033[K", end="", file=sys.stderr, flush=True)


def summary_line(result) -> str:
    """built 1,234 pages (zh 620, en 614): 12 written, 1,222 unchanged, 3 removed in 2.4 s"""
    langs = ", ".join(f"{lang} {n:,}" for lang, n in result.pages.items())
    report = result.report
    line = (f"built {result.total_pages:,} pages ({langs}): {report.written:,} written, "
            f"{report.unchanged:,} unchanged, {report.removed:,} removed in {result.seconds:.1f} s")
    search = getattr(result, "search", None)
    if search is not None and search.indexed:
        counts = ", ".join(f"{lang} {n:,}" for lang, n in sorted(search.pages.items()))
        line += f"; search index of {sum(search.pages.values()):,} articles ({counts}) in {search.seconds:.1f} s"
    return line


# ---------------------------------------------------------------- check

def finding_line(problem: Problem) -> str:
    """`path:line: error|warning: message — what to do` (the one format, see Problem.format)."""
    return problem.format()


def finding_record(problem: Problem) -> dict:
    """One finding as a JSON object for CI and editors' tools."""
    return {"path": problem.path, "line": problem.line, "level": problem.level, "code": problem.code,
            "message": problem.message, "hint": problem.hint}


def check_summary(findings: list[Problem], files: int) -> str:
    """'3 errors, 5 warnings in 24 files'."""
    errors = sum(1 for p in findings if p.level == "error")
    return f"{plural(errors, 'error')}, {plural(len(findings) - errors, 'warning')} in {plural(files, 'file')}"


def print_findings(findings: list[Problem], files: int, fmt: str = "text", stream=None) -> None:
    """The findings of check, one a line (or a JSON list), sorted by file and line."""
    import json
    stream = stream or sys.stdout
    ordered = sorted(findings, key=sort_key)
    if fmt == "json":
        print(json.dumps([finding_record(p) for p in ordered], ensure_ascii=False, indent=2), file=stream)
        return
    for problem in ordered:
        print(finding_line(problem), file=stream)
    print(check_summary(ordered, files), file=stream)


def check_exit_code(findings: list[Problem], strict: bool) -> int:
    """1 when there is an error (or, with --strict, a warning); else 0."""
    if any(p.level == "error" for p in findings) or (strict and findings):
        return 1
    return 0


def print_translation_report(rows: list, languages: tuple, fmt: str = "text", stream=None) -> None:
    """Per edition: each article's translation state per language, and what is out of date."""
    import json
    stream = stream or sys.stdout
    if fmt == "json":
        print(json.dumps([{"edition": r.edition, "article": r.stem, "original": r.original, "status": r.status,
                           "out_of_date": r.stale} for r in rows], ensure_ascii=False, indent=2), file=stream)
        return
    editions: dict[str, list] = {}
    for row in rows:
        editions.setdefault(row.edition, []).append(row)
    for edition, group in sorted(editions.items(), reverse=True):
        print(f"edition {edition}: {plural(len(group), 'article')}", file=stream)
        for lang in languages:
            counts: dict[str, int] = {}
            for row in group:
                counts[row.status[lang]] = counts.get(row.status[lang], 0) + 1
            stale = sum(1 for row in group if lang in row.stale)
            parts = [f"{counts.get(s, 0)} {s}" for s in ("translated", "pending", "machine", "missing")]
            parts += [f"{counts['broken']} broken (see `check`)"] if counts.get("broken") else []
            print(f"  {lang}: {', '.join(parts)}, {stale} out of date", file=stream)
        width = max(len(row.stem) for row in group)
        for row in group:
            states = "  ".join(f"{lang} {row.status[lang]}" + (" (out of date)" if lang in row.stale else "")
                               for lang in languages)
            print(f"  {row.stem:<{width}}  {states}", file=stream)
            for lang, changes in row.stale.items():
                print(f"  {'':<{width}}    {lang} since review: {'; '.join(changes)}", file=stream)


# ---------------------------------------------------------------- import

def import_report(plan, dry_run: bool) -> list[str]:
    """What import wrote (or would write), every point to review with its page line, and a summary."""
    verb = "would write" if dry_run else "wrote"
    lines = [f"{verb} {d.shown}  (lines {d.article.start}–{d.article.end})  {d.article.title}" for d in plan.drafts]
    if plan.edition_text is not None:
        lines.append(f"{'would add' if dry_run else 'added'} {plural(len(plan.added), 'slug')} to `order:` in "
                     f"{plan.folder_shown}/edition.yaml")
    review = [(f.line, "", f) for f in plan.page.flags]
    review += [(f.line, d.slug, f) for d in plan.drafts for f in d.article.flags]
    if review:
        lines.append(f"To review ({len(review)}; also written at the top of each draft):")
    for line, slug, flag in sorted(review, key=lambda r: (r[0], r[1])):
        where = f" [{slug}]" if slug else ""
        hint = f" — {flag.hint}" if flag.hint else ""
        lines.append(f"{plan.page_shown}:{line}:{where} {flag.message}{hint}")
    if plan.page.dropped:
        lines.append(f"Left out ({plural(sum(d.count for d in plan.page.dropped), 'line')} of site "
                     "residue, never article text):")
    for dropped in plan.page.dropped:
        where = f"{dropped.first}–{dropped.last}" if dropped.last > dropped.first else f"{dropped.first}"
        lines.append(f"{plan.page_shown}:{where}: {', '.join(dropped.kinds)} 「{dropped.text}」"
                     + (" …" if dropped.last > dropped.first else ""))
    joins = sum(len(d.article.joins) for d in plan.drafts)
    subheads = sum(p.subhead for d in plan.drafts for p in d.article.paragraphs)
    lines.append(f"{'would import' if dry_run else 'imported'} {plural(len(plan.drafts), 'article')} as drafts "
                 f"into {plan.folder_shown}/: {plural(joins, 'broken paragraph')} rejoined, "
                 f"{plural(subheads, 'subhead')}, {plural(len(review), 'point')} to review; every draft has "
                 f"section: {plan.section} (the first in config.yaml) until you set it"
                 + (" — nothing was written (--dry-run)" if dry_run else ""))
    return lines
