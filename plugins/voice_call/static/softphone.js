// The browser softphone: the microphone and speaker as a phone line, speaking Twilio's media-stream
// dialect to /voice/softphone/stream, so a test call runs through the same code as a carrier's.
"use strict";

(() => {
const page = window.assistantPage;

const softphone = { ws: null, ctx: null, media: null, playAt: 0, sources: [], marks: [], chunk: 0 };

function ulawEncode(sample) {
  const BIAS = 0x84, CLIP = 32635;
  let s = Math.max(-1, Math.min(1, sample)) * 32767;
  const sign = s < 0 ? 0x80 : 0;
  s = Math.min(Math.abs(s), CLIP) + BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; exponent--, mask >>= 1);
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

function ulawDecode(byte) {
  const u = ~byte & 0xff;
  const t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
  return ((u & 0x80) ? 0x84 - t : t - 0x84) / 32768;
}

function toBase64(bytes) { let s = ""; for (const b of bytes) s += String.fromCharCode(b); return btoa(s); }
function fromBase64(text) { const s = atob(text); const out = new Uint8Array(s.length); for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i); return out; }

function phoneSend(message) {
  if (softphone.ws && softphone.ws.readyState === 1) softphone.ws.send(JSON.stringify(message));
}

function echoMark(name) { phoneSend({ event: "mark", streamSid: softphone.sid, mark: { name } }); }

function play(payload) {
  const ctx = softphone.ctx;
  const bytes = fromBase64(payload);
  const buffer = ctx.createBuffer(1, bytes.length, 8000);
  const data = buffer.getChannelData(0);
  for (let i = 0; i < bytes.length; i++) data[i] = ulawDecode(bytes[i]);
  const source = ctx.createBufferSource();
  source.buffer = buffer;
  source.connect(ctx.destination);
  softphone.playAt = Math.max(softphone.playAt, ctx.currentTime + 0.05);
  source.start(softphone.playAt);
  softphone.playAt += buffer.duration;
  softphone.sources.push(source);
  source.onended = () => { softphone.sources = softphone.sources.filter((s) => s !== source); };
}

function markWhenPlayed(name) {
  const delay = Math.max(0, softphone.playAt - softphone.ctx.currentTime) * 1000;
  const entry = { name, timer: setTimeout(() => { softphone.marks = softphone.marks.filter((m) => m !== entry); echoMark(name); }, delay) };
  softphone.marks.push(entry);
}

function clearPlayback() {
  for (const source of softphone.sources) { try { source.stop(); } catch (e) { /* already ended */ } }
  softphone.sources = [];
  for (const entry of softphone.marks) { clearTimeout(entry.timer); echoMark(entry.name); } // as Twilio does
  softphone.marks = [];
  softphone.playAt = softphone.ctx.currentTime;
}

async function startTestCall() {
  const state = page.$("softphone-state");
  const response = await page.api("/web/api/softphone", { method: "POST" });
  const call = await response.json();
  if (!response.ok) { state.textContent = call.error; return; }
  softphone.media = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true } });
  softphone.ctx = new AudioContext();
  await softphone.ctx.audioWorklet.addModule("/web/plugins/voice_call/softphone-worklet.js");
  const capture = new AudioWorkletNode(softphone.ctx, "phone-capture", { processorOptions: { rate: softphone.ctx.sampleRate } });
  const mute = softphone.ctx.createGain();
  mute.gain.value = 0; // the worklet must be pulled by the graph, but the caller need not hear themselves
  softphone.ctx.createMediaStreamSource(softphone.media).connect(capture).connect(mute).connect(softphone.ctx.destination);
  softphone.sid = `MZ${crypto.randomUUID().replaceAll("-", "")}`;
  softphone.chunk = 0;
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${call.stream_path}`);
  softphone.ws = ws;
  ws.onopen = () => {
    phoneSend({ event: "connected", protocol: "Call", version: "1.0.0" });
    phoneSend({ event: "start", sequenceNumber: "1", streamSid: softphone.sid, start: {
      streamSid: softphone.sid, callSid: call.call_sid, tracks: ["inbound"], customParameters: { token: call.token },
      mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 } } });
    state.textContent = "connected";
    page.$("softphone").textContent = "Hang up";
  };
  capture.port.onmessage = (event) => {
    const frame = event.data;
    const bytes = new Uint8Array(frame.length);
    for (let i = 0; i < frame.length; i++) bytes[i] = ulawEncode(frame[i]);
    softphone.chunk++;
    phoneSend({ event: "media", streamSid: softphone.sid, media: { track: "inbound", chunk: String(softphone.chunk),
      timestamp: String(softphone.chunk * 20), payload: toBase64(bytes) } });
  };
  ws.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.event === "media") play(message.media.payload);
    else if (message.event === "mark") markWhenPlayed(message.mark.name);
    else if (message.event === "clear") clearPlayback();
  };
  ws.onclose = (event) => { state.textContent = `call ended${event.reason ? ": " + event.reason : ""}`; endTestCall(false); };
}

function endTestCall(sendStop = true) {
  if (sendStop) phoneSend({ event: "stop", streamSid: softphone.sid, stop: {} });
  if (softphone.ws) softphone.ws.close();
  if (softphone.media) softphone.media.getTracks().forEach((track) => track.stop());
  if (softphone.ctx) softphone.ctx.close();
  Object.assign(softphone, { ws: null, ctx: null, media: null, playAt: 0, sources: [], marks: [] });
  page.$("softphone").textContent = "Start test call";
  page.refresh();
}

page.$("softphone").addEventListener("click", () => {
  if (softphone.ws) endTestCall(); else startTestCall().catch((error) => { page.$("softphone-state").textContent = error.message; });
});
})();
