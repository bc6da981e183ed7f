#!/usr/bin/env bash
# Installs the Debian packages Keel needs, when missing: the C libraries it links (OpenSSL for
# TLS, with the openssl CLI the TLS tests use to make certificates), protoc and
# etcd's .proto files (for regenerating Sources/EtcdAPI), and the reference etcd, etcdctl and Go
# (with etcd's Go client sources) that the compatibility tests run against, and gnuplot for the
# benchmark charts (scripts/bench-cluster.sh).
set -euo pipefail
PACKAGES=(libuv1-dev libnghttp2-dev libhttp-parser-dev liblmdb-dev libssl-dev openssl libcrypt-dev protobuf-compiler
          golang-etcd-server-dev etcd-server etcd-client golang-go jq curl gnuplot-nox)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# Debian's etcd-server package may start a system etcd on 2379; Keel's member wants that port.
if command -v systemctl >/dev/null && systemctl is-active --quiet etcd 2>/dev/null; then
  $SUDO systemctl stop etcd || true
fi
