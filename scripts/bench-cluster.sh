#!/usr/bin/env bash
# Side-by-side benchmark: a SIZE-member Keel cluster (default 3; SIZE=1 for one member) and a
# SIZE-member reference etcd (/usr/bin/etcd), both on loopback with the same flags and data on
# the same disk, driven by the same `benchmark` runs in alternation for ROUNDS rounds; then a
# large-state step per cluster (load LARGE_KEYS keys, RSS of every member, kill -9 the last
# member and time its restart until it serves a linearizable read). Writes a Markdown table of
# medians and Keel/etcd ratios plus a PNG chart (gnuplot) to results/bench-cluster-<stamp>.*
# (results/bench-<stamp>.* for SIZE=1).
#
# Usage:  scripts/bench-cluster.sh                      (full run, ~30-60 min on 2 cores)
#         SCALE=0.01 ROUNDS=1 scripts/bench-cluster.sh  (smoke: a few seconds per workload)
#         SIZE=1 scripts/bench-cluster.sh               (one member each; scripts/bench.sh)
#
# Environment: SIZE (members per cluster, default 3), ROUNDS (default 3), SCALE (multiplies
# every request count and LARGE_KEYS, may be a fraction; default 1), LARGE_KEYS (default
# 1000000), SKIP_LARGE=1 to skip the large-state step, REF_ETCD (default /usr/bin/etcd), SCRATCH
# (SwiftPM scratch path, default .build-bench), SKIP_BUILD=1 to reuse the binaries already
# built, BIN_DIR=.build/debug to use binaries from another directory (no build; handy for
# checking the harness itself).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
ROOT=$PWD
SIZE=${SIZE:-3}
[[ "$SIZE" =~ ^[1-9]$ ]] || { echo "SIZE must be a member count from 1 to 9, not \"$SIZE\"" >&2; exit 1; }
ROUNDS=${ROUNDS:-3}
SCALE=${SCALE:-1}
LARGE_KEYS=${LARGE_KEYS:-1000000}
REF_ETCD=${REF_ETCD:-/usr/bin/etcd}
SCRATCH=${SCRATCH:-.build-bench}
STAMP=$(date -u +%Y%m%d-%H%M%S)
RESULTS=$ROOT/results
if (( SIZE == 1 )); then NAME=bench-$STAMP; else NAME=bench-cluster-$STAMP; fi
WORK=$RESULTS/$NAME.work
REPORT=$RESULTS/$NAME.md
CHART=$RESULTS/$NAME.png
CLK_TCK=$(getconf CLK_TCK)
SERVERS=(keel etcd)
mapfile -t MEMBERS < <(seq 1 "$SIZE")

if [[ -n "${BIN_DIR:-}" ]]; then
    BIN=$BIN_DIR
else
    if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
        swift build --scratch-path "$SCRATCH" -c release --product etcd
        swift build --scratch-path "$SCRATCH" -c release --product benchmark
    fi
    BIN=$(swift build --scratch-path "$SCRATCH" -c release --show-bin-path)
fi
declare -A BINARY=([keel]=$BIN/etcd [etcd]=$REF_ETCD)
BENCH=$BIN/benchmark
[[ -x "${BINARY[keel]}" && -x "$BENCH" && -x "$REF_ETCD" ]] || { echo "missing binaries" >&2; exit 1; }

mkdir -p "$WORK/data"
declare -A PID CPORT PPORT

stop_member() {
    local key=$1 pid=${PID[$1]:-}
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    fi
    PID[$key]=""
}

cleanup() {
    for server in "${SERVERS[@]}"; do for m in "${MEMBERS[@]}"; do stop_member "$server$m"; done; done
    rm -rf "$WORK/data"
}
trap cleanup EXIT INT TERM

# Distinct free loopback ports, a client and a peer port per member (the kernel picks them;
# released just before the servers bind).
read -r -a ports < <(python3 - "$(( 4 * SIZE ))" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
)
i=0
for server in "${SERVERS[@]}"; do
    for m in "${MEMBERS[@]}"; do
        CPORT[$server$m]=${ports[$i]}; PPORT[$server$m]=${ports[$((i + 1))]}; i=$((i + 2))
    done
done

endpoints() {
    local s=$1 out="" m
    for m in "${MEMBERS[@]}"; do out+="${out:+,}127.0.0.1:${CPORT[$s$m]}"; done
    echo "$out"
}
initial_cluster() {
    local s=$1 out="" m
    for m in "${MEMBERS[@]}"; do out+="${out:+,}$s$m=http://127.0.0.1:${PPORT[$s$m]}"; done
    echo "$out"
}

# Starts member m of `server` (same flags for Keel and etcd; an existing data dir is reused).
launch_member() {
    local server=$1 m=$2 key=$1$2
    local client=http://127.0.0.1:${CPORT[$key]} peer=http://127.0.0.1:${PPORT[$key]}
    "${BINARY[$server]}" --name "$key" --data-dir "$WORK/data/$key" \
        --listen-client-urls "$client" --advertise-client-urls "$client" \
        --listen-peer-urls "$peer" --initial-advertise-peer-urls "$peer" \
        --initial-cluster "$(initial_cluster "$server")" --initial-cluster-state new \
        --initial-cluster-token "bench-$server" \
        >>"$WORK/$key.log" 2>&1 &
    PID[$key]=$!
    disown "${PID[$key]}"  # no "Killed" notice from the shell when the restart step kills it
}

# Waits until a linearizable read through `endpoint_list` succeeds (a leader exists and, for a
# single endpoint, that member serves); prints the seconds waited. Bounded by `limit` seconds.
wait_serving() {
    local endpoint_list=$1 limit=$2 start now
    start=$(date +%s.%N)
    while true; do
        if timeout 5 "$BENCH" --endpoints "$endpoint_list" range bench-ready --total 1 --json 2>/dev/null \
            | jq -e '.requests == 1' >/dev/null 2>&1; then
            now=$(date +%s.%N)
            awk -v a="$start" -v b="$now" 'BEGIN { printf "%.2f\n", b - a }'
            return 0
        fi
        now=$(date +%s.%N)
        if awk -v a="$start" -v b="$now" -v l="$limit" 'BEGIN { exit !(b - a > l) }'; then return 1; fi
        sleep 0.1
    done
}

start_cluster() {
    local server=$1 m
    for m in "${MEMBERS[@]}"; do launch_member "$server" "$m"; done
    if ! wait_serving "$(endpoints "$server")" 60 >/dev/null; then
        echo "$server cluster did not start; logs in $WORK" >&2
        for m in "${MEMBERS[@]}"; do tail -5 "$WORK/$server$m.log" >&2; done
        exit 1
    fi
    ETCDCTL_API=3 timeout 10 etcdctl --endpoints "$(endpoints "$server")" put bench-range-key \
        "$(head -c 256 /dev/zero | tr '\0' v)" >/dev/null
}

# Runs `benchmark` (first argument: time limit in seconds) and prints its JSON summary. A run that
# failed (exit status 1: the cluster became unreachable, or every request failed) still counts:
# its summary is kept (or, with no output at all, one failed request), so the report shows the
# errors and the script's exit status says the numbers are not a measurement.
bench_json() {
    local limit=$1 out
    shift
    out=$(timeout "$limit" "$BENCH" "$@") || echo "benchmark $* failed (status $?)" >&2
    if ! jq -e 'has("requests")' >/dev/null 2>&1 <<<"$out"; then
        out='{"rps":0,"percentiles":{"p50":0,"p99":0},"requests":0,"errors":1}'
    fi
    echo "$out"
}

cluster_cpu_ticks() {
    local s=$1 m sum=0
    for m in "${MEMBERS[@]}"; do sum=$((sum + $(awk '{print $14 + $15}' "/proc/${PID[$s$m]}/stat"))); done
    echo "$sum"
}
# Largest VmHWM (peak) or VmRSS (current) of the members, in kB.
cluster_max_kb() {
    local s=$1 field=$2 m v max=0
    for m in "${MEMBERS[@]}"; do
        v=$(awk -v f="$field:" '$1 == f {print $2}' "/proc/${PID[$s$m]}/status")
        (( v > max )) && max=$v
    done
    echo "$max"
}

for server in "${SERVERS[@]}"; do start_cluster "$server"; done

# SCALE may be a fraction (SCALE=0.01 ROUNDS=1 is a quick smoke of the harness and the tool).
total() { awk -v n="$1" -v s="$SCALE" 'BEGIN { v = int(n * s); printf "%d\n", (v < 1 ? 1 : v) }'; }
# name|benchmark arguments (the same for both clusters, every member as an endpoint)
WORKLOADS=(
    "put 1 client/1 conn|put --key-size 8 --val-size 256 --clients 1 --conns 1 --total $(total 5000) --sequential-keys --key-space-size 100000"
    "put 100 clients/10 conns|put --key-size 8 --val-size 256 --clients 100 --conns 10 --total $(total 20000) --sequential-keys --key-space-size 100000"
    "range l 100 clients|range bench-range-key --consistency l --clients 100 --conns 10 --total $(total 20000)"
    "range s 100 clients|range bench-range-key --consistency s --clients 100 --conns 10 --total $(total 20000)"
    "txn-put 100 clients/10 conns|txn-put --key-size 8 --val-size 256 --clients 100 --conns 10 --total $(total 20000) --key-space-size 100000"
    "txn-mixed 100 clients (rw 4:1)|txn-mixed bench-range-key --rw-ratio 4 --key-size 8 --val-size 256 --clients 100 --conns 10 --total $(total 20000) --key-space-size 100000"
    "watch-latency 1000 watchers|watch-latency --clients 1000 --conns 10 --put-total $(total 200) --put-rate 100"
    "lease-keepalive 100 clients|lease-keepalive --clients 100 --conns 10 --total $(total 20000)"
    "stm 100 clients, 1000 keys|stm --clients 100 --conns 10 --keys 1000 --keys-per-txn 2 --total $(total 5000)"
)

RAW=$WORK/raw.tsv
printf 'round\tworkload\tserver\trps\tp50\tp99\tcpu_per_1k\trss_mb\terrors\n' >"$RAW"

run_one() {
    local round=$1 name=$2 args=$3 server=$4 before after out
    before=$(cluster_cpu_ticks "$server")
    # shellcheck disable=SC2086  # the argument list is split on purpose
    out=$(bench_json 600 --endpoints "$(endpoints "$server")" --json $args)
    after=$(cluster_cpu_ticks "$server")
    echo "$out" | jq -r --arg r "$round" --arg w "$name" --arg s "$server" \
        --argjson cpu "$(( after - before ))" --argjson hz "$CLK_TCK" --argjson rss "$(cluster_max_kb "$server" VmHWM)" \
        '[$r, $w, $s, .rps, .percentiles.p50, .percentiles.p99,
          (if .requests > 0 then ($cpu / $hz) / .requests * 1000 else 0 end), ($rss / 1024), .errors] | @tsv' \
        >>"$RAW"
    echo "round $round  $(printf '%-30s' "$name") $server: $(echo "$out" | jq -r '"\(.rps | floor) req/s, p50 \(.percentiles.p50 * 100000 | round / 100)ms, p99 \(.percentiles.p99 * 100000 | round / 100)ms, errors \(.errors)"')"
}

for round in $(seq 1 "$ROUNDS"); do
    # Alternate which cluster goes first, so neither always runs on a warmer machine.
    if (( round % 2 == 1 )); then order="keel etcd"; else order="etcd keel"; fi
    for workload in "${WORKLOADS[@]}"; do
        name=${workload%%|*}
        args=${workload#*|}
        for server in $order; do run_one "$round" "$name" "$args" "$server"; done
    done
done

# Large state, one cluster at a time (the other is stopped so they do not compete for memory).
LARGE=$WORK/large.tsv
printf 'server\tkeys\tload_rps\tload_errors\trss_max_mb\thwm_max_mb\trestart_s\trestarted_rss_mb\n' >"$LARGE"
large_state() {
    local server=$1 n out rss hwm restart restarted_rss
    n=$(total "$LARGE_KEYS")
    out=$(bench_json 3600 --endpoints "$(endpoints "$server")" --json put --clients 100 --conns 10 \
        --total "$n" --key-space-size "$n" --sequential-keys --key-size 16 --val-size 128)
    rss=$(cluster_max_kb "$server" VmRSS)
    hwm=$(cluster_max_kb "$server" VmHWM)
    # Kill the last member without warning, restart it on its data, time until it serves a
    # linearizable read (with SIZE=1 that is the whole cluster restarting).
    local last=$server$SIZE
    kill -9 "${PID[$last]}"
    while kill -0 "${PID[$last]}" 2>/dev/null; do sleep 0.05; done
    launch_member "$server" "$SIZE"
    restart=$(wait_serving "127.0.0.1:${CPORT[$last]}" 600) || restart=nan
    restarted_rss=$(awk '$1 == "VmRSS:" {print $2}' "/proc/${PID[$last]}/status")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$server" "$n" "$(echo "$out" | jq .rps)" "$(echo "$out" | jq .errors)" \
        "$((rss / 1024))" "$((hwm / 1024))" "$restart" "$((restarted_rss / 1024))" >>"$LARGE"
    echo "large state $server: $n keys at $(echo "$out" | jq '.rps | floor') req/s, max member RSS $((rss / 1024)) MB, restart-to-serve ${restart}s"
}
if [[ "${SKIP_LARGE:-0}" != 1 ]]; then
    for server in "${SERVERS[@]}"; do
        for other in "${SERVERS[@]}"; do
            [[ "$other" == "$server" ]] && continue
            for m in "${MEMBERS[@]}"; do stop_member "$other$m"; done
        done
        [[ -n "${PID[${server}1]}" ]] || start_cluster "$server"
        large_state "$server"
    done
fi

python3 - "$RAW" "$LARGE" "$REPORT" "$WORK/ratios.dat" "$ROUNDS" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)" \
    "$("$REF_ETCD" --version | head -1)" "$SIZE" <<'PY'
import csv, statistics, sys, datetime, math
raw, large, report, dat, rounds, cores, load, refversion, size = sys.argv[1:10]
size = int(size)
shape = "single members" if size == 1 else f"{size}-member clusters"
rows = list(csv.DictReader(open(raw), delimiter="\t"))
workloads = list(dict.fromkeys(r["workload"] for r in rows))
metrics = [("rps", "req/s", "{:.0f}"), ("p50", "p50 ms", "{:.2f}"), ("p99", "p99 ms", "{:.2f}"),
           ("cpu_per_1k", "CPU-s / 1k req", "{:.3f}"), ("rss_mb", "peak RSS MB", "{:.1f}")]
scale = {"p50": 1000, "p99": 1000}
def median(workload, server, metric):
    values = [float(r[metric]) * scale.get(metric, 1) for r in rows if r["workload"] == workload and r["server"] == server]
    return statistics.median(values) if values else float("nan")
def ratio(k, e):
    return k / e if e and not math.isnan(e) else float("nan")
lines = [f"# Keel vs etcd 3.4, {shape} — {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC", "",
         f"{size} member(s) each ({refversion} as reference), loopback, same disk, {cores} cores, "
         f"{rounds} rounds alternating; medians. Load average at the end: {load} (the machine may be shared).",
         (f"Requests go to all {size} members (connection i starts at member i mod {size}). CPU is the sum over "
          "the members' processes; RSS is the largest member's VmHWM." if size > 1 else
          "CPU and RSS (VmHWM) are the member process's."),
         "watch-latency counts one result per event per watcher (from sending the put to the watcher receiving it).",
         "Ratio = Keel / etcd (req/s: higher is better for Keel; latency, CPU, RSS: lower is better).", "",
         "| workload | " + " | ".join(f"{label} Keel | {label} etcd | ratio" for _, label, _ in metrics) + " | errors |",
         "|---|" + "---|---|---|" * len(metrics) + "---|"]
chart = []
for w in workloads:
    cells, chart_row = [], []
    for metric, _, fmt in metrics:
        k, e = median(w, "keel", metric), median(w, "etcd", metric)
        r = ratio(k, e)
        cells += [fmt.format(k), fmt.format(e), "—" if math.isnan(r) else f"{r:.2f}×"]
        if metric in ("rps", "p99", "cpu_per_1k"): chart_row.append(r)
    errors = sum(int(r["errors"]) for r in rows if r["workload"] == w)
    lines.append(f"| {w} | " + " | ".join(cells) + f" | {errors} |")
    chart.append((w, chart_row))
big = list(csv.DictReader(open(large), delimiter="\t"))
if big:
    by = {r["server"]: r for r in big}
    lines += ["", f"## Large state ({big[0]['keys']} keys, 16-byte keys, 128-byte values, put by 100 clients)", "",
              "| metric | Keel | etcd | ratio |", "|---|---|---|---|"]
    for field, label in [("load_rps", "load req/s"), ("rss_max_mb", "largest member RSS after load, MB"),
                         ("hwm_max_mb", "largest member peak RSS, MB"),
                         ("restart_s", f"kill -9 of member {size} → serving a linearizable read, s"),
                         ("restarted_rss_mb", "restarted member RSS, MB"), ("load_errors", "load errors")]:
        k = float(by.get("keel", {}).get(field, "nan")); e = float(by.get("etcd", {}).get(field, "nan"))
        r = ratio(k, e)
        lines.append(f"| {label} | {k:g} | {e:g} | {'—' if math.isnan(r) else f'{r:.2f}×'} |")
    rss_ratio = ratio(float(by.get("keel", {}).get("rss_max_mb", "nan")), float(by.get("etcd", {}).get("rss_max_mb", "nan")))
    chart.append(("large-state RSS", [float("nan"), float("nan"), float("nan"), rss_ratio]))
lines += ["", "Chart: Keel/etcd ratios (1 = parity, log scale, clipped to 1/16–16) for req/s, p99, CPU per 1k",
          "requests and the large-state RSS.", ""]
open(report, "w").write("\n".join(lines))
with open(dat, "w") as f:
    for name, values in chart:
        values = (values + [float("nan")] * 4)[:4]
        f.write('"' + name.replace('"', "'") + '" ' + " ".join("NaN" if math.isnan(v) else f"{v:.4f}" for v in values) + "\n")
print("\n".join(lines))
PY

if command -v gnuplot >/dev/null; then
    gnuplot <<GP
set terminal pngcairo size 1200,600 noenhanced
set output "$CHART"
set title "Keel / etcd 3.4, $( (( SIZE == 1 )) && echo "single members" || echo "$SIZE-member clusters") (medians of $ROUNDS rounds; 1 = parity, log scale)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set grid ytics
set logscale y 2
set yrange [0.0625:16]
set ytics ("1/16" 0.0625, "1/8" 0.125, "1/4" 0.25, "1/2" 0.5, "1" 1, "2" 2, "4" 4, "8" 8, "16" 16)
set xtics rotate by -25
set key outside top center horizontal
set arrow from graph 0, first 1 to graph 1, first 1 nohead dashtype 2 lw 2
plot "$WORK/ratios.dat" using 2:xtic(1) title "req/s (higher: Keel faster)", \
     "" using 3 title "p99 latency (lower: Keel faster)", \
     "" using 4 title "CPU per 1k req (lower: Keel cheaper)", \
     "" using 5 title "RSS with large state (lower: Keel leaner)"
GP
    echo "chart: $CHART"
    echo "" >>"$REPORT"
    echo "![Keel/etcd ratios]($(basename "$CHART"))" >>"$REPORT"
else
    echo "gnuplot not installed: no chart (scripts/install-deps.sh installs it)" >&2
fi
cp "$RAW" "$RESULTS/$NAME.tsv"
cp "$LARGE" "$RESULTS/$NAME-large.tsv"
echo "report: $REPORT"
# Failed requests make the numbers meaningless: say so through the exit status.
failed=$(awk -F'\t' 'NR > 1 { sum += $9 } END { print sum + 0 }' "$RAW")
failed_large=$(awk -F'\t' 'NR > 1 { sum += $4 } END { print sum + 0 }' "$LARGE")
if (( failed + failed_large > 0 )); then
    echo "$((failed + failed_large)) requests failed; see $REPORT" >&2
    exit 1
fi
