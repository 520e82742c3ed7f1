#!/usr/bin/env bash
# DMS-searched network against the uniformly width-scaled network of the same FLOPs, several seeds.
#
#   benchmarks/scripts/dms-vs-uniform.sh OUT_DIR [SEED ...] [-- extra options of 'dms search']
#
# Runs 'bin/dms search --out OUT_DIR/seed-S --seed S <extra options>' for every seed (default 1 2 3),
# then prints one line per seed and the mean and sample standard deviation of both test accuracies
# from the runs' summary.json files. A seed whose summary.json exists already is not run again.
# Example (the full Fashion-MNIST, as recorded in BENCHMARKS.md):
#   benchmarks/scripts/dms-vs-uniform.sh bench-fmnist 1 2 3 -- --data /usr/share/datasets/fashion-mnist \
#       --epochs 1 --retrain-epochs 1
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dms="${DMS:-$root/bin/dms}"
[ $# -ge 1 ] || { echo "usage: $0 OUT_DIR [SEED ...] [-- dms search options]" >&2; exit 2; }
out="$1"; shift
seeds=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do seeds+=("$1"); shift; done
[ $# -gt 0 ] && shift
[ ${#seeds[@]} -gt 0 ] || seeds=(1 2 3)
mkdir -p "$out"
for seed in "${seeds[@]}"; do
  dir="$out/seed-$seed"
  if [ -f "$dir/summary.json" ]; then
    echo "seed $seed: $dir/summary.json exists, not run again" >&2
    continue
  fi
  start=$(date +%s)
  "$dms" search --out "$dir" --seed "$seed" "$@"
  echo "seed $seed: $(( $(date +%s) - start )) s" >&2
done
dirs=(); for seed in "${seeds[@]}"; do dirs+=("$out/seed-$seed"); done
exec java -cp "$(cat "$root/dl4j-dms-cli/target/dms.classpath")" "$root/benchmarks/scripts/SummarizeRuns.java" "${dirs[@]}"
