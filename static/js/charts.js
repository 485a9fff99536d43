/* Charts for the council, compare and year pages, drawn from JSON data islands.
 * Every chart repeats a table on the same page, so the page works without JavaScript and the
 * charts are hidden from assistive technology (aria-hidden on their containers). */
(function () {
  "use strict";

  var COLOURS = { own: "#1d4f91", similar: "#d4351c", selected: "#d4351c", point: "#1d4f91" };
  // No mode bar: its buttons would be focusable inside containers hidden from assistive technology.
  var CONFIG = { displayModeBar: false, responsive: true };

  function readData(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function layout(extra) {
    var base = {
      margin: { t: 30, r: 10, b: 50, l: 60 },
      font: { family: "system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif", size: 14 },
      legend: { orientation: "h", y: -0.2 },
      hovermode: "closest"
    };
    for (var key in extra) { base[key] = extra[key]; }
    return base;
  }

  function drawTrend() {
    var data = readData("trend-data");
    var target = document.getElementById("trend-chart");
    if (!data || !target || !window.Plotly) { return; }
    var traces = [];
    data.series.forEach(function (series, index) {
      var dash = ["solid", "dot", "dash"][index % 3];
      traces.push({
        x: data.years, y: series.own, name: data.council + ": " + series.name, type: "scatter",
        mode: "lines+markers", line: { color: COLOURS.own, dash: dash }, connectgaps: false
      });
      traces.push({
        x: data.years, y: series.similar, name: "Similar authorities: " + series.name,
        type: "scatter", mode: "lines+markers", line: { color: COLOURS.similar, dash: dash }
      });
    });
    window.Plotly.newPlot(target, traces, layout({
      yaxis: { title: { text: "%" }, range: [0, 100] }, xaxis: { type: "category" }
    }), CONFIG);
  }

  function drawCompare() {
    var data = readData("compare-data");
    var target = document.getElementById("compare-chart");
    if (!data || !target || !window.Plotly) { return; }
    var rows = data.councils.filter(function (c) { return c.value !== null; });
    rows.sort(function (a, b) { return a.value - b.value; });
    var names = rows.map(function (c) { return c.name; });
    var trace = {
      type: "scatter", mode: "markers", orientation: "h",
      x: rows.map(function (c) { return c.value; }), y: names,
      text: rows.map(function (c) { return c.display + " (base " + c.base + ")"; }),
      hovertemplate: "%{y}: %{text}<extra></extra>",
      marker: {
        size: 8,
        color: rows.map(function (c) {
          return c.url.indexOf("/" + data.selected + "/") > -1 ? COLOURS.selected : COLOURS.point;
        })
      },
      error_x: {
        type: "data", symmetric: false, color: "#505a5f", thickness: 1,
        array: rows.map(function (c) { return c.interval ? c.interval[1] - c.value : 0; }),
        arrayminus: rows.map(function (c) { return c.interval ? c.value - c.interval[0] : 0; })
      },
      customdata: rows.map(function (c) { return c.url; })
    };
    var shapes = [];
    if (data.average !== null && data.average !== undefined) {
      shapes.push({ type: "line", x0: data.average, x1: data.average, yref: "paper", y0: 0, y1: 1,
        line: { color: "#0b0c0c", width: 2, dash: "dash" } });
    }
    window.Plotly.newPlot(target, [trace], layout({
      height: Math.max(400, 18 * rows.length + 80), shapes: shapes, showlegend: false,
      margin: { t: 20, r: 10, b: 40, l: 240 }, xaxis: { title: { text: data.label } },
      yaxis: { automargin: true, tickfont: { size: 11 }, dtick: 1 }
    }), CONFIG);
    target.on("plotly_click", function (event) {
      var url = event.points && event.points[0] && event.points[0].customdata;
      if (url) { window.location.href = url; }
    });
  }

  function drawYear() {
    var data = readData("year-data");
    if (!data || !window.Plotly) { return; }
    var categories = document.getElementById("categories-chart");
    if (categories) {
      window.Plotly.newPlot(categories, [{
        type: "bar", orientation: "h", y: data.categories, x: data.received, name: "Received",
        marker: { color: COLOURS.own }
      }], layout({ margin: { t: 20, r: 10, b: 40, l: 330 }, xaxis: { title: { text: "Complaints received" } } }), CONFIG);
    }
    var types = document.getElementById("types-chart");
    if (types) {
      window.Plotly.newPlot(types, [{
        type: "bar", x: data.types, y: data.type_uphold, name: "Upheld (%)", marker: { color: COLOURS.own }
      }], layout({ yaxis: { title: { text: "Complaints upheld (%)" }, range: [0, 100] } }), CONFIG);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawTrend();
    drawCompare();
    drawYear();
  });
}());
