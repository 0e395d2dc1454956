#!/bin/sh
# Writes Alertmanager's configuration from the environment to the file given as $1.
# Alertmanager does not expand environment variables in its configuration, so the container
# entrypoint (entrypoint.sh), scripts/native-stack.sh and the tests all render it with this one
# script. POSIX sh: it runs under dash (Debian) and busybox sh (the official image).
#
# Receivers (all optional; with none, alerts stay visible in Alertmanager but reach nobody):
#   ALERT_WEBHOOK_URL       where to post each notification
#   ALERT_WEBHOOK_TYPE      webhook (default: Alertmanager's JSON, e.g. ntfy with
#                           ?template=alertmanager, or a bridge) | slack (Slack-compatible
#                           incoming webhooks: Slack, Mattermost) | discord (Discord webhooks)
#   ALERT_SMTP_TO           e-mail address(es) to notify; needs ALERT_SMTP_SMARTHOST (host:port)
#                           and ALERT_SMTP_FROM; optional ALERT_SMTP_USERNAME,
#                           ALERT_SMTP_PASSWORD, ALERT_SMTP_REQUIRE_TLS (true)
# Timing: ALERT_GROUP_WAIT (30s), ALERT_GROUP_INTERVAL (5m), ALERT_REPEAT_INTERVAL (4h).
set -eu

me=render-config.sh
die() { echo "$me: $*" >&2; exit 2; }

out="${1:-}"
[ -n "$out" ] || die "usage: $me OUTPUT_FILE"

: "${ALERT_WEBHOOK_URL:=}"
: "${ALERT_WEBHOOK_TYPE:=webhook}"
: "${ALERT_SMTP_TO:=}"
: "${ALERT_SMTP_SMARTHOST:=}"
: "${ALERT_SMTP_FROM:=}"
: "${ALERT_SMTP_USERNAME:=}"
: "${ALERT_SMTP_PASSWORD:=}"
: "${ALERT_SMTP_REQUIRE_TLS:=true}"
: "${ALERT_GROUP_WAIT:=30s}"
: "${ALERT_GROUP_INTERVAL:=5m}"
: "${ALERT_REPEAT_INTERVAL:=4h}"

# Every value is checked before anything is rendered: a `die` inside the $(...) of the
# rendering below would only end that subshell.
for name in ALERT_WEBHOOK_URL ALERT_WEBHOOK_TYPE ALERT_SMTP_TO ALERT_SMTP_SMARTHOST \
    ALERT_SMTP_FROM ALERT_SMTP_USERNAME ALERT_SMTP_PASSWORD ALERT_SMTP_REQUIRE_TLS \
    ALERT_GROUP_WAIT ALERT_GROUP_INTERVAL ALERT_REPEAT_INTERVAL; do
    eval "value=\${$name}"
    # A newline in a value would otherwise let it add keys of its own to the configuration.
    if [ "$(printf '%s' "$value" | tr -d '\000-\037\177')" != "$value" ]; then
        die "$name contains a control character (newline, tab...)"
    fi
done
for name in ALERT_GROUP_WAIT ALERT_GROUP_INTERVAL ALERT_REPEAT_INTERVAL; do
    eval "value=\${$name}"
    case "$value" in
        '' | *[!0-9smhdwy]* | [!0-9]*) die "$name must be a duration like 30s, 5m or 4h, got '$value'" ;;
    esac
done
case "$ALERT_WEBHOOK_URL" in
    '' | http://?* | https://?*) ;;
    *) die "ALERT_WEBHOOK_URL must be an http:// or https:// URL" ;;
esac
case "$ALERT_WEBHOOK_TYPE" in
    webhook | slack | discord) ;;
    *) die "ALERT_WEBHOOK_TYPE must be webhook, slack or discord, got '$ALERT_WEBHOOK_TYPE'" ;;
esac
case "$ALERT_SMTP_REQUIRE_TLS" in
    true | false) ;;
    *) die "ALERT_SMTP_REQUIRE_TLS must be true or false, got '$ALERT_SMTP_REQUIRE_TLS'" ;;
esac
if [ -n "$ALERT_SMTP_TO" ]; then
    [ -n "$ALERT_SMTP_SMARTHOST" ] || die "ALERT_SMTP_TO is set: set ALERT_SMTP_SMARTHOST (host:port) too"
    [ -n "$ALERT_SMTP_FROM" ] || die "ALERT_SMTP_TO is set: set ALERT_SMTP_FROM too"
    case "$ALERT_SMTP_SMARTHOST" in
        ?*:[0-9]*) ;;
        *) die "ALERT_SMTP_SMARTHOST must be host:port, got '$ALERT_SMTP_SMARTHOST'" ;;
    esac
fi

# A YAML double-quoted scalar (the values are free of control characters, checked above).
quote() {
    printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')"
}

# dash's echo would interpret the backslashes of a value: lines are printed with printf.
line() { printf '%s\n' "$*"; }

render() {
    line "# Rendered by alertmanager/render-config.sh from the environment: edit .env, not this."
    line "route:"
    line "  receiver: lifeboard"
    line "  group_by: [alertname, job, source, reason]"
    line "  group_wait: $ALERT_GROUP_WAIT"
    line "  group_interval: $ALERT_GROUP_INTERVAL"
    line "  repeat_interval: $ALERT_REPEAT_INTERVAL"
    # While the OCR worker is down the queue cannot move: one notification, about the cause.
    line "inhibit_rules:"
    line "  - source_matchers: ['alertname = OcrWorkerDown']"
    line "    target_matchers: ['alertname = ReceiptQueueStuck']"
    line "receivers:"
    line "  - name: lifeboard"
    if [ -n "$ALERT_WEBHOOK_URL" ]; then
        url="$(quote "$ALERT_WEBHOOK_URL")"
        case "$ALERT_WEBHOOK_TYPE" in
            webhook)
                line "    webhook_configs:"
                line "      - url: $url"
                line "        send_resolved: true"
                ;;
            slack)
                # Slack's default text is empty: list each alert's summary and description.
                line "    slack_configs:"
                line "      - api_url: $url"
                line "        send_resolved: true"
                line "        title: '{{ template \"slack.default.title\" . }}'"
                line "        text: '{{ range .Alerts }}*{{ .Annotations.summary }}*: {{ .Annotations.description }}{{ \"\\n\" }}{{ end }}'"
                ;;
            discord)
                line "    discord_configs:"
                line "      - webhook_url: $url"
                line "        send_resolved: true"
                ;;
        esac
    fi
    if [ -n "$ALERT_SMTP_TO" ]; then
        line "    email_configs:"
        line "      - to: $(quote "$ALERT_SMTP_TO")"
        line "        from: $(quote "$ALERT_SMTP_FROM")"
        line "        smarthost: $(quote "$ALERT_SMTP_SMARTHOST")"
        if [ -n "$ALERT_SMTP_USERNAME" ]; then
            line "        auth_username: $(quote "$ALERT_SMTP_USERNAME")"
            line "        auth_password: $(quote "$ALERT_SMTP_PASSWORD")"
        fi
        line "        require_tls: $ALERT_SMTP_REQUIRE_TLS"
        line "        send_resolved: true"
    fi
}

# Written to a temporary file and moved into place: readers never see half a file. It may hold
# a password, so only its owner can read it.
config="$(render)"
umask 077
printf '%s\n' "$config" >"$out.tmp"
mv "$out.tmp" "$out"
if [ -z "$ALERT_WEBHOOK_URL" ] && [ -z "$ALERT_SMTP_TO" ]; then
    echo "$me: no ALERT_WEBHOOK_URL or ALERT_SMTP_TO: alerts are kept in Alertmanager but notify nobody" >&2
fi
