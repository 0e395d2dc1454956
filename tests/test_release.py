"""Releases (issue 18): the tag workflow publishes exactly the images this repository builds, under
the names docker-compose.yml pulls, for amd64 and arm64 with SBOM and provenance, and drafts
notes from CHANGELOG.md; Dependabot watches every pin. (Schema and actionlint checks of the
workflow are in test_workflows.py, which covers every workflow.)
"""

from __future__ import annotations

import posixpath
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
RELEASE = ROOT / ".github" / "workflows" / "release.yml"
DEPENDABOT = ROOT / ".github" / "dependabot.yml"
CHANGELOG = ROOT / "CHANGELOG.md"
NOTES = ROOT / "scripts" / "release_notes.py"
SKIP = {".venv", ".git", "node_modules", ".tools", ".native-stack"}
BUILT_IMAGE = re.compile(
    r"^\$\{LIFEBOARD_IMAGE_PREFIX:-(?P<prefix>[^}]+)\}/lifeboard-(?P<name>[a-z-]+)"
    r":\$\{LIFEBOARD_VERSION:-(?P<version>[^}]+)\}$")


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in data:   # YAML 1.1 reads the key `on` as True
        data["on"] = data.pop(True)
    return data


def jobs() -> dict[str, Any]:
    return load(RELEASE)["jobs"]


def step_using(job: dict[str, Any], action: str) -> dict[str, Any]:
    return next(s for s in job["steps"] if s.get("uses", "").startswith(action + "@"))


def dockerfile_dirs() -> set[str]:
    return {p.parent.relative_to(ROOT).as_posix() for p in ROOT.rglob("Dockerfile")
            if not SKIP & set(p.parts)}


def compose_images() -> dict[str, re.Match[str]]:
    """Built compose services by image name (migrate shares backend-core's image)."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    found = {}
    for name, svc in compose["services"].items():
        if "build" in svc:
            match = BUILT_IMAGE.match(svc["image"])
            assert match, f"{name}: {svc['image']}"
            # built by NAME/Dockerfile (from the repository root or from NAME/)
            assert built_by(svc["build"]) == f"{match['name']}/Dockerfile", name
            found[match["name"]] = match
    return found


def built_by(build: dict[str, Any]) -> str:
    """The Dockerfile of a compose build, relative to the repository root."""
    dockerfile = build.get("dockerfile", "Dockerfile")
    return posixpath.normpath(posixpath.join(build["context"], dockerfile))


def compose_contexts() -> dict[str, str]:
    """The build context of each built image, relative to the repository root."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return {built_by(svc["build"]).split("/")[0]: posixpath.normpath(svc["build"]["context"])
            for svc in compose["services"].values() if "build" in svc}


def run_notes(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(NOTES), *args], capture_output=True, text=True,
                          timeout=30, check=False)


# ------------------------------------------------------------------------ the workflow
def test_runs_on_version_tags_only() -> None:
    assert load(RELEASE)["on"] == {"push": {"tags": ["v*"]}}


def test_publishes_every_image_this_repository_builds_under_the_compose_names() -> None:
    matrix = jobs()["images"]["strategy"]["matrix"]["include"]
    published = {entry["service"] for entry in matrix}
    assert published == dockerfile_dirs() == set(compose_images())
    for entry in matrix:
        # built as compose builds it: the same context (the root for the Python images, which
        # copy libs/) and the service's Dockerfile
        assert posixpath.normpath(entry["context"]) == compose_contexts()[entry["service"]]
        assert entry["dockerfile"] == f"{entry['service']}/Dockerfile"
    # ghcr.io/OWNER/lifeboard-SERVICE, the shape of compose's PREFIX/lifeboard-SERVICE
    naming = next(s for s in jobs()["images"]["steps"] if s.get("id") == "image")
    assert "$REGISTRY/${GITHUB_REPOSITORY_OWNER,,}/lifeboard-$SERVICE" in naming["run"]
    assert load(RELEASE)["env"]["REGISTRY"] == "ghcr.io"
    for match in compose_images().values():
        assert match["prefix"].startswith("ghcr.io/")


def test_images_are_multi_arch_with_sbom_and_provenance() -> None:
    job = jobs()["images"]
    build = step_using(job, "docker/build-push-action")["with"]
    assert build["platforms"].split(",") == ["linux/amd64", "linux/arm64"]
    assert build["push"] is True
    assert build["sbom"] is True
    assert build["provenance"] == "mode=max"
    assert build["tags"] == "${{ steps.meta.outputs.tags }}"
    assert "arm64" in step_using(job, "docker/setup-qemu-action")["with"]["platforms"]
    step_using(job, "docker/setup-buildx-action")
    login = step_using(job, "docker/login-action")["with"]
    assert login["registry"] == "${{ env.REGISTRY }}"
    assert login["password"] == "${{ secrets.GITHUB_TOKEN }}"
    meta = step_using(job, "docker/metadata-action")["with"]
    assert meta["images"] == "${{ steps.image.outputs.name }}"
    assert "type=semver,pattern={{version}}" in meta["tags"].split()


def test_version_check_accepts_the_repository_and_refuses_a_stale_default(tmp_path) -> None:
    """The notes job's check, run as a tag of the latest release would run it, on the
    repository (passes) and on a copy whose compose default lags behind (fails)."""
    (step,) = [s for s in jobs()["notes"]["steps"] if "LIFEBOARD_VERSION=" in s.get("run", "")]
    latest = re.search(r"^## \[(\d+\.\d+\.\d+)\] - ", CHANGELOG.read_text(), re.M)[1]

    def check(cwd: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", "-eo", "pipefail", "-c", step["run"]], cwd=cwd,
                              env={"PATH": "/usr/bin:/bin", "GITHUB_REF_NAME": f"v{latest}"},
                              capture_output=True, text=True, timeout=30, check=False)

    assert check(ROOT).returncode == 0, check(ROOT).stdout
    for name in (".env.example", "docker-compose.yml"):
        shutil.copy(ROOT / name, tmp_path / name)
    compose = (tmp_path / "docker-compose.yml").read_text()
    stale = compose.replace(f"LIFEBOARD_VERSION:-{latest}}}", "LIFEBOARD_VERSION:-0.0.9}", 1)
    assert stale != compose
    (tmp_path / "docker-compose.yml").write_text(stale)
    result = check(tmp_path)
    assert result.returncode == 1 and "another version" in result.stdout


def test_release_is_a_draft_with_the_changelog_notes_after_the_images() -> None:
    notes_job, release = jobs()["notes"], jobs()["release"]
    assert "scripts/release_notes.py" in notes_job["steps"][1]["run"]
    assert jobs()["images"]["needs"] == "notes"
    assert release["needs"] == "images"
    script = "\n".join(s.get("run", "") for s in release["steps"])
    assert "scripts/release_notes.py" in script and "release-notes.md" in script
    assert re.search(r"gh release create .*--draft", script, re.S)
    assert "--notes-file release-notes.md" in script


# ------------------------------------------------------------------------ CHANGELOG.md
def test_changelog_follows_keep_a_changelog() -> None:
    text = CHANGELOG.read_text(encoding="utf-8")
    headings = re.findall(r"^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?$", text, re.M)
    assert headings[0] == ("Unreleased", "")
    released = headings[1:]
    assert released, "no released version"
    for version, date in released:
        assert re.fullmatch(r"\d+\.\d+\.\d+", version) and date, (version, date)
    assert [d for _, d in released] == sorted((d for _, d in released), reverse=True)
    kinds = set(re.findall(r"^### (.+)$", text, re.M))
    assert kinds <= {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}


def test_compose_default_version_is_the_latest_release() -> None:
    latest = re.search(r"^## \[(\d+\.\d+\.\d+)\] - ", CHANGELOG.read_text(), re.M)[1]
    env_example = (ROOT / ".env.example").read_text()
    assert re.search(rf"^LIFEBOARD_VERSION={re.escape(latest)}$", env_example, re.M)
    assert {m["version"] for m in compose_images().values()} == {latest}


def test_release_notes_print_the_section_of_the_tag(tmp_path: Path) -> None:
    result = run_notes("v0.1.0")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("First version")
    assert "## [" not in result.stdout and "### Added" in result.stdout
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_text("# Changelog\n\n## [Unreleased]\n\n## [1.2.0-rc.1] - 2027-01-02\n\n"
                         "### Fixed\n\n- one\n\n## [1.1.0] - 2027-01-01\n\n- two\n\n"
                         "[1.1.0]: https://example.test/compare/v1.0.0...v1.1.0\n")
    rc = run_notes("v1.2.0-rc.1", "--changelog", str(changelog))
    assert (rc.returncode, rc.stdout) == (0, "### Fixed\n\n- one\n")
    assert run_notes("1.1.0", "--changelog", str(changelog)).stdout == "- two\n"


@pytest.mark.parametrize(("version", "message"), [
    ("v9.9.9", "no section"),
    ("vnext", "not a version"),
    ("1.3.0", "empty"),
])
def test_release_notes_refuse_a_tag_without_notes(tmp_path: Path, version: str,
                                                   message: str) -> None:
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_text("## [Unreleased]\n\n## [1.3.0] - 2027-02-01\n\n## [1.2.0] - 2027-01-01"
                         "\n\n- x\n")
    result = run_notes(version, "--changelog", str(changelog))
    assert result.returncode == 1 and result.stdout == ""
    assert message in result.stderr


# ------------------------------------------------------------------------ Dependabot
def dependabot_checker() -> str:
    beside_python = Path(sys.executable).with_name("check-jsonschema")
    checker = shutil.which("check-jsonschema") or (beside_python.exists() and str(beside_python))
    assert checker, "check-jsonschema is not installed (requirements-dev.txt)"
    return checker


def test_dependabot_config_matches_its_schema() -> None:
    result = subprocess.run([dependabot_checker(), "--builtin-schema", "vendor.dependabot",
                             str(DEPENDABOT)], capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dependabot_watches_every_pin() -> None:
    updates = yaml.safe_load(DEPENDABOT.read_text())["updates"]

    def dirs(ecosystem: str) -> set[str]:
        (entry,) = [u for u in updates if u["package-ecosystem"] == ecosystem]
        listed = entry.get("directories") or [entry["directory"]]
        return {d.strip("/") or "." for d in listed}

    requirement_dirs = {p.parent.relative_to(ROOT).as_posix()
                        for p in ROOT.rglob("requirements*.txt") if not SKIP & set(p.parts)}
    assert dirs("pip") == requirement_dirs
    assert dirs("docker") == dockerfile_dirs()
    assert dirs("docker-compose") == {"."}
    assert dirs("github-actions") == {"."}


def test_dependabot_never_proposes_a_postgres_major() -> None:
    """postgres:15 -> 17 would not start on the existing db-data volume (dump and restore)."""
    updates = yaml.safe_load(DEPENDABOT.read_text())["updates"]
    (compose,) = [u for u in updates if u["package-ecosystem"] == "docker-compose"]
    assert {"dependency-name": "postgres",
            "update-types": ["version-update:semver-major"]} in compose["ignore"]
