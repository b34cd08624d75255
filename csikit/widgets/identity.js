// The phone's side of csikit.widgets.identity.PhoneLink (an anywidget ES module).
//
// 1. Remembers the participant token in localStorage, keyed by workshop code, and hands it
//    to the kernel ("hello"), so a reload, a reopened tab or the join link opened again
//    brings the same person back. Another tab that joins tells this one (storage event).
// 2. Pings the kernel every few seconds; when no answer comes for `lost_after_s`, shows a
//    "Connection lost — tap to reconnect" banner; tapping reloads the page.
// 3. When the page goes away (pagehide), asks the Voila server to shut its kernel down.
//    Voila's own beforeunload beacon does the same but is refused (403): it sends the
//    page's `_xsrf` cookie, which Voila never sets. The cookie is a double-submit token
//    (cookie == form field), so the page sets a random one of its own.

const BANNER_ID = "csikit-connection-lost";

function storageKey(code) {
  return `csikit:participant:${code}`;
}

function readToken(code) {
  try {
    return window.localStorage.getItem(storageKey(code)) || "";
  } catch (e) {
    return ""; // storage disabled (private mode): the person joins as before
  }
}

function writeToken(code, token) {
  try {
    if (token) window.localStorage.setItem(storageKey(code), token);
    else window.localStorage.removeItem(storageKey(code));
  } catch (e) {
    /* storage disabled: nothing to remember */
  }
}

function xsrfCookie() {
  const found = document.cookie.match(/(?:^|;\s*)_xsrf=([^;]*)/);
  if (found && found[1]) return found[1];
  const bytes = new Uint8Array(16);
  window.crypto.getRandomValues(bytes);
  const value = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  document.cookie = `_xsrf=${value}; path=/; SameSite=Strict`;
  return value;
}

function pageConfig() {
  const node = document.getElementById("jupyter-config-data");
  try {
    return node ? JSON.parse(node.textContent || "{}") : {};
  } catch (e) {
    return {};
  }
}

// The page keeps its widgets' look when the kernel is gone: no broken-link icons on every
// widget (ipywidgets marks disconnected views so); the banner says it in words instead.
const STYLE = `
.csikit-participant .jupyter-widgets-disconnected::before,
.csikit-participant.jupyter-widgets-disconnected::before { display: none !important; }
#${BANNER_ID} { position: fixed; inset: 0; z-index: 100000; background: rgba(255, 255, 255, 0.7);
  cursor: pointer; -webkit-tap-highlight-color: transparent; }
#${BANNER_ID} > div { background: #b00020; color: #fff; font-size: 1.15em; font-weight: bold;
  text-align: center; padding: 18px 12px; box-shadow: 0 2px 8px rgba(0, 0, 0, 0.35); }
`;

function addStyle() {
  if (document.getElementById(`${BANNER_ID}-style`)) return;
  const style = document.createElement("style");
  style.id = `${BANNER_ID}-style`;
  style.textContent = STYLE;
  document.head.appendChild(style);
}

function showBanner(show) {
  let banner = document.getElementById(BANNER_ID);
  if (!show) {
    if (banner) banner.style.display = "none";
    return;
  }
  if (!banner) {
    // covers the page: a tap on a stale button would go nowhere, a tap anywhere reconnects
    banner = document.createElement("div");
    banner.id = BANNER_ID;
    const bar = document.createElement("div");
    bar.setAttribute("role", "alert");
    bar.textContent = "Connection lost — tap to reconnect";
    banner.appendChild(bar);
    banner.addEventListener("click", () => window.location.reload());
    document.body.appendChild(banner);
  }
  banner.style.display = "block";
}

function render({ model, el }) {
  el.style.display = "none"; // nothing to see: the banner, when needed, covers the page
  addStyle();
  const code = model.get("code");
  const send = (msg) => {
    try {
      model.send(msg);
      return true;
    } catch (e) {
      return false; // the kernel connection is gone: the ping timeout says so
    }
  };

  // --- who am I ---------------------------------------------------------------------
  const remember = () => {
    const token = model.get("token");
    if (token) writeToken(code, token);
  };
  remember();
  model.on("change:token", remember);
  send({ kind: "hello", token: readToken(code) });
  const onStorage = (event) => {
    if (event.key === storageKey(code) && event.newValue) send({ kind: "hello", token: event.newValue });
  };
  window.addEventListener("storage", onStorage);

  // --- am I still connected ------------------------------------------------------------
  // `pending`: when the oldest unanswered ping was sent (ms; 0: every ping was answered).
  let pending = 0;
  let lastPing = 0;
  let lastTick = 0;
  let n = 0;
  const ping = (now) => {
    if (!pending) pending = now;
    lastPing = now;
    send({ kind: "ping", n: ++n });
  };
  const onMessage = (msg) => {
    if (!msg || typeof msg !== "object") return;
    if (msg.kind === "pong") {
      pending = 0; // any answer: the kernel is alive (a late one hides the banner again)
      showBanner(false);
    } else if (msg.kind === "forget") {
      writeToken(code, "");
    }
  };
  model.on("msg:custom", onMessage);
  const timer = window.setInterval(() => {
    const now = Date.now();
    // a background tab runs timers rarely: time the tab slept is not time without an answer
    if (lastTick && now - lastTick > 5000 && pending) pending = now;
    lastTick = now;
    // ipywidgets marks every view disconnected when the kernel died or restarted: then a few
    // seconds without an answer are enough; otherwise (a slow server) wait `lost_after_s`
    const marked = document.querySelector(".csikit-participant.jupyter-widgets-disconnected, .csikit-participant .jupyter-widgets-disconnected");
    const patience = marked ? Math.min(3, model.get("lost_after_s")) : model.get("lost_after_s");
    if (pending && now - pending > patience * 1000) showBanner(true);
    if (now - lastPing >= model.get("ping_s") * 1000) ping(now);
  }, 1000);
  const onVisible = () => {
    if (document.visibilityState !== "visible") return;
    const now = Date.now();
    lastTick = now;
    if (pending) pending = now;
    ping(now);
  };
  document.addEventListener("visibilitychange", onVisible);

  // --- when the page goes away, its kernel goes too -----------------------------------
  const config = pageConfig();
  xsrfCookie(); // set now, so that Voila's own beforeunload beacon is accepted too
  const onHide = () => {
    if (!config.kernelId) return;
    const form = new FormData();
    form.append("_xsrf", xsrfCookie()); // read again: the server may have set its own since
    try {
      navigator.sendBeacon(`${config.baseUrl || "/"}voila/api/shutdown/${config.kernelId}`, form);
    } catch (e) {
      /* the culler ends it later */
    }
  };
  window.addEventListener("pagehide", onHide);

  return () => {
    window.clearInterval(timer);
    window.removeEventListener("storage", onStorage);
    window.removeEventListener("pagehide", onHide);
    document.removeEventListener("visibilitychange", onVisible);
    model.off("msg:custom", onMessage);
    model.off("change:token", remember);
  };
}

export default { render };
