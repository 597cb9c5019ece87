// The editor's loop in a real browser: a page open on `gongbao serve` follows the record as it is
// edited, replaced by an older copy, broken and fixed, and across a restart of the server, and it
// reloads by itself each time (this script never reloads it).
//
//   node tests/browser/serve.mjs GONGBAO SITE PORT WATCHER
//
// SITE holds content/a.md. Starts `GONGBAO -C SITE serve --port PORT --watcher WATCHER`, opens
// /docs/a/ in headless Chromium and prints one `ok …` or `FAIL …` line per step. Exits 1 on
// failure.
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

const [bin, site, port, watcher] = process.argv.slice(2);
const record = path.join(site, "content", "a.md");
const base = `http://127.0.0.1:${port}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const front = (extra = "") =>
  `---\nkind: normative\ntitle: 甲办法\nissuer: 测试市人民政府办公室\npublished: 2024-01-02\n${extra}---\n`;

let log = "";
let server = null;
function start() {
  server = spawn(bin, ["-C", site, "serve", "--port", port, "--watcher", watcher], {
    env: { ...process.env, CI: "true" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  server.stderr.on("data", (d) => (log += d));
}
async function stop() {
  const gone = new Promise((r) => server.once("exit", r));
  server.kill("SIGTERM");
  await gone;
}
async function ready() {
  for (let i = 0; i < 600; i++) {
    try {
      const r = await fetch(`${base}/docs/a/`);
      await r.text();
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error("serve did not answer");
}

let failed = false;
const report = (ok, what, detail = "") => {
  if (!ok) failed = true;
  console.log(`${ok ? "ok" : "FAIL"} ${what}${detail ? `: ${detail}` : ""}`);
};

start();
await ready();
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});
try {
  const page = await browser.newPage();
  const errors = [];
  const asked = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("request", (r) => asked.push(new URL(r.url()).pathname));
  await page.goto(`${base}/docs/a/`);
  const body = () => page.evaluate(() => document.body.innerText);
  report((await body()).includes("第一版"), "the page shows the record");

  // Marks the page, does `act`, then waits until a page without the mark (so a new load that
  // this script did not ask for) shows what `want` accepts.
  async function reloadsBy(what, act, want, timeout = 30000) {
    await page.evaluate(() => (window.__notReloaded = true));
    const started = Date.now();
    await act();
    let text = "";
    while (Date.now() - started < timeout) {
      try {
        const s = await page.evaluate(() => ({ marked: !!window.__notReloaded, text: document.body.innerText }));
        text = s.text;
        if (!s.marked && want(text)) {
          report(true, what, `${Date.now() - started} ms`);
          return;
        }
      } catch {
        // The page is being replaced: ask again.
      }
      await sleep(100);
    }
    report(false, what, `after ${timeout} ms the page says: ${text.slice(0, 600)}`);
  }

  // A new wording of the text is previewed: the page shows it before the rebuild ends, and as the
  // rebuild writes the same bytes, the page is not reloaded a second time.
  const builds = () => (log.match(/已将 \d+ 条记录生成为/g) || []).length;
  const loads = () => asked.filter((p) => p === "/docs/a/").length;
  const [built, loaded] = [builds(), loads()];
  await reloadsBy("an edit reloads the page", () => fs.writeFileSync(record, `${front()}第二版正文。\n`), (t) => t.includes("第二版"));
  for (let i = 0; i < 300 && builds() <= built; i++) await sleep(100);
  await sleep(1500);
  report(
    log.includes("已先显示改了正文、标题、关键词、日期、编号或分类等的 1 条记录") && loads() === loaded + 1,
    "a new wording is previewed and the rebuild does not reload the page again",
    `previewed: ${log.includes("已先显示")}, loads of the page: ${loads() - loaded}`,
  );

  // The same size, written elsewhere, dated 2001, and copied over with its time (cp -p): its
  // modification time is older than the record's.
  const older = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gongbao-serve-")), "a.md");
  fs.writeFileSync(older, `${front()}第三版正文。\n`);
  fs.utimesSync(older, new Date("2001-01-01T00:00:00Z"), new Date("2001-01-01T00:00:00Z"));
  await reloadsBy(
    "a copy with an older time stamp reloads the page",
    () => execFileSync("cp", ["-p", older, record]),
    (t) => t.includes("第三版"),
  );
  report(fs.statSync(record).mtime.getUTCFullYear() === 2001, "the record kept the copy's 2001 time stamp");
  fs.rmSync(path.dirname(older), { recursive: true, force: true });

  await reloadsBy(
    "broken YAML shows the error with file and line",
    () => fs.writeFileSync(record, "---\nkind: normative\ntitle: [甲办法\nissuer: 测试市人民政府办公室\n---\n第三版正文。\n"),
    (t) => t.includes("构建失败") && /\[yaml\]/.test(t) && /content\/a\.md:\d+:\d+/.test(t),
  );
  await reloadsBy(
    "a rule error shows its rule, file and line",
    () => fs.writeFileSync(record, `${front("signed: 2024-03-01\n")}第三版正文。\n`),
    (t) => t.includes("构建失败") && t.includes("[date-order]") && /content\/a\.md:\d+:\d+/.test(t),
  );
  // Any page of the site shows the error while it is broken.
  const other = await browser.newPage();
  await other.goto(`${base}/`);
  report((await other.evaluate(() => document.body.innerText)).includes("[date-order]"), "every page shows the error");
  await other.close();
  await reloadsBy(
    "fixing the record shows the content again",
    () => fs.writeFileSync(record, `${front()}第四版正文。\n`),
    (t) => t.includes("第四版") && !t.includes("构建失败"),
  );

  await reloadsBy(
    "after a restart of serve the page reconnects and reloads",
    async () => {
      await stop();
      fs.writeFileSync(record, `${front()}第五版正文。\n`);
      await sleep(1500);
      start();
    },
    (t) => t.includes("第五版"),
    60000,
  );

  const polls = asked.filter((p) => p === "/__gongbao/version").length;
  const streams = asked.filter((p) => p === "/__gongbao/events").length;
  report(polls === 0, "the page never polls", `${polls} requests for the version`);
  report(streams >= 7, "an event stream for each load", `${streams} streams`);
  report(errors.length === 0, "no script errors", errors.join("; "));
} finally {
  await browser.close();
  if (server && server.exitCode === null) await stop();
}
if (failed) console.log(`--- serve's messages ---\n${log}`);
process.exit(failed ? 1 : 0);
