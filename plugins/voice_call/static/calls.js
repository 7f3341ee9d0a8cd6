// The voice-call panel: active, scheduled and past calls with their transcripts, refreshed each second.
"use strict";

(() => {
const page = window.assistantPage;
const el = page.el;

// A recording's player is kept across the page's refreshes, so it plays on while the list is redrawn.
const players = new Map();

function player(call) {
  if (!players.has(call.id)) {
    const audio = el("audio", "recording");
    audio.controls = true;
    audio.preload = "metadata";
    audio.src = call.recording;
    players.set(call.id, audio);
  }
  return players.get(call.id);
}

function renderCall(call) {
  const node = el("div", "call");
  node.dataset.callId = call.id;
  const who = call.direction === "inbound" ? `from ${call.from}` : `to ${call.to}`;
  node.append(el("div", "", ""));
  node.firstChild.append(el("span", "state", call.state), ` ${call.provider} call ${who}`,
    call.end_reason ? el("span", "muted", ` (${call.end_reason})`) : "");
  for (const turn of call.transcript) {
    const label = { caller: "Caller", assistant: "Assistant", note: "Message", done: "Done", pressed: "We pressed", system: "System", dtmf: "Key" }[turn.role] || turn.role;
    const extra = turn.heard_words ? ` (cut off after "${turn.heard_words}")`
      : turn.interrupted ? " (interrupted)" : turn.heard === false ? " (not heard)" : "";
    node.append(el("div", `turn ${turn.role}`, `${label}: ${turn.text}${extra}`));
  }
  for (const timing of call.turns || []) node.append(el("div", "turn timing muted", `Timing ${timing}`));
  if (call.recording) node.append(player(call));
  return node;
}

function renderList(id, items, render) {
  const box = page.$(id);
  box.textContent = "";
  if (!items.length) box.append(el("p", "muted", "None"));
  for (const item of items) box.append(render(item));
}

async function refreshCalls() {
  try {
    const calls = await page.api("/web/api/calls").then((r) => (r.ok ? r.json() : null));
    if (calls) {
      renderList("active-calls", calls.active, renderCall);
      renderList("past-calls", calls.recent.slice(0, 10), renderCall);
      renderList("scheduled-calls", calls.scheduled, (s) =>
        el("div", "call", `#${s.id} ${s.when}: ${s.mode} call to ${s.to} (${s.status}): ${s.message}`));
    }
  } catch (error) { /* shown by the login form, or retried on the next tick */ }
}

// Calls change by the second.
page.onRefresh(refreshCalls);
setInterval(() => { if (page.visible()) refreshCalls(); }, 1000);
})();
