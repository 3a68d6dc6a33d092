// The map of the upload and review pages: the provinces from the API as the base layer (as on the map page; no
// tiles, nothing from any other host) and helpers to draw the features of an upload.
import L from "leaflet";
import { $, getJSON, el } from "./common.js";

export function workMap() {
  const map = L.map("map", { zoomControl: true, minZoom: 4, maxZoom: 19, zoomSnap: 0.5, attributionControl: true });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("Boundaries: Natural Earth (public domain)");
  L.control.scale({ imperial: false }).addTo(map);
  map.setView([18.2, 103.9], 6);
  map.on("zoomend", () => (document.body.dataset.zoom = String(map.getZoom())));
  map.createPane("admin").style.zIndex = 250;
  const admin = L.geoJSON(null, {
    pane: "admin",
    interactive: false,
    style: () => ({ color: "#8a8f98", weight: 1, fillColor: "#f7f5f0", fillOpacity: 1 }),
  }).addTo(map);
  const state = { fitted: false };
  const ready = getJSON("/api/v1/admin-units?level=1")
    .then((fc) => {
      admin.addData(fc);
      if (!state.fitted && fc.features.length) map.fitBounds(admin.getBounds(), { padding: [10, 10], animate: false });
    })
    .catch((e) => setStatus("Could not load the provinces: " + e.message));
  // fit shows bounds and keeps the provinces from refitting the country once they arrive.
  const fit = (bounds, maxZoom = 16) => {
    if (!bounds || !bounds.isValid()) return;
    state.fitted = true;
    // Leaflet drops a new view asked for during a zoom animation: wait for its end.
    const go = () => map.fitBounds(bounds, { maxZoom, padding: [40, 40], animate: false });
    if (map._animatingZoom) map.once("zoomend", go);
    else go();
  };
  return { map, ready, fit };
}

export function setStatus(text, busy) {
  const s = $("#status");
  if (!s) return;
  s.textContent = text || "";
  s.classList.toggle("busy", !!busy);
}

// featureLayer draws one GeoJSON feature of an upload, or returns null when Leaflet cannot read its geometry (the
// report says why).
export function featureLayer(f, style) {
  if (!f || !f.geometry) return null;
  try {
    const layer = L.geoJSON(f, { style, pointToLayer: (_, ll) => L.circleMarker(ll, { ...style, radius: 6 }) });
    return layer.getLayers().length && layer.getBounds().isValid() ? layer : null;
  } catch {
    return null;
  }
}

// fromField names the field of the uploaded file a mapping read a detail's property from.
const fromField = (d) => (d.source_field ? el("span", { class: "source-field" }, " (the file's field ", el("code", {}, d.source_field), ")") : null);

// reasonList renders the errors and warnings of a feature's report.
export function reasonList(fr) {
  const items = [];
  for (const e of fr.errors || []) {
    items.push(el("li", { class: "err" }, "✕ ", e.field ? el("strong", {}, e.field + ": ") : null, e.reason, fromField(e), e.pointer ? [" ", el("code", {}, e.pointer)] : null,
      e.location ? el("span", { class: "fmeta" }, ` at ${e.location.map((v) => v.toFixed(6)).join(", ")}`) : null));
  }
  for (const w of fr.warnings || []) {
    items.push(el("li", { class: "warn" }, "! ", w.field ? el("strong", {}, w.field + ": ") : null, w.reason, fromField(w), w.pointer ? [" ", el("code", {}, w.pointer)] : null));
  }
  return items.length ? el("ul", { class: "reasons" }, items) : null;
}

export const firstReason = (fr) => {
  const e = (fr.errors || [])[0];
  return e ? (e.field ? `${e.field}: ` : "") + e.reason : "";
};

// readJSON parses a GeoJSON text, or returns null (the server's check says what is wrong with it).
export function readJSON(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export const MAX_DRAWN = 5000; // beyond this, only the features with errors or warnings are drawn
export const MAX_LISTED = 500;
