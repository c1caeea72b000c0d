"""Shared helpers: fixture sites copied into tmp_path, built in-process or through the command line."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def make_project(tmp_path: Path, fixture: str = "basic", files: dict[str, str | None] | None = None) -> Path:
    """Copy a fixture site with the repository's templates and static files; apply file edits (None deletes)."""
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / fixture, project)
    for folder in ("templates", "static"):
        if not (project / folder).exists():
            shutil.copytree(ROOT / folder, project / folder)
    for rel, text in (files or {}).items():
        target = project / rel
        if text is None:
            target.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    return project


def run_cli(project: Path, *args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    """Run `python build.py ARGS` in the project folder, as an editor would."""
    return subprocess.run([sys.executable, str(ROOT / "build.py"), "--root", str(project), *args],
                          capture_output=True, text=True, encoding="utf-8", timeout=timeout, cwd=project)


def build_project(project: Path, out: Path | None = None, **options):
    """Build in-process; return (result, output folder)."""
    from digest.pipeline import build
    out = out or project / "site"
    return build(project, out, **options), out


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A fresh copy of the basic fixture site."""
    return make_project(tmp_path)


@pytest.fixture
def built(project: Path):
    """The basic fixture site, built once into project/site."""
    result, out = build_project(project)
    return result, out


def require_tool(path_or_name: str, what: str) -> str:
    """The tool's path; skip the test when it is missing, but fail in CI, where it must be installed."""
    found = shutil.which(path_or_name)
    if found:
        return found
    if os.environ.get("CI") == "true" or os.environ.get("DIGEST_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{what} ({path_or_name}) is missing; .ci/run installs it")
    pytest.skip(f"{what} ({path_or_name}) is not installed")


# Property-based tests (tests/test_properties.py): a quick profile for every run, a long one on demand
# (`python -m pytest tests/test_properties.py --hypothesis-profile=long`).
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile("ci", max_examples=20, deadline=None, derandomize=True, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("long", max_examples=10_000, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile("ci")


def pytest_configure(config) -> None:
    """--hypothesis-profile wins over the default above, however late this file is imported."""
    profile = config.getoption("hypothesis_profile", None)
    if profile:
        settings.load_profile(profile)
