#!/usr/bin/env python3
"""Benchmark of `gongbao package` on the synthetic corpus (issue 11, item 7).

    python3 bench/package.py [--size 50000] [--work DIR] [--out DIR] [--runs 1]

Makes the corpus with ../shared/bench/gen_corpus.py when it is not in --work yet (the same
corpora as bench/run.py), copies its gongbao site to --out with a `[package]` section added,
builds it with the release binary, then times `package --for archive`, `package --for library`
and `package --warc`, each under GNU time (`/usr/bin/time -v`): wall time, peak resident memory
(of the process, which is the whole of gongbao) and the size of what it wrote. Prints a Markdown
table for bench/RESULTS.md.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
GEN = os.path.join(ROOT, "..", "shared", "bench", "gen_corpus.py")
AS_OF = "2025-06-30"

# What bench/run.py writes as gongbao.toml, with what `package` needs.
PACKAGE = """
[package]
contact_name = "杭州市人民政府办公厅"
contact_email = "gongkai@example.gov.cn"

[package.archive]
fonds = "B001"
default_organisation = "BGT"
"""


def timed(cmd):
    """Runs cmd under `/usr/bin/time -v`; returns (wall s, peak MiB, stderr)."""
    t = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True, env=dict(os.environ, CI="true"))
    if t.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{t.stderr[-3000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([0-9.]+)", t.stderr)
    h, m, s = wall.groups()
    seconds = int(h or 0) * 3600 + int(m) * 60 + float(s)
    kib = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t.stderr).group(1))
    return seconds, kib / 1024, t.stderr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=50000)
    ap.add_argument("--work", default=os.environ.get("BENCH_DIR", "/tmp/gongbao-bench"), help="where corpora are kept")
    ap.add_argument("--out", default="/tmp/gongbao-bench-package", help="the site copy, its build and its packages")
    ap.add_argument("--runs", type=int, default=1)
    a = ap.parse_args()

    subprocess.run(["cargo", "build", "--release", "--locked", "--quiet"], cwd=ROOT, check=True)
    gongbao = os.path.join(ROOT, "target", "release", "gongbao")
    corpus = os.path.join(a.work, f"c{a.size}")
    if not os.path.exists(os.path.join(corpus, "gongbao", "content")):
        shutil.rmtree(corpus, ignore_errors=True)
        subprocess.run([sys.executable, GEN, str(a.size), corpus, "--flavour", "all"], check=True, stderr=subprocess.DEVNULL)
    sys.path.insert(0, HERE)
    from run import CONFIG  # the same site settings as the build benchmark

    site = os.path.join(a.out, "site")
    shutil.rmtree(a.out, ignore_errors=True)
    shutil.copytree(os.path.join(corpus, "gongbao", "content"), os.path.join(site, "content"))
    with open(os.path.join(site, "gongbao.toml"), "w", encoding="utf-8") as f:
        f.write(CONFIG + PACKAGE)
    build = timed([gongbao, "-C", site, "build", "--as-of", AS_OF])
    rows = [("build", build[0], build[1], "")]
    runs = {
        "package --for archive": ["--for", "archive"],
        "package --for library": ["--for", "library"],
        "package --warc": ["--warc"],
    }
    for name, args in runs.items():
        best = None
        for k in range(a.runs):
            out = os.path.join(a.out, f"packages-{k}")
            shutil.rmtree(out, ignore_errors=True)
            wall, mib, _ = timed([gongbao, "-C", site, "package", *args, "--out", out])
            written = sorted(os.listdir(out))
            size = sum(os.path.getsize(os.path.join(out, f)) for f in written)
            if best is None or wall < best[1]:
                best = (name, wall, mib, f"{size / 2**20:,.0f} MiB ({', '.join(written)})")
        rows.append(best)
    lines = [
        f"{a.size:,} documents; {subprocess.run([gongbao, '--version'], capture_output=True, text=True).stdout.strip()}; "
        f"{os.cpu_count()} cores; best of {a.runs}.",
        "",
        "| command | wall s | peak RSS MiB | written |",
        "|---|---:|---:|---|",
    ]
    for name, wall, mib, size in rows:
        lines.append(f"| `{name}` | {wall:.1f} | {mib:.0f} | {size} |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
