#!/usr/bin/env python3
"""Benchmark: gongbao against Hugo (and Zola when installed) on the same synthetic corpus.

    python3 bench/run.py [--sizes 1000 10000 50000 200000] [--runs 3] [--work DIR]
                         [--baseline BIN] [--builds-only] [--results FILE] [--hugo-max N]

--baseline times a second gongbao binary (built from an earlier commit) interleaved with the
others, for before/after comparisons of a change; --builds-only skips the cache and serve runs.

The corpus comes from ../shared/bench/gen_corpus.py, which writes the same documents as a
gongbao site and as Hugo and Zola sites with equivalent templates. For each size the commands
run interleaved (gongbao, hugo, zola, floor, gongbao, hugo, …) so that a drift in the machine's
speed hits all of them alike; each run starts from an empty output folder. Wall time and peak
memory come from GNU time (`/usr/bin/time -f '%e %M'`). The floor is copying the input and
hashing the output: no generator can do less.

Hugo is followed by Pagefind's command-line indexer over Hugo's output (`npm ci --prefix bench`
installs the pinned `pagefind`), which is what a Hugo site with search runs: gongbao's build makes
its search index, so the fair peer is the two together. Above --hugo-max documents (default
50,000) Hugo is not run: it took 11 GB at 50,000 documents and would not fit the machine's
memory at 200,000; those rows give gongbao's own figures only.

A peer that fails (Pagefind 1.6 exited with status 1 at 50,000 documents, at a 17 GB peak, with
the outputs in tmpfs) is recorded in the table, with its exit status, time and peak, rather than
ending the run; `--out DIR` on a disk leaves the peers the machine's memory.

Then, for the build cache, times a build after a one-record change against a clean build.

Prints a Markdown table of medians and ratios; with --results FILE also writes it there.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
GEN = os.path.join(ROOT, "..", "shared", "bench", "gen_corpus.py")

# gen_corpus.py writes plain top-level keys; this is the same site in gongbao.toml's form.
CONFIG = """[site]
name = "杭州市人民政府公报"
base_url = "https://example.gov.cn/"
language = "zh-CN"
id_code = "3301000000"
icp = "浙ICP备00000000号"
sponsor = "杭州市人民政府办公厅"
per_page = 50

[patterns]
index_no = '^\\d{9}/\\d{4}-\\d{5}$'
registration_no = '^ZJSP\\d{2}-\\d{4}-\\d{4}$'
"""


# Pagefind's address-space cap, in bytes.
PAGEFIND_CAP = 16 << 30


def timed(cmd, env=None, peer=False):
    """Runs cmd under GNU time; returns (wall seconds, peak KiB, stderr). A peer's failure (Hugo,
    Pagefind, Zola) is recorded, not fatal: the wall time is then None and the stderr says why."""
    t = subprocess.run(["/usr/bin/time", "-f", "TIME %e %M"] + cmd, capture_output=True, text=True, env=env)
    if t.returncode != 0:
        if not peer:
            sys.exit(f"failed: {' '.join(cmd)}\n{t.stderr[-3000:]}")
        m = re.search(r"TIME ([0-9.]+) ([0-9]+)\s*$", t.stderr)
        wall, kib = (float(m.group(1)), int(m.group(2))) if m else (0.0, 0)
        print(f"peer failed (exit {t.returncode} after {wall:.0f} s, peak {kib / 1024:.0f} MiB): {' '.join(cmd)}\n{t.stderr[-1500:]}", file=sys.stderr)
        return None, kib, f"exit {t.returncode} after {wall:.0f} s at {kib / 1024 / 1024:.1f} GiB"
    m = re.search(r"TIME ([0-9.]+) ([0-9]+)\s*$", t.stderr)
    return float(m.group(1)), int(m.group(2)), t.stderr


def listed(out):
    """Path -> (sha256, size) of every file `manifest.json` in `out` lists."""
    import json
    with open(os.path.join(out, "manifest.json"), encoding="utf-8") as f:
        return {e["path"]: (e["sha256"], e["size"]) for e in json.load(f)["files"]}


def rewrite_floor(out, before, after, scratch):
    """Seconds to SHA-256 and write again, on as many threads as the machine has cores, the whole
    of every file the manifest lists with another checksum than `before` did, and of the two
    checksum lists themselves (read beforehand, untimed; written into `scratch`, in tmpfs when
    the machine has one, so that the disk's writeback does not slow the next rebuild): what any
    tool that publishes this checksummed output does at the least for the edit, short of hashing
    only part of a file."""
    import concurrent.futures
    import hashlib
    changed = [p for p, v in after.items() if before.get(p) != v] + ["manifest.json", "SHA256SUMS"]
    data = []
    for path in changed:
        with open(os.path.join(out, path), "rb") as f:
            data.append(f.read())
    data.sort(key=len, reverse=True)
    shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(scratch)

    def one(k):
        hashlib.sha256(data[k]).digest()
        with open(os.path.join(scratch, str(k)), "wb") as f:
            f.write(data[k])

    start = time.time()
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count()) as pool:
        list(pool.map(one, range(len(data))))
    took = time.time() - start
    shutil.rmtree(scratch, ignore_errors=True)
    return took


def serve_rebuilds(gongbao, site, record, runs, out):
    """After each of `runs` one-record edits (a line appended) to a running `serve`: seconds until
    the record's page, fetched over HTTP every 5 ms, shows the new line (the file watcher's 100 ms
    of quiet included); seconds of its preview of the edit (`preview-ms`, none when it took none);
    seconds of the whole rebuild (its stages); and the rewrite floor of the edit
    ([`rewrite_floor`]), taken after the rebuild, with `serve` idle."""
    clean(out)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    port = 18000 + os.getpid() % 1000
    log = open(os.path.join(os.path.dirname(out), "serve.log"), "w+", encoding="utf-8")
    p = subprocess.Popen([gongbao, "-C", site, "serve", "--port", str(port), "--out", out], stderr=log, stdout=subprocess.DEVNULL,
                         env=dict(os.environ, GONGBAO_TIMINGS="1", CI="true"))
    original = open(record, encoding="utf-8").read()
    rid = re.search(r"^id:\s*(\S+)", original, re.M)
    rid = rid.group(1).strip("'\"") if rid else os.path.relpath(record, os.path.join(site, "content"))[:-3]
    page = f"http://127.0.0.1:{port}/docs/{rid}/"

    def lines(pattern):
        log.seek(0)
        return re.findall(pattern, log.read())

    def builds():
        # The whole rebuild: `total` (in `serve` the open data and the search index are made at
        # once, so their stages overlap), or the sum of the stages from a binary without it.
        def took(m):
            kv = dict(x.split("=") for x in m.split())
            if "total" in kv:
                return float(kv["total"]) / 1000
            return sum(float(kv[k]) for k in ("analyse", "pages", "data", "search", "seal", "swap")) / 1000
        return [took(m) for m in lines(r"timings-ms (.*)")]

    def wait(n, seconds=60, mark=None, start=None):
        seen = None
        for _ in range(seconds * 200):
            if len(builds()) >= n:
                return seen
            if mark and seen is None:
                try:
                    with urllib.request.urlopen(page, timeout=5) as r:
                        if mark in r.read().decode("utf-8"):
                            seen = time.time() - start
                except OSError:
                    pass
            time.sleep(0.005)
        sys.exit(f"serve did not rebuild; see {log.name}")

    try:
        # The first build is a clean one (minutes at 50,000 records); rebuilds are waited for a minute.
        wait(1, 3600)
        results = []
        files = listed(out)
        for k in range(runs):
            time.sleep(1.0)
            mark = f"第{k + 1}处改动（{time.time():.0f}）"
            before = len(lines(r"preview-ms (.*)"))
            start = time.time()
            with open(record, "a", encoding="utf-8") as f:
                f.write(f"\n本段为 serve 基准测试追加的{mark}。\n")
            seen = wait(k + 2, mark=mark, start=start)
            previews = lines(r"preview-ms ms=(\S+)")
            # Once the sweep after the rebuild is done (its line in the log), off the timed path.
            for _ in range(2000):
                if len(lines(r"sweep-ms ")) >= k + 2:
                    break
                time.sleep(0.01)
            now = listed(out)
            scratch = "/dev/shm/gongbao-bench-floor" if os.path.isdir("/dev/shm") else out + ".floor"
            floor = rewrite_floor(out, files, now, scratch)
            files = now
            results.append((builds()[-1], float(previews[-1]) / 1000 if len(previews) > before else None, seen, floor))
        return results
    finally:
        p.terminate()
        p.wait()
        with open(record, "w", encoding="utf-8") as f:
            f.write(original)
        clean(out)


def medians(got, failed):
    """Median wall time and largest peak of each command; (None, how) for a peer that failed."""
    return {k: (None, failed[k]) if k in failed else (statistics.median(w for w, _ in v), max(m for _, m in v)) for k, v in got.items()}


def clean(path):
    shutil.rmtree(path, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--work", default=os.environ.get("BENCH_DIR", "/tmp/gongbao-bench"))
    ap.add_argument("--out", default="/dev/shm/gongbao-bench-out" if os.path.isdir("/dev/shm") else None,
                    help="where outputs go: tmpfs by default, so that the file system's inode allocator (slow and "
                         "erratic on ext4 right after large deletions) does not drown the generators' own work")
    ap.add_argument("--results")
    ap.add_argument("--baseline", help="a gongbao binary from an earlier commit, timed interleaved with this one")
    ap.add_argument("--builds-only", action="store_true", help="skip the build-cache and serve measurements")
    ap.add_argument("--hugo-max", type=int, default=50000, help="largest corpus Hugo (and Pagefind) is run on")
    a = ap.parse_args()

    subprocess.run(["cargo", "build", "--release", "--locked", "--quiet"], cwd=ROOT, check=True)
    gongbao = os.path.join(ROOT, "target", "release", "gongbao")
    hugo, zola = shutil.which("hugo"), shutil.which("zola")
    pagefind = os.path.join(HERE, "node_modules", ".bin", "pagefind")
    if not os.path.exists(pagefind):
        subprocess.run(["npm", "ci", "--prefix", HERE, "--no-audit", "--no-fund", "--silent"], check=True)
    if not hugo:
        sys.exit("hugo is not installed (Debian package `hugo`)")
    versions = {"gongbao": subprocess.run([gongbao, "--version"], capture_output=True, text=True).stdout.strip(),
                "hugo": subprocess.run([hugo, "version"], capture_output=True, text=True).stdout.strip().split(" ")[0:2]}
    os.makedirs(a.work, exist_ok=True)
    rows = []
    for n in a.sizes:
        corpus = os.path.join(a.work, f"c{n}")
        if not os.path.exists(os.path.join(corpus, "gongbao", "content")):
            clean(corpus)
            subprocess.run([sys.executable, GEN, str(n), corpus, "--flavour", "all"], check=True, stderr=subprocess.DEVNULL)
        with open(os.path.join(corpus, "gongbao", "gongbao.toml"), "w", encoding="utf-8") as f:
            f.write(CONFIG)
        out = a.out or os.path.join(a.work, "out")
        cmds = {
            "gongbao": lambda: timed([gongbao, "-C", os.path.join(corpus, "gongbao"), "build", "--as-of", "2025-06-30", "--out", os.path.join(out, "gongbao")],
                                     env=dict(os.environ, GONGBAO_TIMINGS="1", CI="true")),
            "hugo": lambda: timed([hugo, "--quiet", "-s", os.path.join(corpus, "hugo"), "-d", os.path.join(out, "hugo")], peer=True),
            # Runs right after Hugo, over Hugo's fresh output (it is not cleaned in between).
            # Under a cap on its address space: at 50,000 documents it grows past 22 GiB and fails,
            # and on the way takes the memory the machine's other work needs. Over the cap it fails
            # sooner, the same way, and the table says so.
            "pagefind": lambda: timed(["prlimit", f"--as={PAGEFIND_CAP}", pagefind, "--site", os.path.join(out, "hugo"), "--silent"], peer=True),
            "floor": lambda: timed(["sh", "-c", f"cp -r '{corpus}/gongbao/content' '{out}/floor' && find '{out}/gongbao' -type f -print0 | xargs -0 sha256sum > /dev/null"]),
        }
        if a.baseline:
            cmds["baseline"] = lambda: timed([a.baseline, "-C", os.path.join(corpus, "gongbao"), "build", "--as-of", "2025-06-30", "--out", os.path.join(out, "baseline")],
                                             env=dict(os.environ, CI="true"))
        if n > a.hugo_max:
            del cmds["hugo"], cmds["pagefind"]
        if zola and n <= a.hugo_max:
            cmds["zola"] = lambda: timed([zola, "--root", os.path.join(corpus, "zola"), "build", "--output-dir", os.path.join(out, "zola"), "--force"], peer=True)
        got = {k: [] for k in cmds}
        # Peers that failed in any run, with how: their medians are left out, the table says so.
        failed = {}
        stages = []
        for _ in range(a.runs):
            for name, run in cmds.items():
                # Each run starts from an empty output folder; the floor hashes gongbao's last output.
                if name != "pagefind":
                    clean(os.path.join(out, name))
                subprocess.run(["sync"])
                wall, kib, err = run()
                if wall is None:
                    failed[name] = err
                    continue
                got[name].append((wall, kib))
                m = re.search(r"timings-ms (.*)", err) if name == "gongbao" else None
                if m:
                    stages.append(dict(kv.split("=") for kv in m.group(1).split()))
        site = os.path.join(corpus, "gongbao")
        if a.builds_only:
            med = medians(got, failed)
            stage = {k: statistics.median(float(s[k]) for s in stages) / 1000 for k in ("analyse", "pages", "data", "search", "seal", "swap")}
            rows.append((n, med, stage, int(stages[-1]["files"])))
            print(f"N={n}: " + ", ".join(f"{k} {w:.2f} s" if w is not None else f"{k} failed" for k, (w, _) in med.items()), file=sys.stderr)
            continue
        # The build cache: a build after a one-record change, against a clean build of the same
        # site over the same output (both replace what is there).
        build = lambda *extra: timed([gongbao, "-C", site, "build", "--as-of", "2025-06-30", "--out", os.path.join(out, "gongbao"), *extra], env=dict(os.environ, CI="true"))
        build("--no-cache")
        record = sorted(os.path.join(dp, f) for dp, _, fs in os.walk(os.path.join(site, "content")) for f in fs if f.endswith(".md") and "gazette" not in dp)[0]
        original = open(record, encoding="utf-8").read()
        inc, full = [], []
        try:
            for k in range(a.runs):
                with open(record, "a", encoding="utf-8") as f:
                    f.write(f"\n本段为基准测试追加的第{k + 1}处改动。\n")
                inc.append(build()[0])
                full.append(build("--no-cache")[0])
        finally:
            with open(record, "w", encoding="utf-8") as f:
                f.write(original)
        edits = serve_rebuilds(gongbao, site, record, a.runs, os.path.join(out, "serve"))
        got["serve"] = [(w, 0) for w, _, _, _ in edits]
        got["rewrite"] = [(e[3], 0) for e in edits]
        # An edit without a preview, or a page that never showed it, is not a time: the table says so.
        for key, col in (("preview", 1), ("visible", 2)):
            if all(e[col] is not None for e in edits):
                got[key] = [(e[col], 0) for e in edits]
            else:
                got[key], failed[key] = [], "none" if key == "preview" else "never seen"
        got["cached"] = [(w, 0) for w in inc]
        got["clean"] = [(w, 0) for w in full]
        med = medians(got, failed)
        stage = {k: statistics.median(float(s[k]) for s in stages) / 1000 for k in ("analyse", "pages", "data", "search", "seal", "swap")}
        rows.append((n, med, stage, int(stages[-1]["files"])))
        print(f"N={n}: " + ", ".join(f"{k} {w:.2f} s" if w is not None else f"{k} failed" for k, (w, _) in med.items()), file=sys.stderr)

    lines = [
        f"Machine: {os.cpu_count()} cores; {versions['gongbao']}; {' '.join(versions['hugo'])}; median of {a.runs} interleaved runs, each from an empty output folder.",
        "",
        f"Pagefind runs with its address space capped at {PAGEFIND_CAP >> 30} GiB (`prlimit --as`); gongbao / Hugo compares with Hugo alone, which builds no search index.",
        "",
        "| documents | gongbao s | Hugo s | Hugo + Pagefind s | floor s | gongbao / (Hugo + Pagefind) | gongbao / Hugo | gongbao / floor | gongbao peak MiB | Hugo peak MiB | gongbao ms per document | files written |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n, med, stage, files in rows:
        g, f = med["gongbao"], med["floor"]
        if "hugo" in med and "pagefind" in med and med["hugo"][0] is None:
            peer, hmem = f"failed: {med['hugo'][1]} | — | {f[0]:.2f} | — | —", "—"
        elif "hugo" in med and "pagefind" in med and med["pagefind"][0] is None:
            h = med["hugo"]
            peer, hmem = f"{h[0]:.2f} | Pagefind failed: {med['pagefind'][1]} | {f[0]:.2f} | — | {g[0]/h[0]:.2f}", f"{h[1]/1024:.0f}"
        elif "hugo" in med:
            h, p = med["hugo"], med["pagefind"]
            hp = h[0] + p[0]
            peer = f"{h[0]:.2f} | {hp:.2f} | {f[0]:.2f} | {g[0]/hp:.2f} | {g[0]/h[0]:.2f}"
            hmem = f"{max(h[1], p[1])/1024:.0f}"
        else:
            peer, hmem = f"not run | not run | {f[0]:.2f} | — | —", "—"
        lines.append(f"| {n:,} | {g[0]:.2f} | {peer} | {g[0]/f[0]:.2f} | {g[1]/1024:.0f} | {hmem} | {1000*g[0]/n:.3f} | {files:,} |")
    lines += ["", "gongbao's stages (median seconds): reading and checking, pages (documents, versions, issues, browse lists, their Traditional twins), open data and feeds, the search index, checksums, swap into place.", "",
              "| documents | analyse | pages | open data + feeds | search | seal | swap |", "|---:|---:|---:|---:|---:|---:|---:|"]
    for n, _, st, _ in rows:
        lines.append(f"| {n:,} | {st['analyse']:.2f} | {st['pages']:.2f} | {st['data']:.2f} | {st['search']:.2f} | {st['seal']:.2f} | {st['swap']:.2f} |")
    if a.baseline:
        base = subprocess.run([a.baseline, "--version"], capture_output=True, text=True).stdout.strip()
        lines += ["", f"This build against the baseline ({base}, `--baseline`), interleaved in the same runs:", "",
                  "| documents | this build s | baseline s | this / baseline | peak MiB (this / baseline) |", "|---:|---:|---:|---:|---:|"]
        for n, med, _, _ in rows:
            g, b = med["gongbao"], med["baseline"]
            lines.append(f"| {n:,} | {g[0]:.2f} | {b[0]:.2f} | {g[0]/b[0]:.2f} | {g[1]/1024:.0f} / {b[1]/1024:.0f} |")
    if a.builds_only:
        rows_extra = []
    else:
        rows_extra = rows
    if rows_extra:
        lines += ["", "After a one-record change (the record's text edited): a `build` with the build cache against a clean build (`--no-cache`) over the same output, and a rebuild in a running `serve`.", "",
                  "In `serve`, the preview is the rendering of the pages that show the edited text (`preview-ms`), and *edit shown* the time from the write until the record's page, fetched over HTTP, has the new line (including the watcher's 100 ms of quiet).", "",
                  "The rewrite floor is the time to SHA-256 and write again (on as many threads as cores, with Python's `hashlib`, into tmpfs) every file the edit changed, whole, with `manifest.json` and `SHA256SUMS`: what publishing the same checksummed output costs at the least.", "",
                  "| documents | cached build s | clean build s | speed-up | serve preview s | serve: edit shown s | serve rebuild s | rewrite floor s | rebuild / floor |", "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for n, med, _, _ in rows_extra:
            opt = lambda k: "—" if med[k][0] is None else f"{med[k][0]:.3f}"
            lines.append(f"| {n:,} | {med['cached'][0]:.2f} | {med['clean'][0]:.2f} | {med['clean'][0] / med['cached'][0]:.1f}× | {opt('preview')} | {opt('visible')} | {med['serve'][0]:.3f} | {med['rewrite'][0]:.3f} | {med['serve'][0] / med['rewrite'][0]:.1f}× |")
    if any("zola" in med for _, med, _, _ in rows):
        lines += ["", "| documents | Zola s | Zola peak MiB | gongbao / Zola |", "|---:|---:|---:|---:|"]
        for n, med, _, _ in rows:
            if "zola" in med and med["zola"][0] is None:
                lines.append(f"| {n:,} | failed: {med['zola'][1]} | — | — |")
            elif "zola" in med:
                z = med["zola"]
                lines.append(f"| {n:,} | {z[0]:.2f} | {z[1]/1024:.0f} | {med['gongbao'][0]/z[0]:.2f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if a.results:
        with open(a.results, "w", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()
