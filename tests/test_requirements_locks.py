"""The hashed Python locks (issue 18): each readable requirements*.in is compiled by `make lock`
(pip-compile --generate-hashes) into a requirements*.txt that pins every package with its hashes,
and everything installs them with --require-hashes. Offline checks: a lock that is stale
(a pin of the .in not in it), unhashed, inconsistent with another lock (one test venv holds
them all) or installed without --require-hashes fails here; nothing is re-resolved."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]

# lock -> the .in it is compiled from (paths from the repository root, as `make lock` runs)
LOCKS = {
    "backend-core/requirements.txt": "backend-core/requirements.in",
    "ocr-worker/requirements.txt": "ocr-worker/requirements.in",
    "ocr-worker/requirements-nodeps.txt": "ocr-worker/requirements-nodeps.in",
    "requirements-dev.txt": "requirements-dev.in",
}
NODEPS = "ocr-worker/requirements-nodeps.txt"
# RapidOCR's declared GUI build of OpenCV: needs libGL; opencv-python-headless replaces it.
NEVER_INSTALLED = {"opencv-python"}
PYTHON_IMAGE = re.compile(r"^FROM python:(\d+\.\d+)", re.MULTILINE)
HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}")
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)$")


@dataclass(frozen=True)
class Pin:
    version: str
    hashes: frozenset[str]
    via: str


def entries(text: str) -> list[str]:
    """The lock's logical lines: backslash continuations joined, comment-only lines kept apart."""
    out: list[str] = []
    current = ""
    for raw in text.splitlines():
        if raw.rstrip().endswith("\\"):
            current += raw.rstrip()[:-1] + " "
            continue
        current += raw
        out.append(current)
        current = ""
    if current:
        out.append(current)
    return out


def read_lock(path: str) -> dict[str, Pin]:
    pins: dict[str, Pin] = {}
    lines = entries((ROOT / path).read_text())
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        requirement, *options = stripped.split()
        match = PIN.match(requirement)
        assert match, f"{path}: not an exact pin: {stripped[:80]!r}"
        hashes = [o for o in options if o.startswith("--hash=")]
        assert hashes and all(HASH.fullmatch(h) for h in hashes), (
            f"{path}: {requirement} has no sha256 hash: run `make lock`"
        )
        assert len(hashes) == len(options), f"{path}: {requirement}: unexpected {options}"
        via = []
        for comment in lines[index + 1 :]:
            if not comment.startswith("    #"):
                break
            via.append(comment.strip("# ").strip())
        name = canonicalize_name(match.group(1))
        assert name not in pins, f"{path}: {name} pinned twice"
        pins[name] = Pin(match.group(2), frozenset(hashes), " ".join(via))
    assert pins, f"{path}: no pins"
    return pins


def read_in(path: str) -> list[Requirement]:
    requirements = []
    for raw in (ROOT / path).read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith(("-c ", "-r ")):
            assert (ROOT / path).parent.joinpath(line[3:].strip()).is_file(), f"{path}: {line}"
            continue
        assert not line.startswith("-"), f"{path}: option {line!r}: belongs on `make lock`"
        requirements.append(Requirement(line))
    return requirements


@pytest.mark.parametrize("lock", LOCKS)
def test_every_lock_line_is_an_exact_pin_with_hashes(lock: str) -> None:
    pins = read_lock(lock)
    text = (ROOT / lock).read_text()
    # nothing slips past the pin parser: every hash belongs to a pin it counted
    assert text.count("--hash=sha256:") == sum(len(p.hashes) for p in pins.values())
    assert not NEVER_INSTALLED & set(pins), f"{lock} pins {NEVER_INSTALLED & set(pins)}"


@pytest.mark.parametrize(("lock", "source"), LOCKS.items())
def test_every_requirement_of_the_in_file_is_locked_at_its_pin(lock: str, source: str) -> None:
    """An edited .in without `make lock` fails here."""
    pins = read_lock(lock)
    for requirement in read_in(source):
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{source} asks for {name}, {lock} lacks it: run `make lock`"
        assert requirement.specifier.contains(pins[name].version, prereleases=True), (
            f"{source} pins {requirement}, {lock} has {pins[name].version}: run `make lock`"
        )


@pytest.mark.parametrize(("lock", "source"), LOCKS.items())
def test_no_lock_keeps_a_top_level_package_its_in_file_dropped(lock: str, source: str) -> None:
    wanted = {canonicalize_name(r.name) for r in read_in(source)}
    for name, pin in read_lock(lock).items():
        if f"-r {source}" in pin.via:
            assert name in wanted, f"{lock} still has {name} from {source}: run `make lock`"


@pytest.mark.parametrize(("lock", "source"), LOCKS.items())
def test_lock_header_says_how_to_regenerate_it(lock: str, source: str) -> None:
    header = (ROOT / lock).read_text().split("\n#\n", 2)
    command = header[1].strip().splitlines()[-1].lstrip("# ").strip()
    assert command.startswith("pip-compile ") and command.endswith(f" {source}"), command
    assert "--generate-hashes" in command.split()
    assert f"--output-file={lock}" in command.split()
    # compiled for the Python the images run
    images = {
        PYTHON_IMAGE.search((ROOT / d / "Dockerfile").read_text()).group(1)
        for d in ("backend-core", "ocr-worker")
    }
    assert images == {re.search(r"with Python (\d+\.\d+)", header[0]).group(1)}


def test_make_lock_regenerates_every_lock() -> None:
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", "lock", "LOCK_TOOL=pip-compile"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    commands = result.stdout.replace("\\\n", " ").splitlines()
    for lock, source in LOCKS.items():
        (command,) = [c.split() for c in commands if f"--output-file={lock}" in c.split()]
        assert command[0] == "pip-compile" and command[-1] == source
        assert "--generate-hashes" in command


def test_locks_sharing_a_package_pin_the_same_version_and_hashes() -> None:
    """scripts/test.sh installs every lock into one venv: one version per package."""
    seen: dict[str, tuple[str, Pin]] = {}
    for lock in LOCKS:
        for name, pin in read_lock(lock).items():
            first = seen.setdefault(name, (lock, pin))
            assert (first[1].version, first[1].hashes) == (pin.version, pin.hashes), (
                f"{name}: {first[0]} has {first[1].version}, {lock} has {pin.version}"
            )


def test_the_nodeps_lock_adds_only_its_own_packages() -> None:
    """Installed with --no-deps: RapidOCR's dependencies must already be in the ocr-worker lock."""
    own = {canonicalize_name(r.name) for r in read_in("ocr-worker/requirements-nodeps.in")}
    service = read_lock("ocr-worker/requirements.txt")
    extra = set(read_lock(NODEPS)) - own - set(service)
    assert extra == set(), f"{NODEPS} needs {extra}, which --no-deps would not get right"


def test_rapidocr_runtime_dependencies_are_locked_for_the_ocr_worker() -> None:
    """What rapidocr-onnxruntime declares (its installed metadata), opencv-python excepted, is in
    ocr-worker's requirements.in, and the lock's version satisfies the declared range."""
    declared = [Requirement(r) for r in metadata.requires("rapidocr-onnxruntime") or []]
    assert declared, "rapidocr-onnxruntime declares no dependencies?"
    top_level = {canonicalize_name(r.name) for r in read_in("ocr-worker/requirements.in")}
    pins = read_lock("ocr-worker/requirements.txt")
    for requirement in declared:
        name = canonicalize_name(requirement.name)
        if name in NEVER_INSTALLED or (requirement.marker and not requirement.marker.evaluate()):
            continue
        assert name in top_level, f"rapidocr needs {name}: add it to ocr-worker/requirements.in"
        assert requirement.specifier.contains(pins[name].version, prereleases=True)


def pip_installs(path: str) -> list[str]:
    """The `pip install` commands of a file (continuation lines joined)."""
    text = (ROOT / path).read_text().replace("\\\n", " ")
    return [m.group(0) for m in re.finditer(r"pip\"? install[^\n&;]*", text)]


@pytest.mark.parametrize(
    ("path", "count"),
    [
        ("backend-core/Dockerfile", 1),
        ("ocr-worker/Dockerfile", 2),
        ("scripts/lib/setup.sh", 3),  # ensure_venv, for scripts/test.sh and native-stack.sh
    ],
)
def test_dockerfiles_and_the_test_venv_install_with_require_hashes(path: str, count: int) -> None:
    installs = pip_installs(path)
    assert len(installs) == count, installs
    for command in installs:
        assert "--require-hashes" in command.split(), f"{path}: {command}"
        # only requirement files (`-r FILE`, or test.sh's `printf -- '-r %s '`), no bare names
        assert "-r" in command.replace("'", " ").split(), f"{path}: not from a lock: {command}"
    nodeps = [c for c in installs if "nodeps" in c]  # the file, or test.sh's ${nodeps[@]}
    assert all("--no-deps" in c.split() for c in nodeps)
    assert len(nodeps) == (0 if path == "backend-core/Dockerfile" else 1)


def test_workflow_requirement_installs_require_hashes() -> None:
    for workflow in sorted((ROOT / ".github" / "workflows").glob("*.yml")):
        for command in pip_installs(workflow.relative_to(ROOT).as_posix()):
            if "-r" in command.split():
                assert "--require-hashes" in command.split(), f"{workflow.name}: {command}"
