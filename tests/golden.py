"""Golden output: the basic fixture site as built, kept in tests/golden/basic/, compared file by file.

    python tests/golden.py      # regenerate after an intended change to the output, then review `git diff`
"""
from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden" / "basic"
sys.path[:0] = [str(HERE), str(HERE.parent)]


def build_fixture(tmp: Path) -> Path:
    """Build the basic fixture site with the repository's templates; return the output folder."""
    from conftest import build_project, make_project
    _, out = build_project(make_project(tmp), tmp / "out")
    return out


def site_files(out: Path) -> dict[str, bytes]:
    """Every output file, dotfiles included, but the search index.

    The index is Pagefind's binary output (tests/test_search.py checks it is deterministic and what
    it holds); kept here, every Pagefind upgrade would rewrite the golden tree with unreviewable bytes.
    """
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.relative_to(out).parts[0] != "pagefind"}


def regenerate() -> None:
    """Write the golden tree anew from a fresh build."""
    with tempfile.TemporaryDirectory() as tmp:
        files = site_files(build_fixture(Path(tmp)))
    shutil.rmtree(GOLDEN, ignore_errors=True)
    for rel, data in files.items():
        (GOLDEN / rel).parent.mkdir(parents=True, exist_ok=True)
        (GOLDEN / rel).write_bytes(data)
    print(f"wrote {len(files)} files to {GOLDEN.relative_to(HERE.parent)}")


if __name__ == "__main__":
    regenerate()
