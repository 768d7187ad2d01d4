#!/usr/bin/env bash
# Half-close integrity through the one-command dev mesh (the fat jar's `dev` mode: embedded agent, echo app, the
# sidecars of echo and web), with an ordinary Debian client: for every size, REPEATS times, send SIZE random bytes
# into web's upstream listener with `nc -N` (netcat-openbsd: send, shutdown(SHUT_WR), read to EOF) or socat, and
# compare the SHA-256 of what came back with what was sent. The same through the echo app directly, as the control.
#
#   bench/halfclose.sh [--jar PATH] [--engine openssl|jdk] [--client nc|socat] [--repeats R] [--sizes "0 6 102400 ..."]
#
# Prints one line per size: bytes sent, bytes returned per repeat (proxied and direct), intact count. Exit 1 when
# any proxied answer was not intact. Needs java, nc (netcat-openbsd) or socat, sha256sum, python3 (free ports).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
JAR="$HERE/../target/proxy-fat.jar"
ENGINE=openssl
CLIENT=nc
REPEATS=3
SIZES="0 6 102400 5242880 52428800"
while [ $# -gt 0 ]; do
    case "$1" in
        --jar) JAR="$2"; shift ;;
        --engine) ENGINE="$2"; shift ;;
        --client) CLIENT="$2"; shift ;;
        --repeats) REPEATS="$2"; shift ;;
        --sizes) SIZES="$2"; shift ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done
command -v "$CLIENT" >/dev/null || { echo "$CLIENT not installed (apt-get install netcat-openbsd socat)" >&2; exit 2; }

WORK="$(mktemp -d)"
PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

read -r AGENT ECHO_APP ECHO_PUB WEB_PUB UPSTREAM < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(5)]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))')
cat > "$WORK/mesh.json" <<JSON
{"agent": {"http_addr": "127.0.0.1:$AGENT", "datacenter": "dc1"},
 "services": [
  {"name": "echo", "port": $ECHO_APP, "connect": {"sidecar_service": {"port": $ECHO_PUB,
     "proxy": {"config": {"bind_address": "127.0.0.1", "tls_engine": "$ENGINE"}}}}},
  {"name": "web", "port": 8080, "connect": {"sidecar_service": {"port": $WEB_PUB,
     "proxy": {"config": {"bind_address": "127.0.0.1"},
               "upstreams": [{"destination_name": "echo", "local_bind_port": $UPSTREAM}]}}}}],
 "echo_apps": ["echo"], "sidecars": ["echo", "web"]}
JSON
java -jar "$JAR" dev -conf "$WORK/mesh.json" > "$WORK/dev.log" 2>&1 &
PID=$!
for _ in $(seq 1 600); do
    grep -q "Local mesh is up" "$WORK/dev.log" && break
    kill -0 "$PID" 2>/dev/null || { cat "$WORK/dev.log" >&2; exit 1; }
    sleep 0.1
done
grep -q "Local mesh is up" "$WORK/dev.log" || { echo "dev mesh not up within 60 s" >&2; cat "$WORK/dev.log" >&2; exit 1; }

send() {  # port, file: prints the bytes returned and their sha256
    if [ "$CLIENT" = nc ]; then
        timeout 120 nc -N 127.0.0.1 "$1" < "$2" > "$WORK/out" 2>"$WORK/err" || true
    else
        timeout 120 socat -t 30 -T 60 - "TCP:127.0.0.1:$1" < "$2" > "$WORK/out" 2>"$WORK/err" || true
    fi
    echo "$(stat -c %s "$WORK/out") $(sha256sum < "$WORK/out" | cut -c1-64)"
}

echo "client $CLIENT, public listener tls_engine $ENGINE, jar $JAR, $REPEATS repeats"
printf '%-10s %-40s %-40s %s\n' size "returned through the mesh" "returned directly" intact
bad=0
for size in $SIZES; do
    head -c "$size" /dev/urandom > "$WORK/in"
    want="$(sha256sum < "$WORK/in" | cut -c1-64)"
    mesh="" direct="" ok=0
    for _ in $(seq 1 "$REPEATS"); do
        read -r n sha < <(send "$UPSTREAM" "$WORK/in")
        mesh="$mesh $n"
        if [ "$n" = "$size" ] && [ "$sha" = "$want" ]; then ok=$((ok + 1)); else bad=$((bad + 1)); fi
        read -r n sha < <(send "$ECHO_APP" "$WORK/in")
        direct="$direct $n"
    done
    printf '%-10s %-40s %-40s %s/%s\n' "$size" "$mesh" "$direct" "$ok" "$REPEATS"
done
[ "$bad" -eq 0 ]
