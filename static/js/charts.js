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

  var NARROW = 600; // px: below this, legends go under the plot and labels get shorter

  function narrow(target) { return target.clientWidth < NARROW; }

  // How far to trust a point: filled (base 10+), hollow (small base), hollow with a dot (too
  // few to compare). The council's points are circles, similar authorities' squares.
  function symbols(points, shape) {
    return points.map(function (p) {
      if (p.value === null) { return shape; }
      if (!p.compared) { return shape + "-open-dot"; }
      return p.small ? shape + "-open" : shape;
    });
  }

  function pointNote(p) {
    if (p.value === null) { return "no figure"; }
    var note = p.display + " (base " + p.base + ")";
    if (!p.compared) { return note + ": too few to compare"; }
    return p.small ? note + ": small base" : note;
  }

  /* One series (the council or similar authorities), nudged sideways so neither hides the other. */
  function trendTrace(points, years, name, style, offset) {
    return {
      type: "scatter", mode: "lines+markers", name: name, connectgaps: false,
      x: years.map(function (_, i) { return i + offset; }),
      y: points.map(function (p) { return p.value; }),
      text: points.map(function (p, i) { return years[i] + ": " + pointNote(p); }),
      hovertemplate: name + "<br>%{text}<extra></extra>",
      line: { color: style.colour, dash: style.dash, width: 2 },
      marker: { symbol: symbols(points, style.shape), size: 10, color: style.colour,
        line: { color: style.colour, width: 2 } }
    };
  }

  function drawTrend() {
    var data = readData("trend-data");
    var target = document.getElementById("trend-chart");
    if (!data || !target || !window.Plotly) { return; }
    // Every box first: the grid's columns settle before any plot measures its width.
    var plots = data.series.map(function (series) {
      var box = document.createElement("div");
      var title = document.createElement("h3");
      title.textContent = series.name;
      var plot = document.createElement("div");
      plot.className = "chart";
      box.append(title, plot);
      target.append(box);
      return plot;
    });
    data.series.forEach(function (series, index) {
      var plot = plots[index];
      var small = narrow(plot);
      window.Plotly.newPlot(plot, [
        trendTrace(series.similar, data.years, "Similar authorities",
          { colour: COLOURS.similar, dash: "dash", shape: "square" }, 0.08),
        trendTrace(series.own, data.years, data.council,
          { colour: COLOURS.own, dash: "solid", shape: "circle" }, -0.08)
      ], layout({
        margin: { t: 10, r: 10, b: small ? 90 : 60, l: 45 },
        legend: { orientation: "h", x: 0, y: -0.25, yanchor: "top", traceorder: "reversed" },
        yaxis: { title: { text: "%" }, range: [0, 105], fixedrange: true },
        xaxis: { tickvals: data.years.map(function (_, i) { return i; }), ticktext: data.years,
          range: [-0.5, data.years.length - 0.5], tickangle: small ? -45 : 0, fixedrange: true }
      }), CONFIG);
    });
  }

  function shorten(name) { return name.length > 18 ? name.slice(0, 17) + "…" : name; }

  function drawCompare() {
    var data = readData("compare-data");
    var target = document.getElementById("compare-chart");
    if (!data || !target || !window.Plotly) { return; }
    var rows = data.councils.filter(function (c) { return c.value !== null; });
    rows.sort(function (a, b) { return a.value - b.value; });
    // On a phone the area name ("Ashfield") leaves room for the plot; the full name is in the table.
    var small = narrow(target);
    var names = rows.map(function (c) { return small ? shorten(c.area) : c.name; });
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
      margin: { t: 20, r: 10, b: 40, l: small ? 120 : 240 }, xaxis: { title: { text: data.label } },
      yaxis: { automargin: !small, tickfont: { size: small ? 10 : 11 }, dtick: 1 }
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
      // On a phone, shortened service names leave room for the bars; the table has them in full.
      var small = narrow(categories);
      window.Plotly.newPlot(categories, [{
        type: "bar", orientation: "h", x: data.received, name: "Received",
        y: small ? data.categories.map(shorten) : data.categories, marker: { color: COLOURS.own }
      }], layout({ margin: { t: 20, r: 10, b: 40, l: small ? 150 : 330 },
        yaxis: { tickfont: { size: small ? 12 : 14 } },
        xaxis: { title: { text: "Complaints received" } } }), CONFIG);
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
