// The map at /: provinces shaded by remaining area at national scale, every hazard area of the view from zoom 10
// and their released parts from zoom 12. Base layer: the admin boundaries from the API (no tiles, nothing from any
// other host).
//
// National scale (10^5 polygons): the view is read from /api/v1/map/*, which simplifies each polygon to half a
// pixel at the zoom of the view and sends only what the map draws (docs/WEB_SCALE.md has the figures), and the
// polygons are drawn on a canvas, not as one SVG element each. The view is kept in the address (#map=Z/LAT/LON).
import "leaflet/dist/leaflet.css";
import "./style.css";
import L from "leaflet";
import { $, getJSON, el, int, tipText, km2, ha, COLOURS, METHOD_LABEL, initHeader, exportControl, statusBadges } from "./common.js";

initHeader();

const DETAIL_ZOOM = 10; // from this zoom the polygons of the view are drawn, below it the provinces
const RELEASE_ZOOM = 12; // from this zoom the released parts too

const map = L.map("map", { zoomControl: true, minZoom: 4, maxZoom: 18, zoomSnap: 0.5, attributionControl: true });
map.attributionControl.setPrefix(false);
map.attributionControl.addAttribution("Boundaries: Natural Earth (public domain)");
L.control.scale({ imperial: false }).addTo(map);
// The view in the address: #map=ZOOM/LAT/LON, kept as the map moves, so that a view can be shared or reloaded.
function hashView() {
  const m = /^#map=(\d+(?:\.\d+)?)\/(-?\d+(?:\.\d+)?)\/(-?\d+(?:\.\d+)?)$/.exec(location.hash);
  if (!m) return null;
  const [z, lat, lon] = m.slice(1).map(Number);
  return Math.abs(lat) <= 85 && Math.abs(lon) <= 180 ? { z, center: [lat, lon] } : null;
}
const initialView = hashView();
if (initialView) map.setView(initialView.center, initialView.z);
else map.setView([18.2, 103.9], 6);
map.on("moveend", () => {
  const c = map.getCenter();
  history.replaceState(null, "", `#map=${map.getZoom()}/${c.lat.toFixed(5)}/${c.lng.toFixed(5)}`);
});

for (const [name, z] of [["admin", 250], ["hazards", 410]]) map.createPane(name).style.zIndex = z;
// Canvas: thousands of polygons draw in one element (SVG makes a DOM node of each). The hazard areas and their
// released parts share one canvas, the released parts added (so drawn, and hit first) after the areas: a canvas
// takes every pointer event over the whole map, so a second one above would leave the areas without tooltip or
// click wherever the released parts are drawn (zoom 12 and closer).
const renderer = L.canvas({ pane: "hazards", padding: 0.2, tolerance: 3 });

const state = { units: new Map(), report: null, selected: null, detailAbort: null, loaded: 0 };
const filters = $("#filters");
const params = () => Object.fromEntries([...new FormData(filters)].filter(([, v]) => v));

function setStatus(text, busy) {
  const s = $("#status");
  s.textContent = text;
  s.classList.toggle("busy", !!busy);
}

// ---- Provinces: base layer and, at national scale, shaded by remaining SHA/CHA area ----

const adminLayer = L.geoJSON(null, {
  pane: "admin",
  style: () => ({ color: "#8a8f98", weight: 1, fillColor: "#f7f5f0", fillOpacity: 1 }),
  onEachFeature: (f, layer) => {
    layer.on("click", (e) => {
      if (map.getZoom() < DETAIL_ZOOM) map.fitBounds(e.target.getBounds(), { maxZoom: DETAIL_ZOOM });
    });
  },
}).addTo(map);

const RAMP = ["#fff5eb", "#fdd0a2", "#fdae6b", "#fd8d3c", "#e6550d", "#a63603"];
function remaining(code) {
  const u = state.report && state.report.get(code);
  if (!u) return 0;
  const kind = filters.elements.kind.value;
  return (kind === "CHA" ? 0 : u.closing.sha_area_m2) + (kind === "SHA" ? 0 : u.closing.cha_area_m2);
}

function styleAdmin() {
  const national = map.getZoom() < DETAIL_ZOOM;
  $("#choropleth-legend").hidden = !national;
  const max = Math.max(1, ...[...state.units.keys()].map(remaining));
  $("#ramp-max").textContent = km2(max) + " km²";
  adminLayer.eachLayer((layer) => {
    const p = layer.feature.properties;
    if (!national) {
      layer.setStyle({ color: "#6b7280", weight: 1.5, dashArray: "6 4", fillColor: "#f7f5f0", fillOpacity: 1 });
      layer.unbindTooltip();
      return;
    }
    const v = remaining(p.code);
    const i = v <= 0 ? 0 : Math.min(RAMP.length - 1, 1 + Math.floor((v / max) * (RAMP.length - 1.0001)));
    layer.setStyle({ color: "#ffffff", weight: 1.2, dashArray: null, fillColor: RAMP[i], fillOpacity: 0.95 });
    const u = state.report && state.report.get(p.code);
    layer.bindTooltip(
      tipText(el("strong", {}, p.name), el("br"), `Remaining: ${km2(v)} km²`, u ? [el("br"), `SHA ${int(u.closing.sha_count)} · CHA ${int(u.closing.cha_count)}`] : null),
      { sticky: true, className: "tip" },
    );
  });
}

async function loadAdmin() {
  const fc = await getJSON("/api/v1/admin-units?level=1");
  adminLayer.addData(fc);
  const select = $("#admin");
  const units = fc.features.map((f) => f.properties).sort((a, b) => a.name.localeCompare(b.name));
  for (const p of units) select.append(el("option", { value: p.code }, p.name));
  adminLayer.eachLayer((l) => state.units.set(l.feature.properties.code, l));
  if (fc.features.length && !initialView) map.fitBounds(adminLayer.getBounds(), { padding: [10, 10] });
}

let reportAbort = null;
async function loadReport() {
  const at = filters.elements.at.value;
  const year = at ? Number(at.slice(0, 4)) : new Date().getFullYear();
  const q = at ? `from=${year}-01-01&to=${at}` : `year=${year}`;
  $("#choropleth-year").textContent = at ? `on ${at}` : `end of ${year}`;
  reportAbort?.abort();
  reportAbort = new AbortController();
  try {
    const r = await getJSON(`/api/v1/reports/article7?${q}&level=1&format=json`, reportAbort.signal);
    state.report = new Map(r.units.map((u) => [u.admin_code, u]));
    styleAdmin();
  } catch (e) {
    if (e.name !== "AbortError") setStatus("Province figures unavailable: " + e.message);
  }
}

// ---- Hazard areas and released parts of the view (zoom >= DETAIL_ZOOM) ----

// hazardStyle draws an area in the colour of its kind; a closed one as a dashed outline; residual contamination
// (the map's feature has residual: true) with a thick purple outline, dashed when closed; the selected one with a
// dark outline.
function hazardStyle(f) {
  const p = f.properties;
  const closed = p.status !== "open";
  const selected = state.selected === p.local_id;
  const outline = p.residual ? COLOURS.residual : closed ? "#66b032" : COLOURS[p.kind] || "#ff0000";
  return {
    renderer,
    color: selected ? "#111827" : outline,
    weight: selected ? 3 : p.residual ? 3 : 1.5,
    dashArray: closed ? "4 3" : null,
    fillColor: COLOURS[p.kind] || "#ff0000",
    fillOpacity: closed ? 0.12 : 0.5,
  };
}

const hazardLayer = L.geoJSON(null, {
  pane: "hazards",
  renderer,
  style: hazardStyle,
  onEachFeature: (f, layer) => {
    layer.on("click", () => openPanel(f.properties.local_id)); // the map's features are lean: read the record
    const p = f.properties;
    layer.bindTooltip(tipText(`${p.local_id} · ${p.kind}${p.residual ? " · residual" : ""}`), { sticky: true, className: "tip" });
  },
}).addTo(map);

const releaseLayer = L.geoJSON(null, {
  pane: "hazards",
  renderer,
  style: (f) => ({
    renderer,
    color: COLOURS[f.properties.method] || "#4daf4a",
    weight: 1,
    fillColor: COLOURS[f.properties.method] || "#4daf4a",
    fillOpacity: 0.75,
  }),
  onEachFeature: (f, layer) => {
    const p = f.properties;
    layer.on("click", () => p.hazard_area && openPanel(p.hazard_area));
    layer.bindTooltip(tipText(`${p.local_id} · ${METHOD_LABEL[p.method] || p.method} ${p.completed_on || ""}`), { sticky: true, className: "tip" });
  },
}).addTo(map);

function bboxParam() {
  const b = map.getBounds().pad(0.1);
  const f = (v) => v.toFixed(5);
  return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(f).join(",");
}

// viewBBox is the map's view as W,S,E,N within the world's bounds, as the API takes it.
function viewBBox() {
  const b = map.getBounds();
  const c = (v, lim) => Math.max(-lim, Math.min(lim, v)).toFixed(5);
  return [c(b.getWest(), 180), c(b.getSouth(), 90), c(b.getEast(), 180), c(b.getNorth(), 90)].join(",");
}

const frame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));

async function loadView() {
  styleAdmin();
  state.detailAbort?.abort(); // a newer view replaces a stale request
  const zoom = map.getZoom();
  if (zoom < DETAIL_ZOOM) {
    hazardLayer.clearLayers();
    releaseLayer.clearLayers();
    document.body.dataset.hazards = "0";
    document.body.dataset.residual = "0";
    document.body.dataset.releases = "0";
    setStatus("National view: provinces shaded by remaining area. Zoom in to see the hazard areas.");
    return;
  }
  const ctrl = (state.detailAbort = new AbortController());
  const p = params();
  const view = { bbox: bboxParam(), zoom: String(zoom) };
  const hq = new URLSearchParams({ ...view, status: p.status || "all" });
  for (const k of ["kind", "contamination", "admin", "at"]) if (p[k]) hq.set(k, p[k]);
  const rq = new URLSearchParams(view);
  if (p.at) rq.set("at", p.at);
  const withReleases = zoom >= RELEASE_ZOOM;
  setStatus("Loading the hazard areas of the view…", true);
  const t0 = performance.now();
  try {
    const [hz, rel] = await Promise.all([
      getJSON("/api/v1/map/hazard-areas?" + hq, ctrl.signal),
      withReleases ? getJSON("/api/v1/map/land-releases?" + rq, ctrl.signal) : { features: [] },
    ]);
    const t1 = performance.now();
    hazardLayer.clearLayers();
    releaseLayer.clearLayers();
    hazardLayer.addData(hz);
    const shown = new Set(hz.features.map((f) => f.properties.local_id));
    // Released parts of the areas shown (a filter on the hazard areas applies to their releases too).
    releaseLayer.addData({ type: "FeatureCollection", features: rel.features.filter((f) => shown.has(f.properties.hazard_area)) });
    await frame(); // the canvas draws on the next animation frame
    const t2 = performance.now();
    const b = document.body.dataset;
    b.hazards = String(hz.features.length);
    b.residual = String(hz.features.filter((f) => f.properties.residual).length);
    b.releases = String(releaseLayer.getLayers().length);
    b.viewMs = String(Math.round(t2 - t0)); // request to drawn, for the benchmarks
    b.drawMs = String(Math.round(t2 - t1));
    b.views = String(Number(b.views || 0) + 1);
    const matched = hz.numberMatched ?? hz.features.length;
    const parts = [`${int(hz.features.length)} hazard areas`];
    if (withReleases) parts.push(`${int(releaseLayer.getLayers().length)} released parts`);
    let msg = parts.join(" and ") + " in view" + (p.at ? ` on ${p.at}` : "");
    if (hz.truncated) msg = `${hz.numberMatched != null ? int(matched) : "More than " + int(hz.features.length)} hazard areas in view: the ${int(hz.features.length)} largest are drawn. Zoom in to see them all.`;
    else if (!withReleases) msg += ". Zoom in to see the released parts.";
    else if (rel.truncated) msg += ` (released parts: the first ${int(rel.features.length)}; zoom in for all)`;
    setStatus(msg);
    $("#status").classList.toggle("warn", !!hz.truncated);
  } catch (e) {
    if (e.name === "AbortError") return;
    setStatus("Could not load the hazard areas: " + e.message);
  }
}

map.on("moveend", loadView);
map.on("zoomend", styleAdmin);

// ---- Record panel ----

const PROPS = [
  ["kind", "Kind"], ["status", "Status"], ["status_reason", "Status reason"], ["contamination", "Contamination"],
  ["evidence", "Evidence"], ["evidence_category", "Evidence category"], ["devices", "Devices"], ["marking", "Marking"],
  ["priority", "Priority"], ["land_use", "Land use"], ["identified_on", "Identified on"], ["organisation", "Organisation"],
  ["admin1_name", "Province"], ["admin2_name", "District"], ["area_m2", "Area"], ["remaining_area_m2", "Remaining"],
  ["version", "Version"], ["valid_from", "Valid from"], ["recorded_at", "Recorded at"], ["recorded_by", "Recorded by"],
  ["notes", "Notes"],
];

function propText(k, v) {
  if (v == null || v === "") return "—";
  if (k.endsWith("area_m2")) return `${ha(v)} ha (${int(v)} m²)`;
  if (Array.isArray(v)) return v.join(", ") || "—";
  if (k === "recorded_at") return String(v).replace("T", " ").slice(0, 19);
  return String(v);
}

let panelAbort = null;
async function openPanel(id, feature) {
  state.selected = id;
  hazardLayer.setStyle(hazardStyle);
  const panel = $("#panel");
  panel.hidden = false;
  $("#panel-title").textContent = id;
  $("#panel-sub").textContent = "Loading…";
  panelAbort?.abort();
  panelAbort = new AbortController();
  const enc = encodeURIComponent(id);
  const at = filters.elements.at.value;
  const atq = at ? `?at=${at}` : "";
  try {
    const [f, hist, rel] = await Promise.all([
      feature ? Promise.resolve(feature) : getJSON(`/api/v1/hazard-areas/${enc}${atq}`, panelAbort.signal),
      getJSON(`/api/v1/hazard-areas/${enc}/history`, panelAbort.signal),
      getJSON(`/api/v1/hazard-areas/${enc}/releases${atq}`, panelAbort.signal),
    ]);
    const p = f.properties;
    $("#panel-sub").replaceChildren(el("span", { class: `badge ${p.kind}` }, p.kind), " ", ...statusBadges(p), " ", p.admin1_name || "");
    $("#panel-props tbody").replaceChildren(...PROPS.filter(([k]) => k in p).map(([k, label]) => el("tr", {}, el("th", {}, label), el("td", {}, propText(k, p[k])))));
    $("#panel-releases tbody").replaceChildren(
      ...(rel.features.length
        ? rel.features.map((r) => {
            const q = r.properties;
            return el("tr", {}, el("td", {}, q.local_id), el("td", {}, el("span", { class: `dot ${q.method}` }), METHOD_LABEL[q.method] || q.method), el("td", {}, q.completed_on), el("td", { class: "num" }, ha(q.area_m2)));
          })
        : [el("tr", {}, el("td", { colspan: 4, class: "empty" }, "No land released yet."))]),
    );
    $("#panel-history tbody").replaceChildren(
      ...hist.features.map((h) => {
        const q = h.properties;
        return el("tr", {}, el("td", {}, q.version), el("td", {}, q.valid_from), el("td", {}, String(q.recorded_at || "").slice(0, 10)), el("td", {}, q.kind), el("td", {}, q.withdrawn ? "withdrawn" : q.status), el("td", {}, q.reason || ""));
      }),
    );
  } catch (e) {
    if (e.name !== "AbortError") $("#panel-sub").textContent = "Could not load the record: " + e.message;
  }
}

$("#panel-close").addEventListener("click", () => {
  $("#panel").hidden = true;
  state.selected = null;
  hazardLayer.setStyle(hazardStyle);
});

// ---- Search by local ID ----

$("#search").addEventListener("submit", async (e) => {
  e.preventDefault();
  const id = $("#search-id").value.trim();
  const msg = $("#search-msg");
  if (!id) return;
  msg.textContent = "Searching…";
  msg.className = "msg";
  try {
    const at = filters.elements.at.value;
    const f = await getJSON(`/api/v1/hazard-areas/${encodeURIComponent(id)}${at ? `?at=${at}` : ""}`);
    const bounds = L.geoJSON(f).getBounds();
    msg.textContent = `${f.properties.kind} in ${f.properties.admin1_name || "no province"}, ${ha(f.properties.area_m2)} ha`;
    map.fitBounds(bounds, { maxZoom: 15, paddingTopLeft: [60, 60], paddingBottomRight: [$("#panel").hidden ? 60 : 420, 60] });
    openPanel(f.properties.local_id, f);
  } catch (err) {
    msg.textContent = err.status === 404 ? `No hazard area ${id}.` : err.message;
    msg.className = "msg error";
  }
});

// ---- Filters ----

// The download of the hazard areas the filters select, in the whole country or only the map's view.
const onlyView = el("input", { type: "checkbox", id: "export-view" });
filters.after(el("section", { class: "card", id: "export" }, el("h2", {}, "Download"),
  exportControl("hazard-areas", () => ({ status: "all", ...params(), ...(onlyView.checked ? { bbox: viewBBox() } : {}) })),
  el("label", { class: "check" }, onlyView, " only the map's view")));

filters.addEventListener("change", (e) => {
  if (e.target.name === "admin" && e.target.value) {
    const layer = state.units.get(e.target.value);
    if (layer) map.fitBounds(layer.getBounds());
  }
  if (e.target.name === "at") loadReport();
  styleAdmin();
  loadView();
});
filters.addEventListener("reset", () =>
  setTimeout(() => {
    loadReport();
    loadView();
  }),
);

// ---- Start ----
setStatus("Loading provinces…", true);
loadAdmin()
  .catch((e) => setStatus("Could not load the provinces: " + e.message))
  .then(loadReport)
  .then(() => {
    loadView();
    document.body.dataset.ready = "1";
  });
