// The registry page: a plain table of the hazard areas with the registry's filters, the ground at a date and the
// register as recorded by a date; an area's history and land releases on a click. The same header as every page.
// Residual contamination (docs/REGISTRY.md) is marked in the status cells and in the area's detail.
import "./style.css";
import { $, getJSON, el, int, initHeader, exportControl, RESIDUAL_TIP, statusBadges } from "./common.js";

initHeader();

let next = null;

const cell = (text, cls) => el("td", { class: cls }, text == null ? "" : String(text));

// statusCell is a status, "open · residual" with a badge and its explanation for residual contamination.
const statusCell = (status, residual) =>
  residual ? el("td", { class: "status-cell residual", title: RESIDUAL_TIP }, status, " · ", el("span", { class: "badge residual" }, "residual")) : cell(status, "status-cell");

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
      const tr = el("tr", { class: p.residual ? "hazard residual" : "hazard", "data-id": p.local_id },
        cell(p.local_id), cell(p.kind, `kind ${p.kind}`), statusCell(p.status, p.residual), cell(p.contamination), cell(p.admin1_name),
        cell(p.identified_on), cell(int(p.area_m2), "num"), cell(int(p.remaining_area_m2), "num"), cell(p.version));
      tr.addEventListener("click", () => detail(p.local_id, p));
      tbody.append(tr);
    }
    const link = (fc.links || []).find((l) => l.rel === "next");
    next = link ? link.href : null;
    $("#more").hidden = !next;
    $("#summary").textContent = `${int(tbody.children.length)} hazard areas shown` + (next ? " (more on the next page)" : "");
    $("#summary").className = "msg";
  } catch (e) {
    $("#summary").textContent = "Error: " + e.message;
    $("#summary").className = "msg error";
  }
  document.body.dataset.ready = "1";
}

// detail shows the area of the row clicked (its properties p, as listed) with its history and land releases.
async function detail(id, p) {
  const enc = encodeURIComponent(id);
  const [hist, rel] = await Promise.all([getJSON(`/api/v1/hazard-areas/${enc}/history`), getJSON(`/api/v1/hazard-areas/${enc}/releases`)]);
  $("#detail").hidden = false;
  $("#detail").classList.toggle("residual", !!p.residual);
  $("#detail-title").textContent = id;
  $("#detail-sub").replaceChildren(
    el("span", { class: `badge ${p.kind}` }, p.kind), " ", ...statusBadges(p), " ", [p.contamination, p.admin1_name, p.identified_on && `identified ${p.identified_on}`].filter(Boolean).join(" · "),
    ...(p.residual ? [el("br"), el("span", { class: "residual-note" }, RESIDUAL_TIP + ".")] : []),
  );
  $("#history tbody").replaceChildren(
    ...hist.features.map((f) => {
      const p = f.properties;
      return el("tr", {}, cell(p.version), cell(p.valid_from), cell(p.recorded_at), cell(p.recorded_by), cell(p.kind, `kind ${p.kind}`),
        p.withdrawn ? cell("withdrawn", "status-cell") : statusCell(p.status, p.residual), cell(p.reason));
    }),
  );
  $("#releases tbody").replaceChildren(
    ...rel.features.map((f) => {
      const p = f.properties;
      const items = Object.entries(p.items_destroyed || {}).map(([k, v]) => `${k}: ${v}`).join(", ");
      const b = p.beneficiaries;
      const people = b ? `${b.women + b.girls + b.boys + b.men} (women ${b.women}, girls ${b.girls}, boys ${b.boys}, men ${b.men}; with disabilities ${b.with_disabilities})` : "";
      return el("tr", {}, cell(p.local_id), cell(p.method), cell(p.completed_on), cell(p.organisation), cell(int(p.area_m2), "num"), cell(items),
        cell(people), cell(p.land_use_after || ""));
    }),
  );
  $("#detail").scrollIntoView({ behavior: "smooth" });
}

$("#filters").addEventListener("submit", (e) => {
  e.preventDefault();
  load("/api/v1/hazard-areas?" + query().toString(), false);
});
$("#more").addEventListener("click", () => next && load(next, true));
$("#filters").after(exportControl("hazard-areas", query));

getJSON("/api/v1/admin-units?level=1&geometry=false")
  .then((fc) => {
    const units = fc.features.map((f) => f.properties).sort((a, b) => a.name.localeCompare(b.name));
    for (const p of units) $("#admin").append(el("option", { value: p.code }, p.name));
  })
  .catch(() => {});
load("/api/v1/hazard-areas?" + query().toString(), false);
