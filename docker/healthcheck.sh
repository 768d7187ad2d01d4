#!/bin/bash
# HEALTHCHECK of the connect-proxy image: exit 0 when the admin endpoint's /ready answers 200, else 1.
# Plain bash (/dev/tcp), so the runtime image needs no curl.
#
# The admin address is the one the running proxy was given: its command line's last -admin-bind (the entrypoint
# turns CONNECT_ADMIN_BIND into that flag, and flags given to `docker run` come after it and win), read from
# /proc/$CONNECT_PROXY_PID/cmdline (PID 1 in the container: the entrypoint execs java). Without one, the
# CONNECT_ADMIN_BIND variable, else the default 127.0.0.1:19100. A wildcard bind is checked on loopback.
# -admin-bind off: there is no endpoint to ask, so the check passes and says why (docker inspect shows it),
# rather than marking a container unhealthy forever for a setting its operator chose.
pid="${CONNECT_PROXY_PID:-1}"
addr=""
if [ -r "/proc/$pid/cmdline" ]; then
    next=""
    while IFS= read -r -d '' arg; do
        if [ -n "$next" ]; then
            addr="$arg"; next=""; continue
        fi
        case "$arg" in
            -admin-bind|--admin-bind) next=1 ;;
            -admin-bind=*|--admin-bind=*) addr="${arg#*=}" ;;
        esac
    done < "/proc/$pid/cmdline"
fi
addr="${addr:-${CONNECT_ADMIN_BIND:-127.0.0.1:19100}}"
if [ "$addr" = "off" ]; then
    echo "admin endpoint off (-admin-bind off): readiness not checked"
    exit 0
fi
host="${addr%:*}"
port="${addr##*:}"
case "$host" in
    ""|0.0.0.0|"[::]") host=127.0.0.1 ;;
esac
host="${host#[}"
host="${host%]}"
exec 3<>"/dev/tcp/$host/$port" || { echo "admin endpoint $host:$port: not answering"; exit 1; }
printf 'GET /ready HTTP/1.0\r\nHost: %s\r\n\r\n' "$host" >&3
IFS= read -r -t 5 status <&3 || { echo "admin endpoint $host:$port: no answer within 5 s"; exit 1; }
case "$status" in
    "HTTP/1."[01]" 200 "*) exit 0 ;;
    *) echo "not ready: $status"; exit 1 ;;
esac
