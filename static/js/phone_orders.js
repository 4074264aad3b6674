// The order console from the keyboard: "/" search, arrows pick, Enter add, Alt+R repeat,
// Alt+C confirm, Alt+N no need, Alt+A no answer.
(function () {
  "use strict";
  let active = -1;

  function search() { return document.getElementById("sku-q"); }
  function cartons() { return document.getElementById("cartons"); }
  function results() {
    return Array.from(document.querySelectorAll("#sku-results .offers > li"));
  }

  function highlight(index) {
    const items = results();
    if (!items.length) { active = -1; return; }
    active = (index + items.length) % items.length;
    items.forEach((item, i) => item.classList.toggle("active", i === active));
  }

  function pick(code, suggested) {
    const input = search();
    if (!input) { return; }
    input.value = code;
    const qty = cartons();
    if (suggested && !qty.value) { qty.value = suggested; }
    qty.focus();
    qty.select();
  }

  document.addEventListener("keydown", function (event) {
    const target = event.target;
    const typing = target.matches("input, textarea, select");
    const emptySearch = target.id === "sku-q" && !target.value;
    if (event.key === "/" && (!typing || emptySearch) && search()) {
      event.preventDefault();
      search().focus();
      return;
    }
    if (event.altKey) {
      const shortcuts = { c: "#btn-confirm", r: ".btn-repeat", n: "#btn-no_need",
                          a: "#btn-no_answer" };
      const selector = shortcuts[event.key.toLowerCase()];
      const button = selector && document.querySelector(selector);
      if (button) { event.preventDefault(); button.click(); }
      return;
    }
    if (target.id !== "sku-q") { return; }
    if (event.key === "ArrowDown") { event.preventDefault(); highlight(active + 1); }
    else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active - 1); }
    else if (event.key === "Enter") {
      event.preventDefault();
      const items = results();
      const chosen = items[active] || (items.length === 1 ? items[0] : null);
      if (chosen) { pick(chosen.dataset.sku, chosen.dataset.suggested); }
      else if (target.value.trim()) { cartons().focus(); }
    }
  });

  document.addEventListener("click", function (event) {
    const button = event.target.closest("button.pick");
    if (button) { event.preventDefault(); pick(button.dataset.sku, button.dataset.suggested); }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target.id === "sku-results") { highlight(0); return; }
    if (event.detail.target.id === "order-panel" || event.target.id === "order-panel") {
      const form = document.getElementById("line-form");
      if (form && !document.querySelector("#console-error .alert")) {
        form.reset();
        document.getElementById("sku-results").innerHTML = "";
        active = -1;
        search().focus();
      }
    }
  });
})();
