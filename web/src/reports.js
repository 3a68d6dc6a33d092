// The reports page: Article 7 Form F for a year and level, its downloads, two charts over the years (drawn as
// inline SVG, no chart library) and the Article 4 deadline beside the projected completion.
import "./style.css";
import { $, getJSON, el, int, km2, COLOURS, METHOD_LABEL, initHeader } from "./common.js";

initHeader();

const FIRST_YEAR = 2018;
const thisYear = new Date().getFullYear();
const yearSel = $("#year");
const levelSel = $("#level");
for (let y = thisYear; y >= FIRST_YEAR; y--) yearSel.append(el("option", { value: y }, y));
yearSel.value = String(thisYear - 1); // the year an Article 7 report is due for

const reportURL = (year, level, format) => `/api/v1/reports/article7?year=${year}&level=${level}&format=${format}`;

// ---- Form F ----

function row(u, total) {
  const c = u.closing;
  const td = (v, cls = "num") => el("td", { class: cls }, v);
  return el(
    "tr",
    { class: total ? "total" : null },
    total ? el("th", { scope: "row" }, "Total") : el("td", {}, u.admin_name, el("span", { class: "code" }, u.admin_code)),
    td(int(c.sha_count)), td(int(c.sha_area_m2)), td(int(c.cha_count)), td(int(c.cha_area_m2)),
    td(int(u.new_count)), td(int(u.new_area_m2)),
    td(int(u.cancelled_area_m2)), td(int(u.reduced_area_m2)), td(int(u.cleared_area_m2)),
    td(int(u.submunitions_destroyed)),
  );
}

let formAbort = null;
async function loadForm() {
  const year = yearSel.value, level = levelSel.value;
  $("#dl-csv").href = reportURL(year, level, "csv");
  $("#dl-xlsx").href = reportURL(year, level, "xlsx");
  $("#dl-json").href = reportURL(year, level, "json");
  formAbort?.abort();
  formAbort = new AbortController();
  $("#f-msg").textContent = "Loading…";
  try {
    const r = await getJSON(reportURL(year, level, "json"), formAbort.signal);
    $("#formf tbody").replaceChildren(...r.units.map((u) => row(u, false)));
    $("#formf tfoot").replaceChildren(row(r.total, true));
    $("#f-period").textContent = `${r.state ? r.state + " · " : ""}${r.from} to ${r.to} · as recorded ${String(r.as_of).slice(0, 16).replace("T", " ")} UTC`;
    const diffs = (r.differences || []).length;
    $("#f-msg").textContent = diffs ? `${diffs} change(s) of stock outside the flows of the year are explained in the downloads.` : "";
  } catch (e) {
    if (e.name !== "AbortError") $("#f-msg").textContent = "Could not load the report: " + e.message;
  }
}
yearSel.addEventListener("change", loadForm);
levelSel.addEventListener("change", loadForm);

// ---- Charts (SVG) ----

const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs, ...children) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v != null) e.setAttribute(k, v);
  for (const c of children) if (c != null) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function niceMax(v) {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

// barChart draws stacked bars (one per year, one segment per series) with axes, grid and a legend.
// barChart draws stacked bars by year; width is the drawing's width in its own units (wider for many years, so
// that the bars and labels keep their size), and the years are labelled as often as they fit.
function barChart(target, years, series, fmt, width = 560) {
  const W = width, H = 260, m = { l: 56, r: 12, t: 28, b: 28 };
  const iw = W - m.l - m.r, ih = H - m.t - m.b;
  const totals = years.map((_, i) => series.reduce((s, se) => s + se.values[i], 0));
  const max = niceMax(Math.max(...totals));
  const y = (v) => m.t + ih - (v / max) * ih;
  const bw = (iw / years.length) * 0.62;
  const x = (i) => m.l + (iw / years.length) * (i + 0.5);
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart-svg", preserveAspectRatio: "xMidYMid meet" });
  const labelEvery = Math.max(1, Math.ceil(years.length / Math.floor(iw / 36)));
  for (let k = 0; k <= 4; k++) {
    const v = (max / 4) * k;
    root.append(svg("line", { x1: m.l, x2: W - m.r, y1: y(v), y2: y(v), class: k ? "grid" : "axis" }));
    root.append(svg("text", { x: m.l - 6, y: y(v) + 4, class: "tick", "text-anchor": "end" }, fmt(v)));
  }
  years.forEach((yr, i) => {
    let base = 0;
    const g = svg("g", { class: "bar" });
    for (const se of series) {
      const v = se.values[i];
      if (v > 0) {
        g.append(svg("rect", { x: x(i) - bw / 2, y: y(base + v), width: bw, height: Math.max(0.5, y(base) - y(base + v)), fill: se.colour, "fill-opacity": se.opacity ?? 1 },
          svg("title", {}, `${yr} · ${se.label}: ${fmt(v)} km²`)));
      }
      base += v;
    }
    root.append(g);
    if (i % labelEvery === 0) root.append(svg("text", { x: x(i), y: H - m.b + 16, class: "tick", "text-anchor": "middle" }, yr));
  });
  let lx = m.l;
  for (const se of series) {
    root.append(svg("rect", { x: lx, y: 8, width: 11, height: 11, rx: 2, fill: se.colour, "fill-opacity": se.opacity ?? 1 }));
    const t = svg("text", { x: lx + 16, y: 18, class: "legend-text" }, se.label);
    root.append(t);
    lx += 28 + se.label.length * 6.4;
  }
  target.replaceChildren(root);
}

async function loadCharts() {
  const years = [];
  for (let y = FIRST_YEAR; y <= thisYear; y++) years.push(y);
  try {
    const reports = await Promise.all(years.map((y) => getJSON(reportURL(y, 1, "json"))));
    const t = reports.map((r) => r.total);
    const k = (v) => v / 1e6;
    const fmt = (v) => (v >= 10 ? Math.round(v).toLocaleString("en") : v.toLocaleString("en", { maximumFractionDigits: 2 }));
    barChart($("#chart-stock"), years, [
      { label: "CHA", colour: COLOURS.CHA, opacity: 0.8, values: t.map((u) => k(u.closing.cha_area_m2)) },
      { label: "SHA", colour: COLOURS.SHA, opacity: 0.85, values: t.map((u) => k(u.closing.sha_area_m2)) },
    ], fmt);
    barChart($("#chart-release"), years, ["cancelled", "reduced", "cleared"].map((mth) => ({
      label: METHOD_LABEL[mth], colour: COLOURS[mth], values: t.map((u) => k(u[`${mth}_area_m2`])),
    })), fmt);
  } catch (e) {
    $("#chart-stock").textContent = "Could not load the yearly reports: " + e.message;
  }
}

// ---- Article 4 ----

const fmtDate = (s) => (s ? new Date(s).toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" }) : "—");

async function loadArticle4() {
  try {
    const p = await getJSON("/api/v1/reports/article4");
    const d = p.deadline;
    $("#a4-deadline").textContent = d ? fmtDate(d.deadline) : "none recorded";
    $("#a4-deadline-note").textContent = d ? (d.kind === "extension" ? "as extended" : "original deadline") + (d.note ? ` · ${d.note}` : "") : "record one with the API";
    $("#a4-projected").textContent = p.projected_completion ? fmtDate(p.projected_completion) : "not projected";
    const track = $("#a4-track");
    if (p.on_track === true) {
      track.textContent = "on track for the deadline";
      track.className = "kpi-note good";
    } else if (p.on_track === false) {
      track.textContent = "after the deadline";
      track.className = "kpi-note bad";
    } else {
      track.textContent = p.projected_completion ? "no deadline to compare" : "no release in the last full years";
    }
    $("#a4-remaining").textContent = km2(p.remaining_m2) + " km²";
    $("#a4-rate").textContent = km2(p.mean_release_m2_per_year) + " km²";
    if (p.rate_years && p.rate_years.length) $("#a4-rate-note").textContent = `per year, mean of ${p.rate_years.join(", ")}`;
  } catch (e) {
    $("#a4-deadline-note").textContent = "Could not load Article 4 progress: " + e.message;
  }
}

// ---- Work plan ----

$("#wp-from").value = String(thisYear + 1);
const planQuery = () => {
  const q = new URLSearchParams({ from: $("#wp-from").value });
  if (Number($("#wp-teams").value) > 0) q.set("teams", $("#wp-teams").value);
  if (Number($("#wp-budget").value) > 0) q.set("budget", $("#wp-budget").value);
  return q;
};
const planURL = (format) => {
  const q = planQuery();
  q.set("format", format);
  return `/api/v1/reports/workplan?${q}`;
};

let planAbort = null;
async function loadPlan(ev) {
  ev?.preventDefault();
  for (const f of ["html", "xlsx", "csv"]) $(`#wp-${f}`).href = planURL(f);
  planAbort?.abort();
  planAbort = new AbortController();
  $("#wp-msg").textContent = "Planning…";
  try {
    const p = await getJSON(planURL("json"), planAbort.signal);
    const years = p.years.map((y) => y.year);
    const k = (v) => v / 1e6;
    const fmt = (v) => (v >= 10 ? Math.round(v).toLocaleString("en") : v.toLocaleString("en", { maximumFractionDigits: 2 }));
    if (years.length) {
      barChart($("#chart-plan"), years, ["cancelled", "reduced", "cleared"].map((mth) => ({
        label: METHOD_LABEL[mth], colour: COLOURS[mth], values: p.years.map((y) => k(y[`${mth}_m2`])),
      })), fmt, Math.max(560, 68 + years.length * 32));
    } else {
      $("#chart-plan").replaceChildren();
    }
    const d = p.deadline;
    let deadline = "";
    if (d && new Date(d.deadline).getUTCFullYear() < p.from_year) {
      deadline = ` · the deadline, ${fmtDate(d.deadline)}, falls before the plan`;
    } else if (d) {
      deadline = ` · deadline ${fmtDate(d.deadline)} ${d.meets_deadline ? "met" : `not met: ${km2(d.remaining_m2)} km² left then; ${d.teams_per_year_to_meet.toFixed(1)} teams a year would meet it`}`;
    }
    $("#wp-summary").textContent = `${p.areas.toLocaleString("en")} areas, ${km2(p.remaining_m2)} km², ${p.team_years.toFixed(1)} team-years, cost ${Math.round(p.cost).toLocaleString("en")} · completion ${p.completion ? fmtDate(p.completion) : "nothing remains"}${deadline}`;
    $("#wp-msg").textContent = "";
  } catch (e) {
    if (e.name !== "AbortError") $("#wp-msg").textContent = "Could not plan: " + e.message;
  }
}
$("#wp-form").addEventListener("submit", loadPlan);

// ---- Extension request draft: the work plan's capacity, until the date asked (or the one entered with the text) ----

const extURL = (format) => {
  const q = planQuery();
  q.delete("from");
  if ($("#ext-until").value) q.set("until", $("#ext-until").value);
  q.set("format", format);
  return `/api/v1/reports/extension-request?${q}`;
};

let extAbort = null;
async function loadExtension(ev) {
  ev?.preventDefault();
  for (const f of ["html", "xlsx"]) $(`#ext-${f}`).href = extURL(f);
  extAbort?.abort();
  extAbort = new AbortController();
  $("#ext-msg").textContent = "Drafting…";
  try {
    const d = await getJSON(extURL("json"), extAbort.signal);
    if (!$("#ext-until").value) $("#ext-until").value = String(d.requested_until).slice(0, 10);
    const plan = d.plan;
    $("#ext-summary").textContent = `${d.duration_months} months from the deadline of ${fmtDate(d.deadline.deadline)} to ${fmtDate(d.requested_until)}: ` +
      `${km2(d.at_entry_into_force.sha_area_m2 + d.at_entry_into_force.cha_area_m2)} km² at entry into force, ` +
      `${km2(d.remaining.sha_area_m2 + d.remaining.cha_area_m2)} km² remaining · the plan ` +
      (plan.completes_by_until ? "completes by then" : `leaves ${km2(plan.remaining_at_until_m2)} km² then`);
    $("#ext-msg").textContent = "";
  } catch (e) {
    if (e.name !== "AbortError") $("#ext-msg").textContent = "Could not draft: " + e.message;
  }
}
$("#ext-form").addEventListener("submit", loadExtension);
$("#wp-form").addEventListener("submit", () => $("#ext-until").value && loadExtension());

loadForm();
loadCharts();
loadArticle4();
loadPlan();
