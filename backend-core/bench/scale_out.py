"""Scale-out on one machine: several OCR workers and core replicas, a burst of receipts.

    .venv/bin/python backend-core/bench/scale_out.py --receipts 24 --ocr-workers 1 2
    make bench-scale                       # the same, RECEIPTS=24 ROUNDS=1

The topology is the one deploy/kubernetes and `docker compose --scale` run, with processes on
loopback instead of pods or containers: every service is started by scripts/native-stack.sh (the
one place its command line lives), each in a state directory of its own:
- one backend-core serving the API (JOB_WORKER_ENABLED=false), where the receipts are uploaded;
- JOB_CORES backend-cores working the queue (JOB_WORKER_ENABLED=true);
- OCR workers with one Tesseract process each (OCR_WORKERS=1), behind a round-robin nginx
  upstream on loopback: the stand-in for the Kubernetes Service or Docker's DNS, since a core
  reaches ONE OCR_WORKER_URL.
For each OCR worker count (the balancer is re-pointed, nothing else changes) it uploads a burst
of distinct generated receipt photos to the API core, waits until each is done or failed, and
audits the database: every receipt stored once, one job each, processed in one attempt, one
transaction each, and as many OCR calls as receipts (the OCR workers' access logs). It prints
one JSON report: receipts per minute per worker count, their ratio (measured in the same run),
the OCR CPU seconds per receipt and how busy the machine's CPUs were (what limits it).
tests/test_scale_out.py runs it small and asserts the audit, never the timings.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
NATIVE_STACK = ROOT / "scripts" / "native-stack.sh"
OCR_CALL = re.compile(r'"POST /parse-receipt HTTP/[0-9.]+" (\d{3})')
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def admin_conninfo(database_url: str) -> str:
    url = make_url(database_url).set(drivername="postgresql", database="postgres")
    return url.render_as_string(hide_password=False)


def plain_conninfo(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(
        hide_password=False)


def drop_database(database_url: str) -> None:
    name = make_url(database_url).database
    with psycopg.connect(admin_conninfo(database_url), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))


def receipt_photos(count: int) -> list[bytes]:
    """Distinct realistic receipt photos (receipt_synth, random base seed)."""
    sys.path.insert(0, str(ROOT / "ocr-worker"))
    from receipt_synth import generate

    base = secrets.randbelow(10**6)
    return [generate(seed=base, index=i).image for i in range(count)]


# ------------------------------------------------------------------------------- processes
@dataclass
class ScaleOutStack:
    """The processes of one scale-out run, each service under native-stack.sh."""

    state_dir: Path
    database_url: str
    api_token: str
    ocr_workers: int
    job_cores: int
    job_concurrency: int = 2
    ports: dict[str, int] = field(default_factory=dict)
    dirs: list[Path] = field(default_factory=list)
    balancer: subprocess.Popen[bytes] | None = None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['api']}"

    def ocr_dir(self, index: int) -> Path:
        return self.state_dir / f"ocr-worker-{index}"

    def _script(self, name: str, *args: str, **settings: str) -> None:
        directory = self.state_dir / name
        if directory not in self.dirs:
            self.dirs.append(directory)
        env = {
            **os.environ,
            # never a developer's .env: the documented defaults plus what is set here
            "NATIVE_STACK_ENV_FILE": str(ROOT / ".env.example"),
            "NATIVE_STACK_DIR": str(directory),
            "LIFEBOARD_VENV": os.environ.get("LIFEBOARD_VENV", str(ROOT / ".venv")),
            "DATABASE_URL": self.database_url,
            "API_TOKEN": self.api_token,
            "FIT_SYNC_INTERVAL_MINUTES": "0",
            **settings,
        }
        result = subprocess.run([str(NATIVE_STACK), *args], env=env, cwd=ROOT,
                                capture_output=True, text=True, timeout=300, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"native-stack.sh {' '.join(args)} ({name}) failed:\n"
                               f"{result.stderr[-3000:]}")

    def up(self) -> None:
        names = [f"ocr-{i}" for i in range(self.ocr_workers)]
        names += ["balancer", "api"] + [f"jobs-{i}" for i in range(self.job_cores)]
        self.ports = dict(zip(names, free_ports(len(names)), strict=True))
        for i in range(self.ocr_workers):
            self._script(self.ocr_dir(i).name, "start", "ocr-worker",
                         NATIVE_OCR_PORT=str(self.ports[f"ocr-{i}"]), OCR_WORKERS="1")
        self.route_ocr(self.ocr_workers)
        core = {"NATIVE_OCR_PORT": str(self.ports["balancer"]),
                "JOB_CONCURRENCY": str(self.job_concurrency)}
        self._script("core-api", "start", "backend-core", JOB_WORKER_ENABLED="false",
                     NATIVE_CORE_PORT=str(self.ports["api"]), **core)
        for i in range(self.job_cores):
            self._script(f"core-jobs-{i}", "start", "backend-core", JOB_WORKER_ENABLED="true",
                         NATIVE_CORE_PORT=str(self.ports[f"jobs-{i}"]), **core)

    def route_ocr(self, count: int) -> None:
        """(Re)start the loopback balancer in front of the first `count` OCR workers."""
        self._stop_balancer()
        directory = self.state_dir / "balancer"
        scratch = directory / "scratch"
        scratch.mkdir(parents=True, exist_ok=True)
        servers = "".join(f"        server 127.0.0.1:{self.ports[f'ocr-{i}']};\n"
                          for i in range(count))
        # as root nginx would run its worker as `nobody`, who cannot enter the state dir
        user = f"user {_user_group()};" if os.getuid() == 0 else ""
        (directory / "nginx.conf").write_text(f"""# round robin over the OCR workers
{user}
worker_processes 1;
error_log {directory}/error.log warn;
pid {directory}/nginx.pid;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {scratch}/body;
    proxy_temp_path {scratch}/proxy;
    fastcgi_temp_path {scratch}/fastcgi;
    uwsgi_temp_path {scratch}/uwsgi;
    scgi_temp_path {scratch}/scgi;
    client_max_body_size 64m;
    upstream ocr_workers {{
{servers}    }}
    server {{
        listen 127.0.0.1:{self.ports['balancer']};
        location / {{
            proxy_pass http://ocr_workers;
            proxy_read_timeout 300s;
            proxy_next_upstream off;
        }}
    }}
}}
""")
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.balancer = subprocess.Popen(
            [nginx, "-e", "stderr", "-p", f"{directory}/", "-c", str(directory / "nginx.conf"),
             "-g", "daemon off;"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.ports["balancer"])) == 0:
                    return
            if self.balancer.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError(f"the OCR balancer did not start ({directory}/error.log)")

    def _stop_balancer(self) -> None:
        if self.balancer is None:
            return
        if self.balancer.poll() is None:
            os.killpg(self.balancer.pid, signal.SIGTERM)
            try:
                self.balancer.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.balancer.pid, signal.SIGKILL)
                self.balancer.wait(timeout=5)
        self.balancer = None

    def down(self) -> list[str]:
        """Stop everything; the names whose `down` failed (native-stack.sh checks for leftovers)."""
        self._stop_balancer()
        failed = []
        for directory in reversed(self.dirs):
            env = {**os.environ, "NATIVE_STACK_ENV_FILE": str(ROOT / ".env.example"),
                   "NATIVE_STACK_DIR": str(directory)}
            result = subprocess.run([str(NATIVE_STACK), "down"], env=env, cwd=ROOT,
                                    capture_output=True, text=True, timeout=120, check=False)
            if result.returncode != 0:
                failed.append(f"{directory.name}: {result.stderr[-500:]}")
        return failed

    def ocr_calls(self) -> list[int]:
        """Answered OCR calls per worker so far (gunicorn's access log)."""
        calls = []
        for i in range(self.ocr_workers):
            log = self.ocr_dir(i) / "logs" / "ocr-worker.log"
            calls.append(len(OCR_CALL.findall(log.read_text(errors="replace")))
                         if log.exists() else 0)
        return calls

    def ocr_cpu_seconds(self) -> float:
        """CPU seconds used so far by the OCR workers' processes (their process groups)."""
        groups = set()
        for i in range(self.ocr_workers):
            pid_file = self.ocr_dir(i) / "run" / "ocr-worker.pid"
            if pid_file.exists():
                groups.add(int(pid_file.read_text()))
        ticks = 0
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            # after the command: state ppid pgrp ... utime(12) stime(13) cutime cstime
            if int(fields[2]) in groups:
                ticks += sum(int(x) for x in fields[11:15])
        return ticks / CLOCK_TICKS


def _user_group() -> str:
    import grp
    import pwd

    return f"{pwd.getpwuid(os.getuid()).pw_name} {grp.getgrgid(os.getgid()).gr_name}"


def cpu_times() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    values = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


# ------------------------------------------------------------------------------- the burst
async def upload_burst(api_url: str, token: str, photos: list[bytes],
                       concurrency: int = 8) -> list[str]:
    limit = asyncio.Semaphore(concurrency)
    headers = {"Authorization": f"Bearer {token}"}

    async with httpx.AsyncClient(base_url=api_url, headers=headers, timeout=60) as client:
        async def one(index: int, data: bytes) -> str:
            async with limit:
                response = await client.post(
                    "/api/v1/receipts", files={"file": (f"burst-{index}.jpg", data, "image/jpeg")})
                if response.status_code != 202 or response.json().get("duplicate"):
                    raise RuntimeError(f"upload {index}: {response.status_code} {response.text}")
                return str(response.json()["id"])

        return list(await asyncio.gather(*(one(i, p) for i, p in enumerate(photos))))


async def wait_finished(api_url: str, token: str, ids: list[str], timeout: float) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}"}
    final: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=api_url, headers=headers, timeout=30) as client:
        while len(final) < len(ids) and time.monotonic() < deadline:
            for receipt_id in [r for r in ids if r not in final]:
                response = await client.get(f"/api/v1/receipts/{receipt_id}")
                if response.status_code == 200 and response.json()["status"] in ("done", "failed"):
                    final[receipt_id] = response.json()["status"]
            await asyncio.sleep(0.5)
    return final


def audit(database_url: str, ids: list[str]) -> dict[str, Any]:
    """What the database says about the burst: each receipt once, processed once."""
    with psycopg.connect(plain_conninfo(database_url)) as conn:
        rows = conn.execute(
            """
            SELECT r.id::text, r.status,
                   (SELECT count(*) FROM receipt_jobs j WHERE j.receipt_id = r.id),
                   (SELECT max(j.attempts) FROM receipt_jobs j WHERE j.receipt_id = r.id),
                   (SELECT min(j.status) FROM receipt_jobs j WHERE j.receipt_id = r.id),
                   (SELECT min(j.locked_by) FROM receipt_jobs j WHERE j.receipt_id = r.id),
                   (SELECT count(*) FROM transactions t WHERE t.receipt_id = r.id)
              FROM receipts r WHERE r.id = ANY(%s::uuid[])
            """,
            (ids,),
        ).fetchall()
        total_receipts = conn.execute("SELECT count(*) FROM receipts").fetchone()[0]
    by_id = {r[0]: r for r in rows}
    return {
        "uploaded": len(ids),
        "stored": len(by_id),
        "receipts_in_database": total_receipts,
        "missing": sorted(set(ids) - set(by_id)),
        "status": {s: sum(1 for r in rows if r[1] == s) for s in sorted({r[1] for r in rows})},
        "not_one_job": sorted(r[0] for r in rows if r[2] != 1),
        "more_than_one_attempt": sorted(r[0] for r in rows if (r[3] or 0) > 1),
        "job_not_done": sorted(r[0] for r in rows if r[4] != "done"),
        "not_one_transaction": sorted(r[0] for r in rows if r[6] != 1),
        # each job keeps the token of the core that finished it
        "receipts_per_job_core": dict(sorted(
            {tok: sum(1 for r in rows if r[5] == tok) for tok in {r[5] for r in rows}}.items(),
            key=lambda kv: str(kv[0]))),
    }


def run_burst(stack: ScaleOutStack, photos: list[bytes], timeout: float) -> dict[str, Any]:
    calls_before = stack.ocr_calls()
    cpu_before = stack.ocr_cpu_seconds()
    busy_before, total_before = cpu_times()
    started = time.perf_counter()
    ids = asyncio.run(upload_burst(stack.api_url, stack.api_token, photos))
    final = asyncio.run(wait_finished(stack.api_url, stack.api_token, ids, timeout))
    elapsed = time.perf_counter() - started
    busy_after, total_after = cpu_times()
    ocr_cpu = stack.ocr_cpu_seconds() - cpu_before
    calls = [after - before for after, before in zip(stack.ocr_calls(), calls_before, strict=True)]
    return {
        "receipts": len(ids),
        "finished": len(final),
        "seconds": round(elapsed, 2),
        "receipts_per_minute": round(len(final) / elapsed * 60, 2),
        "ocr_calls_per_worker": calls,
        "ocr_cpu_seconds_per_receipt": round(ocr_cpu / max(len(final), 1), 3),
        # share of all CPUs busy during the burst (every process on the machine, not only ours)
        "machine_cpu_busy": round((busy_after - busy_before)
                                  / max(total_after - total_before, 1), 3),
        "ids": ids,
    }


# ------------------------------------------------------------------------------- the report
def benchmark(args: argparse.Namespace) -> dict[str, Any]:
    base = make_url(os.environ.get("TEST_PG_URL",
                                   "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    database_url = base.set(drivername="postgresql+psycopg",
                            database=f"lifeboard_scale_{secrets.token_hex(5)}").render_as_string(
        hide_password=False)
    state_dir = Path(args.state_dir or (ROOT / ".native-stack" / "scale-out")).resolve()
    if state_dir.exists():
        shutil.rmtree(state_dir)
    stack = ScaleOutStack(state_dir, database_url, secrets.token_urlsafe(32),
                          ocr_workers=max(args.ocr_workers), job_cores=args.job_cores,
                          job_concurrency=args.job_concurrency)
    runs: dict[int, list[dict[str, Any]]] = {n: [] for n in args.ocr_workers}
    audits = []
    try:
        stack.up()
        # warm-up: Tesseract's models and the first connections, not measured
        stack.route_ocr(max(args.ocr_workers))
        run_burst(stack, receipt_photos(max(args.ocr_workers)), args.timeout)
        for _ in range(args.rounds):
            for count in args.ocr_workers:
                stack.route_ocr(count)
                result = run_burst(stack, receipt_photos(args.receipts), args.timeout)
                checked = audit(database_url, result.pop("ids"))
                audits.append(checked)
                result["receipts_per_job_core"] = list(checked["receipts_per_job_core"].values())
                runs[count].append(result)
    finally:
        leftovers = stack.down()
        drop_database(database_url)
    per_count = {
        n: {
            "receipts_per_minute": statistics.median(r["receipts_per_minute"] for r in rs),
            "ocr_cpu_seconds_per_receipt": statistics.median(
                r["ocr_cpu_seconds_per_receipt"] for r in rs),
            "machine_cpu_busy": statistics.median(r["machine_cpu_busy"] for r in rs),
            "runs": rs,
        }
        for n, rs in runs.items()
    }
    first, last = args.ocr_workers[0], args.ocr_workers[-1]
    return {
        "cpus": os.cpu_count(),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "job_cores": args.job_cores,
        "job_concurrency": args.job_concurrency,
        "receipts_per_burst": args.receipts,
        "rounds": args.rounds,
        "ocr_workers": per_count,
        f"ratio_{last}_vs_{first}": round(per_count[last]["receipts_per_minute"]
                                          / per_count[first]["receipts_per_minute"], 3),
        "audit_problems": [a for a in audits if audit_problems(a)],
        "leftover_processes": leftovers,
    }


def audit_problems(result: dict[str, Any]) -> list[str]:
    problems = [key for key in ("missing", "not_one_job", "more_than_one_attempt",
                                "job_not_done", "not_one_transaction") if result[key]]
    if result["stored"] != result["uploaded"]:
        problems.append("stored != uploaded")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--receipts", type=int, default=24, help="receipts per burst")
    parser.add_argument("--ocr-workers", type=int, nargs="+", default=[1, 2],
                        help="OCR worker counts to compare, in this order")
    parser.add_argument("--rounds", type=int, default=1, help="repeat the comparison")
    parser.add_argument("--job-cores", type=int, default=1)
    parser.add_argument("--job-concurrency", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=900, help="max seconds per burst")
    parser.add_argument("--state-dir", help="default .native-stack/scale-out")
    args = parser.parse_args(argv)
    report = benchmark(args)
    print(json.dumps(report, indent=2))
    return 1 if report["audit_problems"] or report["leftover_processes"] else 0


if __name__ == "__main__":
    sys.exit(main())
