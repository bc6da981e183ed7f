#!/bin/sh
# Runs Keel's etcd integration tests (Tests/EtcdServerTests/Integration): the differential
# session against etcd 3.4, etcd's Go client check and the kill -9 crash test.
#
#   scripts/itest-run.sh                 # against the etcd SwiftPM builds next to the tests
#   scripts/itest-run.sh /usr/bin/etcd   # against the reference: proves the harness itself
#   scripts/itest-run.sh "" Differential # only one suite (Differential, GoClient or Crash)
#
# Needs the Debian packages etcd-server (reference), etcd-client (etcdctl), golang-go and
# golang-etcd-server-dev (Go client), curl.
set -eu
cd "$(dirname "$0")/.."
binary="${1:-}"
suite="${2:-}"
filter="EtcdIntegration${suite:+.$suite}"
if [ -n "$binary" ]; then
    KEEL_ETCD_BIN="$binary" exec swift test --filter "$filter"
fi
exec swift test --filter "$filter"
