#!/usr/bin/env bash
# The single-member side-by-side benchmark: scripts/bench-cluster.sh with one member per server.
SIZE=1 exec "$(dirname "$0")/bench-cluster.sh" "$@"
