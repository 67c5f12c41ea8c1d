// VoiceShop demo page: record from the microphone (encoded to 16-bit WAV here, in the
// browser), upload a WAV, or type; shows what the gateway answered and speaks the reply.
// No libraries, no CDN.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { sessionId: sessionStorage.getItem("voiceshop-session") || "", recorder: null };

// The API key: from the page URL (#key=…), else what was typed before.
(function initKey() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const key = fragment.get("key") || localStorage.getItem("voiceshop-key") || "";
  $("api-key").value = key;
  if (fragment.get("user")) $("user-id").value = fragment.get("user");
  $("api-key").addEventListener("change", () => localStorage.setItem("voiceshop-key", $("api-key").value));
  if (key) localStorage.setItem("voiceshop-key", key);
  $("session-id").textContent = state.sessionId || "new";
})();

function headers(extra) {
  const h = Object.assign({ "X-API-Key": $("api-key").value }, extra || {});
  if ($("user-id").value) h["X-User-Id"] = $("user-id").value;
  if (state.sessionId) h["X-Session-Id"] = state.sessionId;
  return h;
}

function setStatus(text, isError) {
  $("status").textContent = text;
  $("status").className = isError ? "error" : "";
}

async function send(path, body, contentType) {
  setStatus("Thinking…");
  const started = performance.now();
  let response;
  try {
    response = await fetch(path, { method: "POST", headers: headers({ "Content-Type": contentType }), body });
  } catch (error) {
    setStatus("The gateway cannot be reached: " + error, true);
    return;
  }
  let data;
  try {
    data = await response.json();
  } catch (error) {
    setStatus("HTTP " + response.status + ": the answer is not JSON", true);
    return;
  }
  if (!response.ok) {
    const e = data.error || {};
    const heard = e.details && e.details.transcript ? " (heard: “" + e.details.transcript + "”)" : "";
    setStatus("HTTP " + response.status + " " + (e.code || "") + ": " + (e.message || "") + heard, true);
    return;
  }
  setStatus("Answered in " + Math.round(performance.now() - started) + " ms.");
  show(data);
}

function text(tag, className, content) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  element.textContent = content;
  return element;
}

function money(price, currency) {
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency: currency || "USD" }).format(price);
  } catch (error) {
    return price.toFixed(2) + " " + (currency || "");
  }
}

function show(data) {
  if (data.session_id) {
    state.sessionId = data.session_id;
    sessionStorage.setItem("voiceshop-session", data.session_id);
    $("session-id").textContent = data.session_id;
  }
  $("answer").hidden = false;
  const heard = data.transcript !== undefined ? data.transcript : data.corrected_text;
  const corrections = (data.corrections || []).map((c) => c.from + " → " + c.to).join(", ");
  $("transcript").textContent = (heard || "") + (corrections ? "  (corrected: " + corrections + ")" : "");
  $("intent").textContent = data.intent ? data.intent.name + " (" + Math.round(data.intent.confidence * 100) + "%)" : "";
  const filters = Object.entries(data.filters || {}).map(([k, v]) => k + ": " + v);
  if (data.sort) filters.push("sort: " + data.sort);
  if (data.quantity) filters.push("quantity: " + data.quantity);
  if (data.order_id) filters.push("order: " + data.order_id);
  $("filters").textContent = filters.join(", ") || "none";
  $("reply").textContent = data.reply || "";
  const t = data.timings_ms || {};
  $("timings").textContent = ["asr", "nlu", "rec", "total"].filter((k) => t[k] !== undefined).map((k) => k + " " + Math.round(t[k]) + " ms").join(" · ");

  const action = $("action");
  if (data.action && data.action.type !== "clarify") {
    action.hidden = false;
    action.textContent = data.action.type.replace(/_/g, " ") + ": " + data.action.status.replace(/_/g, " ");
  } else {
    action.hidden = true;
  }

  const list = $("results");
  list.replaceChildren();
  for (const product of data.results || []) {
    const card = document.createElement("li");
    card.className = "card";
    card.dataset.productId = product.id;
    const image = document.createElement("div");
    image.className = "image";
    if (product.image_url) {
      const img = document.createElement("img");
      img.alt = product.title;
      img.loading = "lazy";
      img.src = product.image_url;
      img.onerror = () => { img.remove(); image.textContent = "no image"; };
      image.appendChild(img);
    } else {
      image.textContent = "no image";
    }
    const body = document.createElement("div");
    body.className = "body";
    body.append(
      text("span", "title", product.title),
      text("span", "brand", product.brand + " · " + product.category),
      text("span", "price", money(product.price, product.currency)),
      text("span", "rating", "★ " + (product.rating || 0).toFixed(1) + " (" + product.review_count + " reviews)"),
      text("span", "why", product.why || ""));
    card.append(image, body);
    card.addEventListener("click", () => recordEvent("click", product.id, data.request_id));
    list.appendChild(card);
  }
  if ($("speak").checked && data.reply && "speechSynthesis" in window) {
    speechSynthesis.cancel();
    speechSynthesis.speak(new SpeechSynthesisUtterance(data.reply));
  }
}

function recordEvent(type, productId, requestId) {
  const user = $("user-id").value || (state.sessionId ? "guest-" + state.sessionId : "");
  if (!user) return;
  fetch("v1/events", {
    method: "POST",
    headers: headers({ "Content-Type": "application/json" }),
    body: JSON.stringify({ type, product_id: productId, user_id: user, request_id: requestId, session_id: state.sessionId }),
  }).catch(() => {});
}

// Typed text.
$("text-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const value = $("text").value.trim();
  if (value) send("v1/search", JSON.stringify({ text: value }), "application/json");
});

// An uploaded WAV file goes as it is.
$("wav-file").addEventListener("change", async () => {
  const file = $("wav-file").files[0];
  if (!file) return;
  setStatus("Uploading " + file.name + "…");
  await send("v1/voice-search", await file.arrayBuffer(), "audio/wav");
  $("wav-file").value = "";
});

// Microphone: collect float samples while the button is held, then encode a 16 kHz mono WAV.
async function startRecording() {
  if (state.recorder) return;
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    setStatus("This browser cannot record (the page must be served from localhost or HTTPS).", true);
    return;
  }
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true } });
  } catch (error) {
    setStatus("No microphone: " + error.message, true);
    return;
  }
  const context = new AudioContext();
  const source = context.createMediaStreamSource(stream);
  const processor = context.createScriptProcessor(4096, 1, 1);
  const chunks = [];
  processor.onaudioprocess = (event) => chunks.push(new Float32Array(event.inputBuffer.getChannelData(0)));
  source.connect(processor);
  processor.connect(context.destination);
  state.recorder = { stream, context, source, processor, chunks };
  $("record").classList.add("recording");
  setStatus("Listening… release to send.");
}

async function stopRecording() {
  const recorder = state.recorder;
  if (!recorder) return;
  state.recorder = null;
  $("record").classList.remove("recording");
  recorder.processor.disconnect();
  recorder.source.disconnect();
  recorder.stream.getTracks().forEach((track) => track.stop());
  const rate = recorder.context.sampleRate;
  await recorder.context.close();
  const samples = concat(recorder.chunks);
  if (samples.length < rate * 0.3) {
    setStatus("That was too short: hold the button while you speak.", true);
    return;
  }
  await send("v1/voice-search", encodeWAV(resample(samples, rate, 16000), 16000), "audio/wav");
}

function concat(chunks) {
  const out = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) { out.set(chunk, offset); offset += chunk.length; }
  return out;
}

// Linear-interpolation resampling with a box pre-filter when going down.
function resample(input, from, to) {
  if (from === to) return input;
  const ratio = from / to;
  const out = new Float32Array(Math.floor(input.length / ratio));
  const span = Math.max(1, Math.floor(ratio));
  for (let i = 0; i < out.length; i++) {
    const position = i * ratio;
    const index = Math.floor(position);
    let sum = 0;
    let count = 0;
    for (let k = 0; k < span && index + k < input.length; k++) { sum += input[index + k]; count++; }
    out[i] = count ? sum / count : 0;
  }
  return out;
}

function encodeWAV(samples, rate) {
  const buffer = new ArrayBuffer(44 + samples.length * 2);
  const view = new DataView(buffer);
  const ascii = (offset, s) => { for (let i = 0; i < s.length; i++) view.setUint8(offset + i, s.charCodeAt(i)); };
  ascii(0, "RIFF"); view.setUint32(4, 36 + samples.length * 2, true); ascii(8, "WAVE");
  ascii(12, "fmt "); view.setUint32(16, 16, true); view.setUint16(20, 1, true); view.setUint16(22, 1, true);
  view.setUint32(24, rate, true); view.setUint32(28, rate * 2, true); view.setUint16(32, 2, true); view.setUint16(34, 16, true);
  ascii(36, "data"); view.setUint32(40, samples.length * 2, true);
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i]));
    view.setInt16(44 + i * 2, s < 0 ? s * 0x8000 : s * 0x7fff, true);
  }
  return new Blob([buffer], { type: "audio/wav" });
}

const button = $("record");
button.addEventListener("mousedown", startRecording);
button.addEventListener("touchstart", (e) => { e.preventDefault(); startRecording(); });
for (const end of ["mouseup", "mouseleave", "touchend"]) button.addEventListener(end, stopRecording);
