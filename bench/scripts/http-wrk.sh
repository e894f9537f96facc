#!/usr/bin/env bash
# End-to-end HTTP comparison: wrk requests per second against the same "hello" handler on
#   pith  - Pith's HttpServer on Pith's TCP/IP, over a TAP whose kernel side is in the namespace
#   jdk   - com.sun.net.httpserver on the kernel's TCP, reached over a veth pair
#   netty - Netty (NIO, HttpServerCodec) on the kernel's TCP, reached over the same veth pair
# wrk runs inside one network namespace, so every request crosses a namespace boundary over a
# virtual link; the servers run in the root namespace. Rounds alternate the servers (pith, jdk,
# netty, pith, ...) so that load from elsewhere on this shared machine spreads over all three.
#
# Usage (root; build first: ./mvnw -q -B install -DskipTests && ./mvnw -q -B -pl bench package -DskipTests):
#   bench/scripts/http-wrk.sh
# Settings (environment): ROUNDS=3 DURATION=10s WARMUP=5s THREADS=1 CONNECTIONS=16
#   JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java JAR=bench/target/benchmarks.jar OUT=bench/target/http-wrk
# Output: raw wrk reports in $OUT, one line per run, and a Markdown table of medians and ratios.
# "Server process CPU" is the server's user + system time (/proc/<pid>/stat) over a run, per request:
# it leaves out kernel work done in softirq context on the server's behalf (most of the kernel's
# TCP receive path for JDK and Netty), so it flatters the kernel-TCP servers; read it as a rough guide.
set -euo pipefail

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-5s}
THREADS=${THREADS:-1}
CONNECTIONS=${CONNECTIONS:-16}
HERE=$(cd "$(dirname "$0")" && pwd)
JAVA=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
JAR=${JAR:-$HERE/../target/benchmarks.jar}
OUT=${OUT:-$HERE/../target/http-wrk}
# The same JVM options for the three servers.
JAVA_OPTS=(-Xms256m -Xmx256m --enable-native-access=ALL-UNNAMED -Dio.netty.leakDetection.level=disabled)

NS=pith-wrk-$$
TAP=pwtap$$          # at most 15 bytes (IFNAMSIZ - 1)
VETH_ROOT=pwv$$r
VETH_NS=pwv$$n
TAP_NET=10.201.1     # .1 Linux in the namespace, .2 Pith
VETH_NET=10.201.2    # .1 the namespace's end, .2 the root namespace's end (JDK and Netty)
PITH_URL=http://$TAP_NET.2:8080/
JDK_URL=http://$VETH_NET.2:8081/
NETTY_URL=http://$VETH_NET.2:8082/

[[ $(id -u) -eq 0 ]] || { echo "needs root (TAP, namespaces)" >&2; exit 1; }
for tool in ip wrk curl; do command -v $tool >/dev/null || { echo "needs $tool" >&2; exit 1; }; done
[[ -f $JAR ]] || { echo "no $JAR: build it first (see the header of $0)" >&2; exit 1; }
mkdir -p "$OUT"

PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    ip netns del "$NS" 2>/dev/null || true          # takes the veth pair and the TAP's kernel side with it
    ip link del "$VETH_ROOT" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The namespace: loopback, no IPv6 (no router solicitations), the veth pair.
ip netns add "$NS"
ip -n "$NS" link set lo up
ip netns exec "$NS" sh -c 'echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6; echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6'
ip link add "$VETH_ROOT" type veth peer name "$VETH_NS" netns "$NS"
echo 1 > "/proc/sys/net/ipv6/conf/$VETH_ROOT/disable_ipv6" 2>/dev/null || true
ip addr add "$VETH_NET.2/24" dev "$VETH_ROOT"
ip link set "$VETH_ROOT" up
ip -n "$NS" addr add "$VETH_NET.1/24" dev "$VETH_NS"
ip -n "$NS" link set "$VETH_NS" up

# The servers, each logging to $OUT/<name>.log.
declare -A PID
"$JAVA" "${JAVA_OPTS[@]}" -cp "$JAR" dev.pith.bench.http.PithHelloServer "$TAP" "$NS" "$TAP_NET.1/24" "$TAP_NET.2" 8080 \
    >"$OUT/pith.log" 2>&1 & PIDS+=($!); PID[pith]=$!
"$JAVA" "${JAVA_OPTS[@]}" -cp "$JAR" dev.pith.bench.http.JdkHelloServer "$VETH_NET.2" 8081 >"$OUT/jdk.log" 2>&1 &
PIDS+=($!); PID[jdk]=$!
"$JAVA" "${JAVA_OPTS[@]}" -cp "$JAR" dev.pith.bench.http.NettyHelloServer "$VETH_NET.2" 8082 >"$OUT/netty.log" 2>&1 &
PIDS+=($!); PID[netty]=$!

url_of() { case $1 in pith) echo "$PITH_URL";; jdk) echo "$JDK_URL";; netty) echo "$NETTY_URL";; esac; }
# CPU time of a server process, user + system, in clock ticks (/proc/<pid>/stat fields 14 and 15).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
TICKS_PER_SECOND=$(getconf CLK_TCK)
SERVERS=(pith jdk netty)

for server in "${SERVERS[@]}"; do
    url=$(url_of "$server")
    for _ in $(seq 100); do
        if [[ $(ip netns exec "$NS" curl -s --max-time 1 "$url" 2>/dev/null) == "hello, unikernel" ]]; then continue 2; fi
        sleep 0.2
    done
    echo "$server does not answer at $url; its log:" >&2; cat "$OUT/$server.log" >&2; exit 1
done

# wrk's latency figures to microseconds: 812.00us, 1.23ms, 1.01s.
to_us() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) print n; else if (v ~ /ms$/) print n * 1000; else if (v ~ /s$/) print n * 1000000; else print n }'; }

run_wrk() { # server duration report-file
    ip netns exec "$NS" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$2" --latency "$(url_of "$1")" >"$3" 2>&1
}

echo "warm-up: $WARMUP per server"
for server in "${SERVERS[@]}"; do run_wrk "$server" "$WARMUP" "$OUT/warmup-$server.txt"; done

RESULTS=$OUT/results.tsv
printf 'round\tserver\trps\tp50_us\tp99_us\tcpu_us_per_request\terrors\n' >"$RESULTS"
for round in $(seq "$ROUNDS"); do
    for server in "${SERVERS[@]}"; do
        report=$OUT/round$round-$server.txt
        before=$(cpu_ticks "${PID[$server]}")
        run_wrk "$server" "$DURATION" "$report"
        after=$(cpu_ticks "${PID[$server]}")
        rps=$(awk '/^Requests\/sec:/ { print $2 }' "$report")
        requests=$(awk '/requests in/ { print $1 }' "$report")
        cpu=$(awk -v t="$((after - before))" -v hz="$TICKS_PER_SECOND" -v n="$requests" 'BEGIN { printf "%.2f", t / hz * 1e6 / n }')
        p50=$(to_us "$(awk '$1 == "50%" { print $2 }' "$report")")
        p99=$(to_us "$(awk '$1 == "99%" { print $2 }' "$report")")
        errors=$(awk '/Socket errors|Non-2xx/ { print }' "$report" | tr '\n' ' ')
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$server" "$rps" "$p50" "$p99" "$cpu" "${errors:-none}" >>"$RESULTS"
        printf 'round %s %-5s %10s req/s  p50 %8s us  p99 %8s us  server CPU %6s us/req  %s\n' \
            "$round" "$server" "$rps" "$p50" "$p99" "$cpu" "${errors:-}"
    done
done

# Medians per server, ratios of median RPS.
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
column_median() { awk -F'\t' -v s="$1" -v c="$2" 'NR > 1 && $2 == s { print $c }' "$RESULTS" | median; }
echo
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency, $ROUNDS rounds, medians; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| server | req/s | p50 | p99 | server process CPU per request |"
echo "|---|---:|---:|---:|---:|"
declare -A RPS
for server in "${SERVERS[@]}"; do
    RPS[$server]=$(column_median "$server" 3)
    printf '| %s | %.0f | %.0f µs | %.0f µs | %.1f µs |\n' "$server" "${RPS[$server]}" "$(column_median "$server" 4)" \
        "$(column_median "$server" 5)" "$(column_median "$server" 6)"
done
echo
awk -v p="${RPS[pith]}" -v j="${RPS[jdk]}" -v n="${RPS[netty]}" \
    'BEGIN { printf "Pith/JDK %.2f, Pith/Netty %.2f (median req/s)\n", p / j, p / n }'
