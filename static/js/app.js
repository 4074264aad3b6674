// Small behaviours shared by every page. Pages that need more load their own script.
document.addEventListener("keydown", (event) => {
  // "/" focuses the page's search box, as in most work tools.
  if (event.key === "/" && !["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName)) {
    const search = document.querySelector("[data-search]");
    if (search) { event.preventDefault(); search.focus(); }
  }
});
