#!/bin/bash
# Measures the echo example as a Pith image against the stock Linux guest of the baseline kit, side by
# side, with the kit's own measure.py (boot -> first echoed line, image size, RAM floor, RTT, bulk).
# usage (from the repository root, as root): bench/scripts/guest-echo.sh [RUNS]
# Needs ../shared/baseline (the comparison kit) and a linked echo image (EchoImageTest writes it to
# examples/echo/target/image; or run ./mvnw -pl examples/echo test -Dtest=EchoImageTest first);
# IMAGES="DIR..." measures other image directories instead (e.g. examples/echo/target/pith, or copies).
set -euo pipefail
runs=${1:-3}
kit=$(cd "$(dirname "$0")/../../../shared/baseline" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
out=${OUT:-/tmp/pith-bench}
mkdir -p "$out"
if [ ! -f "$out/lx/vmlinuz" ]; then
  OUT="$out/lx" JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64} "$kit/build-linux-guest.sh" >"$out/lx-build.log" 2>&1
fi
echo "== Linux guest (Debian kernel, Linux virtio-net and TCP, JDK socket echo)"
OUT="$out/lx" python3 "$kit/measure.py" --name linux --port 18080 --runs "$runs" --mem 512 --floor 128,192,256 \
  --image "$out/lx/vmlinuz" "$out/lx/initrd.gz" --json "$out/linux.json" \
  -- "$kit/boot-linux-guest.sh" "$out/lx/initrd.gz" 18080 @MEM@ "$out/lx-serial-@RUN@.log"
n=0
for image in ${IMAGES:-$(dirname "$0")/../../examples/echo/target/image}; do
  image=$(cd "$image" && pwd)
  n=$((n + 1))
  echo "== Pith guest $n ($image: kernel of $(stat -c %s "$image/boot/vmlinuz") bytes, Pith virtio-net, Pith TCP/IP, Pith echo)"
  python3 "$kit/measure.py" --name "pith$n" --port $((18080 + n)) --runs "$runs" --mem 512 --floor 64,96,128,192,256 \
    --image "$image/boot/vmlinuz" "$image"/boot/initrd.cpio* --json "$out/pith$n.json" \
    -- "$here/boot-pith-guest.sh" "$image" $((18080 + n)) @MEM@ "$out/pith$n-serial-@RUN@.log"
done
