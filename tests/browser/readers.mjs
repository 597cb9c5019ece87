// What every reader gets, checked in headless Chromium against a built site served on 127.0.0.1.
//
//   node tests/browser/readers.mjs axe   PUBLIC_DIR PAGE…          no serious or critical axe violation
//   node tests/browser/readers.mjs date  PUBLIC_DIR DOC DATE STATE PAGE…
//        with the clock at DATE, the badge of DOC reads STATE on DOC's page and on every PAGE
//        that links to it, the state's date is DATE, no past step says （预定）, a banner shows
//   node tests/browser/readers.mjs texts PUBLIC_DIR DOC DATE IN_FORCE AMENDED STATE
//        with the clock at DATE, DOC's version list tags the text dated IN_FORCE alone as
//        现行有效文本 and the texts dated AMENDED (comma-separated, "-" for none) alone as
//        已被修改, while the panel reads STATE and no banner shows
//   node tests/browser/readers.mjs shots PUBLIC_DIR OUT_DIR HOME DOC ISSUE REDLINE [SEARCH]
//        PNGs of each page, the document's Traditional twin and elder mode, the search page's
//        results in both scripts, 1280 and 390 pixels wide
// A page whose address has `?q=` is a search page: it is checked (and taken) with its results.
//
// Prints one line per check ("ok …" or "FAIL …") and exits 1 on any failure.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { open } from "./harness.mjs";

const require = createRequire(import.meta.url);
const [mode, root, ...rest] = process.argv.slice(2);
const { server, base, browser } = await open(root);
let failed = false;
const check = (what, ok, detail = "") => {
  if (!ok) failed = true;
  console.log(`${ok ? "ok" : "FAIL"} ${what}${detail ? `: ${detail}` : ""}`);
};

async function axe(pages) {
  const source = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
  for (const width of [1280, 390]) {
    const ctx = await browser.newContext({ viewport: { width, height: 900 } });
    for (const p of pages) {
      const page = await ctx.newPage();
      const errors = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      const res = await page.goto(base + p);
      check(`${p} @${width} loads`, res.status() === 200 || p.endsWith("404.html"), String(res.status()));
      if (p.includes("?q=")) check(`${p} @${width} shows results`, (await searched(page)) > 0);
      await page.addScriptTag({ content: source });
      const result = await page.evaluate(async () =>
        await window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } }));
      const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
      check(`${p} @${width} axe (${result.passes.length} rules pass)`, bad.length === 0,
        bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`).join("; "));
      check(`${p} @${width} script errors`, errors.length === 0, errors.join("; "));
      await page.close();
    }
    await ctx.close();
  }
}

/// Waits for a search page to show its results; their number on the page.
async function searched(page) {
  await page.waitForFunction(() => window.__gongbaoSearch);
  await page.evaluate(() => window.__gongbaoSearch);
  return page.$$eval("[data-results] li", (l) => l.length);
}

async function readerDate([doc, date, state, ...pages]) {
  const ctx = await browser.newContext();
  await ctx.addInitScript(`{ const t = ${Date.parse(`${date}T12:00:00+08:00`)}; const D = Date;
    globalThis.Date = class extends D { constructor(...a) { super(...(a.length ? a : [t])); } static now() { return t; } }; }`);
  const page = await ctx.newPage();
  await page.goto(base + doc);
  const panel = (await page.textContent(".validity [data-state]")).trim();
  check(`${doc}: the panel's state with the clock at ${date}`, panel === state, panel);
  const asof = (await page.textContent("[data-asof-date]")).trim();
  check(`${doc}: 状态截至 the reader's date`, asof === date, asof);
  const upcoming = await page.$$eval("[data-upcoming]", (els) => els.filter((e) => !e.hidden && e.offsetParent).length);
  check(`${doc}: no past step still says （预定）`, upcoming === 0, String(upcoming));
  const banner = await page.$eval("[data-state-note]", (e) => (e.hidden ? "" : e.textContent.trim()));
  check(`${doc}: the banner shows`, banner.length > 0, banner);
  for (const p of pages) {
    await page.goto(base + p);
    const badges = await page.$$eval(`a[href="${doc}"]`, (links) => links.map((a) => {
      const li = a.closest("li");
      const s = li && li.querySelector("[data-state]");
      return s ? s.textContent.trim() : null;
    }).filter((s) => s !== null));
    check(`${p}: the badge of ${doc}`, badges.length > 0 && badges.every((b) => b === state), JSON.stringify(badges));
  }
  await ctx.close();
}

async function texts([doc, date, inForce, amended, state]) {
  const ctx = await browser.newContext();
  await ctx.addInitScript(`{ const t = ${Date.parse(`${date}T12:00:00+08:00`)}; const D = Date;
    globalThis.Date = class extends D { constructor(...a) { super(...(a.length ? a : [t])); } static now() { return t; } }; }`);
  const page = await ctx.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(base + doc);
  const shown = (sel) => page.$$eval("[data-text-from]", (items, sel) => items
    .filter((li) => { const t = li.querySelector(sel); return t && !t.hidden && t.offsetParent !== null; })
    .map((li) => li.getAttribute("data-text-from")), sel);
  const current = await shown("[data-text-in-force]");
  check(`${doc}: 现行有效文本 with the clock at ${date}`, current.join() === inForce, current.join());
  const old = await shown("[data-text-superseded]");
  const want = amended === "-" ? "" : amended;
  check(`${doc}: 已被修改 with the clock at ${date}`, old.join() === want, old.join());
  const panel = (await page.textContent(".validity [data-state]")).trim();
  check(`${doc}: the panel's state with the clock at ${date}`, panel === state, panel);
  // A version page has no banner at all; a document page's stays hidden.
  const banner = await page.$$eval("[data-state-note]", (els) => els.filter((e) => !e.hidden).map((e) => e.textContent.trim()).join());
  check(`${doc}: no banner for an amendment`, banner === "", banner);
  check(`${doc}: script errors`, errors.length === 0, errors.join("; "));
  await ctx.close();
}

async function shots([out, ...pages]) {
  fs.mkdirSync(out, { recursive: true });
  const sizes = { desktop: { width: 1280, height: 900 }, phone: { width: 390, height: 844 } };
  for (const [device, viewport] of Object.entries(sizes)) {
    const ctx = await browser.newContext({ viewport, deviceScaleFactor: 1, isMobile: device === "phone", hasTouch: device === "phone" });
    const page = await ctx.newPage();
    const names = ["home", "document", "issue", "redline", "search"];
    const shots = pages.map((p, k) => [names[k] || `page${k}`, p]);
    shots.push(["hant", `/zh-Hant${pages[1]}`]);
    shots.push(["elder", pages[1], true]);
    if (pages[4]) shots.push(["search-hant", `/zh-Hant${pages[4]}`]);
    for (const [name, p, elder] of shots) {
      await page.goto(base + p);
      if (p.includes("?q=")) check(`${name}-${device} shows results`, (await searched(page)) > 0);
      if (elder) {
        await page.click("[data-elder]");
        const on = await page.evaluate(() => document.documentElement.classList.contains("elder"));
        check(`${device} elder mode switches on`, on);
        await page.reload();
        const kept = await page.evaluate(() => document.documentElement.classList.contains("elder"));
        check(`${device} elder mode is remembered`, kept);
      }
      // The masthead and the first screen of the page: what a reader sees on arrival.
      const file = path.join(out, `${name}-${device}.png`);
      await page.screenshot({ path: file, fullPage: false });
      const wide = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
      check(`${name}-${device}.png, no sideways scrolling`, fs.statSync(file).size > 1000 && !wide);
      if (elder) {
        await page.click("[data-elder]");
      }
    }
    await ctx.close();
  }
}

try {
  if (mode === "axe") await axe(rest);
  else if (mode === "date") await readerDate(rest);
  else if (mode === "texts") await texts(rest);
  else if (mode === "shots") await shots(rest);
  else { console.log(`FAIL unknown mode ${mode}`); failed = true; }
} catch (e) {
  console.log(`FAIL ${e.stack || e}`);
  failed = true;
} finally {
  await browser.close();
  server.close();
}
process.exit(failed ? 1 : 0);
