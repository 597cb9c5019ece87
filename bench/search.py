#!/usr/bin/env python3
"""Benchmark of the search index: build share, index size, bytes and time per query in headless
Chromium, and the comparison with Pagefind on the same probes.

    python3 bench/search.py [--size 50000] [--probes 200] [--ascii-probes 60] [--compare 2000]
                            [--pagefind BIN] [--work DIR] [--out DIR] [--bin BIN] [--results FILE]

1. Generates the synthetic corpus of ../shared/bench/gen_corpus.py (gongbao flavour) of --size
   documents in --work (kept and reused), builds it with the release binary into --out (tmpfs)
   with GONGBAO_TIMINGS=1, and reports the search stage against the whole build, the build's
   resident memory (sampled every 0.2 s: its peak, and within the search stage what it rose to
   from where it stood), what the index stage says of itself (`search-index`: grams, the heap of
   its postings), and the size of the index (search/ and the text.txt files beside the pages).
2. Serves the output on 127.0.0.1 and runs tests/browser/search.mjs --bench: --probes random
   substrings (1-10 characters) of random documents typed into the search page one after
   another, as a reader would in one session; bytes transferred (Chromium's encoded data length)
   and time until the first result page is shown, per query. Then --bench-ascii in a new
   session: the issue's examples (`2024`, `2024-05`, `ZJSP01-2024`, `2016年9月`, `第十四条`) and
   random probes of three characters or more that hold an ASCII letter or digit, --ascii-probes
   in all. --probes 0 measures the build only.
3. With --compare M and a Pagefind binary (--pagefind: the `pagefind_extended` of the npm
   package `pagefind`), builds the first M documents, indexes the same output with Pagefind
   (`--force-language zh`; document, version and issue pages), and runs the same probes through
   both engines (search.mjs --compare): recall and precision against an oracle that reads the
   built texts, whether the probe's own document was found, bytes and time per query.

Writes a Markdown section; with --results FILE replaces the "## Search" section of that file.
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from run import CONFIG, GEN  # noqa: E402  (the same corpus and settings as the build benchmark)


def corpus(work, n):
    site = os.path.join(work, f"c{n}", "gongbao")
    if not os.path.exists(os.path.join(site, "content")):
        subprocess.run([sys.executable, GEN, str(n), os.path.join(work, f"c{n}"), "--flavour", "gongbao"], check=True)
    with open(os.path.join(site, "gongbao.toml"), "w", encoding="utf-8") as f:
        f.write(CONFIG)
    return site


def build(binary, site, out):
    """Builds with GONGBAO_TIMINGS=1 while sampling the resident memory every 0.2 s: (wall
    seconds, stage timings and the `search-index` figures, memory: peak, and at the start and
    the peak of the search stage, MiB)."""
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.time()
    p = subprocess.Popen([binary, "-C", site, "build", "--no-cache", "--out", out], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True, env=dict(os.environ, GONGBAO_TIMINGS="1", CI="true"))
    err, samples = [], []
    reader = threading.Thread(target=lambda: err.append(p.stderr.read()))
    reader.start()
    while p.poll() is None:
        try:
            with open(f"/proc/{p.pid}/status") as f:
                rss = [int(line.split()[1]) for line in f if line.startswith("VmRSS:")]
            samples += [(time.time() - t0, rss[0] / 1024)] if rss else []
        except OSError:
            pass
        time.sleep(0.2)
    reader.join()
    wall = time.time() - t0
    if p.returncode != 0:
        sys.exit(f"build failed:\n{err[0][-3000:]}")
    t = {}
    for name in ("timings-ms", "search-index"):
        m = re.search(name + r" (.*)", err[0])
        if m:
            pairs = (kv.split("=", 1) for kv in m.group(1).split() if "=" in kv)
            t.update({k: float(v) for k, v in pairs if re.fullmatch(r"-?[0-9.]+", v)})
    lo = sum(t[k] for k in ("analyse", "pages", "data")) / 1000
    hi = lo + t["search"] / 1000
    before = [r for s, r in samples if s < lo] or [0]
    inside = [r for s, r in samples if lo <= s < hi] or [0]
    return wall, t, {"peak": max(r for _, r in samples), "search_start": before[-1], "search_peak": max(inside)}


def index_size(out):
    search = texts = 0
    files = {"search": 0, "text": 0}
    for d, _, fs in os.walk(out):
        for f in fs:
            size = os.path.getsize(os.path.join(d, f))
            rel = os.path.relpath(os.path.join(d, f), out)
            if rel.startswith("search/") and f != "index.html":
                search += size
                files["search"] += 1
            elif f == "text.txt":
                texts += size
                files["text"] += 1
    return search, texts, files


def node(out, probes, seed, mode, dest):
    p = subprocess.run(["node", os.path.join(ROOT, "tests/browser/search.mjs"), out, str(probes), str(seed), mode, dest],
                       capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"search.mjs {mode} failed:\n{p.stdout[-3000:]}{p.stderr[-3000:]}")
    return json.load(open(dest)), p.stdout.strip()


def mib(b):
    return f"{b / 1048576:.1f} MiB"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=50000)
    ap.add_argument("--probes", type=int, default=200)
    ap.add_argument("--ascii-probes", type=int, default=60)
    ap.add_argument("--seed", type=int, default=20261202)
    ap.add_argument("--compare", type=int, default=0)
    ap.add_argument("--pagefind", default="")
    ap.add_argument("--work", default=os.environ.get("BENCH_DIR", "/tmp/gongbao-bench"))
    ap.add_argument("--out", default="/dev/shm/gongbao-search")
    ap.add_argument("--bin", default=os.path.join(ROOT, "target/release/gongbao"))
    ap.add_argument("--results", default="")
    a = ap.parse_args()
    if not os.path.exists(a.bin):
        subprocess.run(["cargo", "build", "--release", "--locked"], cwd=ROOT, check=True)
    lines = ["## Search", "", f"`python3 bench/search.py --size {a.size} --probes {a.probes}"
             + (f" --compare {a.compare}" if a.compare else "") + "`, two-core machine shared with other jobs.", ""]
    site = corpus(a.work, a.size)
    out = os.path.join(a.out, str(a.size))
    wall, t, mem = build(a.bin, site, out)
    whole = sum(t[k] for k in ("analyse", "pages", "data", "search", "seal", "swap"))
    search, texts, files = index_size(out)
    # The shards of the head (`g/`) and of the tail (`t/`, absent when it is empty).
    shards = [os.path.join(out, "search", d, f) for d in ("g", "t") if os.path.isdir(os.path.join(out, "search", d))
              for f in os.listdir(os.path.join(out, "search", d))]
    postings = sum(os.path.getsize(f) for f in shards)
    lines += [
        f"### {a.size:,} documents", "",
        "| measure | value |", "|---|---|",
        f"| whole build (stages summed; wall) | {whole / 1000:.1f} s ({wall:.1f} s) |",
        f"| search index stage | {t['search'] / 1000:.1f} s, {100 * t['search'] / whole:.0f} % of the build |",
        f"| resident memory: peak of the build | {mem['peak']:.0f} MiB |",
        f"| resident memory in the search stage | from {mem['search_start']:.0f} to at most {mem['search_peak']:.0f} MiB |",
    ]
    if "grams" in t:
        lines += [f"| the stage's postings at their largest (`search-index`) | {t['grams']:,.0f} grams, "
                  f"{t['postings-heap-mib']:.0f} MiB of heap |"]
    lines += [
        f"| index under `search/` | {mib(search)} in {files['search']} files, of which postings {mib(postings)} "
        f"in {len(shards)} shards |",
        f"| `text.txt` beside the pages | {mib(texts)} in {files['text']} files (rendered with the pages) |",
    ]
    by = lambda rs, k: statistics.median([r[k] for r in rs]) if rs else 0
    pct = lambda rs, k: sorted(r[k] for r in rs)[int(len(rs) * .9)]
    for mode, count, what in (("--bench", a.probes, "random substrings, 1-10 characters"),
                              ("--bench-ascii", a.ascii_probes, "with an ASCII letter or digit, 3-10 characters")):
        if count <= 0:
            continue
        rows, summary = node(out, count, a.seed, mode, os.path.join(a.out, f"bench{mode[7:]}-{a.size}.json"))
        print(summary)
        lines += [
            f"| queries ({what}) | {len(rows)} |",
            f"| median bytes transferred per query | {by(rows, 'bytes') / 1024:.0f} KiB |",
            f"| 90th percentile of bytes; queries over 300 KB | {pct(rows, 'bytes') / 1024:.0f} KiB; "
            f"{sum(r['bytes'] > 300000 for r in rows)} |",
            f"| median time to first results; 90th percentile | {by(rows, 'ms'):.0f} ms; {pct(rows, 'ms'):.0f} ms |",
            f"| the first query of the session (meta.json, T→S table) | {rows[0]['bytes'] / 1024:.0f} KiB, {rows[0]['ms']} ms |",
            f"| queries whose count was exact at once | {sum(r['complete'] for r in rows)} of {len(rows)} |",
        ]
        if mode == "--bench":
            short = [r for r in rows if r["len"] <= 2]
            long = [r for r in rows if r["len"] > 2]
            lines += [f"| by length: 1-2 characters ({len(short)}); 3-10 ({len(long)}) | "
                      f"{by(short, 'bytes') / 1024:.0f} KiB, {by(short, 'ms'):.0f} ms; "
                      f"{by(long, 'bytes') / 1024:.0f} KiB, {by(long, 'ms'):.0f} ms |"]
        else:
            named = ", ".join(f"`{r['q']}` {r['bytes'] / 1024:.0f} KiB {r['ms']} ms" for r in rows[:5])
            lines += [f"| the issue's examples | {named} |"]
    lines += [""]
    if a.compare and a.pagefind:
        csite = corpus(a.work, a.compare)
        cout = os.path.join(a.out, str(a.compare))
        cwall, ct, _ = build(a.bin, csite, cout)
        cwhole = sum(ct[k] for k in ("analyse", "pages", "data", "search", "seal", "swap"))
        t0 = time.time()
        p = subprocess.run([a.pagefind, "--site", cout, "--force-language", "zh",
                            "--glob", "{docs,gazette}/**/index.html"], capture_output=True, text=True)
        pf = time.time() - t0
        if p.returncode != 0:
            sys.exit(f"pagefind failed:\n{p.stdout[-2000:]}{p.stderr[-2000:]}")
        psize = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(os.path.join(cout, "pagefind")) for f in fs)
        psearch, ptexts, _ = index_size(cout)
        crows, csummary = node(cout, a.probes, a.seed, "--compare", os.path.join(a.out, f"compare-{a.compare}.json"))
        print(csummary)
        mean = lambda k: sum(r[k] for r in crows) / len(crows)
        lines += [
            f"### gongbao against Pagefind 1.6 (extended, `--force-language zh`), {a.compare:,} documents", "",
            "| | gongbao | Pagefind |", "|---|---|---|",
            f"| recall (mean over probes, against the oracle) | {mean('gongbao_recall'):.3f} | {mean('pagefind_recall'):.3f} |",
            f"| precision (mean over probes) | {mean('gongbao_precision'):.3f} | {mean('pagefind_precision'):.3f} |",
            f"| probes whose own document was found | {sum(r['gongbao_found_doc'] for r in crows)} of {len(crows)} "
            f"| {sum(r['pagefind_found_doc'] for r in crows)} of {len(crows)} |",
            f"| median time per query | {by(crows, 'gongbao_ms'):.0f} ms | {by(crows, 'pagefind_ms'):.0f} ms |",
            f"| index size | {mib(psearch)} + {mib(ptexts)} of `text.txt` | {mib(psize)} |",
            f"| index build | {ct['search'] / 1000:.1f} s inside a {cwhole / 1000:.1f} s build | {pf:.1f} s after the build |",
            "",
        ]
    text = "\n".join(lines) + "\n"
    print(text)
    if a.results:
        old = open(a.results, encoding="utf-8").read() if os.path.exists(a.results) else ""
        old = re.sub(r"\n## Search\n.*?(?=\n## |\Z)", "\n", old, flags=re.S).rstrip() + "\n\n"
        open(a.results, "w", encoding="utf-8").write(old + text)


if __name__ == "__main__":
    main()
