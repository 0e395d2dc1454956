#!/usr/bin/env bash
# Run Lifeboard without Docker, on loopback: ocr-worker (gunicorn), backend-core (uvicorn),
# gateway (nginx), Prometheus and Alertmanager, against the PostgreSQL of DATABASE_URL. The
# gateway, Prometheus and Alertmanager use the SAME config files as the containers (gateway/,
# prometheus/prometheus.yml, alertmanager/render-config.sh), rendered with loopback addresses.
#
#   scripts/native-stack.sh up                 start what is not running, wait until healthy
#   scripts/native-stack.sh down               stop everything, verify nothing is left
#   scripts/native-stack.sh status             state of each service (exit 3 if one is not running)
#   scripts/native-stack.sh start|stop SERVICE ocr-worker | backend-core | gateway | prometheus
#                                              | alertmanager
#   scripts/native-stack.sh render             only render + check the gateway/Prometheus/
#                                              Alertmanager configs
#
# First use: `up` and `start` install what the stack needs, with the same code and into the same
# venv as scripts/test.sh (scripts/lib/setup.sh: Debian packages, the venv with both services'
# pinned requirements). ocr-worker and backend-core run the CMD of their Dockerfiles (the same
# program and flags; only the address is loopback's).
#
# Settings: process env > .env (created from .env.example when absent; NATIVE_STACK_ENV_FILE
# names another file; read by scripts/lib/envfile.py, as `make up` reads it) > defaults.
# Ports: NATIVE_OCR_PORT (5000), NATIVE_CORE_PORT (8000), GATEWAY_PORT (8080),
# NATIVE_PROMETHEUS_PORT (9090), NATIVE_ALERTMANAGER_PORT (9093; its receivers come from ALERT_*
# as in compose), NATIVE_GRAFANA_PORT (3000: where the
# gateway's /grafana/ points; Grafana itself is not run natively). The gateway listens on
# GATEWAY_BIND (127.0.0.1; 0.0.0.0 exposes it to your network), the rest on 127.0.0.1 only.
# Gateway limits: MAX_UPLOAD_MB and GATEWAY_{UPLOAD,AUTH,API}_{RATE,BURST}, defaults in
# gateway/docker-entrypoint.d/18-lifeboard-gateway.envsh. State (pids, logs, rendered configs,
# Prometheus data): NATIVE_STACK_DIR (.native-stack). Python: LIFEBOARD_VENV (.venv).
# Timeouts: NATIVE_HEALTH_TIMEOUT (90 s per service), NATIVE_STOP_TIMEOUT (15 s, then SIGKILL).
# Each service runs in its own process group (setsid) and carries LIFEBOARD_NATIVE_STACK=<dir>
# in its environment, which is how `down` proves that no process of this stack is left.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Debian installs nginx (and other daemons) in /usr/sbin, which a normal user's PATH often
# lacks: look there too, after the user's own PATH.
for sbin in /usr/local/sbin /usr/sbin /sbin; do
  [[ ":$PATH:" == *":$sbin:"* ]] || PATH="$PATH:$sbin"
done
export PATH
SERVICES=(ocr-worker backend-core gateway prometheus alertmanager)
HEALTH_TIMEOUT="${NATIVE_HEALTH_TIMEOUT:-90}"
STOP_TIMEOUT="${NATIVE_STOP_TIMEOUT:-15}"

die() { echo "native-stack: $*" >&2; exit 1; }
say() { echo "native-stack: $*" >&2; }

# ---- settings --------------------------------------------------------------------------------

# The env file's KEY=VALUE pairs (scripts/lib/envfile.py: compose's reading, shared with
# `make up`), for keys the process env does not set. An empty value means "not set" (the
# service's default applies), as `${VAR:-default}` does in compose, in the file and in the
# process env alike: `set -a; . ./.env` exports the file's empty keys, and the services must not
# see them as set to "".
load_env_file() {
  local file="$1" pairs=() pair key value
  mapfile -d '' -t pairs < <(python3 "$ROOT/scripts/lib/envfile.py" "$file")
  wait "$!" || die "could not read $file"
  for pair in "${pairs[@]}"; do
    key="${pair%%=*}"
    value="${pair#*=}"
    [[ -n "${!key:-}" ]] && continue
    unset "$key"
    [[ -z "$value" ]] || export "$key=$value"
  done
}

load_settings() {
  local env_file="${NATIVE_STACK_ENV_FILE:-$ROOT/.env}"
  if [[ ! -f "$env_file" && -z "${NATIVE_STACK_ENV_FILE:-}" ]]; then
    [[ -f "$ROOT/.env.example" ]] || die "neither .env nor .env.example exists in $ROOT"
    # A new user gets working secrets at once (read the token from .env), made by the same
    # generator as `make up`. Not GRAFANA_DB_PASSWORD: natively the Grafana role stays skipped
    # (creating it would need CREATEROLE on the user's server).
    python3 "$ROOT/scripts/init-env.py" --env-file "$env_file" --example "$ROOT/.env.example" \
      --secrets API_TOKEN,POSTGRES_PASSWORD,GRAFANA_ADMIN_PASSWORD,TOKEN_ENCRYPTION_KEY \
      || die "could not create $env_file"
  fi
  [[ -f "$env_file" ]] || die "env file $env_file does not exist"
  load_env_file "$env_file"

  export NATIVE_OCR_PORT="${NATIVE_OCR_PORT:-5000}"
  export NATIVE_CORE_PORT="${NATIVE_CORE_PORT:-8000}"
  export GATEWAY_PORT="${GATEWAY_PORT:-8080}"
  export NATIVE_PROMETHEUS_PORT="${NATIVE_PROMETHEUS_PORT:-9090}"
  export NATIVE_ALERTMANAGER_PORT="${NATIVE_ALERTMANAGER_PORT:-9093}"
  export DATABASE_URL="${DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/lifeboard}"
  # Native services talk to each other on loopback, whatever the compose-oriented .env says.
  export OCR_WORKER_URL="http://127.0.0.1:${NATIVE_OCR_PORT}"
  export FORWARDED_ALLOW_IPS=127.0.0.1
  export OMP_THREAD_LIMIT=1

  DIR="${NATIVE_STACK_DIR:-$ROOT/.native-stack}"
  [[ "$DIR" = /* ]] || DIR="$ROOT/$DIR"
  # VENV (LIFEBOARD_VENV, which .env may set), the package lists, install_apt_packages, ensure_venv
  # shellcheck source=scripts/lib/setup.sh
  . "$ROOT/scripts/lib/setup.sh"
  PY="$VENV/bin/python"
  mkdir -p "$DIR/logs" "$DIR/run"
  DIR="$(cd "$DIR" && pwd)"
}

port_of() {
  case "$1" in
    ocr-worker) echo "$NATIVE_OCR_PORT" ;;
    backend-core) echo "$NATIVE_CORE_PORT" ;;
    gateway) echo "$GATEWAY_PORT" ;;
    prometheus) echo "$NATIVE_PROMETHEUS_PORT" ;;
    alertmanager) echo "$NATIVE_ALERTMANAGER_PORT" ;;
  esac
}

health_path_of() {
  case "$1" in
    prometheus | alertmanager) echo "/-/ready" ;;
    gateway) echo "/gateway/healthz" ;;
    *) echo "/healthz" ;;
  esac
}

# The port a running service was started with (its ports must not drift with the env).
running_port_of() {
  local name="$1"
  if [[ -f "$DIR/run/$name.port" ]] && is_running "$name"; then
    cat "$DIR/run/$name.port"
  else
    port_of "$name"
  fi
}

# ---- processes -------------------------------------------------------------------------------

pid_of() { cat "$DIR/run/$1.pid" 2>/dev/null || true; }

# A service is alive while its leader or any member of its process group runs. Zombies that
# init has yet to reap do not count; the leader counts before it has called setsid (right
# after the spawn, its group does not exist yet).
group_alive() {
  [[ -n "$1" ]] || return 1
  ps -e -o pid=,pgid=,stat= \
    | awk -v g="$1" '($1 == g || $2 == g) && $3 !~ /^Z/ { found = 1 } END { exit !found }'
}

is_running() { group_alive "$(pid_of "$1")"; }

port_in_use() { [[ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]]; }

# Processes of this stack, whatever their group: those carrying its marker in their environment
# and those naming $DIR/ on their command line (nginx overwrites its environment area with its
# process title). The pattern comes from a file so that grep does not find itself.
stack_processes() {
  local f pid
  for f in $(grep -lsxzF "LIFEBOARD_NATIVE_STACK=$DIR" /proc/[0-9]*/environ) \
           $(grep -lsaF -f <(printf '%s/\n' "$DIR") /proc/[0-9]*/cmdline); do
    pid="${f#/proc/}"
    pid="${pid%/*}"
    [[ "$pid" = "$$" ]] || echo "$pid"
  done | sort -u
}

log_tail() {
  echo "---- last lines of $DIR/logs/$1.log ----" >&2
  tail -n "${2:-40}" "$DIR/logs/$1.log" >&2 2>/dev/null || true
  echo "----" >&2
}

# Start "$@" in a new session/process group with cwd $workdir, output to the service's log.
spawn() {
  local name="$1" workdir="$2"
  shift 2
  echo "==== $(date -u +%FT%TZ) starting $name: $*" >>"$DIR/logs/$name.log"
  # Without job control this background child is not a group leader, so setsid does not fork:
  # $! is the new session leader and its PID is also the process group id.
  # Only the services carry the marker (not this script), so `down` can look for them.
  # fd 9 (the command lock) is not inherited: a service must not hold the lock.
  (cd "$workdir" && exec setsid env LIFEBOARD_NATIVE_STACK="$DIR" "$@") </dev/null >>"$DIR/logs/$name.log" 2>&1 9>&- &
  echo "$!" >"$DIR/run/$name.pid"
  port_of "$name" >"$DIR/run/$name.port"
  STARTED+=("$name")
}

# Services this invocation started. Until it succeeds, any exit (a failed check, `die`, an
# error under set -e, a signal) stops them again: a failed `up` or `start` leaves nothing running.
STARTED=()
# shellcheck disable=SC2317  # run by the EXIT trap (set in main)
stop_started_on_failure() {
  local rc=$?
  if ((rc != 0 && ${#STARTED[@]} > 0)); then
    say "failed; stopping what this command started: ${STARTED[*]} (logs stay in $DIR/logs)"
    stop_services "${STARTED[@]}" || true
  fi
  exit "$rc"
}

wait_healthy() {
  local name="$1" port path deadline
  port="$(port_of "$name")"
  path="$(health_path_of "$name")"
  deadline=$((SECONDS + HEALTH_TIMEOUT))
  while ((SECONDS < deadline)); do
    if ! is_running "$name"; then
      log_tail "$name"
      die "$name exited during start-up (log: $DIR/logs/$name.log)"
    fi
    if curl -fsS -o /dev/null -m 2 "http://127.0.0.1:$port$path" 2>/dev/null; then
      return 0
    fi
    sleep 0.3
  done
  log_tail "$name"
  die "$name not healthy at http://127.0.0.1:$port$path after ${HEALTH_TIMEOUT}s"
}

# Stop services: SIGTERM to each whole process group at once, wait for all of them, SIGKILL
# what is still there after STOP_TIMEOUT.
stop_services() {
  local name pid deadline pids=() alive
  for name in "$@"; do
    pid="$(pid_of "$name")"
    if group_alive "$pid"; then
      say "stopping $name (process group $pid)"
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  deadline=$((SECONDS + STOP_TIMEOUT))
  while :; do
    alive=()
    for pid in "${pids[@]}"; do group_alive "$pid" && alive+=("$pid"); done
    ((${#alive[@]} == 0 || SECONDS >= deadline)) && break
    sleep 0.1
  done
  for pid in "${alive[@]}"; do
    say "process group $pid did not stop in ${STOP_TIMEOUT}s; killing it"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  done
  ((${#alive[@]} == 0)) || sleep 0.3
  for pid in "${alive[@]}"; do
    group_alive "$pid" && die "process group $pid is still running"
  done
  for name in "$@"; do rm -f "$DIR/run/$name.pid" "$DIR/run/$name.port"; done
  return 0
}

# ---- preparation -----------------------------------------------------------------------------

need() { command -v "$1" >/dev/null || die "$1 is not installed (${2:-see scripts/lib/setup.sh})"; }

# What scripts/test.sh installs, by the same code: Debian packages, then the venv. Its progress
# goes to stderr (stdout carries the URL lines).
install_needs() {
  install_apt_packages >&2
  (cd "$ROOT" && ensure_venv) >&2
}

check_tools() {
  [[ -x "$PY" ]] || die "no Python venv at $VENV"
  need curl
  need ss
  need setsid
}

ensure_database() {
  say "ensuring the database of DATABASE_URL exists"
  "$PY" - <<'PYEOF'
import os

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

url = make_url(os.environ["DATABASE_URL"])
name = url.database
if not name:
    raise SystemExit("DATABASE_URL names no database")
conninfo = url.set(drivername="postgresql", database="postgres").render_as_string(
    hide_password=False
)
with psycopg.connect(conninfo, autocommit=True) as conn:
    exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    if not exists:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        print(f"native-stack: created database {name}", flush=True)
PYEOF
}

migrate() {
  local pythonpath
  pythonpath="$(service_pythonpath backend-core)"
  say "alembic upgrade head"
  (cd "$ROOT/backend-core" && PYTHONPATH="$pythonpath" "$PY" -m alembic upgrade head) \
    >>"$DIR/logs/migrate.log" 2>&1 \
    || { log_tail migrate; die "migrations failed (log: $DIR/logs/migrate.log)"; }
}

render_gateway() {
  local out="$DIR/gateway" template vars
  mkdir -p "$out/conf.d" "$out/tmp"
  cp "$ROOT/gateway/nginx.conf" "$out/nginx.conf"
  (
    # GATEWAY_BIND=0.0.0.0 exposes the native gateway beyond loopback (the rest stays on it).
    export GATEWAY_LISTEN="${GATEWAY_BIND:-127.0.0.1}:$GATEWAY_PORT"
    export CORE_UPSTREAM="127.0.0.1:$NATIVE_CORE_PORT"
    export GRAFANA_UPSTREAM="127.0.0.1:${NATIVE_GRAFANA_PORT:-3000}"
    NGINX_LOCAL_RESOLVERS="$(awk '$1 == "nameserver" { print $2; exit }' /etc/resolv.conf 2>/dev/null || true)"
    export NGINX_LOCAL_RESOLVERS="${NGINX_LOCAL_RESOLVERS:-127.0.0.1}"
    export NGINX_TEMP_DIR="$out/tmp"
    export GATEWAY_HTML_ROOT="$ROOT/gateway/html"
    unset NGINX_ENVSUBST_OUTPUT_DIR
    # shellcheck source=gateway/docker-entrypoint.d/18-lifeboard-gateway.envsh
    . "$ROOT/gateway/docker-entrypoint.d/18-lifeboard-gateway.envsh"
    for template in "$ROOT"/gateway/templates/*.template; do
      # shellcheck disable=SC2016  # the literal ${NAME}s of the template, as envsubst wants them
      vars="$(grep -o '\${[A-Z][A-Z0-9_]*}' "$template" | sort -u | tr '\n' ' ')"
      for v in $vars; do
        v="${v#\$\{}"
        [[ -v "${v%\}}" ]] || die "gateway template variable ${v%\}} is not set"
      done
      # shellcheck disable=SC2094  # reads the template, writes its rendering: two files
      envsubst "$vars" <"$template" >"$out/conf.d/$(basename "$template" .template)"
    done
  )
  nginx -t -q -e stderr -p "$out/" -c "$out/nginx.conf" -g "pid $out/nginx.pid;" \
    >>"$DIR/logs/gateway.log" 2>&1 || { log_tail gateway 20; die "nginx -t failed"; }
}

render_prometheus() {
  local out="$DIR/prometheus"
  mkdir -p "$out/data"
  sed -e "s/\"backend-core:8000\"/\"127.0.0.1:$NATIVE_CORE_PORT\"/" \
      -e "s/\"ocr-worker:5000\"/\"127.0.0.1:$NATIVE_OCR_PORT\"/" \
      -e "s/\"localhost:9090\"/\"127.0.0.1:$NATIVE_PROMETHEUS_PORT\"/" \
      -e "s/\"alertmanager:9093\"/\"127.0.0.1:$NATIVE_ALERTMANAGER_PORT\"/" \
      "$ROOT/prometheus/prometheus.yml" >"$out/prometheus.yml"
  for target in "127.0.0.1:$NATIVE_CORE_PORT" "127.0.0.1:$NATIVE_OCR_PORT" \
    "127.0.0.1:$NATIVE_ALERTMANAGER_PORT"; do
    grep -qF "\"$target\"" "$out/prometheus.yml" \
      || die "prometheus/prometheus.yml has no target this script can localise to $target"
  done
  rm -f "$out/alerts.yml"
  [[ -f "$ROOT/prometheus/alerts.yml" ]] && cp "$ROOT/prometheus/alerts.yml" "$out/alerts.yml"
  return 0
}

# Alertmanager's configuration, from the ALERT_* settings, by the script the container runs.
render_alertmanager() {
  local out="$DIR/alertmanager"
  mkdir -p "$out/data"
  sh "$ROOT/alertmanager/render-config.sh" "$out/alertmanager.yml" 2>>"$DIR/logs/alertmanager.log" \
    || { log_tail alertmanager 5; die "the Alertmanager configuration could not be rendered"; }
}

# Debian's package names the program prometheus-alertmanager; upstream's is alertmanager.
alertmanager_bin() { command -v prometheus-alertmanager || command -v alertmanager || true; }

# ---- services --------------------------------------------------------------------------------

# The CMD of SERVICE's Dockerfile into the array CMD, with the value of each OPTION VALUE given
# replaced; its program is the venv's. One source for the flags of both ways to run a service.
dockerfile_cmd() {
  local service="$1"
  shift
  mapfile -d '' -t CMD < <(python3 "$ROOT/scripts/lib/dockerfile.py" cmd "$ROOT/$service/Dockerfile" "$@")
  wait "$!" || die "could not read the CMD of $service/Dockerfile"
  ((${#CMD[@]})) || die "$service/Dockerfile has an empty CMD"
  CMD[0]="$VENV/bin/${CMD[0]}"
}

# The PYTHONPATH that SERVICE runs with: the checkout's directories of the Python modules and
# packages its image copies into its WORKDIR, next to the package (libs/upload_formats, which the
# two services share), read from its Dockerfile (built from the repository root, as compose
# builds it).
service_pythonpath() {
  local service="$1" roots=() root joined=""
  mapfile -t roots < <(python3 "$ROOT/scripts/lib/dockerfile.py" pythonpath "$ROOT" "$ROOT/$service/Dockerfile")
  wait "$!" || die "could not read what $service/Dockerfile copies"
  for root in "${roots[@]}"; do joined+="${joined:+:}$ROOT/$root"; done
  echo "$joined"
}

launch() {
  local name="$1" port pythonpath
  port="$(port_of "$name")"
  port_in_use "$port" && die "$name: port $port on 127.0.0.1 is already in use (set $(port_var "$name"))"
  case "$name" in
    ocr-worker)
      need tesseract "Debian package tesseract-ocr"
      # gunicorn.conf.py (shared with the container) reads OCR_BIND, OCR_WORKERS and keeps the
      # workers' metrics in PROMETHEUS_MULTIPROC_DIR: a fresh one per start.
      local -x OCR_BIND="127.0.0.1:$port"  # local: must not leak into backend-core
      local -x PROMETHEUS_MULTIPROC_DIR="$DIR/ocr-worker-metrics"
      rm -rf "$PROMETHEUS_MULTIPROC_DIR"
      mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
      pythonpath="$(service_pythonpath ocr-worker)"
      local -x PYTHONPATH="$pythonpath"
      dockerfile_cmd ocr-worker
      spawn ocr-worker "$ROOT/ocr-worker" "${CMD[@]}"
      ;;
    backend-core)
      [[ -n "${API_TOKEN:-}" ]] \
        || die "API_TOKEN is empty: set one in .env (e.g. API_TOKEN=\$(openssl rand -hex 32))"
      ensure_database
      migrate
      # uvicorn reads FORWARDED_ALLOW_IPS (127.0.0.1, set above) from the environment, as in
      # the container.
      pythonpath="$(service_pythonpath backend-core)"
      local -x PYTHONPATH="$pythonpath"
      dockerfile_cmd backend-core --host 127.0.0.1 --port "$port"
      spawn backend-core "$ROOT/backend-core" "${CMD[@]}"
      ;;
    gateway)
      need nginx "Debian package nginx"
      render_gateway
      # As root, nginx would run its workers as `nobody`, who cannot enter a private state dir
      # (request bodies are buffered there): natively they run as the invoking user.
      local user=""
      [[ $(id -u) -eq 0 ]] && user="user $(id -un) $(id -gn);"
      spawn gateway "$DIR/gateway" nginx -e stderr -p "$DIR/gateway/" -c "$DIR/gateway/nginx.conf" \
        -g "daemon off; pid $DIR/gateway/nginx.pid; $user"
      ;;
    prometheus)
      need prometheus "Debian package prometheus"
      render_prometheus
      spawn prometheus "$DIR/prometheus" prometheus --config.file="$DIR/prometheus/prometheus.yml" \
        --storage.tsdb.path="$DIR/prometheus/data" \
        --web.listen-address="127.0.0.1:$port"
      ;;
    alertmanager)
      local bin
      bin="$(alertmanager_bin)"
      [[ -n "$bin" ]] || die "alertmanager is not installed (Debian package prometheus-alertmanager)"
      render_alertmanager
      # --cluster.listen-address= : one instance, no gossip port (it would take 0.0.0.0:9094)
      spawn alertmanager "$DIR/alertmanager" "$bin" --config.file="$DIR/alertmanager/alertmanager.yml" \
        --storage.path="$DIR/alertmanager/data" \
        --web.listen-address="127.0.0.1:$port" --cluster.listen-address=
      ;;
  esac
}

port_var() {
  case "$1" in
    ocr-worker) echo NATIVE_OCR_PORT ;;
    backend-core) echo NATIVE_CORE_PORT ;;
    gateway) echo GATEWAY_PORT ;;
    prometheus) echo NATIVE_PROMETHEUS_PORT ;;
    alertmanager) echo NATIVE_ALERTMANAGER_PORT ;;
  esac
}

start_service() {
  local name="$1"
  if is_running "$name"; then
    say "$name already running (process group $(pid_of "$name"))"
    return 0
  fi
  launch "$name"
  wait_healthy "$name"
  say "$name healthy on 127.0.0.1:$(port_of "$name")"
}

# NAME_URL= lines of the services that run (none after `down`: nothing to point a client at).
print_urls() {
  local name var
  for name in gateway prometheus alertmanager; do
    var="${name^^}_URL"
    if is_running "$name"; then echo "$var=http://127.0.0.1:$(running_port_of "$name")"; fi
  done
}

cmd_up() {
  install_needs
  check_tools
  local name
  # Launch everything first, then wait: the services start in parallel. backend-core last,
  # because its database check and migrations run in the foreground meanwhile. A failure
  # anywhere stops what this run started (the EXIT trap set in main).
  for name in ocr-worker gateway prometheus alertmanager backend-core; do
    if is_running "$name"; then
      say "$name already running (process group $(pid_of "$name"))"
    else
      launch "$name"
    fi
  done
  for name in "${STARTED[@]}"; do
    wait_healthy "$name"
    say "$name healthy on 127.0.0.1:$(port_of "$name")"
  done
  curl -fsS -o /dev/null -m 5 "http://127.0.0.1:$(running_port_of gateway)/healthz" \
    || die "the gateway does not reach backend-core (GET /healthz through the gateway failed)"
  print_urls
}

cmd_down() {
  local pids=()
  stop_services "${SERVICES[@]}"
  # Anything that escaped its process group still carries the marker.
  mapfile -t pids < <(stack_processes)
  if ((${#pids[@]})); then
    say "left-over processes of this stack: ${pids[*]}; killing them"
    kill -KILL "${pids[@]}" 2>/dev/null || true
    sleep 0.5
    mapfile -t pids < <(stack_processes)
    ((${#pids[@]} == 0)) || die "processes still running after down: ${pids[*]}"
  fi
  say "stopped; no process of $DIR is left"
}

cmd_status() {
  local name pid port state rc=0
  for name in "${SERVICES[@]}"; do
    pid="$(pid_of "$name")"
    port="$(running_port_of "$name")"
    if group_alive "$pid"; then
      if curl -fsS -o /dev/null -m 2 "http://127.0.0.1:$port$(health_path_of "$name")" 2>/dev/null; then
        state="running healthy"
      else
        state="running unhealthy"
        rc=3
      fi
      printf '%-13s %s pid=%s port=%s\n' "$name" "$state" "$pid" "$port"
    else
      printf '%-13s stopped\n' "$name"
      rc=3
    fi
  done
  print_urls
  return "$rc"
}

valid_service() {
  local s
  for s in "${SERVICES[@]}"; do [[ "$s" = "${1:-}" ]] && return 0; done
  die "unknown service '${1:-}' (one of: ${SERVICES[*]})"
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
  exit 2
}

main() {
  local cmd="${1:-}"
  case "$cmd" in
    up | down | status | render) [[ $# -eq 1 ]] || usage ;;
    start | stop) [[ $# -eq 2 ]] || usage; valid_service "$2" ;;
    *) usage ;;
  esac
  load_settings
  # One command at a time changes a stack (two `up`s at once would start everything twice).
  if [[ "$cmd" != status ]] && command -v flock >/dev/null; then
    exec 9>"$DIR/run/lock"
    flock -w 300 9 || die "another native-stack.sh command holds $DIR/run/lock"
  fi
  # Set before anything is launched: every way out of a failed up/start stops what it started.
  trap stop_started_on_failure EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  case "$cmd" in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    start) install_needs; check_tools; start_service "$2"; print_urls ;;
    stop) stop_services "$2" ;;
    render)
      render_gateway
      render_prometheus
      render_alertmanager
      echo "GATEWAY_CONFIG=$DIR/gateway/nginx.conf"
      echo "PROMETHEUS_CONFIG=$DIR/prometheus/prometheus.yml"
      echo "ALERTMANAGER_CONFIG=$DIR/alertmanager/alertmanager.yml"
      ;;
  esac
}

# On one line with main: bash reads no further, so editing this file under a running command
# cannot make it execute a fragment of the new text.
main "$@"; exit
