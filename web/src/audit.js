// The audit trail page: GET /api/v1/audit with its filters, newest first, page by page. For administrators.
import "./style.css";
import { $, getJSON, el, initHeader, fmtTime } from "./common.js";

let next = null;
const cell = (text) => el("td", {}, text == null ? "" : String(text));

async function load(url, append) {
  const tbody = $("#entries tbody");
  if (!append) tbody.replaceChildren();
  try {
    const page = await getJSON(url);
    for (const e of page.entries) {
      tbody.append(el("tr", { "data-id": e.id }, cell(fmtTime(e.at)), cell(e.actor), cell(e.address), cell(e.action),
        cell([e.entity, e.local_id].filter(Boolean).join(" ")), cell(e.version || ""), cell(JSON.stringify(e.detail))));
    }
    next = page.next || null;
    $("#more").hidden = !next;
    $("#summary").textContent = `${tbody.children.length} entries shown` + (next ? " (older ones on the next page)" : "");
    $("#summary").className = "msg";
  } catch (err) {
    $("#summary").textContent = "Error: " + err.message;
    $("#summary").className = "msg error";
  }
  document.body.dataset.ready = "1";
}

function query() {
  const params = new URLSearchParams();
  for (const [k, v] of new FormData($("#filters"))) if (v) params.set(k, v);
  return params;
}

$("#filters").addEventListener("submit", (e) => {
  e.preventDefault();
  load("/api/v1/audit?" + query().toString(), false);
});
$("#more").addEventListener("click", () => next && load(next, true));
initHeader().then(() => load("/api/v1/audit", false));
