"""What the engine imports is what requirements.txt and pyproject.toml declare, and nothing else."""
from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def normalise(name: str) -> str:
    """A distribution name as pip compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_names(lines: list[str]) -> set[str]:
    """The distribution names of requirement lines (specifiers, comments and -r lines left out)."""
    names = set()
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.add(normalise(re.match(r"[A-Za-z0-9._-]+", line).group()))
    return names


def imported_modules() -> set[str]:
    """Top-level names of every absolute import in digest/, those inside functions included."""
    found = set()
    for path in (ROOT / "digest").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                found.add(node.module.split(".")[0])
    return found


def third_party_distributions() -> dict[str, set[str]]:
    """Distribution name -> the third-party modules of digest/ that it provides."""
    provided = importlib.metadata.packages_distributions()
    found: dict[str, set[str]] = {}
    for module in imported_modules() - set(sys.stdlib_module_names) - {"digest", "__future__"}:
        assert module in provided, f"digest imports {module}, which no installed distribution provides"
        for dist in provided[module]:
            found.setdefault(normalise(dist), set()).add(module)
    return found


def test_every_third_party_import_is_declared_and_every_requirement_is_used():
    declared = requirement_names((ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines())
    used = third_party_distributions()
    assert sorted(set(used) - declared) == [], "imported by digest/ but missing from requirements.txt"
    assert sorted(declared - set(used)) == [], "in requirements.txt but imported nowhere in digest/"


def test_pyproject_declares_the_same_requirements():
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    lines = (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert sorted(project["project"]["dependencies"]) == sorted(
        line.strip() for line in lines if line.strip() and not line.startswith("#"))
    assert "package-data" not in project["tool"]["setuptools"], "the engine ships no copy of a package's file"


# The first version of each package with every published security fix (or, where none was ever published,
# the floor the project relies on). A floor below one of these lets pip install a version with a known hole.
KNOWN_MINIMUMS = {
    "jinja2": ("3.1.6", "CVE-2024-22195, CVE-2024-34064, CVE-2024-56201, CVE-2024-56326, CVE-2025-27516"),
    "markupsafe": ("2.1", "the first MarkupSafe that Jinja2 3.1.6 is tested with (no CVE published)"),
    "markdown": ("3.8.1", "CVE-2025-69534: an HTMLParser crash on crafted raw HTML"),
    "pyyaml": ("5.4", "CVE-2020-14343: arbitrary code through full_load"),
    "babel": ("2.9.1", "CVE-2021-42771: a locale name that loads a file outside Babel's data"),
    "tornado": ("6.5.9", "CVE-2025-47287, CVE-2025-67724/5/6, CVE-2026-31958, CVE-2026-49853/4/5 and the "
                "6.5.8/6.5.9 advisories (request parsing, redirects, cookies)"),
    "livereload": ("2.7.1", "the version serve's reload tests ran with (no CVE published for the Python package)"),
    "nh3": ("0.3.8", "the version the sanitiser tests ran with (ammonia advisories of 2025-2026 fixed)"),
}


def floors(lines: list[str]) -> dict[str, str | None]:
    """Distribution name -> the lowest version its requirement line allows (None: no floor)."""
    found = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        name = normalise(re.match(r"[A-Za-z0-9._-]+", line).group())
        floor = re.search(r"(?:>=|==|~=)\s*([0-9][0-9a-z.]*)", line)
        found[name] = floor.group(1) if floor else None
    return found


@pytest.mark.parametrize("source", ["requirements.txt", "pyproject.toml"])
def test_every_requirement_has_a_floor_at_or_above_its_known_fixes(source):
    from packaging.version import Version
    if source == "pyproject.toml":
        tomllib = pytest.importorskip("tomllib")
        lines = tomllib.loads((ROOT / source).read_text(encoding="utf-8"))["project"]["dependencies"]
    else:
        lines = (ROOT / source).read_text(encoding="utf-8").splitlines()
    found = floors(lines)
    assert all(found.values()), f"requirements without a floor: {[n for n, v in found.items() if not v]}"
    too_low = {name: (found[name], minimum, why) for name, (minimum, why) in KNOWN_MINIMUMS.items()
               if name in found and Version(found[name]) < Version(minimum)}
    assert too_low == {}, "floors below a version with a published fix"
    assert set(KNOWN_MINIMUMS) <= set(found), "a package of the table is no longer required: update the table"


def test_the_floor_check_catches_a_vulnerable_floor():
    from packaging.version import Version
    found = floors(["jinja2>=3.1.2", "markdown>=3.5  # old", "markupsafe==2.0", "tornado"])
    assert Version(found["jinja2"]) < Version(KNOWN_MINIMUMS["jinja2"][0])
    assert Version(found["markdown"]) < Version(KNOWN_MINIMUMS["markdown"][0])
    assert Version(found["markupsafe"]) < Version(KNOWN_MINIMUMS["markupsafe"][0])
    assert found["tornado"] is None
