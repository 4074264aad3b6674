// The order console from the keyboard, with or without a Chinese input method.
//
// Letters with Alt are read from the physical key (event.code), so an input method that
// turns "c" into a candidate or "/" into "、" does not change them, and nothing is done
// while a word is being composed. The keys are listed on the page (#console-keys).
(function () {
  "use strict";
  let active = -1;
  // The list that number keys pick from: the search results (with substitutes) unless
  // the clerk chose "what else" (Alt+W) or "suggested" (Alt+G).
  let pickList = "#sku-results";
  // When the last error appeared: a search started after it succeeded, so it goes.
  let errorShownAt = 0;
  let errorQuery = null;  // the search text then: a late answer to it is not a new action

  const ALT_BUTTONS = {
    KeyC: "#btn-confirm", KeyR: ".btn-repeat", KeyN: "#btn-no_need", KeyA: "#btn-no_answer",
    KeyO: "#btn-finish",
  };
  const ALT_FOCUS = { KeyB: "#callback-at", KeyX: "#cancel-reason" };
  const ALT_LISTS = { KeyW: "#what-else-list", KeyG: "#suggested-list" };

  function search() { return document.getElementById("sku-q"); }
  function cartons() { return document.getElementById("cartons"); }
  function items(selector) {
    return Array.from(document.querySelectorAll(selector + " .offers > li"))
      .concat(Array.from(document.querySelectorAll(selector + ".offers > li")));
  }
  function results() { return items("#sku-results"); }

  function number(selector) {
    // Number keys shown beside the first nine offers of a list.
    items(selector).forEach((item, index) => {
      let key = item.querySelector(".pick-key");
      if (index > 8) { if (key) { key.remove(); } return; }
      if (!key) {
        key = document.createElement("span");
        key.className = "kbd pick-key";
        item.insertBefore(key, item.firstChild);
      }
      key.textContent = String(index + 1);
    });
  }

  function numberAll() {
    ["#sku-results", "#what-else-list", "#suggested-list", "#substitutes"].forEach(number);
    document.querySelectorAll(".pick-list").forEach((el) => el.classList.remove("pick-list"));
    const chosen = document.querySelector(pickList);
    if (chosen && pickList !== "#sku-results") { chosen.classList.add("pick-list"); }
  }

  function highlight(index) {
    const list = results();
    if (!list.length) { active = -1; return; }
    active = (index + list.length) % list.length;
    list.forEach((item, i) => item.classList.toggle("active", i === active));
  }

  function pick(item) {
    const button = item && (item.matches("button.pick") ? item : item.querySelector("button.pick"));
    const input = search();
    if (!button || !input) { return false; }
    input.value = button.dataset.sku;
    const qty = cartons();
    if (button.dataset.suggested && !qty.value) { qty.value = button.dataset.suggested; }
    qty.focus();
    qty.select();
    return true;
  }

  function digit(event) {
    const match = /^(Digit|Numpad)([1-9])$/.exec(event.code);
    return match ? Number(match[2]) : 0;
  }

  function composing(event) {
    return event.isComposing || event.keyCode === 229;
  }

  function focusSearch() {
    const input = search();
    if (input) { input.focus(); input.select(); }
  }

  function altKey(event) {
    const line = digit(event);
    if (line) {
      const fields = document.querySelectorAll("#current-order input.line-cartons");
      if (fields[line - 1]) { fields[line - 1].focus(); fields[line - 1].select(); }
      return true;
    }
    if (event.code === "KeyD" && event.target.classList.contains("line-cartons")) {
      const row = event.target.closest("tr");
      const remove = row && row.querySelector(".btn-remove");
      if (remove) { remove.click(); }
      return true;
    }
    if (event.code === "KeyS") { focusSearch(); return true; }
    if (event.code === "KeyT") {
      // The substitutes of the first short line; number keys then pick from them.
      const link = document.querySelector(".substitutes-link");
      if (link) {
        pickList = "#substitutes";
        // Ask htmx directly: a click on a link swapped in by another request is not always
        // bound yet, and would only follow its "#".
        htmx.ajax("GET", link.getAttribute("hx-get"), { target: "#substitutes" });
        focusSearch();
      }
      return Boolean(link);
    }
    if (ALT_LISTS[event.code]) {
      pickList = ALT_LISTS[event.code];
      numberAll();
      const list = document.querySelector(pickList);
      if (list) { list.scrollIntoView({ block: "nearest" }); }
      focusSearch();
      return true;
    }
    if (ALT_FOCUS[event.code]) {
      const field = document.querySelector(ALT_FOCUS[event.code]);
      if (field) { field.focus(); }
      return Boolean(field);
    }
    const button = ALT_BUTTONS[event.code] && document.querySelector(ALT_BUTTONS[event.code]);
    if (button) { button.click(); }
    return Boolean(button);
  }

  document.addEventListener("keydown", function (event) {
    if (!search() || composing(event)) { return; }
    const target = event.target;
    const typing = target.matches("input, textarea, select");
    const inSearch = target.id === "sku-q";
    if (event.altKey && !event.ctrlKey && !event.metaKey) {
      if (altKey(event)) { event.preventDefault(); }
      return;
    }
    if (event.ctrlKey || event.metaKey) { return; }
    // Search: "/" (or "、", what a Chinese input method makes of it) and F2.
    const slash = event.code === "Slash" || event.key === "/" || event.key === "、";
    if (event.key === "F2" || (slash && (!typing || (inSearch && !target.value)))) {
      event.preventDefault();
      focusSearch();
      return;
    }
    if (event.key === "Escape" && (inSearch || !typing)) {
      event.preventDefault();
      search().value = "";
      document.getElementById("sku-results").innerHTML = "";
      pickList = "#sku-results";
      active = -1;
      numberAll();
      focusSearch();
      return;
    }
    // Number keys pick from the list shown, unless the clerk is typing a SKU code.
    const n = digit(event);
    if (n && (!typing || (inSearch && !/^\d+$/.test(target.value)))) {
      const list = items(pickList === "#sku-results" || !target.value ? pickList : "#sku-results");
      if (list[n - 1] && pick(list[n - 1])) { event.preventDefault(); }
      return;
    }
    if (!inSearch) { return; }
    if (event.key === "ArrowDown") { event.preventDefault(); highlight(active + 1); }
    else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active - 1); }
    else if (event.key === "Enter") {
      event.preventDefault();
      const list = results();
      const chosen = list[active] || (list.length === 1 ? list[0] : null);
      if (!(chosen && pick(chosen)) && target.value.trim()) { cartons().focus(); }
    }
  });

  document.addEventListener("input", function (event) {
    // Typing a search makes its results the list that number keys pick from.
    if (event.target.id === "sku-q") { pickList = "#sku-results"; numberAll(); }
  });

  document.addEventListener("click", function (event) {
    const button = event.target.closest("button.pick");
    if (button) { event.preventDefault(); pick(button); }
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    event.detail.xhr.startedAt = Date.now();
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    numberAll();
    const target = event.detail.target;
    if (target.id === "sku-results") {
      const error = document.getElementById("console-error");
      if (error && event.detail.xhr.startedAt > errorShownAt && search().value !== errorQuery) {
        error.innerHTML = "";
      }
      highlight(0);
      return;
    }
    if (target.id === "substitutes") { return; }
    if (target.id === "order-panel" || event.target.id === "order-panel") {
      const form = document.getElementById("line-form");
      if (document.querySelector("#console-error .alert")) {
        errorShownAt = Date.now();
        errorQuery = search().value;
      }
      else if (form) {
        form.reset();
        document.getElementById("sku-results").innerHTML = "";
        pickList = "#sku-results";
        active = -1;
        focusSearch();
      }
    }
  });

  document.addEventListener("DOMContentLoaded", numberAll);
})();

// The call timer: minutes and seconds since the call started, amber past the limit.
(function () {
  "use strict";
  function tick() {
    const timer = document.getElementById("call-timer");
    if (!timer) { return; }
    const started = Date.parse(timer.dataset.started);
    if (Number.isNaN(started)) { return; }
    const seconds = Math.max(0, Math.floor((Date.now() - started) / 1000));
    const limit = Number(timer.dataset.limit) || 0;
    timer.textContent = Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
    timer.classList.toggle("over", limit > 0 && seconds >= limit);
  }
  document.addEventListener("DOMContentLoaded", function () { tick(); setInterval(tick, 1000); });
})();
