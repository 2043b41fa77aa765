/* Offline search box: looks the typed words up in the index embedded as find-index.js.
   searchkit folded every term at build time; here only the typed text is folded the same way
   (NFD, marks removed, đ → d, lower case), so "bo cong an" and "Bộ Công an" find the same. */
(function () {
  "use strict";
  var data = window.SEARCHKIT_INDEX;
  var box = document.getElementById("find-box");
  var list = document.getElementById("find-results");
  var root = document.body.getAttribute("data-root") || "";

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase();
  }

  function lookup(query) {
    var words = fold(query).split(/[^0-9a-z]+/).filter(Boolean);
    var found = null;
    words.forEach(function (word) {
      var docs = data.terms[word] || [];
      found = found === null ? docs : docs.filter(function (doc) { return found.indexOf(doc) >= 0; });
    });
    return found || [];
  }

  function show(docs) {
    list.textContent = "";
    docs.slice(0, 20).forEach(function (doc) {
      var entry = data.docs[doc];
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = root + entry[1];
      link.textContent = entry[0] + (entry[2] ? " (" + entry[2] + ")" : "");
      item.appendChild(link);
      list.appendChild(item);
    });
    if (box.value.trim() && !docs.length) {
      var none = document.createElement("li");
      none.textContent = "Không tìm thấy bài nào.";
      list.appendChild(none);
    }
  }

  if (data && box) {
    box.addEventListener("input", function () { show(lookup(box.value)); });
  }

  /* Facet links narrow the hit list of their query to one month or one author. */
  Array.prototype.forEach.call(document.querySelectorAll("a.facet"), function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var section = document.getElementById(link.getAttribute("data-section"));
      var facet = link.getAttribute("data-facet");
      var value = link.getAttribute("data-value");
      Array.prototype.forEach.call(section.querySelectorAll("li.hit"), function (hit) {
        hit.hidden = Boolean(facet) && hit.getAttribute("data-" + facet) !== value;
      });
    });
  });
})();
