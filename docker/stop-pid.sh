# Sourced by docker/aot-train.sh and bench/run.sh (bash): stop a child process the script started.
#
#   stop_pid PID [SECONDS]   SIGTERM, then up to SECONDS (default 10) for it to drain and exit, then SIGKILL; reaps it.
#                            Returns 0 whether or not the process was still running.
stop_pid() {
    local pid="$1" tenths=$(( ${2:-10} * 10 )) i
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for i in $(seq 1 "$tenths"); do
        kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
