"""What goes into the Python images: their Dockerfiles copy production code only, .dockerignore
keeps tests, benchmarks, development tooling (receipt_synth, the receipt generator, which needs
fonts the image lacks) and caches out of the build context, and production code never imports
them. The built images' /app is compared with the Dockerfiles' COPY lines by
scripts/container-smoke.sh (tests/test_container_smoke.py)."""

from __future__ import annotations

import ast
import importlib.util
import os
import posixpath
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("dockerfile", ROOT / "scripts/lib/dockerfile.py")
assert _spec and _spec.loader
dockerfile = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(dockerfile)

# service dir -> its package; the other service's package is off limits too
PACKAGES = {"backend-core": "app", "ocr-worker": "ocr_worker"}
# Top-level modules production code must not import: development tooling and test code.
DEV_MODULES = {"receipt_synth", "bench", "tests", "conftest", "pytest", "hypothesis"}


def dockerignore_rules(context: Path) -> list[tuple[re.Pattern[str], bool]]:
    """(pattern, is_exception) per line of context/.dockerignore, as Docker reads them."""
    rules = []
    path = context / ".dockerignore"
    for line in (path.read_text(encoding="utf-8") if path.exists() else "").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        exception = line.startswith("!")
        pattern = posixpath.normpath(line.removeprefix("!").strip().lstrip("/"))
        rules.append((re.compile(glob_regex(pattern)), exception))
    return rules


def glob_regex(pattern: str) -> str:
    """Docker's pattern syntax: `**` any number of directories, `*` and `?` within one name."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        elif pattern[i] == "[":
            end = pattern.index("]", i)
            out, i = out + pattern[i : end + 1], end + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return out + r"\Z"


def ignored(rules: list[tuple[re.Pattern[str], bool]], path: str) -> bool:
    """Whether the build context leaves path out: the last rule matching it or a parent wins."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    result = False
    for pattern, exception in rules:
        if any(pattern.match(prefix) for prefix in prefixes):
            result = not exception
    return result


def build_context(context: Path) -> list[str]:
    """Every file on disk under context that a build would send (untracked caches included)."""
    rules = dockerignore_rules(context)
    found = []
    for folder, _dirs, names in os.walk(context):
        for name in names:
            path = (Path(folder) / name).relative_to(context).as_posix()
            if not ignored(rules, path):
                found.append(path)
    return found


def imported_modules(source: str) -> set[str]:
    """Top-level names of the modules a Python source imports (absolute imports only)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("service", sorted(PACKAGES))
def test_build_context_holds_no_tests_tooling_or_caches(service: str) -> None:
    assert (ROOT / service / ".dockerignore").is_file()
    context = build_context(ROOT / service)
    dev_dirs = {"tests", "bench", "receipt_synth"}
    leaked = [
        p
        for p in context
        if p.split("/")[0] in dev_dirs
        or "__pycache__" in p.split("/")
        or p.endswith((".pyc", ".pyo"))
    ]
    assert leaked == [], f"{service}/.dockerignore lets these into the build: {leaked[:20]}"
    rules = dockerignore_rules(ROOT / service)
    # Caches a developer's run leaves anywhere in the package, even where none exist right now.
    package = PACKAGES[service]
    for cache in (
        f"{package}/__pycache__/main.cpython-311.pyc",
        f"{package}/a/__pycache__/b.pyc",
        ".pytest_cache/v/cache/lastfailed",
        ".mypy_cache/3.11/app.json",
        ".env",
    ):
        assert ignored(rules, cache), f"{service}/.dockerignore lets {cache} in"


@pytest.mark.parametrize("service", [*sorted(PACKAGES), "gateway"])
def test_dockerignore_keeps_out_every_top_level_entry_the_image_does_not_copy(
    service: str,
) -> None:
    context = ROOT / service
    rules = dockerignore_rules(context)
    copied_sources = set(dockerfile.copied(context).values())
    copied_tops = {p.split("/")[0] for p in copied_sources}
    tracked_tops = {p.split("/")[0] for p in dockerfile.tracked_files(context)}
    for top in sorted(tracked_tops - copied_tops - {"Dockerfile", ".dockerignore"}):
        assert ignored(rules, top), f"{service}/{top} is not copied: add it to .dockerignore"
    for source in sorted(copied_sources):
        assert not ignored(rules, source), f"{service}/.dockerignore hides {source}, a COPY source"


@pytest.mark.parametrize("service", sorted(PACKAGES))
def test_the_image_gets_the_package_and_no_dev_tooling(service: str) -> None:
    images = dockerfile.files(ROOT / service)
    assert any(p.startswith(f"/app/{PACKAGES[service]}/") for p in images)
    assert not [p for p in images if {"tests", "bench", "receipt_synth"} & set(p.split("/"))]


@pytest.mark.parametrize("service", sorted(PACKAGES))
def test_production_code_never_imports_dev_tooling(service: str) -> None:
    forbidden = DEV_MODULES | (set(PACKAGES.values()) - {PACKAGES[service]})
    offenders = {}
    for source in dockerfile.copied(ROOT / service).values():
        if source.endswith(".py"):
            text = (ROOT / service / source).read_text(encoding="utf-8")
            bad = imported_modules(text) & forbidden
            if bad:
                offenders[source] = sorted(bad)
    assert offenders == {}, f"{service}: production files import development tooling: {offenders}"


def test_the_import_check_sees_every_form_of_import() -> None:
    source = (
        "import receipt_synth\nfrom receipt_synth.layouts import x\n"
        "def f():\n    import bench.run\n    from .local import y\n"
    )
    assert imported_modules(source) == {"receipt_synth", "bench"}


def test_the_ignore_matcher_reads_patterns_as_docker_does() -> None:
    rules = [(re.compile(glob_regex(p)), False) for p in ("tests", "**/*.py[cod]", "*.md")]
    rules.append((re.compile(glob_regex("KEEP.md")), True))
    assert ignored(rules, "tests/test_api.py")
    assert ignored(rules, "app/deep/x.pyc") and ignored(rules, "x.pyo")
    assert ignored(rules, "README.md") and not ignored(rules, "KEEP.md")
    assert not ignored(rules, "app/tests.py") and not ignored(rules, "app/README.md")
