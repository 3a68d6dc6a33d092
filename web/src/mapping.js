// The property mapping panel of the upload page: the file's fields beside our properties, constants for a whole
// file, value tables, the saved mappings and presets of GET /api/v1/mappings, and "Save mapping as…" (PUT
// /api/v1/mappings/{name}). The panel edits one mapping document (docs/UPLOAD.md, "Property mappings"); the page
// sends it with each check and with the submission, and remembers the last one used for the signed-in user.
import { $, el, getJSON, send, errorText } from "./common.js";

// OUR_PROPERTIES are the properties a mapping may give a value: the hazard area's upload fields, then the land
// release's not already listed (landrelease.UploadFields, internal/landrelease/mapping.go), then the members of
// beneficiaries. TestBrowserUploadMapping compares them with the server's.
export const OUR_PROPERTIES = [
  "record", "local_id", "kind", "contamination", "evidence", "evidence_category", "devices", "marking", "priority",
  "land_use", "identified_on", "organisation", "status", "notes", "version", "changed_on", "reason",
  "hazard_area", "method", "completed_on", "criteria", "depth_cm", "items_destroyed", "beneficiaries", "land_use_after",
  "beneficiaries.women", "beneficiaries.girls", "beneficiaries.boys", "beneficiaries.men", "beneficiaries.with_disabilities",
];

// The constants offered, empty, when the panel is cleared: those a whole file most often shares.
const DEFAULT_CONSTANTS = ["record", "organisation", "kind", "contamination", "identified_on"];

const LEAVE_OUT = "";
const storageKey = (user) => `landrelease.upload-mapping.${user}`;

// recall returns the mapping the user last checked or submitted with ({name, doc}: name is the saved mapping it
// was loaded from, when it was), or null.
export function recall(user) {
  try {
    const v = JSON.parse(localStorage.getItem(storageKey(user)) || "null");
    return v && typeof v === "object" && v.doc && typeof v.doc === "object" ? v : null;
  } catch {
    return null;
  }
}

// remember keeps doc (null: no mapping) as the user's last mapping, with the saved mapping's name it came from.
export function remember(user, doc, name) {
  try {
    if (doc) localStorage.setItem(storageKey(user), JSON.stringify({ name: name || null, doc }));
    else localStorage.removeItem(storageKey(user));
  } catch {
    /* storage refused (private mode, quota): the choice is not kept */
  }
}

const propertySelect = (attrs, value, empty) =>
  el("select", attrs, empty != null ? el("option", { value: LEAVE_OUT }, empty) : null,
    OUR_PROPERTIES.map((p) => el("option", { value: p, selected: p === value }, p)));

// sameName finds the name in names that n names: the same, else the same ignoring case (as the server matches).
function sameName(names, n) {
  if (names.includes(n)) return n;
  const l = String(n).toLowerCase();
  return names.find((x) => x.toLowerCase() === l);
}

// mappingPanel drives the panel of upload.html. onChange is called after every edit of the panel by the user.
export function mappingPanel({ onChange }) {
  const box = $("#mapping");
  const saved = $("#mapping-saved");
  const msg = $("#mapping-msg");
  // fields: the file's field names; loaded: the saved mapping or preset the panel was filled from
  // ({name, version, preset}); list: the mappings of GET /api/v1/mappings.
  const st = { fields: [], loaded: null, list: [], rows: 0 };
  let savedHook = null; // called with the name after a save

  const say = (text, error) => {
    msg.className = error ? "msg error" : "msg";
    msg.textContent = text || "";
  };
  const changed = () => onChange && onChange();

  // ---- The file's fields ----

  function fieldRows(targets) {
    const rows = st.fields.map((f, i) => {
      const own = OUR_PROPERTIES.includes(f); // a field of our name is read as it is unless mapped
      const id = `map-field-${i}`;
      return el("tr", {},
        el("th", { scope: "row" }, el("label", { for: id }, f)),
        el("td", {}, propertySelect({ id, "data-source": f, onchange: changed }, targets.get(f), own ? `(read as ${f})` : "(leave out)")));
    });
    if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: 2 }, "The file has no fields.")));
    $("#mapping-fields").replaceChildren(...rows);
  }

  // targets gives each source field the property the mapping maps it to, else the property of its own name
  // ignoring case; a property given by the mapping is not given by name to another field.
  function targetsOf(doc) {
    const t = new Map();
    const given = new Set();
    for (const [src, ours] of Object.entries((doc && doc.fields) || {})) {
      const f = sameName(st.fields, src);
      if (f && !t.has(f)) {
        t.set(f, ours);
        given.add(ours);
      }
    }
    for (const f of st.fields) {
      if (t.has(f)) continue;
      const ours = sameName(OUR_PROPERTIES, f);
      if (ours && !given.has(ours)) {
        t.set(f, ours);
        given.add(ours);
      }
    }
    return t;
  }

  // ---- Constants and values: rows of a property and text ----

  function constantRow(key, value) {
    const n = ++st.rows;
    const tr = el("tr", { class: "constant" },
      el("td", {}, propertySelect({ "aria-label": `Property of constant ${n}`, class: "c-key", onchange: changed }, key)),
      el("td", {}, el("input", { type: "text", class: "c-value", "aria-label": `Value of constant ${n}`, value: value == null ? "" : String(value), oninput: changed })),
      el("td", {}, el("button", { type: "button", class: "secondary small", "aria-label": `Remove constant ${n}`, onclick: () => { tr.remove(); changed(); } }, "×")));
    return tr;
  }

  function valueRow(prop, from, to) {
    const n = ++st.rows;
    const tr = el("tr", { class: "value" },
      el("td", {}, propertySelect({ "aria-label": `Property of value ${n}`, class: "v-key", onchange: changed }, prop)),
      el("td", {}, el("input", { type: "text", class: "v-from", "aria-label": `Value ${n} in the file`, value: from || "", oninput: changed })),
      el("td", {}, el("input", { type: "text", class: "v-to", "aria-label": `Value ${n} of ours`, value: to || "", oninput: changed })),
      el("td", {}, el("button", { type: "button", class: "secondary small", "aria-label": `Remove value ${n}`, onclick: () => { tr.remove(); changed(); } }, "×")));
    return tr;
  }

  $("#mapping-add-constant").addEventListener("click", () => {
    $("#mapping-constants").append(constantRow("organisation", ""));
    changed();
  });
  $("#mapping-add-value").addEventListener("click", () => {
    $("#mapping-values").append(valueRow("kind", "", ""));
    changed();
  });

  // fill shows doc (null: none) for the file's fields; the document's fields the file lacks are named in a note.
  function fill(doc) {
    fieldRows(targetsOf(doc));
    const constants = Object.entries((doc && doc.constants) || {});
    const keys = new Set(constants.map(([k]) => k));
    const rows = constants.map(([k, v]) => constantRow(k, typeof v === "object" ? JSON.stringify(v) : v));
    for (const k of DEFAULT_CONSTANTS) if (!keys.has(k)) rows.push(constantRow(k, ""));
    $("#mapping-constants").replaceChildren(...rows);
    const values = [];
    for (const [prop, table] of Object.entries((doc && doc.values) || {})) {
      for (const [from, to] of Object.entries(table || {})) values.push(valueRow(prop, from, to));
    }
    $("#mapping-values").replaceChildren(...values);
    const missing = Object.keys((doc && doc.fields) || {}).filter((f) => !sameName(st.fields, f));
    $("#mapping-note").textContent = missing.length ? `Not in this file, so left out of the mapping: ${missing.join(", ")}.` : "";
  }

  // toDocument is the panel's mapping document, or null when it maps nothing (the file is read as it names things).
  function toDocument() {
    const fields = {};
    for (const s of box.querySelectorAll("#mapping-fields select")) {
      const src = s.dataset.source;
      if (s.value !== LEAVE_OUT && s.value !== src) fields[src] = s.value;
    }
    const constants = {};
    for (const tr of box.querySelectorAll("#mapping-constants tr.constant")) {
      const v = $(".c-value", tr).value.trim();
      if (v !== "") constants[$(".c-key", tr).value] = v;
    }
    const values = {};
    for (const tr of box.querySelectorAll("#mapping-values tr.value")) {
      const from = $(".v-from", tr).value;
      const to = $(".v-to", tr).value.trim();
      if (from.trim() === "" || to === "") continue;
      const prop = $(".v-key", tr).value;
      (values[prop] = values[prop] || {})[from] = to;
    }
    const doc = {};
    if (Object.keys(fields).length) doc.fields = fields;
    if (Object.keys(constants).length) doc.constants = constants;
    if (Object.keys(values).length) doc.values = values;
    return Object.keys(doc).length ? doc : null;
  }

  // ---- Saved mappings and presets ----

  async function loadList(select) {
    try {
      const body = await getJSON("/api/v1/mappings");
      st.list = body.mappings || [];
    } catch (e) {
      st.list = [];
      say(`The saved mappings could not be read: ${e.message}`, true);
    }
    const label = (m) => (m.preset ? `${m.name} (preset)` : `${m.name} (version ${m.version}${m.updated_by ? ", " + m.updated_by : ""})`);
    saved.replaceChildren(el("option", { value: "" }, "(none: the file's own names)"), ...st.list.map((m) => el("option", { value: m.name }, label(m))));
    saved.value = st.list.some((m) => m.name === select) ? select : "";
  }

  // Choosing a saved mapping reads it afresh (another user may have saved it since the list was read), so that a
  // save after it replaces the version now saved.
  saved.addEventListener("change", async () => {
    const name = saved.value;
    let m = null;
    if (name) {
      try {
        m = await getJSON(`/api/v1/mappings/${encodeURIComponent(name)}`);
      } catch (e) {
        say(`${name} could not be read: ${e.message}`, true);
        return;
      }
    }
    st.loaded = m ? { name: m.name, version: m.version || 0, preset: !!m.preset } : null;
    fill(m);
    $("#mapping-name").value = m && !m.preset ? m.name : "";
    say(m ? `${m.name} loaded${m.version ? " (version " + m.version + ")" : ""}${m.description ? ": " + m.description : ""}. Check again to apply it.` : "");
    box.dataset.loaded = m ? `${m.name}:${m.version || 0}` : "";
    changed();
  });

  $("#mapping-save").addEventListener("click", async () => {
    const name = $("#mapping-name").value.trim();
    if (!name) {
      say("Write a name to save the mapping under (lower-case letters, digits, '.', '_', '-').", true);
      return;
    }
    const body = { name, ...(toDocument() || {}) };
    const replacing = st.loaded && !st.loaded.preset && st.loaded.name === name && st.loaded.version > 0;
    if (replacing) body.version = st.loaded.version; // a replace names the version it loaded
    say("Saving…");
    let r;
    try {
      r = await send("PUT", `/api/v1/mappings/${encodeURIComponent(name)}`, body);
    } catch (e) {
      say(`Not saved: ${e.message}.`, true);
      return;
    }
    switch (r.status) {
      case 200:
      case 201: {
        const m = r.body || {};
        st.loaded = { name, version: m.version || 0, preset: false };
        box.dataset.loaded = `${name}:${m.version || 0}`;
        await loadList(name);
        say(r.status === 201 ? `Saved as ${name} (version ${m.version}).` : `${name} replaced (now version ${m.version}).`);
        box.dataset.saved = `${name}:${m.version}`;
        if (savedHook) savedHook(name);
        return;
      }
      case 428:
        say(`A mapping called ${name} exists already. To replace it, choose it under "Saved mapping" first (then edit and save), or save under another name.`, true);
        return;
      case 412:
        say(`${name} was saved by someone else since you loaded it. Choose it again under "Saved mapping" to see theirs, then save your changes.`, true);
        return;
      case 409:
        say(`${name} is a preset, which cannot be changed: save under another name.`, true);
        return;
    }
    say(`Not saved: ${errorText(r)}`, true);
  });

  return {
    // show lists the file's fields and fills the panel from doc (the remembered mapping; null: none), with the
    // saved mapping of that name selected, when it is still saved.
    async show(fields, doc, name) {
      st.fields = fields || [];
      say("");
      await loadList(name);
      const m = st.list.find((x) => x.name === saved.value);
      st.loaded = m ? { name: m.name, version: m.version || 0, preset: !!m.preset } : null;
      box.dataset.loaded = m ? `${m.name}:${m.version || 0}` : "";
      $("#mapping-name").value = m && !m.preset ? m.name : "";
      fill(doc);
      box.hidden = false;
    },
    hide() {
      box.hidden = true;
    },
    // document is the panel's mapping document, or null when it maps nothing.
    document: toDocument,
    // loadedName is the saved mapping or preset the panel was filled from, if any.
    loadedName: () => (st.loaded ? st.loaded.name : null),
    say,
    onSaved(fn) {
      savedHook = fn;
    },
  };
}
