#!/usr/bin/env bash
# Builds Keel and runs every test: the Raft simulator over 2,000 seeds (release build), the unit
# and integration tests (`swift test`, which drive the real etcdctl against Keel's etcd), a chaos
# smoke (three short fault-injection runs, checked for linearizability and lost writes, plus one
# run with a reintroduced etcd bug that the checkers must catch) and a smoke of the benchmark tool.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product raft-sim
"$(swift build -c release --show-bin-path)/raft-sim" --seeds 1..2000
swift build --build-tests
swift test --skip-build
BIN=$(swift build --show-bin-path)
"$BIN/chaos" run --smoke --seed 1 --results .build/chaos-results
# A reintroduced etcd bug (acknowledging before fsync) must be caught by the same checkers.
"$BIN/chaos" run --scenario smoke-single --seed 1 --env KEEL_CANARY=ackBeforeFsync --expect-fail --results .build/chaos-results
scripts/bench-smoke.sh "$BIN"
