// The web chat client: one websocket, messages acknowledged by the server after they
// are stored; anything not acknowledged is sent again (with the same id) on reconnect.
"use strict";
(() => {
  const main = document.getElementById("chat");
  const scroller = document.getElementById("scroller");
  const log = document.getElementById("log");
  const jump = document.getElementById("jump");
  const statusLine = document.getElementById("status");
  const form = document.getElementById("composer");
  const textBox = document.getElementById("text");
  const locationButton = document.getElementById("location");
  const t = main.dataset;
  const language = document.documentElement.lang;
  const pending = new Map();      // client id -> message, until the server acknowledges it
  const shown = new Set();        // ids of bot messages already on screen
  const silent = new Set();       // client ids of messages not shown as the person's
  let socket = null;
  let retryDelay = 500;
  let greeted = false;
  let following = true;           // keep the newest message in view
  let pressed = null;             // the bot button just used: its answer gets the focus
  let placed = null;              // where the answer's focus was put

  const newId = () => (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) +
    Math.random().toString(16).slice(2)).replace(/[^A-Za-z0-9_-]/g, "");

  function connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(`${scheme}//${location.host}/chat/ws?lang=${language}`);
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
      for (const [id, message] of pending) if (!silent.has(id)) showMine(message, true);
      toBottom();
      // A first visit opens with the greeting and the menu, without a word typed.
      if (!event.items.length && !pending.size && !greeted) {
        greeted = true;
        send({ type: "text", text: "/start" }, false);
      }
    } else if (event.type === "message") {
      showBot(event);
      if (pressed) focusAnswer();
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
    const buttons = (item.buttons || []).flat().filter((b) => b.kind !== "contact" &&
      (b.kind !== "location" || navigator.geolocation));
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
    added(botElement(item, item.id), false);
  }

  function showMine(item, waiting = false) {
    // The hidden /start that opens a first visit is not the person's words.
    if (item.text === "/start" && !waiting) return;
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
    added(li, waiting);
  }

  function image(attachmentId, alt) {
    const img = document.createElement("img");
    img.src = `/chat/media/${attachmentId}`;
    img.alt = alt || t.photo;
    // A photo takes its height only once loaded: a follower stays at the bottom.
    img.addEventListener("load", () => { if (following) toBottom(); });
    return img;
  }

  // --- keeping the newest message in view -------------------------------------------
  // Follow the conversation unless the person scrolled up to read: then a "new
  // messages" button says there is more below. What they send always brings them down.

  const atBottom = () => scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 32;

  function toBottom() {
    scroller.scrollTop = scroller.scrollHeight;
    following = true;
    jump.hidden = true;
  }

  function added(element, mine) {
    log.append(element);
    if (following || mine) toBottom();
    else jump.hidden = false;
  }

  // Only a scroll up stops following: the scroll event of our own move to the bottom may
  // come after a photo above grew the log, when the view is no longer at the bottom.
  let lastTop = scroller.scrollTop;
  scroller.addEventListener("scroll", () => {
    const top = scroller.scrollTop;
    if (top < lastTop) following = atBottom();
    else if (atBottom()) following = true;
    lastTop = top;
    if (following) jump.hidden = true;
  }, { passive: true });
  // Photos loading, text wrapping anew, the keyboard or the typing box changing the
  // room left: whatever moves the bottom, a follower stays at it.
  const keep = new ResizeObserver(() => { if (following) toBottom(); });
  keep.observe(log);
  keep.observe(scroller);
  jump.addEventListener("click", () => { toBottom(); scroller.focus(); });

  function focusAnswer() {
    // Several messages may answer one press, not always close together: each moves the
    // focus on to the newest one's first button (or to the typing box when it has none),
    // as long as the focus is still where the press or the previous message left it.
    clearTimeout(focusAnswer.timer);
    focusAnswer.timer = setTimeout(() => {
      const here = document.activeElement;
      if (here !== pressed && here !== placed && here !== document.body) {
        pressed = null;  // the person went elsewhere: later messages leave the focus be
        return;
      }
      const last = log.lastElementChild;
      const first = last && last.classList.contains("bot") &&
        last.querySelector(".buttons button");
      placed = first || textBox;
      placed.focus({ preventScroll: true });
    }, 150);
  }

  // --- sending ----------------------------------------------------------------------

  function send(message, echo = true) {
    message.client_id = newId();
    pending.set(message.client_id, message);
    if (echo) showMine(message, true);
    else { silent.add(message.client_id); toBottom(); }
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  function press(spec) {
    pressed = document.activeElement;
    if (spec.kind === "location") return shareLocation();
    send({ type: "button", payload: spec.payload }, false);
  }

  function shareLocation() {
    if (!navigator.geolocation) { statusLine.textContent = t.noGeolocation; return; }
    statusLine.textContent = t.locating;
    navigator.geolocation.getCurrentPosition(
      (position) => {
        statusLine.textContent = t.online;
        send({ type: "location", latitude: position.coords.latitude,
               longitude: position.coords.longitude });
      },
      () => { statusLine.textContent = t.noGeolocation; },
      { enableHighAccuracy: true, timeout: 20000 });
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = textBox.value.trim();
    if (!text) return;
    textBox.value = "";
    fitTextBox();
    send({ type: "text", text });
    textBox.focus();
  });
  textBox.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  // The typing box grows with what is typed (up to its max-height), the log giving room.
  function fitTextBox() {
    textBox.style.height = "auto";
    textBox.style.height = `${textBox.scrollHeight + 2}px`;
  }
  textBox.addEventListener("input", () => {
    // Typing: what comes next does not move the focus away, nor does the move an answer
    // that came just before was about to make (Enter would press its button instead).
    pressed = null;
    clearTimeout(focusAnswer.timer);
    fitTextBox();
  });

  if (navigator.geolocation) locationButton.addEventListener("click", shareLocation);
  else locationButton.hidden = true;
  for (const input of document.querySelectorAll(".photo-input")) {
    input.addEventListener("change", async () => {
      const file = input.files[0];
      input.value = "";
      if (!file) return;
      const body = new FormData();
      body.append("photo", file);
      statusLine.textContent = t.uploading;
      let response;
      try {
        response = await fetch("/chat/upload", { method: "POST", body });
      } catch {
        response = null;
      }
      if (!response || !response.ok) {
        // The server says why (not a photo, too many this hour) in the person's language;
        // what they typed stays in the composer.
        const answer = response ? await response.json().catch(() => ({})) : {};
        statusLine.textContent = answer.message || t.uploadFailed;
        return;
      }
      statusLine.textContent = t.online;
      const { attachment_id } = await response.json();
      send({ type: "photo", attachment_id });
    });
  }

  // A link from a QR code or an invite (/?start=sv_... or inv_...) starts the chat with
  // it, once: the address is cleaned so that a reload does not send it again.
  const query = new URLSearchParams(location.search);
  const start = query.get("start");
  if (start && /^(sv|inv)_[A-Za-z0-9_-]{8,64}$/.test(start)) {
    greeted = true;
    send({ type: "text", text: `/start ${start}` });
    query.delete("start");
    history.replaceState(null, "", location.pathname + (query.size ? `?${query}` : ""));
  }

  connect();
})();
