// The sign-in page: POST /api/v1/session sets the HttpOnly session cookie; then back to where the user came from.
import "./style.css";
import { $, initHeader } from "./common.js";

// next is the page to return to: a path on this server only (never another host).
function next() {
  const n = new URLSearchParams(location.search).get("next") || "/";
  return n.startsWith("/") && !n.startsWith("//") && !n.startsWith("/\\") && !n.startsWith("/signin.html") ? n : "/";
}

initHeader().then((s) => {
  if (s) $("#signin-msg").textContent = `Signed in as ${s.user}. Sign in again to change user.`;
});

$("#signin").addEventListener("submit", async (e) => {
  e.preventDefault();
  const msg = $("#signin-msg");
  const button = $("#signin-submit");
  msg.className = "msg";
  msg.textContent = "Signing in…";
  button.disabled = true;
  try {
    const res = await fetch("/api/v1/session", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ user: $("#user").value.trim(), password: $("#password").value }),
    });
    if (res.ok) {
      msg.textContent = "Signed in.";
      location.assign(next());
      return;
    }
    let body = null;
    try {
      body = await res.json();
    } catch {
      /* not JSON */
    }
    msg.className = "msg error";
    msg.textContent = res.status === 401 ? "Wrong user or password." : (body && body.error && body.error.message) || `Sign-in failed: HTTP ${res.status}.`;
    $("#password").select();
  } catch (err) {
    msg.className = "msg error";
    msg.textContent = "The server could not be reached: " + err.message;
  } finally {
    button.disabled = false;
  }
});
