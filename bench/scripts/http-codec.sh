#!/usr/bin/env bash
# HttpCodecBenchmark (Pith's HTTP codec against Netty's on the same bytes), run RUNS times in a row
# with -prof gc; prints per benchmark the median of the runs' scores, the fastest iteration seen,
# the bytes allocated per operation, and Netty's time over Pith's. Repeating whole runs is what
# makes the figures usable on this shared 2-CPU machine, where one run's error is often ±50 %.
#
# Usage (build first: ./mvnw -q -B install -DskipTests && ./mvnw -q -B -pl bench package -DskipTests):
#   bench/scripts/http-codec.sh
# Settings (environment): RUNS=3 JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java JAR=bench/target/benchmarks.jar
#   OUT=bench/target/http-codec; extra JMH options as arguments (the class sets 3x1 s warm-up, 5x1 s, 1 fork).
set -euo pipefail

RUNS=${RUNS:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
JAVA=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
JAR=${JAR:-$HERE/../target/benchmarks.jar}
OUT=${OUT:-$HERE/../target/http-codec}
[[ -f $JAR ]] || { echo "no $JAR: build it first (see the header of $0)" >&2; exit 1; }
mkdir -p "$OUT"

for run in $(seq "$RUNS"); do
    echo "run $run of $RUNS (load $(cut -d' ' -f1-3 /proc/loadavg))"
    "$JAVA" -jar "$JAR" HttpCodecBenchmark -prof gc -rf json -rff "$OUT/run$run.json" "$@" >"$OUT/run$run.txt" 2>&1
done

python3 - "$OUT" "$RUNS" <<'EOF'
import json, statistics, sys
out, runs = sys.argv[1], int(sys.argv[2])
scores, best, alloc = {}, {}, {}
for run in range(1, runs + 1):
    for result in json.load(open(f"{out}/run{run}.json")):
        name = result["benchmark"].rsplit(".", 1)[1]
        scores.setdefault(name, []).append(result["primaryMetric"]["score"])
        iterations = [v for fork in result["primaryMetric"]["rawData"] for v in fork]
        best[name] = min(best.get(name, float("inf")), *iterations)
        alloc[name] = result["secondaryMetrics"]["gc.alloc.rate.norm"]["score"]
median = {name: statistics.median(values) for name, values in scores.items()}
print(f"\n{runs} runs of 5 x 1 s; ns/op is the median of the runs' means")
print("\n| benchmark | ns/op (median of runs) | runs | best iteration | B/op | Netty / Pith (median) |")
print("|---|---:|---|---:|---:|---:|")
for name in sorted(median, key=lambda n: (n.endswith("Post"), not n.startswith("pith"), n)):
    request = "Get" if name.endswith("Get") else "Post"
    ratio = "" if name.startswith("pith") else "%.2f" % (median[name] / median["pith" + request])
    print(f"| {name} | {median[name]:.0f} | {' / '.join('%.0f' % s for s in scores[name])} | {best[name]:.0f} | {alloc[name]:.0f} | {ratio} |")
EOF
