#!/bin/sh
# Start command of the connect-proxy image (see the Dockerfile). It is a script, not a Dockerfile CMD, so that it
# can be run and tested without a Docker engine: CONNECT_PROXY_JAR and JAVA point it at a local build.
#
#   (no arguments)        proxy mode, configured by the environment:
#                           CONSUL_HTTP_ADDR, CONSUL_HTTP_TOKEN / CONSUL_HTTP_TOKEN_FILE, CONSUL_CACERT, ...
#                           CONNECT_SIDECAR_FOR or CONNECT_PROXY_ID (+ CONNECT_PROXY_TOKEN), read by the proxy;
#                           CONNECT_CONF (-conf), CONNECT_ADMIN_BIND (-admin-bind), CONNECT_LOG_LEVEL (-log-level),
#                           CONNECT_LOG_JSON=true (-log-json), translated to flags here
#   -flag ...             proxy mode with those flags after the ones from the environment (later flags win)
#   envoy ... | dev ...   the other modes, arguments passed as given (e.g. envoy -sidecar-for web -bootstrap);
#   validate ... | version  likewise (version, -version: what was built and what this host offers)
#   aot-train OUTPUT      build an AOT cache for this JVM and jar with the flags below (docker/aot-train.sh; JDK 25+)
#   anything else         run as a command (e.g. sh, for debugging)
set -eu

JAR="${CONNECT_PROXY_JAR:-/opt/connect-proxy/proxy-fat.jar}"
JAVA="${JAVA:-java}"
# The JVM is started by the product's launcher (bin/connect-proxy: the shipped JVM flags from conf/jvm.options,
# then JAVA_OPTS, then CONNECT_PROXY_OPTS), as everywhere else: what runs in the image is what the benchmark
# measures. In the image it sits in /opt/connect-proxy/bin, in a checkout beside docker/.
HERE="$(cd "$(dirname "$0")" && pwd)"
LAUNCHER="${CONNECT_PROXY_LAUNCHER:-}"
if [ -z "$LAUNCHER" ]; then
    for candidate in "$HERE/bin/connect-proxy" "$HERE/../bin/connect-proxy"; do
        if [ -f "$candidate" ]; then
            LAUNCHER="$candidate"
            break
        fi
    done
fi
[ -n "$LAUNCHER" ] || { echo "connect-proxy entrypoint: bin/connect-proxy not found beside $HERE" >&2; exit 2; }
JVM_OPTIONS="$(cd "$(dirname "$LAUNCHER")/.." && pwd)/conf/jvm.options"
# The image's AOT cache (JDK 25+, built by `aot-train` in the Dockerfile): classes come loaded and linked, which
# roughly halves the time to ready. It is only valid for the jar it was trained with, and the JVM does not check
# that reliably (JDK 25.0.3 took a cache trained on another jar without a word), so aot-train.sh writes the jar's
# size and modification time beside it (FILE.jar-stamp) and the cache is used only while they still match.
# A missing or stale cache is reported, not fatal: the proxy starts, more slowly. (JAVA must then be the JDK 25+ the
# cache was trained with: an older JVM rejects -XX:AOTCache as an unknown option.)
# With the cache the JVM is the image's JDK 25, which also gets --sun-misc-unsafe-memory-access=allow: Netty turns its
# sun.misc.Unsafe paths off on Java 25+ unless that is allowed, and without them the 64-byte request/response added
# p50 was +105-114 us against +85 us with them, as on JDK 17 (bench/JVM.md).
# -Xlog:aot*=error: JDK 25.0.3 prints two harmless "[warning][aot...] ... AdapterHandlerEntry" lines to stdout on
# every start with a cache, which would break line-per-record JSON logs; real cache errors are still printed.
JDK25_FLAGS="--sun-misc-unsafe-memory-access=allow -Xlog:aot*=error"
AOT_FLAGS=""
if [ -n "${CONNECT_AOT_CACHE:-}" ]; then
    if [ ! -f "$CONNECT_AOT_CACHE" ] || [ ! -r "$CONNECT_AOT_CACHE" ]; then
        echo "connect-proxy entrypoint: CONNECT_AOT_CACHE=$CONNECT_AOT_CACHE is not a readable file; starting without it (slower start-up)" >&2
    elif [ "$(cat "$CONNECT_AOT_CACHE.jar-stamp" 2>/dev/null)" != "$(stat -L -c '%s %Y' "$JAR" 2>/dev/null)" ]; then
        echo "connect-proxy entrypoint: CONNECT_AOT_CACHE=$CONNECT_AOT_CACHE was not trained with $JAR (size and time in $CONNECT_AOT_CACHE.jar-stamp differ); starting without it (slower start-up)" >&2
    else
        AOT_FLAGS="$JDK25_FLAGS -XX:AOTCache=$CONNECT_AOT_CACHE"
    fi
fi

if [ "$#" -gt 0 ]; then
    case "$1" in
        envoy|dev|validate|version|-version|--version)
            JAVA="$JAVA" CONNECT_PROXY_JAR="$JAR" CONNECT_PROXY_OPTS="$AOT_FLAGS ${CONNECT_PROXY_OPTS:-}" \
                exec sh "$LAUNCHER" "$@"
            ;;
        aot-train)
            shift
            # the launcher's flags, spelled out for the training JVMs aot-train.sh starts itself
            JVM_FLAGS="$(sed -e 's/#.*//' "$JVM_OPTIONS" | tr '\n' ' ')"
            JAVA="$JAVA" CONNECT_PROXY_JAR="$JAR" JVM_FLAGS="$JVM_FLAGS $JDK25_FLAGS ${JAVA_OPTS:-}" \
                exec bash "$(dirname "$0")/aot-train.sh" "$@"
            ;;
        -*)
            ;;
        *)
            exec "$@"
            ;;
    esac
fi

# proxy mode: flags from the environment first, then the command line's
set -- \
    ${CONNECT_CONF:+-conf "$CONNECT_CONF"} \
    ${CONNECT_ADMIN_BIND:+-admin-bind "$CONNECT_ADMIN_BIND"} \
    ${CONNECT_LOG_LEVEL:+-log-level "$CONNECT_LOG_LEVEL"} \
    "$@"
if [ "${CONNECT_LOG_JSON:-false}" = "true" ]; then
    set -- -log-json "$@"
fi
JAVA="$JAVA" CONNECT_PROXY_JAR="$JAR" CONNECT_PROXY_OPTS="$AOT_FLAGS ${CONNECT_PROXY_OPTS:-}" exec sh "$LAUNCHER" "$@"
