"""Publishing: build from scratch, commit the tree to a branch with git plumbing, push on request.

The user's working tree, index, HEAD and current branch are never touched: the site is built
from a temporary checkout of the source commit (so files git ignores or does not track are
never published), and staged in a temporary index (GIT_INDEX_FILE) whose work tree is the
temporary build. Every doubt stops the publish with a message (fails closed) rather than a warning.
"""
from __future__ import annotations

import contextlib
import os
import subprocess
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .config import Config, describe, load_config
from .errors import DigestError, Problem, error

SOURCES = ("content", "templates", "static", "config.yaml")  # what a publish must correspond to
# max_file_mb: GitHub refuses a pushed file over 100 MB; max_site_mb: a GitHub Pages site may be 1 GB at most.
DEFAULTS = {"branch": "gh-pages", "remote": "origin", "max_delete_share": 0.5, "max_file_mb": 100, "max_site_mb": 1024}
SHOWN_FOUND = 20  # files named one by one when the scan of the tree refuses, before "and N more"
SHOWN_DIRTY = 10  # uncommitted files named one by one before "and N more"


@dataclass(frozen=True)
class PublishOptions:
    """What the editor asked for on the command line (None: take config.yaml's publish settings)."""

    branch: str | None = None
    remote: str | None = None
    push: bool = False
    message: str | None = None
    allow_dirty: bool = False
    dry_run: bool = False
    yes: bool = False
    force: bool = False
    interactive: bool = False  # run in a terminal: --force asks for --yes before removing others' commits


@dataclass(frozen=True)
class PublishSettings:
    """config.yaml's `publish:` mapping, checked."""

    branch: str
    remote: str
    max_delete_share: float
    max_file_mb: float = DEFAULTS["max_file_mb"]
    max_site_mb: float = DEFAULTS["max_site_mb"]


@dataclass
class Changes:
    """How the new tree differs from the branch's tip, by published path."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Nothing differs."""
        return not (self.added or self.changed or self.deleted)


@dataclass
class PublishResult:
    """What a publish did, for the CLI to report."""

    branch: str
    remote: str
    source: str  # the commit the site was built from
    tree: str
    files: int
    changes: Changes
    parent: str | None = None
    commit: str | None = None  # None: no new commit (dry run, or nothing changed)
    pushed: bool = False
    dry_run: bool = False
    dirty: bool = False
    blocked: str = ""  # dry run only: why a real publish would stop
    left_out: int = 0  # untracked or ignored files among the sources, which were not published
    removed: list = field(default_factory=list)  # (hash, subject) of remote commits --force overwrote


class Git:
    """git commands in one repository; a failing command becomes a DigestError."""

    def __init__(self, root: Path):
        self.root = root

    def run(self, *args: str, env: dict | None = None, cwd: Path | None = None, stdin: str | None = None,
            check: bool = True) -> subprocess.CompletedProcess:
        """Run git; raise DigestError with git's own words when it fails and check is set."""
        try:
            done = subprocess.run(["git", *args], cwd=cwd or self.root, env={**os.environ, **(env or {})},
                                  input=stdin, capture_output=True, text=True, encoding="utf-8", check=False)
        except OSError as exc:
            raise DigestError(error("git", None, f"cannot run git: {exc.strerror}",
                                    "install git (e.g. apt-get install git) and try again", code="publish"))
        if check and done.returncode != 0:
            raise DigestError(error("git", None, f"`git {args[0]}` failed: {last_words(done.stderr)}",
                                    "fix what git says above, then publish again", code="publish"))
        return done

    def out(self, *args: str, **kwargs) -> str:
        """A git command's output, stripped."""
        return self.run(*args, **kwargs).stdout.strip()

    def resolve(self, ref: str) -> str | None:
        """The commit a ref names, or None when it does not exist."""
        done = self.run("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
        return done.stdout.strip() if done.returncode == 0 else None


def last_words(stderr: str) -> str:
    """git's error output on one line."""
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    return " / ".join(lines[-4:]) or "no message"


def publish(root: Path, options: PublishOptions) -> PublishResult:
    """Build the site from scratch and commit it to the publish branch; push when asked."""
    root = root.resolve()
    git = open_repository(root)
    config, settings = load_settings(git, options)
    branch, remote = options.branch or settings.branch, options.remote or settings.remote
    check_branch(git, branch)
    if options.push:
        check_remote(git, remote)
    source = source_commit(git)
    dirty = dirty_files(git)
    if dirty and not options.allow_dirty:
        raise DigestError(dirty_problems(dirty))
    parent = git.resolve(f"refs/heads/{branch}") or git.resolve(f"refs/remotes/{remote}/{branch}")
    left_out = untracked_files(git)
    with tempfile.TemporaryDirectory(prefix="digest-publish-") as tmp:
        with source_checkout(git, source, Path(tmp) / "source", bool(dirty)) as checkout:
            site = build_fresh(checkout, Path(tmp) / "site", config)
        tree = stage_tree(git, site, Path(tmp) / "index")
    found = scan_tree(git, tree, settings)  # what git would commit, before anything is committed
    if found:
        raise DigestError(found, outcome=NOTHING_DONE)
    changes = diff_trees(git, parent, tree)
    result = PublishResult(branch, remote, source, tree, count_files(git, tree), changes, parent,
                           dry_run=options.dry_run, dirty=bool(dirty), left_out=len(left_out))
    blocked = deletion_problem(git, parent, changes, settings.max_delete_share, branch)
    if options.push and options.force:
        result.removed = commits_force_removes(git, remote, branch, parent)
        if result.removed and options.interactive and not options.yes and not options.dry_run:
            raise DigestError(force_problems(remote, branch, result.removed), outcome=NOTHING_DONE)
    if options.dry_run:
        result.blocked = blocked.format() if blocked and not options.yes else ""
        return result
    if blocked and not options.yes:
        raise DigestError(blocked, outcome=NOTHING_DONE)
    if parent is None or tree != git.out("rev-parse", f"{parent}^{{tree}}"):
        result.commit = commit_site(git, tree, parent, branch, commit_message(git, source, options.message, dirty))
    elif git.resolve(f"refs/heads/{branch}") is None:
        git.run("update-ref", "-m", "publish: start from the remote's branch", f"refs/heads/{branch}", parent, "")
    if options.push:
        push_branch(git, remote, branch, options.force, result.commit)
        result.pushed = True
    return result


NOTHING_DONE = "nothing was committed or pushed; the published site is as it was."


def scan_tree(git: Git, tree: str, settings: PublishSettings) -> list[Problem]:
    """What must not be published in the tree about to be committed: links leading outside it, secret-looking
    files (the build's own rule, sources.is_secret), files over publish.max_file_mb, a site over max_site_mb."""
    from .sources import is_secret
    listing = git.out("-c", "core.quotePath=false", "ls-tree", "-r", "-l", "-z", tree)
    found, total = [], 0
    limit = settings.max_file_mb * 1024 * 1024
    for entry in filter(None, listing.split("\0")):
        info, path = entry.split("\t", 1)
        mode, _, blob, size = info.split()
        size = int(size) if size.isdigit() else 0
        total += size
        if mode == "120000":
            target = git.out("cat-file", "blob", blob)
            if escapes(path, target):
                found.append(error(path, None, f"a link that leads outside the published site ({target})",
                                   "copy the file into static/ instead of linking to it", code="publish-scan"))
        elif is_secret(path.rsplit("/", 1)[-1]):
            found.append(error(path, None, "this looks like a secret (a key, a certificate or a password file)",
                               "remove it from the sources; it must never be published", code="publish-scan"))
        if size > limit:
            found.append(error(path, None, f"{size / 1024 / 1024:,.0f} MB, over the {settings.max_file_mb:g} MB a "
                               "file may have (publish.max_file_mb; GitHub refuses larger files)",
                               "keep large media elsewhere and link to it, or raise publish.max_file_mb if your "
                               "host accepts such files", code="publish-scan"))
    if total > settings.max_site_mb * 1024 * 1024:
        found.append(error("site", None, f"the site is {total / 1024 / 1024:,.0f} MB, over publish.max_site_mb "
                           f"({settings.max_site_mb:g} MB; GitHub Pages sites may be 1 GB at most)",
                           "move large files out of static/ and content/, or raise publish.max_site_mb",
                           code="publish-scan"))
    if len(found) > SHOWN_FOUND:
        found = found[:SHOWN_FOUND] + [error("…", None, f"and {len(found) - SHOWN_FOUND} more", "", "publish-scan")]
    return found


def escapes(path: str, target: str) -> bool:
    """A link target that is absolute or climbs above the tree's root (the target is resolved from the link's folder)."""
    if target.startswith(("/", "\\")) or (len(target) > 1 and target[1] == ":"):
        return True
    depth = path.count("/")
    for part in target.replace("\\", "/").split("/"):
        if part == "..":
            depth -= 1
            if depth < 0:
                return True
        elif part not in ("", "."):
            depth += 1
    return False


def commits_force_removes(git: Git, remote: str, branch: str, parent: str | None) -> list[tuple[str, str]]:
    """(hash, subject) of the commits on the remote's branch that a forced push of a child of parent discards."""
    done = git.run("fetch", "--quiet", "--no-tags", "--", remote, f"refs/heads/{branch}", check=False)
    if done.returncode != 0:
        if "couldn't find remote ref" in done.stderr:
            return []  # the remote has no such branch yet: nothing to lose
        raise DigestError(push_problem(remote, branch, done.stderr, None, "fetch"), outcome=NOTHING_DONE)
    theirs = git.out("rev-parse", "FETCH_HEAD")
    listed = git.out("log", "--format=%H%x00%s", theirs, *([f"^{parent}"] if parent else []))
    return [tuple(line.split("\0", 1)) for line in listed.splitlines() if line]


def force_problems(remote: str, branch: str, removed: list) -> list[Problem]:
    """The refusal of a forced push in a terminal without --yes: each commit it would remove, by hash and subject."""
    where = f"{remote}/{branch}"
    hint = f"look at them (git log {remote}/{branch}); to discard them, publish again with --force --yes"
    return [error(where, None, f"--force would remove {len(removed)} commit{'s' if len(removed) != 1 else ''} "
                  "that your publish does not contain", hint, code="force-removes")] + \
        [error(where, None, f"would remove {commit[:12]} {subject}", "", code="force-removes")
         for commit, subject in removed]


def load_settings(git: Git, options: PublishOptions) -> tuple[Config, PublishSettings]:
    """The site's config and publish settings; when they cannot be read, first make sure we are not on
    the publish branch, whose files are the built site (a likelier cause than a broken config)."""
    try:
        config, _ = load_config(git.root)
    except DigestError:
        check_branch(git, options.branch or DEFAULTS["branch"])
        raise
    return config, publish_settings(config)


def publish_settings(config: Config) -> PublishSettings:
    """config.yaml's `publish:` settings with their defaults; a wrong value stops the publish."""
    raw = config.raw.get("publish") or {}
    if not isinstance(raw, dict):
        raise DigestError(config_problem("publish", f"expected a mapping, got {describe(raw)}",
                                         "e.g. publish: {branch: gh-pages, remote: origin}"))
    values = {**DEFAULTS, **raw}
    problems = [config_problem(f"publish.{key}", "unknown setting", f"use one of: {', '.join(DEFAULTS)}")
                for key in raw if key not in DEFAULTS]
    for key in ("branch", "remote"):
        if not isinstance(values[key], str) or not values[key].strip():
            problems.append(config_problem(f"publish.{key}", f"expected a name, got {describe(values[key])}",
                                           f"e.g. {key}: {DEFAULTS[key]}"))
    for key in ("max_file_mb", "max_site_mb"):
        value = values[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            problems.append(config_problem(f"publish.{key}", f"expected a number of megabytes, got {describe(value)}",
                                           f"e.g. {key}: {DEFAULTS[key]}"))
    share = values["max_delete_share"]
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1:
        problems.append(config_problem("publish.max_delete_share", f"expected a number from 0 to 1, got "
                                       f"{describe(share)}", "e.g. max_delete_share: 0.5 (half of the files)"))
    if problems:
        raise DigestError(problems)
    return PublishSettings(values["branch"], values["remote"], float(share), float(values["max_file_mb"]),
                           float(values["max_site_mb"]))


def config_problem(key: str, message: str, hint: str) -> Problem:
    """A problem with a publish setting in config.yaml."""
    return error("config.yaml", None, f"{key}: {message}", hint, code="config")


def open_repository(root: Path) -> Git:
    """The git repository holding the project; refuse when there is none."""
    git = Git(root)
    done = git.run("rev-parse", "--is-inside-work-tree", check=False)
    if done.returncode != 0 or done.stdout.strip() != "true":
        raise DigestError(error(str(root), None, "the project is not in a git repository",
                                "run `git init` and commit content/, templates/, static/ and config.yaml first",
                                code="publish"))
    return git


def check_branch(git: Git, branch: str) -> None:
    """The branch name is valid and is not the branch checked out here."""
    if git.run("check-ref-format", f"refs/heads/{branch}", check=False).returncode != 0 or branch.startswith("-"):
        raise DigestError(error("--branch", None, f"'{branch}' is not a valid branch name",
                                "e.g. --branch gh-pages", code="publish"))
    current = git.run("symbolic-ref", "--quiet", "HEAD", check=False).stdout.strip()
    if current == f"refs/heads/{branch}":
        raise DigestError(error(str(git.root), None, f"you are on the publish branch '{branch}'",
                                "switch back to your source branch (e.g. git switch main), then publish",
                                code="publish"))


def check_remote(git: Git, remote: str) -> None:
    """The remote to push to exists (checked before anything is built)."""
    if git.run("remote", "get-url", "--", remote, check=False).returncode != 0:
        raise DigestError(error("--remote", None, f"there is no git remote named '{remote}'",
                                f"add it with `git remote add {remote} URL`, or name another with --remote",
                                code="publish"))


def source_commit(git: Git) -> str:
    """The commit checked out, which the published site is built from."""
    commit = git.resolve("HEAD")
    if commit is None:
        raise DigestError(error(str(git.root), None, "the repository has no commit yet",
                                "commit content/, templates/, static/ and config.yaml first", code="publish"))
    return commit


def dirty_files(git: Git) -> list[str]:
    """Sources with uncommitted changes, untracked files included (`git status` lines)."""
    status = git.run("-c", "core.quotePath=false", "status", "--porcelain=v1", "--untracked-files=all",
                     "--", *SOURCES).stdout  # not stripped: the first column may be a space
    return [line for line in status.splitlines() if line.strip()]


def dirty_problems(dirty: list[str]) -> list[Problem]:
    """One problem per uncommitted source file (the first few), saying how to proceed."""
    hint = "commit it (git add … && git commit) so the site matches a commit, or publish with --allow-dirty"
    problems = [error(line[3:], None, f"uncommitted change ({line[:2].strip()})", hint, code="dirty")
                for line in dirty[:SHOWN_DIRTY]]
    if len(dirty) > SHOWN_DIRTY:
        problems.append(error("…", None, f"and {len(dirty) - SHOWN_DIRTY} more uncommitted files",
                              "see `git status`", code="dirty"))
    return problems


def untracked_files(git: Git) -> list[str]:
    """Files among the sources that git does not track (ignored ones included): never published."""
    listed = git.out("-c", "core.quotePath=false", "ls-files", "--others", "-z", "--", *SOURCES)
    return [name for name in listed.split("\0") if name]


@contextlib.contextmanager
def source_checkout(git: Git, source: str, where: Path, with_changes: bool):
    """A temporary checkout of the source commit (a linked worktree, so git dates work); yields the project in it.

    with_changes (--allow-dirty): tracked sources changed in the working folder are copied over it.
    Untracked and ignored files are never in it. The worktree is removed afterwards, whatever happens.
    """
    top = Path(git.out("rev-parse", "--show-toplevel")).resolve()
    plain = ("-c", "core.hooksPath=/dev/null", "-c", "core.autocrlf=false")
    git.run(*plain, "worktree", "add", "--detach", "--quiet", str(where), source)
    try:
        project = where / git.root.resolve().relative_to(top)
        if with_changes:
            copy_changes(git, project)
        yield project
    finally:
        git.run("worktree", "remove", "--force", str(where), check=False)
        git.run("worktree", "prune", check=False)


def copy_changes(git: Git, project: Path) -> None:
    """Copy tracked sources changed since the commit from the working folder (deleted ones are deleted)."""
    changed = git.out("-c", "core.quotePath=false", "diff", "--name-only", "--relative", "-z", "HEAD", "--",
                      *SOURCES)
    for name in filter(None, changed.split("\0")):
        source, target = git.root / name, project / name
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        elif target.exists():
            target.unlink()


def build_fresh(root: Path, out: Path, config: Config) -> Path:
    """Build the whole site into an empty folder, then add the host's files and drop the build state."""
    from .pipeline import build
    build(root, out, clean=True, cache_dir=out.parent / "cache")  # a cache of its own, thrown away with out
    (out / ".nojekyll").write_bytes(b"")
    if config.cname:
        (out / "CNAME").write_text(config.cname.strip() + "\n", encoding="utf-8")
    return out


def stage_tree(git: Git, site: Path, index: Path) -> str:
    """Write the built folder as a git tree through a temporary index; return the tree's id."""
    git_dir = git.out("rev-parse", "--absolute-git-dir")
    env = {"GIT_DIR": git_dir, "GIT_WORK_TREE": str(site), "GIT_INDEX_FILE": str(index)}
    plain = ("-c", "core.autocrlf=false", "-c", "core.safecrlf=false", "-c", "core.fileMode=true")
    git.run(*plain, "add", "--all", "--force", "--", ".", env=env, cwd=site)
    return git.out("write-tree", env=env, cwd=site)


def diff_trees(git: Git, parent: str | None, tree: str) -> Changes:
    """Files added, changed and deleted between the parent commit's tree and the new tree."""
    changes = Changes()
    if parent is None:
        changes.added = list_files(git, tree)
        return changes
    raw = git.out("-c", "core.quotePath=false", "diff-tree", "-r", "--no-renames", "--name-status", "-z",
                  f"{parent}^{{tree}}", tree)
    fields = raw.split("\0")
    for status, path in zip(fields[0::2], fields[1::2]):
        {"A": changes.added, "D": changes.deleted}.get(status, changes.changed).append(path)
    return changes


def list_files(git: Git, tree: str) -> list[str]:
    """Every file path in a tree."""
    return [p for p in git.out("ls-tree", "-r", "--name-only", "-z", tree).split("\0") if p]


def count_files(git: Git, tree: str) -> int:
    """How many files a tree holds."""
    return len(list_files(git, tree))


def deletion_problem(git: Git, parent: str | None, changes: Changes, share: float, branch: str) -> Problem | None:
    """A problem when the publish would delete more than the allowed share of the published files."""
    if parent is None or not changes.deleted:
        return None
    before = count_files(git, f"{parent}^{{tree}}")
    if len(changes.deleted) <= share * before:
        return None
    return error(branch, None, f"this publish would delete {len(changes.deleted)} of the {before} published "
                 f"files, more than publish.max_delete_share ({share:.0%}) allows",
                 "look at the list with --dry-run; if it is right, publish again with --yes", code="publish-deletes")


def commit_message(git: Git, source: str, message: str | None, dirty: list[str]) -> str:
    """The publish commit's message: the editor's words or a default, always naming the source commit."""
    branch = git.run("symbolic-ref", "--quiet", "--short", "HEAD", check=False).stdout.strip() or "detached HEAD"
    subject = message.strip() if message and message.strip() else f"Publish site from {source[:12]} ({branch})"
    body = f"Built by `python build.py publish` from commit {source} ({branch})."
    if dirty:
        body += "\nIncludes uncommitted changes (--allow-dirty)."
    return f"{subject}\n\n{body}\n"


def commit_site(git: Git, tree: str, parent: str | None, branch: str, message: str) -> str:
    """Commit the tree on top of the branch's tip (an orphan the first time) and move the branch to it."""
    parents = ["-p", parent] if parent else []
    commit = git.out("commit-tree", tree, *parents, "-F", "-", stdin=message)
    local = git.resolve(f"refs/heads/{branch}")
    # The expected old value makes the update fail if the branch moved meanwhile ("" = must not exist yet).
    git.run("update-ref", "-m", f"publish: site from {message.splitlines()[0]}", f"refs/heads/{branch}", commit,
            local or "")
    return commit


def push_branch(git: Git, remote: str, branch: str, force: bool, commit: str | None) -> None:
    """Push the branch; a failed push is reported as what it is, and the local branch keeps the new commit."""
    flags = ["--force"] if force else []
    done = git.run("push", "--porcelain", *flags, "--", remote, f"refs/heads/{branch}:refs/heads/{branch}",
                   check=False)
    if done.returncode != 0:
        words = done.stderr + "\n" + "\n".join(l for l in done.stdout.splitlines() if l.startswith("!"))
        kept = f"the local branch '{branch}' holds the new commit {commit[:12]}, nothing is lost" if commit else \
            f"the local branch '{branch}' was already up to date"
        raise DigestError(push_problem(remote, branch, words, commit, "push"),
                          outcome=f"{kept}; nothing reached '{remote}', where the site is as it was.")


# What a failed push (or fetch) says, and what it is: (words in git's output, what happened, what to do).
PUSH_FAILURES = (
    (("[rejected]", "non-fast-forward", "fetch first", "stale info"), "rejected: the remote's branch has commits "
     "that yours does not (someone else published meanwhile?)", "run `git fetch {remote}` and `git log "
     "{remote}/{branch}` to see them; to build on them, `git branch -f {branch} {remote}/{branch}` and publish "
     "again; to discard them, publish with --force"),
    (("Could not resolve host", "Could not resolve hostname", "Name or service not known",
      "Temporary failure in name resolution", "nodename nor servname"), "the remote's host name could not be "
     "found (DNS)", "check your network connection and the address in `git remote get-url {remote}`, then push "
     "again (git push {remote} {branch}) or publish again"),
    (("not allowed", "not supported", "Unable to find remote helper", "unsupported protocol"), "git refused the "
     "transport of the remote's address", "check the address (`git remote get-url {remote}`) and git's "
     "protocol.allow settings, then push again"),
    (("Connection refused", "Couldn't connect", "Failed to connect", "timed out", "Network is unreachable",
      "No route to host"), "the remote's server could not be reached", "check your network connection and the "
     "remote's address, then push again (git push {remote} {branch}) or publish again"),
    (("Permission denied", "Authentication failed", "403", "401", "could not read Username", "access denied"),
     "the remote refused your credentials", "check that you may push to {remote} (SSH key, token), then push "
     "again"),
    (("does not appear to be a git repository", "not found", "Repository not found"), "the remote's repository "
     "was not found", "check the address in `git remote get-url {remote}`"),
)


def push_problem(remote: str, branch: str, output: str, commit: str | None, action: str) -> Problem:
    """A failed push or fetch, named for what happened, with git's own words."""
    what, hint = f"the {action} failed", "fix what git says, then push again (git push {remote} {branch})"
    for words, meaning, advice in PUSH_FAILURES:
        if any(w in output for w in words):
            what, hint = f"the {action} failed: {meaning}", advice
            break
    code = "push-rejected" if "rejected" in what else "push-failed"
    return error(f"{remote}/{branch}", None, f"{what} ({last_words(output)})",
                 hint.format(remote=remote, branch=branch), code=code)


def report_lines(result: PublishResult, verbose: bool = False) -> list[str]:
    """What the publish did (or would do), in the editor's words."""
    ch = result.changes
    counts = f"{len(ch.added)} added, {len(ch.changed)} changed, {len(ch.deleted)} deleted"
    lines = []
    if result.dry_run or verbose:
        for mark, paths in (("added", ch.added), ("changed", ch.changed), ("deleted", ch.deleted)):
            lines += [f"  {mark:8} {path}" for path in paths]
    source = result.source[:12] + (" with uncommitted changes" if result.dirty else "")
    if result.dry_run:
        lines.append(f"dry run: publishing {source} to '{result.branch}' would give {result.files} files "
                     f"({counts}); nothing was committed")
        if result.blocked:
            lines.append(f"and it would stop: {result.blocked}")
    elif result.commit:
        lines.append(f"published {result.files} files to '{result.branch}' as {result.commit[:12]} "
                     f"(from {source}): {counts}")
    else:
        lines.append(f"'{result.branch}' is already up to date ({(result.parent or '')[:12]}): "
                     f"the built site is identical, no new commit")
    if result.left_out:
        lines.append(f"left out {result.left_out} untracked or ignored file{'s' if result.left_out != 1 else ''} "
                     "in content/, templates/ or static/: only files committed to git are published")
    if result.removed:
        verb = "would remove" if result.dry_run or not result.pushed else "removed"
        lines.append(f"--force {verb} {len(result.removed)} commit{'s' if len(result.removed) != 1 else ''} from "
                     f"'{result.remote}/{result.branch}' that this publish does not contain:")
        lines += [f"  {commit[:12]} {subject}" for commit, subject in result.removed]
    if result.pushed:
        lines.append(f"pushed '{result.branch}' to '{result.remote}'" + (" with --force" if result.removed else ""))
    return lines
