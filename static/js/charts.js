/* Charts for the council and year pages, drawn from JSON data islands (the compare page's dot
 * plot is drawn on the server: councils/pages/dotplot.py).
 * Every chart repeats a table on the same page, so the page works without JavaScript and the
 * charts are hidden from assistive technology (aria-hidden on their containers). */
(function () {
  "use strict";

  const COLOURS = { own: "#1d4f91", similar: "#d4351c" };
  // No mode bar: its buttons would be focusable inside containers hidden from assistive technology.
  const CONFIG = { displayModeBar: false, responsive: true };

  function readData(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  const layout = (extra) => ({
    margin: { t: 30, r: 10, b: 50, l: 60 },
    font: { family: "system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif", size: 14 },
    legend: { orientation: "h", y: -0.2 },
    hovermode: "closest",
    ...extra
  });

  const NARROW = 600; // px: below this, legends go under the plot and labels get shorter

  const narrow = (target) => target.clientWidth < NARROW;

  // How far to trust a point: filled (base 10+), hollow (small base), hollow with a dot (too
  // few to compare). The council's points are circles, similar authorities' squares.
  function symbols(points, shape) {
    return points.map((p) => {
      if (p.value === null) { return shape; }
      if (!p.compared) { return `${shape}-open-dot`; }
      return p.small ? `${shape}-open` : shape;
    });
  }

  function pointNote(p) {
    if (p.value === null) { return "no figure"; }
    const note = `${p.display} (base ${p.base})`;
    if (!p.compared) { return `${note}: too few to compare`; }
    return p.small ? `${note}: small base` : note;
  }

  /* One series (the council or similar authorities), nudged sideways so neither hides the other. */
  function trendTrace(points, years, name, style, offset) {
    return {
      type: "scatter", mode: "lines+markers", name: name, connectgaps: false,
      x: years.map((_, i) => i + offset),
      y: points.map((p) => p.value),
      text: points.map((p, i) => `${years[i]}: ${pointNote(p)}`),
      hovertemplate: `${name}<br>%{text}<extra></extra>`,
      line: { color: style.colour, dash: style.dash, width: 2 },
      marker: { symbol: symbols(points, style.shape), size: 10, color: style.colour,
        line: { color: style.colour, width: 2 } }
    };
  }

  function drawTrend() {
    const data = readData("trend-data");
    const target = document.getElementById("trend-chart");
    if (!data || !target || !window.Plotly) { return; }
    // Every box first: the grid's columns settle before any plot measures its width.
    const plots = data.series.map((series) => {
      const box = document.createElement("div");
      const title = document.createElement("h3");
      title.textContent = series.name;
      const plot = document.createElement("div");
      plot.className = "chart";
      box.append(title, plot);
      target.append(box);
      return plot;
    });
    data.series.forEach((series, index) => {
      const plot = plots[index];
      const small = narrow(plot);
      window.Plotly.newPlot(plot, [
        trendTrace(series.similar, data.years, "Similar authorities",
          { colour: COLOURS.similar, dash: "dash", shape: "square" }, 0.08),
        trendTrace(series.own, data.years, data.council,
          { colour: COLOURS.own, dash: "solid", shape: "circle" }, -0.08)
      ], layout({
        margin: { t: 10, r: 10, b: small ? 90 : 60, l: 45 },
        legend: { orientation: "h", x: 0, y: -0.25, yanchor: "top", traceorder: "reversed" },
        yaxis: { title: { text: "%" }, range: [0, 105], fixedrange: true },
        xaxis: { tickvals: data.years.map((_, i) => i), ticktext: data.years,
          range: [-0.5, data.years.length - 0.5], tickangle: small ? -45 : 0, fixedrange: true }
      }), CONFIG);
    });
  }

  const shorten = (name) => (name.length > 18 ? `${name.slice(0, 17)}…` : name);

  function drawYear() {
    const data = readData("year-data");
    if (!data || !window.Plotly) { return; }
    const categories = document.getElementById("categories-chart");
    if (categories) {
      // On a phone, shortened service names leave room for the bars; the table has them in full.
      const small = narrow(categories);
      window.Plotly.newPlot(categories, [{
        type: "bar", orientation: "h", x: data.received, name: "Received",
        y: small ? data.categories.map(shorten) : data.categories, marker: { color: COLOURS.own }
      }], layout({ margin: { t: 20, r: 10, b: 40, l: small ? 150 : 330 },
        yaxis: { tickfont: { size: small ? 12 : 14 } },
        xaxis: { title: { text: "Complaints received" } } }), CONFIG);
    }
    const types = document.getElementById("types-chart");
    if (types) {
      window.Plotly.newPlot(types, [{
        type: "bar", x: data.types, y: data.type_uphold, name: "Upheld (%)", marker: { color: COLOURS.own }
      }], layout({ yaxis: { title: { text: "Complaints upheld (%)" }, range: [0, 100] } }), CONFIG);
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    drawTrend();
    drawYear();
  });
}());
