/* The council map (map.js): the areas to draw, from the boundaries' GeoJSON or the hex layouts,
 * fetched from our own /map/ URLs once a view needs them; the hex view's labels and London block.
 * Needs map_drawing.js (its STYLE) first. */
(function () {
  "use strict";

  const CouncilMap = (window.CouncilMap = window.CouncilMap || {});
  const STYLE = CouncilMap.STYLE;
  const LOWER_TIER = "lower_tier";
  const UPPER_TIER = "upper_tier";
  // A plate carrée squeezed by cos(latitude) at England's middle: shapes within a few per cent.
  const X_SCALE = Math.cos((52.6 * Math.PI) / 180);

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

  Object.assign(CouncilMap, {
    LOWER_TIER,
    UPPER_TIER,
    fetchJson,
    geoAreas,
    hexAreas,
    hexOverlays,
    fitHexLabels,
  });
})();
