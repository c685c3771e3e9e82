// The web chat client: one websocket, messages acknowledged by the server after they
// are stored; anything not acknowledged is sent again (with the same id) on reconnect.
"use strict";
(() => {
  const main = document.getElementById("chat");
  const log = document.getElementById("log");
  const statusLine = document.getElementById("status");
  const form = document.getElementById("composer");
  const textBox = document.getElementById("text");
  const photoInput = document.getElementById("photo");
  const t = main.dataset;
  const pending = new Map();      // client id -> message, until the server acknowledges it
  const shown = new Set();        // ids of bot messages already on screen
  let socket = null;
  let retryDelay = 500;

  const newId = () => (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) +
    Math.random().toString(16).slice(2)).replace(/[^A-Za-z0-9_-]/g, "");

  function connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(`${scheme}//${location.host}/chat/ws`);
    socket.addEventListener("open", () => {
      retryDelay = 500;
      statusLine.textContent = t.online;
      for (const message of pending.values()) socket.send(JSON.stringify(message));
    });
    socket.addEventListener("message", (event) => receive(JSON.parse(event.data)));
    socket.addEventListener("close", () => {
      statusLine.textContent = t.offline;
      setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 10000);
    });
  }

  function receive(event) {
    if (event.type === "history") {
      log.textContent = "";
      shown.clear();
      for (const item of event.items) item.type === "mine" ? showMine(item) : showBot(item);
      for (const message of pending.values()) showMine(message, true);
    } else if (event.type === "message") {
      showBot(event);
    } else if (event.type === "edit") {
      const target = log.querySelector(`[data-id="${event.target}"]`);
      if (target) target.replaceWith(botElement(event, event.target));
    } else if (event.type === "ack") {
      pending.delete(event.client_id);
      const mine = log.querySelector(`[data-client-id="${event.client_id}"] .meta`);
      if (mine) mine.textContent = t.sent;
    } else if (event.type === "refused") {
      // Not taken (too many messages at once): not sent again; the bot says why.
      pending.delete(event.client_id);
      const mine = log.querySelector(`[data-client-id="${event.client_id}"] .meta`);
      if (mine) mine.textContent = t.refused;
    } else if (event.type === "retry" || event.type === "unavailable") {
      statusLine.textContent = t.unavailable;
      setTimeout(() => socket.close(), 3000);
    }
  }

  function botElement(item, id) {
    const li = document.createElement("li");
    li.className = "msg bot";
    li.dataset.id = id;
    if (item.photo_attachment) li.append(image(item.photo_attachment, item.text));
    li.append(document.createTextNode(item.text || ""));
    if (item.document) {
      const link = document.createElement("a");
      link.className = "document";
      link.href = `/chat/media/${item.document}`;
      link.textContent = t.document;
      link.setAttribute("download", "");
      li.append(link);
    }
    const buttons = (item.buttons || []).flat().filter((b) => b.kind !== "contact");
    if (buttons.length) {
      const box = document.createElement("div");
      box.className = "buttons";
      for (const spec of buttons) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = spec.label;
        button.addEventListener("click", () => press(spec));
        box.append(button);
      }
      li.append(box);
    }
    return li;
  }

  function showBot(item) {
    if (shown.has(item.id)) return;
    shown.add(item.id);
    log.append(botElement(item, item.id));
    scroll();
  }

  function showMine(item, waiting = false) {
    const li = document.createElement("li");
    li.className = "msg mine";
    if (item.client_id) li.dataset.clientId = item.client_id;
    if (item.photo_attachment || item.attachment_id) {
      li.append(image(item.photo_attachment || item.attachment_id, t.photo));
    } else if (item.location || item.latitude !== undefined) {
      const [lat, lon] = item.location || [item.latitude, item.longitude];
      li.append(document.createTextNode(`${t.location}: ${Number(lat).toFixed(5)}, ` +
                                        `${Number(lon).toFixed(5)}`));
    } else {
      li.append(document.createTextNode(item.text || ""));
    }
    if (waiting) {
      const meta = document.createElement("span");
      meta.className = "meta";
      meta.textContent = t.sending;
      li.append(meta);
    }
    log.append(li);
    scroll();
  }

  function image(attachmentId, alt) {
    const img = document.createElement("img");
    img.src = `/chat/media/${attachmentId}`;
    img.alt = alt || t.photo;
    img.loading = "lazy";
    return img;
  }

  function scroll() { main.scrollTop = main.scrollHeight; }

  function send(message, echo = true) {
    message.client_id = newId();
    pending.set(message.client_id, message);
    if (echo) showMine(message, true);
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  function press(spec) {
    if (spec.kind === "location") return shareLocation();
    send({ type: "button", payload: spec.payload }, false);
  }

  function shareLocation() {
    if (!navigator.geolocation) { statusLine.textContent = t.noGeolocation; return; }
    navigator.geolocation.getCurrentPosition(
      (position) => send({ type: "location", latitude: position.coords.latitude,
                           longitude: position.coords.longitude }),
      () => { statusLine.textContent = t.noGeolocation; });
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = textBox.value.trim();
    if (!text) return;
    textBox.value = "";
    send({ type: "text", text });
    textBox.focus();
  });
  textBox.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
  });
  document.getElementById("location").addEventListener("click", shareLocation);
  photoInput.addEventListener("change", async () => {
    const file = photoInput.files[0];
    photoInput.value = "";
    if (!file) return;
    const body = new FormData();
    body.append("photo", file);
    const response = await fetch("/chat/upload", { method: "POST", body });
    if (!response.ok) {
      // The server says why (not a photo, too many this hour) in the person's language;
      // what they typed stays in the composer.
      const answer = await response.json().catch(() => ({}));
      statusLine.textContent = answer.message || t.uploadFailed;
      return;
    }
    const { attachment_id } = await response.json();
    send({ type: "photo", attachment_id });
  });

  // A link from a QR code or an invite (/?start=sv_... or inv_...) starts the chat with
  // it, once: the address is cleaned so that a reload does not send it again.
  const start = new URLSearchParams(location.search).get("start");
  if (start && /^(sv|inv)_[A-Za-z0-9_-]{8,64}$/.test(start)) {
    send({ type: "text", text: `/start ${start}` });
    history.replaceState(null, "", location.pathname);
  }

  connect();
})();
