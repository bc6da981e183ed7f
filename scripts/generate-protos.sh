#!/usr/bin/env bash
# Regenerates Sources/EtcdAPI from etcd 3.4's .proto files as Debian's golang-etcd-server-dev
# installs them. Needs protobuf-compiler and golang-etcd-server-dev; builds protoc-gen-swift from
# the swift-protobuf package this project depends on (about a minute, once).
set -euo pipefail
cd "$(dirname "$0")/.."
GOCODE=/usr/share/gocode/src
swift build --scratch-path .build-protoc -c release --product protoc-gen-swift >/dev/null
PLUGIN="$(swift build --scratch-path .build-protoc -c release --show-bin-path)/protoc-gen-swift"
OUT=Sources/EtcdAPI
rm -f "$OUT"/*.pb.swift
INCLUDES=(
  -I "$GOCODE/go.etcd.io"
  -I "$GOCODE/github.com/gogo/protobuf"
  -I "$GOCODE/github.com/grpc-ecosystem/grpc-gateway/third_party/googleapis"
  -I /usr/include
)
SWIFT=(--plugin=protoc-gen-swift="$PLUGIN" --swift_out="$OUT"
  --swift_opt=Visibility=Public --swift_opt=FileNaming=PathToUnderscores)
protoc "${INCLUDES[@]}" "${SWIFT[@]}" \
  etcd/etcdserver/etcdserverpb/rpc.proto \
  etcd/mvcc/mvccpb/kv.proto \
  etcd/auth/authpb/auth.proto \
  etcd/lease/leasepb/lease.proto \
  etcd/etcdserver/api/v3lock/v3lockpb/v3lock.proto \
  etcd/etcdserver/api/v3election/v3electionpb/v3election.proto
# raft_internal.proto (etcd's proposal format) imports its neighbours by bare name.
protoc -I "$GOCODE/go.etcd.io/etcd/etcdserver/etcdserverpb" "${INCLUDES[@]}" "${SWIFT[@]}" \
  raft_internal.proto etcdserver.proto
ls "$OUT"/*.pb.swift | wc -l
