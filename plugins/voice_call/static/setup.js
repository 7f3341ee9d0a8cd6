// The setup panel: each step runs the owner's own setup tool on the server (/web/api/setup/<step>);
// a step that needs the owner's yes comes back with the question, shown here, and is sent again
// with the answer. Where setup stands is shown in words.
"use strict";

(() => {
const page = window.assistantPage;
const $ = page.$;
const el = page.el;
let credentialArgs = [];
let pending = null; // the step waiting for the owner's yes: [step, args]
let ownerNumber = null; // as stored

function setResult(text, ok) {
  $("setup-result").textContent = text;
  $("setup-result").className = ok ? "" : "error";
}

async function runStep(step, args, confirmed = false) {
  setResult("Working...", true);
  const response = await page.api(`/web/api/setup/${step}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ args, confirmed }),
  });
  const answer = await response.json();
  if (answer.confirm) {
    pending = [step, args];
    $("setup-question").textContent = answer.confirm;
    $("setup-confirm").hidden = false;
    setResult("", true);
    return;
  }
  setResult(answer.message || answer.error || "", answer.ok);
  await page.refresh();
}

$("setup-yes").addEventListener("click", () => {
  $("setup-confirm").hidden = true;
  if (pending) runStep(pending[0], pending[1], true);
  pending = null;
});
$("setup-no").addEventListener("click", () => {
  $("setup-confirm").hidden = true;
  pending = null;
  setResult("Nothing was changed.", true);
});

function onSubmit(id, step, args) {
  $(id).addEventListener("submit", (event) => {
    event.preventDefault();
    runStep(step, args());
  });
}

const numbers = (text) => text.split(/[\s,;]+/).filter(Boolean);

onSubmit("setup-provider-form", "provider", () => ({ provider: $("setup-provider").value }));
$("setup-credentials-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const args = { phone_number: $("setup-phone-number").value.trim() };
  for (const arg of credentialArgs) args[arg] = $(`setup-${arg}`).value.trim();
  await runStep("credentials", args);
  // Secrets leave the page once sent: the vault has them now (or the owner types them again).
  for (const input of $("setup-credential-fields").querySelectorAll("input[type=password]")) input.value = "";
});
onSubmit("setup-connect-form", "connect", () => ({}));
onSubmit("setup-callers-form", "callers", () => {
  const policy = $("setup-policy").value;
  const listed = numbers($("setup-allow-from").value);
  return listed.length ? { policy, allow_from: listed } : { policy };
});

$("setup-tunnel").addEventListener("change", () => {
  $("setup-ngrok-token").hidden = $("setup-tunnel").value !== "ngrok";
  $("setup-public-url").hidden = $("setup-tunnel").value !== "none";
});
$("setup-tunnel-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const tunnel = $("setup-tunnel").value;
  if (tunnel === "none" && $("setup-public-url").value.trim()) {
    await runStep("public_url", { url: $("setup-public-url").value.trim() });
  }
  const args = { tunnel };
  if (tunnel === "ngrok" && $("setup-ngrok-token").value.trim()) args.ngrok_authtoken = $("setup-ngrok-token").value.trim();
  await runStep("tunnel", args);
  $("setup-ngrok-token").value = "";
});
$("setup-test-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const owner = $("setup-owner-number").value.trim();
  if (owner && owner !== ownerNumber) await runStep("owner", { number: owner });
  if (pending) return; // the owner's number waits for a yes first
  await runStep("test_call", {});
});

function renderCredentials(setup) {
  const fields = $("setup-credential-fields");
  const wanted = setup.credentials.map((c) => c.arg).join(",");
  if (fields.dataset.for === `${setup.provider}:${wanted}`) return; // keep what the owner is typing
  fields.dataset.for = `${setup.provider}:${wanted}`;
  fields.textContent = "";
  credentialArgs = setup.credentials.map((c) => c.arg);
  for (const credential of setup.credentials) {
    const input = el("input");
    input.id = `setup-${credential.arg}`;
    input.placeholder = credential.label;
    input.setAttribute("aria-label", credential.label);
    input.autocomplete = "off";
    if (credential.secret) input.type = "password";
    fields.append(input);
  }
}

async function refreshSetup() {
  try {
    const setup = await page.api("/web/api/setup").then((r) => (r.ok ? r.json() : null));
    if (!setup) return;
    for (const step of setup.steps) {
      const item = document.querySelector(`#setup-steps li[data-step="${step.step}"]`);
      item.classList.toggle("done", step.done);
      item.querySelector(".state").textContent = step.text;
      if (step.step === "test_call") {
        $("setup-heard").hidden = !step.heard;
        $("setup-heard").textContent = step.heard ? `You said: "${step.heard}"` : "";
      }
    }
    if (setup.provider) $("setup-provider").value = setup.provider;
    ownerNumber = setup.owner_number;
    renderCredentials(setup);
  } catch (error) { /* shown by the login form, or retried on the next refresh */ }
}

page.onRefresh(refreshSetup);
// A tunnel's address and a test call's outcome arrive by themselves: look again every few seconds.
setInterval(() => { if (page.visible()) refreshSetup(); }, 3000);
})();
