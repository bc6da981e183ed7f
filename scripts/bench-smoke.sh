#!/usr/bin/env bash
# CI smoke test of the benchmark tool (correctness, not speed; well under 3 minutes): starts one
# Keel member on free loopback ports, runs every benchmark workload with tiny counts and checks
# from the JSON summary that the expected number of requests succeeded without errors.
#
# Usage: scripts/bench-smoke.sh [bin-dir]   (default: .build/debug; needs `etcd` and `benchmark`
#        there, e.g. after `swift build --product etcd && swift build --product benchmark`).
#        SERVER=/usr/bin/etcd scripts/bench-smoke.sh   runs the same checks against real etcd.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-.build/debug}
SERVER=${SERVER:-$BIN/etcd}
BENCH=$BIN/benchmark
[[ -x "$SERVER" && -x "$BENCH" ]] || { echo "missing $SERVER or $BENCH (build them first)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/keel-bench-smoke.XXXXXX)
read -r CPORT PPORT DEADPORT < <(python3 -c '
import socket
s = [socket.socket() for _ in range(3)]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))')
"$SERVER" --name smoke --data-dir "$WORK/data" \
    --listen-client-urls "http://127.0.0.1:$CPORT" --advertise-client-urls "http://127.0.0.1:$CPORT" \
    --listen-peer-urls "http://127.0.0.1:$PPORT" --initial-advertise-peer-urls "http://127.0.0.1:$PPORT" \
    --initial-cluster "smoke=http://127.0.0.1:$PPORT" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
cleanup() {
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

bench() { timeout 60 "$BENCH" --endpoints "127.0.0.1:$CPORT" --json "$@"; }
for _ in $(seq 1 100); do
    bench range smoke-ready --total 1 >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
    sleep 0.2
done

failures=0
# check NAME JQ-CONDITION benchmark-args...: the run must print JSON satisfying the condition.
check() {
    local name=$1 condition=$2 out
    shift 2
    if out=$(bench "$@") && echo "$out" | jq -e "$condition" >/dev/null; then
        echo "ok   $name: $(echo "$out" | jq -c '{requests, errors, rps: (.rps | floor)}')"
    else
        echo "FAIL $name: ${out:-no output}" >&2
        failures=$((failures + 1))
    fi
}

check "put 200" '.requests == 200 and .errors == 0' put --total 200 --clients 10 --conns 2 --key-space-size 1000
check "range l" '.requests == 50 and .errors == 0' range smoke --total 50 --clients 5
check "range --total 1" '.requests == 1 and .errors == 0' range smoke --total 1 --clients 5 --conns 3
check "range s" '.requests == 50 and .errors == 0' range smoke --consistency s --total 50 --clients 5
check "txn-put" '.requests == 50 and .errors == 0' txn-put --total 50 --clients 5 --txn-ops 3 --sequential-keys --key-space-size 100000
check "txn-mixed" '.requests == 100 and .errors == 0 and (.parts.read.requests + .parts.write.requests) == 100' \
    txn-mixed smoke --end-key smokf --total 100 --clients 5 --rw-ratio 2
check "lease-keepalive" '.requests == 50 and .errors == 0' lease-keepalive --total 50 --clients 5
check "stm" '.requests == 40 and .errors == 0' stm --total 40 --clients 4 --keys 3 --keys-per-txn 2
check "watch" '.errors == 0 and .parts.creation.requests == 20 and .requests > 0' \
    watch --streams 2 --watch-per-stream 10 --put-total 30 --key-space-size 4 --clients 2
check "watch-latency" '.requests == 200 and .errors == 0' watch-latency --clients 20 --conns 2 --put-total 10 --put-rate 100
# Gets run only while the watchers catch up, so a fast server may finish before one Get returns.
check "watch-get" '.errors == 0 and .requests >= 0' watch-get --watchers 500 --streams 2 --events 8

# Nothing listening: a clear error and exit status 1, at once (not a hang, not a trap).
status=0
out=$(timeout 20 "$BENCH" --endpoints "127.0.0.1:$DEADPORT" --json range smoke --total 1 2>&1) || status=$?
if (( status == 1 )) && [[ "$out" == *"cannot connect to 127.0.0.1:$DEADPORT"* ]]; then
    echo "ok   unreachable endpoint: exit 1, ${out%%$'\n'*}"
else
    echo "FAIL unreachable endpoint: status $status, ${out:-no output}" >&2
    failures=$((failures + 1))
fi

if (( failures > 0 )); then
    echo "$failures benchmark smoke checks failed; server log:" >&2
    tail -20 "$WORK/server.log" >&2
    exit 1
fi
echo "benchmark smoke: all checks passed"
