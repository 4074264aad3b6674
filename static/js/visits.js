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

  // Offline: a service worker keeps the visit pages; logs finished offline wait in a queue
  // on this phone and are sent once when the connection returns.
  var worker = document.body.dataset.visitsWorker;
  if (worker && "serviceWorker" in navigator) {
    navigator.serviceWorker.register(worker, { scope: "/visits/" }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      var keep = Array.prototype.map.call(document.querySelectorAll("a[data-keep-offline]"),
        function (link) { return link.href; });
      if (keep.length && registration.active) registration.active.postMessage({ keep: keep });
    }).catch(function () { /* no offline support: pages still work online */ });
  }

  var QUEUE_KEY = "crm-visit-queue";
  function queued() {
    try { return JSON.parse(localStorage.getItem(QUEUE_KEY) || "[]"); } catch (e) { return []; }
  }
  function keepQueue(entries) {
    try { localStorage.setItem(QUEUE_KEY, JSON.stringify(entries)); } catch (e) { /* full */ }
    showQueue();
  }
  function showQueue() {
    var box = document.getElementById("offline-queue");
    if (!box) return;
    var count = queued().length;
    box.hidden = count === 0;
    var number = box.querySelector("[data-count]");
    if (number) number.textContent = count;
  }
  var sending = false;
  // Send what waits, one log at a time; a log leaves the queue only once the server has it
  // (its token makes a second delivery harmless).
  function flush() {
    if (sending || !navigator.onLine) return;
    var entries = queued();
    if (!entries.length) return;
    sending = true;
    var entry = entries[0];
    fetch(entry.url, {
      method: "POST", body: entry.body, credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" }
    }).then(function (response) {
      sending = false;
      keepQueue(queued().filter(function (other) { return other.token !== entry.token; }));
      if (!response.ok) {
        var box = document.getElementById("offline-refused");
        if (box) { box.hidden = false; box.querySelector("a").href = entry.url; }
      }
      var sent = document.getElementById("offline-sent");
      if (sent && response.ok) sent.hidden = false;
      flush();
    }).catch(function () { sending = false; });
  }
  window.addEventListener("online", flush);
  showQueue();
  flush();

  var form = document.getElementById("visit-form");
  if (!form) return;
  form.addEventListener("submit", function (event) {
    if (navigator.onLine) return;
    // No connection: keep the whole log, with a token, and send it when we are back.
    event.preventDefault();
    var token = form.querySelector("[name=submission_token]");
    if (!token.value) token.value = "q-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
    var entry = { url: form.getAttribute("action") || window.location.pathname, token: token.value,
                  body: new URLSearchParams(new FormData(form)).toString() };
    keepQueue(queued().filter(function (other) { return other.url !== entry.url; }).concat([entry]));
    form.querySelectorAll("button[type=submit]").forEach(function (button) { button.disabled = true; });
  });
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
