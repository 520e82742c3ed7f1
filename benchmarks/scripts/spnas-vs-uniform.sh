#!/usr/bin/env bash
# Does the Single-Path NAS search pay? At two latency targets, the searched network against the uniform networks of
# the same space nearest to it in latency (all blocks, and fewer blocks), each trained from scratch the same way
# with 3 seeds; prints a markdown table (latency predicted and measured, accuracy per seed).
#   benchmarks/scripts/spnas-vs-uniform.sh [--targets 0.45,0.6] [--seeds 3] [--epochs 2] [--out DIR]
# Latency is timed on this machine: run it when the machine is quiet and note the load (uptime).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
uptime
(cd "$root" && mvn -B -q -pl benchmarks -am package -Dmaven.test.skip=true -Prun \
  -Dexec.mainClass=io.dl4jdms.benchmarks.spnas.SinglePathVsUniform -Dexec.args="$*")
uptime
