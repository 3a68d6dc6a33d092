// The users page: an administrator creates users, changes their role, disables or enables them, and creates and
// revokes API tokens (the secret shown once). Everything goes through /api/v1/users and /api/v1/tokens.
import "./style.css";
import { $, getJSON, el, initHeader, send, errorText, fmtTime, ROLE_LABEL } from "./common.js";

const ROLES = ["field_team", "data_manager", "reporting_officer", "administrator"];
const cell = (text, cls) => el("td", { class: cls }, text == null ? "" : String(text));

function say(text, error) {
  $("#msg").textContent = text;
  $("#msg").className = error ? "msg error" : "msg";
}

function roleSelect(value) {
  const s = el("select", { "aria-label": "Role" }, ...ROLES.map((r) => el("option", { value: r, selected: r === value }, ROLE_LABEL[r] || r)));
  return s;
}

async function change(name, body, done) {
  const r = await send("PATCH", `/api/v1/users/${encodeURIComponent(name)}`, body);
  if (!r.ok) return say(`${name}: ${errorText(r)}`, true);
  await load(); // the tables are drawn again before the message says it is done
  say(done);
}

async function load() {
  const [us, ts] = await Promise.all([getJSON("/api/v1/users"), getJSON("/api/v1/tokens")]);
  $("#users tbody").replaceChildren(
    ...us.users.map((u) => {
      const role = roleSelect(u.role);
      role.addEventListener("change", () => change(u.name, { role: role.value }, `${u.name} is now ${ROLE_LABEL[role.value] || role.value}.`));
      const toggle = el("button", { type: "button", class: "secondary" }, u.disabled_at ? "Enable" : "Disable");
      toggle.addEventListener("click", () => change(u.name, { disabled: !u.disabled_at }, `${u.name} ${u.disabled_at ? "enabled" : "disabled"}.`));
      return el("tr", { "data-name": u.name }, cell(u.name), el("td", {}, role), cell(u.has_password ? "set" : "none"),
        cell(u.tokens, "num"), cell(u.disabled_at ? "disabled " + fmtTime(u.disabled_at) : "active"), el("td", {}, toggle));
    }),
  );
  $("#tokens tbody").replaceChildren(
    ...ts.tokens.map((t) => {
      const live = !t.revoked_at && (!t.expires_at || new Date(t.expires_at) > new Date());
      const revoke = el("button", { type: "button", class: "secondary", disabled: !live }, "Revoke");
      revoke.addEventListener("click", async () => {
        const r = await send("DELETE", `/api/v1/tokens/${t.id}`);
        if (!r.ok) return say(`token ${t.id}: ${errorText(r)}`, true);
        await load();
        say(`Token ${t.id} of ${t.user} revoked.`);
      });
      return el("tr", { "data-token": t.id }, cell(t.id), cell(t.user), cell(ROLE_LABEL[t.role] || t.role), cell(fmtTime(t.created_at)),
        cell(t.expires_at ? fmtTime(t.expires_at) : "never"), cell(fmtTime(t.revoked_at)), el("td", {}, revoke));
    }),
  );
  document.body.dataset.ready = "1";
}

for (const s of document.querySelectorAll("select.roles")) for (const r of ROLES) s.append(el("option", { value: r }, ROLE_LABEL[r] || r));

$("#new-user").addEventListener("submit", async (e) => {
  e.preventDefault();
  const f = Object.fromEntries(new FormData(e.target));
  if (!f.password) delete f.password;
  const r = await send("POST", "/api/v1/users", f);
  if (!r.ok) return say(errorText(r), true);
  e.target.reset();
  await load();
  say(`User ${f.name} created.`);
});

$("#new-token").addEventListener("submit", async (e) => {
  e.preventDefault();
  const f = Object.fromEntries(new FormData(e.target));
  const r = await send("POST", "/api/v1/tokens", { user: f.user, role: f.role, expires_days: Number(f.expires_days) || 0 });
  if (!r.ok) return say(errorText(r), true);
  await load();
  $("#secret-value").textContent = r.body.token;
  $("#secret").hidden = false;
  say(`Token created for ${f.user}.`);
});

initHeader().then(() => load().catch((err) => say(err.message, true)));
