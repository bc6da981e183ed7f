#!/usr/bin/env bash
# Builds Keel and runs a local 3-member etcd cluster on loopback, like etcd's Procfile:
# members infra1..3 serve clients on 127.0.0.1:2379, :22379, :32379 (peers on :12380, :22380,
# :32380), data in ./cluster.etcd/. Ctrl-C (or SIGTERM) stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product etcd
ETCD="$(swift build -c release --show-bin-path)/etcd"
DATA="${KEEL_CLUSTER_DIR:-$PWD/cluster.etcd}"
CLUSTER="infra1=http://127.0.0.1:12380,infra2=http://127.0.0.1:22380,infra3=http://127.0.0.1:32380"
pids=()
stop() { kill -TERM "${pids[@]}" 2>/dev/null || true; wait; }
trap stop EXIT INT TERM
for i in 1 2 3; do
  client=$([ $i = 1 ] && echo 2379 || echo "${i}2379")
  peer="${i}2380"
  "$ETCD" --name "infra$i" --data-dir "$DATA/infra$i" \
    --listen-client-urls "http://127.0.0.1:$client" --advertise-client-urls "http://127.0.0.1:$client" \
    --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
    --initial-cluster-token keel-local --initial-cluster "$CLUSTER" --initial-cluster-state new \
    2> >(sed -u "s/^/infra$i | /" >&2) &
  pids+=($!)
done
echo "cluster up: etcdctl --endpoints=127.0.0.1:2379,127.0.0.1:22379,127.0.0.1:32379 member list" >&2
wait
