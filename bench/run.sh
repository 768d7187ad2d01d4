#!/usr/bin/env bash
# connect-proxy benchmark (issue 6): the dev agent, an echo app and two sidecars on loopback; every measurement is
# taken through the two sidecars (client -> web sidecar upstream listener -> mTLS -> echo sidecar -> echo app) and
# directly against the echo app in the same run, R times, and reported as medians. Appends the table to
# bench/RESULTS.md.
#
#   bench/run.sh [--quick] [--repeats R] [--jvm-flags "FLAGS"] [--direct-only] [--no-record] [--label TEXT]
#
# --quick        ~1 minute smoke run (1 repeat, short windows, no warm-up round)
# --java PATH    the java binary for the two sidecars (default: java on the PATH; env SIDECAR_JAVA)
# --aot          the sidecars as the Docker image runs them: JDK 25+ (--java, else one found under /usr/lib/jvm),
#                --sun-misc-unsafe-memory-access=allow and an AOT cache, target/proxy-sidecar.aot, trained by
#                docker/aot-train.sh when stale
# --no-warmup    skip the unrecorded warm-up round of the proxied path that precedes repeat 1
# --repeats R    repeats of every measurement (default 3)
# --jvm-flags    JVM flags for the two sidecars instead of the shipped conf/jvm.options (the sidecars are started by
#                bin/connect-proxy, the launcher users run, either way)
# --direct-only  skip the sidecars (checks the load generator itself)
# --no-record    print the table but do not append it to bench/RESULTS.md
# --label TEXT   a note printed with the table (e.g. what is being compared)
# --only LIST    comma-separated subset of tput1,tput8,rr64,rr4k,conn,conns1000,burst ("none": start-up and idle RSS
#                only); burst is not in the default set: it needs freshly started sidecars (see bench/burst.sh)
# --burst N      the cold burst: N connections within --burst-seconds (default 1) through web's upstream listener
#                right after the sidecars are serving, probes during it; the run FAILS (exit 1) when one was lost or
#                a probe took over 1 s. Implies --only burst unless --only is given.
# --profile      record JFR (settings=profile) in both sidecars; prints their hottest methods at the end
# --hold S       start everything, print the ports and pids, keep it up for S seconds (manual experiments), exit
# --wait-quiet S wait up to S seconds for the 1-minute load average to drop below 1 (shared machines)
# Environment: PROXY_JAR (the sidecars' jar instead of target/proxy-fat.jar), READY_REGEX (the sidecar's readiness log line, default below), SIDECAR_ARGS (extra proxy flags),
# SIDECAR_TUNING (extra keys for both sidecars' proxy config maps, e.g. '"max_handshakes_in_flight": 0').
set -euo pipefail

ORIG_CMD="bench/run.sh$(printf ' %q' "$@")"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
cd "$ROOT"  # relative paths in --jvm-flags (a CDS archive) are relative to the checkout
JAR="${PROXY_JAR:-$ROOT/target/proxy-fat.jar}"  # PROXY_JAR: another build (e.g. main's) for a before/after
READY_REGEX="${READY_REGEX:-ready: }"
SIDECAR_ARGS="${SIDECAR_ARGS:-}"
SIDECAR_TUNING="${SIDECAR_TUNING:-}"
BURST=0
BURST_SECONDS=1
ONLY_SET=0

QUICK=0
REPEATS=3
JVM_FLAGS_OVERRIDE=""
JVM_FLAGS_SET=0
DIRECT_ONLY=0
RECORD=1
LABEL=""
WAIT_QUIET=0
ONLY="tput1,tput8,rr64,rr4k,conn,conns1000"
PROFILE=0
HOLD=0
WARMUP=1
AOT=0
SIDECAR_JAVA="${SIDECAR_JAVA:-}"
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) QUICK=1; REPEATS=1; WARMUP=0 ;;
        --no-warmup) WARMUP=0 ;;
        --repeats) REPEATS="$2"; shift ;;
        --jvm-flags) JVM_FLAGS_OVERRIDE="$2"; JVM_FLAGS_SET=1; shift ;;
        --direct-only) DIRECT_ONLY=1 ;;
        --no-record) RECORD=0 ;;
        --label) LABEL="$2"; shift ;;
        --wait-quiet) WAIT_QUIET="$2"; shift ;;
        --only) ONLY="$2"; ONLY_SET=1; shift ;;
        --profile) PROFILE=1 ;;
        --hold) HOLD="$2"; shift ;;
        --java) SIDECAR_JAVA="$2"; shift ;;
        --aot) AOT=1 ;;
        --burst) BURST="$2"; shift ;;
        --burst-seconds) BURST_SECONDS="$2"; shift ;;
        -h|--help) sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done

if [ "$BURST" -gt 0 ] && [ "$ONLY_SET" = 0 ]; then ONLY=burst; fi

if [ "$JVM_FLAGS_SET" = 1 ]; then
    JVM_FLAGS="$JVM_FLAGS_OVERRIDE"
else
    # what bin/connect-proxy starts the JVM with, spelled out for the record and for the AOT training
    JVM_FLAGS="$(sed -e 's/#.*//' "$ROOT/conf/jvm.options" | tr '\n' ' ' | tr -s ' ' | sed 's/^ //; s/ $//')"
fi
if [ "$AOT" = 1 ]; then
    if [ -z "$SIDECAR_JAVA" ]; then
        best=0
        for release in /usr/lib/jvm/*/release; do
            [ -f "$release" ] || continue
            v="$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release")"
            if [ -n "$v" ] && [ "$v" -ge 25 ] && [ "$v" -gt "$best" ]; then
                best="$v"; SIDECAR_JAVA="$(dirname "$release")/bin/java"
            fi
        done
        [ -n "$SIDECAR_JAVA" ] || { echo "--aot needs a JDK 25+ (--java PATH)" >&2; exit 2; }
    fi
    # as docker/entrypoint.sh runs the image's JDK 25 (why: bench/JVM.md)
    JVM_FLAGS="$JVM_FLAGS --sun-misc-unsafe-memory-access=allow -Xlog:aot*=error -XX:AOTCache=$ROOT/target/proxy-sidecar.aot"
fi
SIDECAR_JAVA="${SIDECAR_JAVA:-java}"

if [ "$QUICK" = 1 ]; then
    TPUT_S=2; CONN_S=2; RR_N=5000; WARM_S=0.5; START_REPEATS=1
else
    TPUT_S=5; CONN_S=5; RR_N=20000; WARM_S=1; START_REPEATS="$REPEATS"
fi

load1() { cut -d' ' -f1 /proc/loadavg; }
if [ "$WAIT_QUIET" -gt 0 ]; then
    end=$(( SECONDS + WAIT_QUIET ))
    while [ $SECONDS -lt $end ] && awk "BEGIN{exit !($(load1) >= 1.0)}"; do sleep 5; done
fi
LOADAVG="$(cut -d' ' -f1-3 /proc/loadavg)"
[ "$HOLD" -gt 0 ] && START_REPEATS=1
WORK="$(mktemp -d /tmp/connect-proxy-bench.XXXXXX)"
RAW="$WORK/raw.tsv"
: > "$RAW"
PIDS=()
WEB_PID=""
ECHO_SC_PID=""

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
now_us() { echo "${EPOCHREALTIME/./}"; }

# stop_pid PID: TERM, up to 10 s to drain, then KILL (only processes this script started)
# shellcheck source=../docker/stop-pid.sh
. "$ROOT/docker/stop-pid.sh"

cleanup() {
    local pid
    for pid in $WEB_PID $ECHO_SC_PID; do stop_pid "$pid"; done
    for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- build only what is missing or stale
if [ "$DIRECT_ONLY" = 0 ]; then
    if [ -z "${PROXY_JAR:-}" ] && { [ ! -f "$JAR" ] \
        || [ -n "$(find "$ROOT/src/main" "$ROOT/pom.xml" -newer "$JAR" -print -quit)" ]; }; then
        log "building $JAR (missing or older than the sources)"
        (cd "$ROOT" && mvn -B -q package -DskipTests)
    fi
fi
mkdir -p "$WORK/lg"
javac -nowarn -d "$WORK/lg" "$HERE/LoadGen.java"
LG=(java -XX:+UseSerialGC -Xms64m -cp "$WORK/lg" LoadGen)

result() {  # key, then a RESULT line on stdin: prints the value
    sed -n "s/^RESULT.* $1=\([^ ]*\).*/\1/p" | head -1
}
record() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$RAW"; }

probe_echo() {  # port: one connection, 4-byte echo, close
    ( exec 3<>"/dev/tcp/127.0.0.1/$1" && printf ping >&3 && IFS= read -r -t 2 -N 4 r <&3 && [ "$r" = ping ] ) \
        2>/dev/null
}
probe_connect() { ( exec 3<>"/dev/tcp/127.0.0.1/$1" ) 2>/dev/null; }

# ---------------------------------------------------------------- ports, echo app, dev agent
read -r AGENT_PORT WEB_PORT WEB_SC_PORT ECHO_SC_PORT UPSTREAM_PORT WEB_ADMIN_PORT ECHO_ADMIN_PORT \
    < <("${LG[@]}" free-ports --count 7)

"${LG[@]}" echo-server --port 0 --seconds 3600 > "$WORK/echo.log" 2>&1 &
PIDS+=($!)
ECHO_APP_PID=$!
for _ in $(seq 1 100); do grep -q LISTENING "$WORK/echo.log" && break; sleep 0.1; done
ECHO_PORT="$(awk '/LISTENING/{print $2}' "$WORK/echo.log")"
[ -n "$ECHO_PORT" ] || { log "echo app did not start"; cat "$WORK/echo.log" >&2; exit 1; }
log "echo app on 127.0.0.1:$ECHO_PORT (pid $ECHO_APP_PID); work dir $WORK"

start_agent() {
    sed -e "s/\"@ECHO_PORT@\"/$ECHO_PORT/" -e "s/\"@ECHO_SIDECAR_PORT@\"/$ECHO_SC_PORT/" \
        -e "s/\"@WEB_PORT@\"/$WEB_PORT/" -e "s/\"@WEB_SIDECAR_PORT@\"/$WEB_SC_PORT/" \
        -e "s/\"@UPSTREAM_PORT@\"/$UPSTREAM_PORT/" "$HERE/services.json" > "$WORK/services.json"
    if [ -n "$SIDECAR_TUNING" ]; then  # both sidecars' proxy config maps
        sed -i "s/\"bind_address\": \"127.0.0.1\"/\"bind_address\": \"127.0.0.1\", $SIDECAR_TUNING/" "$WORK/services.json"
    fi
    java -jar "$JAR" dev -http-addr "127.0.0.1:$AGENT_PORT" -services "$WORK/services.json" \
        > "$WORK/agent.log" 2>&1 &
    PIDS+=($!)
    local i
    for i in $(seq 1 300); do
        curl -sf "http://127.0.0.1:$AGENT_PORT/v1/agent/service/web-sidecar-proxy" > /dev/null && return 0
        sleep 0.1
    done
    log "dev agent did not answer"; tail -20 "$WORK/agent.log" >&2; exit 1
}

# Starts one sidecar; sets STARTED_PID and STARTED_US (process start, µs since the epoch).
start_sidecar() {  # service, log file, admin port
    local jfr=""
    if [ "$PROFILE" = 1 ]; then
        jfr="-XX:StartFlightRecording=dumponexit=true,settings=profile,filename=$WORK/sidecar-$1.jfr"
    fi
    # emptied here, not only by the child's redirection: await_ready may grep the file before the child has
    # truncated it and would read the previous start's readiness line (seen as a 4 ms "start to ready")
    : > "$2"
    STARTED_US="$(now_us)"
    # shellcheck disable=SC2086 # JVM_FLAGS and SIDECAR_ARGS are word lists
    # through the launcher users run (bin/connect-proxy), with exactly JVM_FLAGS as its flags file
    printf '%s\n' "$JVM_FLAGS $jfr" > "$WORK/jvm.options"
    CONSUL_HTTP_ADDR="127.0.0.1:$AGENT_PORT" JAVA="$SIDECAR_JAVA" CONNECT_PROXY_JAR="$JAR" \
        CONNECT_PROXY_JVM_OPTIONS="$WORK/jvm.options" JAVA_OPTS="" CONNECT_PROXY_OPTS="" \
        "$ROOT/bin/connect-proxy" -sidecar-for "$1" -admin-bind "127.0.0.1:$3" $SIDECAR_ARGS \
        > "$2" 2>&1 &
    STARTED_PID=$!
}

# Polls (10 ms) until the readiness log line and, when a port is given, a proxied echo; records both times.
await_ready() {  # name, pid, log, start_us, echo-port-or-empty, connect-port-or-empty
    local name="$1" pid="$2" logf="$3" t0="$4" eport="$5" cport="$6"
    local ready_ms="" first_ms="" deadline=$(( $(now_us) + 30000000 ))
    while [ "$(now_us)" -lt "$deadline" ]; do
        kill -0 "$pid" 2>/dev/null || { log "$name sidecar exited"; tail -30 "$logf" >&2; exit 1; }
        if [ -z "$ready_ms" ] && grep -Eq "$READY_REGEX" "$logf"; then
            ready_ms=$(( ($(now_us) - t0) / 1000 ))
        fi
        if [ -z "$first_ms" ] && [ -n "$eport" ] && probe_echo "$eport"; then
            first_ms=$(( ($(now_us) - t0) / 1000 ))
        fi
        if [ -z "$first_ms" ] && [ -n "$cport" ] && probe_connect "$cport"; then
            first_ms=$(( ($(now_us) - t0) / 1000 ))
        fi
        if [ -n "$first_ms" ] && [ -n "$ready_ms" ]; then break; fi
        sleep 0.01
    done
    if [ -z "$first_ms" ]; then log "$name sidecar not serving after 30 s"; tail -30 "$logf" >&2; exit 1; fi
    [ -n "$ready_ms" ] && record ready_ms "$name" "$ready_ms"
    timeline "$logf" "$t0" > "$WORK/timeline-$name.txt"
    [ -n "$eport" ] && record first_ms "$name" "$first_ms"
    log "$name sidecar: readiness log line after ${ready_ms:-?} ms, serving after $first_ms ms"
}

# Each log line before readiness as ms after the process was started: where start-up time goes.
timeline() {  # log file, start µs
    local ts rest ms
    while IFS= read -r line; do
        ts="${line%%Z *}"
        [[ "$ts" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T ]] || continue
        ms=$(( $(date -u -d "${ts/T/ } UTC" +%s%3N) - $2 / 1000 ))
        rest="${line#*Z }"
        printf '%6d ms  %s\n' "$ms" "${rest:0:110}"
        [[ "$line" =~ $READY_REGEX ]] && break
    done < "$1"
}

rss_of() { "${LG[@]}" rss --pid "$1" | result rss_mb; }

start_sidecars() {
    start_sidecar echo "$WORK/sidecar-echo.log" "$ECHO_ADMIN_PORT"
    ECHO_SC_PID=$STARTED_PID
    # The echo sidecar's public port only speaks mTLS: a TCP accept is its serving signal.
    await_ready echo "$ECHO_SC_PID" "$WORK/sidecar-echo.log" "$STARTED_US" "" "$ECHO_SC_PORT"
    start_sidecar web "$WORK/sidecar-web.log" "$WEB_ADMIN_PORT"
    WEB_PID=$STARTED_PID
    await_ready web "$WEB_PID" "$WORK/sidecar-web.log" "$STARTED_US" "$UPSTREAM_PORT" ""
}

# A class-data sharing archive (-XX:SharedArchiveFile=F, JDK 17+) or an AOT cache (-XX:AOTCache=F, JDK 25+) named
# in the JVM flags is built when it is missing or older than the jar (the JVM does not reliably refuse one made
# from another jar). The AOT cache is trained as the Docker image trains its own, by docker/aot-train.sh (its own
# dev agent on fixed loopback ports); the CDS archive by one run of these sidecars carrying a proxied exchange.
ensure_cds() {
    local archive
    archive="$(echo " $JVM_FLAGS " | sed -n 's/.* -XX:AOTCache=\([^ ]*\) .*/\1/p')"
    if [ -n "$archive" ]; then
        # trained for this jar (the stamp, as the entrypoint checks it), this java and these flags
        local key="$SIDECAR_JAVA | $JVM_FLAGS"
        if [ -f "$archive" ] && [ "$archive" -nt "$JAR" ] \
            && [ "$(cat "$archive.jar-stamp" 2>/dev/null)" = "$(stat -L -c '%s %Y' "$JAR")" ] \
            && [ "$(cat "$archive.bench-key" 2>/dev/null)" = "$key" ]; then
            return 0
        fi
        log "training the AOT cache $archive (docker/aot-train.sh)"
        rm -f "$archive.bench-key"
        JAVA="$SIDECAR_JAVA" CONNECT_PROXY_JAR="$JAR" JVM_FLAGS="${JVM_FLAGS/-XX:AOTCache=$archive/}" \
            bash "$ROOT/docker/aot-train.sh" "$archive" >&2
        printf '%s\n' "$key" > "$archive.bench-key"
        return 0
    fi
    archive="$(echo " $JVM_FLAGS " | sed -n 's/.* -XX:SharedArchiveFile=\([^ ]*\) .*/\1/p')"
    [ -n "$archive" ] || return 0
    if [ -f "$archive" ] && [ "$archive" -nt "$JAR" ]; then return 0; fi
    log "training run for the class-data sharing archive $archive"
    rm -f "$archive"
    local saved="$JVM_FLAGS"
    JVM_FLAGS="${JVM_FLAGS/-XX:SharedArchiveFile=$archive/-XX:ArchiveClassesAtExit=$archive}"
    start_sidecars
    probe_echo "$UPSTREAM_PORT" || true
    stop_pid "$WEB_PID"; WEB_PID=""
    stop_pid "$ECHO_SC_PID"; ECHO_SC_PID=""
    JVM_FLAGS="$saved"
    : > "$RAW"
    [ -f "$archive" ] || { log "no archive was written; see $WORK/sidecar-web.log"; exit 1; }
}

# The cold burst (issue 11) through web's upstream listener on sidecars that have served one connection each.
BURST_LINE=""
BURST_VERDICT=PASS
cold_burst() {
    local out
    log "cold burst: $BURST connections within $BURST_SECONDS s through 127.0.0.1:$UPSTREAM_PORT"
    out="$("${LG[@]}" burst --target "127.0.0.1:$UPSTREAM_PORT" --count "$BURST" --seconds "$BURST_SECONDS" \
        --probes 5 --timeout 30 --max-probe-ms 1000 2>>"$WORK/loadgen.err" | grep '^RESULT' || true)"
    BURST_LINE="${out#RESULT }"
    echo "  burst: ${BURST_LINE:-no result, see $WORK/loadgen.err}" >&2
    tail -3 "$WORK/loadgen.err" >&2 || true
    case "$BURST_LINE" in *verdict=PASS*) ;; *) BURST_VERDICT=FAIL ;; esac
    local m
    for m in web:$WEB_ADMIN_PORT echo:$ECHO_ADMIN_PORT; do
        curl -sf "http://127.0.0.1:${m#*:}/metrics" 2>/dev/null \
            | grep -E '^connect_proxy_(upstream_dial_failures_total|tls_handshake_failures_total|rejections_total)' \
            | sed "s/^/    ${m%%:*} sidecar: /" >> "$WORK/burst-metrics.txt" || true
    done
}

if [ "$DIRECT_ONLY" = 0 ]; then
    start_agent
    ensure_cds
    log "dev agent on 127.0.0.1:$AGENT_PORT; sidecar JVM flags: ${JVM_FLAGS:-(none)}"
    for rep in $(seq 1 "$START_REPEATS"); do
        start_sidecars
        if [ "$rep" = "$START_REPEATS" ] && [ "$BURST" -gt 0 ] && [[ ",$ONLY," == *",burst,"* ]]; then
            cold_burst
        fi
        sleep 1
        record rss_idle web "$(rss_of "$WEB_PID")"
        record rss_idle echo "$(rss_of "$ECHO_SC_PID")"
        if [ "$rep" -lt "$START_REPEATS" ]; then
            stop_pid "$WEB_PID"; WEB_PID=""
            stop_pid "$ECHO_SC_PID"; ECHO_SC_PID=""
        fi
    done
fi

if [ "$HOLD" -gt 0 ]; then
    echo "direct 127.0.0.1:$ECHO_PORT (pid $ECHO_APP_PID); through the sidecars 127.0.0.1:$UPSTREAM_PORT;" \
        "web sidecar pid ${WEB_PID:-none}, echo sidecar pid ${ECHO_SC_PID:-none} (public 127.0.0.1:$ECHO_SC_PORT);" \
        "agent 127.0.0.1:$AGENT_PORT; logs in $WORK; holding $HOLD s"
    sleep "$HOLD" &
    wait $!
    exit 0
fi

# ---------------------------------------------------------------- load
DIRECT="127.0.0.1:$ECHO_PORT"
PROXIED="127.0.0.1:$UPSTREAM_PORT"

wanted() { case ",$ONLY," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }

measure() {  # key-prefix, where, target, then the LoadGen arguments; records every RESULT field named in KEYS
    local prefix="$1" where="$2" target="$3"; shift 3
    local out k
    wanted "$prefix" || return 0
    out="$("${LG[@]}" "$@" --target "$target" 2>>"$WORK/loadgen.err" | grep '^RESULT' || true)"
    echo "  $prefix $where: ${out#RESULT }" >&2
    [ "$rep" = 0 ] && return 0
    for k in $KEYS; do record "$prefix.$k" "$where" "$(echo "$out" | result "$k")"; done
}

paths() {  # alternate which path goes first so neither always runs on a warmer machine
    if [ "$DIRECT_ONLY" = 1 ]; then echo direct
    elif [ "$1" = 0 ]; then echo proxied
    elif [ $(( $1 % 2 )) = 1 ]; then echo direct proxied
    else echo proxied direct
    fi
}

# Repeat 0 is a warm-up of the proxied path (C2 compiles the data path during the first tens of seconds):
# printed, never recorded, so the medians compare warm sidecars with the direct path.
FIRST_REP=1
[ "$WARMUP" = 1 ] && [ "$DIRECT_ONLY" = 0 ] && FIRST_REP=0
for rep in $(seq "$FIRST_REP" "$REPEATS"); do
    if [ "$rep" = 0 ]; then log "warm-up round (not recorded)"; else log "repeat $rep of $REPEATS"; fi
    for where in $(paths "$rep"); do
        if [ "$where" = direct ]; then t="$DIRECT"; else t="$PROXIED"; fi
        KEYS="gbps delivered_pct"
        measure tput1 "$where" "$t" throughput --streams 1 --seconds "$TPUT_S" --warmup "$WARM_S"
        measure tput8 "$where" "$t" throughput --streams 8 --seconds "$TPUT_S" --warmup "$WARM_S"
        KEYS="p50_us p99_us p999_us"
        measure rr64 "$where" "$t" rr --size 64 --count "$RR_N" --warmup 2000
        measure rr4k "$where" "$t" rr --size 4096 --count "$RR_N" --warmup 2000
        KEYS="cps p50_ms p99_ms"
        # the connection path reaches the most code (handshakes, dials, closes): C2 is still compiling it for ~30 s
        # of connection load, so the warm-up round gives it four windows
        cs="$CONN_S"; [ "$rep" = 0 ] && cs=$(( CONN_S * 4 ))
        measure conn "$where" "$t" connrate --clients 4 --seconds "$cs" --warmup "$WARM_S"
    done
done

if [ "$DIRECT_ONLY" = 0 ]; then
    sleep 2
    record rss_after web "$(rss_of "$WEB_PID")"
    record rss_after echo "$(rss_of "$ECHO_SC_PID")"
    if wanted conns1000; then
    out="$("${LG[@]}" idle-conns --target "$PROXIED" --count 1000 --settle 2 \
        --rss-pids "$WEB_PID,$ECHO_SC_PID" | grep '^RESULT')"
    echo "  idle-conns: ${out#RESULT }" >&2
    record rss_1000 web "$(echo "$out" | result "rss_mb_$WEB_PID")"
    record rss_1000 echo "$(echo "$out" | result "rss_mb_$ECHO_SC_PID")"
    fi
fi

# ---------------------------------------------------------------- report
COMMIT="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
DIRTY="$(git -C "$ROOT" status --porcelain -- src pom.xml 2>/dev/null | head -1)"
[ -n "$DIRTY" ] && COMMIT="$COMMIT+uncommitted"
TABLE="$("${LG[@]}" report --raw "$RAW")"
{
    echo
    echo "## $(date -u '+%Y-%m-%d %H:%M UTC') · commit $COMMIT${LABEL:+ · $LABEL}"
    echo
    echo "\`$ORIG_CMD\` — repeats $REPEATS, sidecar JVM flags \`${JVM_FLAGS:-none}\`, $(nproc) cores," \
        "load average before/after: $LOADAVG / $(cut -d' ' -f1-3 /proc/loadavg), sidecars on $("$SIDECAR_JAVA" -version 2>&1 | head -1)"
    echo
    echo "$TABLE"
    if [ -n "$BURST_LINE" ] || [ "$BURST" -gt 0 ]; then
        echo
        echo "Cold burst (sidecar tuning: ${SIDECAR_TUNING:-defaults}): \`${BURST_LINE:-no result}\` → **$BURST_VERDICT**"
        if [ -s "$WORK/burst-metrics.txt" ]; then
            echo
            cat "$WORK/burst-metrics.txt"
        fi
    fi
    if [ -f "$WORK/timeline-web.txt" ]; then
        echo
        echo "Start-up of the last web sidecar (ms after the process was started):"
        echo
        sed 's/^/    /' "$WORK/timeline-web.txt"
    fi
} > "$WORK/report.md"
cat "$WORK/report.md"
if [ "$PROFILE" = 1 ]; then
    stop_pid "$WEB_PID"; WEB_PID=""
    stop_pid "$ECHO_SC_PID"; ECHO_SC_PID=""
    for name in web echo; do
        [ -f "$WORK/sidecar-$name.jfr" ] || continue
        echo; echo "### JFR of the $name sidecar ($WORK/sidecar-$name.jfr)"
        "${LG[@]}" jfr-top --file "$WORK/sidecar-$name.jfr" --top 25 | sed 's/^/    /'
    done
fi
if [ "$RECORD" = 1 ]; then
    cat "$WORK/report.md" >> "$HERE/RESULTS.md"
    log "appended to bench/RESULTS.md (raw samples and logs in $WORK)"
fi
[ "$BURST_VERDICT" = PASS ] || { log "cold burst FAILED: $BURST_LINE"; exit 1; }
