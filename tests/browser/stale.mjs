// Never stale: a page built before a repeal took effect, opened after it, must say 已废止.
//
//   node tests/browser/stale.mjs PUBLIC_DIR PAGE_PATH AS_OF_STATE LATER_DATE LATER_STATE
//
// Serves PUBLIC_DIR on 127.0.0.1, opens PAGE_PATH in headless Chromium three times: with the
// browser clock at LATER_DATE (the script must recompute LATER_STATE), with the real clock, and
// with JavaScript off (the page must show AS_OF_STATE and its 状态截至 date). Exits 1 on failure.
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import os from "node:os";
import { chromium } from "playwright-core";

const [root, pagePath, asOfState, laterDate, laterState] = process.argv.slice(2);
const types = { ".html": "text/html; charset=utf-8", ".css": "text/css", ".js": "text/javascript" };
const server = http.createServer((req, res) => {
  let p = decodeURIComponent(new URL(req.url, "http://x").pathname);
  if (p.endsWith("/")) p += "index.html";
  const file = path.join(root, p);
  if (!file.startsWith(path.resolve(root)) || !fs.existsSync(file)) { res.writeHead(404); res.end(); return; }
  res.writeHead(200, { "Content-Type": types[path.extname(file)] || "application/octet-stream" });
  fs.createReadStream(file).pipe(res);
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const url = `http://127.0.0.1:${server.address().port}${pagePath}`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
});
let failed = false;
const check = (what, got, want) => {
  const ok = got === want;
  if (!ok) failed = true;
  console.log(`${ok ? "ok" : "FAIL"} ${what}: ${JSON.stringify(got)}${ok ? "" : ` (want ${JSON.stringify(want)})`}`);
};
try {
  const later = await browser.newContext();
  const page = await later.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.clock.setFixedTime(new Date(`${laterDate}T12:00:00+08:00`));
  await page.goto(url);
  check(`state with the clock at ${laterDate}`, (await page.textContent("[data-state]")).trim(), laterState);
  // The day the new state began is shown with it (the repeal's effective date, given as SINCE).
  if (process.argv[7]) {
    const since = await page.$eval("[data-since]", (e) => (e.hidden ? "(hidden)" : e.textContent.trim()));
    check("since", since, `自 ${process.argv[7]}`);
  }
  check("script errors", errors.join("; "), "");

  const noJs = await browser.newContext({ javaScriptEnabled: false });
  const plain = await noJs.newPage();
  await plain.goto(url);
  check("state without script", (await plain.textContent("[data-state]")).trim(), asOfState);
  const asof = (await plain.textContent("[data-asof]")).trim();
  check("says as of when", asof.startsWith("状态截至"), true);
  // The access date of the citation is the reader's: without script, a blank to fill in.
  const accessed = await plain.$eval("[data-accessed]", (e) => e.textContent);
  check("access date without script is blank", /\d/.test(accessed), false);
  const shot = path.join(os.tmpdir(), "gongbao-stale.png");
  await page.screenshot({ path: shot, fullPage: false });
  console.log(`screenshot ${shot}`);
} finally {
  await browser.close();
  server.close();
}
process.exit(failed ? 1 : 0);
