#!/bin/bash
# Builds an ahead-of-time cache (JDK 25+: JEP 483/514/515 — classes loaded and linked ahead, method profiles) for
# connect-proxy by one training run of a real sidecar. A sidecar started with -XX:AOTCache=FILE on the same JVM
# and jar is ready in about half the time (bench/JVM.md). The cache is tied to the exact jar and JVM build: the
# JVM ignores it, with a warning, after either changes, so rebuild it with them (the Dockerfile does, at build).
#
#   docker/aot-train.sh OUTPUT
#
# Environment: JAVA (default java; must be JDK 25+), CONNECT_PROXY_JAR (default /opt/connect-proxy/proxy-fat.jar,
# else target/proxy-fat.jar next to this script's checkout), JVM_FLAGS (the sidecar's flags; the entrypoint passes
# its own, the cache must be trained with the flags it is used with), AOT_TRAINING_CONF (default
# aot-training.json next to this script, else conf/aot-training.json of the checkout).
#
# The run: `dev -conf aot-training.json` (agent, echo app and echo's sidecar in one process), then a web sidecar
# with -XX:AOTCacheOutput=OUTPUT that proxies exchanges to echo over mTLS and answers its admin endpoints, then
# SIGTERM: the sidecar drains and exits, and the JVM writes the cache; OUTPUT.jar-stamp records the jar's size and
# modification time, which docker/entrypoint.sh checks before using the cache. Loopback only, on ports free when the
# run starts (the conf's ports are replaced, so two builds on one machine do not collide), and every wait is
# bounded. Exit 0 with OUTPUT written, else non-zero with the logs on stderr.
set -euo pipefail

if [ "$#" -ne 1 ] || [ -z "$1" ]; then
    echo "usage: aot-train.sh OUTPUT" >&2
    exit 2
fi
OUTPUT="$1"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
JAVA="${JAVA:-java}"
JAR="${CONNECT_PROXY_JAR:-}"
if [ -z "$JAR" ]; then
    if [ -f /opt/connect-proxy/proxy-fat.jar ]; then JAR=/opt/connect-proxy/proxy-fat.jar
    else JAR="$HERE/../target/proxy-fat.jar"; fi
fi
CONF="${AOT_TRAINING_CONF:-}"
if [ -z "$CONF" ]; then
    if [ -f "$HERE/aot-training.json" ]; then CONF="$HERE/aot-training.json"
    else CONF="$HERE/../conf/aot-training.json"; fi
fi
JVM_FLAGS="${JVM_FLAGS:-}"

for f in "$JAR" "$CONF"; do
    [ -f "$f" ] || { echo "aot-train.sh: $f not found" >&2; exit 2; }
done

# Every port of the conf is replaced by one nothing on this machine uses right now: two image or benchmark builds
# training at once must not take each other's ports. Bash cannot bind a socket to let the kernel choose, so a port
# is drawn at random below the kernel's ephemeral range (which outgoing connections use) and kept when no socket
# in /proc/net/tcp{,6}, in any state, has it as its local port. The await below still names a port taken between
# this check and the bind.
EPHEMERAL_LOW="$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)"
[ "${EPHEMERAL_LOW:-0}" -gt 12000 ] 2>/dev/null || EPHEMERAL_LOW=32768
USED=" "
for table in /proc/net/tcp /proc/net/tcp6; do
    [ -r "$table" ] || continue
    # "  0: 0100007F:4A38 00000000:0000 0A ...": the local port is the hex after the first colon of field 2
    while read -r _ local _; do
        case "$local" in *:*) USED="$USED$((16#${local##*:})) " ;; esac
    done < "$table"
done
# sets PORT (not echoed: a $(...) subshell would lose what USED remembers, and two picks could be the same)
free_port() {
    while :; do
        PORT=$(( 10000 + (RANDOM * 32768 + RANDOM) % (EPHEMERAL_LOW - 10000) ))
        case "$USED" in
            *" $PORT "*) ;;
            *) USED="$USED$PORT "; return ;;
        esac
    done
}
free_port; AGENT="127.0.0.1:$PORT"
free_port; UPSTREAM_PORT="$PORT"
free_port; ADMIN_PORT="$PORT"
if ! "$JAVA" -XX:+PrintFlagsFinal -version 2>/dev/null | grep -q ' AOTCacheOutput '; then
    echo "aot-train.sh: $JAVA has no -XX:AOTCacheOutput (needs JDK 25 or later): $("$JAVA" -version 2>&1 | head -1)" >&2
    exit 2
fi

# a write to a connection the peer reset must fail the one attempt (and be retried), not kill the script
trap '' PIPE
WORK="$(mktemp -d "${TMPDIR:-/tmp}/aot-train.XXXXXX")"
DEV_PID=""
SIDECAR_PID=""
TRAINED=0
# stop_pid PID SECONDS: TERM, then KILL after SECONDS; 30 s here: the sidecar drains, then the JVM writes the cache
# shellcheck source=stop-pid.sh
. "$HERE/stop-pid.sh"
cleanup() {
    set +e  # clean up everything, whatever fails on the way
    if [ "$TRAINED" = 0 ]; then
        # a sidecar stopped by TERM would still write a cache at exit, from a run that did not complete
        [ -z "$SIDECAR_PID" ] || kill -KILL "$SIDECAR_PID" 2>/dev/null
        rm -f "$OUTPUT" "$OUTPUT.jar-stamp"
    fi
    stop_pid "$SIDECAR_PID" 30
    stop_pid "$DEV_PID" 30
    rm -rf "$WORK"
}
trap cleanup EXIT
fail() {
    echo "aot-train.sh: $*" >&2
    for log in "$WORK"/*.log; do
        [ -f "$log" ] && { echo "--- $(basename "$log")" >&2; tail -25 "$log" >&2; }
    done
    exit 1
}
# one request, answer's status line and body on stdout (bash /dev/tcp: the runtime image has no curl)
http_get() {  # port path
    exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
    printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$2" >&3
    timeout 5 cat <&3 2>/dev/null || true  # EPIPE when the caller reads only the status line
    exec 3<&-
}
echo_through() {  # port: a 4 KiB message there and back
    local msg got
    msg="$(head -c 3072 /dev/urandom | base64 -w0 | head -c 4096)"
    exec 4<>"/dev/tcp/127.0.0.1/$1" || return 1
    printf '%s' "$msg" >&4
    IFS= read -r -t 5 -N 4096 got <&4 || { exec 4<&-; return 1; }
    exec 4<&-
    [ "$got" = "$msg" ]
}
await() {  # seconds, what, pid that must stay alive, command...
    local deadline=$(( SECONDS + $1 )) what="$2" pid="$3"
    shift 3
    until "$@" >/dev/null 2>&1; do
        kill -0 "$pid" 2>/dev/null || fail "exited while waiting for $what"
        [ "$SECONDS" -lt "$deadline" ] || fail "timed out waiting for $what"
        sleep 0.2
    done
    kill -0 "$pid" 2>/dev/null || fail "exited while waiting for $what (is another process on its ports?)"
}

# the conf with its ports replaced: the agent's, the upstream's (both known to this script) and every other port
# number in it (the apps' and the sidecars' public listeners, which only the agent and the sidecars need to know)
TRAINING_CONF="$WORK/aot-training.json"
sed -e "s/\"http_addr\": *\"[^\"]*\"/\"http_addr\": \"$AGENT\"/" \
    -e "s/\"local_bind_port\": *[0-9]*/\"local_bind_port\": $UPSTREAM_PORT/" "$CONF" > "$TRAINING_CONF.tmp"
# (the replacements are marked "port": -N first, so a port drawn never matches the pattern again)
while grep -q '"port": *[1-9][0-9]*' "$TRAINING_CONF.tmp"; do
    free_port
    sed -i -e "0,/\"port\": *[1-9][0-9]*/s//\"port\": -$PORT/" "$TRAINING_CONF.tmp"
done
sed -i -e 's/"port": -/"port": /' "$TRAINING_CONF.tmp"
mv "$TRAINING_CONF.tmp" "$TRAINING_CONF"

"$JAVA" -jar "$JAR" dev -conf "$TRAINING_CONF" > "$WORK/dev.log" 2>&1 &
DEV_PID=$!
await 60 "the dev agent at $AGENT" "$DEV_PID" http_get "${AGENT##*:}" /v1/agent/self

rm -f "$OUTPUT" "$OUTPUT.jar-stamp"
# shellcheck disable=SC2086 # JVM_FLAGS is a list of words
CONSUL_HTTP_ADDR="$AGENT" "$JAVA" $JVM_FLAGS -XX:AOTCacheOutput="$OUTPUT" -jar "$JAR" -sidecar-for web \
    -admin-bind "127.0.0.1:$ADMIN_PORT" > "$WORK/sidecar.log" 2>&1 &
SIDECAR_PID=$!
await 60 "the web sidecar to proxy to echo" "$SIDECAR_PID" echo_through "$UPSTREAM_PORT"
for _ in $(seq 1 50); do echo_through "$UPSTREAM_PORT" || fail "an exchange through the sidecar failed"; done
for path in /ready /health /metrics /config; do
    http_get "$ADMIN_PORT" "$path" | head -1 | grep -q ' 200 ' || fail "admin $path did not answer 200"
done
TRAINED=1
stop_pid "$SIDECAR_PID" 30
SIDECAR_PID=""
[ -s "$OUTPUT" ] || { TRAINED=0; fail "no cache was written to $OUTPUT"; }
# what the entrypoint compares before it uses the cache (the JVM itself does not reliably refuse a stale one)
stat -L -c '%s %Y' "$JAR" > "$OUTPUT.jar-stamp"
echo "aot-train.sh: wrote $OUTPUT ($(du -h "$OUTPUT" | cut -f1)) for $JAR with $("$JAVA" -version 2>&1 | head -1)"
