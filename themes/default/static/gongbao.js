/* gongbao: recompute every validity state on the page for the reader's date, so a site that
   has not been rebuilt does not show a stale state anywhere (document page, lists, home page,
   browse lists, timeline, banner); plus print, text size, elder mode and the cite box. The
   words it shows come from the page (data attributes), so the Traditional pages stay
   Traditional. No network. */
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");
  function today() {
    // The site's day, in the time zone gongbao.toml names (minutes east of UTC on <html>).
    var off = parseInt(root.getAttribute("data-tz"), 10);
    if (isNaN(off)) off = 480;
    return new Date(Date.now() + off * 60 * 1000).toISOString().slice(0, 10);
  }
  function json(el, name) {
    try { return JSON.parse(el.getAttribute(name) || "null"); } catch (e) { return null; }
  }
  var now = today();
  var body = document.body;
  var names = json(body, "data-names") || {};
  var banners = json(body, "data-banners") || {};
  function stateOn(data, day) {
    if (day < data.effective) return "not_yet_in_force";
    var s = "in_force";
    for (var j = 0; j < data.changes.length; j++) if (data.changes[j].from <= day) s = data.changes[j].state;
    return s;
  }
  var cells = document.querySelectorAll("[data-timeline]");
  for (var i = 0; i < cells.length; i++) {
    var cell = cells[i], data = json(cell, "data-timeline");
    if (!data || !data.changes) continue;
    var state = stateOn(data, now);
    var el = cell.hasAttribute("data-state") ? cell : cell.querySelector("[data-state]");
    var changed = el && el.className.indexOf("state-" + state) < 0;
    if (changed) {
      el.textContent = names[state] || state;
      el.className = "state state-" + state;
    }
    if (el === cell) continue;
    // The document page: its panel, banner and timeline.
    if (changed) {
      var parts = cell.querySelectorAll(".since,.basis,.note");
      for (var k = 0; k < parts.length; k++) parts[k].hidden = true;
      // The day the state began, from the same timeline (the basis and note shown were those
      // of the state on the build date, and stay hidden).
      var since = cell.querySelector("[data-since]");
      if (since && state !== "not_yet_in_force") {
        var from = data.effective;
        for (var c = 0; c < data.changes.length; c++) if (data.changes[c].from <= now && data.changes[c].state === state) from = data.changes[c].from;
        since.textContent = since.getAttribute("data-since") + " " + from;
        since.hidden = false;
      }
      var note = document.querySelector("[data-state-note]");
      if (note) {
        var text = banners[state];
        note.hidden = !text;
        note.className = "state-banner banner-" + state;
        var strong = note.querySelector("[data-banner-text]");
        if (strong && text) strong.textContent = text;
        // The basis shown was that of the state on the build date.
        var basis = note.querySelector("[data-banner-basis]");
        if (basis) basis.hidden = true;
      }
    }
    var day = cell.querySelector("[data-asof-date]");
    if (day) {
      day.textContent = now;
      day.setAttribute("datetime", now);
      var why = cell.querySelector("[data-asof-note]");
      if (why) why.hidden = false;
    }
  }
  var steps = document.querySelectorAll("li[data-from]");
  for (var s = 0; s < steps.length; s++) {
    var past = steps[s].getAttribute("data-from") <= now;
    steps[s].classList.toggle("future", !past);
    var up = steps[s].querySelector("[data-upcoming]");
    if (up) up.hidden = past;
  }
  // The texts of a document: the one in force on the reader's date, and those a later text has
  // taken the place of (已被修改), as the state is told again above.
  var texts = document.querySelectorAll("[data-text-from]");
  for (var v = 0; v < texts.length; v++) {
    var until = texts[v].getAttribute("data-text-until");
    var gone = !!until && until <= now;
    var mark = texts[v].querySelector("[data-text-superseded]");
    if (mark) mark.hidden = !gone;
    var current = texts[v].querySelector("[data-text-in-force]");
    // Before any text has begun, the first counts (as the page says when built).
    if (current) current.hidden = gone || (v > 0 && texts[v].getAttribute("data-text-from") > now);
  }
  var notes = document.querySelectorAll(".version-note [data-text-superseded]");
  for (var w = 0; w < notes.length; w++) notes[w].hidden = notes[w].getAttribute("data-text-until") > now;
  var accessed = document.querySelectorAll("[data-accessed]");
  for (var a = 0; a < accessed.length; a++) accessed[a].textContent = now;

  function remember(key, value) {
    try { localStorage.setItem(key, value); } catch (e) { /* storage may be blocked: not remembered */ }
  }
  function recall(key) {
    try { return localStorage.getItem(key); } catch (e) { return null; }
  }
  var p = document.querySelector("[data-print]");
  if (p) p.addEventListener("click", function () { window.print(); });
  var big = document.querySelector("[data-elder]");
  if (recall("gongbao-elder") === "1") root.classList.add("elder");
  if (big) {
    big.setAttribute("aria-pressed", root.classList.contains("elder") ? "true" : "false");
    big.addEventListener("click", function () {
      var on = root.classList.toggle("elder");
      applySize(size);
      big.setAttribute("aria-pressed", on ? "true" : "false");
      remember("gongbao-elder", on ? "1" : "0");
    });
  }
  // Text size: five steps around the default, remembered like elder mode.
  var sizes = [87.5, 100, 112.5, 125, 150];
  function applySize(k) {
    // Relative to the page's own size, which elder mode raises.
    root.style.fontSize = "";
    if (k !== 1) root.style.fontSize = parseFloat(getComputedStyle(root).fontSize) * sizes[k] / 100 + "px";
  }
  var size = parseInt(recall("gongbao-size"), 10);
  if (isNaN(size) || size < 0 || size >= sizes.length) size = 1;
  applySize(size);
  var fonts = document.querySelectorAll("[data-font]");
  for (var f = 0; f < fonts.length; f++) {
    fonts[f].addEventListener("click", function () {
      var d = parseInt(this.getAttribute("data-font"), 10);
      size = d === 0 ? 1 : Math.max(0, Math.min(sizes.length - 1, size + d));
      applySize(size);
      remember("gongbao-size", String(size));
    });
  }
  var copy = document.querySelector("[data-copy]");
  var cite = document.querySelector("[data-cite]");
  if (copy && cite && navigator.clipboard) {
    copy.addEventListener("click", function () {
      var label = copy.textContent;
      navigator.clipboard.writeText(cite.textContent).then(function () {
        copy.textContent = copy.getAttribute("data-copy");
        setTimeout(function () { copy.textContent = label; }, 2000);
      }, function () { /* the reader can still select the text */ });
    });
  }
  // Redlines: "changes only" hides unchanged paragraphs (headings stay, for the way around);
  // the step buttons move the focus from one change to the next and say where it is.
  var diff = document.querySelector("[data-diff]");
  if (diff) {
    var changes = diff.querySelectorAll(".changed, .deleted, .inserted");
    var pos = document.querySelector("[data-diff-pos]");
    var at = -1;
    for (var c = 0; c < changes.length; c++) {
      changes[c].setAttribute("tabindex", "-1");
      if (!changes[c].id) changes[c].id = "change-" + (c + 1);
    }
    var only = document.querySelector("[data-diff-only]");
    if (only) {
      only.addEventListener("click", function () {
        var on = diff.classList.toggle("diff-only");
        only.setAttribute("aria-pressed", on ? "true" : "false");
      });
    }
    var steps = document.querySelectorAll("[data-diff-step]");
    for (var st = 0; st < steps.length; st++) {
      steps[st].disabled = changes.length === 0;
      steps[st].addEventListener("click", function () {
        if (!changes.length) return;
        var d = parseInt(this.getAttribute("data-diff-step"), 10);
        at = at < 0 ? (d > 0 ? 0 : changes.length - 1) : (at + d + changes.length) % changes.length;
        var el = changes[at];
        el.scrollIntoView({ block: "center" });
        el.focus({ preventScroll: true });
        if (pos) pos.textContent = pos.getAttribute("data-diff-pos").replace("{n}", at + 1).replace("{total}", changes.length);
      });
    }
  }
})();
