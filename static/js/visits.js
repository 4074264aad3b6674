// Visits: location on start/finish, a draft kept in the browser, price and stock hints.
(function () {
  "use strict";

  // Fill hidden latitude/longitude fields when the browser gives a position.
  function locate(form) {
    if (!navigator.geolocation || !form.querySelector("[name=latitude]")) return;
    navigator.geolocation.getCurrentPosition(function (pos) {
      form.querySelector("[name=latitude]").value = pos.coords.latitude.toFixed(6);
      form.querySelector("[name=longitude]").value = pos.coords.longitude.toFixed(6);
    }, function () {}, { timeout: 5000, maximumAge: 60000 });
  }
  document.querySelectorAll("form[data-geo], #visit-form").forEach(locate);

  var form = document.getElementById("visit-form");
  if (!form) return;
  var key = "crm-draft-" + form.dataset.draftKey;

  function snapshot() {
    var data = { actions: [], fields: {}, savedAt: Date.now() };
    new FormData(form).forEach(function (value, name) {
      if (name === "csrfmiddlewaretoken") return;
      if (name === "actions") data.actions.push(value); else data.fields[name] = value;
    });
    return data;
  }

  function save() {
    try { localStorage.setItem(key, JSON.stringify(snapshot())); } catch (e) { /* full or private */ }
  }

  // Restore what was typed before a reload or a lost connection, if the page shows less.
  function restore() {
    var raw;
    try { raw = localStorage.getItem(key); } catch (e) { return; }
    if (!raw) return;
    var data;
    try { data = JSON.parse(raw); } catch (e) { return; }
    Object.keys(data.fields || {}).forEach(function (name) {
      var input = form.querySelector("[name='" + name + "']");
      if (input && !input.value && data.fields[name] && input.type !== "hidden") input.value = data.fields[name];
    });
    (data.actions || []).forEach(function (code) {
      var box = form.querySelector("input[name=actions][value='" + code + "']");
      if (box) box.checked = true;
    });
  }

  function hints() {
    var total = 0;
    form.querySelectorAll(".price-row").forEach(function (row) {
      var price = parseFloat(row.querySelector(".price-input").value);
      var stock = parseInt(row.querySelector(".stock-input").value, 10);
      var guidance = parseFloat(row.dataset.guidance);
      var tolerance = parseFloat(row.dataset.tolerance) / 100;
      var flag = row.querySelector(".price-flag");
      flag.hidden = !(price > 0 && Math.abs(price - guidance) > guidance * tolerance);
      if (stock > 0) total += stock;
    });
    var out = document.getElementById("stock-total");
    if (out) out.textContent = total;
    // Compare with the reasonable stock worked out from recent weekly purchases.
    var advice = document.getElementById("stock-advice");
    var suggested = advice ? parseFloat(advice.dataset.suggested) : 0;
    if (advice && suggested > 0 && total > 0) {
      var text = total < suggested * 0.7 ? advice.dataset.low
        : (total > suggested * 1.5 ? advice.dataset.high : "");
      advice.textContent = text;
      advice.hidden = !text;
    } else if (advice) {
      advice.hidden = true;
    }
  }

  // Catalogue search: show the SKU cards whose name, code, initials or brand match every
  // word typed; the other SKUs of the catalogue open while searching.
  var search = document.getElementById("sku-search");
  if (search) {
    search.addEventListener("input", function () {
      var words = search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      form.querySelectorAll(".sku-card").forEach(function (card) {
        var text = (card.dataset.search || "").toLowerCase();
        var match = words.every(function (word) { return text.indexOf(word) !== -1; });
        card.hidden = !match;
        if (match) shown += 1;
      });
      var more = document.getElementById("more-skus");
      if (more && words.length) more.open = true;
      var none = document.getElementById("sku-none");
      if (none) none.hidden = shown > 0;
    });
    // Enter in the search box must not finish the visit.
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") event.preventDefault();
    });
  }

  restore();
  hints();
  form.addEventListener("input", function () { save(); hints(); });
  form.addEventListener("change", save);
  form.addEventListener("submit", function () {
    // The server keeps its own draft until the visit is finished; clear ours once sent.
    save();
    window.addEventListener("pagehide", function () {
      try { localStorage.removeItem(key); } catch (e) { /* ignore */ }
    });
  });
  // Offline: htmx draft posts fail quietly; the browser copy remains.
  document.body.addEventListener("htmx:sendError", function () {
    var status = document.getElementById("draft-status");
    if (status) status.textContent = status.dataset.offline || "⚠";
  });
})();
