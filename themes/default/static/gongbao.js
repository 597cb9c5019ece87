/* gongbao: recompute each document's validity for the reader's date, so a page that has not
   been rebuilt does not show a stale state; plus print and large-text buttons. No network. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  function today() {
    // The site's day, in the time zone gongbao.toml names (minutes east of UTC on <html>).
    var off = parseInt(document.documentElement.getAttribute("data-tz"), 10);
    if (isNaN(off)) off = 480;
    var d = new Date(Date.now() + off * 60 * 1000);
    return d.toISOString().slice(0, 10);
  }
  var cells = document.querySelectorAll("[data-timeline]");
  for (var i = 0; i < cells.length; i++) {
    var cell = cells[i], data, names;
    try { data = JSON.parse(cell.getAttribute("data-timeline")); names = JSON.parse(cell.getAttribute("data-names")); } catch (e) { continue; }
    var now = today(), state = "not_yet_in_force";
    if (now >= data.effective) {
      state = "in_force";
      for (var j = 0; j < data.changes.length; j++) {
        if (data.changes[j].from <= now) state = data.changes[j].state;
      }
    }
    var el = cell.querySelector("[data-state]");
    if (el && el.className.indexOf("state-" + state) < 0) {
      el.textContent = names[state] || state;
      el.className = "state state-" + state;
      var parts = cell.querySelectorAll(".since,.basis,.note");
      for (var k = 0; k < parts.length; k++) parts[k].hidden = true;
      // The notice above the title describes the state at build time; it no longer applies.
      var note = document.querySelector("[data-state-note]");
      if (note) note.hidden = true;
    }
    var asof = cell.querySelector("[data-asof]");
    if (asof) asof.setAttribute("title", now);
  }
  var p = document.querySelector("[data-print]");
  if (p) p.addEventListener("click", function () { window.print(); });
  var big = document.querySelector("[data-elder]");
  if (big) {
    var stored = null;
    try { stored = localStorage.getItem("gongbao-elder"); } catch (e) { /* storage may be blocked */ }
    if (stored === "1") document.documentElement.classList.add("elder");
    big.setAttribute("aria-pressed", document.documentElement.classList.contains("elder") ? "true" : "false");
    big.addEventListener("click", function () {
      var on = document.documentElement.classList.toggle("elder");
      big.setAttribute("aria-pressed", on ? "true" : "false");
      try { localStorage.setItem("gongbao-elder", on ? "1" : "0"); } catch (e) { /* not remembered */ }
    });
  }
})();
