#!/usr/bin/env bash
# The cold-burst check of issue 11 with a pass/fail exit status: a freshly started pair (dev agent, echo app, the
# sidecars of echo and web as fat-jar processes), then 3,000 connections within 1 s through web's upstream listener,
# each a 16-byte echo, with 5 probe connections during the burst. PASS: no connection lost and every probe answered
# within 1 s. Then each sidecar's RSS every second for 60 s after the burst's connections closed (--after-burst S;
# 0 skips it), against its idle RSS before the burst. The table, the burst line and the sidecars' failure counters
# are appended to bench/RESULTS.md.
#
#   bench/burst.sh [--burst 3000] [--burst-seconds 1] [--after-burst 60] [--no-record] [--label TEXT] [other bench/run.sh flags]
#   SIDECAR_TUNING='"max_handshakes_in_flight": 0, "accept_backlog": 128' bench/burst.sh --label "no bound"
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec "$HERE/run.sh" --burst 3000 --repeats 1 --no-warmup "$@"
