#!/usr/bin/env bash
# Runs every JMH suite (3 forks, -prof gc) and the latency harness in one run, then writes
#   benchmarks/results/<date>.json          JMH's JSON
#   benchmarks/results/<date>-latency.json  LatencyHarness's JSON
#   benchmarks/results/<date>.md            the tables for README.md (ratios to same-run baselines, targets met or not)
# Extra arguments go to JMH, e.g. a suite filter: benchmarks/run-suites.sh 'BusBenchmark'
# The machines are shared and noisy: read ratios within one run, never across runs.
set -euo pipefail
cd "$(dirname "$0")/.."

day=$(date -u +%F)
out=benchmarks/results
jar=benchmarks/target/benchmarks.jar
mkdir -p "$out"

./mvnw -B -q -pl benchmarks -am clean package -DskipTests   # clean: the shaded jar can keep stale classes
java -jar "$jar" -f 3 -prof gc -rf json -rff "$out/$day.json" "$@"
java -cp "$jar" dev.sluice.benchmarks.LatencyHarness --json "$out/$day-latency.json"
{
    echo "Run of $day: JDK $(java -version 2>&1 | head -1), $(nproc) cores."
    echo
    java -cp "$jar" dev.sluice.benchmarks.ResultsTable "$out/$day.json" "$out/$day-latency.json"
} > "$out/$day.md"
cat "$out/$day.md"
