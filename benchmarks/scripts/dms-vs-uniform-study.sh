#!/usr/bin/env bash
# DMS against uniform width scaling and compound (width and depth) scaling at equal FLOPs and equal retraining,
# several seeds and budgets; main class io.dl4jdms.benchmarks.dmsvsuniform.DmsVsUniformStudy.
#
#   benchmarks/scripts/dms-vs-uniform-study.sh OUT_DIR [study options]
#
# 1. builds the benchmarks module and the modules it needs by reactor (nothing is installed into ~/.m2),
# 2. with --latency-target: measures the supernet's latency table under the timing lock (latency-table.json),
# 3. trains every (method, budget, seed) cell that OUT_DIR does not hold yet, at the lowest CPU priority
#    (a killed run continues where it stopped when started again with the same options),
#    (with --latency-target this step searches and trains the latency-budget networks, not their uniform partners),
# 4. with --latency-target: matches each searched network's uniform partner by measured latency under the timing lock
#    (match.json), then trains those partners at the lowest priority (nothing is timed in a niced process),
# 5. times every trained network at batch 1 under the machine's timing lock (flock /tmp/timing.lock) at normal
#    priority, printing the load before and after,
# 6. writes OUT_DIR/report.md, report.json, accuracy-vs-flops.png and learning-curves.png.
# Options (defaults): --seeds 5 --epochs 10 --search-epochs 2 --budgets 0.5,0.25,0.125 --data DIR (embedded subset)
# --train-per-class N --test-per-class N --batch 64 --width-multiplier 1.5 --compound-depth 0.5
# --latency-target F,F (DMS with a latency budget of F times the base network's predicted latency, against the
# uniform width of the same measured latency).
# The full must-show run:
#   benchmarks/scripts/dms-vs-uniform-study.sh bench-study --data /usr/share/datasets/fashion-mnist --seeds 5 --epochs 10
# SKIP_LATENCY=1 leaves out the timing of every trained network (step 5; the latency-budget run keeps its locked
# steps 2 and 4); OMP_NUM_THREADS limits ND4J's threads as usual.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
[ $# -ge 1 ] || { echo "usage: $0 OUT_DIR [study options]" >&2; exit 2; }
out="$1"; shift
target="$root/benchmarks/target"
classpath_file="$target/study.classpath"
if [ -z "${SKIP_BUILD:-}" ]; then
  (cd "$root" && nice -n 19 mvn -B -q -o -Dmaven.test.skip=true package dependency:build-classpath -pl benchmarks -am \
    -Dmdep.outputFile="$classpath_file" >&2)
fi
classpath="$target/classes:$(cat "$classpath_file")"
extension=""
case "$classpath" in *linux-x86_64-onednn*) extension="-onednn" ;; esac
run() {
  java -Dorg.bytedeco.javacpp.platform.extension="$extension" -Dorg.eclipse.deeplearning4j.helpers.disable=false \
    ${STUDY_JAVA_OPTS:--Xmx4g -XX:+UseSerialGC} -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    -cp "$classpath" io.dl4jdms.benchmarks.dmsvsuniform.DmsVsUniformStudy --out "$out" "$@"
}
locked() {
  echo "load before timing: $(uptime)" >&2
  flock /tmp/timing.lock bash -c "$(declare -f run); extension='$extension'; classpath='$classpath'; out='$out'; run \"\$@\"" run "$@"
  echo "load after timing: $(uptime)" >&2
}
latency=""
case " $* " in *" --latency-target "*) latency=1 ;; esac
train() {
  start=$(date +%s)
  nice -n 19 bash -c "$(declare -f run); extension='$extension'; classpath='$classpath'; out='$out'; run \"\$@\"" run "$@"
  echo "training: $(( $(date +%s) - start )) s" >&2
}
[ -z "$latency" ] || locked "$@" --profile-latency
train "$@"
if [ -n "$latency" ]; then
  locked "$@" --profile-latency
  train "$@"
fi
if [ -z "${SKIP_LATENCY:-}" ]; then
  locked "$@" --measure-latency
fi
