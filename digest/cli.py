"""The command line: argument parsing, one small function per command."""
from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import sys
import traceback
from pathlib import Path

from .errors import DigestError, Problem, error
from .reporting import Progress, print_problems, site_state, summary_line

COMMANDS = ("build", "check", "new", "serve", "publish", "import", "translate")
EXIT_OK, EXIT_CONTENT, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 3


def make_parser() -> argparse.ArgumentParser:
    """The argument parser with one subcommand per SPEC §4 command."""
    parser = argparse.ArgumentParser(prog="python build.py",
                                     description="Build the bilingual Qingdao Digest site from content/.")
    parser.add_argument("--root", default=".", help="project folder (default: the current folder)")
    common = root_option()
    sub = parser.add_subparsers(dest="command")
    build = sub.add_parser("build", parents=[common], help="build the whole site into site/ (the default command)")
    build.add_argument("--out", default=None, help="output folder (default: site/)")
    build.add_argument("--base-url", default=None, help="override base_url from config.yaml")
    build.add_argument("--drafts", action="store_true", help="include articles marked draft: true")
    build.add_argument("--clean", action="store_true", help="render every page again (caches still give Markdown)")
    build.add_argument("--force-clean", action="store_true",
                       help="build into a folder this tool has no record of, deleting every file in it that the "
                            "site does not produce")
    build.add_argument("--cache-dir", default=None, help="where build state and caches live (default: .cache/digest/)")
    build.add_argument("--no-search", dest="search", action="store_false",
                       help="no search: skip the search index, page and box (config.yaml: search: false)")
    build.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    build.add_argument("-v", "--verbose", action="store_true", help="print each stage with its time")
    add_check_parser(sub, common)
    new = sub.add_parser("new", parents=[common], help="create a skeleton article in each language")
    new.add_argument("--edition", required=True, help="edition date, YYYY-MM-DD")
    new.add_argument("--slug", required=True, help="article slug: lowercase ASCII letters, digits and '-'")
    add_import_parser(sub, common)
    add_translate_parser(sub, common)
    serve = sub.add_parser("serve", parents=[common],
                           help="build, serve the site on this machine, rebuild and reload on every change")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000; 0 picks a free one)")
    serve.add_argument("--out", default=None,
                       help="preview folder (default: .cache/digest/preview/PORT/, never site/)")
    serve.add_argument("--cache-dir", default=None, help="where build state and caches live (default: .cache/digest/)")
    serve.add_argument("--drafts", action="store_true", help="include articles marked draft: true")
    serve.add_argument("--open", action="store_true", help="open the site in your web browser")
    serve.add_argument("--no-search", dest="search", action="store_false",
                       help="no search index, page or box in the preview")
    publish = sub.add_parser("publish", parents=[common], help="build from scratch, then commit the site to a git branch")
    publish.add_argument("--branch", default=None, help="branch to publish to (default: gh-pages, or config.yaml's "
                         "publish.branch)")
    publish.add_argument("--remote", default=None, help="remote to push to (default: origin)")
    publish.add_argument("--push", action="store_true", help="push the branch to the remote afterwards")
    publish.add_argument("--force", action="store_true", help="with --push: overwrite the remote's branch (the commits "
                         "it removes are listed; in a terminal, --yes is needed too)")
    publish.add_argument("--message", "-m", default=None, help="first line of the publish commit's message")
    publish.add_argument("--allow-dirty", action="store_true", help="publish even with uncommitted changes")
    publish.add_argument("--dry-run", action="store_true", help="show what would change; commit nothing")
    publish.add_argument("--yes", action="store_true", help="go ahead even if many published files would be deleted, "
                         "or --force would remove commits from the remote's branch")
    publish.add_argument("-v", "--verbose", action="store_true", help="list every file added, changed or deleted")
    return parser


def root_option() -> argparse.ArgumentParser:
    """A parent parser so that --root is accepted after the command too."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--root", default=argparse.SUPPRESS, help="project folder (default: the current folder)")
    return common


def add_check_parser(sub, common: argparse.ArgumentParser) -> None:
    """check: proofread content, translations and links without writing anything."""
    check = sub.add_parser("check", parents=[common],
                           help="find every mistake in content, translations and links; write nothing")
    check.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or json")
    check.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    check.add_argument("--translations", action="store_true",
                       help="print the translation status of every article, per edition")
    check.add_argument("--stamp", metavar="PATH", default=None,
                       help="record in this reviewed translation the hash of its original's text")


def add_import_parser(sub, common: argparse.ArgumentParser) -> None:
    """import: a page of newspaper text into draft articles."""
    imp = sub.add_parser("import", parents=[common],
                         help="turn a page of newspaper text into draft articles, with a report of every doubt")
    imp.add_argument("page", metavar="PAGE.txt", help="the page's text (UTF-8), as extracted from the e-paper or PDF")
    imp.add_argument("--edition", required=True, help="edition date, YYYY-MM-DD")
    imp.add_argument("--source-name", default=None, help="name of the newspaper, for `source.name`")
    imp.add_argument("--page", dest="page_number", type=int, default=None, help="page number, for `source.page`")
    imp.add_argument("--dry-run", action="store_true", help="print what would be written; write nothing")


def add_translate_parser(sub, common: argparse.ArgumentParser) -> None:
    """translate: XLIFF for translators' CAT tools (export, import) and the glossary as a TBX termbase."""
    translate = sub.add_parser("translate", parents=[common],
                               help="send articles to translators as XLIFF and take their work back")
    actions = translate.add_subparsers(dest="action", required=True, metavar="{export,import,glossary}")
    export = actions.add_parser("export", parents=[common], help="what needs translating, as one XLIFF 1.2 file")
    export.add_argument("--edition", nargs="+", action="extend", default=[], metavar="DATE",
                        help="only the articles of these editions (YYYY-MM-DD)")
    export.add_argument("--article", nargs="+", action="extend", default=[], metavar="PATH",
                        help="these articles (the original's or the translation's file), whatever their state")
    export.add_argument("--to", nargs="+", action="extend", default=[], metavar="LANG",
                        help="translate into these languages (default: every language but the original's)")
    export.add_argument("--out", default=None, metavar="FILE.xlf",
                        help="where to write (default: DATE.LANG.xlf for one edition, else translation.LANG.xlf; "
                        "- for standard output)")
    export.add_argument("--all-states", action="store_true",
                        help="also articles whose translation is done (default: untranslated, pending, machine, stale)")
    imp = actions.add_parser("import", parents=[common],
                             help="write the translations of an XLIFF file, or the terms of a TBX termbase")
    imp.add_argument("file", metavar="FILE.xlf", help="the XLIFF file your translation tool exported (or a .tbx)")
    imp.add_argument("--dry-run", action="store_true", help="say what would change; write nothing")
    glossary = actions.add_parser("glossary", parents=[common], help="content/glossary.yaml as a TBX termbase")
    glossary.add_argument("--out", default="glossary.tbx", metavar="FILE.tbx",
                          help="where to write (default: glossary.tbx; - for standard output)")


def main(argv: list[str] | None = None) -> int:
    """Run a command; return the exit code (0 ok, 1 content errors, 2 usage, 3 a bug in the engine)."""
    argv = default_command(list(sys.argv[1:] if argv is None else argv))
    args = make_parser().parse_args(argv)
    try:
        return COMMAND_FUNCS[args.command](args)
    except DigestError as exc:
        print_problems(exc.problems, outcome=exc.outcome, replaced=exc.replaced)
        return EXIT_CONTENT
    except KeyboardInterrupt as exc:
        replaced = getattr(exc, "replaced", None)  # Stopped: a build was writing
        print("stopped" if replaced is None else f"stopped: {site_state(replaced)}", file=sys.stderr)
        return 130
    except OSError as exc:
        if not exc.filename:
            return report_bug()
        print_problems([file_problem(exc)])  # the file system refused a file: name it, no traceback
        return EXIT_CONTENT
    except Exception:  # noqa: BLE001 - a bug in the engine, not the user's mistake
        return report_bug()


def report_bug() -> int:
    """Print the traceback of the exception being handled with a request to report it."""
    traceback.print_exc()
    print("This is a bug in Qingdao Digest, not a mistake in your content: please report it "
          "with the lines above.", file=sys.stderr)
    return EXIT_BUG


def file_problem(exc: OSError) -> Problem:
    """An error of the file system about one file, in the editor's words."""
    where = os.fsdecode(exc.filename)
    try:
        where = Path(where).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except (ValueError, OSError):
        pass
    return error(where, None, f"the file system refused this file: {exc.strerror or exc}",
                 "check its name (length, characters), its permissions and the free space on the disk",
                 code="file-system")


def default_command(argv: list[str]) -> list[str]:
    """No command means `build` (SPEC §4): insert it after the global --root option."""
    i = 2 if argv[:1] == ["--root"] else 1 if argv[:1] and argv[0].startswith("--root=") else 0
    if len(argv) <= i or (argv[i] not in COMMAND_FUNCS and argv[i] not in ("-h", "--help")):
        argv.insert(i, "build")
    return argv


def cmd_build(args) -> int:
    """build: the whole site into site/ or --out."""
    from .pipeline import build
    root = Path(args.root).resolve()
    out = Path(args.out) if args.out else root / "site"
    progress = Progress(enabled=sys.stderr.isatty() and not args.quiet, verbose=args.verbose)
    try:
        result = build(root, out, base_url=args.base_url, drafts=args.drafts, clean=args.clean, progress=progress,
                       cache_dir=cache_dir(root, args), search=args.search, force_clean=args.force_clean)
    finally:
        progress.done()
    if result.warnings and not args.quiet:
        print_problems(result.warnings)
    if not args.quiet:
        print(summary_line(result))
    return EXIT_OK


def cache_dir(root: Path, args) -> Path:
    """--cache-dir, or the project's .cache/digest/."""
    from .cache import default_cache_dir
    return Path(args.cache_dir).resolve() if args.cache_dir else default_cache_dir(root)


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


def cmd_import(args) -> int:
    """import: draft articles from a page of text, added to the edition's order; the report at the end."""
    from .drafts import plan_import, write_import
    from .reporting import import_report
    try:
        dt.date.fromisoformat(args.edition)
    except ValueError:
        print(f"--edition: '{args.edition}' is not a date YYYY-MM-DD — e.g. --edition 2020-12-21", file=sys.stderr)
        return EXIT_USAGE
    root = Path(args.root).resolve()
    try:
        plan = plan_import(root, Path(args.page), args.page, args.edition, args.source_name, args.page_number)
    except DigestError as exc:  # one line each, without the build's "previous site" summary
        for problem in exc.problems:
            print(problem.format(), file=sys.stderr)
        return EXIT_CONTENT
    if not args.dry_run:
        write_import(plan)
    for line in import_report(plan, args.dry_run):
        print(line)
    return EXIT_OK


def cmd_translate(args) -> int:
    """translate export / import / glossary: files for translators' tools, and their work taken back."""
    root = Path(args.root).resolve()
    try:
        if args.action == "export":
            return translate_export(root, args)
        if args.action == "glossary":
            return translate_glossary(root, args)
        return translate_import(root, args)
    except DigestError as exc:  # one line each, then a count: nothing was written
        for problem in sorted(exc.problems, key=lambda p: (p.path, p.line or 0)):
            print(problem.format(), file=sys.stderr)
        count = len(exc.problems)
        print(f"{count} error{'s' if count != 1 else ''}: nothing was written", file=sys.stderr)
        return EXIT_CONTENT


def translate_export(root: Path, args) -> int:
    """translate export: one XLIFF file of what needs translating."""
    from .writer import write_atomic
    from .xliff import export_translations
    for date in args.edition:
        try:
            dt.date.fromisoformat(date if len(date) == 10 else "")
        except ValueError:
            print(f"--edition: '{date}' is not a date YYYY-MM-DD — e.g. --edition 2020-12-21", file=sys.stderr)
            return EXIT_USAGE
    data, articles = export_translations(root, args.edition, args.article, args.all_states, args.to)
    if data is None:
        print("nothing to translate: every article selected is translated and up to date "
              "(--all-states exports them anyway)")
        return EXIT_OK
    langs = sorted({a.lang for a in articles})
    out = args.out or (f"{args.edition[0]}." if len(args.edition) == 1 else "translation.") + \
        (langs[0] if len(langs) == 1 else "all") + ".xlf"
    units = sum(len(a.units) for a in articles)
    todo = sum(1 for a in articles for u in a.units if u.translate and u.state not in ("translated", "signed-off"))
    reasons = ", ".join(f"{n} {r}" for r, n in sorted(count_reasons(articles).items()))
    if out == "-":
        sys.stdout.buffer.write(data)
        return EXIT_OK
    path = Path(out).expanduser().resolve()
    if any(path.is_relative_to(root / folder) for folder in ("content", "templates", "static")):
        print(f"--out: {out} is inside the site's sources, where it would be published — write it elsewhere",
              file=sys.stderr)
        return EXIT_USAGE
    write_atomic(path, data)
    print(f"wrote {out}: {len(articles)} article{'s' if len(articles) != 1 else ''} ({reasons}), "
          f"{units} units, {todo} to translate")
    return EXIT_OK


def count_reasons(articles) -> dict:
    """How many articles need work for each reason ('done' for those exported with --all-states)."""
    found: dict = {}
    for article in articles:
        reason = article.reason or "done"
        found[reason] = found.get(reason, 0) + 1
    return found


def translate_import(root: Path, args) -> int:
    """translate import: every translation of the file written, or nothing when any unit is refused."""
    from .xliff import plan_import, write_planned
    path = Path(args.file).expanduser()
    planned = plan_import(root, path, args.file)
    changed = [p for p in planned if p.new != p.old]
    if not args.dry_run:
        write_planned(changed)
    verb = "would write" if args.dry_run else "wrote"
    for item in changed:
        print(f"{verb} {item.shown}: {item.summary}")
    print(f"{args.file}: {len(changed)} file{'s' if len(changed) != 1 else ''} "
          f"{'would change' if args.dry_run else 'changed'}" + ("" if changed else " (nothing to do)"))
    return EXIT_OK


def translate_glossary(root: Path, args) -> int:
    """translate glossary: content/glossary.yaml as a TBX termbase."""
    from .tbx import export_glossary
    from .writer import write_atomic
    data, count = export_glossary(root)
    if args.out == "-":
        sys.stdout.buffer.write(data)
        return EXIT_OK
    write_atomic(Path(args.out).expanduser().resolve(), data)
    print(f"wrote {args.out}: {count} terms")
    return EXIT_OK


def cmd_serve(args) -> int:
    """serve: build with base_url set to the local address, then serve, rebuild and reload until Ctrl-C."""
    import signal
    import webbrowser
    from .server import PreviewServer, bind, is_loopback, local_url, reload_script_path
    from .watch import Watcher
    root = Path(args.root).resolve()
    if not reload_script_path().is_file():
        print(f"serve: the livereload package has no browser script ({reload_script_path()}), so pages could "
              "not reload — reinstall it: pip install --force-reinstall -r requirements.txt", file=sys.stderr)
        return EXIT_USAGE
    if not is_loopback(args.host):
        print(f"warning: listening on {args.host}: other machines on your network can read the preview",
              file=sys.stderr)
    try:
        sockets, port = bind(args.host, args.port)
    except OSError as exc:
        print(f"--port {args.port}: cannot listen on {args.host}:{args.port} ({exc.strerror}) — "
              "choose another port, e.g. --port 8001", file=sys.stderr)
        return EXIT_USAGE
    cache = cache_dir(root, args)
    out = Path(args.out).resolve() if args.out else cache / "preview" / str(port)
    watcher = Watcher([root / "content", root / "templates", root / "static", root / "config.yaml"])
    rebuild = preview_rebuild(root, out, local_url(args.host, port), args.drafts, cache, search=args.search,
                              interrupted=watcher.pending)
    if watcher.polling:
        print(f"note: watching files by polling ({watcher.fallback_reason or 'DIGEST_WATCH_POLL is set'})",
              file=sys.stderr)
    server = PreviewServer(out, rebuild, watcher, sockets, args.host, log=lambda line: print(line, flush=True))
    server.build_once(set())
    print(f"serving {out} on {server.url} — press Ctrl-C to stop", flush=True)
    if args.open:
        webbrowser.open(server.url)
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # a terminate stops as cleanly as Ctrl-C
    try:
        server.serve()
    except KeyboardInterrupt:
        server.stop()
    finally:
        watcher.close()
    print("stopped", flush=True)
    return EXIT_OK


def preview_rebuild(root: Path, out: Path, base_url: str, drafts: bool, cache: Path | None = None,
                    search: bool = True, interrupted=None):
    """The rebuild callable handed to the preview server: build, print, say what changed (server.Rebuilt).

    The same engine as `build`, kept warm: one BuildState for the whole session. The search index
    is made in the background after a good rebuild (debounced), so it never delays the reload.
    interrupted() says whether newer changes wait: a body that Markdown is slow on gives way to them.
    """
    from .cache import default_cache_dir
    from .engine import BuildState
    from .markdown import Superseded, Watchdog, watching
    from .pipeline import build
    from .search import BackgroundIndexer
    from .server import Rebuilt
    state = BuildState()
    watchdog = Watchdog(interrupted or (lambda: False))
    cache = cache or default_cache_dir(root)
    rebuilds: list = []
    languages: list = []  # of the last good build, for the indexer
    indexer = BackgroundIndexer(lambda: locked_index(out, languages, cache),
                                log=lambda line: print(line, flush=True))

    def rebuild(changed: set) -> Rebuilt:
        try:
            with watching(watchdog):
                result = build(root, out, base_url=base_url, drafts=drafts, state=state, changed=changed or None,
                               cache_dir=cache, search=False if not search else None, index_search=False)
        except Superseded:
            return Rebuilt([], superseded=True)
        except DigestError as exc:
            print_problems(exc.problems, replaced=exc.replaced)
            return Rebuilt([p.format() for p in exc.problems if p.level == "error"], list(exc.replaced))
        settle_memory(rebuilds)
        rebuilds.append(result.seconds)
        if result.warnings:
            print_problems(result.warnings)
        print(summary_line(result), flush=True)
        if result.site is not None and result.site.config.search:
            languages[:] = result.site.config.codes
            indexer.request()
        return Rebuilt([], result.report.replaced)
    return rebuild


def locked_index(out: Path, languages: list, cache: Path):
    """Index the preview for search, holding the folder like a build does (never while one writes)."""
    from .search import index_site
    from .writer import output_lock
    with output_lock(cache, out):
        return index_site(out, languages, cache)


def settle_memory(rebuilds: list) -> None:
    """Leave what the site keeps in memory out of the garbage collector's later scans (after the write).

    Most of it lives for the whole session: scanning it cost ~100 ms a rebuild at 5,000 articles,
    and each rebuild makes new records (items, editions) that stay until the next. Collecting first
    keeps garbage out of the frozen set; now and then everything is unfrozen and collected, so a
    cycle that dies while frozen (an old Jinja environment) is not kept for the whole session.
    """
    if len(rebuilds) % 50 == 49:
        gc.unfreeze()
    gc.collect()
    gc.freeze()


def cmd_publish(args) -> int:
    """publish: build from scratch, commit the site to a branch without touching the working tree, push."""
    from .publish import PublishOptions, publish, report_lines
    options = PublishOptions(branch=args.branch, remote=args.remote, push=args.push, message=args.message,
                             allow_dirty=args.allow_dirty, dry_run=args.dry_run, yes=args.yes, force=args.force,
                             interactive=sys.stdin.isatty())
    for line in report_lines(publish(Path(args.root), options), verbose=args.verbose):
        print(line)
    return EXIT_OK


COMMAND_FUNCS = {"build": cmd_build, "check": cmd_check, "new": cmd_new, "serve": cmd_serve, "publish": cmd_publish,
                 "import": cmd_import, "translate": cmd_translate}
