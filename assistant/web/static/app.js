// The web page: login, chat over a WebSocket (replies stream in), status; plugins add their own panels.
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
  node.append(el("b", "", { user: "You", assistant: "Assistant", notice: "Notice", quoted: "Caller words", error: "Error" }[role] || role), text);
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
      for (const words of message.quoted || []) addMessage("quoted", words); // callers' words, kept apart
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

async function refreshStatus() {
  try { renderConfig(await api("/web/api/status").then((r) => r.json())); } catch (error) { /* retried later */ }
}

const refreshers = [];

async function refresh() {
  refreshStatus();
  await Promise.all(refreshers.map((fn) => fn()));
}

// What a plugin's panel script may use (plugin scripts load after this one).
window.assistantPage = {
  $, el, api, refresh,
  onRefresh: (fn) => refreshers.push(fn),
  visible: () => !$("app").hidden,
};

// The status runs the doctor's checks: every ten seconds.
setInterval(() => { if (!$("app").hidden) refreshStatus(); }, 10000);
window.addEventListener("load", () =>
  fetch("/web/api/status", { credentials: "same-origin" }).then((r) => (r.ok ? showApp() : showLogin())));
