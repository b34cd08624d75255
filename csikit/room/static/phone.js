// The phone's shell (anywidget front-end module standard: `export default { render }`).
//
// Shows the workshop's title, who this phone is, a status line, the countdown, and the
// body of the screen the server sent (`model.get("screen")`, docs/ROOM-PROTOCOL.md): the join
// form, the waiting message, the open activity (its kind's module, then "I'm done"), the
// closed activity (own answers) or the results. It talks only through `model.send(msg)`.
//
// Hosts: the join page (room.js: the model over the room's websocket) and JupyterLab
// (csikit.room.preview.PhoneScreen, an anywidget). A kind's module (its folder's phone.js,
// csikit/kinds/<module>/phone.js) is loaded on demand by name, `import(kindUrl(name))`: on the
// page it is `kinds/<module>.js` next to this file (the room server answers that URL from the
// kind's folder); the preview inlines every module as a blob: URL and installs its own
// `kindUrl` with `useKindUrl` (see preview.py). No list of kinds here: a new kind is its folder.
//
// Besides "screen" the shell reads two optional keys a host may provide: "link" (the
// personal rejoin link; the page knows the token, the preview does not) and "connected".
// Acks (`{type: "ack", seq, ok, error}`) and `joined` arrive as custom messages ("msg:custom").

import { fill, h } from "./ui.js";

// A kind's module by name (`activity.module`): a URL, or null for a module this host lacks.
const KIND_NAME = /^[a-z_]+$/;
let kindUrl = (name) => new URL(`./kinds/${name}.js`, import.meta.url).href;

/** A host whose modules do not sit next to this file (the preview's blob: URLs) says where
 *  a kind's module is: `fn(name)` gives its URL, or null when there is no such module. */
export function useKindUrl(fn) {
  kindUrl = fn;
}

const UNKNOWN_KIND = "This phone cannot show this activity; please tell the facilitator.";
const NOT_LOADED = "This screen did not load; reload the page.";

// a module that failed to load: unknown to the server (404), or a network or code failure
const missing = (url) =>
  fetch(url, { method: "HEAD", cache: "no-store" }).then((r) => r.status === 404, () => false);

export const JOIN_HINT = "Type a name others will see, or leave it empty to stay anonymous.";
export const WAITING = "Waiting for the facilitator to open the first activity…";
export const DONE = "I'm done";
export const NOT_DONE = "Not done yet (you marked this done)";
const CLOSED = "Your answers are kept; results come when the facilitator reveals them.";
const JOINED = "You're in. Keep this page open; it follows the facilitator.";
const ICON = { error: "⚠ ", ok: "✓ ", info: "" };
const REFUSAL_KEPT_MS = 5000;

/** The time left, in words a glance can read: minutes while there are many, then seconds in
 *  steps of 15: 44 s left reads "0:45 left". */
export function countdownText(endMs, nowMs) {
  const left = (endMs - nowMs) / 1000;
  if (left <= 0) return { text: "Time is up", urgent: true };
  if (left > 120) return { text: `about ${Math.round(left / 60)} min left`, urgent: false };
  const step = 15 * Math.ceil(Math.floor(left) / 15);
  return { text: `${Math.floor(step / 60)}:${String(step % 60).padStart(2, "0")} left`, urgent: left <= 30 };
}

function parseUtc(iso) {
  if (!iso) return NaN;
  const s = /[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`; // the server's ISO-8601 UTC
  return Date.parse(s);
}

function render({ model, el }) {
  const status = h("div", { class: "csikit-status", "aria-live": "polite" });
  const title = h("h3", { class: "csikit-title" });
  const who = h("div", { class: "csikit-who" });
  const countdown = h("div", { class: "csikit-countdown" });
  const body = h("div", { class: "csikit-body" });
  const app = h("div", { class: "csikit-app csikit-participant csikit-phone" }, title, who, status, countdown, body);
  el.appendChild(app);

  // --- the status line: what just happened, in words ----------------------------------
  let saidAt = 0;
  let saidKind = "";
  const say = (message, kind = "info") => {
    saidAt = Date.now();
    saidKind = message ? kind : "";
    if (!message) {
      status.replaceChildren();
      status.classList.remove("csikit-status-shown");
      return;
    }
    const line = h("div", { class: `csikit-status-${kind}`, text: `${ICON[kind] || ""}${message}` });
    if (kind === "error") line.setAttribute("role", "alert");
    status.replaceChildren(line);
    status.classList.add("csikit-status-shown");
  };

  // --- sending, and what the answers say ------------------------------------------------
  let seq = 0;
  const pending = new Map(); // seq -> what to say when the server accepts (undefined: clear)
  const send = (msg) => {
    const { say: onOk, ...wire } = msg;
    wire.seq = ++seq;
    pending.set(wire.seq, onOk);
    try {
      model.send(wire);
    } catch (e) {
      pending.delete(wire.seq);
      say("Not connected — tap the banner to reconnect.", "error");
    }
  };
  const onCustom = (msg) => {
    if (!msg || typeof msg !== "object") return;
    if (msg.type === "ack") {
      const onOk = pending.get(msg.seq);
      pending.delete(msg.seq);
      if (!msg.ok) say(msg.error || "Something went wrong; your earlier answers are safe.", "error");
      else if (onOk) say(onOk, "ok");
      else if (onOk === "") say("");
    } else if (msg.type === "joined") {
      say(JOINED, "ok");
    } else if (msg.type === "error") {
      say(msg.error || "Something went wrong.", "error");
    }
  };
  model.on("msg:custom", onCustom);

  // the kinds' modules get a model of their own: the same screen, sends through the shell
  const kindModel = {
    get: (key) => model.get(key),
    set: () => {},
    save_changes: () => {},
    on: (name, cb) => model.on(name, cb),
    off: (name, cb) => model.off(name, cb),
    send: (msg) => send(msg),
  };

  // --- the body: rebuilt only when the phase or the activity changes -----------------------
  let shownKey = null;
  let cleanup = null;
  let doneButton = null;
  let joinForm = null;

  const teardown = () => {
    if (typeof cleanup === "function") {
      try {
        cleanup();
      } catch (e) {
        /* a module's cleanup must not break the shell */
      }
    }
    cleanup = null;
    doneButton = null;
    joinForm = null;
  };

  const head = (a) => {
    const parts = [];
    if (a.step || a.step_question) {
      parts.push(h("div", { class: "csikit-step", text: `Step ${a.step} · ${a.step_question || ""}` }));
    }
    parts.push(h("h4", { class: "csikit-activity-title", text: a.title || "" }));
    if (a.prompt) parts.push(h("div", { class: "csikit-prompt", text: a.prompt }));
    return parts;
  };

  const mountKind = (kind, holder) => {
    let url = null;
    try {
      url = typeof kind === "string" && KIND_NAME.test(kind) ? kindUrl(kind) : null;
    } catch (e) {
      url = null;
    }
    if (!url) {
      holder.textContent = UNKNOWN_KIND;
      return;
    }
    let gone = false;
    let inner = null;
    cleanup = () => {
      gone = true;
      if (typeof inner === "function") inner();
    };
    import(url)
      .then(async (mod) => {
        if (gone) return;
        const widget = mod.default || mod;
        inner = await widget.render({ model: kindModel, el: holder });
        if (gone && typeof inner === "function") inner();
      })
      .catch(async () => {
        const unknown = await missing(url);
        if (!gone) holder.textContent = unknown ? UNKNOWN_KIND : NOT_LOADED;
      });
  };

  const drawBody = (s) => {
    const a = s.activity;
    const key = `${s.phase}|${a ? a.id : ""}`;
    if (key === shownKey) return;
    // what was said about the last screen no longer applies, but "You're in" outlives the join
    // form, and a refusal that just came tells why this screen came (a tap on a screen the
    // facilitator had just locked: the store's sentence, then the closed screen)
    const fresh = saidKind === "error" && Date.now() - saidAt < REFUSAL_KEPT_MS;
    if (shownKey !== null && !shownKey.startsWith("join|") && !fresh) say("");
    shownKey = key;
    teardown();
    if (s.phase === "join") {
      const input = h("input", { type: "text", class: "csikit-name", placeholder: "Your name (optional)",
        maxlength: "60", autocomplete: "nickname", "aria-label": "Your name" });
      const button = h("button", { type: "button", class: "csikit-button csikit-primary csikit-join-button", text: "Join" });
      const go = () => send({ type: "join", name: input.value });
      button.addEventListener("click", go);
      input.addEventListener("keydown", (e) => {
        if (e.key === "Enter") go();
      });
      joinForm = h("div", { class: "csikit-join" }, h("div", { class: "csikit-hint", text: JOIN_HINT }), input, button);
      fill(body, joinForm);
      return;
    }
    if (s.phase === "waiting" || !a) {
      // nothing shown yet: the joined person waits for the first activity (as the kernel's app said)
      const message = h("div", { class: "csikit-message", text: a ? s.message || WAITING : WAITING });
      fill(body, a ? h("div", { class: "csikit-activity" }, head(a), message) : message);
      return;
    }
    if (s.phase === "answering") {
      const holder = h("div", { class: `csikit-kind csikit-kind-${a.kind}` });
      doneButton = h("button", { type: "button", class: "csikit-button csikit-done" });
      doneButton.addEventListener("click", () => {
        const now = model.get("screen") || {};
        const done = !now.done;
        send({ type: "done", activity: a.id, done,
          say: done ? "Marked as done: the facilitator can see you have finished." : "Marked as not done yet." });
      });
      fill(body, h("div", { class: "csikit-activity" }, head(a), holder, doneButton));
      mountKind(a.module || a.kind, holder);
      return;
    }
    if (s.phase === "closed") {
      // the server words the person's own answers (mine.lines); else the kind's module lists them
      const holder = h("div", { class: `csikit-kind csikit-kind-${a.kind} csikit-closed` });
      let note = s.message || `Voting closed. ${CLOSED}`;
      const first = /^[^.]*closed\./.exec(note); // "Voting closed.", "Rating closed." … in bold
      const bold = first ? first[0] : "";
      if (bold) note = note.slice(bold.length);
      fill(body, h("div", { class: "csikit-activity" }, head(a),
        h("div", { class: "csikit-closed-note" }, bold && h("b", { text: bold }), note), holder));
      const lines = (s.mine || {}).lines;
      if (Array.isArray(lines)) fill(holder, h("div", { class: "csikit-mine" }, lines.map((t) => h("div", { class: "csikit-mine-line", text: t }))));
      else mountKind(a.module || a.kind, holder);
      return;
    }
    if (s.phase === "results") {
      fill(body, h("div", { class: "csikit-activity" }, head(a), h("div", { class: "csikit-results-box" })));
      return;
    }
    fill(body, h("div", { class: "csikit-message", text: s.message || "" }));
  };

  const drawResults = (s) => {
    const box = body.querySelector(".csikit-results-box");
    if (!box) return;
    const r = s.results || {};
    if (r.too_few) {
      fill(box, h("b", { text: "Results" }), h("div", { class: "csikit-too-few", text: `${r.too_few.replace(/\.$/, "")}.` }));
      return;
    }
    const lines = r.lines || [];
    fill(box, h("b", { class: "csikit-results-title", text: r.title || "Results" }),
      h("div", { class: "csikit-result-lines" }, lines.map((t) => h("div", { class: "csikit-result csikit-text", text: t }))));
  };

  // --- the countdown ------------------------------------------------------------------------
  let endMs = NaN;
  let skew = 0; // server clock minus this clock, when the screen says what time it is
  const drawTimer = () => {
    if (Number.isNaN(endMs)) {
      countdown.replaceChildren();
      return;
    }
    const { text, urgent } = countdownText(endMs, Date.now() + skew);
    const shown = countdown.firstChild;
    if (shown && shown.textContent === text) return;
    countdown.replaceChildren(h("div", { class: `csikit-timer${urgent ? " csikit-urgent" : ""}`, text }));
  };
  const ticker = window.setInterval(drawTimer, 1000);

  // --- who am I ------------------------------------------------------------------------------
  const drawWho = (s) => {
    const me = s.me || {};
    if (me.participant === null || me.participant === undefined) {
      who.replaceChildren();
      return;
    }
    const name = me.name || `anonymous #${me.participant}`;
    const parts = ["Joined as ", h("b", { text: name })];
    const link = model.get("link");
    if (link) {
      parts.push(" · ", h("a", { href: link, target: "_self", text: "your rejoin link" }), " ",
        h("span", { class: "csikit-aside", text: "(this browser remembers you; the link brings you back on another device)" }));
    }
    fill(who, parts);
  };

  const draw = () => {
    const s = model.get("screen");
    if (!s) {
      fill(body, h("div", { class: "csikit-message", text: "Connecting…" }));
      return;
    }
    const ws = s.workshop || {};
    if (title.textContent !== (ws.title || "")) title.textContent = ws.title || "";
    drawWho(s);
    if (s.now) skew = parseUtc(s.now) - Date.now();
    endMs = s.phase === "answering" ? parseUtc(s.countdown_end) : NaN;
    drawTimer();
    drawBody(s);
    if (doneButton) {
      doneButton.textContent = s.done ? NOT_DONE : DONE;
      doneButton.classList.toggle("csikit-primary", !s.done);
      doneButton.classList.toggle("csikit-marked", !!s.done);
      doneButton.title = s.done ? "Tell the facilitator you are still answering" : "Tell the facilitator you have finished";
    }
    if (s.phase === "results") drawResults(s);
  };
  model.on("change:screen", draw);
  model.on("change:link", draw);
  draw();

  return () => {
    teardown();
    window.clearInterval(ticker);
    model.off("change:screen", draw);
    model.off("change:link", draw);
    model.off("msg:custom", onCustom);
  };
}

export default { render };
