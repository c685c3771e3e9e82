// The web chat on another site (a province or commune portal), from one tag:
//   <script src="https://pakn.example.gov.vn/chat/embed.js" data-lang="vi" defer></script>
// A floating button opens the chat in a panel (an iframe of the chat page); the portal
// must be listed in PAKN_EMBED_ORIGINS. Optional: data-label, data-position="left".
"use strict";
(() => {
  const script = document.currentScript;
  if (!script || document.getElementById("pakn-chat-widget")) return;
  const origin = new URL(script.src).origin;
  const wanted = (script.dataset.lang || document.documentElement.lang || "vi").slice(0, 2);
  const lang = wanted === "en" ? "en" : "vi";
  const words = {
    vi: { open: "Gửi phản ánh, kiến nghị", close: "Đóng", title: "Phản ánh, kiến nghị (PAKN)" },
    en: { open: "Send feedback (PAKN)", close: "Close", title: "Feedback and recommendations (PAKN)" },
  }[lang];
  const label = script.dataset.label || words.open;
  const side = script.dataset.position === "left" ? "left" : "right";

  const host = document.createElement("div");
  host.id = "pakn-chat-widget";
  // A shadow root keeps the portal's styles and ours apart.
  const root = host.attachShadow({ mode: "open" });
  root.innerHTML = `
    <style>
      :host { all: initial; }
      .launcher, .close { font: 600 1rem/1.2 system-ui, -apple-system, "Segoe UI", Roboto,
        "Noto Sans", sans-serif; cursor: pointer; border-radius: 2rem; }
      .launcher { position: fixed; ${side}: max(1rem, env(safe-area-inset-${side}));
        bottom: max(1rem, env(safe-area-inset-bottom)); z-index: 2147483000;
        display: flex; align-items: center; gap: .5rem; min-height: 3rem;
        padding: .75rem 1.1rem; background: #0b5cad; color: #fff; border: 2px solid #fff;
        box-shadow: 0 .2rem .8rem rgba(0, 0, 0, .35); }
      .launcher:hover { background: #084a8c; }
      .panel { position: fixed; ${side}: 1rem; bottom: 5rem; z-index: 2147483001;
        width: min(26rem, calc(100vw - 2rem)); height: min(42rem, calc(100vh - 7rem));
        height: min(42rem, calc(100dvh - 7rem)); display: flex; flex-direction: column;
        background: #fff; border: 1px solid #8a949e; border-radius: .8rem; overflow: hidden;
        box-shadow: 0 .4rem 1.6rem rgba(0, 0, 0, .35); }
      .panel[hidden] { display: none; }
      .head { display: flex; justify-content: flex-end; padding: .25rem; background: #0b5cad; }
      .close { background: #fff; color: #0b5cad; border: 1px solid #fff; padding: .4rem .9rem;
        min-height: 2.5rem; }
      iframe { flex: 1; width: 100%; border: 0; }
      :focus-visible { outline: 3px solid #1b1f23; outline-offset: 2px; }
      .launcher:focus-visible, .close:focus-visible { box-shadow: 0 0 0 3px #fff; }
      @media (max-width: 30rem) {
        .panel { inset: 0; width: 100%; height: 100%; border-radius: 0; border: 0; }
      }
    </style>
    <div class="panel" id="panel" role="dialog" aria-label="${words.title}" hidden>
      <div class="head"><button type="button" class="close">${words.close}</button></div>
    </div>
    <button type="button" class="launcher" aria-expanded="false" aria-controls="panel">
      <svg aria-hidden="true" viewBox="0 0 24 24" width="22" height="22"><path fill="currentColor"
        d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H8l-5 4V5a2 2 0 0 1 1-2z"/></svg>
      <span></span>
    </button>`;
  const launcher = root.querySelector(".launcher");
  const panel = root.querySelector(".panel");
  launcher.querySelector("span").textContent = label;

  function open() {
    if (!panel.querySelector("iframe")) {
      const frame = document.createElement("iframe");
      frame.title = words.title;
      frame.src = `${origin}/?embed=1&lang=${lang}`;
      frame.allow = "geolocation";
      panel.append(frame);
    }
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    panel.querySelector("iframe").focus();
  }

  function close() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }

  launcher.addEventListener("click", () => (panel.hidden ? open() : close()));
  root.querySelector(".close").addEventListener("click", close);
  panel.addEventListener("keydown", (event) => { if (event.key === "Escape") close(); });
  if (document.body) document.body.append(host);
  else document.addEventListener("DOMContentLoaded", () => document.body.append(host));
})();
