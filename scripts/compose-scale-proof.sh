#!/usr/bin/env bash
# Scale-out proof with containers: docker-compose.yml + docker-compose.scale.yml with
# `--scale ocr-worker=2` (an API core, a job core, an OCR balancer, two OCR containers), a burst
# of distinct receipt photos through the gateway, then the database and the OCR containers'
# logs are asked: every receipt done, one job each in one attempt, one transaction each, as many
# OCR calls as receipts, spread over both OCR containers. Exits non-zero otherwise.
#
#   ./scripts/compose-scale-proof.sh            # PROOF_RECEIPTS=12, PROOF_BUILD=1 to build first
#
# Engine: a Docker engine when `docker info` answers, else ../shared/container-env (Podman with
# stand-in base images; started here and stopped again if this script started it). Uses the
# images as built (`docker compose build` or scripts/container-smoke.sh) unless PROOF_BUILD=1.
# Its own Compose project (lifeboard-scale-proof), fresh secrets, a free port on 127.0.0.1;
# `down -v` on every exit. One container run at a time (the lock container-smoke.sh uses).
# Not part of scripts/test.sh (it needs a container engine and minutes); tests/test_scale_out.py
# proves the same with processes.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CONTAINER_ENV="${CONTAINER_ENV:-$ROOT/../shared/container-env/container-env}"
PYTHON="${PROOF_PYTHON:-$ROOT/.venv/bin/python}"
RECEIPTS="${PROOF_RECEIPTS:-12}"
OCR_REPLICAS=2

exec 9>/var/tmp/lifeboard-container-smoke.lock
flock -w 1800 9

STARTED_ENGINE=0
WORK="$(mktemp -d)"
export COMPOSE_PROJECT_NAME=lifeboard-scale-proof
DC=(docker compose --env-file "$WORK/env" -f docker-compose.yml -f docker-compose.scale.yml)
cleanup() {
  local rc=$?
  set +e
  "${DC[@]}" down -v --remove-orphans >/dev/null 2>&1
  ((STARTED_ENGINE)) && "$CONTAINER_ENV" down
  rm -rf "$WORK"
  if ((rc == 0)); then echo "compose-scale-proof: PASSED"; else echo "compose-scale-proof: FAILED" >&2; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! docker info >/dev/null 2>&1; then
  [[ -x $CONTAINER_ENV ]] || { echo "no Docker engine and no $CONTAINER_ENV" >&2; exit 1; }
  eval "$("$CONTAINER_ENV" up)"
  STARTED_ENGINE=1
fi

PORT="$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
cat >"$WORK/env" <<EOF
API_TOKEN=$(openssl rand -hex 32)
POSTGRES_PASSWORD=$(openssl rand -hex 24)
GRAFANA_ADMIN_PASSWORD=$(openssl rand -hex 24)
GRAFANA_DB_PASSWORD=$(openssl rand -hex 24)
GATEWAY_PORT=127.0.0.1:$PORT
EDGE_SUBNET=172.31.97.0/24
EOF

if [[ ${PROOF_BUILD:-0} == 1 ]]; then "${DC[@]}" build backend-core ocr-worker gateway; fi
# Grafana and Prometheus play no part in the proof (and Grafana has no stand-in here).
"${DC[@]}" up -d --no-build --wait --wait-timeout 600 --scale ocr-worker=$OCR_REPLICAS \
  db migrate ocr-worker ocr-balancer backend-core backend-core-jobs gateway
"${DC[@]}" ps

echo "==> burst of $RECEIPTS receipts through the gateway"
GATEWAY_URL="http://127.0.0.1:$PORT" API_TOKEN="$(sed -n 's/^API_TOKEN=//p' "$WORK/env")" \
  RECEIPTS="$RECEIPTS" "$PYTHON" - <<'PY'
import asyncio, importlib.util, os, sys

spec = importlib.util.spec_from_file_location("scale_out", "backend-core/bench/scale_out.py")
bench = importlib.util.module_from_spec(spec)
sys.modules["scale_out"] = bench
spec.loader.exec_module(bench)
url, token, count = os.environ["GATEWAY_URL"], os.environ["API_TOKEN"], int(os.environ["RECEIPTS"])
ids = asyncio.run(bench.upload_burst(url, token, bench.receipt_photos(count)))
final = asyncio.run(bench.wait_finished(url, token, ids, 900))
print(f"{list(final.values()).count('done')} of {len(ids)} done")
sys.exit(0 if len(final) == count and set(final.values()) == {"done"} else 1)
PY

echo "==> the database"
# receipts, done receipts, jobs, jobs done in one attempt, transactions, receipts with one
sql="SELECT (SELECT count(*) FROM receipts), (SELECT count(*) FROM receipts WHERE status = 'done'),
  (SELECT count(*) FROM receipt_jobs), (SELECT count(*) FROM receipt_jobs WHERE status = 'done' AND attempts = 1),
  (SELECT count(*) FROM transactions), (SELECT count(DISTINCT receipt_id) FROM transactions)"
counts="$("${DC[@]}" exec -T db sh -c "psql -At -F ' ' -U \"\$POSTGRES_USER\" -d \"\$POSTGRES_DB\" -c \"$sql\"")"
echo "receipts, done, jobs, done in one attempt, transactions, receipts booked: $counts"
[[ $counts == "$RECEIPTS $RECEIPTS $RECEIPTS $RECEIPTS $RECEIPTS $RECEIPTS" ]] \
  || { echo "expected $RECEIPTS of each" >&2; exit 1; }

echo "==> OCR calls per OCR container"
total=0
for cid in $("${DC[@]}" ps -q ocr-worker); do
  calls="$(docker logs "$cid" 2>&1 | grep -c '"POST /parse-receipt' || true)"
  echo "  $cid: $calls"
  ((calls > 0)) || { echo "an OCR replica got no work" >&2; exit 1; }
  total=$((total + calls))
done
((total == RECEIPTS)) || { echo "$total OCR calls for $RECEIPTS receipts" >&2; exit 1; }
