/* The council map on the home page, drawn with plotly.js (the global `Plotly`, served by us):
 * its controls and set-up. map_drawing.js (traces, colours, legend) and map_areas.js (the
 * areas and hexagons) come first, in that order, and share `window.CouncilMap` with this.
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
 *           data-plotly-url="/static/…/plotly-basic.min.js"  fetched after the page's load,
 *           data-plotly-css-url="/static/…/plotly.css"        with plotly's global rules
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

  const {
    LOWER_TIER,
    UPPER_TIER,
    fetchJson,
    geoAreas,
    hexAreas,
    hexOverlays,
    fitHexLabels,
    drawLegend,
    traces,
    layout,
  } = window.CouncilMap;

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

  /* The view, layer and colouring to draw first: the URL's, else the data island's. */
  function initialState(data) {
    return {
      view: urlChoice("view", ["geo", "hex"]) || (data.view === "hex" ? "hex" : "geo"),
      layer: urlChoice("layer", [LOWER_TIER, UPPER_TIER]) || defaultLayer(data),
      colourBy:
        urlChoice("colour", ["value", "verdict"]) ||
        (data.colour_by === "verdict" ? "verdict" : "value"),
    };
  }

  function areasFor(container, state) {
    return state.view === "hex"
      ? hexAreas(container, state.layer)
      : geoAreas(container, state.layer);
  }

  function setUp(container, data, state) {
    if (!window.Plotly) {
      return;
    }
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
      const areas = areasFor(container, state);
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

  /* plotly.js (a third of a megabyte) and its stylesheet are fetched once the page has loaded:
     until then the map drawn on the server shows, and the page's first load stays small. The
     stylesheet goes in first, with the id and class plotly.js looks for before it would add a
     <style> element of its own (which the Content-Security-Policy blocks). */
  function withPlotly(container) {
    if (window.Plotly) {
      return Promise.resolve();
    }
    const loaded = (element) =>
      new Promise((resolve, reject) => {
        element.addEventListener("load", resolve);
        element.addEventListener("error", reject);
        document.head.append(element);
      });
    const waits = [];
    if (!document.getElementById("plotly.js-style-global")) {
      const stylesheet = document.createElement("link");
      stylesheet.id = "plotly.js-style-global";
      stylesheet.className = "no-inline-styles";
      stylesheet.rel = "stylesheet";
      stylesheet.href = container.dataset.plotlyCssUrl;
      waits.push(loaded(stylesheet));
    }
    const script = document.createElement("script");
    script.src = container.dataset.plotlyUrl;
    waits.push(loaded(script));
    return Promise.all(waits);
  }

  function start() {
    const maps = [];
    document.querySelectorAll(".council-map[data-geometry-url]").forEach((container) => {
      const data = readIsland(container);
      if (data && Array.isArray(data.councils)) {
        const state = initialState(data);
        // The first view's areas come alongside plotly.js, not after it (kept for its drawing;
        // on a failure that drawing fetches them again).
        areasFor(container, state).catch(() => null);
        maps.push([container, data, state]);
      }
    });
    if (maps.length) {
      // Without plotly.js the map drawn on the server stays, links and all.
      withPlotly(maps[0][0]).then(
        () => maps.forEach((map) => setUp(...map)),
        () => null,
      );
    }
  }

  if (document.readyState === "complete") {
    start();
  } else {
    window.addEventListener("load", start);
  }
})();
