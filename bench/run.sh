#!/usr/bin/env bash
# connect-proxy benchmark (issues 6 and 15): the dev agent, an echo app and two sidecars on loopback; every
# measurement is taken through the two sidecars (client -> web sidecar upstream listener -> mTLS -> echo sidecar ->
# echo app) and directly against the echo app in the same run, R times, and reported as medians with issue 15's
# targets. Appends the table to bench/RESULTS.md.
#
#   bench/run.sh [--quick] [--repeats R] [--jvm-flags "FLAGS"] [--direct-only] [--no-record] [--label TEXT]
#
# Rows (--only names): tput1, tput8 (LoadGen streams into the app's sink), iperf1, iperf8 (Debian's iperf3 -t 4,
# 1 stream and -P 8, JSON; the iperf3 server is its own service with its own sidecar, reached through web's second
# upstream listener), rr64, rr4k (request/response), conn (new connections/s, 4 clients, warm sidecars),
# conns1000 (RSS with 1,000 open connections), conncold (fresh sidecars restarted, new connections/s for the first
# 10 s after both are ready, against the steady direct rate), floor (the same clients through stand-ins for the
# sidecars: pairs of HAProxy relays, plain TCP and mTLS with the dev agent's leaf certificates, with and without TLS
# resumption, the cold burst through the mTLS pairs, an idle JVM's RSS and the stack's: bench/StackFloor.java), burst (last: fresh sidecars, a 3,000-connection cold burst with probes, then RSS each second for 60 s after
# its connections closed, reported against the idle RSS before it). Default: all of them; ~6 minutes on 2 cores.
# Rows whose tool (iperf3, haproxy, jq) is missing are skipped with a message. bench/services.json gives each sidecar
# the "Connect Sidecar Listening" TCP check every 1 s instead of Consul's default 10 s, so that a restarted sidecar is
# routable as soon as it listens and no row measures the agent's check interval.
#
# --quick        ~1.5-minute smoke run (1 repeat, short windows, no warm-up round, 1,000-connection burst, 10 s of RSS
#                after it)
# --java PATH    the java binary for the two sidecars (default: java on the PATH; env SIDECAR_JAVA)
# --aot          the sidecars as the Docker image runs them: JDK 25+ (--java, else one found under /usr/lib/jvm),
#                --sun-misc-unsafe-memory-access=allow and an AOT cache, target/proxy-sidecar.aot, trained by
#                docker/aot-train.sh when stale; the start-to-ready target (the image's JDK) is judged only then
# --no-warmup    skip the unrecorded warm-up round of the proxied path that precedes repeat 1
# --repeats R    repeats of every measurement (default 3; conncold, floor and burst run once per run)
# --jvm-flags    JVM flags for the two sidecars instead of the shipped conf/jvm.options (the sidecars are started by
#                bin/connect-proxy, the launcher users run, either way)
# --direct-only  skip the sidecars (checks the load generator itself)
# --no-record    print the table but do not append it to bench/RESULTS.md
# --label TEXT   a note printed with the table (e.g. what is being compared)
# --only LIST    comma-separated subset of tput1,tput8,iperf1,iperf8,rr64,rr4k,conn,conns1000,conncold,floor,burst
#                ("none": start-up and idle RSS only)
# --floor        the floor rows only (with --only: added to its list)
# --burst N      the cold burst's size (default 3,000 within --burst-seconds, default 1) through web's upstream
#                listener on freshly started sidecars, probes during it; the run FAILS (exit 1) when a connection
#                was lost or a probe took over 1 s. Implies --only burst unless --only is given.
# --after-burst S  seconds of RSS sampling after the burst's connections closed (default 60; 0: none)
# --profile      record JFR (settings=profile) in both sidecars; prints their hottest methods at the end
# --hold S       start everything, print the ports and pids, keep it up for S seconds (manual experiments), exit
# --wait-quiet S wait up to S seconds for the 1-minute load average to drop below 1 (shared machines)
# Environment: PROXY_JAR (the sidecars' jar instead of target/proxy-fat.jar), READY_REGEX (the sidecar's readiness
# log line, default below), SIDECAR_ARGS (extra proxy flags), SIDECAR_TUNING (extra keys for the sidecars' proxy
# config maps, e.g. '"max_handshakes_in_flight": 0').
# Tools: curl and a JDK 17+ always; iperf3 (iperf rows), haproxy (floor relays), jq (iperf rows, mTLS floor).
set -euo pipefail

ORIG_CMD="bench/run.sh"
[ $# -eq 0 ] || ORIG_CMD="$ORIG_CMD$(printf ' %q' "$@")"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
cd "$ROOT"  # relative paths in --jvm-flags (a CDS archive) are relative to the checkout
JAR="${PROXY_JAR:-$ROOT/target/proxy-fat.jar}"  # PROXY_JAR: another build (e.g. main's) for a before/after
READY_REGEX="${READY_REGEX:-ready: }"
SIDECAR_ARGS="${SIDECAR_ARGS:-}"
SIDECAR_TUNING="${SIDECAR_TUNING:-}"
BURST=3000
BURST_SET=0
BURST_SECONDS=1
AFTER_BURST_S=60
AFTER_BURST_SET=0
ONLY_SET=0
FLOOR_ONLY=0
RUN_START=$SECONDS

QUICK=0
REPEATS=3
JVM_FLAGS_OVERRIDE=""
JVM_FLAGS_SET=0
DIRECT_ONLY=0
RECORD=1
LABEL=""
WAIT_QUIET=0
ONLY="tput1,tput8,iperf1,iperf8,rr64,rr4k,conn,conns1000,conncold,floor,burst"
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
        --burst) BURST="$2"; BURST_SET=1; shift ;;
        --burst-seconds) BURST_SECONDS="$2"; shift ;;
        --after-burst) AFTER_BURST_S="$2"; AFTER_BURST_SET=1; shift ;;
        --floor) FLOOR_ONLY=1 ;;
        -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done

if [ "$BURST_SET" = 1 ] && [ "$ONLY_SET" = 0 ]; then ONLY=burst; fi
if [ "$FLOOR_ONLY" = 1 ]; then
    if [ "$ONLY_SET" = 1 ] || [ "$BURST_SET" = 1 ]; then ONLY="$ONLY,floor"; else ONLY=floor; fi
fi
if [ "$QUICK" = 1 ]; then
    [ "$BURST_SET" = 1 ] || BURST=1000
    [ "$AFTER_BURST_SET" = 1 ] || AFTER_BURST_S=10
fi
wanted() { case ",$ONLY," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }

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
    TPUT_S=2; CONN_S=2; RR_N=5000; WARM_S=0.5; START_REPEATS=1; IPERF_S=2; COLD_S=10; FLOOR_S=2
else
    TPUT_S=5; CONN_S=5; RR_N=20000; WARM_S=1; START_REPEATS="$REPEATS"; IPERF_S=4; COLD_S=10
    FLOOR_S=3  # once per run, shorter windows than the rows they are compared with, to stay under 30 s
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
IPERF_SC_PID=""
FLOOR_CERTS=""
FLOOR_BACKEND=""  # the port relay B dials (default: the echo app; the iperf3 server for the iperf floor)
FLOOR_PIDS=()
LOADED=0  # 1 once the sidecars carried load: the cold rows (conncold, burst) then restart them first

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
now_us() { echo "${EPOCHREALTIME/./}"; }

# stop_pid PID: TERM, up to 10 s to drain, then KILL (only processes this script started)
# shellcheck source=../docker/stop-pid.sh
. "$ROOT/docker/stop-pid.sh"

cleanup() {
    local pid
    for pid in $WEB_PID $ECHO_SC_PID $IPERF_SC_PID; do stop_pid "$pid"; done
    for pid in "${PIDS[@]}" "${FLOOR_PIDS[@]}"; do stop_pid "$pid"; done
    # private keys of the mTLS floor: never left behind
    if [ -n "$FLOOR_CERTS" ]; then rm -rf "$FLOOR_CERTS"; fi
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
    IPERF_PORT IPERF_SC_PORT IPERF_UPSTREAM_PORT IPERF_ADMIN_PORT FLOOR_A FLOOR_B FLOOR_STATS \
    < <("${LG[@]}" free-ports --count 14)

# Which optional rows can run here: each needs a Debian tool this script does not install.
IPERF=0
if wanted iperf1 || wanted iperf8; then
    if [ "$DIRECT_ONLY" = 1 ]; then :
    elif ! command -v iperf3 > /dev/null; then log "skipping the iperf3 rows: iperf3 is not installed (apt-get install -y iperf3)"
    elif ! command -v jq > /dev/null; then log "skipping the iperf3 rows: jq (to read iperf3 -J) is not installed (apt-get install -y jq)"
    else IPERF=1
    fi
fi

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
        -e "s/\"@UPSTREAM_PORT@\"/$UPSTREAM_PORT/" -e "s/\"@IPERF_PORT@\"/$IPERF_PORT/" \
        -e "s/\"@IPERF_SIDECAR_PORT@\"/$IPERF_SC_PORT/" -e "s/\"@IPERF_UPSTREAM_PORT@\"/$IPERF_UPSTREAM_PORT/" \
        -e "s/@ECHO_SIDECAR_PORT@/$ECHO_SC_PORT/" -e "s/@IPERF_SIDECAR_PORT@/$IPERF_SC_PORT/" \
        -e "s/@WEB_SIDECAR_PORT@/$WEB_SC_PORT/" "$HERE/services.json" > "$WORK/services.json"
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

# VmRSS in MB, read directly (sampled every second after the burst: a JVM per sample would disturb what it measures)
rss_of() { awk '/^VmRSS:/ { printf "%.1f\n", $2 / 1024 }' "/proc/$1/status"; }

start_sidecars() {
    start_sidecar echo "$WORK/sidecar-echo.log" "$ECHO_ADMIN_PORT"
    ECHO_SC_PID=$STARTED_PID
    # The echo sidecar's public port only speaks mTLS: a TCP accept is its serving signal.
    await_ready echo "$ECHO_SC_PID" "$WORK/sidecar-echo.log" "$STARTED_US" "" "$ECHO_SC_PORT"
    start_sidecar web "$WORK/sidecar-web.log" "$WEB_ADMIN_PORT"
    WEB_PID=$STARTED_PID
    await_ready web "$WEB_PID" "$WORK/sidecar-web.log" "$STARTED_US" "$UPSTREAM_PORT" ""
}

stop_sidecars() {
    stop_pid "$WEB_PID"; WEB_PID=""
    stop_pid "$ECHO_SC_PID"; ECHO_SC_PID=""
}

# Fresh JVMs for the rows that measure a cold start: stopped and started again when they have carried load.
fresh_sidecars() {
    if [ "$LOADED" = 1 ] || [ -z "$WEB_PID" ]; then
        stop_sidecars
        start_sidecars
        LOADED=0
    fi
}

# The iperf3 server as its own service with its own sidecar, started once (its start-up is not recorded), before
# web's sidecar so web's second upstream listener finds it.
start_iperf() {
    iperf3 -s -B 127.0.0.1 -p "$IPERF_PORT" > "$WORK/iperf3-server.log" 2>&1 &
    PIDS+=($!)
    local saved_raw="$RAW"
    RAW="$WORK/raw-iperf-sidecar.tsv"  # its start-up is not one of the measured sidecars'
    start_sidecar iperf "$WORK/sidecar-iperf.log" "$IPERF_ADMIN_PORT"
    IPERF_SC_PID=$STARTED_PID
    await_ready iperf "$IPERF_SC_PID" "$WORK/sidecar-iperf.log" "$STARTED_US" "" "$IPERF_SC_PORT"
    RAW="$saved_raw"
    log "iperf3 server on 127.0.0.1:$IPERF_PORT behind its sidecar (pid $IPERF_SC_PID); through web: 127.0.0.1:$IPERF_UPSTREAM_PORT"
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

# The cold burst (issues 11 and 15) through web's upstream listener on freshly started sidecars that have served
# one connection each, then their RSS each second for AFTER_BURST_S seconds after the burst's connections closed
# (LoadGen burst returns once every connection was answered or lost and closed), against the idle RSS before it.
BURST_LINE=""
BURST_VERDICT=PASS
BURST_RAN=0
cold_burst() {
    local out k
    fresh_sidecars
    sleep 1
    record rss_preburst web "$(rss_of "$WEB_PID")"
    record rss_preburst echo "$(rss_of "$ECHO_SC_PID")"
    local idle_web idle_echo
    idle_web="$(rss_of "$WEB_PID")"; idle_echo="$(rss_of "$ECHO_SC_PID")"
    log "cold burst: $BURST connections within $BURST_SECONDS s through 127.0.0.1:$UPSTREAM_PORT" \
        "(RSS before: web $idle_web MB, echo $idle_echo MB)"
    BURST_RAN=1
    LOADED=1
    out="$("${LG[@]}" burst --target "127.0.0.1:$UPSTREAM_PORT" --count "$BURST" --seconds "$BURST_SECONDS" \
        --probes 5 --timeout 30 --max-probe-ms 1000 2>>"$WORK/loadgen.err" | grep '^RESULT' || true)"
    BURST_LINE="${out#RESULT }"
    echo "  burst: ${BURST_LINE:-no result, see $WORK/loadgen.err}" >&2
    tail -3 "$WORK/loadgen.err" >&2 || true
    case "$BURST_LINE" in *verdict=PASS*) ;; *) BURST_VERDICT=FAIL ;; esac
    for k in answered lost probe_max_ms p99_ms; do record "burst.$k" pair "$(echo "$out" | result "$k")"; done
    local m
    for m in web:$WEB_ADMIN_PORT echo:$ECHO_ADMIN_PORT; do
        curl -sf "http://127.0.0.1:${m#*:}/metrics" 2>/dev/null \
            | grep -E '^connect_proxy_(upstream_dial_failures_total|tls_handshake_failures_total|rejections_total)' \
            | grep -Ev ' 0(\.0)?$' \
            | sed "s/^/    ${m%%:*} sidecar: /" >> "$WORK/burst-metrics.txt" || true
    done
    [ "$AFTER_BURST_S" -gt 0 ] || return 0
    log "RSS each second for $AFTER_BURST_S s after the burst's connections closed"
    local t0=$SECONDS i rw re
    printf 's\tweb_mb\techo_mb\n' > "$WORK/rss-after-burst.tsv"
    for i in $(seq 1 "$AFTER_BURST_S"); do
        # on the second marks since the burst returned, whatever the curl above took
        while [ $(( SECONDS - t0 )) -lt "$i" ]; do sleep 0.05; done
        rw="$(rss_of "$WEB_PID")"; re="$(rss_of "$ECHO_SC_PID")"
        printf '%s\t%s\t%s\n' "$i" "$rw" "$re" >> "$WORK/rss-after-burst.tsv"
        if [ "$i" = 1 ]; then record rss_burst_0 web "$rw"; record rss_burst_0 echo "$re"; fi
    done
    record rss_burst_end web "$rw"
    record rss_burst_end echo "$re"
    record rss_burst_ratio web "$(awk -v a="$rw" -v b="$idle_web" 'BEGIN { printf "%.3f", a / b }')"
    record rss_burst_ratio echo "$(awk -v a="$re" -v b="$idle_echo" 'BEGIN { printf "%.3f", a / b }')"
    # every 10th second, for the record
    RSS_SERIES="$(awk -F'\t' 'NR > 1 && ($1 == 1 || $1 % 10 == 0) { printf "%s+%ss %s/%s", sep, $1, $2, $3; sep = ", " }' \
        "$WORK/rss-after-burst.tsv")"
}
RSS_SERIES=""

if [ "$DIRECT_ONLY" = 0 ]; then
    start_agent
    ensure_cds
    log "dev agent on 127.0.0.1:$AGENT_PORT; sidecar JVM flags: ${JVM_FLAGS:-(none)}"
    [ "$IPERF" = 1 ] && start_iperf
    for rep in $(seq 1 "$START_REPEATS"); do
        start_sidecars
        sleep 1
        record rss_idle web "$(rss_of "$WEB_PID")"
        record rss_idle echo "$(rss_of "$ECHO_SC_PID")"
        if [ "$rep" -lt "$START_REPEATS" ]; then stop_sidecars; fi
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

measure() {  # key-prefix, where, target, then the LoadGen arguments: measure_as when the row is wanted
    wanted "$1" || return 0
    measure_as "$@"
}

measure_as() {  # key-prefix, where, target, then the LoadGen arguments; records every RESULT field named in KEYS
    local prefix="$1" where="$2" target="$3"; shift 3
    local out k
    [ "$where" = proxied ] && LOADED=1
    out="$("${LG[@]}" "$@" --target "$target" 2>>"$WORK/loadgen.err" | grep '^RESULT' || true)"
    echo "  $prefix $where: ${out#RESULT }" >&2
    [ "$rep" = 0 ] && return 0
    for k in $KEYS; do record "$prefix.$k" "$where" "$(echo "$out" | result "$k")"; done
}

# Debian's iperf3 client against the iperf3 server (direct) or web's iperf upstream listener (proxied); the Gbit/s
# the server received, from the JSON report.
measure_iperf() {  # key, streams, where, port
    local key="$1" streams="$2" where="$3" port="$4" out gbps err attempt
    [ "$IPERF" = 1 ] && wanted "$key" || return 0
    [ "$where" = proxied ] && LOADED=1
    for attempt in 1 2; do
        out="$(iperf3 -c 127.0.0.1 -p "$port" -t "$IPERF_S" -P "$streams" -J 2>>"$WORK/iperf3.err" || true)"
        err="$(printf '%s' "$out" | jq -r '.error // empty' 2>/dev/null || echo "no JSON from iperf3")"
        # the server takes one test at a time: a test right after another can find it still busy
        case "$err" in *busy*) sleep 1 ;; *) break ;; esac
    done
    gbps="$(printf '%s' "$out" | jq -r '.end.sum_received.bits_per_second // empty' 2>/dev/null \
        | awk '{ printf "%.3f", $1 / 1e9 }' || true)"
    [ -n "$err" ] && gbps=""
    echo "  $key $where: gbps=${gbps:-none}${err:+ error: $err}" >&2
    [ "$rep" = 0 ] && return 0
    record "$key.gbps" "$where" "$gbps"
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
        if [ "$where" = direct ]; then t="$IPERF_PORT"; else t="$IPERF_UPSTREAM_PORT"; fi
        measure_iperf iperf1 1 "$where" "$t"
        measure_iperf iperf8 8 "$where" "$t"
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

# ---------------------------------------------------------------- cold start: new connections from ready on
if [ "$DIRECT_ONLY" = 0 ] && wanted conncold; then
    log "cold start: both sidecars restarted; new connections/s for the first $COLD_S s after both are ready"
    stop_sidecars
    start_sidecars
    rep=1
    KEYS="cps p50_ms p99_ms"
    # the same client as the steady conn row, started the moment web's sidecar carried its first proxied echo
    # (echo's sidecar is routable once the agent's 1-s TCP check saw it listening)
    measure_as conncold proxied "$PROXIED" connrate --clients 4 --seconds "$COLD_S" --warmup 0
    # the ratio is to the steady direct rate of this run; without the conn row, measured here
    wanted conn || measure_as conncold direct "$DIRECT" connrate --clients 4 --seconds "$COLD_S" --warmup 0
fi

# ---------------------------------------------------------------- floors: the same clients, the proxy's work removed
# The stand-in for the two sidecars is a pair of HAProxy processes (Debian's 2.6: a mature event-driven C proxy that
# keeps its TLS contexts and sessions across connections) chained exactly like the sidecars: client -> A -> B -> echo
# app, each one process. What such a pair reaches on this machine is what two relays can reach here without the JVM,
# the intention check and the SPIFFE match: a target the pair misses is beyond this machine, not only beyond us.
FLOOR_NOTES=()
FLOOR_VARIANTS=()  # "side<TAB>label" per relay pair measured: reported through LoadGen's floor rows (floor_rows)
stop_floor_relays() {
    local pid
    for pid in "${FLOOR_PIDS[@]}"; do stop_pid "$pid" 2; done
    FLOOR_PIDS=()
}
await_relay() {  # port: a proxied echo through the relays within 5 s
    local i
    if [ -n "$FLOOR_BACKEND" ]; then
        # not the echo app (the iperf3 server, which takes no stray connections): both relays listening
        for i in $(seq 1 100); do
            [ -n "$(ss -Hltn "sport = :$FLOOR_A")" ] && [ -n "$(ss -Hltn "sport = :$FLOOR_B")" ] && return 0
            sleep 0.05
        done
        log "relays on 127.0.0.1:$FLOOR_A and :$FLOOR_B not listening"; return 1
    fi
    for i in $(seq 1 100); do probe_echo "$1" && return 0; sleep 0.05; done
    log "relay on 127.0.0.1:$1 did not echo"; return 1
}
floor_clients() {  # where, port, then the rows: tput1 tput8 rr64 conn
    local where="$1" t="127.0.0.1:$2" row; shift 2
    for row in "$@"; do
        case "$row" in
            tput1) KEYS="gbps delivered_pct"; measure_as tput1 "$where" "$t" throughput --streams 1 --seconds "$FLOOR_S" --warmup "$WARM_S" ;;
            tput8) KEYS="gbps delivered_pct"; measure_as tput8 "$where" "$t" throughput --streams 8 --seconds "$FLOOR_S" --warmup "$WARM_S" ;;
            rr64) KEYS="p50_us p99_us p999_us"; measure_as rr64 "$where" "$t" rr --size 64 --count "$RR_N" --warmup 2000 ;;
            conn) KEYS="cps p50_ms p99_ms"; measure_as conn "$where" "$t" connrate --clients 4 --seconds "$FLOOR_S" --warmup "$WARM_S" ;;
        esac
    done
}
haproxy_config() {  # listen port, bind options, next port, server options, threads, listen-section options, stats port
    cat <<EOF
global
    nbthread $5
    maxconn 4096
    ssl-default-bind-options ssl-min-ver TLSv1.3
    ssl-default-server-options ssl-min-ver TLSv1.3
defaults
    mode tcp
    timeout connect 5s
    timeout client 60s
    timeout server 60s
listen relay
    bind 127.0.0.1:$1 $2
    server next 127.0.0.1:$3 $4
    $6
EOF
    [ -z "$7" ] || printf 'frontend stats\n    mode http\n    bind 127.0.0.1:%s\n    http-request use-service prometheus-exporter\n' "$7"
}
# Starts A (FLOOR_A, plain, dials B) and B (FLOOR_B, dials the echo app); mode tcp: plain with splicing allowed
# (option splice-auto: HAProxy's own heuristic, off by default); tls: mTLS between A and B with HAProxy's default
# resumption (a session cache per server on A, tickets on B); tls-full: resumption off, a full handshake each time.
start_relay_pair() {  # threads, mode
    local threads="$1" mode="$2" c="$FLOOR_CERTS" bind_b="" srv_a="" opts="" stats="" hop
    case "$mode" in
        tcp) opts="option splice-auto" ;;
        tls|tls-full)
            # a SPIFFE leaf names its service in a URI SAN, not a host name: A checks B's chain to the CA roots as a
            # sidecar does (no host name check: there is no SNI), B requires A's certificate and checks its chain
            bind_b="ssl crt $c/echo.pem ca-file $c/roots.pem verify required"
            srv_a="ssl crt $c/web.pem ca-file $c/roots.pem verify required"
            [ "$mode" = tls ] || { bind_b="$bind_b no-tls-tickets"; srv_a="$srv_a no-ssl-reuse"; }
            stats="$FLOOR_STATS" ;;
    esac
    haproxy_config "$FLOOR_B" "$bind_b" "${FLOOR_BACKEND:-$ECHO_PORT}" "" "$threads" "$opts" "$stats" \
        > "$WORK/haproxy-b.cfg"
    haproxy_config "$FLOOR_A" "" "$FLOOR_B" "$srv_a" "$threads" "$opts" "" > "$WORK/haproxy-a.cfg"
    for hop in b a; do
        haproxy -db -f "$WORK/haproxy-$hop.cfg" >> "$WORK/haproxy.err" 2>&1 &
        FLOOR_PIDS+=($!)
    done
    await_relay "$FLOOR_A" || { tail -5 "$WORK/haproxy.err" >&2; return 1; }
}
# B's share of TLS sessions resumed, from its Prometheus exporter (says whether resumption was really on or off)
tls_reuse_pct() {
    curl -sf "http://127.0.0.1:$FLOOR_STATS/metrics" | awk '/^haproxy_process_frontend_ssl_reuse / { print $2 }'
}
floor_pair() {  # threads, mode, side, label, then the rows
    local threads="$1" mode="$2" side="$3" label="$4" reuse; shift 4
    if start_relay_pair "$threads" "$mode"; then
        floor_clients "$side" "$FLOOR_A" "$@"
        FLOOR_VARIANTS+=("$side"$'\t'"$label")
        if [ "$mode" != tcp ]; then
            reuse="$(tls_reuse_pct)"
            FLOOR_NOTES+=("$label: B resumed ${reuse:-?} % of its TLS sessions")
        fi
    fi
    stop_floor_relays
}
floor_burst() {  # threads, mode, label
    local out
    start_relay_pair "$1" "$2" || { stop_floor_relays; return 0; }
    out="$("${LG[@]}" burst --target "127.0.0.1:$FLOOR_A" --count "$BURST" --seconds "$BURST_SECONDS" \
        --probes 5 --timeout 30 --max-probe-ms 1000 2>>"$WORK/loadgen.err" | grep '^RESULT' || true)"
    echo "  floor burst ($3): ${out#RESULT }" >&2
    FLOOR_NOTES+=("cold burst through the HAProxy $3: \`${out#RESULT }\`")
    stop_floor_relays
}
# The stack's floor: Vert.x, Netty's epoll transport and BoringSSL doing one mTLS exchange with the web sidecar's
# leaf (bench/StackFloor.java) in a JVM with the sidecars' flags (with --aot: JDK 25 and an AOT cache trained on it,
# as the sidecars have): what a sidecar costs with all of the proxy's own work removed. Three starts, each timed
# from the process start to its "ready" line as a sidecar's start to ready is; the first one's RSS read 1 s after
# ready, as an idle sidecar's is.
stack_floor() {
    local dir pid flags i t0 ready_ms
    command -v jq > /dev/null || { log "skipping the stack floor: jq is not installed (apt-get install -y jq)"; return 0; }
    dir="$(mktemp -d /tmp/connect-proxy-bench-tls.XXXXXX)"
    chmod 700 "$dir"
    (
        umask 077
        curl -sf "http://127.0.0.1:$AGENT_PORT/v1/agent/connect/ca/leaf/web" > "$dir/leaf.json"
        jq -r .CertPEM "$dir/leaf.json" > "$dir/cert.pem"
        jq -r .PrivateKeyPEM "$dir/leaf.json" > "$dir/key.pem"
        rm -f "$dir/leaf.json"
        curl -sf "http://127.0.0.1:$AGENT_PORT/v1/agent/connect/ca/roots" | jq -r '.Roots[].RootCert' > "$dir/roots.pem"
    )
    mkdir "$dir/classes"
    javac -nowarn -cp "$JAR" -d "$dir/classes" "$HERE/StackFloor.java"
    # a jar, not a directory: an AOT cache refuses a class path with a non-empty directory
    (cd "$dir/classes" && "$SIDECAR_JAVA" -m jdk.jartool/sun.tools.jar.Main cf "$dir/floor.jar" .)
    # the sidecars' flags without the class-data archive or AOT cache trained on the sidecar's class path
    flags="$(echo " $JVM_FLAGS " | sed -E 's/ -XX:(AOTCache|SharedArchiveFile)=[^ ]*//g')"
    if [ "$AOT" = 1 ]; then
        # shellcheck disable=SC2086 # a word list
        "$SIDECAR_JAVA" $flags -XX:AOTCacheOutput="$dir/floor.aot" -cp "$JAR:$dir/floor.jar" StackFloor \
            "$dir/cert.pem" "$dir/key.pem" "$dir/roots.pem" 1 > "$WORK/stack-floor-train.log" 2>&1 \
            || { log "stack floor: AOT training failed"; tail -5 "$WORK/stack-floor-train.log" >&2; }
        [ -f "$dir/floor.aot" ] && flags="$flags -XX:AOTCache=$dir/floor.aot"
    fi
    for i in 1 2 3; do
        : > "$WORK/stack-floor.log"
        t0="$(now_us)"
        # shellcheck disable=SC2086 # a word list
        "$SIDECAR_JAVA" $flags -cp "$JAR:$dir/floor.jar" StackFloor "$dir/cert.pem" "$dir/key.pem" "$dir/roots.pem" \
            30 > "$WORK/stack-floor.log" 2>&1 &
        pid=$!
        ready_ms=""
        for _ in $(seq 1 3000); do
            if grep -q '^ready' "$WORK/stack-floor.log"; then ready_ms=$(( ($(now_us) - t0) / 1000 )); break; fi
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.01
        done
        if [ -z "$ready_ms" ]; then
            log "stack floor did not start"; tail -5 "$WORK/stack-floor.log" >&2
        else
            record ready_floor_stack floor-stack "$ready_ms"
            if [ "$i" = 1 ]; then
                sleep 1
                record rss_floor_stack floor-stack "$(rss_of "$pid")"
                echo "  floor stack (Vert.x + Netty epoll + BoringSSL, one mTLS exchange): RSS $(rss_of "$pid") MB" >&2
            fi
            echo "  floor stack: ready after $ready_ms ms" >&2
        fi
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$dir"  # a private key: not left on disk after the floor
}
floors() {
    local t0=$SECONDS row pid
    rep=1

    # the JVM's own floor: an idle JVM with the heap settings the sidecar ships, running a trivial class
    mkdir -p "$WORK/idle"
    printf '%s\n' 'public class IdleJvm { public static void main(String[] a) throws Exception { Thread.sleep(30_000); } }' \
        > "$WORK/idle/IdleJvm.java"
    javac -d "$WORK/idle" "$WORK/idle/IdleJvm.java"
    "$SIDECAR_JAVA" -XX:+UseSerialGC -Xmx64m -cp "$WORK/idle" IdleJvm &
    pid=$!
    sleep 2
    record rss_floor floor-jvm "$(rss_of "$pid")"
    echo "  floor jvm: RSS $(rss_of "$pid") MB" >&2
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    stack_floor

    if ! command -v haproxy > /dev/null; then
        log "skipping the relay floors: haproxy is not installed (apt-get install -y haproxy)"
        return 0
    fi
    # the direct figures the relays are compared with, when the run did not measure them already
    for row in tput1 tput8 rr64 conn; do wanted "$row" || floor_clients direct "$ECHO_PORT" "$row"; done
    FLOOR_NOTES+=("HAProxy $(haproxy -v | sed -n '1s/^HAProxy version \([^ ]*\).*/\1/p') on $(haproxy -vv \
        | sed -n 's/^Running on OpenSSL version : \(OpenSSL [^ ]*\).*/\1/p'), each relay one process")

    # (a) two plain TCP relays: the floor of "two relays, no TLS"
    floor_pair 1 tcp floor-ha-tcp1 "two plain TCP relays (HAProxy, nbthread 1, splice-auto)" tput1 tput8 rr64 conn
    floor_pair 2 tcp floor-ha-tcp2 "two plain TCP relays (HAProxy, nbthread 2, splice-auto)" tput8 conn

    # (b) mTLS between A and B with the leaf certificates the sidecars of web and echo get, checked against the roots
    if ! command -v jq > /dev/null; then
        log "skipping the mTLS floors: jq (to read the agent's certificates) is not installed (apt-get install -y jq)"
    else
        FLOOR_CERTS="$(mktemp -d /tmp/connect-proxy-bench-tls.XXXXXX)"
        chmod 700 "$FLOOR_CERTS"
        (
            umask 077
            for svc in web echo; do
                # HAProxy reads the certificate and its key from one file
                curl -sf "http://127.0.0.1:$AGENT_PORT/v1/agent/connect/ca/leaf/$svc" \
                    | jq -r '.CertPEM, .PrivateKeyPEM' > "$FLOOR_CERTS/$svc.pem"
            done
            curl -sf "http://127.0.0.1:$AGENT_PORT/v1/agent/connect/ca/roots" | jq -r '.Roots[].RootCert' \
                > "$FLOOR_CERTS/roots.pem"
        )
        local tls="two mTLS relays (HAProxy, TLS 1.3, the dev agent's leaf certificates"
        floor_pair 1 tls floor-ha-tls "$tls, resumption on, nbthread 1)" conn rr64 tput1
        # what B negotiates with a client offering OpenSSL 3.0's default groups, as A does (HAProxy 2.6 sets no groups
        # on a server line)
        if start_relay_pair 1 tls-full; then
            local hello
            hello="$(echo | openssl s_client -connect "127.0.0.1:$FLOOR_B" -cert "$FLOOR_CERTS/web.pem" \
                -CAfile "$FLOOR_CERTS/roots.pem" 2>/dev/null || true)"
            FLOOR_NOTES+=("mTLS pairs: $(echo "$hello" \
                | sed -n 's/^\(New, \)\{0,1\}\(TLSv[0-9.]*\), Cipher is \(.*\)/\2 \3/p' | head -1), key exchange $(echo "$hello" \
                | sed -n 's/^Server Temp Key: //p' | head -1) (openssl s_client with OpenSSL's default groups against B)")
        fi
        stop_floor_relays
        floor_pair 1 tls-full floor-ha-tls-full "$tls, resumption off, nbthread 1)" conn rr64 tput1
        floor_pair 2 tls-full floor-ha-tls-full2 "$tls, resumption off, nbthread 2)" conn
        # Debian's iperf3 through the same mTLS pair in front of the iperf3 server (the iperf rows' own clients)
        if [ "$IPERF" = 1 ]; then
            FLOOR_BACKEND="$IPERF_PORT"
            if start_relay_pair 2 tls; then
                measure_iperf iperf1 1 floor-ha-tls2 "$FLOOR_A"
                measure_iperf iperf8 8 floor-ha-tls2 "$FLOOR_A"
                FLOOR_VARIANTS+=("floor-ha-tls2"$'\t'"$tls, resumption on, nbthread 2, in front of the iperf3 server)")
            fi
            stop_floor_relays
            FLOOR_BACKEND=""
        fi
        # the cold burst the sidecars face (same LoadGen command, probes and pass rule) through the HAProxy pair:
        # whether this machine can answer every probe within 1 s with C relays doing the same mTLS handshakes
        floor_burst 2 tls "mTLS pair, resumption on, nbthread 2"
        floor_burst 2 tls-full "mTLS pair, resumption off, nbthread 2"
        rm -rf "$FLOOR_CERTS"
        FLOOR_CERTS=""
    fi
    log "floors took $(( SECONDS - t0 )) s"
}
# LoadGen's report knows the rows of one plain relay pair (side floor-tcp, labelled for the socat pair this section
# used before): each pair measured here is reported through them in turn, relabelled with what the pair was.
floor_rows() {
    local v side label rows known="two plain TCP relays (socat)"
    for v in "${FLOOR_VARIANTS[@]}"; do
        side="${v%%$'\t'*}"; label="${v#*$'\t'}"
        awk -F'\t' -v OFS='\t' -v s="$side" '$2 == "direct" { print; next } $2 == s { $2 = "floor-tcp"; print }' \
            "$RAW" > "$WORK/raw-$side.tsv"
        rows="$("${LG[@]}" report --raw "$WORK/raw-$side.tsv" | grep -F "| floor: $known, " || true)"
        if [ -z "$rows" ]; then log "no floor rows for $label (LoadGen's floor label is no longer '$known'?)"; continue; fi
        printf '%s\n' "${rows//"$known"/"$label"}"
    done
}
if [ "$DIRECT_ONLY" = 0 ] && wanted floor; then floors; fi

# ---------------------------------------------------------------- last: the cold burst on fresh sidecars
if [ "$DIRECT_ONLY" = 0 ] && wanted burst; then cold_burst; fi

# ---------------------------------------------------------------- report
COMMIT="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
DIRTY="$(git -C "$ROOT" status --porcelain -- src pom.xml 2>/dev/null | head -1)"
[ -n "$DIRTY" ] && COMMIT="$COMMIT+uncommitted"
AOT_RUN=false; [ "$AOT" = 1 ] && AOT_RUN=true
TABLE="$("${LG[@]}" report --raw "$RAW" --aot "$AOT_RUN" --after-burst "$AFTER_BURST_S")"
FLOOR_TABLE="$(floor_rows)"
[ -z "$FLOOR_TABLE" ] || TABLE="$TABLE"$'\n'"$FLOOR_TABLE"
ELAPSED=$(( SECONDS - RUN_START ))
{
    echo
    echo "## $(date -u '+%Y-%m-%d %H:%M UTC') · commit $COMMIT${LABEL:+ · $LABEL}"
    echo
    echo "\`$ORIG_CMD\` — repeats $REPEATS, sidecar JVM flags \`${JVM_FLAGS:-none}\`, $(nproc) cores," \
        "load average before/after: $LOADAVG / $(cut -d' ' -f1-3 /proc/loadavg), sidecars on $("$SIDECAR_JAVA" -version 2>&1 | head -1)," \
        "the run took $(( ELAPSED / 60 )) min $(( ELAPSED % 60 )) s"
    echo
    echo "$TABLE"
    if [ "$BURST_RAN" = 1 ]; then
        echo
        echo "Cold burst on fresh sidecars (sidecar tuning: ${SIDECAR_TUNING:-defaults}): \`${BURST_LINE:-no result}\` → **$BURST_VERDICT**"
        if [ -n "$RSS_SERIES" ]; then
            echo
            echo "RSS web/echo (MB) after the burst's connections closed: $RSS_SERIES"
        fi
        if [ -s "$WORK/burst-metrics.txt" ]; then
            echo
            cat "$WORK/burst-metrics.txt"
        fi
    fi
    if [ "${#FLOOR_NOTES[@]}" -gt 0 ]; then
        echo
        echo "Floors: $(IFS=';'; echo "${FLOOR_NOTES[*]}" | sed 's/;/; /g')."
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
