#!/usr/bin/env python3
"""What a Dockerfile says, for the scripts that must do as the image does.

    python3 scripts/lib/dockerfile.py cmd DOCKERFILE [OPTION VALUE]...
        the CMD (exec form), each argument ended by a NUL byte, with the value of each OPTION
        replaced (scripts/native-stack.sh runs the services so, with loopback addresses)
    python3 scripts/lib/dockerfile.py files CONTEXT [DOCKERFILE]
        the image paths of the repository's files that DOCKERFILE's (CONTEXT/Dockerfile's) COPY
        lines bring in from the build context CONTEXT, one a line (scripts/container-smoke.sh
        compares them with the built image)
    python3 scripts/lib/dockerfile.py pythonpath CONTEXT [DOCKERFILE]
        the directories, relative to CONTEXT, that hold the Python modules and packages the
        image copies straight into its WORKDIR (where the CMD runs, so it imports them), one a
        line: what a checkout puts on PYTHONPATH to run the CMD as the image does
        (scripts/native-stack.sh)

Standard library only (and git for `files`).
"""

from __future__ import annotations

import json
import posixpath
import shlex
import subprocess
import sys
from pathlib import Path


class DockerfileError(ValueError):
    pass


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined and comments dropped."""
    found: list[tuple[str, str]] = []
    current = ""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#") or (not stripped and current):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        if current.strip():
            keyword, _, arguments = current.strip().partition(" ")
            found.append((keyword.upper(), arguments.strip()))
        current = ""
    return found


def cmd(dockerfile: Path, replace: dict[str, str] | None = None) -> list[str]:
    """The last CMD, which must be in exec form (a JSON array), with options' values replaced."""
    lines = [args for keyword, args in instructions(dockerfile.read_text()) if keyword == "CMD"]
    if not lines:
        raise DockerfileError(f"{dockerfile} has no CMD")
    try:
        command = json.loads(lines[-1])
    except json.JSONDecodeError as exc:
        raise DockerfileError(f"{dockerfile}: CMD is not in exec form: {lines[-1]}") from exc
    if not isinstance(command, list) or not all(isinstance(a, str) for a in command):
        raise DockerfileError(f"{dockerfile}: CMD is not a list of strings: {lines[-1]}")
    for option, value in (replace or {}).items():
        command = with_option(command, option, value)
    return command


def with_option(command: list[str], option: str, value: str) -> list[str]:
    """command with OPTION's value set to value (`OPTION VALUE` or `OPTION=VALUE`)."""
    for i, arg in enumerate(command):
        if arg == option and i + 1 < len(command):
            return [*command[: i + 1], value, *command[i + 2 :]]
        if arg.startswith(option + "="):
            return [*command[:i], f"{option}={value}", *command[i + 1 :]]
    raise DockerfileError(f"the CMD {command} has no option {option}")


def copies(dockerfile: Path) -> list[tuple[list[str], str]]:
    """(sources, absolute destination) of each COPY from the build context."""
    workdir = "/"
    found = []
    for keyword, args in instructions(dockerfile.read_text()):
        if keyword == "WORKDIR":
            workdir = posixpath.join(workdir, args)
        elif keyword in ("COPY", "ADD"):
            words = json.loads(args) if args.startswith("[") else shlex.split(args)
            flags = [w for w in words if w.startswith("--")]
            if any(f.startswith("--from") for f in flags):
                continue  # from another stage or image, not from the context
            paths = [w for w in words if not w.startswith("--")]
            if any(ch in p for p in paths[:-1] for ch in "*?["):
                raise DockerfileError(f"{dockerfile}: wildcards are not supported: {args}")
            found.append((paths[:-1], posixpath.join(workdir, paths[-1])))
    return found


def tracked_files(context: Path) -> list[str]:
    """The repository's files under context, relative to it."""
    out = subprocess.run(
        ["git", "-C", str(context), "ls-files", "-z", "--", "."], capture_output=True, check=True
    ).stdout
    return [p for p in out.decode().split("\0") if p]


def copied(context: Path, dockerfile: Path | None = None) -> dict[str, str]:
    """Image path -> path in context of each tracked file that dockerfile (by default the
    Dockerfile of context) copies from the build context."""
    tracked = tracked_files(context)
    placed: dict[str, str] = {}
    for sources, dest in copies(dockerfile or context / "Dockerfile"):
        into_dir = dest.endswith(("/", "/.")) or len(sources) > 1
        for source in map(posixpath.normpath, sources):
            if (context / source).is_dir():
                prefix = "" if source == "." else source + "/"
                for path in tracked:
                    if path.startswith(prefix):
                        placed[posixpath.join(dest, path[len(prefix) :])] = path
            elif source in tracked:
                target = posixpath.join(dest, posixpath.basename(source)) if into_dir else dest
                placed[target] = source
            else:
                raise DockerfileError(f"{context}: COPY source {source} is not in the repository")
    return {posixpath.normpath(image): source for image, source in placed.items()}


def files(context: Path, dockerfile: Path | None = None) -> list[str]:
    """Image paths of the tracked files dockerfile (that of context) copies from context."""
    return sorted(copied(context, dockerfile))


def workdir(dockerfile: Path) -> str:
    """The last WORKDIR: where the CMD runs."""
    current = "/"
    for keyword, args in instructions(dockerfile.read_text()):
        if keyword == "WORKDIR":
            current = posixpath.join(current, args)
    return posixpath.normpath(current)


def import_roots(context: Path, dockerfile: Path | None = None) -> list[str]:
    """Directories of context holding the Python modules and packages (a `.py` file, a directory
    with an `__init__.py`) that dockerfile copies straight into its WORKDIR."""
    dockerfile = dockerfile or context / "Dockerfile"
    home = workdir(dockerfile)
    roots = []
    for sources, dest in copies(dockerfile):
        into_dir = (
            dest.endswith(("/", "/.")) or len(sources) > 1 or posixpath.normpath(dest) == home
        )
        for source in map(posixpath.normpath, sources):
            placed = posixpath.join(dest, posixpath.basename(source)) if into_dir else dest
            python = source.endswith(".py") or (context / source / "__init__.py").is_file()
            if python and posixpath.dirname(posixpath.normpath(placed)) == home:
                root = posixpath.dirname(source) or "."
                if root not in roots:
                    roots.append(root)
    return roots


def main(argv: list[str]) -> int:
    try:
        if len(argv) >= 2 and argv[0] == "cmd" and len(argv) % 2 == 0:
            options = dict(zip(argv[2::2], argv[3::2], strict=True))
            sys.stdout.write("".join(a + "\0" for a in cmd(Path(argv[1]), options)))
            return 0
        if len(argv) in (2, 3) and argv[0] in ("files", "pythonpath"):
            dockerfile = Path(argv[2]) if len(argv) == 3 else None
            listed = (files if argv[0] == "files" else import_roots)(Path(argv[1]), dockerfile)
            print("\n".join(listed))
            return 0
    except (DockerfileError, OSError, subprocess.CalledProcessError) as exc:
        print(f"dockerfile.py: {exc}", file=sys.stderr)
        return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
