// Helpers shared by the pages. Every request goes to this server's API; nothing leaves it.

export const $ = (sel, root = document) => root.querySelector(sel);

export async function getJSON(url, signal) {
  const res = await fetch(url, { signal, headers: { Accept: "application/geo+json, application/json" } });
  let body = null;
  try {
    body = await res.json();
  } catch {
    /* not JSON */
  }
  if (!res.ok) {
    const err = new Error(body && body.error ? body.error.message : `${res.status} ${res.statusText}`);
    err.status = res.status;
    err.body = body; // the API's error body ({error: {code, message, details}}), null when not JSON
    if (res.status === 401 && !location.pathname.endsWith("/signin.html")) {
      // The registry's reads need signing in (public_read is off): sign in, then come back here.
      location.assign(signinURL());
    }
    throw err;
  }
  return body;
}

const nf = new Intl.NumberFormat("en");
export const int = (v) => (v == null ? "" : nf.format(Math.round(v)));
export const km2 = (m2) => (m2 == null ? "" : (m2 / 1e6).toLocaleString("en", { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
export const ha = (m2) => (m2 == null ? "" : (m2 / 1e4).toLocaleString("en", { maximumFractionDigits: 2 }));

// el("td", {class: "num"}, "text", child...) builds an element without innerHTML.
export function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c != null) e.append(c instanceof Node ? c : String(c));
  return e;
}

// Colours after the GICHD Land Release Symbology (IMAS 07.11 Annex C, Technical Note 07.11/01-2016): CHA fill
// FF0000 and SHA fill F4A718 at 50 % transparency; released land in the green of the "closed" outline
// (CMYK 40 0 100 0), one shade per method from the least intrusive (cancelled, NTS) to clearance.
export const COLOURS = {
  CHA: "#ff0000",
  SHA: "#f4a718",
  cancelled: "#a6d96a",
  reduced: "#4daf4a",
  cleared: "#1a7837",
  residual: "#7c3aed", // the outline of residual contamination on the map (style.css --residual)
};
export const METHOD_LABEL = { cancelled: "Cancelled (NTS)", reduced: "Reduced (TS)", cleared: "Cleared" };

// RESIDUAL_TIP explains the read-only property residual of a hazard area (docs/REGISTRY.md).
export const RESIDUAL_TIP = "Residual contamination: a CMR area identified after the completion date of its admin unit or the State";

// statusBadges are the nodes of an area's status badge and, when residual, of a "residual" badge that says why on
// hovering: a flat array, to spread into replaceChildren or to pass to el.
export const statusBadges = (p) => [
  el("span", { class: `badge st-${p.status}` }, p.status),
  ...(p.residual ? [" ", el("span", { class: "badge residual", title: RESIDUAL_TIP }, "residual")] : []),
];

// tipText is the content of a Leaflet tooltip or popup as text. Leaflet puts a string into innerHTML, so text that
// may come from users (local ids, records, actions, reasons quoting uploaded values, admin unit names) must never be
// passed as a string: tipText builds an element of text nodes (and the given elements, copied) each time the tooltip
// opens, so that none is built for tooltips never shown and no element is shared between two of them.
export const tipText = (...parts) => () => el("span", {}, parts.flat().map((p) => (p instanceof Node ? p.cloneNode(true) : p)));

export function escapeHTML(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

// ---- Session: who is signed in, the CSRF token for unsafe requests, and the header that shows them ----

export const ROLE_LABEL = {
  field_team: "field team",
  data_manager: "data manager",
  reporting_officer: "reporting officer",
  administrator: "administrator",
};
export const UPLOADERS = ["field_team", "data_manager", "administrator"];
export const REVIEWERS = ["data_manager", "administrator"];
// DECLARERS may declare a completion date (PUT /api/v1/completion/{scope}).
export const DECLARERS = ["data_manager", "administrator"];
export const can = (s, roles) => !!s && roles.includes(s.role);

let sessionPromise = null;
// session resolves to {user, role, csrf_token}, or null when nobody is signed in.
export function session() {
  if (!sessionPromise) {
    sessionPromise = fetch("/api/v1/session", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : null))
      .catch(() => null);
  }
  return sessionPromise;
}

// send makes an unsafe request with the session cookie and its CSRF token; JSON bodies are encoded. It resolves to
// {status, ok, body} (body parsed as JSON when it is), and rejects only when the request could not be made.
export async function send(method, url, body, headers = {}) {
  const s = await session();
  const h = { Accept: "application/json", ...headers };
  if (s && s.csrf_token) h["X-CSRF-Token"] = s.csrf_token;
  let payload = body;
  if (body != null && !(body instanceof Blob) && typeof body !== "string") {
    payload = JSON.stringify(body);
    h["Content-Type"] = h["Content-Type"] || "application/json";
  }
  const res = await fetch(url, { method, credentials: "same-origin", headers: h, body: payload });
  let parsed = null;
  try {
    parsed = await res.json();
  } catch {
    /* no body, or not JSON */
  }
  return { status: res.status, ok: res.ok, body: parsed };
}

// errorText is the message of an API error body, with its details.
export function errorText(r) {
  const e = r && r.body && r.body.error;
  if (!e) return `HTTP ${r ? r.status : "error"}`;
  const details = (e.details || []).map((d) => (d.field ? `${d.field}: ` : "") + d.reason);
  return [e.message, ...details].filter(Boolean).join(" · ");
}

export const signinURL = () => "/signin.html?next=" + encodeURIComponent(location.pathname + location.search + location.hash);

// initHeader shows the signed-in user and role with a sign-out button, or a "Sign in" link, and offers the Upload
// and Review links only to the roles that may use them. It resolves to the session (or null).
export async function initHeader() {
  const s = await session();
  const nav = $(".topbar nav");
  if (nav) {
    for (const a of nav.querySelectorAll("[data-roles]")) a.hidden = !can(s, a.dataset.roles.split(" "));
  }
  const box = $("#session");
  if (box) {
    if (s) {
      box.replaceChildren(
        el("span", { class: "who", title: "Signed in" }, el("strong", {}, s.user), el("span", { class: "role" }, ROLE_LABEL[s.role] || s.role)),
        el("button", { type: "button", class: "signout", id: "signout" }, "Sign out"),
      );
      $("#signout").addEventListener("click", async () => {
        const r = await send("DELETE", "/api/v1/session").catch(() => null);
        if (r && !r.ok && r.status !== 401) {
          alert("Could not sign out: " + errorText(r));
          return;
        }
        location.reload();
      });
    } else if (!location.pathname.endsWith("/signin.html")) {
      box.replaceChildren(el("a", { class: "signin", href: signinURL() }, "Sign in"));
    } else {
      box.replaceChildren();
    }
  }
  document.body.dataset.session = s ? s.role : "none";
  return s;
}

// uuid is a random RFC 4122 version 4 UUID (crypto.randomUUID needs a secure context; getRandomValues does not).
export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export const fmtTime = (s) => (s ? String(s).slice(0, 16).replace("T", " ") : "");

// EXPORT_FORMATS are the files GET /api/v1/exports/{collection} writes (docs/EXPORT.md), with their labels: the
// format parameter and, for CSV, its csv_geometry.
export const EXPORT_FORMATS = [
  ["gpkg", "GeoPackage"],
  ["shp", "Shapefile (zip)"],
  ["kml", "KML (Google Earth)"],
  ["csv", "CSV (spreadsheet: WKT and centre)"],
  ["csv:lonlat", "CSV (centre longitude, latitude)"],
  ["csv:wkt", "CSV (WKT only)"],
  ["geojson", "GeoJSON"],
  ["fgb", "FlatGeobuf"],
];

// exportControl is a download of the collection the filters select: a format menu and a link whose address is
// made when it is clicked, from the query parameters query() returns then (the page's current filters). The
// browser downloads the file with the page's session.
export function exportControl(collection, query) {
  const select = el("select", { name: "format", id: "export-format", "aria-label": "File format" },
    EXPORT_FORMATS.map(([v, label]) => el("option", { value: v }, label)));
  const link = el("a", { class: "button secondary", id: "export-link", download: true, href: "#" }, "Download");
  const update = () => {
    const q = new URLSearchParams(query());
    for (const p of ["limit", "after"]) q.delete(p);
    const [format, geometry] = select.value.split(":");
    q.set("format", format);
    q.delete("csv_geometry");
    if (geometry) q.set("csv_geometry", geometry);
    link.href = `/api/v1/exports/${collection}?${q}`;
  };
  link.addEventListener("click", update); // runs before the browser follows the link
  select.addEventListener("change", update);
  update();
  return el("div", { class: "inline export" }, el("label", { title: "The whole record the filters select, as a file" }, "File format", select), link);
}
