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
      if ((message.approval || []).length) addApproval(message.approval);
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

function say(text) {
  if (!chatSocket || chatSocket.readyState !== 1) return false;
  chatSocket.send(JSON.stringify({ type: "say", text }));
  return true;
}

// Questions waiting for the owner's yes. The answer is sent as the owner's own message: "yes",
// "yes 1 3" (the ticked ones, when there are several) or "no".
function addApproval(questions) {
  const box = el("div", "approval");
  const ticks = questions.map((q, i) => {
    const line = el("label", "question");
    const tick = el("input");
    tick.type = "checkbox";
    tick.value = String(i + 1);
    if (questions.length > 1) line.append(tick, " ");
    line.append(q);
    box.append(line);
    return tick;
  });
  const answers = {
    yes: () => (questions.length > 1 ? `yes ${ticks.filter((t) => t.checked).map((t) => t.value).join(" ")}` : "yes"),
    no: () => "no",
  };
  for (const [name, answer] of Object.entries(answers)) {
    const label = name === "no" ? "No" : questions.length > 1 ? "Yes to the ticked" : "Yes, do it";
    const button = el("button", name, label);
    button.type = "button";
    button.addEventListener("click", () => {
      const text = answer();
      if (text === "yes " || !say(text)) return;
      for (const b of box.querySelectorAll("button, input")) b.disabled = true;
    });
    box.append(button);
  }
  $("messages").append(box);
  $("messages").scrollTop = $("messages").scrollHeight;
}

$("chat-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("chat-input").value.trim();
  if (!text || !say(text)) return;
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
  // The doctor, grouped: what works, then what to do next (warnings and failures).
  const checks = $("checks");
  checks.textContent = "";
  const groups = [["What works", status.checks.filter((c) => c.status === "ok")],
                  ["What to do next", status.checks.filter((c) => c.status !== "ok")]];
  for (const [title, items] of groups) {
    if (!items.length) continue;
    checks.append(el("li", "group", title));
    for (const check of items) checks.append(el("li", check.status, `${check.name}: ${check.detail}`));
  }
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
