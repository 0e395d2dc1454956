"""Bulk uploads end to end through the real gateway of the native stack: `python -m app.cli
upload` with a shoebox folder (JPEG, iPhone HEIC, a receipt PDF over two pages, a note that is
no receipt) and an encrypted PDF; the same folder again is skipped; a tight gateway rate limit
is waited out (429 + Retry-After); the consume folder takes what is dropped into it.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))
import upload_samples as samples

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable

pytestmark = pytest.mark.slow


def cli_upload(gateway_url: str, token: str, *args: str, timeout: float = 600):
    return subprocess.run(
        [PY, "-m", "app.cli", "upload", "--url", gateway_url, "--token", token, *args],
        cwd=ROOT / "backend-core", capture_output=True, text=True, timeout=timeout, check=False,
    )


def by_sha256(stack, data: bytes) -> dict | None:
    digest = hashlib.sha256(data).hexdigest()
    items = httpx.get(f"{stack.gateway_url}/api/v1/receipts", params={"sha256": digest},
                      headers=stack.auth_headers, timeout=10).json()["items"]
    return items[0] if items else None


def receipt_count(stack) -> int:
    return httpx.get(f"{stack.gateway_url}/api/v1/receipts", params={"limit": 1},
                     headers=stack.auth_headers, timeout=10).json()["total"]


@pytest.fixture(scope="module")
def shoebox(tmp_path_factory) -> tuple[Path, dict[str, tuple[bytes, str]]]:
    box = tmp_path_factory.mktemp("shoebox")
    (box / "2025" / "iphone").mkdir(parents=True)
    files: dict[str, tuple[bytes, str]] = {}
    jpeg = samples.receipt_sample(seed=9, index=0)
    heic = samples.receipt_sample(seed=9, index=1)
    pdf = samples.receipt_sample(seed=9, index=2)
    files["shop.jpg"] = (jpeg.image, jpeg.truth.to_json()["total"])
    files["2025/iphone/IMG_0001.HEIC"] = (
        samples.heic_bytes(samples.receipt_image(heic)), heic.truth.to_json()["total"])
    files["2025/e-receipt.pdf"] = (
        samples.pdf_bytes(samples.receipt_image(pdf), pages=2), pdf.truth.to_json()["total"])
    for name, (data, _) in files.items():
        (box / name).write_bytes(data)
    (box / "2025" / "notes.txt").write_text("shoebox from the attic\n")
    return box, files


def test_the_cli_uploads_a_shoebox_and_waits_for_every_receipt(native_stack, shoebox, tmp_path):
    box, files = shoebox
    locked = tmp_path / "locked.pdf"
    locked.write_bytes(samples.encrypted_pdf())
    result = cli_upload(native_stack.gateway_url, native_stack.api_token,
                        str(box), str(locked), "--wait", "--timeout", "500")
    assert result.returncode == 1, result.stdout + result.stderr  # the locked PDF was refused
    table = {line.split()[0]: line for line in result.stdout.splitlines()[1:-1]}
    assert "refused" in table[str(locked)] and "password" in table[str(locked)]
    assert not any("notes.txt" in name for name in table)  # no receipt: not sent
    for name, (data, total) in files.items():
        line = table[str(box / name)]
        assert " done " in line or " needs review " in line, line
        receipt = by_sha256(native_stack, data)
        assert receipt and receipt["status"] == "done", (name, receipt)
        assert receipt["total"] == total, (name, receipt)
        assert total in line
    assert result.stdout.splitlines()[-1].endswith("(4 files)")

    # the same shoebox again: nothing is uploaded twice
    before = receipt_count(native_stack)
    again = cli_upload(native_stack.gateway_url, native_stack.api_token, str(box))
    assert again.returncode == 0, again.stdout + again.stderr
    assert receipt_count(native_stack) == before
    assert again.stdout.count("already on the server") == len(files)


def test_a_wrong_token_stops_the_cli_with_exit_2(native_stack, shoebox):
    box, _ = shoebox
    result = cli_upload(native_stack.gateway_url, "wrong", str(box))
    assert result.returncode == 2
    assert "refused the API token" in result.stderr


def test_the_cli_waits_out_the_gateways_rate_limit(native_stack, native_stack_script,
                                                   free_tcp_ports, tmp_path):
    """A second gateway in front of the same core, allowing one upload at once and one every
    5 s: three uploads in a row meet a 429 and go through after its Retry-After."""
    port, = free_tcp_ports(1)
    state = tmp_path / "tight-gateway"
    settings = {
        "GATEWAY_PORT": str(port),
        "NATIVE_CORE_PORT": native_stack.core_url.rsplit(":", 1)[1],
        "GATEWAY_UPLOAD_RATE": "12r/m",
        "GATEWAY_UPLOAD_BURST": "1",
    }
    started = native_stack_script(state, "start", "gateway", **settings)
    assert started.returncode == 0, started.stderr
    try:
        folder = tmp_path / "three"
        folder.mkdir()
        made = []
        for n in range(3):  # small distinct images: the point is the gateway, not the OCR
            data = samples.jpeg_bytes(samples.receipt_image(samples.receipt_sample(11, n)),
                                      size=(600, 800))
            (folder / f"r{n}.jpg").write_bytes(data)
            made.append(data)
        result = cli_upload(f"http://127.0.0.1:{port}", native_stack.api_token, str(folder))
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.splitlines()[-1] == "summary: 3 uploaded (3 files)", result.stdout
        assert "rate limit: waiting" in result.stderr  # the progress bar said why it paused
        for data in made:
            assert by_sha256(native_stack, data) is not None
        log = (state / "logs" / "gateway.log").read_text()
        assert '"POST /api/v1/receipts HTTP/1.1" 429' in log, "the limit was never hit"
    finally:
        native_stack_script(state, "stop", "gateway", **settings)


def test_a_file_dropped_into_the_consume_folder_is_uploaded_once(native_stack):
    consume = native_stack.state_dir / "consume"
    sample = samples.receipt_sample(seed=13, index=0)
    data = samples.pdf_bytes(samples.receipt_image(sample), pages=1)
    # written the way a slow copy writes: a temporary name first, renamed when complete
    (consume / "scan.pdf.part").write_bytes(data)
    (consume / "scan.pdf.part").rename(consume / "scan.pdf")
    (consume / "photo of cat.txt").write_text("meow")
    deadline = time.monotonic() + 60
    done, failed = consume / "done" / "scan.pdf", consume / "failed" / "photo of cat.txt"
    while not (done.exists() and failed.exists()) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert done.exists() and not (consume / "scan.pdf").exists()
    assert failed.exists()
    assert (consume / "failed" / "photo of cat.txt.reason.txt").read_text().startswith("415:")
    receipt = by_sha256(native_stack, data)
    assert receipt is not None and receipt["filename"] == "scan.pdf"


@pytest.mark.parametrize(("make", "status", "words"), [
    (samples.encrypted_pdf, 400, "password"),
    (samples.many_pages_pdf, 413, "10000 pages"),
    (lambda: samples.heic_with_declared_size(60000, 60000), 413, "too many pixels"),
], ids=["encrypted PDF", "10 000-page PDF", "HEIC declaring 60000x60000"])
def test_hostile_files_get_a_clear_4xx_through_the_gateway(native_stack, make, status, words):
    response = httpx.post(f"{native_stack.gateway_url}/api/v1/receipts",
                          headers=native_stack.auth_headers, timeout=60,
                          files={"file": ("receipt.bin", make(), "application/octet-stream")})
    assert response.status_code == status, response.text
    assert words in response.json()["detail"]
    assert httpx.get(f"{native_stack.gateway_url}/healthz", timeout=10).status_code == 200
