// The review page, for data managers: the submitted uploads; one at a time on the map, each feature coloured by
// its action against the current record (a changed one beside the current record, dashed); approve or reject.
import "leaflet/dist/leaflet.css";
import "./style.css";
import L from "leaflet";
import { $, el, int, tipText, getJSON, initHeader, can, REVIEWERS, ROLE_LABEL, signinURL, send, errorText, fmtTime } from "./common.js";
import { workMap, setStatus, featureLayer, reasonList, firstReason, readJSON, MAX_DRAWN, MAX_LISTED } from "./workmap.js";

const { map, fit } = workMap();
map.createPane("current").style.zIndex = 430;
const drawn = L.featureGroup().addTo(map);
const current = L.featureGroup().addTo(map);

const ACTION = {
  new: { color: "#2563eb", weight: 1.5, fillColor: "#2563eb", fillOpacity: 0.35 },
  changed: { color: "#9333ea", weight: 2, fillColor: "#9333ea", fillOpacity: 0.35 },
  unchanged: { color: "#6b7280", weight: 1, fillColor: "#9ca3af", fillOpacity: 0.3 },
};
const REJECTED_STYLE = { color: "#dc2626", weight: 2.5, dashArray: "6 4", fillColor: "#dc2626", fillOpacity: 0.15 };
const CURRENT_STYLE = { pane: "current", color: "#111827", weight: 2, dashArray: "5 5", fill: false, className: "lr-current" };

const state = { uploads: [], details: new Map(), id: null, body: null, layers: new Map(), abort: null };

const pill = (cls, text) => el("span", { class: `pill ${cls}` }, text);

// ---- Who may review ----

initHeader().then((s) => {
  if (can(s, REVIEWERS)) {
    loadQueue();
    return;
  }
  const gate = $("#gate");
  gate.hidden = false;
  $("#queue").hidden = true;
  gate.replaceChildren(
    el("h2", {}, "Review is for data managers"),
    s
      ? el("p", { class: "msg" }, `You are signed in as ${ROLE_LABEL[s.role] || s.role}; uploads are reviewed by data managers.`)
      : el("p", { class: "msg" }, el("a", { href: signinURL() }, "Sign in"), " as a data manager to review uploads."),
  );
  setStatus("");
});

// ---- The queue ----

async function loadQueue() {
  const msg = $("#queue-msg");
  msg.className = "msg";
  msg.textContent = "Loading…";
  try {
    const r = await getJSON("/api/v1/uploads?status=submitted&limit=200");
    state.uploads = r.uploads || [];
    renderQueue();
    msg.textContent = state.uploads.length ? "" : "Nothing waiting for review.";
    document.body.dataset.queue = String(state.uploads.length);
    fillCounts();
  } catch (e) {
    msg.className = "msg error";
    msg.textContent = "Could not load the uploads: " + e.message;
  }
}
$("#refresh").addEventListener("click", () => {
  state.details.clear();
  loadQueue();
});

function counts(u) {
  const rep = u.report || (state.details.get(u.id) || {}).report;
  return rep ? [int(rep.new), int(rep.changed), int(rep.unchanged)] : ["…", "…", "…"];
}

function renderQueue() {
  $("#uploads tbody").replaceChildren(
    ...state.uploads.map((u) => {
      const [n, c, same] = counts(u);
      return el(
        "tr",
        { "data-id": u.id, class: u.id === state.id ? "selected" : null, onclick: () => openUpload(u.id), tabindex: 0, onkeydown: (e) => e.key === "Enter" && openUpload(u.id) },
        el("td", {}, u.id), el("td", {}, u.submitted_by), el("td", { title: u.submitted_at }, fmtTime(u.submitted_at)),
        el("td", { class: "num" }, int(u.feature_count)), el("td", { class: "num" }, n), el("td", { class: "num" }, c), el("td", { class: "num" }, same),
      );
    }),
  );
}

// detail returns an upload with its report checked again against the current record (cached for the session).
async function detail(id) {
  if (!state.details.has(id)) state.details.set(id, await getJSON(`/api/v1/uploads/${id}`));
  return state.details.get(id);
}

// Uploads larger than this are not re-checked for the queue's figures (a re-check of 10^5 features takes the
// server some 15 s) nor drawn from their body (which would hold hundreds of MB in the page): open them to check.
const MAX_BROWSED_BYTES = 32 << 20;

// fillCounts fetches the new/changed/unchanged figures of the listed uploads, one at a time (each is a re-check).
async function fillCounts() {
  for (const u of state.uploads.slice(0, 30)) {
    if (u.report || state.details.has(u.id) || u.size_bytes > MAX_BROWSED_BYTES) continue;
    try {
      await detail(u.id);
      renderQueue();
    } catch {
      /* shown when opened */
    }
  }
}

// ---- One upload ----

async function openUpload(id) {
  state.id = id;
  renderQueue();
  const box = $("#detail");
  box.hidden = false;
  $("#detail-title").textContent = `Upload ${id}`;
  $("#detail-sub").textContent = "Checking it against the registry as it stands now…";
  $("#summary").replaceChildren();
  $("#features").replaceChildren();
  $("#review-msg").textContent = "";
  $("#result").hidden = true;
  $("#comment").value = "";
  setButtons(false);
  drawn.clearLayers();
  current.clearLayers();
  setStatus("Loading the upload…", true);
  try {
    const listed = state.uploads.find((u) => u.id === id);
    const big = listed && listed.size_bytes > MAX_BROWSED_BYTES;
    const [up, text] = await Promise.all([
      detail(id),
      big ? null : fetch(`/api/v1/uploads/${id}/body`, { credentials: "same-origin" }).then((r) => (r.ok ? r.text() : null)),
    ]);
    if (state.id !== id) return;
    state.body = text ? readJSON(text) : null;
    $("#detail-sub").textContent = `From ${up.submitted_by}, ${fmtTime(up.submitted_at)} UTC · ${int(up.feature_count)} features · ${(up.size_bytes / 1024).toLocaleString("en", { maximumFractionDigits: 0 })} KB · ${up.status}`;
    showReport(up.report);
    if (big) setStatus(`Too large to draw here (${int(up.size_bytes / 1048576)} MB): the list shows the report; download the body to view it in QGIS.`);
    setButtons(up.status === "submitted");
    document.body.dataset.opened = String(id);
  } catch (e) {
    $("#detail-sub").textContent = "Could not load the upload: " + e.message;
    setStatus("");
  }
}

function setButtons(on) {
  $("#approve").disabled = !on;
  $("#reject").disabled = !on;
}

function showReport(rep) {
  if (!rep) {
    $("#summary").replaceChildren(pill("", "no report"));
    return;
  }
  $("#summary").replaceChildren(
    ...[
      rep.accepted ? pill("accepted-all", "every feature passes now") : pill("rejected", `${int(rep.rejected)} rejected now`),
      pill("new", `${int(rep.new)} new`),
      pill("changed", `${int(rep.changed)} changed`),
      pill("unchanged", `${int(rep.unchanged)} unchanged`),
      rep.warnings ? pill("warned", `${int(rep.warnings)} warnings`) : null,
    ].filter(Boolean),
  );
  const features = rep.features || [];
  draw(features);
  const shown = features.slice(0, MAX_LISTED);
  const items = shown.map((fr) =>
    el(
      "li",
      { class: `feature ${fr.status} act-${fr.action || "none"}`, "data-index": fr.index, "data-action": fr.action || "", onclick: () => select(fr.index) },
      el("div", { class: "fhead" },
        el("span", { class: "fid" }, fr.local_id || `feature ${fr.index}`),
        el("span", {}, fr.status === "rejected" ? pill("rejected", "rejected") : null, " ", fr.action ? pill(fr.action, fr.action) : null)),
      el("div", { class: "fmeta" }, `#${fr.index} · ${fr.record || ""}${fr.hazard_area ? " of " + fr.hazard_area : ""}${fr.base_version ? ` · against version ${fr.base_version}` : ""}`),
      reasonList(fr),
    ),
  );
  if (features.length > shown.length) items.push(el("li", { class: "more" }, `… and ${int(features.length - shown.length)} more`));
  $("#features").replaceChildren(...items);
}

function draw(features) {
  drawn.clearLayers();
  current.clearLayers();
  state.layers = new Map();
  const src = (state.body && Array.isArray(state.body.features) && state.body.features) || [];
  const many = src.length > MAX_DRAWN;
  const changed = [];
  for (const fr of features) {
    if (many && fr.action !== "changed" && fr.status !== "rejected") continue;
    const bad = fr.status === "rejected";
    const style = { ...(bad ? REJECTED_STYLE : ACTION[fr.action] || ACTION.new), className: `lr-${bad ? "rejected" : fr.action || "new"}` };
    const layer = featureLayer(src[fr.index], style);
    if (!layer) continue;
    layer.addTo(drawn);
    state.layers.set(fr.index, layer);
    layer.on("click", () => select(fr.index));
    layer.bindTooltip(tipText(bad ? `${fr.local_id || "feature " + fr.index}: ${firstReason(fr)}` : `${fr.local_id} · ${fr.record} · ${fr.action}`), { sticky: true, className: bad ? "tip reason" : "tip" });
    if (fr.action === "changed" && fr.local_id) changed.push(fr);
  }
  fit(drawn.getBounds());
  setStatus(`${int(features.length)} features${many ? ` (only changed and rejected ones drawn of ${int(src.length)})` : ""}`);
  drawCurrent(changed.slice(0, 200));
}

// drawCurrent draws the current record of each changed feature, dashed, for comparison.
async function drawCurrent(changed) {
  const id = state.id;
  for (const fr of changed) {
    const kind = fr.record === "land_release" ? "land-releases" : "hazard-areas";
    try {
      const f = await getJSON(`/api/v1/${kind}/${encodeURIComponent(fr.local_id)}`);
      if (state.id !== id) return;
      const layer = featureLayer(f, CURRENT_STYLE);
      if (layer) {
        layer.bindTooltip(tipText(`${fr.local_id} as recorded now (version ${f.properties && f.properties.version})`), { sticky: true, className: "tip" });
        layer.addTo(current);
      }
    } catch {
      /* the record may have gone; the report says so */
    }
  }
  document.body.dataset.current = String(current.getLayers().length);
}

function select(index) {
  for (const li of document.querySelectorAll("#features li.feature")) li.classList.toggle("selected", Number(li.dataset.index) === index);
  const li = document.querySelector(`#features li.feature[data-index="${index}"]`);
  if (li) li.scrollIntoView({ block: "nearest" });
  const layer = state.layers.get(index);
  if (layer) fit(layer.getBounds(), 17);
}

// ---- Approve, reject ----

async function review(action) {
  const id = state.id;
  const comment = $("#comment").value.trim();
  const msg = $("#review-msg");
  const result = $("#result");
  msg.className = "msg";
  result.hidden = true;
  if (action === "reject" && !comment) {
    msg.className = "msg error";
    msg.textContent = "Write why it is rejected, so the team can fix it.";
    $("#comment").focus();
    return;
  }
  setButtons(false);
  msg.textContent = action === "approve" ? "Approving: every feature is checked again and applied…" : "Rejecting…";
  let res;
  try {
    res = await send("POST", `/api/v1/uploads/${id}/${action}`, { comment });
  } catch (e) {
    msg.className = "msg error";
    msg.textContent = "The server could not be reached: " + e.message;
    setButtons(true);
    return;
  }
  if (res.ok) {
    const up = res.body || {};
    msg.textContent = "";
    result.className = "result";
    result.hidden = false;
    result.replaceChildren(el("strong", {}, `Upload ${id} ${up.status || action + "d"}`), ` by ${up.reviewed_by || "you"}${up.review_comment ? `: “${up.review_comment}”` : ""}.`);
    result.dataset.status = up.status || "";
    result.scrollIntoView({ block: "nearest" });
    if (up.status) $("#detail-sub").textContent = $("#detail-sub").textContent.replace(/submitted$/, up.status);
    state.details.delete(id);
    state.uploads = state.uploads.filter((u) => u.id !== id);
    renderQueue();
    $("#queue-msg").textContent = state.uploads.length ? "" : "Nothing waiting for review.";
    document.body.dataset.reviewed = `${id}:${up.status || action}`;
    return;
  }
  msg.className = "msg error";
  msg.textContent = `Not ${action}d: ${errorText(res)}`;
  if (res.body && res.body.report) {
    showReport(res.body.report); // the reasons, feature by feature; nothing was changed
    msg.textContent += " Nothing was changed; the features below say why.";
  }
  setButtons(res.status !== 409);
}
$("#approve").addEventListener("click", () => review("approve"));
$("#reject").addEventListener("click", () => review("reject"));
setStatus("Select an upload to see it on the map.");
