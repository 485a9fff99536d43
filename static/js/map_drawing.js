/* The council map (map.js): how councils are drawn as plotly traces, their colours and the legend. */
(function () {
  "use strict";

  const CouncilMap = (window.CouncilMap = window.CouncilMap || {});

  // Diverging purple-orange (ColorBrewer PuOr ends), with a neutral between: colour-blind safe.
  const VERDICT_COLOURS = { lower: "#5e3c99", similar: "#d9d2c3", higher: "#e66101" };
  const VERDICT_LABELS = {
    higher: "Higher than similar authorities",
    similar: "Similar to the average for similar authorities",
    lower: "Lower than similar authorities",
  };
  const BASE_LABELS = {
    uphold_rate: "detailed investigations",
    compliance_rate: "compliance outcomes",
    satisfactory_remedy_rate: "upheld complaints",
    upheld_per_100k: "residents",
  };
  const STYLE = {
    line: "#505a5f",
    contextFill: "#f3f2f1",
    contextLine: "#c9c9c9",
    noFigure: "#ffffff",
    greyedFill: "#ffffff",
    greyedHatch: "#8c8c8c",
    selectedLine: "#0b0c0c",
  };
  const GREYED_PATTERN = {
    shape: "/",
    fgcolor: STYLE.greyedHatch,
    bgcolor: STYLE.greyedFill,
    size: 6,
    solidity: 0.25,
  };

  // ---- colours and legend --------------------------------------------------------------------

  function formatNumber(value) {
    return Number(value.toFixed(6)).toLocaleString("en-GB");
  }

  /* How one council is drawn: {fill, pattern?} */
  function councilStyle(council, colourBy) {
    if (council.greyed) {
      return { fill: STYLE.greyedFill, pattern: GREYED_PATTERN };
    }
    if (colourBy === "verdict") {
      return { fill: VERDICT_COLOURS[council.verdict] || STYLE.noFigure };
    }
    return {
      fill: council.fill || STYLE.noFigure,
    };
  }

  function legendItems(data, colourBy, classes) {
    const unit = data.unit || "";
    const items =
      colourBy === "verdict"
        ? ["higher", "similar", "lower"].map((v) => ({
            label: VERDICT_LABELS[v],
            fill: VERDICT_COLOURS[v],
          }))
        : classes.map((c) => ({
            label: formatNumber(c.from) + unit + " to under " + formatNumber(c.to) + unit,
            fill: c.colour,
          }));
    if (colourBy !== "verdict" && items.length) {
      const last = classes[classes.length - 1];
      items[items.length - 1].label = formatNumber(last.from) + unit + " or more";
    }
    items.push({
      label: "Fewer than 5 cases: greyed, not compared",
      fill: STYLE.greyedFill,
      hatched: true,
    });
    items.push({
      label: colourBy === "verdict" ? "No figure or no verdict" : "No figure",
      fill: STYLE.noFigure,
    });
    return items;
  }

  function drawLegend(legend, data, colourBy, classes) {
    legend.replaceChildren();
    const title = document.createElement("p");
    title.className = "council-map__legend-title";
    title.textContent =
      colourBy === "verdict" ? data.label + ": compared with similar authorities" : data.label;
    const list = document.createElement("ul");
    list.className = "council-map__legend-items";
    // Layout through the CSSOM: allowed by a Content-Security-Policy without 'unsafe-inline'.
    Object.assign(list.style, {
      listStyle: "none",
      padding: "0",
      display: "flex",
      flexWrap: "wrap",
      gap: ".25rem 1rem",
    });
    legendItems(data, colourBy, classes).forEach((item) => {
      const entry = document.createElement("li");
      Object.assign(entry.style, { display: "flex", alignItems: "center", gap: ".4rem" });
      const swatch = document.createElement("span");
      swatch.className = "council-map__swatch";
      Object.assign(swatch.style, {
        display: "inline-block",
        width: "1.25rem",
        height: "1rem",
        border: "1px solid " + STYLE.line,
        backgroundColor: item.fill,
      });
      if (item.hatched) {
        swatch.style.backgroundImage =
          "repeating-linear-gradient(135deg, " + STYLE.greyedHatch + " 0 1px, transparent 1px 5px)";
      }
      entry.append(swatch, document.createTextNode(item.label));
      list.append(entry);
    });
    legend.append(title, list);
  }

  // ---- traces --------------------------------------------------------------------------------

  function escapeHtml(text) {
    return String(text).replace(
      /[&<>"]/g,
      (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c],
    );
  }

  function hoverText(council, data) {
    const lines = [
      escapeHtml(council.name),
      escapeHtml(data.label) + ": " + escapeHtml(council.display || "no figure"),
    ];
    if (council.base) {
      const baseLabel = data.base_label || BASE_LABELS[data.statistic] || "cases";
      lines.push("Based on " + formatNumber(council.base) + " " + escapeHtml(baseLabel));
    }
    if (council.greyed) {
      lines.push("Fewer than 5: not compared");
    } else if (council.verdict) {
      lines.push(VERDICT_LABELS[council.verdict] || "");
    }
    return lines.join("<br>");
  }

  function traces(areas, data, colourBy) {
    const councils = new Map(data.councils.map((c) => [c.code, c]));
    const classes = data.classes;
    const result = [];
    const fills = new Map(); // each council's fill, for the colour of its label
    let selected = null;
    areas.forEach((area) => {
      const council = councils.get(area.code);
      const trace = {
        type: "scatter",
        mode: "lines",
        x: area.x,
        y: area.y,
        fill: "toself",
        line: { width: 0.6, color: STYLE.line },
        showlegend: false,
      };
      if (!council) {
        // Outside the chosen type: pale context with no hover.
        trace.fillcolor = STYLE.contextFill;
        trace.line.color = STYLE.contextLine;
        trace.hoverinfo = "skip";
        result.push(trace);
        return;
      }
      const style = councilStyle(council, colourBy);
      trace.fillcolor = style.fill;
      fills.set(council.code, style.fill);
      if (style.pattern) {
        trace.fillpattern = style.pattern;
      }
      trace.hoveron = "fills";
      trace.hoverinfo = "text";
      trace.text = hoverText(council, data);
      trace.name = council.name;
      trace.meta = { code: council.code, url: council.url };
      if (council.code === data.selected) {
        trace.line = { width: 3, color: STYLE.selectedLine };
        selected = trace; // drawn last, so its outline is on top
      } else {
        result.push(trace);
      }
    });
    if (selected) {
      result.push(selected);
    }
    return { traces: result, classes: classes, fills: fills };
  }

  function layout() {
    return {
      margin: { l: 0, r: 0, t: 0, b: 0 },
      xaxis: { visible: false },
      yaxis: { visible: false, scaleanchor: "x", scaleratio: 1 },
      hovermode: "closest",
      dragmode: false,
      showlegend: false,
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)",
      font: { family: "system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif", size: 14 },
      hoverlabel: {
        bgcolor: "#ffffff",
        bordercolor: "#0b0c0c",
        font: { color: "#0b0c0c" },
        align: "left",
      },
    };
  }

  Object.assign(CouncilMap, { STYLE, formatNumber, drawLegend, traces, layout });
})();
