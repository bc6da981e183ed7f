#!/usr/bin/env bash
# Builds Keel and runs every test: the Raft simulator over 2,000 seeds (release build), the unit
# and integration tests (`swift test`, which drive the real etcdctl against Keel's etcd), a chaos
# smoke (three short fault-injection runs, checked for linearizability and lost writes), the chaos
# canaries (seven reintroduced etcd bugs that the checkers must catch) and a smoke of the benchmark tool.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product raft-sim
"$(swift build -c release --show-bin-path)/raft-sim" --seeds 1..2000
swift build --build-tests
swift test --skip-build
BIN=$(swift build --show-bin-path)
"$BIN/chaos" run --smoke --seed 1 --results .build/chaos-results
# Each reintroduced etcd bug the chaos issue names must be caught by the same checkers within
# 10 runs of its scenario (`chaos canaries` exits 1 if one survives; each is caught on run 1 here).
for canary in ackBeforeFsync linearizableReadWithoutReadIndex watchResendAfterReconnect progressNotifyAheadOfEvents \
              deposedLeaderRevokesLeases dropEventAtCompaction lockWithoutLeaseRecheck; do
    "$BIN/chaos" canaries --canary "$canary" --runs 10 --seed 1 --results .build/chaos-results
done
scripts/bench-smoke.sh "$BIN"
