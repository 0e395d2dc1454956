#!/usr/bin/env bash
# Container smoke test: build the real Dockerfiles, run docker-compose.yml, and prove the stack
# works and is fenced in (issue 8).
#
#   ./scripts/container-smoke.sh
#
# Engine: a real Docker engine when `docker info` answers; otherwise ../shared/container-env
# (Podman's Docker API + stand-in base images; CONTAINER_ENV overrides its path), which cannot run
# Grafana, so only the services `container-env standins --runnable` names are started.
#
# Steps: stand-ins for the compose file, `docker compose build` (one service at a time, so a
# failure names it), the Python images' /app against their Dockerfiles' COPY lines (nothing
# else: no tests, benchmarks, development tooling or caches), `docker compose up -d --wait`;
# then through the gateway's published port on 127.0.0.1: upload a generated receipt photo with
# curl, poll until `done`, read it back and check its items; Prometheus (which publishes nothing)
# has every target up and Alertmanager active, asked from inside its container; the ocr-worker's
# routing table has no default route (read, never probed with traffic); nothing but the gateway
# publishes a port; every running container is non-root, without capabilities, with
# no-new-privileges and a read-only root; without Grafana the gateway still serves the API.
# It runs its own Compose project (lifeboard-smoke) with a generated env file (fresh secrets, a
# free port published on 127.0.0.1 only, its own edge subnet) and never reads or touches the
# user's .env. On every exit: `docker compose down -v`, and
# `container-env down` when this script started the engine (one already running, e.g. a
# colleague's, is left as found). One run at a time (flock on /var/tmp).
# On failure it prints which service failed and why (compose ps, health log, logs tail).
# Env: SMOKE_WAIT_DONE_SECONDS (180), SMOKE_UP_TIMEOUT_SECONDS (300), SMOKE_PYTHON, CONTAINER_ENV.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CONTAINER_ENV="${CONTAINER_ENV:-$ROOT/../shared/container-env/container-env}"
PYTHON="${SMOKE_PYTHON:-$ROOT/.venv/bin/python}"
[[ -x $PYTHON ]] || PYTHON=python3
WAIT_DONE_SECONDS="${SMOKE_WAIT_DONE_SECONDS:-180}"
UP_TIMEOUT_SECONDS="${SMOKE_UP_TIMEOUT_SECONDS:-300}"
LOCK=/var/tmp/lifeboard-container-smoke.lock

T0=$SECONDS
TIMINGS=()
STEP_NAME="" STEP_T0=0
step() {
  finish_step
  STEP_NAME=$1 STEP_T0=$SECONDS
  printf '\n==> %s\n' "$1"
}
finish_step() {
  [[ -n $STEP_NAME ]] && TIMINGS+=("$(printf '%-28s %4d s' "$STEP_NAME" $((SECONDS - STEP_T0)))")
  STEP_NAME=""
}
FAILED_SERVICE=""
fail() {   # fail SERVICE MESSAGE
  FAILED_SERVICE=$1
  printf '\ncontainer-smoke: FAILED: %s: %s\n' "$1" "$2" >&2
  exit 1
}
json() {   # json PYTHON-EXPRESSION: evaluate with `d` = the JSON document on stdin
  python3 -c "import json, sys; d = json.load(sys.stdin); print($1)"
}

# ---------------------------------------------------------------------------- engine
MODE=docker STARTED_ENGINE=0 WORK="" PROJECT_UP=0
if [[ ${DOCKER_HOST:-} == *container-env* ]] || ! docker info >/dev/null 2>&1; then
  MODE=container-env
  [[ -x $CONTAINER_ENV ]] || fail engine "no Docker engine answers and $CONTAINER_ENV is missing"
fi

cleanup() {
  local rc=$?
  set +e
  finish_step
  if ((rc != 0 && PROJECT_UP)); then diagnose; fi
  if ((PROJECT_UP)); then
    echo "==> docker compose down -v"
    docker compose down -v --remove-orphans >/dev/null 2>&1
  fi
  if ((STARTED_ENGINE)); then "$CONTAINER_ENV" down; fi
  [[ -n $WORK ]] && rm -rf "$WORK"
  if ((rc == 0)); then
    printf '\ncontainer-smoke: PASSED in %d s (engine: %s)\n' $((SECONDS - T0)) "$MODE"
  else
    printf '\ncontainer-smoke: FAILED after %d s%s\n' $((SECONDS - T0)) \
      "${FAILED_SERVICE:+ (service: $FAILED_SERVICE)}" >&2
  fi
  printf '  %s\n' "${TIMINGS[@]}"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

diagnose() {
  echo; echo "==> diagnosis: docker compose ps -a" >&2
  docker compose ps -a >&2
  local svc cid state health
  for svc in $(docker compose config --services); do
    cid=$(docker compose ps -a -q "$svc" 2>/dev/null | head -n1)
    if [[ -z $cid ]]; then
      [[ -n $FAILED_SERVICE && $FAILED_SERVICE != "$svc" ]] && continue
      echo "--- $svc: no container (not started: a dependency failed, or it cannot run here)" >&2
      continue
    fi
    state=$(docker inspect -f '{{.State.Status}} exit={{.State.ExitCode}}' "$cid" 2>/dev/null)
    health=$(docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$cid" 2>/dev/null)
    if [[ $svc != "$FAILED_SERVICE" && $state == running* && $health != unhealthy && $health != starting ]]; then
      continue   # healthy and not the one that failed: no need for its logs
    fi
    echo "--- $svc: $state${health:+ health=$health}" >&2
    if [[ -n $health ]]; then
      docker inspect -f '{{range .State.Health.Log}}  check exit={{.ExitCode}}: {{.Output}}{{"\n"}}{{end}}' \
        "$cid" 2>/dev/null | tail -n 6 >&2
    fi
    echo "    last log lines:" >&2
    docker compose logs --no-color --tail 40 "$svc" 2>&1 | sed 's/^/    /' >&2
  done
}

# "SERVICE: why" for the first container that crashed: restarted, exited non-zero, unhealthy
broken_service() {
  local cid line svc restarts status code health
  for cid in $(docker compose ps -a -q 2>/dev/null); do
    line=$(docker inspect -f '{{index .Config.Labels "com.docker.compose.service"}} {{.RestartCount}} {{.State.Status}} {{.State.ExitCode}} {{if .State.Health}}{{.State.Health.Status}}{{end}}' "$cid" 2>/dev/null) || continue
    read -r svc restarts status code health <<<"$line"
    if [[ $status == exited && $code != 0 ]]; then echo "$svc: exited with status $code"; return 0; fi
    if ((restarts > 0)); then echo "$svc: keeps restarting ($restarts restarts, last exit $code)"; return 0; fi
    if [[ $health == unhealthy ]]; then echo "$svc: its healthcheck fails"; return 0; fi
  done
  return 1
}
# "SERVICE: why" for a runnable service that is not up: one still starting (the root cause)
# before one never started (waiting for it)
stalled_service() {
  local svc cid st waiting=""
  for svc in $RUNNABLE; do
    cid=$(docker compose ps -a -q "$svc" 2>/dev/null | head -n1)
    [[ -n $cid ]] || { echo "$svc: no container was created"; return 0; }
    st=$(docker inspect -f '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}' "$cid")
    case $st in
      "running healthy" | "running " | "exited "*) ;;
      "running starting") echo "$svc: still not healthy after ${UP_TIMEOUT_SECONDS} s"; return 0 ;;
      *) waiting=${waiting:-"$svc: $st (never started; waiting for a dependency?)"} ;;
    esac
  done
  [[ -n $waiting ]] && echo "$waiting"
}

# One smoke run at a time on this machine: they share the engine, the images and the subnet.
if command -v flock >/dev/null; then
  exec 9>"$LOCK"
  flock -w 900 9 || fail engine "another container smoke run holds $LOCK"
fi

if [[ $MODE == container-env ]]; then
  step "container-env up"
  # leave a running engine (someone else's stack) as it was found; stop only one we started
  ENGINE_STATUS=$("$CONTAINER_ENV" status 2>/dev/null || true)
  [[ $ENGINE_STATUS == *"podman-service: running"* ]] || STARTED_ENGINE=1
  eval "$("$CONTAINER_ENV" up)"
fi

# ---------------------------------------------------------------------------- run settings
WORK=$(mktemp -d /tmp/lifeboard-smoke.XXXXXX)
GATEWAY_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
API_TOKEN=$(python3 -c 'import secrets; print(secrets.token_hex(24))')
python3 - "$ROOT/.env.example" "$WORK/smoke.env" "$GATEWAY_PORT" "$API_TOKEN" <<'EOF'
import re, secrets, sys
example, out, port, token = sys.argv[1:]
values = {
    "API_TOKEN": token,
    "POSTGRES_PASSWORD": secrets.token_hex(16),
    "GRAFANA_ADMIN_PASSWORD": secrets.token_hex(16),
    "GRAFANA_DB_PASSWORD": secrets.token_hex(16),
    # `${GATEWAY_PORT:-8080}:8080` becomes 127.0.0.1:PORT:8080: the test stack faces no network
    "GATEWAY_PORT": f"127.0.0.1:{port}",
    # its own edge subnet: a stack the user runs with the default one does not clash
    "EDGE_SUBNET": "172.31.81.0/24",
    "GRAFANA_ROOT_URL": f"http://127.0.0.1:{port}/grafana/",
}
lines = []
for line in open(example, encoding="utf-8").read().splitlines():
    key = re.match(r"\s*([A-Za-z_][A-Za-z0-9_]*)=", line)
    if key and key.group(1) in values:
        line = f"{key.group(1)}={values.pop(key.group(1))}"
    lines.append(line)
lines += [f"{k}={v}" for k, v in values.items()]
open(out, "w", encoding="utf-8").write("\n".join(lines) + "\n")
EOF
export COMPOSE_PROJECT_NAME=lifeboard-smoke
export COMPOSE_FILE="$ROOT/docker-compose.yml"
export COMPOSE_ENV_FILES="$WORK/smoke.env"   # instead of the user's .env
GATEWAY="http://127.0.0.1:$GATEWAY_PORT"

docker compose config -q || fail compose "docker compose config rejects docker-compose.yml"
# a leftover project from an interrupted run would hold the port and the subnet
docker compose down -v --remove-orphans >/dev/null 2>&1 || true

# ---------------------------------------------------------------------------- build and start
if [[ $MODE == container-env ]]; then
  step "stand-ins"
  # container-env's `standins` fails when every local image is a stand-in (a fresh machine):
  # one tiny image of ours that is not a stand-in keeps its image listing non-empty.
  podman image exists localhost/lifeboard/container-env-placeholder:1 \
    || tar -c -T /dev/null | podman import -q - localhost/lifeboard/container-env-placeholder:1 >/dev/null
  RUNNABLE=$("$CONTAINER_ENV" standins --runnable "$COMPOSE_FILE") \
    || fail stand-ins "container-env standins failed"
else
  RUNNABLE=$(docker compose config --services | tr '\n' ' ')
fi
[[ -n $RUNNABLE ]] || fail stand-ins "no service can run here"
echo "services to run: $RUNNABLE"

step "docker compose build"
# one build per image (migrate reuses backend-core's), so a failure names its service
BUILDS=$(docker compose config --format json | python3 -c '
import json, sys
seen = set()
for name, svc in json.load(sys.stdin)["services"].items():
    if svc.get("build") and svc.get("image") not in seen:
        seen.add(svc.get("image")); print(name)')
for svc in $BUILDS; do
  echo "--- building $svc"
  docker compose build "$svc" || fail "$svc" "its image does not build (see the build output above)"
done

step "image files"
# /app of each Python image holds exactly the repository files its Dockerfile copies: no tests,
# benchmarks, development tooling (the receipt generator) or caches (the Dockerfile's
# Dockerfile.dockerignore keeps them out of the build context).
LIST_APP='import os; print("\n".join(sorted(os.path.join(d, f) for d, _, fs in os.walk("/app") for f in fs)))'
for svc in backend-core ocr-worker; do
  # its image, build context and Dockerfile, as compose resolves them (one a line)
  mapfile -t BUILT < <(docker compose config --format json | python3 -c '
import json, os, sys
svc = json.load(sys.stdin)["services"][sys.argv[1]]
context = svc["build"]["context"]
print(svc["image"], context, os.path.join(context, svc["build"].get("dockerfile", "Dockerfile")),
      sep="\n")' "$svc")
  ((${#BUILT[@]} == 3)) || fail "$svc" "cannot read its image and build from docker compose config"
  image=${BUILT[0]}
  docker run --rm --network none --entrypoint python "$image" -c "$LIST_APP" >"$WORK/$svc.files" \
    || fail "$svc" "cannot list /app in its image $image"
  python3 scripts/lib/dockerfile.py files "${BUILT[1]}" "${BUILT[2]}" >"$WORK/$svc.expected" \
    || fail "$svc" "cannot read what its Dockerfile copies"
  diff -u "$WORK/$svc.expected" "$WORK/$svc.files" >&2 \
    || fail "$svc" "/app in its image is not what its Dockerfile copies (diff above: + is extra)"
  echo "image files: $svc: $(wc -l <"$WORK/$svc.files") files in /app, as its Dockerfile copies"
done

step "docker compose up --wait"
PROJECT_UP=1
# `up --wait` alone would wait out its whole timeout for a container that crash-loops under
# its restart policy: watch the containers meanwhile and stop at the first that crashes.
# shellcheck disable=SC2086  # a list of service names
docker compose up -d --wait --wait-timeout "$UP_TIMEOUT_SECONDS" $RUNNABLE \
  > >(tee "$WORK/up.log") 2>&1 &
UP_PID=$!
while kill -0 "$UP_PID" 2>/dev/null; do
  if CULPRIT=$(broken_service); then
    kill "$UP_PID" 2>/dev/null || true; wait "$UP_PID" 2>/dev/null || true
    fail "${CULPRIT%%:*}" "${CULPRIT#*: }"
  fi
  sleep 3
done
if ! wait "$UP_PID"; then
  CULPRIT=$(broken_service || stalled_service) || CULPRIT="compose: see the output above"
  ENGINE_SAID=$(grep -iE 'error|failed' "$WORK/up.log" | tail -n 1 || true)
  fail "${CULPRIT%%:*}" "the stack did not come up healthy: ${CULPRIT#*: }${ENGINE_SAID:+ (compose: $ENGINE_SAID)}"
fi
docker compose ps

# ---------------------------------------------------------------------------- checks
step "receipt through the gateway"
curl -fsS "$GATEWAY/healthz" >/dev/null || fail gateway "GET /healthz through $GATEWAY failed"
# A clean receipt drawn with Pillow: the venv's, or else the ocr-worker image's (no host needs)
DRAW_RECEIPT=$(cat <<'EOF'
import sys
from PIL import Image, ImageDraw, ImageFont

lines = [
    "SKLEP SPOZYWCZY KROPKA", "ul. Dluga 5, 00-001 Warszawa", "NIP 525-000-00-00",
    "2026-11-27 12:34          nr 1234", "PARAGON FISKALNY",
    "Mleko 2% 1L         2 x 3,49   6,98 A", "Chleb zytni         1 x 4,50   4,50 C",
    "Maslo 200g          1 x 7,99   7,99 A", "SPRZEDAZ OPODATKOWANA A   14,97",
    "PTU A 23,00 %              2,80", "SPRZEDAZ OPODATKOWANA C    4,50",
    "PTU C 5,00 %               0,21", "SUMA PTU                   3,01", "SUMA PLN  19,47",
]
font = None
for path in ("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
             "/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf",
             "/usr/share/fonts/truetype/freefont/FreeMono.ttf"):
    try:
        font = ImageFont.truetype(path, 30)
        break
    except OSError:
        continue
font = font or ImageFont.load_default(size=30)
image = Image.new("L", (820, 80 + 46 * len(lines)), 255)
draw = ImageDraw.Draw(image)
for i, text in enumerate(lines):
    draw.text((40, 40 + 46 * i), text, fill=0, font=font)
image.save(sys.stdout.buffer, sys.argv[1] if len(sys.argv) > 1 else "JPEG", quality=92)
EOF
)
if "$PYTHON" -c "import PIL" 2>/dev/null; then
  "$PYTHON" -c "$DRAW_RECEIPT" >"$WORK/receipt.jpg" || fail smoke "could not draw the receipt image"
  "$PYTHON" -c "$DRAW_RECEIPT" PDF >"$WORK/receipt.pdf" || fail smoke "could not draw the receipt PDF"
else
  docker compose exec -T ocr-worker python -c "$DRAW_RECEIPT" >"$WORK/receipt.jpg" \
    || fail ocr-worker "could not draw the receipt image with its Pillow"
  docker compose exec -T ocr-worker python -c "$DRAW_RECEIPT" PDF >"$WORK/receipt.pdf" \
    || fail ocr-worker "could not draw the receipt PDF with its Pillow"
fi
AUTH="Authorization: Bearer $API_TOKEN"
UPLOAD=$(curl -sS -w '\n%{http_code}' -H "$AUTH" -F "file=@$WORK/receipt.jpg;type=image/jpeg" \
  "$GATEWAY/api/v1/receipts") || fail gateway "upload request failed"
CODE=${UPLOAD##*$'\n'} BODY=${UPLOAD%$'\n'*}
[[ $CODE == 202 ]] || fail backend-core "upload answered $CODE: $BODY"
RECEIPT_ID=$(json 'd["id"]' <<<"$BODY")
echo "uploaded receipt $RECEIPT_ID"
STATUS="" deadline=$((SECONDS + WAIT_DONE_SECONDS))
while ((SECONDS < deadline)); do
  RECEIPT=$(curl -fsS -H "$AUTH" "$GATEWAY/api/v1/receipts/$RECEIPT_ID") \
    || fail backend-core "GET /api/v1/receipts/$RECEIPT_ID failed"
  STATUS=$(json 'd["status"]' <<<"$RECEIPT")
  [[ $STATUS == done || $STATUS == failed ]] && break
  sleep 1
done
[[ $STATUS == done ]] || fail ocr-worker "receipt ended '$STATUS' (not done): $RECEIPT"
ITEMS=$(json 'len(d["items"])' <<<"$RECEIPT")
((ITEMS > 0)) || fail ocr-worker "receipt is done but has no items: $RECEIPT"
TOTAL=$(json 'd.get("total")' <<<"$RECEIPT")
[[ $TOTAL == 19.47 ]] || fail ocr-worker "receipt total read as '$TOTAL', the slip says 19.47: $RECEIPT"
echo "receipt done: $ITEMS items, total $(json 'd.get("total")' <<<"$RECEIPT"), shop $(json 'd.get("shop")' <<<"$RECEIPT")"
LISTED=$(curl -fsS -H "$AUTH" "$GATEWAY/api/v1/receipts/$RECEIPT_ID/image" | cmp - "$WORK/receipt.jpg" && echo same)
[[ $LISTED == same ]] || fail backend-core "the stored image differs from the uploaded one"
NOAUTH=$(curl -s -o /dev/null -w '%{http_code}' "$GATEWAY/api/v1/receipts/$RECEIPT_ID")
[[ $NOAUTH == 401 ]] || fail gateway "a request without a token got $NOAUTH, not 401"
METRICS=$(curl -s -o /dev/null -w '%{http_code}' "$GATEWAY/metrics")
[[ $METRICS == 404 ]] || fail gateway "/metrics is served to the outside ($METRICS)"

step "receipt page and a PDF receipt"
PAGE=$(curl -sS -o "$WORK/page.html" -w '%{http_code} %{content_type}' "$GATEWAY/") \
  || fail gateway "GET / failed"
[[ $PAGE == "200 text/html"* ]] && grep -q 'name="token"' "$WORK/page.html" \
  || fail gateway "the receipt page at / answered '$PAGE' (gateway/html not in the image?)"
UPLOAD=$(curl -sS -w '\n%{http_code}' -H "$AUTH" -F "file=@$WORK/receipt.pdf;type=application/pdf" \
  "$GATEWAY/api/v1/receipts") || fail gateway "PDF upload request failed"
CODE=${UPLOAD##*$'\n'} BODY=${UPLOAD%$'\n'*}
[[ $CODE == 202 ]] || fail backend-core "PDF upload answered $CODE: $BODY"
PDF_ID=$(json 'd["id"]' <<<"$BODY")
STATUS="" deadline=$((SECONDS + WAIT_DONE_SECONDS))
while ((SECONDS < deadline)); do
  RECEIPT=$(curl -fsS -H "$AUTH" "$GATEWAY/api/v1/receipts/$PDF_ID") \
    || fail backend-core "GET /api/v1/receipts/$PDF_ID failed"
  STATUS=$(json 'd["status"]' <<<"$RECEIPT")
  [[ $STATUS == done || $STATUS == failed ]] && break
  sleep 1
done
[[ $STATUS == done && $(json 'd.get("total")' <<<"$RECEIPT") == 19.47 ]] \
  || fail ocr-worker "the PDF receipt ended '$STATUS' without the total 19.47: $RECEIPT"
echo "PDF receipt done: total 19.47 (pypdfium2 in the images)"

if [[ " $RUNNABLE " == *" prometheus "* ]]; then
  step "prometheus targets"
  deadline=$((SECONDS + 60)) DOWN="?"
  while ((SECONDS < deadline)); do
    TARGETS=$(docker compose exec -T prometheus wget -qO- http://127.0.0.1:9090/api/v1/targets) \
      || fail prometheus "its API does not answer inside the container"
    DOWN=$(json '" ".join(sorted(t["labels"]["job"] + "=" + t["health"] for t in d["data"]["activeTargets"] if t["health"] != "up"))' <<<"$TARGETS")
    JOBS=$(json '" ".join(sorted(t["labels"]["job"] for t in d["data"]["activeTargets"]))' <<<"$TARGETS")
    [[ -z $DOWN && " $JOBS " == *" backend-core "* && " $JOBS " == *" ocr-worker "* ]] && break
    [[ $DOWN == "${LAST_DOWN:-}" ]] || echo "waiting for targets: ${DOWN:-(not all listed yet)}"
    LAST_DOWN=$DOWN
    sleep 2
  done
  [[ -z $DOWN ]] || fail prometheus "targets not up after 60 s: $DOWN ($(json '[t.get("lastError") for t in d["data"]["activeTargets"]]' <<<"$TARGETS"))"
  echo "targets up: $JOBS"
  if [[ " $RUNNABLE " == *" alertmanager "* ]]; then
    # Prometheus discovers Alertmanager once its configuration is loaded: its alerts have a way out
    deadline=$((SECONDS + 60)) MANAGERS=""
    while ((SECONDS < deadline)); do
      MANAGERS=$(docker compose exec -T prometheus wget -qO- http://127.0.0.1:9090/api/v1/alertmanagers \
        | json '" ".join(m["url"] for m in d["data"]["activeAlertmanagers"])') || MANAGERS=""
      [[ $MANAGERS == *alertmanager:9093* ]] && break
      sleep 2
    done
    [[ $MANAGERS == *alertmanager:9093* ]] || fail alertmanager "Prometheus has no active Alertmanager after 60 s"
    echo "alertmanager: $MANAGERS"
  fi
fi

step "isolation"
# the routing table of the OCR worker: no default route (destination 0.0.0.0 / ::/0)
ROUTES=$(docker compose exec -T ocr-worker cat /proc/net/route) \
  || fail ocr-worker "cannot read its routing table"
if awk 'NR > 1 && $2 == "00000000" {found = 1} END {exit !found}' <<<"$ROUTES"; then
  fail ocr-worker "it has a default route (egress): $ROUTES"
fi
V6=$(docker compose exec -T ocr-worker sh -c 'cat /proc/net/ipv6_route 2>/dev/null || true')
if awk '$1 == "00000000000000000000000000000000" && $2 == "00" && $10 != "lo" {found = 1} END {exit !found}' <<<"$V6"; then
  fail ocr-worker "it has an IPv6 default route (egress)"
fi
awk 'NR > 1 {n++} END {exit !n}' <<<"$ROUTES" || fail ocr-worker "no routes at all (not on the internal network?)"
echo "ocr-worker: no default route ($(($(wc -l <<<"$ROUTES") - 1)) routes, all on-link)"
# nothing but the gateway publishes a port
PUBLISHED=$(docker compose ps --format json | python3 -c '
import json, sys
text = sys.stdin.read().strip()
rows = json.loads(text) if text.startswith("[") else [json.loads(l) for l in text.splitlines() if l]
for row in rows:
    for p in row.get("Publishers") or []:
        if p.get("PublishedPort"):
            print(row["Service"], "%s:%s->%s" % (p.get("URL"), p["PublishedPort"], p["TargetPort"]))')
echo "published: ${PUBLISHED:-nothing}"
while read -r svc spec; do
  [[ -z $svc || $svc == gateway ]] || fail "$svc" "publishes a port: $spec"
done <<<"$PUBLISHED"
grep -q "^gateway 127.0.0.1:$GATEWAY_PORT->8080" <<<"$PUBLISHED" \
  || fail gateway "does not publish 127.0.0.1:$GATEWAY_PORT->8080 (as the test's env asks)"
# every running container: non-root, no capabilities, no-new-privileges, read-only root
for svc in $RUNNABLE; do
  [[ -n $(docker compose ps -q "$svc") ]] || continue   # one-shots have exited
  PROC=$(docker compose exec -T "$svc" sh -c 'grep -E "^(Uid|CapEff|NoNewPrivs):" /proc/self/status;
    if touch /.smoke-rw-probe 2>/dev/null; then echo "RootFs: writable"; else echo "RootFs: read-only"; fi') \
    || fail "$svc" "cannot exec into it"
  grep -Eq '^Uid:[[:space:]]+[1-9]' <<<"$PROC" || fail "$svc" "runs as root: $PROC"
  grep -Eq '^CapEff:[[:space:]]+0+$' <<<"$PROC" || fail "$svc" "has capabilities: $PROC"
  grep -Eq '^NoNewPrivs:[[:space:]]+1' <<<"$PROC" || fail "$svc" "no-new-privileges is off: $PROC"
  grep -q 'RootFs: read-only' <<<"$PROC" || fail "$svc" "its root file system is writable"
  read -r MEM PIDS < <(docker inspect -f '{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}' \
    "$(docker compose ps -q "$svc" | head -n1)")
  ((MEM > 0 && PIDS > 0)) || fail "$svc" "runs without a memory or pid limit (memory=$MEM pids=$PIDS)"
done
echo "running containers: non-root, no capabilities, no-new-privileges, read-only root, limits"
if [[ " $RUNNABLE " != *" grafana "* ]]; then
  # Grafana is not running: the gateway still serves the API and answers /grafana/ itself
  GRAFANA_CODE=$(curl -s -o "$WORK/grafana.json" -w '%{http_code}' "$GATEWAY/grafana/")
  [[ $GRAFANA_CODE == 502 ]] && json 'd["detail"]' <"$WORK/grafana.json" >/dev/null \
    || fail gateway "/grafana/ without Grafana answered $GRAFANA_CODE, not a JSON 502"
  curl -fsS "$GATEWAY/healthz" >/dev/null || fail gateway "the API stopped answering"
  echo "without Grafana: /grafana/ is a JSON 502 and the API answers"
else
  curl -fsS "$GATEWAY/grafana/api/health" >/dev/null \
    || fail grafana "GET /grafana/api/health through the gateway failed"
  echo "Grafana answers through the gateway at /grafana/"
fi
finish_step

echo; echo "==> image sizes"
# the images this run built, by the names compose gave them (PREFIX/lifeboard-SERVICE:VERSION)
for image in $(docker compose config --images | sort -u); do
  [[ $image == */lifeboard-* ]] || continue
  docker image inspect -f "$image  {{.Size}}" "$image" 2>/dev/null \
    | awk '{ printf "%s  %d MB\n", $1, $2 / 1000000 }' || true
done
