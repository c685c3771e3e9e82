#!/bin/sh
# How the service starts in its container (or under any other supervisor).
#   serve (the default): wait for the database (PAKN_WAIT_SECONDS, 60), bring its
#     schema up to date (machines starting together take turns on a lock: the later
#     ones find it done), then serve with PAKN_WORKERS processes (1) on PAKN_PORT;
#   health: succeed if the service here answers its health check (the image's
#     HEALTHCHECK; PostgreSQL unreachable is a failure);
#   anything else is a pakn command: migrate, invite --role admin, report ...
# Secrets may come from files: PAKN_<NAME>_FILE (bot/runtime/settings.py).
set -eu

PAKN=${PAKN_COMMAND:-pakn}

case "${1:-serve}" in
serve)
    [ $# -gt 0 ] && shift
    $PAKN migrate --wait "${PAKN_WAIT_SECONDS:-60}"
    exec $PAKN serve --workers "${PAKN_WORKERS:-1}" "$@"
    ;;
health)
    case "${PAKN_HOST:-0.0.0.0}" in
    0.0.0.0 | :: | "") host=127.0.0.1 ;;
    *:*) host="[${PAKN_HOST}]" ;;
    *) host=$PAKN_HOST ;;
    esac
    exec "${PAKN_PYTHON:-python3}" -c '
import sys, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1], timeout=4) as response:
        sys.exit(0 if response.status == 200 else 1)
except OSError as exc:
    print(f"unhealthy: {exc}", file=sys.stderr)
    sys.exit(1)
' "http://${host}:${PAKN_PORT:-8080}/healthz"
    ;;
*)
    exec $PAKN "$@"
    ;;
esac
