"use strict";
// A plain registry browser on the JSON API; it loads nothing from any other host.
const $ = (sel) => document.querySelector(sel);
let next = null;

function cell(text, cls) {
  const td = document.createElement("td");
  td.textContent = text == null ? "" : String(text);
  if (cls) td.className = cls;
  return td;
}
const m2 = (v) => Math.round(v).toLocaleString("en");

async function getJSON(url) {
  const res = await fetch(url, { headers: { Accept: "application/geo+json, application/json" } });
  const body = await res.json();
  if (!res.ok) throw new Error(body.error ? body.error.message : res.statusText);
  return body;
}

function query() {
  const params = new URLSearchParams();
  for (const [k, v] of new FormData($("#filters"))) if (v) params.set(k, v);
  return params;
}

async function load(url, append) {
  const tbody = $("#hazards tbody");
  if (!append) tbody.replaceChildren();
  try {
    const fc = await getJSON(url);
    for (const f of fc.features) {
      const p = f.properties;
      const tr = document.createElement("tr");
      tr.className = "hazard";
      tr.append(cell(p.local_id), cell(p.kind, p.kind), cell(p.residual ? p.status + " · residual" : p.status), cell(p.contamination), cell(p.admin1_name),
        cell(p.identified_on), cell(m2(p.area_m2), "num"), cell(m2(p.remaining_area_m2), "num"), cell(p.version));
      tr.addEventListener("click", () => detail(p.local_id));
      tbody.append(tr);
    }
    const link = (fc.links || []).find((l) => l.rel === "next");
    next = link ? link.href : null;
    $("#more").hidden = !next;
    $("#summary").textContent = `${tbody.children.length} hazard areas shown` + (next ? " (more on the next page)" : "");
  } catch (e) {
    $("#summary").textContent = "Error: " + e.message;
  }
}

async function detail(id) {
  const enc = encodeURIComponent(id);
  const [hist, rel] = await Promise.all([getJSON(`/api/v1/hazard-areas/${enc}/history`), getJSON(`/api/v1/hazard-areas/${enc}/releases`)]);
  $("#detail").hidden = false;
  $("#detail-title").textContent = id;
  $("#history tbody").replaceChildren(...hist.features.map((f) => {
    const p = f.properties, tr = document.createElement("tr");
    tr.append(cell(p.version), cell(p.valid_from), cell(p.recorded_at), cell(p.recorded_by), cell(p.kind, p.kind),
      cell(p.withdrawn ? "withdrawn" : p.status), cell(p.reason));
    return tr;
  }));
  $("#releases tbody").replaceChildren(...rel.features.map((f) => {
    const p = f.properties, tr = document.createElement("tr");
    const items = Object.entries(p.items_destroyed || {}).map(([k, v]) => `${k}: ${v}`).join(", ");
    tr.append(cell(p.local_id), cell(p.method), cell(p.completed_on), cell(p.organisation), cell(m2(p.area_m2), "num"), cell(items));
    return tr;
  }));
  $("#detail").scrollIntoView({ behavior: "smooth" });
}

$("#filters").addEventListener("submit", (e) => {
  e.preventDefault();
  load("/api/v1/hazard-areas?" + query().toString(), false);
});
$("#more").addEventListener("click", () => next && load(next, true));

getJSON("/api/v1/admin-units?level=1&geometry=false").then((fc) => {
  for (const f of fc.features) {
    const o = document.createElement("option");
    o.value = f.properties.code;
    o.textContent = f.properties.name;
    $("#admin").append(o);
  }
}).catch(() => {});
load("/api/v1/hazard-areas?" + query().toString(), false);
