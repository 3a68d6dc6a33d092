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
};
export const METHOD_LABEL = { cancelled: "Cancelled (NTS)", reduced: "Reduced (TS)", cleared: "Cleared" };
