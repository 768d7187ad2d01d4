#!/usr/bin/env bash
# A mesh across three test hosts (network namespaces on a bridge), mixed verifiable traffic all the time, and
# faults on a schedule; one summary line at the end. Exit 0 only with nothing lost and every fault recovered from
# within its bound; 1 otherwise; 77 when network namespaces cannot be made here (not root, no `ip netns`).
#
#   bench/chaos.sh [--minutes N] [--keep DIR]      default 10 minutes; needs root, iproute2, curl, java
#
# Hosts (10.77.0.0/24 on bridge cpchaos-br0; nothing else is attached, so traffic never leaves these namespaces):
#   A 10.77.0.1  cpchaos-a  the dev agent (-data-dir), app instance app-a (echo) and its sidecar (public 21000)
#   B 10.77.0.2  cpchaos-b  app instance app-b and its sidecar
#   C 10.77.0.3  cpchaos-c  the client's sidecar (upstream app on 127.0.0.1:9191) and the load (bench/ChaosLoad.java)
# Faults, in this order, repeated for longer runs: B's link degraded (netem 50 ms delay, 5 % loss, both — or, on a
# kernel without sch_netem, a 20 Mbit/s token bucket and nft random drop), B's link down, B's sidecar SIGSTOPped
# 15 s, the agent killed and restarted on its data dir, a CA root rotation, the intention client→app flipped to
# deny and back, C's sidecar SIGTERMed (drain) and started again, the agent killed and restarted without its state
# (new CA). Everything is torn down on exit, Ctrl-C or SIGTERM. Logs and raw results stay in the work dir printed
# at the start (removed on success unless --keep).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

MINUTES=10
KEEP=""
while [ $# -gt 0 ]; do
    case "$1" in
        --minutes) MINUTES="$2"; shift 2 ;;
        --keep) KEEP="$2"; shift 2 ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) echo "chaos: unknown argument $1" >&2; exit 2 ;;
    esac
done
case "$MINUTES" in ''|*[!0-9]*) echo "chaos: --minutes must be a whole number, got $MINUTES" >&2; exit 2 ;; esac
[ "$MINUTES" -ge 2 ] || { echo "chaos: --minutes must be at least 2, got $MINUTES" >&2; exit 2; }

NS_A=cpchaos-a; NS_B=cpchaos-b; NS_C=cpchaos-c; BR=cpchaos-br0
IP_A=10.77.0.1; IP_B=10.77.0.2; IP_C=10.77.0.3
AGENT=$IP_A:8500
CONNECT_TIMEOUT_MS=3000
T0=$(date +%s%3N)

say() { printf 'chaos %6.1f s  %s\n' "$(( $(date +%s%3N) - T0 ))e-3" "$*"; }
now() { date +%s%3N; }

# ------------------------------------------------------------------ can we?
skip() { echo "chaos: skipped: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root to make network namespaces (uid $(id -u))"
command -v ip >/dev/null || skip "no ip (iproute2)"
command -v curl >/dev/null || skip "no curl"
command -v java >/dev/null || skip "no java"
ip netns add cpchaos-probe 2>/dev/null || skip "ip netns add failed here (no CAP_SYS_ADMIN or no netns support)"
ip netns del cpchaos-probe

# ------------------------------------------------------------------ leftovers of an earlier run of this script
cleanup_namespaces() {
    for ns in $NS_A $NS_B $NS_C; do
        if ip netns list | grep -qw "$ns"; then
            for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -CONT "$pid" 2>/dev/null; kill -9 "$pid" 2>/dev/null; done
            ip netns del "$ns" 2>/dev/null
        fi
    done
    for dev in $BR cpchaos-va cpchaos-vb cpchaos-vc; do ip link del "$dev" 2>/dev/null; done
}
cleanup_namespaces

WORK=$(mktemp -d /tmp/cpchaos.XXXXXX)
mkdir -p "$WORK/metrics" "$WORK/logs"
PIDS=()
STOPPED=""
teardown() {
    local rc=$?
    trap - EXIT INT TERM
    [ -n "${SCRAPER:-}" ] && kill "$SCRAPER" 2>/dev/null
    [ -n "$STOPPED" ] && kill -CONT "$STOPPED" 2>/dev/null
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        alive=0; for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [ $alive = 0 ] && break; sleep 0.5
    done
    for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null; done
    cleanup_namespaces
    if [ -n "$KEEP" ]; then
        mkdir -p "$KEEP" && cp -r "$WORK"/. "$KEEP"/ && echo "chaos: logs and raw results kept in $KEEP"
    fi
    if [ $rc = 0 ]; then rm -rf "$WORK"; else echo "chaos: logs and raw results in $WORK"; fi
    exit $rc
}
trap teardown EXIT
trap 'echo "chaos: interrupted"; exit 130' INT
trap 'echo "chaos: terminated"; exit 143' TERM

# ------------------------------------------------------------------ the jar
JAR=$ROOT/target/proxy-fat.jar
if [ ! -f "$JAR" ] || [ -n "$(find src pom.xml -newer "$JAR" -type f 2>/dev/null | head -1)" ]; then
    say "building target/proxy-fat.jar (missing or older than the sources)"
    mvn -o -q -B -DskipTests package >"$WORK/logs/build.log" 2>&1 || { cat "$WORK/logs/build.log"; exit 1; }
fi

# ------------------------------------------------------------------ the hosts
say "work dir $WORK; hosts A $IP_A, B $IP_B, C $IP_C on $BR"
ip link add $BR type bridge && ip link set $BR up
for h in a b c; do
    ns=cpchaos-$h
    case $h in a) addr=$IP_A ;; b) addr=$IP_B ;; c) addr=$IP_C ;; esac
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip link add "cpchaos-v$h" type veth peer name eth0 netns "$ns"
    ip link set "cpchaos-v$h" master $BR up
    ip -n "$ns" addr add "$addr/24" dev eth0
    ip -n "$ns" link set eth0 up
done

NETEM=no
if ip netns exec $NS_B tc qdisc add dev eth0 root netem delay 1ms 2>/dev/null; then
    NETEM=yes; ip netns exec $NS_B tc qdisc del dev eth0 root
fi
NFT=no
command -v nft >/dev/null && ip netns exec $NS_B nft list tables >/dev/null 2>&1 && NFT=yes
say "link faults with: $( [ $NETEM = yes ] && echo "tc netem" || echo "tc tbf (this kernel has no sch_netem: no added delay)$( [ $NFT = yes ] && echo ", nft random drop for loss" || echo ", no loss (no nft)")")"

# ------------------------------------------------------------------ services (the agent's config directory)
# Consul 1.10 checks a sidecar's public port on Proxy.LocalServiceAddress (127.0.0.1), which is right for the
# node's own agent; here one agent on A serves three hosts whose sidecars bind their host address, so each sidecar
# gets its "Connect Sidecar Listening" check on that address instead, the override Consul documents for a
# non-loopback bind; every 2 s rather than Consul's 10 s, so that after the agent restarts without its state (all
# checks critical again) the mesh can recover within the soak's 10 s bound.
listening_check() {  # host ip
    printf '"checks": [{"name": "Connect Sidecar Listening", "tcp": "%s:21000", "interval": "2s"}]' "$1"
}
cat >"$WORK/services.json" <<EOF
{"services": [
  {"id": "app-a", "name": "app", "address": "$IP_A", "port": 8080,
   "connect": {"sidecar_service": {"address": "$IP_A", "port": 21000, $(listening_check "$IP_A"), "proxy": {"config": {
     "bind_address": "$IP_A", "bind_port": 21000, "local_service_address": "127.0.0.1:8080", "tls_engine": "jdk"}}}}},
  {"id": "app-b", "name": "app", "address": "$IP_B", "port": 8080,
   "connect": {"sidecar_service": {"address": "$IP_B", "port": 21000, $(listening_check "$IP_B"), "proxy": {"config": {
     "bind_address": "$IP_B", "bind_port": 21000, "local_service_address": "127.0.0.1:8080", "tls_engine": "jdk"}}}}},
  {"id": "client", "name": "client", "address": "$IP_C", "port": 9000,
   "connect": {"sidecar_service": {"address": "$IP_C", "port": 21000, $(listening_check "$IP_C"), "proxy": {
     "config": {"bind_address": "$IP_C", "bind_port": 21000, "shutdown_grace_ms": 2000, "drain_timeout_ms": 10000},
     "upstreams": [{"destination_name": "app", "local_bind_port": 9191,
                    "config": {"connect_timeout_ms": $CONNECT_TIMEOUT_MS}}]}}}}
]}
EOF

# ------------------------------------------------------------------ processes
# start LABEL NS LOG CMD...: runs CMD in NS, records its pid (ip netns exec and bin/connect-proxy both exec)
start() {
    local label=$1 ns=$2 log=$3; shift 3
    ip netns exec "$ns" "$@" >"$log" 2>&1 &
    local pid=$!
    PIDS+=("$pid")
    echo "$pid" >"$WORK/pid-$label"
}
pid_of() { cat "$WORK/pid-$1"; }

agent_up() { ip netns exec $NS_C curl -s -m 1 -o /dev/null -w '%{http_code}' "http://$AGENT/v1/agent/self" 2>/dev/null | grep -q 200; }
start_agent() { # $1: log suffix
    start agent $NS_A "$WORK/logs/agent-$1.log" java -XX:+UseSerialGC -Xmx128m -jar "$JAR" dev \
        -http-addr "$AGENT" -data-dir "$WORK/agent-data" -services "$WORK/services.json"
    for _ in $(seq 1 300); do agent_up && return 0; sleep 0.1; done
    echo "chaos: the dev agent did not answer within 30 s" >&2; tail -20 "$WORK/logs/agent-$1.log" >&2; exit 1
}
ready() { # LABEL NS
    ip netns exec "$2" curl -s -m 1 -o /dev/null -w '%{http_code}' http://127.0.0.1:19100/ready 2>/dev/null | grep -q 200
}
start_sidecar() { # LABEL NS SERVICE-ID LOG-SUFFIX
    echo "$WORK/logs/sidecar-$1-$4.log" >"$WORK/log-$1"
    start "$1" "$2" "$WORK/logs/sidecar-$1-$4.log" env CONNECT_PROXY_JAR="$JAR" "$ROOT/bin/connect-proxy" \
        -sidecar-for "$3" -http-addr "$AGENT" -admin-bind 127.0.0.1:19100
}
await_ready() { # LABEL NS TIMEOUT_S -> prints ms taken
    local t=$(now)
    for _ in $(seq 1 $(( $3 * 10 ))); do
        ready "$1" "$2" && { echo $(( $(now) - t )); return 0; }
        sleep 0.1
    done
    return 1
}
scrape() { # LABEL NS: the last good /metrics of this process is what counts (a new process starts from zero)
    local pid; pid=$(pid_of "$1")
    local tmp="$WORK/metrics/.tmp-$1-$BASHPID"   # the background scraper and a fault may scrape at once
    if ip netns exec "$2" curl -s -m 1 http://127.0.0.1:19100/metrics >"$tmp" 2>/dev/null && [ -s "$tmp" ]; then
        mv "$tmp" "$WORK/metrics/$1-$pid.prom"
    else
        rm -f "$tmp"
    fi
}
sample() { # LABEL: time, label, pid, RSS kB, open fds
    local pid; pid=$(pid_of "$1")
    local rss; rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null)
    local fds; fds=$(ls "/proc/$pid/fd" 2>/dev/null | wc -l)
    [ -n "$rss" ] && echo "$(now) $1 $pid $rss $fds" >>"$WORK/resources"
}

say "starting the dev agent on $AGENT (data dir $WORK/agent-data)"
start_agent 0
ip netns exec $NS_B curl -sf -m 2 -o /dev/null "http://$AGENT/v1/agent/self" \
    || { echo "chaos: host B cannot reach the agent on A" >&2; exit 1; }
ip netns exec $NS_C curl -sf -m 5 -X PUT "http://$AGENT/v1/connect/intentions/exact?source=client&destination=app" \
    -d '{"Action":"allow"}' >/dev/null || { echo "chaos: could not create the intention" >&2; exit 1; }
for h in a b; do
    ns=cpchaos-$h
    start "echo-$h" "$ns" "$WORK/logs/echo-$h.log" java -XX:+UseSerialGC -Xmx64m "$ROOT/bench/ChaosLoad.java" echo \
        --bind 127.0.0.1 --port 8080
done
start_sidecar A $NS_A app-a 0
start_sidecar B $NS_B app-b 0
start_sidecar C $NS_C client 0
for pair in "A $NS_A" "B $NS_B" "C $NS_C"; do
    set -- $pair
    ms=$(await_ready "$1" "$2" 60) || { echo "chaos: sidecar $1 not ready within 60 s" >&2; tail -20 "$WORK"/logs/sidecar-"$1"-0.log >&2; exit 1; }
    say "sidecar $1 ready (${ms} ms)"
done
for _ in $(seq 1 100); do grep -q LISTENING "$WORK/logs/echo-a.log" && grep -q LISTENING "$WORK/logs/echo-b.log" && break; sleep 0.2; done

# ------------------------------------------------------------------ background: metrics and resources
(
    n=0
    while true; do
        scrape A $NS_A; scrape C $NS_C
        [ -z "$(cat "$WORK/stopped" 2>/dev/null)" ] && scrape B $NS_B
        if [ $(( n % 5 )) = 0 ]; then for l in A B C agent; do sample $l; done; fi
        n=$(( n + 1 )); sleep 2
    done
) &
SCRAPER=$!

# ------------------------------------------------------------------ the load
SECONDS_TOTAL=$(( MINUTES * 60 ))
LOAD_START=$(now)
start load $NS_C "$WORK/logs/load.log" java -XX:+UseSerialGC -Xmx256m "$ROOT/bench/ChaosLoad.java" load \
    --target 127.0.0.1:9191 --seconds $SECONDS_TOTAL --until-file "$WORK/faults-done" --out "$WORK/load-result.txt"
LOAD_PID=$(pid_of load)
say "load running for $MINUTES min: 2 streams of 16 MiB at 4 MiB/s, 40 short connections/s, 64 B request/response 200/s, 5 half-closing clients/s"

# ------------------------------------------------------------------ faults
EVENTS=$WORK/events
: >"$EVENTS"
event() { echo "fault $1 $2 $3 $4" >>"$EVENTS"; }      # NAME RULE START END
check() { echo "check $1 $2 $3" >>"$EVENTS"; }          # NAME ok|fail TEXT
if [ "$MINUTES" -ge 5 ]; then SCALE=2; else SCALE=1; fi

b_link() { # degrade|loss|both|clear
    case "$1" in
        clear)
            ip netns exec $NS_B tc qdisc del dev eth0 root 2>/dev/null; tc qdisc del dev cpchaos-vb root 2>/dev/null
            [ $NFT = yes ] && ip netns exec $NS_B nft delete table inet cpchaos 2>/dev/null
            return 0 ;;
    esac
    b_link clear
    if [ $NETEM = yes ]; then
        local spec
        case "$1" in delay) spec="delay 50ms" ;; loss) spec="loss 5%" ;; both) spec="delay 50ms loss 5%" ;; esac
        ip netns exec $NS_B tc qdisc add dev eth0 root netem $spec
        tc qdisc add dev cpchaos-vb root netem $spec
    else
        if [ "$1" != loss ]; then
            ip netns exec $NS_B tc qdisc add dev eth0 root tbf rate 20mbit burst 64kb latency 50ms
            tc qdisc add dev cpchaos-vb root tbf rate 20mbit burst 64kb latency 50ms
        fi
        if [ "$1" != delay ] && [ $NFT = yes ]; then
            ip netns exec $NS_B nft -f - <<'NFT'
table inet cpchaos {
    chain in { type filter hook input priority 0; iifname "eth0" numgen random mod 100 < 5 drop; }
    chain out { type filter hook output priority 0; oifname "eth0" numgen random mod 100 < 5 drop; }
}
NFT
        fi
    fi
}

fault_degrade() {
    local t=$(now) d=$(( 3 * SCALE ))
    say "fault: B's link: $( [ $NETEM = yes ] && echo "50 ms delay" || echo "20 Mbit/s") for ${d} s"; b_link delay; sleep $d
    say "fault: B's link: 5 % loss for ${d} s"; b_link loss; sleep $d
    say "fault: B's link: both for ${d} s"; b_link both; sleep $d
    b_link clear; say "B's link clean again"
    event b-link-degraded degrade "$t" "$(now)"
}
fault_link_down() {
    local t=$(now) d=$(( 6 * SCALE ))
    say "fault: B's link down for ${d} s"
    ip link set cpchaos-vb down; sleep $d; ip link set cpchaos-vb up
    say "B's link up"
    event b-link-down failover "$t" "$(now)"
}
fault_sigstop() {
    local t=$(now) pid; pid=$(pid_of B)
    say "fault: B's sidecar (pid $pid) SIGSTOP for 15 s"
    echo "$pid" >"$WORK/stopped"; STOPPED=$pid
    kill -STOP "$pid"; sleep 15; kill -CONT "$pid"
    STOPPED=""; : >"$WORK/stopped"
    say "B's sidecar SIGCONT"
    event b-sidecar-stopped failover "$t" "$(now)"
}
restart_agent() { # persisted|fresh
    local mode=$1 t=$(now) pid; pid=$(pid_of agent)
    say "fault: dev agent (pid $pid) killed (SIGKILL), restarted $( [ "$mode" = fresh ] && echo "WITHOUT its state (new CA)" || echo "on its data dir")"
    kill -9 "$pid"; wait "$pid" 2>/dev/null
    [ "$mode" = fresh ] && rm -rf "$WORK/agent-data"
    sleep 1
    start_agent "$mode-$(now)"
    local back=$(now)
    say "dev agent answering after $(( back - t )) ms"
    # every sidecar must be ready within 10 s of the agent answering, after a restart without state on the new
    # CA (its log names the new roots, whose CN carries the first 8 characters of the new cluster id)
    local worst=0 all=ok cluster=""
    if [ "$mode" = fresh ]; then
        cluster=$(ip netns exec $NS_C curl -sf -m 2 "http://$AGENT/v1/connect/ca/roots" | grep -o '"TrustDomain" *: *"[^"]*' | sed 's/.*"//' | cut -c1-8)
    fi
    for pair in "A $NS_A" "B $NS_B" "C $NS_C"; do
        set -- $pair
        local ms; ms=$(await_ready "$1" "$2" 30) || { ms=30000; all=fail; }
        if [ -n "$cluster" ]; then
            for _ in $(seq 1 300); do grep -q "roots now .*ca\.$cluster\.consul" "$(cat "$WORK/log-$1")" && break; sleep 0.1; done
            grep -q "roots now .*ca\.$cluster\.consul" "$(cat "$WORK/log-$1")" || all=fail
            ms=$(( $(now) - back ))
        fi
        [ "$ms" -gt $worst ] && worst=$ms
    done
    [ $worst -le 10000 ] || all=fail
    local what="ready"; [ -n "$cluster" ] && what="ready on the new CA ($cluster…)"
    check "agent-restart-$mode" $all "all sidecars $what ${worst} ms after the agent answered (bound 10000 ms)"
    say "all sidecars $what ${worst} ms after the agent answered"
    event "agent-restart-$mode" restart10 "$t" "$back"
}
fault_rotate() {
    local t=$(now)
    say "fault: CA root rotation (PUT /v1/connect/ca/configuration)"
    ip netns exec $NS_C curl -sf -m 5 -X PUT "http://$AGENT/v1/connect/ca/configuration" \
        -d '{"Provider":"consul","Config":{"LeafCertTTL":"72h"}}' >/dev/null \
        || check ca-rotation fail "PUT /v1/connect/ca/configuration failed"
    event ca-rotation none "$t" "$(now)"
}
intention() {
    ip netns exec $NS_C curl -sf -m 5 -X PUT "http://$AGENT/v1/connect/intentions/exact?source=client&destination=app" \
        -d "{\"Action\":\"$1\"}" >/dev/null
}
fault_deny() {
    local t=$(now) d=$(( 8 * SCALE ))
    say "fault: intention client -> app denied for ${d} s"
    intention deny || check intention-deny fail "PUT deny failed"
    sleep $d
    intention allow || check intention-deny fail "PUT allow failed"
    say "intention client -> app allowed again"
    event intention-deny deny "$t" "$(now)"
}
fault_drain() {
    local t=$(now) pid; pid=$(pid_of C)
    say "fault: C's sidecar (pid $pid) SIGTERM (drain), then started again"
    scrape C $NS_C
    kill -TERM "$pid"
    # keep its last counters: scrape while it drains, until it is gone
    for _ in $(seq 1 1200); do kill -0 "$pid" 2>/dev/null || break; scrape C $NS_C; sleep 0.1; done
    wait "$pid" 2>/dev/null; local rc=$?
    say "C's sidecar exited with $rc after $(( $(now) - t )) ms"
    [ $rc = 0 ] || check c-sidecar-drain fail "exit code $rc after SIGTERM"
    start_sidecar C $NS_C client "$(now)"
    local ms; ms=$(await_ready C $NS_C 60) || { check c-sidecar-drain fail "not ready within 60 s"; ms=60000; }
    say "new C sidecar ready after ${ms} ms"
    event c-sidecar-drain drain "$t" "$(now)"
}

FAULTS=(fault_degrade fault_link_down fault_sigstop "restart_agent persisted" fault_rotate fault_deny fault_drain "restart_agent fresh")
# durations (s) the faults take, to spread them evenly over the run with a quiet start and end
BUSY=$(( (9 + 6 + 8) * SCALE + 15 + 8 + 8 + 15 ))
WARMUP=6; COOLDOWN=12
GAP=$(( (SECONDS_TOTAL - WARMUP - COOLDOWN - BUSY) / ${#FAULTS[@]} ))
[ $GAP -lt 3 ] && GAP=3
[ $GAP -gt 25 ] && GAP=25
sleep $WARMUP
i=0
while true; do
    f=${FAULTS[$(( i % ${#FAULTS[@]} ))]}
    remaining=$(( SECONDS_TOTAL - ( $(now) - LOAD_START ) / 1000 ))
    # the first round of faults always completes (the load waits for it); later rounds only while time is left
    [ $i -ge ${#FAULTS[@]} ] && [ $remaining -lt $(( COOLDOWN + 10 )) ] && break
    $f
    i=$(( i + 1 ))
    sleep $GAP
done
sleep $COOLDOWN
touch "$WORK/faults-done"
say "$i faults done; waiting for the load to finish"
wait "$LOAD_PID"; LOAD_RC=$?
scrape A $NS_A; scrape B $NS_B; scrape C $NS_C
for l in A B C agent; do sample $l; done
kill "$SCRAPER" 2>/dev/null; SCRAPER=""
tail -1 "$WORK/logs/load.log"
[ $LOAD_RC = 0 ] && [ -f "$WORK/load-result.txt" ] || { echo "chaos: the load client failed ($LOAD_RC)"; tail -20 "$WORK/logs/load.log"; exit 1; }

# ------------------------------------------------------------------ the verdict
grep '^check' "$EVENTS" | while read -r _ name verdict text; do
    say "check $name: $verdict, $text"
done
CHECKS_OK=yes
grep -q '^check [^ ]* fail' "$EVENTS" && CHECKS_OK=no
java "$ROOT/bench/ChaosLoad.java" report --load "$WORK/load-result.txt" --events "$EVENTS" --metrics "$WORK/metrics" \
    --resources "$WORK/resources" --minutes "$MINUTES" --connect-timeout-ms $CONNECT_TIMEOUT_MS >"$WORK/report.txt"
REPORT_RC=$?
head -n -1 "$WORK/report.txt"
[ $CHECKS_OK = yes ] || { echo "chaos: a recovery check failed (above)"; REPORT_RC=1; }
tail -1 "$WORK/report.txt"
exit $REPORT_RC
