/* gongbao search: finds every public document whose title, numbers or text contain the query,
   as Ctrl+F would, from the static index under search/ (see the book's chapter on search).
   Plain JavaScript, no framework; fetches only the index files a query needs. */
(function () {
  "use strict";
  var cfgEl = document.getElementById("search-config");
  if (!cfgEl || !window.fetch) return;
  var nojs = document.querySelector("[data-nojs]");
  if (nojs) nojs.hidden = true;
  var cfg = JSON.parse(cfgEl.textContent);
  var T = cfg.t, BASE = cfg.index, PAGE = 10, VERIFY_ALL = 20;
  var form = document.querySelector("[data-search-form]");
  var input = document.getElementById("q"), sortEl = document.getElementById("sort");
  var statusEl = document.querySelector("[data-status]"), list = document.querySelector("[data-results]");
  var facetsEl = document.querySelector("[data-facets]"), pager = document.querySelector("[data-pager]");
  var meta = null, t2s = null, cache = {}, checked = {}, texts = {}, run = 0;
  /* The page's own title, and the address printed at the top of a printout: both name the
     query, so that a bookmark, the history and paper say what was searched. */
  var baseTitle = document.title, printed = document.querySelector(".print-head span");
  /* On the 繁體 page (zh-Hant/search/) the same index is searched, and what is shown is converted
     with search/s2t.txt; result links lead to the 繁體 pages. */
  var s2t = null, phrases = {}, longest = 1, scriptHome = cfg.home;
  if (cfg.hant) scriptHome = cfg.hant_href.slice(0, cfg.hant_href.length - (cfg.hans_href.length - cfg.home.length));

  function fmt(s, v) { return s.replace(/\{(\w+)\}/g, function (_, k) { return v[k]; }); }
  function get(path, type) {
    var key = type + ":" + path;
    if (!cache[key]) {
      var url = BASE + path + (meta ? "?v=" + meta.stamp : "");
      cache[key] = fetch(url, meta ? {} : { cache: "no-cache" }).then(function (r) {
        if (!r.ok) throw new Error(url + ": " + r.status);
        return r[type]();
      });
      cache[key].catch(function () { delete cache[key]; });
    }
    return cache[key];
  }

  /* Folding, character by character, exactly as the index does (src/site/search.rs). */
  var WS = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/;
  var OPEN = "〔[【(〖［（", CLOSE = "〕]】)〗］）";
  function foldChar(c) {
    var out = "", n = Array.from(c.normalize("NFKC"));
    for (var i = 0; i < n.length; i++) {
      var l = Array.from(n[i].toLowerCase());
      for (var j = 0; j < l.length; j++) {
        var d = l[j];
        if (OPEN.indexOf(d) >= 0) d = "〔";
        else if (CLOSE.indexOf(d) >= 0) d = "〕";
        else if (WS.test(d)) d = " ";
        else if (t2s && t2s[d]) d = t2s[d];
        out += d;
      }
    }
    return out;
  }
  /* Folded text and, for each of its UTF-16 units, where its character starts and ends in `s`. */
  function fold(s) {
    var out = "", from = [], to = [], o = 0, cps = Array.from(s);
    for (var i = 0; i < cps.length; i++) {
      var c = cps[i], f = foldChar(c);
      for (var k = 0; k < f.length; k++) {
        var ch = f[k];
        if (ch === " " && (out === "" || out[out.length - 1] === " ")) continue;
        out += ch; from.push(o); to.push(o + c.length);
      }
      o += c.length;
    }
    if (out[out.length - 1] === " ") { out = out.slice(0, -1); from.pop(); to.pop(); }
    return { s: out, from: from, to: to };
  }
  /* `s` as code points in the script of the page: as it is, or converted as OpenCC converts the
     繁體 pages (the longest listed phrase at each place, else the character alone). Phrases keep
     their length, so the result has as many code points as `s`. */
  function shown(s) {
    var cps = Array.from(s);
    if (!s2t) return cps;
    var out = [];
    for (var i = 0; i < cps.length;) {
      var n = Math.min(longest, cps.length - i), p = null;
      for (; n >= 2 && !p; n--) p = phrases[cps.slice(i, i + n).join("")];
      if (p) { out.push.apply(out, p); i += p.length; } else { out.push(s2t[cps[i]] || cps[i]); i++; }
    }
    return out;
  }
  function script(s) { return s2t ? shown(s).join("") : s; }
  function readS2t(text) {
    var lines = text.split("\n"), cps = Array.from(lines[0]);
    s2t = {};
    for (var i = 0; i + 1 < cps.length; i += 2) s2t[cps[i]] = cps[i + 1];
    /* A phrase, then each place (a hexadecimal digit) where its form is not its characters'
       (none: it converts as they do, but takes its place from a phrase that overlaps it). */
    for (var k = 1; k < lines.length; k++) {
      var l = Array.from(lines[k]), at = l.findIndex(function (c) { return /[0-9a-f]/.test(c); });
      if (at < 0) at = l.length;
      if (at < 1) continue;
      var to = l.slice(0, at).map(function (c) { return s2t[c] || c; });
      for (var j = at; j + 1 < l.length; j += 2) to[parseInt(l[j], 16)] = l[j + 1];
      phrases[l.slice(0, at).join("")] = to;
      if (at > longest) longest = at;
    }
    Object.keys(T).forEach(function (k) { if (typeof T[k] === "string") T[k] = script(T[k]); });
    [cfg.kinds, cfg.states].forEach(function (o) { Object.keys(o).forEach(function (k) { o[k] = script(o[k]); }); });
  }

  /* The index posts every character and pair of characters, and runs of three and four that hold
     an ASCII letter or digit (src/site/search.rs, long_gram). */
  function posted(cps) { return cps.length <= 2 || (cps.length <= 4 && cps.some(function (c) { return /[0-9A-Za-z]/.test(c); })); }
  /* The grams whose lists answer a term: the term itself when it is posted (exact); otherwise the
     longest posted gram at each position, leaving out those inside another. */
  function grams(term) {
    var cps = Array.from(term), g = [];
    if (posted(cps)) return [term];
    for (var i = 0; i + 1 < cps.length; i++) {
      for (var n = Math.min(4, cps.length - i); n >= 2; n--) {
        var w = cps.slice(i, i + n);
        if (posted(w)) { g.push(w.join("")); break; }
      }
    }
    return g.filter(function (x, k) {
      return g.indexOf(x) === k && !g.some(function (y) { return y !== x && y.indexOf(x) >= 0; });
    });
  }
  function fnv(s) {
    var b = new TextEncoder().encode(s), h = 0x811c9dc5;
    for (var i = 0; i < b.length; i++) { h ^= b[i]; h = Math.imul(h, 0x01000193) >>> 0; }
    return h >>> 0;
  }

  /* Postings: a shard is entries of (gram, field, encoding, payload); each list becomes a bitset. */
  function varint(b, p) {
    var v = 0, shift = 0, x;
    do { x = b[p.i++]; v += (x & 0x7f) * Math.pow(2, shift); shift += 7; } while (x & 0x80);
    return v;
  }
  /* Shard `k` of a segment: `g/`, the documents before meta.tail.base, or `t/`, those from it on,
     numbered from it (src/site/search.rs, tail_base). A segment with no shards has no entries. */
  function shard(dir, k, shards) {
    if (!shards) return Promise.resolve({});
    return get(dir + k % shards + ".bin", "arrayBuffer").then(function (buf) {
      if (buf._entries) return buf._entries;
      var b = new Uint8Array(buf), p = { i: 0 }, dec = new TextDecoder(), e = {};
      while (p.i < b.length) {
        var kl = varint(b, p), key = dec.decode(b.subarray(p.i, p.i + kl)); p.i += kl;
        var field = b[p.i++], enc = b[p.i++], len = varint(b, p);
        e[field + key] = { enc: enc, at: p.i, len: len, b: b };
        p.i += len;
      }
      buf._entries = e;
      return e;
    });
  }
  /* The documents of a gram's entries in the head and the tail, `key` field and gram. */
  function bitset(pair, key) {
    var set = new Uint32Array((meta.n + 31) >> 5);
    [pair[0][key], pair[1][key]].forEach(function (entry, s) {
      if (!entry) return;
      var b = entry.b, end = entry.at + entry.len, from = s ? meta.tail.base : 0;
      if (entry.enc === 1) {
        for (var i = 0; i < entry.len; i++) { var x = b[entry.at + i]; if (x) for (var j = 0; j < 8; j++) if (x >> j & 1) { var d = from + i * 8 + j; set[d >> 5] |= 1 << (d & 31); } }
      } else {
        var p = { i: entry.at }, prev = -1;
        while (p.i < end) { var dd = prev + 1 + varint(b, p); prev = dd; dd += from; set[dd >> 5] |= 1 << (dd & 31); }
      }
    });
    return set;
  }
  function and(a, b) { for (var i = 0; i < a.length; i++) a[i] &= b[i]; return a; }
  function members(set) {
    var out = [];
    for (var i = 0; i < set.length; i++) { var w = set[i]; while (w) { var t = w & -w; out.push(i * 32 + 31 - Math.clz32(t)); w ^= t; } }
    return out;
  }

  function params() {
    var u = new URLSearchParams(location.search);
    return { q: u.get("q") || "", sort: u.get("sort") || "", page: Math.max(1, parseInt(u.get("page"), 10) || 1),
      kind: u.get("kind"), year: u.get("year"), issuer: u.get("issuer"), topic: u.get("topic"), validity: u.get("validity") };
  }
  function href(p, change) {
    var u = new URLSearchParams(), all = Object.assign({}, p, change);
    ["q", "kind", "year", "issuer", "topic", "validity", "sort", "page"].forEach(function (k) {
      if (all[k] && !(k === "page" && all[k] === 1)) u.set(k, all[k]);
    });
    return "?" + u.toString();
  }
  function today() {
    var off = parseInt(document.documentElement.getAttribute("data-tz"), 10);
    if (isNaN(off)) off = 480;
    return Math.floor((Date.now() + off * 60000) / 86400000);
  }
  function stateOf(tl) {
    if (!tl) return null;
    var now = today();
    if (now < tl[0]) return "not_yet_in_force";
    var s = "in_force";
    for (var i = 1; i + 1 < tl.length; i += 2) if (tl[i] <= now) s = meta.states[tl[i + 1]];
    return s;
  }
  function facetChunk(d) { return get("f/" + Math.floor(d / meta.facets) + ".json", "json"); }
  function row(d) {
    return get("d/" + Math.floor(d / meta.display) + ".json", "json").then(function (c) { return c[d % meta.display]; });
  }
  function text(d, r) {
    if (!texts[d]) texts[d] = fetch(r[0] + "text.txt").then(function (x) { if (!x.ok) throw new Error(x.status); return x.text(); });
    return texts[d];
  }
  function head(r) { return [r[1], r[2], r[5], r[6]].join(" "); }
  function holds(s, terms) { var f = fold(s).s; return terms.every(function (t) { return f.indexOf(t) >= 0; }); }

  /* Marks every occurrence of the terms in `s` (folded alike) into `el`; `window` cuts a snippet.
     Places are found in `s` and shown in the page's script (`shown` keeps them). */
  function mark(el, s, terms, window) {
    var f = fold(s), hits = [];
    terms.forEach(function (t) {
      for (var at = f.s.indexOf(t); at >= 0; at = f.s.indexOf(t, at + 1)) hits.push([f.from[at], f.to[at + t.length - 1]]);
    });
    hits.sort(function (a, b) { return a[0] - b[0]; });
    var lo = 0, hi = s.length;
    if (window) {
      var first = hits.length ? hits[0][0] : 0;
      lo = Math.max(0, first - 40); hi = Math.min(s.length, first + window);
      // Never inside a surrogate pair.
      if (lo > 0 && /[\udc00-\udfff]/.test(s[lo])) lo--;
      if (hi < s.length && /[\udc00-\udfff]/.test(s[hi])) hi++;
      if (lo > 0) el.appendChild(document.createTextNode("…"));
    }
    var cps = Array.from(s.slice(lo, hi)), out = shown(s.slice(lo, hi)), place = {}, u = lo;
    for (var k = 0; k <= cps.length; k++) { place[u] = k; if (k < cps.length) u += cps[k].length; }
    function piece(a, b) { return out.slice(place[a], place[b]).join(""); }
    var pos = lo;
    hits.forEach(function (h) {
      if (h[0] < pos || h[1] > hi) return;
      el.appendChild(document.createTextNode(piece(pos, h[0])));
      var m = document.createElement("mark"); m.textContent = piece(h[0], h[1]); el.appendChild(m);
      pos = h[1];
    });
    el.appendChild(document.createTextNode(piece(pos, hi)));
    if (window && hi < s.length) el.appendChild(document.createTextNode("…"));
  }

  function termsOf(q) {
    var terms = [];
    q.split(/\s+/).forEach(function (w) {
      fold(w).s.split(" ").forEach(function (t) { if (t && terms.indexOf(t) < 0) terms.push(t); });
    });
    return terms;
  }
  /* The candidates of folded terms, with their facets: exact when every term is a posted gram. */
  function candidates(terms) {
    var gs = [];
    terms.forEach(function (t) { grams(t).forEach(function (g) { if (gs.indexOf(g) < 0) gs.push(g); }); });
    return Promise.all(gs.map(function (g) {
      var h = fnv(g);
      return Promise.all([shard("g/", h, meta.shards), shard("t/", h, meta.tail.shards)]);
    })).then(function (pairs) {
      var all = null, title = null;
      gs.forEach(function (g, k) {
        var a = bitset(pairs[k], "0" + g), t = bitset(pairs[k], "1" + g);
        all = all ? and(all, a) : a; title = title ? and(title, t) : t;
      });
      var cand = members(all), inTitle = {};
      members(title).forEach(function (d) { inTitle[d] = true; });
      return Promise.all(cand.map(function (d) { return facetChunk(d).then(function (c) { return c[d % meta.facets]; }); })).then(function (facets) {
        return cand.map(function (d, k) {
          var f = facets[k];
          return { d: d, title: !!inTitle[d], kind: meta.kinds[f[0]], year: String(f[1]),
            issuer: f[2].map(function (x) { return meta.issuers[x]; }), topic: f[3].map(function (x) { return meta.topics[x]; }),
            validity: stateOf(f[4]) };
        });
      });
    });
  }
  function isExact(terms) { return terms.every(function (t) { return posted(Array.from(t)); }); }

  function search() {
    var p = params(), my = ++run;
    input.value = p.q; sortEl.value = p.sort;
    list.innerHTML = ""; pager.hidden = true; facetsEl.hidden = true;
    var terms = termsOf(p.q), q = p.q.trim();
    document.title = q ? q + " - " + baseTitle : baseTitle;
    if (printed) printed.textContent = location.href;
    statusEl.removeAttribute("data-total");
    if (!terms.length) { statusEl.textContent = q ? fmt(T.none, { q: q }) : T.empty; return Promise.resolve(); }
    statusEl.textContent = T.loading;
    return candidates(terms).then(function (docs) {
      if (my === run) return finish(p, terms, isExact(terms), docs, my);
    }).catch(function (e) {
      if (my === run) statusEl.textContent = T.error;
      if (window.console) console.error(e);
    });
  }
  /* Every document that holds query `q`, newest first, as addresses: for tests and benchmarks,
     through the same candidates and confirmation as the page. */
  window.__gongbaoSearchAll = function (q) {
    var terms = termsOf(q);
    return candidates(terms).then(function (docs) {
      docs.sort(function (a, b) { return b.d - a.d; });
      return confirm(docs, terms, isExact(terms), docs.length, {});
    }).then(function (ok) { return ok.map(function (doc) { return doc.row[0]; }); });
  };

  var FACETS = ["kind", "year", "issuer", "topic", "validity"];
  function passes(doc, p, skip) {
    return FACETS.every(function (k) {
      if (k === skip || !p[k]) return true;
      var v = doc[k];
      return Array.isArray(v) ? v.indexOf(p[k]) >= 0 : v === p[k];
    });
  }
  /* Documents are numbered oldest first: the newest has the highest number. */
  function order(p, docs) {
    docs.sort(function (a, b) {
      if (p.sort === "old") return a.d - b.d;
      if (p.sort === "new") return b.d - a.d;
      return (a.title === b.title ? 0 : a.title ? -1 : 1) || b.d - a.d;
    });
    return docs;
  }
  /* Confirms candidates in order until `want` hold every term (title fields first, then text). */
  function confirm(docs, terms, exact, want, verified) {
    var out = [], k = 0;
    function step() {
      var batch = [];
      while (k < docs.length && out.length + batch.length < want) batch.push(docs[k++]);
      if (!batch.length) { out.done = k >= docs.length; return Promise.resolve(out); }
      return Promise.all(batch.map(function (doc) {
        return row(doc.d).then(function (r) {
          doc.row = r;
          if (exact) { verified[doc.d] = true; return; }
          if (verified[doc.d] !== undefined) return;
          if (doc.title && holds(head(r), terms)) { verified[doc.d] = true; return; }
          return text(doc.d, r).then(function (tx) { verified[doc.d] = holds(head(r) + "\n" + tx, terms); });
        });
      })).then(function () {
        batch.forEach(function (doc) { if (verified[doc.d]) out.push(doc); });
        return step();
      });
    }
    return step();
  }

  function finish(p, terms, exact, docs, my) {
    var verified = checked[terms.join("\u0001")] || (checked[terms.join("\u0001")] = {});
    var filtered = order(p, docs.filter(function (d) { return passes(d, p); }));
    var small = !exact && filtered.length <= VERIFY_ALL;
    var want = small ? filtered.length : p.page * PAGE;
    return confirm(filtered, terms, exact, want, verified).then(function (ok) {
      if (my !== run) return;
      // Complete: every candidate under the filters has been checked (or needs no check).
      var complete = exact || small || ok.done;
      var live = docs.filter(function (d) { return verified[d.d] !== false; });
      var total = exact ? filtered.length : complete ? ok.length : filtered.filter(function (d) { return verified[d.d] !== false; }).length;
      var q = p.q.trim(), pagesN = Math.ceil(total / PAGE);
      // A filter that leaves nothing is said to be why (when the candidates outside it are
      // known to hold the query: an exact match needs no check); a page past the last says so.
      statusEl.textContent = total === 0 && exact && live.length > 0 && T.none_filtered ? fmt(T.none_filtered, { q: q })
        : total === 0 ? fmt(T.none, { q: q })
        : p.page > pagesN && T.past_end ? fmt(T.past_end, { q: q, n: total, pages: pagesN })
        : fmt(complete ? T.found : T.found_about, { n: total, q: q });
      statusEl.setAttribute("data-total", total);
      statusEl.setAttribute("data-complete", complete ? "1" : "0");
      facets(p, live);
      var shown = ok.slice((p.page - 1) * PAGE, p.page * PAGE);
      return Promise.all(shown.map(function (doc) { return text(doc.d, doc.row).catch(function () { return ""; }); })).then(function (txs) {
        if (my !== run) return;
        shown.forEach(function (doc, k) { list.appendChild(item(doc, txs[k], terms)); });
        pages(p, Math.ceil(total / PAGE));
      });
    });
  }

  function item(doc, tx, terms) {
    var r = doc.row, li = document.createElement("li"), h = document.createElement("h2"), a = document.createElement("a");
    li.className = "result"; a.href = scriptHome + r[0].slice(cfg.home.length); mark(a, r[1], terms, 0); h.appendChild(a); li.appendChild(h);
    var m = document.createElement("p"); m.className = "r-meta";
    var kind = document.createElement("span"); kind.className = "r-kind"; kind.textContent = cfg.kinds[doc.kind] || doc.kind; m.appendChild(kind);
    if (r[2]) { var no = document.createElement("span"); no.className = "r-no"; mark(no, r[2], terms, 0); m.appendChild(no); }
    if (r[3]) { var is = document.createElement("span"); is.textContent = script(r[3]); m.appendChild(is); }
    var tm = document.createElement("time"); tm.dateTime = r[4]; tm.textContent = r[4]; m.appendChild(tm);
    if (doc.validity) { var st = document.createElement("span"); st.className = "state state-" + doc.validity; st.textContent = cfg.states[doc.validity] || doc.validity; m.appendChild(st); }
    li.appendChild(m);
    if (tx) { var sn = document.createElement("p"); sn.className = "r-snippet"; mark(sn, tx.replace(/\n/g, " "), terms, 120); li.appendChild(sn); }
    return li;
  }

  function facets(p, docs) {
    facetsEl.innerHTML = "";
    FACETS.forEach(function (k) {
      var counts = {};
      docs.forEach(function (d) {
        if (!passes(d, p, k)) return;
        var v = d[k];
        (Array.isArray(v) ? v : v ? [v] : []).forEach(function (x) { counts[x] = (counts[x] || 0) + 1; });
      });
      var keys = Object.keys(counts);
      if (!keys.length) return;
      keys.sort(function (a, b) { return k === "year" ? b.localeCompare(a) : counts[b] - counts[a] || a.localeCompare(b); });
      var sec = document.createElement("section"), h = document.createElement("h2"), ul = document.createElement("ul");
      h.textContent = T[k]; sec.appendChild(h);
      var allLi = document.createElement("li"), allA = document.createElement("a");
      allA.href = href(p, { [k]: null, page: 1 }); allA.textContent = T.all;
      if (!p[k]) allA.setAttribute("aria-current", "true");
      allLi.appendChild(allA); ul.appendChild(allLi);
      keys.forEach(function (v) {
        var li = document.createElement("li"), a = document.createElement("a");
        a.href = href(p, { [k]: v, page: 1 });
        a.textContent = (k === "kind" ? cfg.kinds[v] : k === "validity" ? cfg.states[v] : script(v)) || v;
        var n = document.createElement("span"); n.className = "count"; n.textContent = "（" + counts[v] + "）"; a.appendChild(n);
        if (p[k] === v) a.setAttribute("aria-current", "true");
        li.appendChild(a); ul.appendChild(li);
      });
      sec.appendChild(ul); facetsEl.appendChild(sec);
    });
    facetsEl.hidden = false;
  }

  function pages(p, n) {
    pager.innerHTML = "";
    if (n <= 1) return;
    var info = document.createElement("span"); info.textContent = fmt(T.page, { p: p.page, n: n });
    if (p.page > 1) { var a = document.createElement("a"); a.href = href(p, { page: p.page - 1 }); a.rel = "prev"; a.textContent = T.prev; pager.appendChild(a); }
    pager.appendChild(info);
    if (p.page < n) { var b = document.createElement("a"); b.href = href(p, { page: p.page + 1 }); b.rel = "next"; b.textContent = T.next; pager.appendChild(b); }
    pager.hidden = false;
  }

  function go(url) { history.pushState(null, "", url); window.__gongbaoSearch = search(); }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    go(href({ q: input.value.trim(), sort: sortEl.value }, {}));
  });
  sortEl.addEventListener("change", function () { go(href(params(), { sort: sortEl.value, page: 1 })); });
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("[data-facets] a, [data-pager] a");
    if (!a || e.ctrlKey || e.metaKey || e.shiftKey) return;
    e.preventDefault(); go(a.getAttribute("href"));
  });
  window.addEventListener("popstate", function () { window.__gongbaoSearch = search(); });
  window.__gongbaoSearch = get("meta.json", "json").then(function (m) {
    meta = m;
    return get("t2s.txt", "text");
  }).then(function (t) {
    var cps = Array.from(t); t2s = {};
    for (var i = 0; i + 1 < cps.length; i += 2) t2s[cps[i]] = cps[i + 1];
    return cfg.hant && get("s2t.txt", "text").then(readS2t);
  }).then(function () {
    return search();
  }).catch(function (e) { statusEl.textContent = T.error; if (window.console) console.error(e); });
})();
