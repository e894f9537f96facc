#!/usr/bin/env python3
"""Times the boot of a Pith echo image under QEMU (TCG), phase by phase, and its first echo.

usage: guest-boot.py [--runs 5] [--port 18090] [--rtt] [--keep DIR] VARIANT...

VARIANT is NAME=IMAGE_DIR or NAME=IMAGE_DIR:JVM_FLAGS. IMAGE_DIR holds boot/{vmlinuz,initrd.cpio.lz4,cmdline}
as the image linker writes them (e.g. examples/echo/target/image). JVM_FLAGS, if given, replace the image's own
(the words between "--" and "--enable-native-access" of its cmdline). Every boot adds "printk.time=1
pith.log=debug" to the kernel command line. Boots alternate between the variants, RUNS rounds, so that the load
of a shared machine falls on all of them alike; the report gives medians.

Each serial line is timestamped on arrival (seconds since QEMU was spawned). Phases are the first line matching
each pattern below; the guest's own "pith: boot <phase> <ms> ms" lines give the guest-measured durations. The
first echo is timed as the comparison kit's measure.py does: a new connection every 100 ms, older ones kept, the
first line that comes back ends the wait. --rtt then sends 12-byte lines over one connection (TCP_NODELAY): the
median and p99 round trip of the first 200 ("cold", the JIT still at work) and of 200 more after 2,000 ("warm").
"""
import argparse, os, re, selectors, signal, socket, statistics, subprocess, sys, threading, time

MARKS = [  # (name, pattern): the host time of the first serial line that matches
    ("kernel->init", re.compile(r"Run /jre/bin/java")),
    ("jvm main", re.compile(r"pith: boot jvm")),
    ("platform booted", re.compile(r"pith: boot platform")),
    ("nic open", re.compile(r"pith: boot nic open")),
    ("dhcp lease", re.compile(r"DHCP lease")),
]
RUN_INIT = re.compile(r"\[\s*([0-9.]+)\] Run /jre/bin/java")  # printk.time of the kernel's exec of init
GUEST = re.compile(r"pith: boot (\S+(?: \S+)?) ([0-9.]+) ms")
HANDLES = re.compile(r"downcall handles: (\d+)")
DEFAULT_FLAGS = re.compile(r"(?<= -- ).*?(?= --enable-native-access)")


def cmdline(image, flags):
    text = open(os.path.join(image, "boot", "cmdline")).read().strip()
    text = text.replace(" quiet ", " printk.time=1 pith.log=debug ")
    if flags:
        text = DEFAULT_FLAGS.sub(flags, text, count=1)
    return text


class Boot:
    def __init__(self, image, flags, port, log):
        initrd = [f for f in os.listdir(os.path.join(image, "boot")) if f.startswith("initrd")][0]
        argv = ["qemu-system-x86_64", "-nodefaults", "-machine", "pc", "-m", "512",
                "-kernel", os.path.join(image, "boot", "vmlinuz"), "-initrd", os.path.join(image, "boot", initrd),
                "-append", cmdline(image, flags), "-display", "none", "-serial", "stdio", "-no-reboot",
                "-device", "virtio-net-pci,netdev=n0",
                "-netdev", f"user,id=n0,hostfwd=tcp:127.0.0.1:{port}-:8080"]
        self.lines = []  # (seconds since spawn, text)
        self.log = log
        self.t0 = time.monotonic()
        self.p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in self.p.stdout:
            self.lines.append((time.monotonic() - self.t0, raw.decode(errors="replace").rstrip("\r\n")))

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.reader.join(5)
        if self.log:
            with open(self.log, "w") as out:
                for t, line in self.lines:
                    out.write(f"[{t:8.3f}] {line}\n")


def first_echo(boot, port, timeout):
    sel = selectors.DefaultSelector()
    pending = {}
    next_try = 0.0
    try:
        while time.monotonic() - boot.t0 < timeout and boot.p.poll() is None:
            now = time.monotonic()
            if now >= next_try:
                next_try = now + 0.1
                s = socket.socket()
                s.setblocking(False)
                s.connect_ex(("127.0.0.1", port))
                pending[s] = b""
                sel.register(s, selectors.EVENT_WRITE)
            for key, events in sel.select(0.02):
                s = key.fileobj
                try:
                    if events & selectors.EVENT_WRITE:
                        if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                            raise OSError("refused")
                        s.send(b"hello-first\n")
                        sel.modify(s, selectors.EVENT_READ)
                    else:
                        data = s.recv(100)
                        if not data:
                            raise OSError("closed")
                        pending[s] += data
                        if b"\n" in pending[s]:
                            return time.monotonic() - boot.t0
                except OSError:
                    sel.unregister(s)
                    s.close()
                    del pending[s]
        return None
    finally:
        for s in list(pending):
            s.close()


def round_trips(port, cold=200, warmup=2000, warm=200):
    """Round trips of 12-byte lines on one connection: the first COLD right after boot, then WARM after WARMUP more."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        line = b"0123456789a\n"
        times = []
        for i in range(cold + warmup + warm):
            start = time.perf_counter()
            s.sendall(line)
            got = b""
            while not got.endswith(b"\n"):
                chunk = s.recv(64)
                if not chunk:
                    raise OSError("closed during round trips")
                got += chunk
            times.append(time.perf_counter() - start)

        def summary(sample):
            sample = sorted(sample)
            return statistics.median(sample), sample[int(len(sample) * 0.99) - 1]

        return summary(times[:cold]), summary(times[cold + warmup:])


def measure(name, image, flags, port, rtt, log):
    boot = Boot(image, flags, port, log)
    try:
        echo = first_echo(boot, port, 120)
        result = {"echo": echo}
        if echo is not None and rtt:
            result["rtt"] = round_trips(port)
        time.sleep(0.2)
    finally:
        boot.stop()
    for mark, pattern in MARKS:
        hit = next((t for t, line in boot.lines if pattern.search(line)), None)
        result[mark] = hit
    for t, line in boot.lines:
        run = RUN_INIT.search(line)
        if run:
            result["kernel uptime at init"] = float(run.group(1))
        match = GUEST.search(line)
        if match:
            result["guest " + match.group(1)] = float(match.group(2)) / 1000
        handles = HANDLES.search(line)
        if handles:
            result["handles"] = int(handles.group(1))
    if "guest jvm" in result and "kernel uptime at init" in result:  # "guest jvm" is the kernel uptime at main
        result["jvm start->main"] = result["guest jvm"] - result["kernel uptime at init"]
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--port", type=int, default=18090)
    parser.add_argument("--rtt", action="store_true")
    parser.add_argument("--keep", help="directory for the serial logs")
    parser.add_argument("variants", nargs="+")
    args = parser.parse_args()
    variants = []
    for spec in args.variants:
        name, rest = spec.split("=", 1)
        image, _, flags = rest.partition(":")
        variants.append((name, image, flags))
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
    results = {name: [] for name, _, _ in variants}
    loads = []
    for run in range(args.runs):
        for name, image, flags in variants:
            loads.append(os.getloadavg()[0])
            log = os.path.join(args.keep, f"{name}-{run}.log") if args.keep else None
            r = measure(name, image, flags, args.port, args.rtt, log)
            results[name].append(r)
            shown = " ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in r.items()
                             if k != "rtt")
            if "rtt" in r:
                (cm, cp), (wm, wp) = r["rtt"]
                shown += f" rtt cold={cm * 1e6:.0f}us/p99={cp * 1e3:.2f}ms warm={wm * 1e6:.0f}us/p99={wp * 1e3:.2f}ms"
            print(f"{name} #{run}: {shown}", file=sys.stderr, flush=True)
    print(f"load average (1 min) during the runs: median {statistics.median(loads):.1f}, "
          f"range {min(loads):.1f}-{max(loads):.1f}")
    keys = []
    for rs in results.values():
        for r in rs:
            keys += [k for k in r if k not in keys and k != "rtt"]
    print("| | " + " | ".join(name for name, _, _ in variants) + " |")
    print("|---|" + "---:|" * len(variants))
    for key in keys:
        cells = []
        for name, _, _ in variants:
            values = [r[key] for r in results[name] if r.get(key) is not None]
            if not values:
                cells.append("–")
            elif key == "handles":
                cells.append(str(int(statistics.median(values))))
            else:
                cells.append(f"{statistics.median(values):.2f} s")
        print(f"| {key} | " + " | ".join(cells) + " |")
    if args.rtt:
        for label, which in (("cold", 0), ("warm", 1)):
            cells = []
            for name, _, _ in variants:
                rtts = [r["rtt"][which] for r in results[name] if "rtt" in r]
                cells.append(f"{statistics.median(x[0] for x in rtts) * 1e6:.0f} µs / "
                             f"{statistics.median(x[1] for x in rtts) * 1e3:.1f} ms" if rtts else "–")
            print(f"| echo RTT {label}, median / p99 | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
