# shellcheck shell=bash
# What Lifeboard needs on a Debian machine to run natively and to test: Debian packages and the
# Python venv from both services' hashed requirement locks. Sourced by scripts/test.sh and
# scripts/native-stack.sh (they set ROOT), so both use the same venv and the same packages.
#
#   LIFEBOARD_VENV   the venv (default: ROOT/.venv)

VENV="${LIFEBOARD_VENV:-$ROOT/.venv}"
[[ "$VENV" = /* ]] || VENV="$ROOT/$VENV"

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
  if ! command -v apt-get >/dev/null; then
    log "no apt-get here: install the equivalents of ${APT_PACKAGES[*]} yourself"
    return 0
  fi
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
}

install_optional_apt_packages() {
  command -v apt-get >/dev/null || return 0
  local sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
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

# Run from ROOT (the requirement files are named relative to it).
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
  link_shared_code
}

# The code both services import (libs/upload_formats: the images copy it next to each package)
# on the venv's sys.path, through a .pth file naming this checkout's copy: `python -m app.cli`,
# `python -m ocr_worker`, the services and the processes the tests start import it as the images
# do. Only a venv's own site-packages is written (none: nothing to do).
link_shared_code() {
  local site
  for site in "$VENV"/lib/python3*/site-packages; do
    [[ -d "$site" ]] || continue
    printf '%s\n' "$PWD/libs/upload_formats" >"$site/lifeboard-shared.pth"
  done
}
