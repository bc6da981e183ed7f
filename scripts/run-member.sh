#!/usr/bin/env bash
# Builds Keel and runs a local etcd member (name "default", data in ./default.etcd, clients on
# 127.0.0.1:2379). Extra arguments are etcd flags, e.g. --data-dir /tmp/keel.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product etcd
exec "$(swift build -c release --show-bin-path)/etcd" "$@"
