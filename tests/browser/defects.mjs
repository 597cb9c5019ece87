// The defects of issue 12, checked in headless Chromium against a built site on 127.0.0.1.
//
//   node tests/browser/defects.mjs redline PUBLIC_DIR REDLINE OUT_DIR
//        on a 390-pixel phone: no deletion or insertion is drawn with a line through or under
//        its text, each shows a badge; 只看改动 hides unchanged paragraphs and keeps headings;
//        下一处改动 focuses the first change, then the next; a screenshot into OUT_DIR
//   node tests/browser/defects.mjs titles PUBLIC_DIR OUT_DIR PAGE…
//        on a 390-pixel phone, no line of a page title starts with a character that the rules
//        of Chinese line breaking keep off a line's start, and every line break of the title
//        is one it offers (<wbr>, punctuation), not inside a word or number; a screenshot of each
//
// Prints one line per check ("ok …" or "FAIL …") and exits 1 on any failure.
import path from "node:path";
import { open } from "./harness.mjs";

const [mode, root, ...rest] = process.argv.slice(2);
const { server, base, browser } = await open(root);
let failed = false;
const check = (what, ok, detail = "") => {
  if (!ok) failed = true;
  console.log(`${ok ? "ok" : "FAIL"} ${what}${detail ? `: ${detail}` : ""}`);
};

async function phone() {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
  return ctx.newPage();
}

async function redline([url, out]) {
  const page = await phone();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(base + url);
  const marks = await page.$$eval(".diff-body del, .diff-body ins", (els) => els.map((e) => {
    const s = getComputedStyle(e), b = getComputedStyle(e, "::before");
    return { line: s.textDecorationLine, badge: b.content };
  }));
  check("the redline has marks", marks.length > 0, String(marks.length));
  const struck = marks.filter((m) => m.line !== "none");
  check("no change is drawn with a line through or under its text", struck.length === 0, JSON.stringify(struck[0]));
  const badgeless = marks.filter((m) => !m.badge || m.badge === "none");
  check("every change has a visible badge", badgeless.length === 0, JSON.stringify(badgeless[0]));
  const headings = await page.$$eval(".diff-body h2, .diff-body h3", (els) => els.length);
  check("chapter and article headings are headings", headings > 10, String(headings));
  const shown = () => page.$$eval(".diff-body > *", (els) => els.filter((e) => e.offsetParent).length);
  const before = await shown();
  await page.click("[data-diff-only]");
  const after = await shown();
  const sameShown = await page.$$eval(".diff-body p.same", (els) => els.filter((e) => e.offsetParent).length);
  const headingsShown = await page.$$eval(".diff-body h3", (els) => els.filter((e) => e.offsetParent).length);
  check("只看改动 hides unchanged paragraphs", sameShown === 0 && after < before, `${before} → ${after}`);
  check("只看改动 keeps the headings", headingsShown > 10, String(headingsShown));
  check("the toggle says it is on", (await page.getAttribute("[data-diff-only]", "aria-pressed")) === "true");
  // Keyboard: Tab to the next-change button, press Enter, twice.
  await page.focus("[data-diff-step='1']");
  await page.keyboard.press("Enter");
  const first = await page.evaluate(() => document.activeElement.id);
  await page.focus("[data-diff-step='1']");
  await page.keyboard.press("Enter");
  const second = await page.evaluate(() => document.activeElement.id);
  check("下一处改动 focuses the first change, then the second", first === "change-1" && second === "change-2", `${first}, ${second}`);
  const pos = (await page.textContent("[data-diff-pos]")).trim();
  check("the position is announced", /2/.test(pos), pos);
  await page.focus("[data-diff-step='-1']");
  await page.keyboard.press("Enter");
  check("上一处改动 goes back", (await page.evaluate(() => document.activeElement.id)) === "change-1");
  await page.click("[data-diff-only]");
  const changed = await page.$(".diff-body .changed del");
  await changed.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(out, "redline-phone.png") });
  // Print keeps the marks, as bracketed cues.
  await page.emulateMedia({ media: "print" });
  const cue = await page.$eval(".diff-body del .cue", (e) => getComputedStyle(e).position);
  check("in print the cues are shown", cue === "static", cue);
  check("no script errors", errors.length === 0, errors.join("; "));
}

async function titles([out, ...pages]) {
  const page = await phone();
  let n = 0;
  for (const url of pages) {
    await page.goto(base + url);
    // Each line of the title, read off the positions of its characters, and where the
    // title offers a break (<wbr>, or after punctuation).
    const { lines, offered } = await page.$eval("h1", (h) => {
      const range = document.createRange();
      const rows = new Map();
      const offered = new Set();
      let at = 0;
      for (const node of h.childNodes) {
        if (node.nodeName === "WBR") { offered.add(at); continue; }
        if (node.nodeType !== 3) continue;
        for (let i = 0; i < node.length; i++) {
          range.setStart(node, i); range.setEnd(node, i + 1);
          const top = Math.round(range.getBoundingClientRect().top);
          const ch = node.data[i];
          rows.set(top, (rows.get(top) || "") + ch);
          at++;
          if ("》）」，、：；".includes(ch)) offered.add(at);
          if ("《（「".includes(ch)) offered.add(at - 1);
        }
      }
      return { lines: [...rows.values()], offered: [...offered] };
    });
    const bad = lines.slice(1).filter((l) => /^[，。、：；！？）》」』〉”’]/.test(l));
    check(`${url}: no title line starts with closing punctuation`, bad.length === 0, lines.join(" | "));
    let end = 0;
    const inside = [];
    for (const l of lines.slice(0, -1)) { end += l.length; if (!offered.includes(end)) inside.push(end); }
    check(`${url}: the title breaks only where it offers to (${lines.length} lines)`, inside.length === 0, lines.join(" | "));
    await page.screenshot({ path: path.join(out, `title-phone-${++n}.png`) });
  }
}

try {
  if (mode === "redline") await redline(rest);
  else if (mode === "titles") await titles(rest);
  else check(`mode ${mode}`, false, "unknown");
} finally {
  await browser.close();
  server.close();
}
process.exit(failed ? 1 : 0);
