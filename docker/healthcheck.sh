#!/bin/bash
# HEALTHCHECK of the connect-proxy image: exit 0 when the admin endpoint's /ready answers 200, else 1.
# Plain bash (/dev/tcp), so the runtime image needs no curl. The admin address is CONNECT_ADMIN_BIND as given to
# the entrypoint (default 127.0.0.1:19100); a wildcard bind is checked on loopback.
addr="${CONNECT_ADMIN_BIND:-127.0.0.1:19100}"
host="${addr%:*}"
port="${addr##*:}"
case "$host" in
    ""|0.0.0.0|"[::]") host=127.0.0.1 ;;
esac
host="${host#[}"
host="${host%]}"
exec 3<>"/dev/tcp/$host/$port" || exit 1
printf 'GET /ready HTTP/1.0\r\nHost: %s\r\n\r\n' "$host" >&3
IFS= read -r -t 5 status <&3 || exit 1
case "$status" in
    "HTTP/1."[01]" 200 "*) exit 0 ;;
    *) exit 1 ;;
esac
