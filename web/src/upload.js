// The upload page: pick or drop a field file, check it (dry run) and see the report feature by feature on the
// map, map the file's fields to ours (mapping.js) and check again, then submit it for review, with the mapping of
// the last check and an Idempotency-Key, so that a retry after a lost connection stores it once.
import "leaflet/dist/leaflet.css";
import "./style.css";
import L from "leaflet";
import { $, el, int, tipText, initHeader, can, UPLOADERS, ROLE_LABEL, signinURL, uuid, errorText, session } from "./common.js";
import { workMap, setStatus, featureLayer, reasonList, firstReason, readJSON, MAX_DRAWN, MAX_LISTED } from "./workmap.js";
import { mappingPanel, recall, remember } from "./mapping.js";

const { map, fit } = workMap();
const drawn = L.featureGroup().addTo(map);
const defects = L.featureGroup().addTo(map);

// One file choice: the file, its parsed features (for drawing), its key and its report; mapping is the mapping
// document (JSON text) its last check was sent with (null: none), which the submission sends too; user is who is
// signed in, whose last mapping is remembered.
const state = { file: null, fc: null, key: null, report: null, mapping: null, submitted: false, layers: new Map(), selected: null, busy: false, user: null };

const ACCEPTED_STYLE = { color: "#2563eb", weight: 1.5, fillColor: "#2563eb", fillOpacity: 0.25, className: "lr-accepted" };
const REJECTED_STYLE = { color: "#dc2626", weight: 2.5, dashArray: "6 4", fillColor: "#dc2626", fillOpacity: 0.15, className: "lr-rejected" };

// ---- Who may upload ----

initHeader().then((s) => {
  state.user = s && s.user;
  if (can(s, UPLOADERS)) return;
  const gate = $("#gate");
  gate.hidden = false;
  $("#pick").hidden = true;
  gate.replaceChildren(
    el("h2", {}, "Sign in to upload"),
    s
      ? el("p", { class: "msg" }, `Uploads are sent by field teams and data managers; you are signed in as ${ROLE_LABEL[s.role] || s.role}.`)
      : el("p", { class: "msg" }, "Field teams and data managers send uploads. ", el("a", { href: signinURL() }, "Sign in"), " first."),
  );
  document.body.dataset.ready = "1";
});

// ---- Progress ----

function progress(text, fraction) {
  const box = $("#progress");
  const bar = $("#progress-bar");
  box.hidden = text == null;
  $("#progress-text").textContent = text || "";
  if (fraction == null) bar.removeAttribute("value");
  else bar.value = Math.round(fraction * 100);
}

const mb = (n) => (n / 1048576).toLocaleString("en", { maximumFractionDigits: 1 }) + " MB";
const size = (n) => (n < 1048576 ? `${int(n / 1024) || 1} KB` : mb(n));

function readFile(file) {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onprogress = (e) => {
      if (e.lengthComputable) progress(`Reading ${file.name}: ${size(e.loaded)} of ${size(e.total)}`, e.loaded / e.total);
    };
    r.onload = () => resolve(r.result);
    r.onerror = () => reject(r.error || new Error("the file could not be read"));
    r.readAsText(file);
  });
}

// isGeoJSON says whether the file is GeoJSON (drawn here from the file itself) by its name; other formats are
// sent as application/octet-stream with their file name, whose ending tells the server the format.
const isGeoJSON = (file) => /\.(geo)?json$/i.test(file.name);

// withFilename adds the file's name to an upload URL.
const withFilename = (url, file) => `${url}${url.includes("?") ? "&" : "?"}filename=${encodeURIComponent(file.name)}`;

// post sends the file with XMLHttpRequest for its upload progress; it resolves to {status, body, replayed} and
// rejects when the connection is lost. With a mapping (a mapping document's JSON text) the body is
// multipart/form-data: a mapping part, then the file part with its name.
async function post(url, file, headers, label, mapping) {
  const s = await session();
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    let body = file;
    if (mapping != null) {
      body = new FormData();
      body.append("mapping", mapping);
      body.append("file", file, file.name);
      x.open("POST", url);
    } else {
      x.open("POST", withFilename(url, file));
      x.setRequestHeader("Content-Type", isGeoJSON(file) ? "application/geo+json" : "application/octet-stream");
    }
    x.setRequestHeader("Accept", "application/json");
    if (s && s.csrf_token) x.setRequestHeader("X-CSRF-Token", s.csrf_token);
    for (const [k, v] of Object.entries(headers || {})) x.setRequestHeader(k, v);
    x.upload.onprogress = (e) => {
      if (e.lengthComputable) progress(`${label}: ${size(e.loaded)} of ${size(e.total)} sent`, e.loaded / e.total);
    };
    x.upload.onload = () => progress(`${label}: sent; the server is checking every feature…`, null);
    x.onload = () => {
      let body = null;
      try {
        body = JSON.parse(x.responseText);
      } catch {
        /* not JSON */
      }
      resolve({ status: x.status, body, replayed: x.getResponseHeader("Idempotent-Replayed") === "true" });
    };
    x.onerror = () => reject(new Error("the connection was lost"));
    x.ontimeout = () => reject(new Error("the server did not answer in time"));
    x.send(body);
  });
}

// ---- Choose a file ----

const input = $("#file");
input.addEventListener("change", () => input.files[0] && choose(input.files[0]));
const drop = $("#drop");
for (const ev of ["dragenter", "dragover"]) {
  drop.addEventListener(ev, (e) => {
    e.preventDefault();
    drop.classList.add("over");
  });
}
for (const ev of ["dragleave", "drop"]) drop.addEventListener(ev, () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  const f = e.dataTransfer && e.dataTransfer.files[0];
  if (f) choose(f);
});
// A file dropped beside the drop zone must not replace the page.
window.addEventListener("dragover", (e) => e.preventDefault());
window.addEventListener("drop", (e) => e.preventDefault());

function reset() {
  state.report = null;
  state.layers = new Map();
  state.selected = null;
  drawn.clearLayers();
  defects.clearLayers();
  $("#report").hidden = true;
  $("#features").replaceChildren();
  $("#summary").replaceChildren();
  $("#submit").disabled = true;
  $("#submit-msg").textContent = "";
  $("#result").hidden = true;
  $("#pick-msg").textContent = "";
  $("#pick-msg").className = "msg";
  state.mapping = null;
  state.submitted = false;
  panel.hide();
  panel.say("");
  document.body.dataset.checked = "";
}

// choose checks a new file: first as it names things, which gives its fields for the mapping panel; then, when
// the panel maps something in it (the user's last mapping, remembered, or our names in another case), again with
// the panel's mapping.
async function choose(file) {
  if (state.busy) return;
  state.busy = true;
  document.body.dataset.busy = "1"; // until every check of this step has answered
  reset();
  state.file = file;
  state.key = uuid(); // one key per file choice: a retry of this file's submission replays the first outcome
  state.fc = null;
  try {
    if (isGeoJSON(file)) state.fc = readJSON(await readFile(file));
    const rep = await check(null, $("#pick-msg"), false);
    if (!rep) return;
    const last = state.user ? recall(state.user) : null;
    await panel.show(rep.source_fields || fieldsOf(state.fc), last && last.doc, last && last.name);
    // The report shows what the panel shows: the remembered mapping, or fields of our names in another case.
    const doc = panel.document();
    if (doc) {
      if (last) panel.say(`Your last mapping${last.name ? " (" + last.name + ")" : ""} is applied: check again after a change.`);
      await check(JSON.stringify(doc), $("#mapping-msg"), !!last);
    }
  } catch (e) {
    progress(null);
    const msg = $("#pick-msg");
    msg.className = "msg error";
    msg.textContent = `${file.name}: ${e.message}. Choose the file again to retry.`;
    document.body.dataset.checked = "error";
  } finally {
    state.busy = false;
    document.body.dataset.busy = "";
  }
}

// fieldsOf returns the names of the properties the features of a GeoJSON collection carry, sorted, as the server
// lists a file's fields: it lists a GeoJSON file's only when a mapping is sent.
function fieldsOf(fc) {
  const names = new Set();
  for (const f of (fc && Array.isArray(fc.features) && fc.features) || []) {
    if (f && f.properties && typeof f.properties === "object" && !Array.isArray(f.properties)) for (const k of Object.keys(f.properties)) names.add(k);
  }
  return [...names].sort();
}

// check sends the chosen file for a dry run with mapping (JSON text; null: none) and shows the report; an error
// of the whole file (a mapping that is not valid, or names fields the file lacks) is said in msg. With keep, the
// mapping checked is remembered as the user's last one. It resolves to the report, or null.
async function check(mapping, msg, keep) {
  progress("Checking…", null);
  const res = await post("/api/v1/uploads?dry_run=true", state.file, {}, "Sending for checking", mapping);
  progress(null);
  if (res.body && res.body.report) {
    state.mapping = mapping;
    if (keep && state.user) remember(state.user, mapping && JSON.parse(mapping), mapping && panel.loadedName());
    showReport(res.body.report);
    return res.body.report;
  }
  msg.className = "msg error";
  msg.textContent = `${state.file.name} was not checked: ${errorText(res)}`;
  $("#submit").disabled = true;
  document.body.dataset.checked = "error";
  return null;
}

// ---- The property mapping ----

const panel = mappingPanel({ onChange: mappingChanged });
panel.onSaved((name) => {
  const doc = panel.document();
  if (state.user && doc) remember(state.user, doc, name);
});

// mappingChanged holds the submission back while the panel's mapping is not the one the report was made with.
function mappingChanged() {
  if (!state.report || state.submitted) return;
  const doc = panel.document();
  const same = (doc ? JSON.stringify(doc) : null) === state.mapping;
  const msg = $("#submit-msg");
  $("#submit").disabled = !same || !state.report.accepted;
  if (!same) {
    msg.className = "msg";
    msg.textContent = "The mapping has changed since the check: check again before submitting.";
  } else {
    submitNote(state.report);
  }
}

$("#mapping-check").addEventListener("click", async () => {
  if (!state.file || state.busy) return;
  if (state.submitted) {
    panel.say("This file is submitted already: choose the next file to check it.", true);
    return;
  }
  state.busy = true;
  document.body.dataset.busy = "1"; // until every check of this step has answered
  panel.say("");
  const doc = panel.document();
  try {
    if (await check(doc ? JSON.stringify(doc) : null, $("#mapping-msg"), true)) panel.say(doc ? "Checked with this mapping." : "Checked without a mapping.");
  } catch (e) {
    progress(null);
    panel.say(`Not checked: ${e.message}.`, true);
  } finally {
    state.busy = false;
    document.body.dataset.busy = "";
  }
});

// ---- The report ----

const pill = (cls, text) => el("span", { class: `pill ${cls}` }, text);

function showReport(rep) {
  state.report = rep;
  const features = rep.features || [];
  const rejected = features.filter((f) => f.status === "rejected");
  $("#report").hidden = false;
  $("#report-title").textContent = `Check of ${state.file.name}`;
  $("#summary").replaceChildren(
    ...[
      rep.accepted ? pill("accepted-all", "every feature accepted") : pill("rejected", `${int(rep.rejected)} of ${int(rep.total)} rejected`),
      pill("", `${int(rep.total)} features`),
      rep.warnings ? pill("warned", `${int(rep.warnings)} warnings`) : null,
      pill("new", `${int(rep.new)} new`),
      pill("changed", `${int(rep.changed)} changed`),
      pill("unchanged", `${int(rep.unchanged)} unchanged`),
    ].filter(Boolean),
  );
  $("#submit").disabled = !rep.accepted;
  submitNote(rep);
  if (features.length > MAX_LISTED && rejected.length) $("#report-filter").value = "rejected";
  draw(features);
  renderList();
  document.body.dataset.checked = rep.accepted ? "accepted" : "rejected";
}

// submitNote says, under Submit, what the report allows.
function submitNote(rep) {
  $("#submit-msg").className = "msg";
  $("#submit-msg").textContent = rep.accepted
    ? "Every feature passed: submit it for review by a data manager."
    : "Fix the rejected features in the file (or the mapping) and check again: an upload is accepted whole or not at all.";
}

function draw(features) {
  drawn.clearLayers();
  defects.clearLayers();
  state.layers = new Map();
  const src = (state.fc && Array.isArray(state.fc.features) && state.fc.features) || [];
  const many = src.length > MAX_DRAWN;
  const rejectedCount = features.filter((f) => f.status === "rejected").length;
  const labelled = rejectedCount <= 25; // reasons shown beside the features; hover for more
  let skipped = 0;
  for (const fr of features) {
    if (many && fr.status !== "rejected" && !(fr.warnings || []).length) continue;
    const bad = fr.status === "rejected";
    const located = (fr.errors || []).filter((e) => Array.isArray(e.location) && e.location.length >= 2);
    const layer = featureLayer(src[fr.index], bad ? REJECTED_STYLE : ACCEPTED_STYLE);
    if (layer) {
      layer.addTo(drawn);
      state.layers.set(fr.index, layer);
      layer.on("click", () => select(fr.index, true));
      const tip = bad ? `${fr.local_id || "feature " + fr.index}: ${firstReason(fr)}` : `${fr.local_id} · ${fr.record} · ${fr.action || ""}`;
      layer.bindTooltip(tipText(tip), { permanent: bad && labelled && !located.length, direction: "right", className: bad ? "tip reason" : "tip", sticky: !(bad && labelled) });
    } else {
      skipped++;
    }
    for (const e of located) {
      const m = L.circleMarker([e.location[1], e.location[0]], { radius: 7, color: "#fff", weight: 2, fillColor: "#dc2626", fillOpacity: 1, className: "lr-defect" });
      m.bindTooltip(tipText(`${fr.local_id || "feature " + fr.index}: ${e.reason}`), { permanent: labelled, direction: "right", className: "tip reason" });
      m.on("click", () => select(fr.index, true));
      m.addTo(defects);
      if (!state.layers.has(fr.index)) state.layers.set(fr.index, m);
    }
  }
  const notes = [];
  if (many) notes.push(`${int(src.length)} features: only those with errors or warnings are drawn.`);
  if (skipped) notes.push(`${int(skipped)} feature(s) have no geometry that can be drawn.`);
  if (!state.fc) notes.push(isGeoJSON(state.file) ? "The file is not readable JSON here, so nothing is drawn." : "Only GeoJSON files are drawn here; the report points into the file (layer, feature number, name).");
  $("#report-note").textContent = notes.join(" ");
  const b = drawn.getBounds();
  if (defects.getLayers().length) b.extend(defects.getBounds());
  fit(b);
  setStatus(`${int(features.length)} features checked: ${int(rejectedCount)} rejected`);
}

// sourceText says where a feature is in the original file (a format other than GeoJSON).
function sourceText(src) {
  if (!src) return "";
  return ` · in the file: ${src.layer ? "layer " + src.layer + ", " : ""}feature ${src.feature}${src.name ? " “" + src.name + "”" : ""}`;
}

function renderList() {
  const rep = state.report;
  if (!rep) return;
  const filter = $("#report-filter").value;
  const all = (rep.features || []).filter((f) =>
    filter === "rejected" ? f.status === "rejected" : filter === "warned" ? (f.warnings || []).length > 0 : true,
  );
  const shown = all.slice(0, MAX_LISTED);
  const items = shown.map((fr) =>
    el(
      "li",
      { class: `feature ${fr.status} ${fr.action ? "act-" + fr.action : ""}`, "data-index": fr.index, onclick: () => select(fr.index, true) },
      el("div", { class: "fhead" },
        el("span", { class: "fid" }, fr.local_id || `feature ${fr.index}`),
        el("span", {}, pill(fr.status, fr.status), " ", fr.action ? pill(fr.action, fr.action) : null)),
      el("div", { class: "fmeta" }, `#${fr.index} · ${fr.record || "no record type"}${fr.hazard_area ? " of " + fr.hazard_area : ""}${sourceText(fr.source)}`),
      reasonList(fr),
    ),
  );
  if (all.length > shown.length) items.push(el("li", { class: "more" }, `… and ${int(all.length - shown.length)} more`));
  if (!items.length) items.push(el("li", { class: "more" }, "None."));
  $("#features").replaceChildren(...items);
}
$("#report-filter").addEventListener("change", renderList);

function select(index, zoom) {
  state.selected = index;
  for (const li of document.querySelectorAll("#features li.feature")) li.classList.toggle("selected", Number(li.dataset.index) === index);
  const li = document.querySelector(`#features li.feature[data-index="${index}"]`);
  if (li) li.scrollIntoView({ block: "nearest" });
  const layer = state.layers.get(index);
  if (!layer) return;
  if (zoom) fit(layer.getBounds ? layer.getBounds() : L.latLngBounds([layer.getLatLng()]), 17);
  layer.eachLayer ? layer.eachLayer((l) => l.openTooltip && l.openTooltip()) : layer.openTooltip();
}

// ---- Submit ----

$("#submit").addEventListener("click", async () => {
  if (!state.file || !state.report || !state.report.accepted) return;
  const button = $("#submit");
  const msg = $("#submit-msg");
  const result = $("#result");
  button.disabled = true;
  msg.className = "msg";
  msg.textContent = "Submitting…";
  result.hidden = true;
  try {
    const res = await post("/api/v1/uploads", state.file, { "Idempotency-Key": state.key }, "Submitting", state.mapping);
    progress(null);
    if (res.status === 201 && res.body) {
      const up = res.body;
      msg.textContent = "";
      result.className = "result";
      result.hidden = false;
      result.replaceChildren(
        el("strong", {}, `Upload ${up.id}: ${up.status}`),
        el("br"),
        `${int(up.feature_count)} features from ${up.submitted_by}${res.replayed ? " (already received: the retry did not store it twice)" : ""}. A data manager reviews it next.`,
      );
      result.dataset.id = String(up.id);
      result.dataset.status = up.status;
      result.scrollIntoView({ block: "nearest" });
      document.body.dataset.submitted = String(up.id);
      state.submitted = true;
      return; // stays disabled: this file is submitted
    }
    if (res.body && res.body.report) {
      showReport(res.body.report); // the registry changed since the check
      msg.className = "msg error";
      msg.textContent = "The registry changed since the check: " + errorText(res);
      return;
    }
    msg.className = "msg error";
    msg.textContent = "Not submitted: " + errorText(res);
    button.disabled = false;
  } catch (e) {
    progress(null);
    msg.className = "msg error";
    msg.textContent = `Not confirmed: ${e.message}. Press Submit again: the same key makes sure it is stored once.`;
    button.disabled = false;
  }
});

setStatus("Choose a field file (GeoJSON, KML, KMZ, GPX, zipped Shapefile, GeoPackage) to check it.");
