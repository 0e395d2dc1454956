"""README.md stays true to the tree: every variable of .env.example is in its configuration table,
every variable it documents exists, and the commands, links and CLI calls it shows are real."""

from __future__ import annotations

import json
import posixpath
import re
import subprocess
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
ENV_EXAMPLE = (ROOT / ".env.example").read_text(encoding="utf-8")
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")

# Where a configuration variable may be read: compose, the services' code, the scripts.
SOURCES = [
    ROOT / "docker-compose.yml", ROOT / ".env.example", *(ROOT / "scripts").rglob("*"),
    *(ROOT / "backend-core" / "app").rglob("*.py"),
    *(ROOT / "ocr-worker" / "ocr_worker").rglob("*.py"),
    *(ROOT / "gateway").rglob("*"), *(ROOT / "grafana" / "provisioning").rglob("*.yml"),
]


def section(title: str) -> str:
    """The text of the `## title` section (up to the next `## ` heading)."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, flags=re.M | re.S)
    assert match, f"README has no '## {title}' section"
    return match.group(1)


def table_variables() -> set[str]:
    return set(re.findall(r"^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|", section("Configuration"), flags=re.M))


def env_example_variables() -> set[str]:
    return set(re.findall(r"^([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE, flags=re.M))


def test_every_env_example_variable_is_in_the_configuration_table() -> None:
    missing = sorted(env_example_variables() - table_variables())
    assert missing == [], f"add these to the README's configuration table: {missing}"


def test_every_documented_variable_exists() -> None:
    code = "\n".join(
        p.read_text(encoding="utf-8", errors="replace") for p in SOURCES if p.is_file()
    )
    unknown = sorted(
        name for name in table_variables()
        if not re.search(rf"\b{name}\b", code)
        and not re.search(rf"\b{name.lower()}\b", code)  # pydantic-settings field names
    )
    assert unknown == [], f"documented but read nowhere: {unknown}"


def test_make_commands_in_the_readme_exist() -> None:
    targets = set(re.findall(r"^([a-z][a-zA-Z_-]*):", MAKEFILE, flags=re.M))
    # `make X` in inline code, or a shell line starting with make
    used = set(re.findall(r"(?:`|^)make ([a-z][a-zA-Z_-]*)", README, flags=re.M))
    assert used, "the README shows no make command"
    assert sorted(used - targets) == []


def test_relative_links_and_paths_resolve() -> None:
    links = re.findall(r"\]\((?!https?://|#|mailto:)([^)#\s]+)", README)
    missing = sorted({link for link in links if not (ROOT / link).exists()})
    assert missing == []


def test_the_one_test_command_is_given() -> None:
    assert "./scripts/test.sh" in section("Tests")


def test_architecture_diagram_shows_every_service_and_network() -> None:
    arch = section("Architecture")
    blocks = re.findall(r"```(?:text)?\n(.*?)```", arch, flags=re.S)
    assert blocks, "the Architecture section has no diagram"
    diagram = blocks[0]
    for name in ("gateway", "backend-core", "ocr-worker", "db", "prometheus", "grafana",
                 "edge", "backend", "internal"):
        assert name in diagram, f"{name} missing from the architecture diagram"


def test_cli_commands_in_the_readme_exist() -> None:
    commands = set(re.findall(r"python -m app\.cli ([a-z][a-z0-9-]*)", README))
    assert commands, "the README shows no app.cli command"
    cli_sources = "\n".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "backend-core" / "app").rglob("cli*.py")
    )
    cli_sources += "\n".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "backend-core" / "app" / "cli").rglob("*.py")
    )
    missing = sorted(
        command for command in commands
        if f'"{command}"' not in cli_sources and f"'{command}'" not in cli_sources
        and f"def {command.replace('-', '_')}(" not in cli_sources
    )
    assert missing == [], f"README shows app.cli commands the CLI does not have: {missing}"


def test_every_dashboard_is_described() -> None:
    dashboards = section("Dashboards")
    files = sorted((ROOT / "grafana" / "dashboards").glob("*.json"))
    assert files, "no dashboards in grafana/dashboards"
    for path in files:
        board = json.loads(path.read_text(encoding="utf-8"))
        assert board["title"] in dashboards, f"{path.name}: '{board['title']}' not in the README"
        assert f"`{board['uid']}`" in dashboards, f"{path.name}: uid not in the README"


def test_every_alert_rule_is_named() -> None:
    alerts = (ROOT / "prometheus" / "alerts.yml").read_text(encoding="utf-8")
    real = set(re.findall(r"^\s*- alert:\s*(\w+)", alerts, flags=re.M))
    assert real, "prometheus/alerts.yml has no alert"
    missing = sorted(name for name in real if f"`{name}`" not in section("Dashboards"))
    assert missing == []


def layout_paths() -> list[str]:
    """The repository paths the Project layout tree names, in order: the first column of each
    line, comma-separated names, `(...)` notes dropped; an indented name is relative to the
    top-level directory above it."""
    blocks = re.findall(r"```text\n(.*?)```", section("Project layout"), flags=re.S)
    assert blocks, "the Project layout section has no tree"
    parent = ""
    paths = []
    for line in blocks[0].splitlines():
        names = re.split(r"\s{2,}", line.strip())[0]
        names = re.sub(r"\([^)]*\)", "", names)
        indented = line.startswith(" ")
        for name in filter(None, (n.strip() for n in names.split(","))):
            paths.append(posixpath.normpath(posixpath.join(parent if indented else "", name)))
            if not indented and name.endswith("/"):
                parent = name
    return paths


def tracked_files() -> list[str]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True,
                         timeout=60).stdout
    return [f for f in out.decode().split("\0") if f]


def tracked_dirs() -> set[str]:
    return {str(parent) for f in tracked_files() for parent in PurePosixPath(f).parents} - {"."}


def test_project_layout_names_real_paths() -> None:
    paths = layout_paths()
    missing = [p for p in paths if not (ROOT / p).exists()]
    assert missing == [], f"Project layout names paths that do not exist: {missing}"
    assert len(paths) > 10


def test_project_layout_lists_every_directory() -> None:
    # Every directory is named or holds a named path, except hidden ones and the insides of
    # tests/ and bench/ directories (fixtures, data).
    listed = {str(parent) for p in layout_paths() for parent in (PurePosixPath(p),
              *PurePosixPath(p).parents)}
    required = set()
    for folder in tracked_dirs():
        parts = folder.split("/")
        inside = [i for i, part in enumerate(parts) if part in ("tests", "bench")]
        if not folder.startswith(".") and (not inside or inside[0] == len(parts) - 1):
            required.add(folder)
    assert {"backend-core/app/api/routes", "ocr-worker/ocr_worker/parser", "tests"} <= required
    missing = sorted(required - listed)
    assert missing == [], f"add these directories to the README's Project layout: {missing}"


# What the docs must not say: they describe Lifeboard, not the machine they were written on.
MACHINE_WORDS = re.compile(
    r"stand-in (?:base )?image|container-env|/work/|\.\./shared/(?!receipts-real-dev)"
    r"|shared (?:with other jobs|cores?|machine)|\b2 shared cores|development machine"
    r"|this machine's", re.I)


def test_docs_say_nothing_about_the_machine_they_were_written_on() -> None:
    docs = [f for f in tracked_files() if f.endswith(".md")]
    assert len(docs) > 3
    found = [f"{doc}: {m.group(0)!r}" for doc in docs
             for m in MACHINE_WORDS.finditer((ROOT / doc).read_text(encoding="utf-8"))]
    assert found == [], f"machine-specific text in the docs: {found}"


def test_the_machine_words_catch_what_they_should() -> None:
    for text in ("on this machine's stand-in base images", "here Podman through "
                 "`../shared/container-env`", "2 cores shared with other jobs",
                 "## What was measured (this machine, 2 shared cores)"):
        assert MACHINE_WORDS.search(text), text
    assert not MACHINE_WORDS.search("`../shared/receipts-real-dev/sroie` holds 312 scans")
