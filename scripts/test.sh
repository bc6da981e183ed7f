#!/usr/bin/env bash
# Builds Keel and runs every test: the Raft simulator over 2,000 seeds (release build), then the
# unit and integration tests (`swift test`, which drive the real etcdctl against Keel's etcd).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product raft-sim
"$(swift build -c release --show-bin-path)/raft-sim" --seeds 1..2000
swift build --build-tests
swift test --skip-build
