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
#   envoy ... | dev ...   the other modes, arguments passed as given (e.g. envoy -sidecar-for web -bootstrap)
#   anything else         run as a command (e.g. sh, for debugging)
set -eu

JAR="${CONNECT_PROXY_JAR:-/opt/connect-proxy/proxy-fat.jar}"
JAVA="${JAVA:-java}"
# Chosen by measurement (bench/JVM.md); kept equal to bench/jvm.flags (a test checks it): a small serial-GC heap,
# native heap trimmed when idle, and no PBKDF2 rounds on the in-memory PKCS#12 store Vert.x builds from PEM.
JVM_FLAGS="-XX:+UseSerialGC -Xms16m -Xmx64m -XX:TrimNativeHeapInterval=5000 -Dkeystore.pkcs12.keyPbeIterationCount=1"

if [ "$#" -gt 0 ]; then
    case "$1" in
        envoy|dev)
            # shellcheck disable=SC2086 # JVM_FLAGS and JAVA_OPTS are lists of words on purpose
            exec "$JAVA" $JVM_FLAGS ${JAVA_OPTS:-} -jar "$JAR" "$@"
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
# shellcheck disable=SC2086
exec "$JAVA" $JVM_FLAGS ${JAVA_OPTS:-} -jar "$JAR" "$@"
