/* safespaces: the Map page's map, drawn and restyled in the browser.
 *
 * A Streamlit component (API version 1, spoken directly through postMessage). The
 * server sends small arguments at every script run (texts, legend classes, weights,
 * the selected feature, a district to fit); the data (geometry, the 24 hourly eyes
 * values, the score inputs, classes, the basemap) is one JSON document fetched once from
 * the component's folder and cached by the browser. Hour, layer and basemap changes
 * restyle the map here, with no message to the server; zoom, pan, hour, layers and the
 * selection are kept in this frame (and in sessionStorage, across visits of the page).
 * A click on a feature highlights it and sends {kind, id, hour, n} to the server, which
 * opens its panel. Text from the data is always set as text (never as HTML).
 */
(function () {
  "use strict";

  // ---- Streamlit component protocol (v1) ---------------------------------------------
  function send(type, data) {
    window.parent.postMessage(Object.assign({ isStreamlitMessage: true, type: type }, data), "*");
  }
  const Streamlit = {
    ready: () => send("streamlit:componentReady", { apiVersion: 1 }),
    height: (h) => send("streamlit:setFrameHeight", { height: h }),
    value: (v) => send("streamlit:setComponentValue", { value: v, dataType: "json" }),
  };

  // Leaflet focuses the map on mousedown, which in a frame makes the page scroll the frame
  // into view: the first click then lands elsewhere. Focus without scrolling.
  L.Map.Keyboard.prototype._onMouseDown = function () {
    if (!this._focused) this._map._container.focus({ preventScroll: true });
  };

  // Leaflet 1.9 opens a feature's tooltip when the feature gets the focus, with a focus
  // listener on its SVG path; in Chromium that listener alone makes the path a tab stop, so
  // the keyboard went through every street (5,000 on the default) before the first control.
  // Features are chosen with the map's search instead (and tooltips still open on hover).
  L.Layer.prototype._addFocusListenersOnLayer = function () {};

  const HOURS = 24;
  const REPORT_DELAY_MS = 800;    // a settled view is reported this long after the last change
  const FAMILIES = ["light", "eyes", "mix", "incidents"];
  const state = {
    hour: 22, street: "eyes", area: "none", dark: true, basemap: true,
    selected: null, clicks: 0, fitKey: null,
  };
  let args = null, doc = null, map = null, docUrl = null, storageKey = null;
  let lastText = "", lastStyles = "", lastWeights = "", lastView = "", lastSelected = "";
  let lastHeight = 0;
  const groups = {};              // layer groups: base, labels, areas, streets, dark, selection
  const features = { segment: [], area: [], dark: [] };   // Leaflet layers by index
  const indexOf = { segment: new Map(), area: new Map(), dark: new Map() };
  const colours = { segment: [], area: [], dark: [] };    // current colour per feature
  const ui = {};
  let playing = null;
  const timings = [];
  const counters = { restyles: 0 };
  // when the frame's code started, the document arrived, the features were made, the map drawn
  const startup = { code: performance.now() };

  // ---- helpers -----------------------------------------------------------------------
  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      e.setAttribute(k, v === true ? "" : String(v));
    }
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function fmt(template, values) {
    return String(template).replace(/\{(\w+)\}/g, (m, k) => (k in values ? String(values[k]) : m));
  }
  function hh(h) { return (h < 10 ? "0" : "") + h; }
  function tx(key, values) {
    const t = (args && args.text && args.text[key]) || key;
    return values ? fmt(t, values) : t;
  }
  function decodePart(part) {
    const out = new Array(part.length / 2);
    let x = 0, y = 0;
    for (let i = 0, j = 0; i < part.length; i += 2, j++) {
      x += part[i]; y += part[i + 1];
      out[j] = [y / 1e5, x / 1e5];
    }
    return out;
  }
  function decodeLines(parts) { return parts.map(decodePart); }
  function decodePolygons(polys) { return polys.map((rings) => rings.map(decodePart)); }
  // src: the document a feature comes from (the map's own, or a tile's of a tiled one)
  function nameOf(ref, src) { return ref === null || ref === undefined ? "" : (src || doc).names[ref]; }
  function scaled(v, scale) { return v === null || v === undefined ? null : v / scale; }

  // ---- classes and colours (the catalogue's, sent by the server) -------------------
  function graduated(style, v) {
    if (v === null || v === undefined || Number.isNaN(v)) return null;
    const classes = style.classes;
    for (let i = 0; i < classes.length; i++) {
      const c = classes[i];
      if ((i === 0 ? v >= c[0] : v > c[0]) && v <= c[1]) return i;
    }
    return null;
  }
  function graduatedColour(style, v) {
    const i = graduated(style, v);
    return i === null ? style.nodata[0] : style.classes[i][2];
  }
  function categoryColour(style, value) {
    if (value === null || value === undefined) return style.other[0];
    const hit = style.categories[value];
    return hit ? hit[0] : style.other[0];
  }
  function weightsZero() {
    const w = (args && args.weights) || {};
    return FAMILIES.every((f) => !(Number(w[f]) > 0));
  }
  // The composite: weighted mean of the family scores a feature has (safespaces.indices.composite).
  function score(i, src) {
    src = src || doc;
    const w = args.weights || {};
    const s = src.segments.scores;
    let total = 0, norm = 0;
    for (const f of FAMILIES) {
      const wf = Number(w[f]) || 0;
      const v = s[f] ? s[f][i] : null;
      if (wf <= 0 || v === null || v === undefined) continue;
      total += wf * (v / src.value_scale); norm += wf;
    }
    return norm > 0 ? Math.round((total / norm) * 10) / 10 : null;
  }
  function eyes(i, hour, src) { src = src || doc; return scaled(src.segments.eyes[hour][i], src.value_scale); }
  function segmentValue(i, src) {
    src = src || doc;
    if (state.street === "eyes") return eyes(i, state.hour, src);
    if (state.street === "score") return score(i, src);
    if (state.street === "lighting") {
      const c = src.segments.light[i];
      return c === null ? null : src.segments.light_classes[c];
    }
    return null;
  }
  function segmentColour(i, src) {
    const st = args.styles;
    if (state.street === "eyes") return graduatedColour(st.eyes, eyes(i, state.hour, src));
    if (state.street === "score") return graduatedColour(st.score, score(i, src));
    if (state.street === "lighting") return categoryColour(st.lighting, segmentValue(i, src));
    return "#000000";
  }
  function areaValue(i) {
    const a = doc.areas;
    if (state.area === "mix") return a.mix_suppressed[i] ? null : scaled(a.mix[i], doc.mix_scale);
    if (state.area === "hotspots" && a.hot) {
      return a.hot_suppressed[i] || a.hot[i] === null ? null : a.hot_classes[a.hot[i]];
    }
    return null;
  }
  function areaColour(i) {
    const a = doc.areas, st = args.styles;
    if (state.area === "mix") {
      if (a.mix_suppressed[i]) return st.mix.suppressed[0];
      return graduatedColour(st.mix, scaled(a.mix[i], doc.mix_scale));
    }
    if (state.area === "hotspots") {
      if (!a.hot || a.hot_suppressed[i]) return st.hotspots.other[0];
      return categoryColour(st.hotspots, areaValue(i));
    }
    return "#000000";
  }
  function darkColour(i, src) {
    const d = (src || doc).dark, c = d.evidence[i];
    return categoryColour(args.styles.dark, c === null ? null : d.evidence_classes[c]);
  }

  // ---- drawing ---------------------------------------------------------------------
  function pane(name, z, interactive) {
    const p = map.createPane(name);
    p.style.zIndex = String(z);
    if (!interactive) p.style.pointerEvents = "none";
    return p;
  }

  function tooltipFor(kind, i, src) {
    src = src || doc;
    return function () {
      const box = el("div", { class: "ss-tip" });
      let title = "", value = "";
      if (kind === "segment") {
        title = nameOf(src.segments.name[i], src) || tx("segment") + " " + src.segments.ids[i];
        const v = segmentValue(i, src);
        if (state.street === "eyes") value = tx("layer_eyes", { hour: hh(state.hour) }) + ": " + (v === null ? tx("no_data") : v.toFixed(1));
        else if (state.street === "score") value = tx("layer_score") + ": " + (v === null ? tx("no_data") : v.toFixed(1));
        else if (state.street === "lighting") value = tx("layer_lighting") + ": " + (v === null ? tx("no_data") : v);
      } else if (kind === "area") {
        title = nameOf(doc.areas.name[i]) || tx("area") + " " + doc.areas.ids[i];
        const v = areaValue(i);
        if (state.area === "mix") value = tx("layer_mix") + ": " + (doc.areas.mix_suppressed[i] ? tx("suppressed_mix") : v === null ? tx("no_data") : v.toFixed(2));
        else if (state.area === "hotspots") value = tx("layer_hotspots") + ": " + (v === null ? tx("suppressed_or_no_data") : v);
      } else {
        const d = src.dark, space = nameOf(d.name[i], src);
        title = tx("dark_path") + " " + d.ids[i] + (space ? ": " + space : "");
        const c = d.evidence[i];
        value = c === null ? "" : d.evidence_classes[c];
      }
      box.appendChild(el("b", {}, title));
      if (value) { box.appendChild(el("br")); box.appendChild(document.createTextNode(value)); }
      return box;
    };
  }

  // ---- reports to the page: the clicked feature (at once) and the view (once settled) ----
  let lastReport = null, reportTimer = null;
  function viewNow() {
    const c = map.getCenter();
    return {
      hour: state.hour, street: state.street, area: state.area, dark: state.dark,
      center: [Math.round(c.lat * 1e5) / 1e5, Math.round(c.lng * 1e5) / 1e5],
      zoom: Math.round(map.getZoom() * 100) / 100,
      // the view's lon/lat bounds, for a print of what the user sees
      bounds: map.getBounds().toBBoxString().split(",").map((v) => Math.round(Number(v) * 1e5) / 1e5),
    };
  }
  function reportValue() {
    const sel = state.selected;
    return { kind: sel ? sel.kind : null, id: sel ? sel.id : null, hour: state.hour, n: state.clicks, view: viewNow() };
  }
  // the view the map opened with is the page's own (its URL): only a change is reported, so
  // a user who leaves the page right after it opened never gets a rerun of the page they left
  function settleOpeningView() {
    clearTimeout(reportTimer);
    reportTimer = null;
    lastReport = JSON.stringify(reportValue());
  }
  function report(now) {
    clearTimeout(reportTimer);
    reportTimer = null;
    if (!map) return;
    const value = reportValue();
    const text = JSON.stringify(value);
    if (!now && text === lastReport) return;
    lastReport = text;
    Streamlit.value(value);
  }
  // the view goes to the page (and its URL) once it has settled: a pan, a zoom, a new
  // hour or layer reruns the page's script at most once per settled view, never while
  // the night plays
  function reportSoon() {
    clearTimeout(reportTimer);
    reportTimer = playing ? null : setTimeout(() => report(false), REPORT_DELAY_MS);
  }

  function onFeatureClick(kind, i, ev, src) {
    L.DomEvent.stopPropagation(ev);
    const id = (src || doc)[kind === "segment" ? "segments" : kind === "area" ? "areas" : "dark"].ids[i];
    select({ kind: kind, id: id });
    state.clicks += 1;
    save();
    report(true);
  }

  function drawData() {
    const base = L.svg({ pane: "ss-base" });
    groups.base = L.layerGroup();
    const bm = doc.basemap || {};
    for (const g of bm.green || []) {
      L.polygon(decodePolygons(g), {
        renderer: base, pane: "ss-base", interactive: false, stroke: false,
        fillColor: "#cfe5c4", fillOpacity: 1,
      }).addTo(groups.base);
    }
    drawWater(base);
    for (const g of bm.buildings || []) {
      L.polygon(decodePolygons(g), {
        renderer: base, pane: "ss-base", interactive: false, color: "#c9c5bd", weight: 0.5,
        fillColor: "#dedad3", fillOpacity: 1,
      }).addTo(groups.base);
    }
    groups.labels = L.layerGroup();
    for (const [x, y, angle, ref] of bm.labels || []) {
      const label = el("span", { class: "ss-label-text", style: "transform: translate(-50%, -50%) rotate(" + angle + "deg)" }, nameOf(ref));
      L.marker([y, x], {
        pane: "ss-labels", interactive: false, keyboard: false,
        icon: L.divIcon({ className: "ss-label", html: label, iconSize: null }),
      }).addTo(groups.labels);
    }

    const areas = L.svg({ pane: "ss-areas" });
    groups.areas = L.layerGroup();
    if (doc.areas) {
      doc.areas.geom.forEach((g, i) => {
        const layer = L.polygon(decodePolygons(g), {
          renderer: areas, pane: "ss-areas", color: "#ffffff", weight: 1, opacity: 0.9,
          fillColor: "#000000", fillOpacity: 0.6, className: "ss-area",
        });
        layer.on("click", (e) => onFeatureClick("area", i, e));
        layer.bindTooltip(tooltipFor("area", i), { sticky: true });
        layer.addTo(groups.areas);
        features.area[i] = layer;
        indexOf.area.set(doc.areas.ids[i], i);
      });
    }

    const streets = overviewRenderer() || L.svg({ pane: "ss-streets" });
    groups.streets = L.layerGroup();
    doc.segments.geom.forEach((g, i) => {
      const layer = L.polyline(decodeLines(g), {
        renderer: streets, pane: "ss-streets", color: "#000000", weight: streets instanceof L.Canvas ? 2.5 : 4,
        opacity: 0.95, lineCap: "round", className: "ss-segment",
      });
      layer.on("click", (e) => onFeatureClick("segment", i, e));
      layer.bindTooltip(tooltipFor("segment", i), { sticky: true });
      layer.addTo(groups.streets);
      features.segment[i] = layer;
      indexOf.segment.set(doc.segments.ids[i], i);
    });

    const dark = L.svg({ pane: "ss-dark" });
    groups.dark = L.layerGroup();
    groups.darkCasing = L.layerGroup();
    if (doc.dark) {
      doc.dark.geom.forEach((g, i) => {
        const latlngs = decodeLines(g);
        L.polyline(latlngs, {
          renderer: dark, pane: "ss-dark", color: "#ffffff", weight: 9, opacity: 0.9,
          interactive: false, className: "ss-dark-casing",
        }).addTo(groups.dark);
        const layer = L.polyline(latlngs, {
          renderer: dark, pane: "ss-dark", color: "#000000", weight: 6, opacity: 1,
          className: "ss-dark",
        });
        layer.on("click", (e) => onFeatureClick("dark", i, e));
        layer.bindTooltip(tooltipFor("dark", i), { sticky: true });
        layer.addTo(groups.dark);
        features.dark[i] = layer;
        indexOf.dark.set(doc.dark.ids[i], i);
      });
    }
    groups.selection = L.layerGroup().addTo(map);
  }

  // ---- water (the basemap's lakes, ponds, rivers and basins: under the buildings) --------
  function waterColour() {
    return (args && args.styles && args.styles.basemap && args.styles.basemap.water) || "#aad3df";
  }
  function drawWater(renderer) {
    const bm = doc.basemap || {};
    for (const g of bm.water || []) {
      L.polygon(decodePolygons(g), {
        renderer: renderer, pane: "ss-base", interactive: false, stroke: false,
        fillColor: waterColour(), fillOpacity: 1, className: "ss-water",
      }).addTo(groups.base);
    }
  }

  function setColour(layer, colour, fill) {
    layer.options.color = fill ? layer.options.color : colour;
    if (fill) layer.options.fillColor = colour;
    const path = layer._path;
    if (path) path.setAttribute(fill ? "fill" : "stroke", colour);
    else if (layer._renderer && layer._renderer._ctx) repaint(layer._renderer);  // a canvas
  }
  // a canvas is painted again once per frame, whole (not once per recoloured feature)
  function repaint(renderer) {
    if (renderer._ssPending) return;
    renderer._ssPending = true;
    requestAnimationFrame(() => {
      renderer._ssPending = false;
      renderer._redrawBounds = null;
      if (renderer._map) renderer._redraw();
    });
  }

  function restyleStreets() {
    restyleTiles("segment");
    if (!overviewShown()) return;  // a tiled map zoomed in: the overview is restyled when shown
    const n = features.segment.length;
    for (let i = 0; i < n; i++) {
      const c = segmentColour(i);
      if (c !== colours.segment[i]) { colours.segment[i] = c; setColour(features.segment[i], c, false); }
    }
  }
  function restyleAreas() {
    const n = features.area.length;
    for (let i = 0; i < n; i++) {
      const c = areaColour(i);
      if (c !== colours.area[i]) { colours.area[i] = c; setColour(features.area[i], c, true); }
    }
  }
  function restyleDark() {
    restyleTiles("dark");
    if (!overviewShown()) return;
    const n = features.dark.length;
    for (let i = 0; i < n; i++) {
      const c = darkColour(i);
      if (c !== colours.dark[i]) { colours.dark[i] = c; setColour(features.dark[i], c, false); }
    }
  }
  function show(group, on) {
    if (!group) return;
    if (on && !map.hasLayer(group)) group.addTo(map);
    if (!on && map.hasLayer(group)) map.removeLayer(group);
  }

  function redraw() {
    show(groups.base, state.basemap);
    show(groups.labels, state.basemap && map.getZoom() >= 16.5);
    show(groups.areas, state.area !== "none" && !!doc.areas);
    show(groups.streets, state.street !== "none" && overviewShown());
    show(groups.dark, state.dark && !!doc.dark && overviewShown());
    showTiles();
    if (state.street !== "none") restyleStreets();
    if (state.area !== "none" && doc.areas) restyleAreas();
    if (state.dark && doc.dark) restyleDark();
    drawSelection();
    renderLegend();
    renderNotices();
    renderHour();
    counters.restyles += 1;
    document.body.dataset.hour = String(state.hour);
    document.body.dataset.street = state.street;
    document.body.dataset.restyles = String(counters.restyles);
  }

  // ---- selection ---------------------------------------------------------------------
  function selectedLayer() {
    const s = state.selected;
    if (!s || !doc) return null;
    if (!overviewShown()) { const hit = tileFeature(s.kind, s.id); if (hit) return hit; }
    const i = indexOf[s.kind] ? indexOf[s.kind].get(s.id) : undefined;
    return i === undefined ? tileFeature(s.kind, s.id) : { kind: s.kind, i: i, layer: features[s.kind][i] };
  }
  function select(sel) {
    state.selected = sel && sel.kind ? { kind: sel.kind, id: sel.id } : null;
    drawSelection();
    document.body.dataset.selected = state.selected ? state.selected.kind + ":" + state.selected.id : "";
  }
  function drawSelection() {
    if (!groups.selection) return;
    groups.selection.clearLayers();
    const hit = selectedLayer();
    if (!hit) return;
    const opts = { pane: "ss-selection", interactive: false };
    if (hit.kind === "area") {
      L.polygon(hit.layer.getLatLngs(), Object.assign({ color: "#000000", weight: 4, fill: false, className: "ss-selected" }, opts)).addTo(groups.selection);
      L.polygon(hit.layer.getLatLngs(), Object.assign({ color: "#ffffff", weight: 1.5, fill: false, dashArray: "4 4" }, opts)).addTo(groups.selection);
      return;
    }
    const colour = hit.kind === "dark" ? darkColour(hit.i, hit.src) : (state.street === "none" ? "#ffffff" : segmentColour(hit.i, hit.src));
    L.polyline(hit.layer.getLatLngs(), Object.assign({ color: "#000000", weight: 12, opacity: 1, lineCap: "round" }, opts)).addTo(groups.selection);
    L.polyline(hit.layer.getLatLngs(), Object.assign({ color: "#ffffff", weight: 8, opacity: 1, lineCap: "round" }, opts)).addTo(groups.selection);
    L.polyline(hit.layer.getLatLngs(), Object.assign({ color: colour, weight: 5, opacity: 1, lineCap: "round", className: "ss-selected" }, opts)).addTo(groups.selection);
  }

  // ---- controls ----------------------------------------------------------------------
  function stop(container) {
    L.DomEvent.disableClickPropagation(container);
    L.DomEvent.disableScrollPropagation(container);
  }

  const LayersControl = L.Control.extend({
    options: { position: "topleft" },
    onAdd: function () {
      const box = el("form", { class: "ss-box ss-layers", "aria-label": "layers" });
      stop(box);
      ui.layers = box;
      // open by default on a wide map; a button folds it away
      ui.layersOpen = map.getSize().x >= 600;
      box.addEventListener("change", (e) => {
        const t = e.target;
        if (t.name === "street") state.street = t.value;
        else if (t.name === "area") state.area = t.value;
        else if (t.name === "dark") state.dark = t.checked;
        else if (t.name === "basemap") state.basemap = t.checked;
        save();
        redraw();
      });
      return box;
    },
  });
  function renderLayers() {
    const box = ui.layers;
    box.replaceChildren();
    box.setAttribute("aria-label", tx("layers"));
    const toggle = el("button", { type: "button", class: "ss-toggle", "aria-expanded": ui.layersOpen ? "true" : "false" }, tx("layers"));
    toggle.addEventListener("click", () => { ui.layersOpen = !ui.layersOpen; renderLayers(); keepFocus(ui.layers, ".ss-toggle"); });
    box.appendChild(toggle);
    box.classList.toggle("ss-closed", !ui.layersOpen);
    function group(name, legend, options) {
      const fs = el("fieldset", {});
      fs.appendChild(el("legend", {}, legend));
      for (const [value, label, enabled] of options) {
        const id = "ss-" + name + "-" + value;
        const row = el("div", {});
        const input = el("input", { type: "radio", name: name, value: value, id: id, disabled: !enabled });
        input.checked = state[name] === value;
        row.appendChild(input);
        row.appendChild(el("label", { for: id }, label));
        fs.appendChild(row);
      }
      box.appendChild(fs);
    }
    group("street", tx("streets"), [
      ["eyes", tx("layer_eyes", { hour: hh(state.hour) }), true],
      ["lighting", tx("layer_lighting"), true],
      ["score", tx("layer_score"), true],
      ["none", tx("none"), true],
    ]);
    const hasAreas = !!doc.areas, hasHot = hasAreas && !!doc.areas.hot;
    group("area", tx("areas"), [
      ["mix", tx("layer_mix"), hasAreas],
      ["hotspots", tx("layer_hotspots"), hasHot],
      ["none", tx("none"), true],
    ]);
    const fs = el("fieldset", {});
    fs.appendChild(el("legend", {}, tx("overlays")));
    for (const [name, label, enabled] of [["dark", tx("layer_dark"), !!doc.dark], ["basemap", tx("basemap"), true]]) {
      const row = el("div", {});
      const input = el("input", { type: "checkbox", name: name, id: "ss-" + name, disabled: !enabled });
      input.checked = !!state[name];
      row.appendChild(input);
      row.appendChild(el("label", { for: "ss-" + name }, label));
      fs.appendChild(row);
    }
    box.appendChild(fs);
  }

  const HourControl = L.Control.extend({
    options: { position: "bottomleft" },
    onAdd: function () {
      const box = el("div", { class: "ss-box ss-hour" });
      stop(box);
      const play = el("button", { type: "button", class: "ss-play" });
      const range = el("input", { type: "range", min: 0, max: HOURS - 1, step: 1, id: "ss-hour" });
      const label = el("label", { for: "ss-hour", class: "ss-hour-label" });
      const out = el("output", { for: "ss-hour", class: "ss-hour-value", "aria-live": "polite" });
      box.append(play, label, range, out);
      range.addEventListener("input", (e) => setHour(Number(range.value), e.timeStamp));
      play.addEventListener("click", () => togglePlay());
      ui.hour = { box, play, range, label, out };
      return box;
    },
  });
  function renderHour() {
    const h = ui.hour;
    if (!h) return;
    if (Number(h.range.value) !== state.hour) h.range.value = String(state.hour);
    h.label.textContent = tx("hour");
    h.range.setAttribute("aria-label", tx("hour"));
    h.range.setAttribute("aria-valuetext", hh(state.hour) + ":00");
    h.out.textContent = hh(state.hour) + ":00";
    h.play.textContent = playing ? "❚❚" : "▶";
    h.play.setAttribute("aria-label", playing ? tx("pause") : tx("play"));
    h.play.title = playing ? tx("pause") : tx("play");
    h.box.classList.toggle("ss-dim", state.street !== "eyes");
  }
  function setHour(hour, t0) {
    state.hour = ((hour % HOURS) + HOURS) % HOURS;
    if (state.street === "eyes") restyleStreets();
    drawSelection();
    renderLegend();
    renderHour();
    const label = document.querySelector('label[for="ss-street-eyes"]');
    if (label) label.textContent = tx("layer_eyes", { hour: hh(state.hour) });
    counters.restyles += 1;
    document.body.dataset.hour = String(state.hour);
    document.body.dataset.restyles = String(counters.restyles);
    save();
    if (t0 !== undefined) {
      // time from the input event to the frame after the restyle (the map is painted)
      requestAnimationFrame(() => setTimeout(() => {
        timings.push(performance.now() - t0);
        document.body.dataset.drawnHour = String(state.hour);
      }, 0));
    } else {
      document.body.dataset.drawnHour = String(state.hour);
    }
  }
  function togglePlay() {
    if (playing) { clearInterval(playing); playing = null; renderHour(); reportSoon(); return; }
    if (state.street !== "eyes") { state.street = "eyes"; renderLayers(); redraw(); }
    playing = setInterval(() => setHour(state.hour + 1), 900);
    renderHour();
  }

  const LegendControl = L.Control.extend({
    options: { position: "topright" },
    onAdd: function () {
      const box = el("div", { class: "ss-box ss-legend", role: "group" });
      stop(box);
      ui.legend = box;
      return box;
    },
  });
  function legendBlock(title, rows, polygon) {
    const block = el("div", { class: "ss-legend-block" });
    block.appendChild(el("div", { class: "ss-legend-title" }, title));
    for (const [colour, label, extra] of rows) {
      const row = el("div", { class: "ss-legend-row" });
      const sw = el("span", { class: polygon ? "ss-swatch ss-swatch-fill" : "ss-swatch", style: "background:" + colour + (extra || "") });
      row.append(sw, el("span", {}, label));
      block.appendChild(row);
    }
    return block;
  }
  // the legend's fold button (a narrow map keeps more of itself in view when it is folded)
  function renderLegendToggle(box) {
    if (ui.legendOpen === undefined) ui.legendOpen = true;
    const toggle = el("button", { type: "button", class: "ss-toggle ss-legend-toggle", "aria-expanded": ui.legendOpen ? "true" : "false" }, tx("legend"));
    toggle.addEventListener("click", () => {
      ui.legendOpen = !ui.legendOpen;
      renderLegend();
      keepFocus(ui.legend, ".ss-legend-toggle");
    });
    box.appendChild(toggle);
    box.classList.toggle("ss-closed", !ui.legendOpen);
  }
  function graduatedRows(style) { return style.classes.map((c) => [c[2], c[3]]); }
  function categoryRows(style) {
    const rows = style.order.map((v) => style.categories[v]);
    return style.other_in_legend === false ? rows : rows.concat([style.other]);
  }
  function renderLegend() {
    const box = ui.legend;
    if (!box || !args) return;
    box.replaceChildren();
    box.setAttribute("aria-label", tx("legend"));
    renderLegendToggle(box);
    const st = args.styles;
    if (state.street === "eyes") box.appendChild(legendBlock(tx("layer_eyes", { hour: hh(state.hour) }), graduatedRows(st.eyes).reverse().concat([st.eyes.nodata]), false));
    if (state.street === "score") box.appendChild(legendBlock(tx("layer_score"), graduatedRows(st.score).reverse().concat([st.score.nodata]), false));
    if (state.street === "lighting") box.appendChild(legendBlock(tx("layer_lighting"), categoryRows(st.lighting), false));
    if (state.dark && doc.dark) box.appendChild(legendBlock(tx("layer_dark"), categoryRows(st.dark), false));
    if (state.area === "mix") box.appendChild(legendBlock(tx("layer_mix"), graduatedRows(st.mix).reverse().concat([st.mix.suppressed, st.mix.nodata]), true));
    if (state.area === "hotspots") box.appendChild(legendBlock(tx("layer_hotspots"), categoryRows(st.hotspots), true));
  }

  function renderNotices() {
    const zero = state.street === "score" && weightsZero();
    ui.notice.hidden = !zero;
    ui.notice.textContent = zero ? tx("weights_zero") : "";
  }

  function renderWatermark() {
    const synthetic = (args.synthetic || []).length > 0;
    ui.watermark.hidden = !synthetic;
    ui.badge.hidden = !synthetic;
    ui.watermark.textContent = synthetic ? tx("synthetic_mark") : "";
    const names = args.synthetic_names || args.synthetic;
    ui.badge.textContent = synthetic ? tx("synthetic_note", { layers: names.join(", ") }) : "";
  }

  // ---- search: streets, districts, areas, parks and water by name (offline) -------------
  // The names come from the map's document; a street is all the segments of its name. Typing
  // lists matches (prefix first, then within; case and accents ignored: "mannerh" finds
  // Mannerheimintie, "toolo" Töölö); arrow keys move in the list, Enter picks (the first
  // match when none is chosen), Escape closes the list, then clears the search. A pick zooms
  // to the place and highlights it; a street or an area is also selected (its panel opens).
  const SEARCH_KINDS = ["street", "district", "area", "park", "water"];
  const SEARCH_LIMIT = 8;
  let searchIndex = null;
  let found = null;                 // the picked entry, highlighted on the map
  function normalise(text) {
    return String(text).normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  }
  function buildSearchIndex() {
    const entries = new Map();
    const add = (kind, ref, i) => {
      if (ref === null || ref === undefined) return;
      const key = kind + ":" + ref;
      let e = entries.get(key);
      if (!e) {
        e = { kind: kind, ref: ref, name: doc.names[ref], norm: normalise(doc.names[ref]), items: [] };
        entries.set(key, e);
      }
      e.items.push(i);
    };
    if (streetSearch) {
      // a whole city: every named street from the search file (the overview's main streets
      // would be a second, partial entry); items are not on the map yet (see foundShapes)
      const s = streetSearch;
      s.id.forEach((id, k) => {
        const name = s.names[s.name[k]], where = s.district[k] === null ? "" : s.names[s.district[k]];
        entries.set("street:" + k, {
          kind: "street", ref: null, name: name, norm: normalise(name), items: [],
          tiled: { id: id, n: s.n[k], bbox: s.bbox[k], where: where },
        });
      });
    } else {
      doc.segments.name.forEach((ref, i) => add("street", ref, i));
    }
    if (doc.areas) {
      (doc.areas.district || []).forEach((ref, i) => add("district", ref, i));
      doc.areas.name.forEach((ref, i) => add("area", ref, i));
    }
    const bm = doc.basemap || {};
    (bm.green_name || []).forEach((ref, i) => add("park", ref, i));
    (bm.water_name || []).forEach((ref, i) => add("water", ref, i));
    // an area that is its own district (the user's areas) is listed once, as the area
    for (const [key, e] of entries) {
      if (e.kind !== "district") continue;
      const area = entries.get("area:" + e.ref);
      if (area && area.items.length === e.items.length) entries.delete(key);
    }
    return [...entries.values()];
  }
  function searchMatches(query) {
    const q = normalise(query);
    if (!q) return [];
    loadStreetSearch();  // a whole city's streets: the list is renewed when they arrive
    if (!searchIndex) searchIndex = buildSearchIndex();
    const hits = [];
    for (const e of searchIndex) {
      let rank;
      if (e.norm.startsWith(q)) rank = 0;
      else if (e.norm.split(/[\s\-/]+/).some((w) => w.startsWith(q))) rank = 1;
      else if (e.norm.includes(q)) rank = 2;
      else continue;
      hits.push([rank, SEARCH_KINDS.indexOf(e.kind), e]);
    }
    hits.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2].name.localeCompare(b[2].name));
    return hits.slice(0, SEARCH_LIMIT).map((h) => h[2]);
  }
  // A whole city's search holds every named street (the overview the main ones only): its
  // file is fetched once, when the search is first used.
  let streetSearch = null, streetSearchState = "none";   // none, loading, ready, failed
  function loadStreetSearch() {
    if (!isTiled() || !doc.tiles.search || streetSearchState !== "none") return;
    streetSearchState = "loading";
    fetch(tileUrl(doc.tiles.search.file), { credentials: "same-origin" })
      .then((r) => { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then((d) => {
        streetSearch = d;
        streetSearchState = "ready";
        searchIndex = null;
        if (ui.search && ui.search.input.value) renderSearch();
      })
      .catch(() => { streetSearchState = "failed"; })
      .finally(() => { document.body.dataset.streetSearch = streetSearchState; });
  }
  function foundBounds(e) {
    if (e.tiled) {
      const b = e.tiled.bbox;
      return L.latLngBounds([b[1], b[0]], [b[3], b[2]]);
    }
    const b = L.latLngBounds([]);
    for (const latlngs of foundShapes(e)) b.extend(L.latLngBounds(latlngs.flat(2)));
    return b;
  }
  // lon/lat shapes of an entry: lines (streets) or polygons (the rest)
  function foundShapes(e) {
    if (e.tiled) {
      // the street's segments in the tiles loaded so far (drawn again as more arrive)
      const box = foundBounds(e), out = [];
      for (const t of tiles.values()) {
        if (!t.ready) continue;
        t.doc.segments.name.forEach((ref, i) => {
          if (ref === null || t.doc.names[ref] !== e.name) return;
          const layer = t.features.segment[i];
          if (box.intersects(layer.getBounds())) out.push(layer.getLatLngs());
        });
      }
      return out;
    }
    const bm = doc.basemap || {};
    if (e.kind === "street") return e.items.map((i) => features.segment[i].getLatLngs());
    if (e.kind === "district" || e.kind === "area") return e.items.map((i) => features.area[i].getLatLngs());
    if (e.kind === "park") return e.items.map((i) => decodePolygons(bm.green[i]));
    return e.items.map((i) => decodePolygons(bm.water[i]));
  }
  function drawFound() {
    if (!groups.found) return;
    groups.found.clearLayers();
    if (!found) { document.body.dataset.found = ""; return; }
    const opts = { interactive: false };
    if (found.kind === "street") {
      // one path for all the segments: a band of even shade under the street's colours
      const parts = foundShapes(found).flatMap((ll) => (Array.isArray(ll[0]) ? ll : [ll]));
      if (parts.length) L.polyline(parts, Object.assign({ pane: "ss-found", color: "#000000", weight: 14, opacity: 0.35, lineCap: "round", className: "ss-found" }, opts)).addTo(groups.found);
    } else {
      for (const latlngs of foundShapes(found)) {
        L.polygon(latlngs, Object.assign({ pane: "ss-selection", color: "#000000", weight: 3, fill: false, dashArray: "2 5", className: "ss-found" }, opts)).addTo(groups.found);
      }
    }
    document.body.dataset.found = found.kind + ":" + found.name;
  }
  // select a feature as a click does (its panel opens beside the map)
  function chooseFeature(kind, id) {
    select({ kind: kind, id: id });
    state.clicks += 1;
    save();
    report(true);
  }
  function pickSearchResult(e) {
    found = e;
    drawFound();
    const bounds = foundBounds(e);
    // keep the place clear of the legend at the right (at most 40 % of the map's width)
    const legend = ui.legend && ui.legendOpen ? ui.legend.offsetWidth + 20 : 0;
    const right = Math.min(legend, 0.4 * map.getSize().x);
    if (bounds.isValid()) {
      map.fitBounds(bounds, { maxZoom: 17.5, paddingTopLeft: [40, 60], paddingBottomRight: [40 + right, 60], animate: false });
      // a whole city's street is shown on its tiles (a long one from its middle)
      if (e.tiled && map.getZoom() < doc.tiles.min_zoom) map.setView(bounds.getCenter(), doc.tiles.min_zoom, { animate: false });
    }
    if (e.tiled) {
      chooseFeature("segment", e.tiled.id);  // its longest segment, as below
    } else if (e.kind === "street") {
      // the street's longest segment stands for it in the panel
      let best = e.items[0], longest = -1;
      for (const i of e.items) {
        const ll = features.segment[i].getLatLngs().flat();
        let len = 0;
        for (let k = 1; k < ll.length; k++) len += map.distance(ll[k - 1], ll[k]);
        if (len > longest) { longest = len; best = i; }
      }
      chooseFeature("segment", doc.segments.ids[best]);
    } else if (e.kind === "area" && doc.areas) {
      chooseFeature("area", doc.areas.ids[e.items[0]]);
    }
  }
  function clearFound() {
    found = null;
    drawFound();
  }

  const SearchControl = L.Control.extend({
    options: { position: "topright" },
    onAdd: function () {
      const box = el("div", { class: "ss-box ss-search", role: "search" });
      stop(box);
      const input = el("input", {
        type: "search", id: "ss-search", autocomplete: "off", spellcheck: "false",
        role: "combobox", "aria-autocomplete": "list", "aria-expanded": "false", "aria-controls": "ss-search-list",
      });
      const clear = el("button", { type: "button", class: "ss-search-clear", hidden: true }, "\u00d7");
      const list = el("ul", { id: "ss-search-list", role: "listbox", class: "ss-search-list", hidden: true });
      const status = el("div", { class: "ss-sr-only", role: "status", "aria-live": "polite" });
      box.append(input, clear, list, status);
      ui.search = { box, input, clear, list, status, results: [], active: -1 };
      input.addEventListener("input", () => { ui.search.active = -1; renderSearch(); });
      input.addEventListener("focus", loadStreetSearch);
      input.addEventListener("keydown", onSearchKey);
      input.addEventListener("blur", () => setTimeout(() => {
        if (!box.contains(document.activeElement)) closeSearchList();
      }, 150));
      clear.addEventListener("click", () => { input.value = ""; clearFound(); renderSearch(); input.focus(); });
      // mousedown, not click: it comes before the input's blur
      list.addEventListener("mousedown", (ev) => {
        const li = ev.target.closest("li[data-index]");
        if (!li) return;
        ev.preventDefault();
        pickFromList(Number(li.dataset.index));
      });
      return box;
    },
  });
  function renderSearchTexts() {
    const s = ui.search;
    if (!s) return;
    s.input.setAttribute("aria-label", tx("search"));
    s.input.placeholder = tx("search_placeholder");
    s.clear.setAttribute("aria-label", tx("search_clear"));
    s.clear.title = tx("search_clear");
    if (s.input.value) renderSearch();
  }
  function renderSearch() {
    const s = ui.search;
    const query = s.input.value;
    s.clear.hidden = !query;
    s.results = searchMatches(query);
    s.list.replaceChildren();
    if (!query.trim()) { closeSearchList(); s.status.textContent = ""; return; }
    if (!s.results.length) {
      s.list.appendChild(el("li", { class: "ss-search-none", "aria-disabled": "true" }, tx("search_none")));
    }
    s.results.forEach((e, i) => {
      const li = el("li", { id: "ss-opt-" + i, role: "option", "data-index": i, "aria-selected": i === s.active ? "true" : "false" });
      const kind = tx("kind_" + e.kind) + (e.tiled && e.tiled.where ? " \u00b7 " + e.tiled.where : "");
      li.append(el("span", { class: "ss-search-name" }, e.name), el("span", { class: "ss-search-kind" }, kind));
      s.list.appendChild(li);
    });
    s.list.hidden = false;
    s.input.setAttribute("aria-expanded", "true");
    if (s.active >= 0) s.input.setAttribute("aria-activedescendant", "ss-opt-" + s.active);
    else s.input.removeAttribute("aria-activedescendant");
    s.status.textContent = s.results.length ? tx("search_results", { n: s.results.length }) : tx("search_none");
  }
  function closeSearchList() {
    const s = ui.search;
    if (!s) return;
    s.list.hidden = true;
    s.active = -1;
    s.input.setAttribute("aria-expanded", "false");
    s.input.removeAttribute("aria-activedescendant");
  }
  function pickFromList(i) {
    const s = ui.search, e = s.results[i];
    if (!e) return;
    s.input.value = e.name;
    s.clear.hidden = false;
    closeSearchList();
    s.status.textContent = e.name + " (" + tx("kind_" + e.kind) + ")";
    pickSearchResult(e);
  }
  function onSearchKey(ev) {
    const s = ui.search;
    const open = !s.list.hidden && s.results.length > 0;
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      if (!open) { renderSearch(); if (!s.results.length) return; }
      const n = s.results.length, step = ev.key === "ArrowDown" ? 1 : -1;
      s.active = s.active < 0 ? (step > 0 ? 0 : n - 1) : (s.active + step + n) % n;
      renderSearch();
      const li = s.list.querySelector('[aria-selected="true"]');
      if (li && li.scrollIntoView) li.scrollIntoView({ block: "nearest" });
    } else if (ev.key === "Enter") {
      ev.preventDefault();
      if (!s.results.length) renderSearch();
      if (s.results.length) pickFromList(s.active >= 0 ? s.active : 0);
    } else if (ev.key === "Escape") {
      if (open) { closeSearchList(); ev.stopPropagation(); }
      else if (s.input.value || found) { s.input.value = ""; s.clear.hidden = true; clearFound(); ev.stopPropagation(); }
      // else: Escape goes on to the map (it closes the selected feature's panel)
    }
  }

  // ---- accessibility and narrow screens ---------------------------------------------------
  // The page's language, the map's and the zoom buttons' names in the session's language; a
  // narrow map (a phone) gets compact controls (the layer panel starts folded, the legend
  // is bounded, the hour bar shrinks).
  const NARROW_PX = 480;
  function applyAccessibility() {
    if (!map || !args) return;
    document.documentElement.lang = args.lang || "en";
    const container = map.getContainer();
    container.setAttribute("aria-label", tx("map_label"));
    container.setAttribute("aria-roledescription", tx("map_label"));
    for (const [cls, key] of [["leaflet-control-zoom-in", "zoom_in"], ["leaflet-control-zoom-out", "zoom_out"]]) {
      const a = container.querySelector("." + cls);
      if (a) { a.title = tx(key); a.setAttribute("aria-label", tx(key)); }
    }
    renderSearchTexts();
  }
  // a control re-rendered under the keyboard's focus gives the focus to its new button
  function keepFocus(box, selector) {
    const again = box && box.querySelector(selector);
    if (again) again.focus();
  }
  function applyNarrow() {
    const narrow = map.getSize().x < NARROW_PX;
    map.getContainer().classList.toggle("ss-narrow", narrow);
    document.body.dataset.narrow = narrow ? "1" : "0";
  }

  // ---- view state across visits --------------------------------------------------------
  function save() {
    if (!storageKey || !map) return;
    const c = map.getCenter();
    const saved = {
      hour: state.hour, street: state.street, area: state.area, dark: state.dark,
      basemap: state.basemap, selected: state.selected, fitKey: state.fitKey,
      center: [c.lat, c.lng], zoom: map.getZoom(), view: lastView,
    };
    try { sessionStorage.setItem(storageKey, JSON.stringify(saved)); } catch (e) { /* private mode */ }
    reportSoon();
  }
  function restore() {
    try { return JSON.parse(sessionStorage.getItem(storageKey) || "null"); } catch (e) { return null; }
  }
  function applyView(view) {
    if (!view) return;
    if (Number.isInteger(view.hour)) state.hour = view.hour;
    for (const k of ["street", "area"]) if (typeof view[k] === "string") state[k] = view[k];
    for (const k of ["dark", "basemap"]) if (typeof view[k] === "boolean") state[k] = view[k];
  }

  // ---- levels of detail: a tiled document (a whole city) ----------------------------------
  // A run with many street segments sends an overview (doc: the areas, the main streets, the
  // darkest paths, parks; doc.tiles: the index of tiles, each {key, file, bbox, segments, ...}).
  // From doc.tiles.min_zoom on, the map fetches the tiles whose features reach into the view
  // (plus a margin), draws them as the overview's (same colours, tooltips and clicks) and
  // hides the overview's streets and dark paths; tiles leaving the view are taken off the map
  // and, beyond MAX_TILE_SEGMENTS loaded segments, forgotten (the farthest first).
  const TILE_MARGIN = 0.25;          // of the view's width and height, added on each side
  const MAX_TILE_SEGMENTS = 30000;   // loaded segments kept beyond the view's tiles
  const TILE_FETCHES = 4;            // tiles fetched at once
  const tiles = new Map();           // key -> tile (see loadTile)
  const tileStats = { fetched: 0, dropped: 0, failed: 0, inflight: 0 };
  let tileRenderers = null, tileTimer = null;

  function isTiled() { return !!(doc && doc.tiles && map); }
  // a whole city's overview draws its many main streets on a canvas (SVG paths by the
  // ten thousand are slow to add, move and remove); the tiles' features stay SVG paths
  function overviewRenderer() {
    return isTiled() ? L.canvas({ pane: "ss-streets", tolerance: 4 }) : null;
  }
  function tilesActive() { return isTiled() && map.getZoom() >= doc.tiles.min_zoom; }
  function overviewShown() { return !tilesActive(); }
  function tileUrl(file) { return new URL(file, new URL(docUrl, window.location.href)).href; }

  function wantedTiles() {
    const b = map.getBounds(), dx = (b.getEast() - b.getWest()) * TILE_MARGIN;
    const dy = (b.getNorth() - b.getSouth()) * TILE_MARGIN;
    const w = b.getWest() - dx, e = b.getEast() + dx, s = b.getSouth() - dy, n = b.getNorth() + dy;
    const c = map.getCenter();
    return doc.tiles.index
      .filter((t) => t.bbox[0] <= e && t.bbox[2] >= w && t.bbox[1] <= n && t.bbox[3] >= s)
      .map((t) => ({ entry: t, d: Math.hypot((t.bbox[0] + t.bbox[2]) / 2 - c.lng, (t.bbox[1] + t.bbox[3]) / 2 - c.lat) }))
      .sort((a, b2) => a.d - b2.d)
      .map((x) => x.entry);
  }

  // What to show after a pan or zoom: fetch the tiles in view, show them, forget far ones.
  function updateTiles() {
    if (!isTiled()) return;
    const active = tilesActive();
    const was = document.body.dataset.tilesActive === "1";
    document.body.dataset.tilesActive = active ? "1" : "0";
    if (active !== was) { redraw(); return; }  // overview <-> tiles: redraw calls showTiles
    showTiles();
  }
  function showTiles() {
    if (!isTiled()) return;
    const active = tilesActive();
    const wanted = active ? wantedTiles() : [];
    const keys = new Set(wanted.map((e) => e.key));
    for (const t of tiles.values()) if (t.ready && !keys.has(t.key)) placeTile(t, false);
    for (const entry of wanted) {
      const t = tiles.get(entry.key);
      if (!t) loadTile(entry);
      else if (t.ready) placeTile(t, true);
    }
    pumpTiles();
    forgetFarTiles(keys);
    tileReport();
  }
  // a tile: {key, entry, ready, queued, doc, groups, features, colours, indexOf, shown, stale, ms, bytes}
  const tileQueue = [];
  function loadTile(entry) {
    const t = { key: entry.key, entry: entry, ready: false, shown: false, stale: { segment: true, dark: true } };
    tiles.set(entry.key, t);
    tileQueue.push(t);
  }
  function pumpTiles() {
    while (tileStats.inflight < TILE_FETCHES && tileQueue.length) {
      const t = tileQueue.shift();
      if (tiles.get(t.key) !== t) continue;  // forgotten meanwhile
      const url = tileUrl(t.entry.file), t0 = performance.now();
      tileStats.inflight += 1;
      fetch(url, { credentials: "same-origin" })
        .then((r) => { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
        .then((d) => {
          if (tiles.get(t.key) !== t) return;
          t.doc = d;
          drawTile(t);
          t.ready = true;
          tileStats.fetched += 1;
          const timing = performance.getEntriesByName(url).pop();
          t.bytes = timing ? { transfer: timing.transferSize, body: timing.encodedBodySize, decoded: timing.decodedBodySize } : null;
          t.ms = Math.round(performance.now() - t0);
          if (tilesActive() && wantedTiles().some((e) => e.key === t.key)) placeTile(t, true);
          drawSelection();
          if (found && found.tiled) drawFound();
        })
        .catch(() => { tileStats.failed += 1; tiles.delete(t.key); })
        .finally(() => { tileStats.inflight -= 1; pumpTiles(); tileReport(); });
    }
  }
  function forgetFarTiles(keep) {
    let total = 0;
    for (const t of tiles.values()) total += t.entry.segments;
    if (total <= MAX_TILE_SEGMENTS) return;
    const c = map.getCenter();
    const far = [...tiles.values()].filter((t) => !keep.has(t.key))
      .sort((a, b) => dist(b, c) - dist(a, c));
    for (const t of far) {
      if (total <= MAX_TILE_SEGMENTS) break;
      placeTile(t, false);
      tiles.delete(t.key);
      total -= t.entry.segments;
      tileStats.dropped += 1;
    }
    function dist(t, centre) {
      const b = t.entry.bbox;
      return Math.hypot((b[0] + b[2]) / 2 - centre.lng, (b[1] + b[3]) / 2 - centre.lat);
    }
  }

  function drawTile(t) {
    if (!tileRenderers) {
      tileRenderers = {
        base: L.svg({ pane: "ss-base" }), streets: L.svg({ pane: "ss-streets" }), dark: L.svg({ pane: "ss-dark" }),
      };
    }
    const d = t.doc, r = tileRenderers, bm = d.basemap || {};
    const g = t.groups = { base: L.layerGroup(), labels: L.layerGroup(), streets: L.layerGroup(), dark: L.layerGroup() };
    t.features = { segment: [], dark: [] };
    t.colours = { segment: [], dark: [] };
    t.indexOf = { segment: new Map(), dark: new Map() };
    for (const poly of bm.buildings || []) {
      L.polygon(decodePolygons(poly), {
        renderer: r.base, pane: "ss-base", interactive: false, color: "#c9c5bd", weight: 0.5,
        fillColor: "#dedad3", fillOpacity: 1,
      }).addTo(g.base);
    }
    for (const [x, y, angle, ref] of bm.labels || []) {
      const label = el("span", { class: "ss-label-text", style: "transform: translate(-50%, -50%) rotate(" + angle + "deg)" }, nameOf(ref, d));
      L.marker([y, x], {
        pane: "ss-labels", interactive: false, keyboard: false,
        icon: L.divIcon({ className: "ss-label", html: label, iconSize: null }),
      }).addTo(g.labels);
    }
    d.segments.geom.forEach((geom, i) => {
      const layer = L.polyline(decodeLines(geom), {
        renderer: r.streets, pane: "ss-streets", color: "#000000", weight: 4, opacity: 0.95,
        lineCap: "round", className: "ss-segment",
      });
      layer.on("click", (e) => onFeatureClick("segment", i, e, d));
      layer.bindTooltip(tooltipFor("segment", i, d), { sticky: true });
      layer.addTo(g.streets);
      t.features.segment[i] = layer;
      t.indexOf.segment.set(d.segments.ids[i], i);
    });
    if (d.dark) {
      d.dark.geom.forEach((geom, i) => {
        const latlngs = decodeLines(geom);
        L.polyline(latlngs, {
          renderer: r.dark, pane: "ss-dark", color: "#ffffff", weight: 9, opacity: 0.9,
          interactive: false, className: "ss-dark-casing",
        }).addTo(g.dark);
        const layer = L.polyline(latlngs, {
          renderer: r.dark, pane: "ss-dark", color: "#000000", weight: 6, opacity: 1, className: "ss-dark",
        });
        layer.on("click", (e) => onFeatureClick("dark", i, e, d));
        layer.bindTooltip(tooltipFor("dark", i, d), { sticky: true });
        layer.addTo(g.dark);
        t.features.dark[i] = layer;
        t.indexOf.dark.set(d.dark.ids[i], i);
      });
    }
  }
  // put a ready tile on the map (its layers as the layer panel says) or take it off
  function placeTile(t, on) {
    const g = t.groups;
    const z = map.getZoom();
    const want = {
      base: on && state.basemap, labels: on && state.basemap && z >= 16.5,
      streets: on && state.street !== "none", dark: on && state.dark && !!t.doc.dark,
    };
    for (const k of Object.keys(want)) show(g[k], want[k]);
    t.shown = on;
    if (on && t.stale.segment) restyleTile(t, "segment");
    if (on && t.stale.dark) restyleTile(t, "dark");
  }
  // restyle a tile's segments or dark paths (the features whose colour changed)
  function restyleTile(t, kind) {
    t.stale[kind] = false;
    const on = kind === "segment" ? state.street !== "none" : state.dark && !!t.doc.dark;
    if (!on) return;
    const f = t.features[kind], cs = t.colours[kind], d = t.doc;
    const colour = kind === "segment" ? segmentColour : darkColour;
    for (let i = 0; i < f.length; i++) {
      const c = colour(i, d);
      if (c !== cs[i]) { cs[i] = c; setColour(f[i], c, false); }
    }
  }
  // hour, layer or weights changed: restyle the tiles on the map now, the others when shown
  function restyleTiles(kind) {
    for (const t of tiles.values()) {
      if (!t.ready) continue;
      if (t.shown) restyleTile(t, kind); else t.stale[kind] = true;
    }
  }
  function forgetTileColours(kind) {
    for (const t of tiles.values()) if (t.ready) { t.colours[kind] = []; t.stale[kind] = true; }
  }
  // a feature of a tile on the map (the selection, tests): {kind, i, layer, src, t}
  function tileFeature(kind, id) {
    for (const t of tiles.values()) {
      if (!t.ready || !t.indexOf[kind]) continue;
      const i = t.indexOf[kind].get(id);
      if (i !== undefined) return { kind: kind, i: i, layer: t.features[kind][i], src: t.doc, t: t };
    }
    return null;
  }
  // what the tiles are doing (the page's data attributes; window.ssmap.tiles() for tests)
  function tileReport() {
    if (!isTiled()) return null;
    const list = [...tiles.values()];
    const shown = list.filter((t) => t.shown);
    document.body.dataset.tilesShown = String(shown.length);
    document.body.dataset.tilesPending = String(list.filter((t) => !t.ready).length);
    return {
      active: tilesActive(), min_zoom: doc.tiles.min_zoom, zoom: doc.tiles.zoom,
      shown: shown.map((t) => t.key),
      loaded: list.filter((t) => t.ready).map((t) => ({ key: t.key, segments: t.entry.segments, ms: t.ms, bytes: t.bytes, shown: t.shown })),
      pending: list.filter((t) => !t.ready).length,
      segments_loaded: list.filter((t) => t.ready).reduce((n, t) => n + t.entry.segments, 0),
      stats: Object.assign({}, tileStats),
    };
  }
  function startTiles() {
    if (!isTiled()) return;
    document.body.dataset.tiled = "1";
    document.body.dataset.tilesActive = tilesActive() ? "1" : "0";
    // a pan or zoom settles (moveend follows every zoom), then the tiles follow
    map.on("moveend", () => { clearTimeout(tileTimer); tileTimer = setTimeout(updateTiles, 50); });
    updateTiles();
  }

  // ---- the map -------------------------------------------------------------------------
  function start() {
    map = L.map("map", { zoomSnap: 0.25, zoomControl: true, attributionControl: true, minZoom: 11, maxZoom: 20 });
    pane("ss-base", 250, false);
    pane("ss-areas", 350, true);
    pane("ss-found", 395, false);
    pane("ss-streets", 400, true);
    pane("ss-dark", 450, true);
    pane("ss-labels", 460, false);
    pane("ss-selection", 470, false);
    L.control.scale({ imperial: false }).addTo(map);
    if (args.tiles && args.tiles.url) {
      L.tileLayer(args.tiles.url, { attribution: args.tiles.attribution || "", pane: "ss-base", maxZoom: 20 }).addTo(map);
    }
    if (args.attribution) map.attributionControl.addAttribution(args.attribution);
    const container = map.getContainer();
    ui.notice = el("div", { class: "ss-notice", role: "status" });
    ui.watermark = el("div", { class: "ss-watermark", "aria-hidden": "true" });
    ui.badge = el("div", { class: "ss-badge", role: "note" });
    ui.notice.hidden = ui.watermark.hidden = ui.badge.hidden = true;
    container.append(ui.notice, ui.watermark, ui.badge);
    new LayersControl().addTo(map);
    new SearchControl().addTo(map);
    new LegendControl().addTo(map);
    new HourControl().addTo(map);
    applyNarrow();
    map.on("resize", applyNarrow);
    const b = doc.bounds;
    const saved = restore();
    applyView(args.view);
    lastView = JSON.stringify(args.view || null);
    if (saved) {
      if (saved.view === lastView) applyView(saved);  // else the server asks for a new view
      state.selected = saved.selected || null;
      state.fitKey = saved.fitKey || null;
      map.setView(saved.center, saved.zoom, { animate: false });
    } else if (args.view && Array.isArray(args.view.center) && Number.isFinite(args.view.zoom)) {
      map.setView(args.view.center, args.view.zoom, { animate: false });  // a link's view
      state.fitKey = args.fit ? args.fit.key : null;  // its district is in view already
    } else {
      map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { animate: false });
    }
    drawData();
    groups.found = L.layerGroup().addTo(map);
    startup.features = performance.now();
    renderLayers();
    renderWatermark();
    const zoomClass = () => {
      const z = map.getZoom(), c = map.getContainer().classList;
      c.toggle("ss-z-low", z < 15);
      c.toggle("ss-z-mid", z >= 15 && z < 16.5);
    };
    zoomClass();
    map.on("zoomend", () => { zoomClass(); show(groups.labels, state.basemap && map.getZoom() >= 16.5); save(); });
    map.on("moveend", save);
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && state.selected) {
        select(null);
        state.clicks += 1;
        save();
        report(true);
      }
    });
    update(args, true);
    settleOpeningView();
    startup.drawn = performance.now();
    startTiles();
    window.ssmap = {
      map, state, timings, counters, setHour, select,
      search: (q) => searchMatches(q).map((e) => [e.kind, e.name, e.tiled ? e.tiled.n : e.items.length]),
      loadStreetSearch,
      found: () => (found ? { kind: found.kind, name: found.name, items: found.items.slice(), bounds: foundBounds(found).toBBoxString() } : null),
      layerOf: (kind, id) => {
        const hit = overviewShown() ? null : tileFeature(kind, id);
        if (hit) return hit.layer;
        const i = indexOf[kind] && indexOf[kind].get(id); return i === undefined ? null : features[kind][i];
      },
      colourOf: (kind, id) => {
        const hit = overviewShown() ? null : tileFeature(kind, id);
        if (hit) return hit.t.colours[kind][hit.i];
        const i = indexOf[kind] && indexOf[kind].get(id); return i === undefined ? null : colours[kind][i];
      },
      tiles: tileReport,
      tileDoc: (key) => { const t = tiles.get(key); return t && t.ready ? t.doc : null; },
      doc: () => doc,
      args: () => args,
      startup,
    };
    document.body.dataset.ready = "1";
  }

  function update(a, first) {
    args = a;
    const text = JSON.stringify(a.text), styles = JSON.stringify(a.styles);
    const weights = JSON.stringify(a.weights), view = JSON.stringify(a.view || null);
    const selected = JSON.stringify(a.selected || null);
    let restyle = first;
    if (!first && view !== lastView) { applyView(a.view); lastView = view; restyle = true; renderLayers(); }
    if (text !== lastText) { lastText = text; renderLayers(); renderWatermark(); applyAccessibility(); restyle = true; }
    if (styles !== lastStyles) {
      lastStyles = styles; restyle = true;
      colours.segment = []; colours.area = []; colours.dark = [];
      forgetTileColours("segment"); forgetTileColours("dark");
    }
    if (weights !== lastWeights) { lastWeights = weights; restyle = true; colours.segment = []; forgetTileColours("segment"); }
    if (selected !== lastSelected) {
      lastSelected = selected;
      if (!first || !state.selected) select(a.selected || null);
    }
    const fit = a.fit || null;
    const fitKey = fit ? fit.key : null;
    if (fitKey !== state.fitKey) {
      state.fitKey = fitKey;
      const b = fit ? fit.bounds : doc.bounds;
      map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { animate: false });
    }
    drawOutline(fit);
    drawPoints(a.points);
    if (restyle) redraw();
    save();
  }

  // points a page adds on top (the Plan page's proposed lamps): a numbered circle each
  let pointsLayer = null, lastPoints;
  function drawPoints(points) {
    const key = JSON.stringify(points || null);
    if (key === lastPoints) return;
    lastPoints = key;
    if (pointsLayer) { pointsLayer.remove(); pointsLayer = null; }
    if (!points || !points.length) return;
    pointsLayer = L.layerGroup().addTo(map);
    points.forEach((p) => {
      const marker = L.circleMarker([p.lat, p.lon], {
        pane: "ss-selection", interactive: false, radius: 7, color: "#000000", weight: 2,
        fillColor: p.colour || "#ffd400", fillOpacity: 1, className: "ss-point",
      });
      if (p.label) marker.bindTooltip(String(p.label), { permanent: true, direction: "top", offset: [0, -6], className: "ss-point-label" });
      marker.addTo(pointsLayer);
    });
  }

  // the chosen district's outline (dashed, above the layers, not clickable)
  let outlineLayer = null, outlineKey;
  function drawOutline(fit) {
    const key = fit ? fit.key : null;
    if (key === outlineKey) return;
    outlineKey = key;
    if (outlineLayer) { outlineLayer.remove(); outlineLayer = null; }
    if (fit && fit.outline) {
      outlineLayer = L.geoJSON(fit.outline, {
        pane: "ss-selection", interactive: false,
        style: { color: "#000000", weight: 3, opacity: 0.9, fill: false, dashArray: "6 4" },
      }).addTo(map);
      outlineLayer.getLayers().forEach((l) => l.getElement && l.getElement() && l.getElement().classList.add("ss-outline"));
    }
  }

  function onRender(a) {
    if (a.height && a.height !== lastHeight) { lastHeight = a.height; Streamlit.height(a.height); }
    if (!doc) {
      if (docUrl === a.data) { args = a; return; }   // still loading: keep the newest args
      docUrl = a.data;
      args = a;
      storageKey = "safespaces-map:" + a.data;
      fetch(a.data, { credentials: "same-origin" })
        .then((r) => { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
        .then((d) => { startup.document = performance.now(); doc = d; start(); })
        .catch((e) => {
          document.getElementById("map").textContent = "The map's data could not be loaded (" + e.message + ").";
        });
      return;
    }
    update(a, false);
  }

  window.addEventListener("message", (ev) => {
    const m = ev.data;
    if (m && m.type === "streamlit:render") onRender(m.args || {});
  });
  Streamlit.ready();
})();
