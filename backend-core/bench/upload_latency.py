"""Upload benchmark through the gateway: acknowledgement latency and receipts per minute.

    scripts/native-stack.sh up            # prints GATEWAY_URL=...
    .venv/bin/python backend-core/bench/upload_latency.py --gateway-url http://127.0.0.1:8080 \\
        --uploads 30 --concurrency 10 [--no-wait] [--label "2 OCR workers"]

API_TOKEN comes from --token, the environment or the repository's .env. Every upload is a
distinct realistic receipt photo (receipt_synth when importable, else a simple drawing), so
no upload is answered as a duplicate. Prints one JSON object:
- ack_latency_s: p50 / p95 / max of POST /api/v1/receipts (the 202 answer; no OCR involved);
- end_to_end: seconds from the first upload until every receipt is done or failed, and
  receipts_per_minute = uploads / that time (the OCR worker count is set when the stack starts:
  OCR_WORKERS=1 scripts/native-stack.sh up, then OCR_WORKERS=2 ..., and compare).
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import secrets
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]


def read_token() -> str:
    if os.environ.get("API_TOKEN"):
        return os.environ["API_TOKEN"]
    env_file = ROOT / ".env"
    if not env_file.exists():
        return ""
    # .env as make up and the native stack read it (one parser: scripts/lib/envfile.py)
    sys.path.insert(0, str(ROOT / "scripts" / "lib"))
    from envfile import read_env

    return read_env(env_file).get("API_TOKEN", "")


def make_images(count: int) -> list[bytes]:
    """Distinct receipt photos (random base seed, so a second run is not all duplicates)."""
    base = secrets.randbelow(10**6)
    sys.path.insert(0, str(ROOT / "ocr-worker"))
    try:
        from receipt_synth import generate
    except ImportError:
        generate = None
    if generate is not None:
        return [generate(seed=base, index=i).image for i in range(count)]
    from PIL import Image, ImageDraw

    images = []
    for i in range(count):
        image = Image.new("RGB", (600, 900), "white")
        draw = ImageDraw.Draw(image)
        draw.text((20, 20), f"PARAGON FISKALNY {base}-{i}", fill="black")
        draw.text((20, 60), "MLEKO 3,2% 1L   1 x3,49   3,49 C", fill="black")
        draw.text((20, 100), "SUMA PLN 3,49", fill="black")
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=90)
        images.append(buffer.getvalue())
    return images


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


async def upload_all(
    client: httpx.AsyncClient, images: list[bytes], concurrency: int
) -> tuple[list[float], list[int], list[str]]:
    limit = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    codes: list[int] = []
    ids: list[str] = []

    async def one(index: int, data: bytes) -> None:
        async with limit:
            started = time.perf_counter()
            try:
                response = await client.post(
                    "/api/v1/receipts", files={"file": (f"bench-{index}.jpg", data, "image/jpeg")}
                )
            except httpx.HTTPError:
                codes.append(0)
                return
            latencies.append(time.perf_counter() - started)
            codes.append(response.status_code)
            if response.status_code == 202:
                ids.append(response.json()["id"])

    await asyncio.gather(*(one(i, data) for i, data in enumerate(images)))
    return latencies, codes, ids


async def wait_for(client: httpx.AsyncClient, ids: list[str], timeout: float) -> dict[str, str]:
    final: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    while len(final) < len(ids) and time.monotonic() < deadline:
        for receipt_id in [r for r in ids if r not in final]:
            response = await client.get(f"/api/v1/receipts/{receipt_id}")
            if response.status_code == 200 and response.json()["status"] in ("done", "failed"):
                final[receipt_id] = response.json()["status"]
        await asyncio.sleep(0.5)
    return final


async def run(args: argparse.Namespace) -> dict[str, Any]:
    images = make_images(args.uploads)
    headers = {"Authorization": f"Bearer {args.token}"}
    timeout = httpx.Timeout(60.0)
    client_args = {"base_url": args.gateway_url, "headers": headers, "timeout": timeout}
    async with httpx.AsyncClient(**client_args) as client:
        started = time.perf_counter()
        latencies, codes, ids = await upload_all(client, images, args.concurrency)
        upload_seconds = time.perf_counter() - started
        result: dict[str, Any] = {
            "label": args.label,
            "gateway_url": args.gateway_url,
            "uploads": args.uploads,
            "concurrency": args.concurrency,
            "acknowledged": codes.count(202),
            "status_codes": {str(c): codes.count(c) for c in sorted(set(codes))},
            "ack_latency_s": {
                "p50": round(percentile(latencies, 0.50), 4),
                "p95": round(percentile(latencies, 0.95), 4),
                "max": round(max(latencies, default=float("nan")), 4),
                "mean": round(statistics.fmean(latencies), 4) if latencies else None,
            },
            "upload_phase_s": round(upload_seconds, 3),
        }
        if args.wait and ids:
            final = await wait_for(client, ids, args.timeout)
            elapsed = time.perf_counter() - started
            result["end_to_end"] = {
                "seconds": round(elapsed, 2),
                "done": sum(1 for s in final.values() if s == "done"),
                "failed": sum(1 for s in final.values() if s == "failed"),
                "unfinished": len(ids) - len(final),
                "receipts_per_minute": round(len(final) / elapsed * 60, 2),
            }
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--gateway-url", default=os.environ.get("GATEWAY_URL", "http://127.0.0.1:8080")
    )
    parser.add_argument("--token", default=read_token())
    parser.add_argument("--uploads", type=int, default=30)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=600, help="max seconds to wait for OCR")
    parser.add_argument("--no-wait", dest="wait", action="store_false",
                        help="only measure acknowledgements")
    parser.add_argument("--label", default="", help="free text copied into the report")
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("no API token: pass --token, set API_TOKEN or put it in .env")
    print(json.dumps(asyncio.run(run(args)), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
