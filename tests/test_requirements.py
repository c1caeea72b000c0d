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
    assert "vendor/livereload.js" in project["tool"]["setuptools"]["package-data"]["digest"]
