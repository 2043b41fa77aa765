/* searchkit report: the offline search box and the facet filters.

   Search: nothing is loaded until the reader uses the box.  Then assets/find/manifest.js,
   then only the shards of the typed words and of each pair of adjacent words, then the
   article chunks of the hits shown: each a <script> (browsers refuse fetch on file://)
   that calls searchkitFind(kind, number, data).  searchkit folded and paired the articles'
   words when it wrote the report; here only the typed text is folded the same way (NFC,
   lower case, marks removed, đ → d).  Ranking: every word required (else the most of
   them), in a query typed with marks the articles with every word as typed first, then
   those with the most adjacent pairs, then BM25 (title words count three times).

   Facets: the hash #q1?month=2020-07&author=… (any facet the report lists) narrows query
   q1's list, so a shared link opens the same view. */
(function () {
  "use strict";

  var TOKEN = /[\p{L}\p{N}]+/gu;
  var TONES = /[\u0300\u0301\u0303\u0309\u0323]/g;
  var SHOWN = 10;
  var root = document.body.getAttribute("data-root") || "";
  var data = { m: null, t: {}, d: {} };
  var loading = {};

  window.searchkitFind = function (kind, number, payload) {
    if (kind === "m") { data.m = payload; } else { data[kind][number] = payload; }
  };

  function load(name) {
    if (!loading[name]) {
      loading[name] = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = root + "assets/find/" + name + ".js";
        script.onload = function () { resolve(); };
        script.onerror = function () { delete loading[name]; reject(new Error("cannot load " + script.src)); };
        document.head.appendChild(script);
      });
    }
    return loading[name];
  }

  function fold(word) {
    return word.normalize("NFD").replace(/\p{M}/gu, "").replace(/đ/g, "d").replace(/Đ/g, "D").normalize("NFC");
  }

  /* The same syllable whichever vowel carries the tone (hòa, hoà). */
  function spelling(word) {
    var parts = word.normalize("NFD");
    return parts.replace(TONES, "").normalize("NFC") + "|" + (parts.match(TONES) || []).sort().join("");
  }

  /* FNV-1a over code points, as searchkit.findindex.term_hash. */
  function shardOf(term) {
    var hash = 0x811c9dc5;
    for (var char of term) { hash = Math.imul(hash ^ char.codePointAt(0), 0x01000193) >>> 0; }
    return hash % data.m.shards;
  }

  function entry(term) { return (data.t[shardOf(term)] || {})[term]; }

  /* A term's postings as numbers: searchkit.findindex.encode wrote them as base-32 digits,
     most significant first, a digit of 32 or more meaning "more digits follow". */
  var DIGIT = null;
  function postings(found, width) {
    if (!found.a) {
      if (!DIGIT) {
        DIGIT = new Int8Array(128);
        for (var d = 0; d < data.m.digits.length; d++) { DIGIT[data.m.digits.charCodeAt(d)] = d; }
      }
      var text = found.p, out = new Int32Array(found.n * width), value = 0, at = 0;
      for (var i = 0; i < text.length; i++) {
        var digit = DIGIT[text.charCodeAt(i)];
        if (digit >= 32) { value = value * 32 + digit - 32; } else { out[at++] = value * 32 + digit; value = 0; }
      }
      found.a = out;
    }
    return found.a;
  }

  function parse(text) {
    var words = [], keys = [], pairs = [];
    text.normalize("NFC").toLowerCase().split('"').forEach(function (part, index) {
      var start = words.length;
      (part.match(TOKEN) || []).forEach(function (token) { words.push(token); });
      for (var i = Math.max(start, 1); i < words.length; i++) {
        pairs.push({ key: fold(words[i - 1]) + " " + fold(words[i]), required: index % 2 === 1 && i > start });
      }
    });
    words.slice(0, 30).forEach(function (word) {
      var key = fold(word);
      var known = keys.filter(function (k) { return k.key === key; })[0];
      if (!known) { known = { key: key, marked: false, spellings: [] }; keys.push(known); }
      if (key !== word) { known.marked = true; known.spellings.push(spelling(word)); }
    });
    return { keys: keys, pairs: pairs, text: text };
  }

  function terms(query) {
    return query.keys.map(function (k) { return k.key; }).concat(query.pairs.map(function (p) { return p.key; }));
  }

  function idf(df) { return Math.log(1 + (data.m.docs - df + 0.5) / (df + 0.5)); }

  function rank(query) {
    var n = data.m.docs;
    var score = new Float64Array(n), have = new Int32Array(n), exact = new Int32Array(n);
    var pairs = new Int32Array(n), required = new Int32Array(n);
    var marked = 0;
    query.keys.forEach(function (word, bit) {
      var found = entry(word.key);
      if (word.marked) { marked++; }
      if (!found) { return; }
      var wanted = 0;
      (found.s || []).forEach(function (written, i) {
        if (word.spellings.indexOf(spelling(written)) >= 0) { wanted |= 1 << i; }
      });
      var p = postings(found, 3), weight = idf(found.n), doc = 0;
      for (var i = 0; i < p.length; i += 3) {
        doc += p[i];
        var asTyped = !word.marked || (p[i + 2] & wanted) !== 0;
        score[doc] += weight * p[i + 1] / 100 * (asTyped ? 1 : 1 / 3);
        have[doc] |= 1 << bit;
        if (word.marked && asTyped) { exact[doc]++; }
      }
    });
    var needed = 0;
    query.pairs.forEach(function (pair) {
      var found = entry(pair.key);
      if (pair.required) { needed++; }
      if (!found) { return; }
      var p = postings(found, 2), weight = idf(found.n), doc = 0;
      for (var i = 0; i < p.length; i += 2) {
        doc += p[i];
        score[doc] += weight * p[i + 1] / 100;
        pairs[doc]++;
        if (pair.required) { required[doc]++; }
      }
    });
    var all = (1 << query.keys.length) - 1, best = 0, docs = [], doc;
    for (doc = 0; doc < n; doc++) {
      if (have[doc] === all && required[doc] === needed) { docs.push(doc); }
    }
    if (!docs.length) {  /* no article has them all: those with the most words */
      for (doc = 0; doc < n; doc++) { best = Math.max(best, bits(have[doc])); }
      for (doc = 0; best && doc < n; doc++) { if (bits(have[doc]) === best) { docs.push(doc); } }
    }
    docs.sort(function (a, b) {
      var exactA = marked && exact[a] === marked ? 1 : 0, exactB = marked && exact[b] === marked ? 1 : 0;
      return (exactB - exactA) || (pairs[b] - pairs[a]) || (score[b] - score[a]) || (a - b);
    });
    return { docs: docs, partial: docs.length && best ? best : 0 };
  }

  function bits(value) { var count = 0; while (value) { count += value & 1; value >>>= 1; } return count; }

  /* ---------------------------------------------------------------- showing hits */

  var box = document.getElementById("find-box");
  var panel = document.getElementById("find-panel");
  var asked = 0;

  /* Appends text with the query's words marked; words side by side share one mark (Hà Nội). */
  function marked(parent, text, keys) {
    var done = 0, last = null, match;
    TOKEN.lastIndex = 0;
    while ((match = TOKEN.exec(text)) !== null) {
      if (!keys.has(fold(match[0].toLowerCase()))) { continue; }
      var between = text.slice(done, match.index);
      if (last && /^\s+$/.test(between)) {
        last.textContent += between + match[0];
      } else {
        parent.appendChild(document.createTextNode(between));
        last = document.createElement("mark");
        last.textContent = match[0];
        parent.appendChild(last);
      }
      done = match.index + match[0].length;
    }
    parent.appendChild(document.createTextNode(text.slice(done)));
  }

  /* About 200 characters of the article's opening around its first matched word. */
  function excerpt(text, keys) {
    var first = 0, match;
    TOKEN.lastIndex = 0;
    while ((match = TOKEN.exec(text)) !== null) {
      if (keys.has(fold(match[0].toLowerCase()))) { first = match.index; break; }
    }
    var start = first > 80 ? text.indexOf(" ", first - 60) + 1 : 0;
    var end = start + 200 < text.length ? text.lastIndexOf(" ", start + 200) : text.length;
    return (start ? "… " : "") + text.slice(start, end > start ? end : text.length) + (end < text.length ? " …" : "");
  }

  function hitItem(doc, keys) {
    var info = data.d[Math.floor(doc / data.m.chunk)][doc % data.m.chunk];
    var item = document.createElement("li");
    var link = document.createElement("a");
    link.href = root + info[1];
    marked(link, info[0], keys);
    item.appendChild(link);
    var meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = " " + [info[2] || "không rõ ngày", info[3]].filter(Boolean).join(" · ");
    item.appendChild(meta);
    var text = document.createElement("p");
    text.className = "excerpt";
    marked(text, excerpt(info[4], keys), keys);
    item.appendChild(text);
    return item;
  }

  function show(query, ranked, count) {
    var keys = new Set(query.keys.map(function (k) { return k.key; }));
    var docs = ranked.docs.slice(0, count);
    var chunks = docs.map(function (doc) { return "d" + Math.floor(doc / data.m.chunk); });
    return Promise.all(chunks.map(load)).then(function () {
      if (query.asked !== asked) { return; }
      panel.textContent = "";
      var summary = document.createElement("p");
      summary.className = "count";
      if (!ranked.docs.length) {
        summary.textContent = "Không tìm thấy bài nào.";
      } else {
        summary.textContent = ranked.docs.length + (ranked.partial
          ? " bài có " + ranked.partial + " trên " + query.keys.length + " từ (không bài nào có đủ)"
          : " bài khớp") + (ranked.docs.length > docs.length ? ", hiển thị " + docs.length : "");
      }
      panel.appendChild(summary);
      panel.dataset.query = query.text;
      if (!docs.length) { return; }
      var list = document.createElement("ol");
      list.id = "find-results";
      docs.forEach(function (doc) { list.appendChild(hitItem(doc, keys)); });
      panel.appendChild(list);
      if (ranked.docs.length > docs.length) {
        var more = document.createElement("button");
        more.type = "button";
        more.className = "more";
        more.textContent = "Hiện thêm";
        more.addEventListener("click", function () {
          show(query, ranked, count + SHOWN).then(function () {
            var links = panel.querySelectorAll("#find-results a");
            if (links[count]) { links[count].focus(); }
          });
        });
        panel.appendChild(more);
      }
    });
  }

  function search() {
    var query = parse(box.value);
    query.asked = ++asked;
    if (!query.keys.length) { panel.textContent = ""; return Promise.resolve(); }
    return load("manifest").then(function () {
      var shards = new Set(terms(query).map(shardOf));
      return Promise.all(Array.from(shards, function (s) { return load("t" + s); }));
    }).then(function () {
      if (query.asked !== asked) { return; }
      return show(query, rank(query), SHOWN);
    }).catch(function (error) {
      panel.textContent = "Không tải được chỉ mục tìm kiếm (" + error.message + ").";
    });
  }

  function links() { return Array.prototype.slice.call(panel.querySelectorAll("#find-results a")); }

  if (box && panel) {
    box.addEventListener("focus", function () { load("manifest").catch(function () {}); });
    box.addEventListener("input", search);
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        (box.value.trim() ? search() : Promise.resolve()).then(function () {
          var first = links()[0];
          if (first) { window.location.href = first.href; }
        });
      } else if (event.key === "ArrowDown" && links().length) {
        event.preventDefault();
        links()[0].focus();
      } else if (event.key === "Escape") {
        box.value = "";
        panel.textContent = "";
      }
    });
    panel.addEventListener("keydown", function (event) {
      var all = links(), at = all.indexOf(document.activeElement);
      if (at < 0) { return; }
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        var next = at + (event.key === "ArrowDown" ? 1 : -1);
        if (next < 0) { box.focus(); } else if (next < all.length) { all[next].focus(); }
      } else if (event.key === "Escape") {
        box.focus();
      }
    });
  }

  /* ---------------------------------------------------------------- facets */

  var sections = Array.prototype.slice.call(document.querySelectorAll("section.query"));

  /* The section a hash names, and the facet values it chooses (?month=…&author=…, any facet). */
  function state() {
    var hash = window.location.hash.slice(1), at = hash.indexOf("?");
    var id = at < 0 ? hash : hash.slice(0, at);
    var chosen = {};
    new URLSearchParams(at < 0 ? "" : hash.slice(at + 1)).forEach(function (value, name) { chosen[name] = value; });
    return { id: decodeURIComponent(id), chosen: chosen };
  }

  function hashFor(id, chosen) {
    var params = new URLSearchParams();
    Object.keys(chosen).forEach(function (name) { if (chosen[name]) { params.set(name, chosen[name]); } });
    var text = params.toString();
    return "#" + id + (text ? "?" + text : "");
  }

  /* A hit's values of a facet: data-<facet>, one value a line. */
  function valuesOf(hit, name) {
    var text = hit.getAttribute("data-" + name);
    return text === null ? [] : text.split("\n");
  }

  function narrow(section, chosen) {
    var limit = Number(section.getAttribute("data-limit")) || 50;
    var links = Array.prototype.slice.call(section.querySelectorAll("a.facet"));
    var names = links.map(function (link) { return link.getAttribute("data-facet"); });
    var active = {};
    Object.keys(chosen).forEach(function (name) { if (names.indexOf(name) >= 0) { active[name] = chosen[name]; } });
    var filtered = Object.keys(active).length > 0, shown = 0;
    Array.prototype.forEach.call(section.querySelectorAll("li.hit"), function (hit) {
      var fits = filtered
        ? Object.keys(active).every(function (name) { return valuesOf(hit, name).indexOf(active[name]) >= 0; })
        : !hit.hasAttribute("data-extra");
      hit.hidden = !fits || shown >= limit;
      if (!hit.hidden) { shown++; }
    });
    var words = [];
    links.forEach(function (link) {
      var facet = link.getAttribute("data-facet"), value = link.getAttribute("data-value");
      var on = active[facet] === value;
      link.classList.toggle("active", on);
      if (on) {
        link.setAttribute("aria-current", "true");
        words.push(link.getAttribute("data-label") + " " + (value === "undated" ? "không rõ" : value));
      } else {
        link.removeAttribute("aria-current");
      }
      var next = Object.assign({}, active);
      next[facet] = on ? null : value;
      link.href = hashFor(section.id, next);
    });
    var status = section.querySelector("p.filter");
    status.textContent = "";
    status.hidden = !filtered;
    if (!filtered) { return; }
    status.appendChild(document.createTextNode("Đang lọc: " + words.join(", ") + " — hiển thị " + shown + " bài. "));
    var reset = document.createElement("a");
    reset.href = "#" + section.id;
    reset.className = "facet-reset";
    reset.textContent = "Bỏ lọc";
    status.appendChild(reset);
  }

  function applyHash(scroll) {
    var current = state();
    sections.forEach(function (section) {
      var mine = section.id === current.id;
      narrow(section, mine ? current.chosen : {});
      if (mine && scroll && Object.keys(current.chosen).length) { section.scrollIntoView(); }
    });
  }

  if (sections.length) {
    if (window.matchMedia("(max-width: 40rem)").matches) {
      Array.prototype.forEach.call(document.querySelectorAll("details.facets"), function (d) { d.open = false; });
    }
    window.addEventListener("hashchange", function () { applyHash(false); });
    applyHash(true);
  }
})();
