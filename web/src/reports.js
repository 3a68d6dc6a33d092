// The reports page: Article 7 Form F for a year and level, its downloads, two charts over the years (drawn as
// inline SVG, no chart library), the Article 4 deadline beside the projected completion, the work plan, the
// extension request draft, and the completion of Article 4.1(c) with the declarations of completion.
import "./style.css";
import { $, getJSON, send, errorText, el, int, km2, ha, can, COLOURS, METHOD_LABEL, DECLARERS, RESIDUAL_TIP, initHeader } from "./common.js";

const sessionReady = initHeader();

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
    const residual = r.total.residual_count
      ? `Of the closing stock, ${int(r.total.residual_count)} area(s), ${km2(r.total.residual_area_m2)} km², are residual contamination, found after a completion date. `
      : "";
    $("#f-msg").textContent = residual + (diffs ? `${diffs} change(s) of stock outside the flows of the year are explained in the downloads.` : "");
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
    $("#a4-remaining-note").textContent = "SHA and CHA, today" +
      (p.residual_count ? `, of which ${km2(p.residual_area_m2)} km² residual (${int(p.residual_count)} area${p.residual_count === 1 ? "" : "s"} found after a completion date)` : "");
    $("#a4-remaining-note").title = p.residual_count ? RESIDUAL_TIP : "";
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
      })), fmt, Math.min(1400, Math.max(560, 68 + years.length * 32)));
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
    const residual = p.residual_areas ? ` (of which ${int(p.residual_areas)} residual, ${km2(p.residual_m2)} km²)` : "";
    $("#wp-summary").textContent = `${p.areas.toLocaleString("en")} areas${residual}, ${km2(p.remaining_m2)} km², ${p.team_years.toFixed(1)} team-years, cost ${Math.round(p.cost).toLocaleString("en")} · completion ${p.completion ? fmtDate(p.completion) : "nothing remains"}${deadline}`;
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

// ---- Completion of Article 4.1(c): the summary of the State or an admin unit on a date, the declarations in force,
// and (data managers and administrators) a declaration of the scope chosen ----

// utcToday is the server's today: it refuses an on or completed_on after it.
const utcToday = () => new Date().toISOString().slice(0, 10);
const isoDay = (s) => (s ? String(s).slice(0, 10) : "");
const unitNames = new Map(); // admin unit code -> name
const scopeLabel = (code) => (!code ? "the State" : unitNames.has(code) ? `${unitNames.get(code)} (${code})` : code);
const m2ha = (m2) => `${int(m2)} m² (${ha(m2)} ha)`;

$("#cp-on").value = utcToday();
$("#cp-on").max = utcToday();
$("#cp-declared").max = utcToday();

const completionURL = (format, draft = false) => {
  const q = new URLSearchParams();
  if ($("#cp-admin").value) q.set("admin", $("#cp-admin").value);
  q.set("on", $("#cp-on").value || utcToday());
  if ($("#cp-asof").value) q.set("as_of", $("#cp-asof").value);
  if (draft) q.set("draft", "true");
  q.set("format", format);
  return `/api/v1/reports/completion?${q}`;
};

function verdict(complete, text, why) {
  const v = $("#cp-verdict");
  v.hidden = false;
  v.className = `verdict ${complete ? "good" : "bad"}`;
  v.replaceChildren(text, why ? el("span", { class: "why" }, why) : null);
  $("#completion").dataset.complete = complete ? "true" : "false";
}

const kpi = (label, value, note, id) =>
  el("div", { class: "kpi", id }, el("span", { class: "kpi-label" }, label), el("span", { class: "kpi-value" }, value), el("span", { class: "kpi-note" }, note || ""));

// showComplete shows a complete summary: its completion date, the releases since entry into force, the residual
// contamination and the declaration on record.
function showComplete(s) {
  const scope = scopeLabel(s.admin_code);
  verdict(true, `Complete: no CMR area open in ${scope} on ${fmtDate(s.on)}`, `as recorded ${String(s.as_of).slice(0, 16).replace("T", " ")} UTC · ${int(s.areas.length)} CMR area(s) in the summary`);
  const t = s.totals;
  const released = t.cancelled_area_m2 + t.reduced_area_m2 + t.cleared_area_m2;
  const d = s.declared;
  $("#cp-result").replaceChildren(
    el("div", { class: "kpis" },
      kpi("Completion date", s.completion_date ? fmtDate(s.completion_date) : "—", s.completion_date ? "the last CMR area closed" : "no CMR area was closed here", "cp-date"),
      kpi("Released", `${km2(released)} km²`, `${s.since ? `since entry into force, ${fmtDate(s.since)}` : "every release"}: cancelled ${km2(t.cancelled_area_m2)}, reduced ${km2(t.reduced_area_m2)}, cleared ${km2(t.cleared_area_m2)} km² · ${int(t.items_destroyed_total)} items destroyed`, "cp-released"),
      kpi("Residual", int(s.residual_count), `${m2ha(s.residual_area_m2)}: CMR areas found after a completion date`, "cp-residual"),
      kpi("Declared", d ? fmtDate(d.completed_on) : "not declared", d ? `on ${fmtDate(d.declared_on)} by ${d.recorded_by}${d.note ? ` · ${d.note}` : ""}` : `no completion date on record for ${scope}`, "cp-declared-kpi"),
    ),
  );
  $("#cp-residual").title = RESIDUAL_TIP;
  if (!$("#cp-completed").value && s.completion_date) $("#cp-completed").value = isoDay(s.completion_date);
}

// OPEN_REASON reads a detail of the 409 answer: "3 open CMR area(s), 12000 m2 remaining".
const OPEN_REASON = /^(\d+) open CMR area\(s\), (\d+) m2 remaining$/;

// showOpen shows the 409 answer of a summary not complete: its message and, per admin unit of its details, the
// open CMR areas and their remaining area.
function showOpen(error) {
  verdict(false, `Not complete: CMR areas remain open in ${scopeLabel($("#cp-admin").value)}`, error.message);
  const rows = (error.details || []).map((d) => {
    const unit = d.field === "UNASSIGNED" ? "no admin unit" : unitNames.get(d.field) || d.field;
    const code = d.field === "UNASSIGNED" ? null : el("span", { class: "code" }, d.field);
    const m = OPEN_REASON.exec(d.reason || "");
    return el("tr", { "data-unit": d.field }, el("td", {}, unit, code),
      ...(m ? [el("td", { class: "num" }, int(Number(m[1]))), el("td", { class: "num" }, int(Number(m[2]))), el("td", { class: "num" }, ha(Number(m[2])))]
        : [el("td", { colspan: 3 }, d.reason || "")]));
  });
  $("#cp-result").replaceChildren(
    el("h3", {}, "Open CMR areas by admin unit"),
    el("div", { class: "table-scroll" }, el("table", { id: "cp-open", class: "grid report" },
      el("thead", {}, el("tr", {}, el("th", {}, "Admin unit"), el("th", { class: "num" }, "Open areas"), el("th", { class: "num" }, "Remaining (m²)"), el("th", { class: "num" }, "Remaining (ha)"))),
      el("tbody", {}, rows))),
  );
}

let completionAbort = null;
async function checkCompletion(ev) {
  ev?.preventDefault();
  completionAbort?.abort();
  completionAbort = new AbortController();
  for (const id of ["#cp-html", "#cp-csv", "#cp-draft"]) $(id).hidden = true;
  $("#cp-html").href = completionURL("html");
  $("#cp-csv").href = completionURL("csv");
  $("#cp-draft").href = completionURL("html", true);
  $("#cp-msg").className = "msg";
  $("#cp-msg").textContent = "Checking…";
  $("#completion").dataset.complete = "";
  try {
    const s = await getJSON(completionURL("json"), completionAbort.signal);
    showComplete(s);
    $("#cp-html").hidden = $("#cp-csv").hidden = false;
    $("#cp-msg").textContent = "";
  } catch (e) {
    if (e.name === "AbortError") return;
    $("#cp-result").replaceChildren();
    if (e.status === 409 && e.body && e.body.error) {
      showOpen(e.body.error);
      $("#cp-draft").hidden = false;
      $("#cp-msg").textContent = "The draft holds the summary all the same, headed NOT COMPLETE.";
    } else {
      $("#cp-verdict").hidden = true;
      $("#cp-msg").className = "msg error";
      $("#cp-msg").textContent = "Could not check: " + e.message + (e.status === 422 ? " (download the CSV instead)" : "");
      if (e.status === 422) $("#cp-csv").hidden = false;
    }
  }
}
$("#cp-form").addEventListener("submit", checkCompletion);
$("#cp-admin").addEventListener("change", () => {
  $("#cp-declare-scope").textContent = scopeLabel($("#cp-admin").value);
  $("#cp-completed").value = "";
});

async function loadCompletions() {
  try {
    const r = await getJSON("/api/v1/completion");
    showCompletions(r.completions || []);
  } catch (e) {
    $("#cp-list tbody").replaceChildren(el("tr", {}, el("td", { colspan: 6, class: "empty" }, "Could not list the declarations: " + e.message)));
  }
}

function showCompletions(list) {
  $("#cp-list tbody").replaceChildren(
    ...(list.length
      ? list.map((c) => el("tr", { "data-scope": c.admin_code || "state" },
          el("td", {}, c.admin_code ? [unitNames.get(c.admin_code) || c.admin_code, el("span", { class: "code" }, c.admin_code)] : "The State"),
          el("td", {}, isoDay(c.completed_on)), el("td", {}, isoDay(c.declared_on)), el("td", {}, c.note || ""),
          el("td", {}, c.recorded_by || ""), el("td", {}, String(c.recorded_at || "").slice(0, 16).replace("T", " "))))
      : [el("tr", {}, el("td", { colspan: 6, class: "empty" }, "No completion date declared."))]),
  );
}

// declare PUTs the declaration of the scope chosen; a refusal (409 while CMR areas are open, 422, 403) shows the
// API's message. On success the list (the PUT's answer) and the summary are shown again.
async function declare(ev) {
  ev.preventDefault();
  const code = $("#cp-admin").value;
  const msg = $("#cp-declare-msg");
  const body = { completed_on: $("#cp-completed").value, note: $("#cp-note").value };
  if ($("#cp-declared").value) body.declared_on = $("#cp-declared").value;
  msg.className = "msg";
  msg.textContent = "Declaring…";
  $("#cp-declare-submit").disabled = true;
  try {
    const r = await send("PUT", `/api/v1/completion/${code ? encodeURIComponent(code) : "state"}`, body);
    if (!r.ok) {
      msg.className = "msg error";
      msg.textContent = `Not declared (${r.status}): ${errorText(r)}`;
      return;
    }
    msg.className = "msg ok";
    msg.textContent = `Declared: ${scopeLabel(code)} complete on ${fmtDate(body.completed_on)}.`;
    showCompletions((r.body && r.body.completions) || []);
    $("#cp-note").value = "";
    checkCompletion();
  } catch (e) {
    msg.className = "msg error";
    msg.textContent = "Could not declare: " + e.message;
  } finally {
    $("#cp-declare-submit").disabled = false;
  }
}
$("#cp-declare").addEventListener("submit", declare);
sessionReady.then((s) => {
  $("#cp-declare").hidden = !can(s, DECLARERS);
});

// The scopes: the State, then the admin units of level 1 and 2 by name (a registry may have no level 2).
async function loadScopes() {
  const levels = await Promise.all([1, 2].map((l) => getJSON(`/api/v1/admin-units?level=${l}&geometry=false`).catch(() => ({ features: [] }))));
  [["Provinces", levels[0]], ["Districts", levels[1]]].forEach(([label, fc]) => {
    const units = fc.features.map((f) => f.properties).sort((a, b) => a.name.localeCompare(b.name));
    for (const u of units) unitNames.set(u.code, u.name);
    if (units.length) $("#cp-admin").append(el("optgroup", { label }, units.map((u) => el("option", { value: u.code }, `${u.name} (${u.code})`))));
  });
  document.body.dataset.scopes = String(unitNames.size);
}
loadScopes().then(loadCompletions);

loadForm();
loadCharts();
loadArticle4();
loadPlan();
