#!/usr/bin/env bash
# "Does it rank?" and training-free scaling against uniform width scaling, on Fashion-MNIST.
#   benchmarks/scripts/trainingfree-study.sh [rank|scale|both] [extra arguments for the main classes]
# e.g. a short run on part of the embedded subset:
#   benchmarks/scripts/trainingfree-study.sh rank --architectures 24 --epochs 1 --train-per-class 100 --test-per-class 50
# The full study: --data /usr/share/datasets/fashion-mnist --epochs 3 (hours on 2 CPU cores).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
what="${1:-both}"
shift || true
run() {
  (cd "$root" && mvn -B -q -pl benchmarks -am package -Dmaven.test.skip=true -Prun \
    -Dexec.mainClass="io.dl4jdms.benchmarks.trainingfree.$1" -Dexec.args="${*:2}")
}
case "$what" in
  rank) run RankCorrelationStudy "$@" ;;
  scale) run ScaleVsUniformStudy "$@" ;;
  both) run RankCorrelationStudy "$@"; run ScaleVsUniformStudy "$@" ;;
  *) echo "usage: $0 [rank|scale|both] [arguments]" >&2; exit 2 ;;
esac
