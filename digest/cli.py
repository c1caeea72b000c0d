"""The command line: argument parsing, one small function per command."""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import traceback
from pathlib import Path

from .errors import DigestError
from .reporting import Progress, print_problems, summary_line

COMMANDS = ("build", "check", "new")
EXIT_OK, EXIT_CONTENT, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 3


def make_parser() -> argparse.ArgumentParser:
    """The argument parser with one subcommand per SPEC §4 command."""
    parser = argparse.ArgumentParser(prog="python build.py",
                                     description="Build the bilingual Qingdao Digest site from content/.")
    parser.add_argument("--root", default=".", help="project folder (default: the current folder)")
    sub = parser.add_subparsers(dest="command")
    build = sub.add_parser("build", help="build the whole site into site/ (the default command)")
    build.add_argument("--out", default=None, help="output folder (default: site/)")
    build.add_argument("--base-url", default=None, help="override base_url from config.yaml")
    build.add_argument("--drafts", action="store_true", help="include articles marked draft: true")
    build.add_argument("--clean", action="store_true", help="ignore caches and render every page again")
    build.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    build.add_argument("-v", "--verbose", action="store_true", help="print each stage with its time")
    add_check_parser(sub)
    new = sub.add_parser("new", help="create a skeleton article in each language")
    new.add_argument("--edition", required=True, help="edition date, YYYY-MM-DD")
    new.add_argument("--slug", required=True, help="article slug: lowercase ASCII letters, digits and '-'")
    return parser


def add_check_parser(sub) -> None:
    """check: proofread content, translations and links without writing anything."""
    check = sub.add_parser("check", help="find every mistake in content, translations and links; write nothing")
    check.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or json")
    check.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    check.add_argument("--translations", action="store_true",
                       help="print the translation status of every article, per edition")
    check.add_argument("--stamp", metavar="PATH", default=None,
                       help="record in this reviewed translation the hash of its original's text")


def main(argv: list[str] | None = None) -> int:
    """Run a command; return the exit code (0 ok, 1 content errors, 2 usage, 3 a bug in the engine)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--root")):
        argv.insert(0, "build")
    args = make_parser().parse_args(argv)
    if args.command is None:
        args = make_parser().parse_args(["build"] + argv)
    try:
        return COMMAND_FUNCS[args.command](args)
    except DigestError as exc:
        print_problems(exc.problems)
        return EXIT_CONTENT
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
        return 130
    except Exception:  # noqa: BLE001 - a bug in the engine, not the user's mistake
        traceback.print_exc()
        print("This is a bug in Qingdao Digest, not a mistake in your content: please report it "
              "with the lines above.", file=sys.stderr)
        return EXIT_BUG


def cmd_build(args) -> int:
    """build: the whole site into site/ or --out."""
    from .pipeline import build
    root = Path(args.root).resolve()
    out = Path(args.out) if args.out else root / "site"
    progress = Progress(enabled=sys.stderr.isatty() and not args.quiet, verbose=args.verbose)
    try:
        result = build(root, out, base_url=args.base_url, drafts=args.drafts, clean=args.clean, progress=progress)
    finally:
        progress.done()
    if result.warnings and not args.quiet:
        print_problems(result.warnings)
    if not args.quiet:
        print(summary_line(result))
    return EXIT_OK


def cmd_check(args) -> int:
    """check: findings (or the translation report, or a stamp); writes nothing else."""
    from .check import run_check
    from .reporting import check_exit_code, print_findings, print_translation_report
    root = Path(args.root).resolve()
    if args.stamp:
        from .stamp import stamp_translation
        shown, value = stamp_translation(root, args.stamp)
        print(f"stamped {shown}: translation.source_hash = \"{value}\"")
        return EXIT_OK
    result = run_check(root)
    if args.translations:
        print_translation_report(result.rows, result.languages, args.format)
        errors = [p for p in result.findings if p.level == "error"]
        if errors:
            print(f"{len(errors)} errors in the content: run `python build.py check` to see them", file=sys.stderr)
        return check_exit_code(errors, strict=False)
    print_findings(result.findings, result.files, args.format)
    return check_exit_code(result.findings, args.strict)


def cmd_new(args) -> int:
    """new: a skeleton article in each configured language, never overwriting."""
    from .scaffold import new_article
    try:
        dt.date.fromisoformat(args.edition)
    except ValueError:
        print(f"--edition: '{args.edition}' is not a date YYYY-MM-DD — e.g. --edition 2020-12-21", file=sys.stderr)
        return EXIT_USAGE
    created = new_article(Path(args.root).resolve(), args.edition, args.slug)
    for path in created:
        print(f"created {path}")
    return EXIT_OK


COMMAND_FUNCS = {"build": cmd_build, "check": cmd_check, "new": cmd_new}
