/* The council map on the home page, drawn with plotly.js (the global `Plotly`, served by us).
 *
 * Nothing is fetched from another host: areas are drawn as filled SVG polygons (`scatter` traces
 * with `fill: "toself"`) on plain x/y axes, not as a plotly `geo` or `map` trace, which would
 * fetch a world topojson or map tiles from a CDN.
 *
 * The page provides:
 *
 * 1. A container, which this script fills with its controls, the plot and a legend:
 *      <div id="council-map" class="council-map"
 *           data-geometry-url="/map/lower_tier.geojson"   lower-tier areas (GeoJSON, lon/lat)
 *           data-county-url="/map/counties.geojson"       county council areas (GeoJSON)
 *           data-hex-url="/map/hexes.json"                hex layouts (councils/hexmap.py)
 *           data-plotly-url="/static/…/plotly-basic.min.js"  fetched after the page's load
 *           data-map-data="map-data">                     id of the data island (optional,
 *      </div>                                             default "map-data")
 *    The geometry is fetched only when a view needs it (hexes.json only for the hex view).
 *    The container may hold the map drawn on the server (`.council-map__static`, an SVG with a
 *    link per council): it stays until this script has drawn its own.
 *
 * 2. A data island, `{{ map_data|json_script:"map-data" }}`:
 *      {
 *        "statistic": "uphold_rate",          one of the four statistics (names the base below)
 *        "label": "Complaints upheld",        the statistic's name, for hover and legend
 *        "unit": "%",                         appended to legend values ("" for per-100k)
 *        "year": "2023-24",
 *        "councils": [{                       the councils to colour; any other area is drawn
 *          "code": "E07000170",               pale, as context, with no hover (a type filter)
 *          "name": "Ashfield District Council",
 *          "type": "district",                county, district, metropolitan, unitary, london
 *          "url": "/councils/ashfield/",      where a click goes
 *          "value": 81.0,                     the figure as a number, or null (no figure)
 *          "display": "81%",                  the figure as shown on the page
 *          "base": 94,                        what the figure is based on, or null
 *          "verdict": "higher",               "higher", "similar", "lower" or null
 *          "greyed": false,                   base under 5: greyed, no verdict
 *          "short": "ASH",                    a distinct three-letter label (hex view)
 *          "fill": "#41b6c4"                  its colour by value (null: no figure, or greyed)
 *        }],
 *        "classes": [{"from": 0, "to": 20,    the value colours' classes, for the legend
 *                     "colour": "#c7e9b4"}],  (councils/svgmap.py chooses them and the fills)
 *        optional:
 *        "base_label": "detailed investigations",  default: by statistic (see BASE_LABELS)
 *        "colour_by": "value",                "value" (default) or "verdict"
 *        "layer": "lower_tier",               "lower_tier" or "upper_tier" (default: upper tier
 *                                             when the councils include counties but no districts)
 *        "view": "geo",                       "geo" (areas, default) or "hex" (same-size hexagons)
 *        "selected": "E07000170",             a council to outline
 *      }
 *
 * The reader's choices of view, layer and colouring are kept in the URL (`view`, `layer`,
 * `colour` query parameters, which win over the data island) so a view can be shared.
 * Keyboard and screen-reader users have the table of every council below the map.
 */
(function () {
  "use strict";

  const LOWER_TIER = "lower_tier";
  const UPPER_TIER = "upper_tier";
  // A plate carrée squeezed by cos(latitude) at England's middle: shapes within a few per cent.
  const X_SCALE = Math.cos((52.6 * Math.PI) / 180);

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

  // A still map: no mode bar (its styles come from a stylesheet plotly injects, which a
  // Content-Security-Policy blocks) and no zooming; the hex view shows small councils.
  const CONFIG = { displayModeBar: false, responsive: true, scrollZoom: false, doubleClick: false };

  // ---- reading the page ----------------------------------------------------------------------

  function readIsland(container) {
    const node = document.getElementById(container.dataset.mapData || "map-data");
    return node ? JSON.parse(node.textContent) : null;
  }

  function urlChoice(name, allowed) {
    const value = new URLSearchParams(window.location.search).get(name);
    return allowed.indexOf(value) >= 0 ? value : null;
  }

  function rememberChoice(name, value) {
    const url = new URL(window.location.href);
    url.searchParams.set(name, value);
    window.history.replaceState(window.history.state, "", url);
  }

  function defaultLayer(data) {
    if (data.layer === LOWER_TIER || data.layer === UPPER_TIER) {
      return data.layer;
    }
    const types = new Set(data.councils.map((c) => c.type));
    return types.has("county") && !types.has("district") ? UPPER_TIER : LOWER_TIER;
  }

  // ---- geometry ------------------------------------------------------------------------------

  const cache = new Map();

  function fetchJson(url) {
    if (!cache.has(url)) {
      cache.set(
        url,
        fetch(url, { credentials: "same-origin" })
          .then((response) => {
            if (!response.ok) {
              throw new Error(url + ": " + response.status);
            }
            return response.json();
          })
          .catch((error) => {
            cache.delete(url); // let the next drawing try again
            throw error;
          }),
      );
    }
    return cache.get(url);
  }

  function isDistrict(code) {
    return code.slice(0, 3) === "E07";
  }

  /* Areas to draw: [{code, x: [...], y: [...]}] with null between rings. */
  function geoAreas(container, layer) {
    const lower = fetchJson(container.dataset.geometryUrl);
    if (layer === LOWER_TIER) {
      return lower.then((collection) => collection.features.map(featureArea));
    }
    // Upper tier: the counties, plus every lower-tier area that is not a district.
    return Promise.all([lower, fetchJson(container.dataset.countyUrl)]).then(
      ([collection, counties]) =>
        counties.features
          .concat(collection.features.filter((feature) => !isDistrict(String(feature.id))))
          .map(featureArea),
    );
  }

  function featureArea(feature) {
    const geometry = feature.geometry;
    const polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
    const x = [];
    const y = [];
    // Exterior rings and holes wind in opposite directions, so the SVG nonzero fill leaves
    // holes empty; null starts a new subpath.
    polygons.forEach((rings) =>
      rings.forEach((ring) => {
        if (x.length) {
          x.push(null);
          y.push(null);
        }
        ring.forEach((point) => {
          x.push(point[0] * X_SCALE);
          y.push(point[1]);
        });
      }),
    );
    return { code: String(feature.id), x: x, y: y };
  }

  function hexAreas(container, layer) {
    return fetchJson(container.dataset.hexUrl).then((hexes) =>
      Object.entries(hexes.layouts[layer] || {}).map(([code, cell]) => ({
        code: code,
        x: cell.polygon.map((point) => point[0]),
        y: cell.polygon.map((point) => point[1]),
        centre: [cell.x, cell.y],
      })),
    );
  }

  /* Over the hexagons: London's boroughs outlined as one block, and each council's short label
     (dark text, or white on the darkest fills). */
  function hexOverlays(hexes, layer, areas, data, fills) {
    const outline = { x: [], y: [] };
    ((hexes.london || {})[layer] || []).forEach(([from, to]) => {
      outline.x.push(from[0], to[0], null);
      outline.y.push(from[1], to[1], null);
    });
    const councils = new Map(data.councils.map((c) => [c.code, c]));
    const labels = areas.filter((area) => councils.has(area.code) && councils.get(area.code).short);
    return [
      {
        type: "scatter",
        mode: "lines",
        x: outline.x,
        y: outline.y,
        line: { width: 3, color: STYLE.selectedLine },
        hoverinfo: "skip",
        showlegend: false,
      },
      {
        type: "scatter",
        mode: "text",
        x: labels.map((area) => area.centre[0]),
        y: labels.map((area) => area.centre[1]),
        text: labels.map((area) => councils.get(area.code).short),
        textfont: {
          size: 10,
          color: labels.map((area) => (isDark(fills.get(area.code)) ? "#ffffff" : "#0b0c0c")),
        },
        hoverinfo: "skip",
        showlegend: false,
        meta: { labels: true },
      },
    ];
  }

  /* Whether white text reads better than near-black on this fill (WCAG contrast). */
  function isDark(colour) {
    const rgb = /^#([0-9a-f]{6})$/i.exec(colour || "");
    if (!rgb) {
      return false;
    }
    const n = parseInt(rgb[1], 16);
    const channel = (shift) => {
      const c = ((n >> shift) & 255) / 255;
      return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    };
    const luminance = 0.2126 * channel(16) + 0.7152 * channel(8) + 0.0722 * channel(0);
    const againstWhite = 1.05 / (luminance + 0.05);
    const againstText = (luminance + 0.05) / 0.0537; // #0b0c0c
    return againstWhite > againstText;
  }

  /* Labels sized to the hexagons as drawn; hidden where they would be too small to read. */
  function fitHexLabels(plot) {
    const index = plot.data.findIndex((trace) => trace.meta && trace.meta.labels);
    if (index < 0) {
      return null;
    }
    const xs = [].concat(...plot.data.map((t) => t.x)).filter((v) => v !== null);
    const ys = [].concat(...plot.data.map((t) => t.y)).filter((v) => v !== null);
    const span = (values) => Math.max.apply(null, values) - Math.min.apply(null, values);
    const box = plot.getBoundingClientRect();
    const pixelsPerUnit = Math.min(box.width / span(xs), box.height / span(ys));
    const size = Math.min(13, Math.floor((Math.sqrt(3) * pixelsPerUnit) / 2.3));
    return window.Plotly.restyle(plot, { "textfont.size": size, visible: size >= 7 }, [index]);
  }

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

  // ---- controls ------------------------------------------------------------------------------

  let groupCount = 0;

  /* A fieldset of radio buttons: [{value, label}]; onChange(value). */
  function radioGroup(legendText, name, options, current, onChange) {
    groupCount += 1;
    const fieldset = document.createElement("fieldset");
    fieldset.className = "council-map__control";
    const legend = document.createElement("legend");
    legend.textContent = legendText;
    fieldset.append(legend);
    options.forEach((option, index) => {
      const id = "council-map-" + name + "-" + groupCount + "-" + index;
      const input = document.createElement("input");
      input.type = "radio";
      input.name = "council-map-" + name + "-" + groupCount;
      input.id = id;
      input.value = option.value;
      input.checked = option.value === current;
      input.addEventListener("change", () => onChange(option.value));
      const label = document.createElement("label");
      label.htmlFor = id;
      label.textContent = option.label;
      const wrapper = document.createElement("span");
      wrapper.className = "council-map__option";
      wrapper.append(input, label);
      fieldset.append(wrapper);
    });
    return fieldset;
  }

  // ---- the map -------------------------------------------------------------------------------

  function setUp(container) {
    const data = readIsland(container);
    if (!data || !Array.isArray(data.councils) || !window.Plotly) {
      return;
    }
    const state = {
      view: urlChoice("view", ["geo", "hex"]) || (data.view === "hex" ? "hex" : "geo"),
      layer: urlChoice("layer", [LOWER_TIER, UPPER_TIER]) || defaultLayer(data),
      colourBy:
        urlChoice("colour", ["value", "verdict"]) ||
        (data.colour_by === "verdict" ? "verdict" : "value"),
    };

    const controls = document.createElement("div");
    controls.className = "council-map__controls";
    const status = document.createElement("p");
    status.className = "council-map__status";
    status.setAttribute("role", "status");
    const plot = document.createElement("div");
    plot.className = "council-map__plot";
    Object.assign(plot.style, { width: "100%", aspectRatio: "4 / 5", maxHeight: "85vh" });
    const legend = document.createElement("div");
    legend.className = "council-map__legend";

    function choose(key, parameter) {
      return (value) => {
        state[key] = value;
        rememberChoice(parameter, value);
        draw();
      };
    }
    controls.append(
      radioGroup(
        "Show councils as",
        "view",
        [
          { value: "geo", label: "Areas" },
          { value: "hex", label: "Same-size hexagons" },
        ],
        state.view,
        choose("view", "view"),
      ),
      radioGroup(
        "Councils",
        "layer",
        [
          { value: LOWER_TIER, label: "Districts, unitaries and boroughs" },
          { value: UPPER_TIER, label: "Counties, unitaries and boroughs" },
        ],
        state.layer,
        choose("layer", "layer"),
      ),
      radioGroup(
        "Colour by",
        "colour",
        [
          { value: "value", label: "Figure" },
          { value: "verdict", label: "Compared with similar authorities" },
        ],
        state.colourBy,
        choose("colourBy", "colour"),
      ),
    );
    container.append(controls, status, plot, legend);
    const drawnOnServer = container.querySelector(".council-map__static");
    if (drawnOnServer) {
      plot.before(drawnOnServer); // where the interactive map will be, until it is drawn
    }
    container.classList.add("council-map--ready");

    let drawing = 0;
    function draw() {
      const ticket = ++drawing;
      status.textContent = "Loading the map…";
      const hex = state.view === "hex";
      const areas = hex ? hexAreas(container, state.layer) : geoAreas(container, state.layer);
      Promise.all([areas, hex ? fetchJson(container.dataset.hexUrl) : null])
        .then(([list, hexes]) => {
          if (ticket !== drawing) {
            return null; // a later choice superseded this one
          }
          const built = traces(list, data, state.colourBy);
          if (hexes) {
            built.traces.push(...hexOverlays(hexes, state.layer, list, data, built.fills));
          }
          drawLegend(legend, data, state.colourBy, built.classes);
          const first = !plot.on;
          if (drawnOnServer) {
            drawnOnServer.remove(); // the interactive map takes its place
          }
          return window.Plotly.react(plot, built.traces, layout(), CONFIG).then(() => {
            if (hexes) {
              fitHexLabels(plot);
            }
            if (first) {
              listen(plot);
              // When the map was first drawn, for bench/page_weight.py (performance timeline).
              performance.mark("council-map-drawn");
            }
            applyPlotlyLayerRules(plot);
            status.textContent = "";
          });
        })
        .catch(() => {
          status.textContent =
            "The map could not be drawn. The table below has every council's figures.";
        });
    }

    draw();
  }

  /* Plotly's stylesheet stacks its SVG layers and lets pointer events through them to the layer
     that handles hover and clicks. Plotly injects it as an inline <style>, which a
     Content-Security-Policy without 'unsafe-inline' blocks; the same rules set through the
     CSSOM are allowed. (Redundant, and harmless, where the page links plotly's stylesheet.) */
  function applyPlotlyLayerRules(plot) {
    plot.querySelectorAll(".main-svg").forEach((svg) => {
      Object.assign(svg.style, {
        position: "absolute",
        top: "0",
        left: "0",
        pointerEvents: "none",
      });
    });
    plot.querySelectorAll(".main-svg .draglayer").forEach((layer) => {
      layer.style.pointerEvents = "all";
    });
  }

  /* Clicks open the council's page. Plotly adds `on` to the div at its first drawing. */
  function listen(plot) {
    plot.on("plotly_click", (event) => {
      const meta = event.points.length ? event.points[0].data.meta : null;
      if (meta && meta.url) {
        window.location.assign(meta.url);
      }
    });
    // A pointer over councils that open a page (plotly's own cursor rules live in a stylesheet
    // it injects, which a Content-Security-Policy may block).
    plot.on("plotly_hover", (event) => {
      const target = plot.querySelector(".nsewdrag");
      if (target && event.points.length && event.points[0].data.meta) {
        target.style.cursor = "pointer";
      }
    });
    plot.on("plotly_unhover", () => {
      const target = plot.querySelector(".nsewdrag");
      if (target) {
        target.style.cursor = "";
      }
    });
  }

  /* plotly.js (a third of a megabyte) is fetched once the page has loaded: until then the map
     drawn on the server shows, and the page's first load stays small. */
  function withPlotly(url) {
    if (window.Plotly) {
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = url;
      script.addEventListener("load", resolve);
      script.addEventListener("error", reject);
      document.head.append(script);
    });
  }

  function start() {
    const maps = document.querySelectorAll(".council-map[data-geometry-url]");
    if (maps.length) {
      // Without plotly.js the map drawn on the server stays, links and all.
      withPlotly(maps[0].dataset.plotlyUrl).then(() => maps.forEach(setUp), () => null);
    }
  }

  if (document.readyState === "complete") {
    start();
  } else {
    window.addEventListener("load", start);
  }
})();
