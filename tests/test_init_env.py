"""scripts/init-env.py: the first `make up` writes .env with strong random secrets (mode 600), a
valid Fernet key, every other line as in .env.example, and never overwrites an existing .env."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "init-env.py"
EXAMPLE = ROOT / ".env.example"
SECRETS = ("API_TOKEN", "POSTGRES_PASSWORD", "GRAFANA_ADMIN_PASSWORD", "GRAFANA_DB_PASSWORD",
           "TOKEN_ENCRYPTION_KEY")


def init_env(*args: str, umask: int = 0o022, env: dict[str, str] | None = None):
    def set_umask() -> None:
        os.umask(umask)

    return subprocess.run(
        [sys.executable, str(SCRIPT), "--example", str(EXAMPLE), *args],
        capture_output=True, text=True, timeout=30, check=False, preexec_fn=set_umask,
        env=env if env is not None else {k: v for k, v in os.environ.items()
                                         if k != "GATEWAY_PORT"},
    )


def values(path: Path) -> dict[str, str]:
    return dict(re.findall(r"^([A-Z_][A-Z0-9_]*)=(.*)$", path.read_text(), flags=re.M))


def test_creates_env_with_random_secrets_and_mode_600(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    result = init_env("--env-file", str(env_file), umask=0)  # even a umask of 0 gives 600
    assert result.returncode == 0, result.stderr
    assert "created" in result.stderr
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600

    made = values(env_file)
    for key in ("API_TOKEN", "POSTGRES_PASSWORD", "GRAFANA_ADMIN_PASSWORD",
                "GRAFANA_DB_PASSWORD"):
        assert re.fullmatch(r"[0-9a-f]{48,64}", made[key]), key  # >= 192 random bits
    assert len(made["API_TOKEN"]) == 64
    assert len({made[key] for key in SECRETS}) == len(SECRETS)  # no value reused

    fernet = Fernet(made["TOKEN_ENCRYPTION_KEY"].encode())
    assert fernet.decrypt(fernet.encrypt(b"refresh-token")) == b"refresh-token"


def test_every_other_line_is_the_example(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    assert init_env("--env-file", str(env_file)).returncode == 0
    example = EXAMPLE.read_text().splitlines()
    written = env_file.read_text().splitlines()
    assert len(written) == len(example)
    changed = [(a, b) for a, b in zip(example, written, strict=True) if a != b]
    assert sorted(a for a, _ in changed) == sorted(f"{key}=" for key in SECRETS)


def test_two_installations_get_different_secrets(tmp_path: Path) -> None:
    first, second = tmp_path / "a.env", tmp_path / "b.env"
    assert init_env("--env-file", str(first)).returncode == 0
    assert init_env("--env-file", str(second)).returncode == 0
    a, b = values(first), values(second)
    assert all(a[key] != b[key] for key in SECRETS)


def test_never_overwrites_an_existing_env(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("API_TOKEN=mine\nPOSTGRES_PASSWORD=\n")
    env_file.chmod(0o640)
    before = env_file.stat()
    result = init_env("--env-file", str(env_file))
    assert result.returncode == 0, result.stderr
    assert env_file.read_text() == "API_TOKEN=mine\nPOSTGRES_PASSWORD=\n"
    assert env_file.stat().st_mtime_ns == before.st_mtime_ns
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o640
    # It says which required secrets are still empty (compose would refuse to start).
    assert "kept the existing" in result.stderr and "POSTGRES_PASSWORD" in result.stderr
    assert "API_TOKEN" not in result.stderr.split("still empty")[1]


def test_only_the_requested_secrets(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    result = init_env("--env-file", str(env_file), "--secrets", "API_TOKEN,TOKEN_ENCRYPTION_KEY")
    assert result.returncode == 0, result.stderr
    made = values(env_file)
    assert made["API_TOKEN"] and made["TOKEN_ENCRYPTION_KEY"]
    assert made["GRAFANA_DB_PASSWORD"] == "" and made["POSTGRES_PASSWORD"] == ""
    bad = init_env("--env-file", str(tmp_path / "x.env"), "--secrets", "NOT_A_SECRET")
    assert bad.returncode == 2 and "unknown secret" in bad.stderr
    assert not (tmp_path / "x.env").exists()


def test_a_missing_example_is_a_clear_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--env-file", str(tmp_path / ".env"),
         "--example", str(tmp_path / "none.example")],
        capture_output=True, text=True, timeout=30, check=False,
    )
    assert result.returncode == 1 and "is missing" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / ".env").exists()


def test_show_prints_the_urls_and_the_token(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("API_TOKEN=abc123\nGATEWAY_PORT=18080 # comment\nGRAFANA_ADMIN_USER=\n")
    shown = init_env("--env-file", str(env_file), "--show")
    assert shown.returncode == 0, shown.stderr
    out = shown.stdout
    assert re.search(r"receipt page\s+http://localhost:18080/$", out, flags=re.M)
    assert "http://localhost:18080/docs" in out and "http://localhost:18080/grafana/" in out
    assert "abc123" in out and "user admin" in out
    # As compose does, the process environment beats .env.
    overridden = init_env("--env-file", str(env_file), "--show",
                          env={**os.environ, "GATEWAY_PORT": "9999"})
    assert "http://localhost:9999/docs" in overridden.stdout
    missing = init_env("--env-file", str(tmp_path / "none.env"), "--show")
    assert missing.returncode == 1 and "does not exist" in missing.stderr


def test_make_up_creates_env_first_and_prints_the_urls_last() -> None:
    result = subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), "-n", "up"],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "python3 scripts/init-env.py"
    assert lines[1].startswith("docker compose up -d --build --wait")
    assert lines[2] == "python3 scripts/init-env.py --show"


def test_native_stack_creates_env_with_the_same_generator(tmp_path: Path) -> None:
    """A checkout without .env: `native-stack.sh render` (no service started) writes it with the
    generator, without GRAFANA_DB_PASSWORD (natively the Grafana role is skipped)."""
    if not any(shutil.which("nginx", path=d) for d in ("/usr/sbin", "/usr/local/sbin", None)):
        pytest.skip("nginx is not installed")
    checkout = tmp_path / "lifeboard"
    for part in ("scripts", "gateway", "prometheus", "alertmanager"):
        shutil.copytree(ROOT / part, checkout / part)
    shutil.copy(EXAMPLE, checkout / ".env.example")
    env = {k: v for k, v in os.environ.items() if k != "NATIVE_STACK_ENV_FILE"}
    env["NATIVE_STACK_DIR"] = str(tmp_path / "state")
    result = subprocess.run([str(checkout / "scripts" / "native-stack.sh"), "render"], env=env,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    env_file = checkout / ".env"
    assert "init-env: created" in result.stderr
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    made = values(env_file)
    assert len(made["API_TOKEN"]) == 64 and made["GRAFANA_DB_PASSWORD"] == ""
    Fernet(made["TOKEN_ENCRYPTION_KEY"].encode())
    again = subprocess.run([str(checkout / "scripts" / "native-stack.sh"), "render"], env=env,
                           capture_output=True, text=True, timeout=60, check=False)
    assert again.returncode == 0 and values(env_file) == made  # the second run keeps it
