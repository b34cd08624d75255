// The join page's host (docs/ROOM-PROTOCOL.md): opens the room's websocket, says hello with the
// workshop code and the person's token, and hands the screens it receives to the shell
// module (phone.js) through a small model that follows anywidget's front-end module standard
// (AFM): `{get, set, on, off, send, save_changes}`.
//
// - The page is `<root>/room/?code=…` (the server redirects `<root>/?code=…` there); the socket
//   is `<root>/room/ws`, found from this file's own URL (`<root>/room/static/room.js`), so the
//   page works behind a proxy that mounts the room under a path; ws:// or wss:// as the page
//   was loaded.
// - Who this phone is: the token from a personal link (`?t=`) or the one this browser
//   remembers for the workshop code (localStorage `csikit:participant:<code>`); a token the
//   server does not know is forgotten (the join form shows). Another tab that joins tells
//   this one (the storage event), so all tabs of one browser are one person.
// - It pings every PING_MS; a socket that closes, or stays silent after a ping, is lost: the
//   page shows "Connection lost — tap to reconnect" over everything, reconnects on a tap,
//   and by itself with a backoff; the hello on the new socket brings the same person back.

import shell from "./phone.js";

const BANNER_ID = "csikit-connection-lost";
const PING_MS = 15000;
const SILENT_MS = 8000; // no answer this long after a ping: the socket is dead
const BANNER_AFTER_MS = 1200; // a drop mended within this never shows the banner
const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];

const params = new URLSearchParams(window.location.search);
let code = (params.get("code") || "").trim().toUpperCase();
const linkToken = (params.get("t") || params.get("p") || "").trim();
const page = new URL("../", import.meta.url); // <root>/room/ (this file is <root>/room/static/room.js)

function storageKey(c) {
  return `csikit:participant:${c}`;
}
function readToken(c) {
  try {
    return (c && window.localStorage.getItem(storageKey(c))) || "";
  } catch (e) {
    return ""; // storage disabled: the person joins as before
  }
}
function writeToken(c, token) {
  if (!c) return;
  try {
    if (token) window.localStorage.setItem(storageKey(c), token);
    else window.localStorage.removeItem(storageKey(c));
  } catch (e) {
    /* storage disabled: nothing to remember */
  }
}

/** The AFM model the modules see: state, change events, custom messages, `send` over the socket. */
class SocketModel {
  constructor(sendRaw) {
    this.state = { screen: null, link: "" };
    this.handlers = new Map();
    this.sendRaw = sendRaw;
  }
  get(key) {
    return this.state[key];
  }
  set(key, value) {
    if (this.state[key] === value) return;
    this.state[key] = value;
    this.emit(`change:${key}`, this, value);
  }
  save_changes() {
    /* nothing syncs back: phones act through messages */
  }
  on(name, cb) {
    if (!this.handlers.has(name)) this.handlers.set(name, new Set());
    this.handlers.get(name).add(cb);
  }
  off(name, cb) {
    if (!name) this.handlers.clear();
    else if (!cb) this.handlers.delete(name);
    else if (this.handlers.has(name)) this.handlers.get(name).delete(cb);
  }
  emit(name, ...args) {
    for (const cb of [...(this.handlers.get(name) || [])]) {
      try {
        cb(...args);
      } catch (e) {
        console.error("csikit:", name, e);
      }
    }
  }
  send(msg) {
    this.sendRaw(msg);
  }
}

// --- the banner ---------------------------------------------------------------------------
let bannerTimer = 0;
function banner(show) {
  let node = document.getElementById(BANNER_ID);
  window.clearTimeout(bannerTimer);
  if (!show) {
    if (node) node.hidden = true;
    return;
  }
  bannerTimer = window.setTimeout(() => {
    if (!node) {
      // covers the page: a tap on a stale button would go nowhere, a tap anywhere reconnects
      node = document.createElement("div");
      node.id = BANNER_ID;
      const bar = document.createElement("div");
      bar.setAttribute("role", "alert");
      bar.textContent = "Connection lost — tap to reconnect";
      node.appendChild(bar);
      node.addEventListener("click", () => reconnectNow());
      document.body.appendChild(node);
    }
    node.hidden = false;
  }, BANNER_AFTER_MS);
}

// --- the socket --------------------------------------------------------------------------------
let socket = null;
let attempt = 0;
let retryTimer = 0;
let lastHeard = 0;
let pingSent = 0;
let helloToken = "";
let answered = false; // the current socket brought a screen
let usedLink = false; // the personal link's token was tried (the first hello)

function wsUrl() {
  const url = new URL("ws", page);
  url.protocol = window.location.protocol === "https:" ? "wss:" : "ws:";
  return url.href;
}

function sendRaw(msg) {
  if (!socket || socket.readyState !== WebSocket.OPEN) throw new Error("not connected");
  socket.send(JSON.stringify(msg));
}

const model = new SocketModel(sendRaw);

function rejoinLink(token) {
  if (!token || !code) return "";
  const url = new URL(page.href);
  url.search = new URLSearchParams({ code, t: token }).toString();
  return url.href;
}

function hello(token) {
  helloToken = token || "";
  try {
    sendRaw({ type: "hello", code, token: helloToken });
  } catch (e) {
    /* the close handler reconnects */
  }
}

function onMessage(event) {
  lastHeard = Date.now();
  pingSent = 0;
  let msg;
  try {
    msg = JSON.parse(event.data);
  } catch (e) {
    return;
  }
  if (!msg || typeof msg !== "object") return;
  if (msg.type === "screen" && msg.screen) {
    const screen = msg.screen;
    if (!answered) {
      answered = true;
      attempt = 0;
      banner(false);
    }
    const ws = screen.workshop || {};
    if (!code && ws.code) code = String(ws.code);
    const me = screen.me || {};
    const joined = me.participant !== null && me.participant !== undefined;
    if (!joined && helloToken) {
      // a stale or forged token: forget it (the join form shows)
      if (readToken(code) === helloToken) writeToken(code, "");
      helloToken = "";
    }
    if (joined && helloToken) {
      writeToken(code, helloToken);
      model.set("link", rejoinLink(helloToken));
    }
    model.set("screen", screen);
  } else if (msg.type === "joined") {
    helloToken = msg.token || "";
    writeToken(code, helloToken);
    model.set("link", rejoinLink(helloToken));
    model.emit("msg:custom", msg, []);
  } else if (msg.type === "pong") {
    /* alive */
  } else {
    model.emit("msg:custom", msg, []);
  }
}

function connect() {
  window.clearTimeout(retryTimer);
  if (socket) {
    const old = socket;
    socket = null;
    old.onclose = old.onmessage = old.onerror = null;
    try {
      old.close();
    } catch (e) {
      /* gone already */
    }
  }
  answered = false;
  let ws;
  try {
    ws = new WebSocket(wsUrl());
  } catch (e) {
    lost();
    return;
  }
  socket = ws;
  ws.onopen = () => {
    lastHeard = Date.now();
    pingSent = 0;
    const first = !usedLink;
    usedLink = true;
    hello(first && linkToken ? linkToken : readToken(code) || linkToken);
  };
  ws.onmessage = onMessage;
  ws.onclose = () => {
    if (socket === ws) {
      socket = null;
      lost();
    }
  };
  ws.onerror = () => {
    /* onclose follows */
  };
}

function lost() {
  banner(true);
  const delay = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)] * (0.75 + Math.random() * 0.5);
  attempt += 1;
  window.clearTimeout(retryTimer);
  retryTimer = window.setTimeout(connect, delay);
}

function reconnectNow() {
  attempt = 0;
  connect();
}

function ping() {
  if (!socket || socket.readyState !== WebSocket.OPEN) return;
  if (!pingSent) pingSent = Date.now();
  try {
    socket.send(JSON.stringify({ type: "ping" }));
  } catch (e) {
    /* onclose follows */
  }
}

window.setInterval(() => {
  const now = Date.now();
  if (socket && socket.readyState === WebSocket.OPEN) {
    if (pingSent && now - pingSent > SILENT_MS) {
      const dead = socket;
      socket = null;
      dead.onclose = dead.onmessage = dead.onerror = null;
      try {
        dead.close();
      } catch (e) {
        /* gone */
      }
      lost();
    } else if (now - lastHeard >= PING_MS && !pingSent) {
      ping();
    }
  }
}, 1000);

document.addEventListener("visibilitychange", () => {
  if (document.visibilityState !== "visible") return;
  if (socket && socket.readyState === WebSocket.OPEN) ping();
  else reconnectNow(); // a phone that slept: come back at once
});

window.addEventListener("storage", (event) => {
  // another tab of this browser joined (or rejoined): this tab is that person too
  if (!code || event.key !== storageKey(code) || !event.newValue) return;
  const screen = model.get("screen") || {};
  const me = screen.me || {};
  if (event.newValue !== helloToken || me.participant === null || me.participant === undefined) hello(event.newValue);
});

// the model's send: the modules' messages go out as they are (the shell numbers them: `seq`)
model.sendRaw = sendRaw;

const el = document.getElementById("csikit-room") || document.body;
el.replaceChildren();
shell.render({ model, el });
connect();
