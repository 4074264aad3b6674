// Small behaviours shared by every page. Pages that need more load their own script.
document.addEventListener("keydown", (event) => {
  // "/" focuses the page's search box, as in most work tools.
  if (event.key === "/" && !["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName)) {
    const search = document.querySelector("[data-search]");
    if (search) { event.preventDefault(); search.focus(); }
  }
});

// The Content-Security-Policy allows no inline handlers and no style attributes, so a
// select that submits its form says so with data-autosubmit, and bars carry their size
// in data attributes that are applied here (also to content that htmx swaps in).
document.addEventListener("change", (event) => {
  if (event.target.matches("select[data-autosubmit]")) event.target.form.submit();
});

function applyBarSizes(root) {
  root.querySelectorAll("[data-bar-height]").forEach((bar) => {
    bar.style.height = `${bar.dataset.barHeight}%`;
  });
  root.querySelectorAll("[data-bar-width]").forEach((bar) => {
    bar.style.setProperty("--w", `${bar.dataset.barWidth}%`);
  });
}
applyBarSizes(document);
document.addEventListener("htmx:load", (event) => applyBarSizes(event.target));
