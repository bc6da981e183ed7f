#!/usr/bin/env bash
# Side-by-side benchmark (3-member clusters: scripts/bench-cluster.sh): builds release `etcd`
# (Keel) and `benchmark`, starts one Keel member
# and one reference etcd (/usr/bin/etcd) with the same flags on loopback, data under the same
# directory, runs the same workloads against both in alternation for a few rounds, and writes
# a Markdown table of medians and Keel/etcd ratios to results/bench-<timestamp>.md.
#
# Environment: ROUNDS (default 3), SCALE (multiplies every --total, may be a fraction; default 1),
# REF_ETCD (default /usr/bin/etcd), SCRATCH (SwiftPM scratch path, default .build-bench),
# SKIP_BUILD=1 to reuse the binaries already built, BIN_DIR=<dir> to use binaries from <dir>.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
ROOT=$PWD
ROUNDS=${ROUNDS:-3}
SCALE=${SCALE:-1}
REF_ETCD=${REF_ETCD:-/usr/bin/etcd}
SCRATCH=${SCRATCH:-.build-bench}
STAMP=$(date -u +%Y%m%d-%H%M%S)
RESULTS=$ROOT/results
WORK=$RESULTS/bench-$STAMP.work
REPORT=$RESULTS/bench-$STAMP.md
CLK_TCK=$(getconf CLK_TCK)

if [[ -n "${BIN_DIR:-}" ]]; then
    BIN=$BIN_DIR  # binaries from elsewhere, e.g. .build/debug to check the harness itself
else
    if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
        swift build --scratch-path "$SCRATCH" -c release --product etcd
        swift build --scratch-path "$SCRATCH" -c release --product benchmark
    fi
    BIN=$(swift build --scratch-path "$SCRATCH" -c release --show-bin-path)
fi
KEEL_ETCD=$BIN/etcd
BENCH=$BIN/benchmark
[[ -x "$KEEL_ETCD" && -x "$BENCH" && -x "$REF_ETCD" ]] || { echo "missing binaries" >&2; exit 1; }

mkdir -p "$WORK"
declare -A PID PORT

cleanup() {
    for server in keel etcd; do
        local pid=${PID[$server]:-}
        if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null || true
            for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -9 "$pid" 2>/dev/null || true
        fi
    done
    rm -rf "$WORK/data"
}
trap cleanup EXIT INT TERM

# Four distinct free loopback ports (the kernel picks them; released just before the servers bind).
read -r PORT[keel] PORT[keelpeer] PORT[etcd] PORT[etcdpeer] < <(python3 - <<'PY'
import socket
socks = []
for _ in range(4):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
)

start_server() {
    local server=$1 binary=$2
    local client=http://127.0.0.1:${PORT[$server]} peer=http://127.0.0.1:${PORT[${server}peer]}
    mkdir -p "$WORK/data"
    "$binary" --name "$server" --data-dir "$WORK/data/$server" \
        --listen-client-urls "$client" --advertise-client-urls "$client" \
        --listen-peer-urls "$peer" --initial-advertise-peer-urls "$peer" \
        --initial-cluster "$server=$peer" --initial-cluster-state new \
        >"$WORK/$server.log" 2>&1 &
    PID[$server]=$!
    for _ in $(seq 1 100); do
        if timeout 5 "$BENCH" --endpoints "127.0.0.1:${PORT[$server]}" range bench-ready --total 1 --json \
            >/dev/null 2>&1; then
            return 0
        fi
        kill -0 "${PID[$server]}" 2>/dev/null || break
        sleep 0.2
    done
    echo "$server did not start; log: $WORK/$server.log" >&2
    tail -20 "$WORK/$server.log" >&2
    exit 1
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
peak_rss_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }

start_server keel "$KEEL_ETCD"
start_server etcd "$REF_ETCD"
# The key the range workloads read (a 256-byte value), written to both servers.
for server in keel etcd; do
    ETCDCTL_API=3 timeout 10 etcdctl --endpoints "127.0.0.1:${PORT[$server]}" put bench-range-key \
        "$(head -c 256 /dev/zero | tr '\0' v)" >/dev/null
done

# SCALE may be a fraction (SCALE=0.01 ROUNDS=1 is a quick smoke of the harness and the tool).
total() { awk -v n="$1" -v s="$SCALE" 'BEGIN { v = int(n * s); print (v < 1 ? 1 : v) }'; }
# name|benchmark arguments (the same for both servers)
WORKLOADS=(
    "put 1 client/1 conn|put --key-size 8 --val-size 256 --clients 1 --conns 1 --total $(total 5000) --sequential-keys --key-space-size 100000"
    "put 100 clients/10 conns|put --key-size 8 --val-size 256 --clients 100 --conns 10 --total $(total 20000) --sequential-keys --key-space-size 100000"
    "range linearizable 100 clients|range bench-range-key --consistency l --clients 100 --conns 10 --total $(total 20000)"
    "range serializable 100 clients|range bench-range-key --consistency s --clients 100 --conns 10 --total $(total 20000)"
    "txn-put 100 clients/10 conns|txn-put --key-size 8 --val-size 256 --clients 100 --conns 10 --total $(total 20000) --key-space-size 100000"
    "txn-mixed 100 clients (rw 4:1)|txn-mixed bench-range-key --rw-ratio 4 --key-size 8 --val-size 256 --clients 100 --conns 10 --total $(total 20000) --key-space-size 100000"
    "watch-latency 1000 watchers|watch-latency --clients 1000 --conns 10 --put-total $(total 200) --put-rate 100"
    "lease-keepalive 100 clients|lease-keepalive --clients 100 --conns 10 --total $(total 20000)"
    "stm 100 clients, 1000 keys|stm --clients 100 --conns 10 --keys 1000 --keys-per-txn 2 --total $(total 5000)"
)

RAW=$WORK/raw.tsv
printf 'round\tworkload\tserver\trps\tp50\tp99\tcpu_per_1k\trss_mb\terrors\n' >"$RAW"

run_one() {
    local round=$1 name=$2 args=$3 server=$4
    local pid=${PID[$server]} before after out
    before=$(cpu_ticks "$pid")
    # shellcheck disable=SC2086  # the argument list is split on purpose
    out=$(timeout 120 "$BENCH" --endpoints "127.0.0.1:${PORT[$server]}" --json $args)
    after=$(cpu_ticks "$pid")
    echo "$out" | jq -r --arg r "$round" --arg w "$name" --arg s "$server" \
        --argjson cpu "$(( after - before ))" --argjson hz "$CLK_TCK" --argjson rss "$(peak_rss_kb "$pid")" \
        '[$r, $w, $s, .rps, .percentiles.p50, .percentiles.p99,
          (if .requests > 0 then ($cpu / $hz) / .requests * 1000 else 0 end), ($rss / 1024), .errors] | @tsv' \
        >>"$RAW"
    echo "round $round  $(printf '%-32s' "$name") $server: $(echo "$out" | jq -r '"\(.rps | floor) req/s, p50 \(.percentiles.p50 * 100000 | round / 100)ms, p99 \(.percentiles.p99 * 100000 | round / 100)ms, errors \(.errors)"')"
}

for round in $(seq 1 "$ROUNDS"); do
    # Alternate which server goes first, so neither always runs on a warmer machine.
    if (( round % 2 == 1 )); then order="keel etcd"; else order="etcd keel"; fi
    for workload in "${WORKLOADS[@]}"; do
        name=${workload%%|*}
        args=${workload#*|}
        for server in $order; do
            run_one "$round" "$name" "$args" "$server"
        done
    done
done

python3 - "$RAW" "$REPORT" "$ROUNDS" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)" "$("$REF_ETCD" --version | head -1)" <<'PY'
import csv, statistics, sys, datetime
raw, report, rounds, cores, load, refversion = sys.argv[1:7]
rows = list(csv.DictReader(open(raw), delimiter="\t"))
workloads = list(dict.fromkeys(r["workload"] for r in rows))
metrics = [("rps", "req/s", "{:.0f}"), ("p50", "p50 ms", "{:.2f}"), ("p99", "p99 ms", "{:.2f}"),
           ("cpu_per_1k", "CPU-s / 1k req", "{:.3f}"), ("rss_mb", "peak RSS MB", "{:.1f}")]
scale = {"p50": 1000, "p99": 1000}
def median(workload, server, metric):
    values = [float(r[metric]) * scale.get(metric, 1) for r in rows if r["workload"] == workload and r["server"] == server]
    return statistics.median(values) if values else float("nan")
lines = [f"# Keel vs etcd 3.4 — {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC", "",
         f"Single member each ({refversion} as reference), loopback, same disk, {cores} cores, "
         f"{rounds} rounds alternating; medians. Load average at the end: {load} (the machine may be shared).",
         "Ratio = Keel / etcd (req/s: higher is better for Keel; latency, CPU, RSS: lower is better).", "",
         "| workload | " + " | ".join(f"{label} Keel | {label} etcd | ratio" for _, label, _ in metrics) + " | errors |",
         "|---|" + "---|---|---|" * len(metrics) + "---|"]
for w in workloads:
    cells = []
    for metric, _, fmt in metrics:
        k, e = median(w, "keel", metric), median(w, "etcd", metric)
        cells += [fmt.format(k), fmt.format(e), f"{k / e:.2f}×" if e else "—"]
    errors = sum(int(r["errors"]) for r in rows if r["workload"] == w)
    lines.append(f"| {w} | " + " | ".join(cells) + f" | {errors} |")
lines += ["", "Peak RSS is the server's VmHWM after the workload (it only grows over the run).", ""]
open(report, "w").write("\n".join(lines))
print("\n".join(lines))
PY
cp "$RAW" "$RESULTS/bench-$STAMP.tsv"
echo "report: $REPORT"
# Failed requests make the numbers meaningless: say so through the exit status.
failed=$(awk -F'\t' 'NR > 1 { sum += $9 } END { print sum + 0 }' "$RAW")
if (( failed > 0 )); then
    echo "$failed requests failed; see $REPORT" >&2
    exit 1
fi
