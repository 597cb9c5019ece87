// Search finds what Ctrl+F finds, checked in headless Chromium against an oracle that reads the
// built site from disk.
//
//   node tests/browser/search.mjs PUBLIC_DIR PROBES SEED [--bench|--bench-ascii|--compare OUT.json]
//
// Serves PUBLIC_DIR on 127.0.0.1. Draws PROBES random substrings (1–10 characters, anywhere in a
// title, number or text line, so across word boundaries) of random documents; for each, opens
// `search/?q=…`, walks every result page and compares the set of results with the oracle: every
// public document whose folded title fields or text contain the folded probe (recall and
// precision both exact). Then Traditional-script and bracket variants, a two-term query, and a
// kind filter. With --bench it measures instead, in one browser session like a reader's: bytes
// transferred and time to first results per query (first result page only), written as JSON;
// --bench-ascii does the same for queries that hold an ASCII letter or digit.
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";

const [root, probesArg, seedArg, flag, benchOut] = process.argv.slice(2);
const ascii = flag === "--bench-ascii", bench = flag === "--bench" || ascii, comparing = flag === "--compare";
const types = { ".html": "text/html; charset=utf-8", ".css": "text/css", ".js": "text/javascript", ".json": "application/json", ".txt": "text/plain; charset=utf-8" };
const server = http.createServer((req, res) => {
  let p = decodeURIComponent(new URL(req.url, "http://x").pathname);
  if (p.endsWith("/")) p += "index.html";
  const file = path.join(root, p);
  if (!file.startsWith(path.resolve(root)) || !fs.existsSync(file)) { res.writeHead(404); res.end(); return; }
  res.writeHead(200, { "Content-Type": types[path.extname(file)] || "application/octet-stream" });
  fs.createReadStream(file).pipe(res);
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const origin = `http://127.0.0.1:${server.address().port}`;

// A small deterministic generator (mulberry32).
let seed = Number(seedArg) >>> 0;
const rand = () => { seed = (seed + 0x6d2b79f5) >>> 0; let t = seed; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
const pick = (a) => a[Math.floor(rand() * a.length)];

// The oracle, written apart from the page's script: NFKC, lower case, brackets, T→S, spaces.
const s2t = {}, t2s = {};
const pairs = Array.from(fs.readFileSync(path.join(root, "search/t2s.txt"), "utf8"));
for (let i = 0; i + 1 < pairs.length; i += 2) { t2s[pairs[i]] = pairs[i + 1]; if (!s2t[pairs[i + 1]]) s2t[pairs[i + 1]] = pairs[i]; }
const fold = (s) => Array.from(s.normalize("NFKC").toLowerCase()).map((c) =>
  "〔[【(〖［（".includes(c) ? "〔" : "〕]】)〗］）".includes(c) ? "〕" : /\s/.test(c) ? " " : t2s[c] || c).join("").replace(/ +/g, " ").trim();
const meta = JSON.parse(fs.readFileSync(path.join(root, "search/meta.json"), "utf8"));
const docs = [];
for (let k = 0; k * meta.display < meta.n; k++) {
  for (const r of JSON.parse(fs.readFileSync(path.join(root, `search/d/${k}.json`), "utf8"))) {
    const text = fs.readFileSync(path.join(root, r[0], "text.txt"), "utf8");
    const fields = [r[1], r[2], r[5], r[6]];
    docs.push({ url: r[0], fields, text, folded: fold(fields.join(" ") + "\n" + text) });
  }
}
const oracle = (q) => {
  const terms = q.split(/\s+/).map(fold).filter(Boolean);
  return new Set(docs.filter((d) => terms.every((t) => d.folded.includes(t))).map((d) => d.url));
};
const probe = () => probeOf(pick(docs));
const probeOf = (d) => {
  const lines = [...d.fields.filter(Boolean), ...d.text.split("\n")].map((l) => Array.from(l)).filter((l) => l.length);
  for (let tries = 0; tries < 50; tries++) {
    const line = pick(lines), len = 1 + Math.floor(rand() * 10), at = Math.floor(rand() * Math.max(1, line.length - len + 1));
    const q = line.slice(at, at + len).join("");
    if (q && !/\s/.test(q)) return { q, doc: d.url };
  }
  return { q: Array.from(d.fields[0])[0], doc: d.url };
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});
let failed = false;
const fail = (m) => { failed = true; console.log("FAIL " + m); };
const page = await browser.newPage();
const errors = [];
page.on("pageerror", (e) => errors.push(String(e)));

// Every result of the current query, page after page; the status's total. `at` is the search
// page (`/zh-Hant/search/` links its results to 繁體 pages: they are compared as the Simplified
// pages they are twins of).
async function results(q, extra = "", at = "/search/") {
  await page.goto(`${origin}${at}?q=${encodeURIComponent(q)}${extra}`);
  await page.waitForFunction(() => window.__gongbaoSearch);
  await page.evaluate(() => window.__gongbaoSearch);
  const first = Number(await page.getAttribute("[data-status]", "data-total"));
  const urls = [];
  const twin = at.slice(0, at.length - "search/".length);
  for (;;) {
    const hrefs = await page.$$eval("[data-results] h2 a", (as) => as.map((a) => a.getAttribute("href")));
    for (const h of hrefs) {
      if (!h.startsWith(twin)) fail(`${q} on ${at}: result ${h} is not under ${twin}`);
      urls.push("/" + h.slice(twin.length));
    }
    const next = await page.$("[data-pager] a[rel=next]");
    if (!next) break;
    await next.click();
    await page.evaluate(() => window.__gongbaoSearch);
  }
  // Once every page has been seen every candidate has been checked: the count is then exact;
  // before, it may only be too high (candidates not yet excluded), never too low.
  const total = Number(await page.getAttribute("[data-status]", "data-total"));
  const complete = (await page.getAttribute("[data-status]", "data-complete")) === "1";
  if (!complete) fail(`${q}: the count is not exact after the last page`);
  if (first < total) fail(`${q}: the first page counted ${first}, fewer than the ${total} found`);
  return { total, urls };
}
function compare(what, got, want, doc) {
  const g = new Set(got.urls);
  const missing = [...want].filter((u) => !g.has(u)), extra = [...g].filter((u) => !want.has(u));
  if (doc && !g.has(doc)) fail(`${what}: its document ${doc} not returned`);
  if (missing.length || extra.length || got.urls.length !== g.size || got.total !== want.size) {
    fail(`${what}: total ${got.total}, want ${want.size}; missing ${missing.slice(0, 3)} extra ${extra.slice(0, 3)}`);
    return false;
  }
  return true;
}

if (comparing) {
  // The same probes through both engines, in one session each: gongbao's index (every result
  // through the page's own candidates and confirmation) and Pagefind's (`pagefind/` in the site,
  // made by bench/search.py), each compared with the oracle. (Bytes are not compared here: the
  // whole result sets fetched for recall leave both engines' files in the page's memory; the
  // --bench mode measures gongbao's bytes per query.)
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  let bytes = 0;
  cdp.on("Network.loadingFinished", (e) => { bytes += e.encodedDataLength; });
  await page.goto(`${origin}/search/`);
  await page.evaluate(() => window.__gongbaoSearch);
  await page.evaluate(async () => { window.__pf = await import("/pagefind/pagefind.js"); await window.__pf.init(); });
  const known = docs.map((d) => d.url).sort((a, b) => b.length - a.length);
  const owner = (u) => known.find((k) => u.startsWith(k)) || u;
  const rows = [];
  for (let k = 0; k < Number(probesArg); k++) {
    const { q, doc } = probe();
    const want = oracle(q);
    const row = { q, len: Array.from(q).length, want: want.size };
    bytes = 0;
    let t0 = Date.now();
    await page.evaluate((q) => { document.getElementById("q").value = q; document.querySelector("[data-search-form]").requestSubmit(); }, q);
    await page.evaluate(() => window.__gongbaoSearch);
    row.gongbao_ms = Date.now() - t0; row.gongbao_bytes = bytes;
    const g = new Set(await page.evaluate((q) => window.__gongbaoSearchAll(q), q));
    bytes = 0; t0 = Date.now();
    const first = await page.evaluate(async (q) => {
      const r = await window.__pf.search(q);
      const top = await Promise.all(r.results.slice(0, 10).map((x) => x.data()));
      return { n: r.results.length, top: top.map((d) => d.url) };
    }, q);
    row.pagefind_ms = Date.now() - t0; row.pagefind_bytes = bytes;
    const all = await page.evaluate(async (q) => {
      const r = await window.__pf.search(q);
      return (await Promise.all(r.results.map((x) => x.data()))).map((d) => d.url);
    }, q);
    const p = new Set(all.map(owner));
    for (const [name, got] of [["gongbao", g], ["pagefind", p]]) {
      const hit = [...got].filter((u) => want.has(u)).length;
      row[name + "_n"] = got.size;
      row[name + "_recall"] = want.size ? hit / want.size : 1;
      row[name + "_precision"] = got.size ? hit / got.size : 1;
      row[name + "_found_doc"] = got.has(doc);
    }
    rows.push(row);
  }
  fs.writeFileSync(benchOut, JSON.stringify(rows));
  const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
  const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
  for (const name of ["gongbao", "pagefind"]) {
    console.log(`${name} probes=${rows.length} recall=${mean(rows.map((r) => r[name + "_recall"])).toFixed(3)} precision=${mean(rows.map((r) => r[name + "_precision"])).toFixed(3)} found_own_doc=${rows.filter((r) => r[name + "_found_doc"]).length} median_ms=${med(rows.map((r) => r[name + "_ms"]))}`);
  }
} else if (bench) {
  // One session, as a reader's: the first query pays for meta.json and the T→S table. With
  // --bench-ascii, the queries that hold an ASCII letter or digit, which are the costly kind
  // for an index of character pairs: first the examples, then random probes of three
  // characters or more that hold one.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: false });
  let bytes = 0;
  cdp.on("Network.loadingFinished", (e) => { bytes += e.encodedDataLength; });
  await page.goto(`${origin}/search/`);
  await page.evaluate(() => window.__gongbaoSearch);
  const n = Number(probesArg);
  const queries = [];
  if (ascii) {
    for (const q of ["2024", "2024-05", "ZJSP01-2024", "2016年9月", "第十四条"]) queries.push({ q, doc: null });
    while (queries.length < n) {
      const p = probe();
      if (/[0-9A-Za-z]/.test(p.q) && Array.from(p.q).length >= 3) queries.push(p);
    }
  } else {
    while (queries.length < n) queries.push(probe());
  }
  const rows = [];
  for (const { q, doc } of queries) {
    bytes = 0;
    const t0 = Date.now();
    await page.evaluate((q) => {
      document.getElementById("q").value = q;
      document.querySelector("[data-search-form]").requestSubmit();
    }, q);
    await page.evaluate(() => window.__gongbaoSearch);
    const ms = Date.now() - t0;
    await new Promise((r) => setTimeout(r, 20));
    const total = Number(await page.getAttribute("[data-status]", "data-total"));
    rows.push({ q, len: Array.from(q).length, bytes, ms, total, complete: await page.getAttribute("[data-status]", "data-complete") === "1", doc });
  }
  fs.writeFileSync(benchOut, JSON.stringify(rows));
  const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
  console.log(`queries=${rows.length} median_bytes=${med(rows.map((r) => r.bytes))} median_ms=${med(rows.map((r) => r.ms))} max_bytes=${Math.max(...rows.map((r) => r.bytes))}`);
} else {
  const n = Number(probesArg);
  let ok = 0;
  for (let k = 0; k < n; k++) {
    const { q, doc } = probe();
    if (compare(`probe ${JSON.stringify(q)}`, await results(q), oracle(q), doc)) ok++;
  }
  console.log(`ok ${ok}/${n} generated probes return their document and only documents that hold them`);

  // The newest documents, whose lists are the index's tail (`search/t/`, numbered from
  // meta.tail.base), each by a probe of its own text.
  let tail = 0, tailOk = 0;
  for (let d = meta.tail.base; d < meta.n; d++) {
    for (let k = 0; k < 3; k++) {
      tail++;
      const { q } = probeOf(docs[d]);
      if (compare(`tail document ${docs[d].url} by ${JSON.stringify(q)}`, await results(q), oracle(q), docs[d].url)) tailOk++;
    }
  }
  console.log(`ok ${tailOk}/${tail} probes of the documents of the index's tail`);
  if (!tail) fail("the index has no tail: the probes reach only its head");

  // Probes with ASCII letters or digits (numbers, dates), answered through runs of three and four.
  let asc = 0, ascOk = 0;
  for (let k = 0; k < 2000 && asc < 10; k++) {
    const { q, doc } = probe();
    if (!/[0-9A-Za-z]/.test(q) || Array.from(q).length < 3) continue;
    asc++;
    if (compare(`probe with digits ${JSON.stringify(q)}`, await results(q), oracle(q), doc)) ascOk++;
  }
  console.log(`ok ${ascOk}/${asc} probes with digits or Latin letters`);
  if (asc < 10) fail("fewer than 10 probes with digits or Latin letters");

  // Traditional script: the same probes written with Traditional characters.
  let trad = 0, tradOk = 0;
  for (let k = 0; k < 400 && trad < 10; k++) {
    const { q, doc } = probe();
    const t = Array.from(q).map((c) => s2t[c] || c).join("");
    if (t === q) continue;
    trad++;
    if (compare(`Traditional ${JSON.stringify(t)} of ${JSON.stringify(q)}`, await results(t), oracle(q), doc)) tradOk++;
  }
  console.log(`ok ${tradOk}/${trad} Traditional-script probes`);
  if (trad === 0) fail("no probe had a character with a Traditional form");

  // Document numbers typed with other brackets.
  let br = 0, brOk = 0;
  for (const d of docs) {
    const m = d.fields[1].match(/^(.*)〔(\d{4})〕(.*)$/);
    if (!m || br >= 5) continue;
    br++;
    for (const q of [`${m[1]}[${m[2]}]${m[3]}`, `${m[1]}(${m[2]})${m[3]}`, `${m[1]}【${m[2]}】${m[3]}`]) {
      if (compare(`bracket variant ${q}`, await results(q), oracle(d.fields[1]), d.url)) brOk++;
    }
  }
  console.log(`ok ${brOk}/${br * 3} bracket-variant probes`);
  if (br === 0) fail("no document number with 〔year〕 to vary");

  // Two terms: both must occur.
  const a = probe(), b = probe();
  const both = `${a.q} ${b.q}`;
  if (compare(`two terms ${JSON.stringify(both)}`, await results(both), oracle(both))) console.log(`ok two terms ${JSON.stringify(both)}`);

  // A filter narrows: the most common kind among the results of a broad query.
  const broad = await results("的");
  await page.goto(`${origin}/search/?q=${encodeURIComponent("的")}`);
  await page.evaluate(() => window.__gongbaoSearch);
  const kinds = await page.$$eval("[data-facets] section:first-child a", (as) => as.map((a) => [a.getAttribute("href"), a.textContent]));
  const filt = kinds.find(([h]) => h.includes("kind="));
  if (!filt) fail("no kind filter offered");
  else {
    const kind = new URL(filt[0], origin).searchParams.get("kind");
    const narrowed = await results("的", `&kind=${kind}`);
    const want = Number(filt[1].match(/（(\d+)）/)[1]);
    if (!(narrowed.total < broad.total && narrowed.total === want && narrowed.urls.length === want)) fail(`filter kind=${kind}: ${narrowed.total} of ${broad.total}, facet said ${want}`);
    else console.log(`ok filter kind=${kind} narrows ${broad.total} to ${narrowed.total}, as its count said`);
  }
  // The 繁體 pages: their header search box leads to the 繁體 search page, which searches the same
  // index: a query in either script finds the oracle's documents, and results link to 繁體 pages
  // and show titles and snippets as those pages do.
  await page.goto(`${origin}/zh-Hant/`);
  const box = await page.$("header form[role=search] input[type=search], form[role=search] input[type=search]");
  await box.fill("規範性文件");
  await Promise.all([page.waitForURL(/\/zh-Hant\/search\/\?q=/), box.press("Enter")]);
  await page.evaluate(() => window.__gongbaoSearch);
  const landed = new URL(page.url());
  if (landed.pathname !== "/zh-Hant/search/") fail(`the 繁體 header search led to ${landed.pathname}`);
  else console.log("ok the 繁體 header search leads to /zh-Hant/search/");
  let hant = 0, hantOk = 0, shownOk = 0, shownAll = 0;
  for (let k = 0; k < 400 && hant < 8; k++) {
    const { q, doc } = probe();
    const t = Array.from(q).map((c) => s2t[c] || c).join("");
    if (t === q) continue;
    hant++;
    const want = oracle(q);
    const a = compare(`繁體 page, Traditional ${JSON.stringify(t)}`, await results(t, "", "/zh-Hant/search/"), want, doc);
    const b = compare(`繁體 page, Simplified ${JSON.stringify(q)}`, await results(q, "", "/zh-Hant/search/"), want, doc);
    if (a && b) hantOk++;
    // The first page again: each title is the 繁體 page's title, each snippet a piece of its text.
    await page.goto(`${origin}/zh-Hant/search/?q=${encodeURIComponent(t)}`);
    await page.evaluate(() => window.__gongbaoSearch);
    const seen = await page.evaluate(async () => {
      const out = [];
      for (const li of document.querySelectorAll("[data-results] li")) {
        const a = li.querySelector("h2 a"), sn = li.querySelector(".r-snippet");
        const html = await (await fetch(a.getAttribute("href"))).text();
        const d = new DOMParser().parseFromString(html, "text/html");
        const squeeze = (x) => x.replace(/\s+/g, "");
        out.push({
          // A gazette issue's heading is its number; its title is the page's <title>.
          href: a.getAttribute("href"), title: a.textContent, pageTitle: d.querySelector("h1").textContent.trim(), docTitle: d.title,
          lang: d.documentElement.lang, marks: li.querySelectorAll("mark").length,
          // text.txt gives a table row as its cells between " | ".
          pieces: sn ? sn.textContent.split(/…| \| /).map(squeeze).filter(Boolean) : [],
          text: squeeze(d.querySelector("main").textContent),
        });
      }
      return out;
    });
    for (const r of seen) {
      shownAll++;
      const bad = [];
      if (r.lang !== "zh-Hant") bad.push(`links to a ${r.lang} page`);
      if (r.title !== r.pageTitle && !r.docTitle.startsWith(r.title + " - ")) bad.push(`title ${JSON.stringify(r.title)}, page ${JSON.stringify(r.pageTitle)}`);
      if (!r.marks) bad.push("nothing marked");
      const missing = r.pieces.filter((x) => !r.text.includes(x));
      if (missing.length) bad.push(`snippet not in the page: ${JSON.stringify(missing[0].slice(0, 60))}`);
      if (bad.length) fail(`繁體 result ${r.href} for ${JSON.stringify(t)}: ${bad.join("; ")}`);
      else shownOk++;
    }
  }
  console.log(`ok ${hantOk}/${hant} queries on the 繁體 search page in both scripts`);
  console.log(`ok ${shownOk}/${shownAll} 繁體 results show the title and text of their 繁體 page`);
  if (hant < 8 || shownAll < 8) fail(`too few 繁體 checks: ${hant} queries, ${shownAll} results`);

  // A query that nothing holds.
  const none = await results("这段文字不在任何文件里ZQX");
  if (none.total !== 0 || none.urls.length) fail("a query nothing holds returned results");
  else console.log("ok nothing found for a string in no document");

  // What the status says names the query, and why nothing is shown: a filter that leaves
  // nothing, a page past the last, a query of spaces. The title names the query too.
  const status = async (qs) => {
    await page.goto(`${origin}/search/?${qs}`);
    await page.waitForFunction(() => window.__gongbaoSearch);
    await page.evaluate(() => window.__gongbaoSearch);
    return { text: await page.textContent("[data-status]"), title: await page.title(), items: await page.$$eval("[data-results] li", (l) => l.length) };
  };
  const word = Array.from(pick(docs.filter((d) => Array.from(d.fields[0]).length >= 4)).fields[0]).slice(0, 2).join("");
  const found = await status(`q=${encodeURIComponent(word)}`);
  if (!found.text.includes(word) || !found.title.startsWith(word)) fail(`the status or title lacks the query: ${found.text} / ${found.title}`);
  const filtered = await status(`q=${encodeURIComponent(word)}&kind=nosuchkind`);
  if (!filtered.text.includes("筛选") || filtered.items) fail(`a filter that leaves nothing: ${filtered.text}`);
  const past = await status(`q=${encodeURIComponent(word)}&page=999`);
  if (!past.text.includes("这一页没有结果") || past.items) fail(`a page past the last: ${past.text}`);
  const spaces = await status("q=%20%20");
  if (spaces.text !== "请输入要查找的文字。") fail(`a query of spaces: ${spaces.text}`);
  console.log(`ok the status names “${word}”, a filter that leaves nothing, a page past the last and a query of spaces`);
}
if (errors.length) fail("script errors: " + errors.join("; "));
await browser.close();
server.close();
process.exit(failed ? 1 : 0);
