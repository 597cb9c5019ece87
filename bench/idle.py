#!/usr/bin/env python3
"""CPU that `gongbao serve` uses while nothing changes.

Starts `serve` on the synthetic corpus of ../shared/bench/gen_corpus.py (generated into --work
when missing), waits for its first build to end and for it to settle, then reads the process's
user and system time from /proc/PID/stat at the start and end of --seconds and prints the share
of one core it used in between, with its thread count.

    python3 bench/idle.py --binary target/release/gongbao --size 50000 --seconds 30 [--watcher poll]

Linux only (/proc). The corpus is read where it lies; the output goes to tmpfs (/dev/shm) and is
kept, so that the next run's first build (another binary's too, while the cache format is the same)
reuses it through the build cache instead of writing 50,000 pages again; --fresh starts empty.
"""

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(HERE, "..", "..", "shared", "bench", "gen_corpus.py")


def cpu_ticks(pid):
    """User plus system time of the process so far, in clock ticks."""
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read()
    # The command name, in parentheses, may hold spaces: count fields after its closing one.
    fields = stat[stat.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])


def threads(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"^Threads:\s+(\d+)", f.read(), re.M).group(1))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True, help="the gongbao binary to measure")
    ap.add_argument("--size", type=int, default=50000)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--settle", type=float, default=5, help="seconds to wait after the first build")
    ap.add_argument("--watcher", help="passed to serve --watcher (binaries that have it)")
    ap.add_argument("--work", default=os.environ.get("BENCH_DIR", "/tmp/gongbao-bench"))
    ap.add_argument("--out", default="/dev/shm/gongbao-idle-out")
    ap.add_argument("--fresh", action="store_true", help="remove the output of an earlier run first")
    a = ap.parse_args()

    site = os.path.join(a.work, f"idle{a.size}", "gongbao")
    if not os.path.exists(os.path.join(site, "content")):
        shutil.rmtree(os.path.dirname(site), ignore_errors=True)
        subprocess.run([sys.executable, GEN, str(a.size), os.path.dirname(site), "--flavour", "gongbao"], check=True)
    if a.fresh:
        shutil.rmtree(a.out, ignore_errors=True)
    cmd = [a.binary, "-C", site, "serve", "--port", str(free_port()), "--out", a.out]
    if a.watcher:
        cmd += ["--watcher", a.watcher]
    log_path = a.out + ".log"
    with open(log_path, "w+", encoding="utf-8") as log:
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log, env=dict(os.environ, CI="true"))
        try:
            started = time.time()
            while True:
                log.seek(0)
                text = log.read()
                if re.search(r"已将 \d+ 条记录|built \d+ record|构建已停止|build stopped", text):
                    break
                if p.poll() is not None or time.time() - started > 1800:
                    sys.exit(f"serve did not finish its first build; see {log_path}")
                time.sleep(0.5)
            built = time.time() - started
            time.sleep(a.settle)
            hz = os.sysconf("SC_CLK_TCK")
            t0, c0 = time.monotonic(), cpu_ticks(p.pid)
            time.sleep(a.seconds)
            t1, c1 = time.monotonic(), cpu_ticks(p.pid)
            share = (c1 - c0) / hz / (t1 - t0) * 100
            log.seek(0)
            rebuilds = len(re.findall(r"已将 \d+ 条记录|built \d+ record", log.read())) - 1
            print(f"{a.binary} watcher={a.watcher or 'default'} size={a.size}: first build {built:.0f} s; "
                  f"idle {c1 - c0} ticks in {t1 - t0:.1f} s = {share:.2f} % of a core; "
                  f"{threads(p.pid)} threads; {rebuilds} rebuilds while idle", flush=True)
        finally:
            p.terminate()
            p.wait()


if __name__ == "__main__":
    main()
