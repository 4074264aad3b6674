// Draws every chart of a report page with Apache ECharts, served from our static files
// (the page names the file in data-echarts-src). Options come from the server as JSON.
const holder = document.querySelector("[data-echarts-src]");
if (holder) {
  const echarts = await import(holder.dataset.echartsSrc);
  for (const element of document.querySelectorAll("[data-chart]")) {
    const source = document.getElementById(element.dataset.chart);
    if (!source) continue;
    const chart = echarts.init(element, null, { renderer: "svg" });
    chart.setOption(JSON.parse(source.textContent));
    new ResizeObserver(() => chart.resize()).observe(element);
    element.dataset.drawn = "yes";
  }
}
