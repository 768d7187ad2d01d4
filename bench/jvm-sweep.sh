#!/usr/bin/env bash
# Runs bench/run.sh once per candidate set of sidecar JVM flags (start-up, idle RSS, throughput, RSS with 1,000
# connections) and prints one table per candidate; how the shipped conf/jvm.options were chosen (see bench/JVM.md).
#   bench/jvm-sweep.sh [run.sh arguments, default: --repeats 3 --only tput1,tput8,conns1000]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ARGS=("$@")
[ ${#ARGS[@]} -gt 0 ] || ARGS=(--repeats 3 --only tput1,tput8,conns1000)
SMALL="-XX:+UseSerialGC -Xms16m -Xmx64m"
TRIM="$SMALL -XX:TrimNativeHeapInterval=5000"
CANDIDATES=(
    ""
    "$SMALL"
    "-XX:+UseG1GC -Xms16m -Xmx64m -XX:TrimNativeHeapInterval=5000"
    "$TRIM"
    "$TRIM -XX:TieredStopAtLevel=1"
    "$TRIM -XX:SharedArchiveFile=target/proxy-fat.jsa"
    "$TRIM -Xss256k -XX:ReservedCodeCacheSize=32m -XX:-UsePerfData"
    "$TRIM -Dio.netty.allocator.type=pooled"
    "$TRIM -Dio.netty.allocator.type=unpooled"
)
[ -z "${SWEEP_ONLY:-}" ] || CANDIDATES=("$SWEEP_ONLY")
for flags in "${CANDIDATES[@]}"; do
    echo "=== ${flags:-(JVM defaults)}"
    "$HERE/run.sh" --no-record --jvm-flags "$flags" "${ARGS[@]}" 2>/dev/null | grep '^|' || echo "(run failed)"
    echo
done
