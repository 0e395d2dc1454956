#!/bin/sh
# Container entrypoint of the alertmanager service: render the configuration from the
# environment into ALERTMANAGER_CONFIG (a tmpfs path: the root file system is read-only), then
# run the command (/bin/alertmanager --config.file=... from docker-compose.yml).
set -eu
sh "$(dirname "$0")/render-config.sh" "${ALERTMANAGER_CONFIG:-/tmp/alertmanager.yml}"
exec "$@"
