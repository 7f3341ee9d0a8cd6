// The web page: login, chat over a WebSocket (replies stream in), status and calls refreshed each second.
"use strict";

const $ = (id) => document.getElementById(id);
let chatSocket = null;
let streaming = null; // the assistant message being streamed

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function addMessage(role, text) {
  const node = el("div", `msg ${role}`);
  node.append(el("b", "", { user: "You", assistant: "Assistant", notice: "Notice", error: "Error" }[role] || role), text);
  $("messages").append(node);
  $("messages").scrollTop = $("messages").scrollHeight;
  return node;
}

async function api(path, options) {
  const response = await fetch(path, { credentials: "same-origin", ...options });
  if (response.status === 401) { showLogin(); throw new Error("log in first"); }
  return response;
}

function showLogin() { $("app").hidden = true; $("login").hidden = false; }

async function showApp() {
  $("login").hidden = true; $("app").hidden = false;
  connectChat();
  refresh();
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const response = await fetch("/web/login", { method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ token: $("token").value }) });
  if (response.ok) { $("token").value = ""; $("login-error").textContent = ""; showApp(); }
  else $("login-error").textContent = (await response.json()).error;
});

$("logout").addEventListener("click", async () => {
  await fetch("/web/logout", { method: "POST" });
  if (chatSocket) chatSocket.close();
  showLogin();
});

function connectChat() {
  if (chatSocket && chatSocket.readyState <= 1) return;
  chatSocket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/web/ws/chat`);
  chatSocket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "history") {
      $("messages").textContent = "";
      $("model").textContent = message.model;
      for (const m of message.messages) addMessage(m.role, m.text);
    } else if (message.type === "user") {
      addMessage("user", message.text);
      streaming = addMessage("assistant", "");
    } else if (message.type === "delta") {
      if (!streaming) streaming = addMessage("assistant", "");
      streaming.append(message.text);
      $("messages").scrollTop = $("messages").scrollHeight;
    } else if (message.type === "reply") {
      if (!streaming) streaming = addMessage("assistant", "");
      streaming.replaceChildren(streaming.firstChild, message.text); // the final text replaces the streamed pieces
      streaming.dataset.done = "true";
      streaming = null;
      refresh();
    } else if (message.type === "notice") {
      addMessage("notice", message.text);
      refresh();
    } else if (message.type === "error") {
      addMessage("error", message.text);
    }
  };
  chatSocket.onclose = () => setTimeout(() => { if (!$("app").hidden) connectChat(); }, 1000);
}

$("chat-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("chat-input").value.trim();
  if (!text || !chatSocket || chatSocket.readyState !== 1) return;
  chatSocket.send(JSON.stringify({ type: "say", text }));
  $("chat-input").value = "";
});

function renderConfig(status) {
  const config = $("config");
  config.textContent = "";
  for (const [plugin, summary] of Object.entries(status.plugins)) {
    for (const [key, value] of Object.entries(summary)) {
      const dd = el("dd", "", typeof value === "object" ? JSON.stringify(value) : String(value));
      dd.dataset.key = `${plugin}.${key}`;
      config.append(el("dt", "", key), dd);
    }
  }
  const checks = $("checks");
  checks.textContent = "";
  for (const check of status.checks) checks.append(el("li", check.status, `${check.name}: ${check.detail}`));
}

function renderCall(call) {
  const node = el("div", "call");
  node.dataset.callId = call.id;
  const who = call.direction === "inbound" ? `from ${call.from}` : `to ${call.to}`;
  node.append(el("div", "", ""));
  node.firstChild.append(el("span", "state", call.state), ` ${call.provider} call ${who}`,
    call.end_reason ? el("span", "muted", ` (${call.end_reason})`) : "");
  for (const turn of call.transcript) {
    const label = { caller: "Caller", assistant: "Assistant", note: "Message", system: "System", dtmf: "Key" }[turn.role] || turn.role;
    const extra = turn.interrupted ? " (interrupted)" : turn.heard === false ? " (not heard)" : "";
    node.append(el("div", `turn ${turn.role}`, `${label}: ${turn.text}${extra}`));
  }
  return node;
}

function renderList(id, items, render) {
  const box = $(id);
  box.textContent = "";
  if (!items.length) box.append(el("p", "muted", "None"));
  for (const item of items) box.append(render(item));
}

async function refreshStatus() {
  try { renderConfig(await api("/web/api/status").then((r) => r.json())); } catch (error) { /* retried later */ }
}

async function refresh() {
  refreshStatus();
  await refreshCalls();
}

async function refreshCalls() {
  try {
    const calls = await api("/web/api/calls").then((r) => (r.ok ? r.json() : null));
    if (calls) {
      renderList("active-calls", calls.active, renderCall);
      renderList("past-calls", calls.recent.slice(0, 10), renderCall);
      renderList("scheduled-calls", calls.scheduled, (s) =>
        el("div", "call", `#${s.id} ${s.when}: ${s.mode} call to ${s.to} (${s.status}): ${s.message}`));
    }
  } catch (error) { /* shown by the login form, or retried on the next tick */ }
}

// Calls change by the second; the status (which runs the doctor's checks) every ten seconds.
setInterval(() => { if (!$("app").hidden) refreshCalls(); }, 1000);
setInterval(() => { if (!$("app").hidden) refreshStatus(); }, 10000);
fetch("/web/api/status", { credentials: "same-origin" }).then((r) => (r.ok ? showApp() : showLogin()));
