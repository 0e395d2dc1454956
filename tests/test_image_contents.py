"""What goes into the Python images: their Dockerfiles copy production code only (the service's
package and the upload format list the two share, libs/upload_formats), each build's ignore file
keeps tests, benchmarks, development tooling (receipt_synth, the receipt generator, which needs
fonts the image lacks), the other services and caches out of the build context (the repository
root, as docker-compose.yml builds them), and production code never imports them. The built
images' /app is compared with the Dockerfiles' COPY lines by scripts/container-smoke.sh
(tests/test_container_smoke.py)."""

from __future__ import annotations

import ast
import importlib.util
import os
import posixpath
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("dockerfile", ROOT / "scripts/lib/dockerfile.py")
assert _spec and _spec.loader
dockerfile = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(dockerfile)

# service dir -> its package; the other service's package is off limits too
PACKAGES = {"backend-core": "app", "ocr-worker": "ocr_worker"}
# Top-level modules production code must not import: development tooling and test code.
DEV_MODULES = {"receipt_synth", "bench", "tests", "conftest", "pytest", "hypothesis"}
# Directories no build context may hold: tests, benchmarks, development tooling.
DEV_DIRS = {"tests", "bench", "receipt_synth"}
# Never walked for the build context (a developer's venv and tool caches, not in any image).
UNWALKED = {".git", ".venv", "node_modules", ".tools", ".native-stack"}


def builds() -> dict[str, tuple[Path, Path]]:
    """Image name -> (build context, Dockerfile) of each image docker-compose.yml builds."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    found = {}
    for svc in compose["services"].values():
        if "build" in svc:
            context = (ROOT / svc["build"]["context"]).resolve()
            file = (context / svc["build"].get("dockerfile", "Dockerfile")).resolve()
            found[file.parent.name] = (context, file)
    return found


BUILDS = builds()


def ignore_file(context: Path, file: Path) -> Path:
    """The ignore file Docker reads: DOCKERFILE.dockerignore beside the Dockerfile, if there is
    one, else .dockerignore at the root of the context."""
    beside = file.with_name(file.name + ".dockerignore")
    return beside if beside.exists() else context / ".dockerignore"


def dockerignore_rules(path: Path) -> list[tuple[re.Pattern[str], bool]]:
    """(pattern, is_exception) per line of the ignore file at path, as Docker reads them."""
    rules = []
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


def build_context(context: Path, rules: list[tuple[re.Pattern[str], bool]]) -> list[str]:
    """Every file on disk under context that a build would send (untracked caches included)."""
    found = []
    for folder, dirs, names in os.walk(context):
        dirs[:] = [d for d in dirs if d not in UNWALKED]
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
    context, file = BUILDS[service]
    assert ignore_file(context, file).is_file(), f"{service}: no ignore file for its build"
    rules = dockerignore_rules(ignore_file(context, file))
    sent = build_context(context, rules)
    leaked = [
        p
        for p in sent
        if DEV_DIRS & set(p.split("/"))
        or "__pycache__" in p.split("/")
        or p.endswith((".pyc", ".pyo"))
    ]
    assert leaked == [], f"{service}: the build context holds {leaked[:20]}"
    # Caches a developer's run leaves anywhere in the package, even where none exist right now.
    package = posixpath.join(posixpath.relpath(ROOT / service, context), PACKAGES[service])
    for cache in (
        f"{package}/__pycache__/main.cpython-311.pyc",
        f"{package}/a/__pycache__/b.pyc",
        ".pytest_cache/v/cache/lastfailed",
        ".mypy_cache/3.11/app.json",
        ".env",
        posixpath.normpath(f"{package}/../.env"),
    ):
        assert ignored(rules, cache), f"{service}: the build context gets {cache}"


@pytest.mark.parametrize("service", sorted(PACKAGES))
def test_the_build_context_holds_exactly_what_the_image_copies(service: str) -> None:
    """Not the other services, the README or anything else of the repository root: every
    repository file the build sees is one its Dockerfile copies, and the other way round."""
    context, file = BUILDS[service]
    rules = dockerignore_rules(ignore_file(context, file))
    tracked = set(dockerfile.tracked_files(context))
    sent = {p for p in build_context(context, rules) if p in tracked}
    copied = set(dockerfile.copied(context, file).values())
    assert sorted(sent - copied) == [], f"{service}: sent to the build but not copied"
    assert sorted(copied - sent) == [], f"{service}: copied but hidden from the build"


@pytest.mark.parametrize("service", sorted(BUILDS))
def test_dockerignore_keeps_out_every_top_level_entry_the_image_does_not_copy(
    service: str,
) -> None:
    context, file = BUILDS[service]
    ignores = ignore_file(context, file)
    rules = dockerignore_rules(ignores)
    copied_sources = set(dockerfile.copied(context, file).values())
    copied_tops = {p.split("/")[0] for p in copied_sources}
    tracked_tops = {p.split("/")[0] for p in dockerfile.tracked_files(context)}
    for top in sorted(tracked_tops - copied_tops - {"Dockerfile", ".dockerignore"}):
        assert ignored(rules, top), f"{service}: {top} is not copied: add it to {ignores.name}"
    for source in sorted(copied_sources):
        assert not ignored(rules, source), (
            f"{service}: {ignores.name} hides {source}, a COPY source"
        )


@pytest.mark.parametrize("service", sorted(PACKAGES))
def test_the_image_gets_the_package_the_shared_formats_and_no_dev_tooling(service: str) -> None:
    images = dockerfile.files(*BUILDS[service])
    assert any(p.startswith(f"/app/{PACKAGES[service]}/") for p in images)
    # next to the package, where the CMD (run in /app) imports it as `upload_formats`
    assert "/app/upload_formats.py" in images
    assert not [p for p in images if DEV_DIRS & set(p.split("/"))]


@pytest.mark.parametrize("service", sorted(PACKAGES))
def test_production_code_never_imports_dev_tooling(service: str) -> None:
    forbidden = DEV_MODULES | (set(PACKAGES.values()) - {PACKAGES[service]})
    context, file = BUILDS[service]
    offenders = {}
    for source in dockerfile.copied(context, file).values():
        if source.endswith(".py"):
            text = (context / source).read_text(encoding="utf-8")
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
