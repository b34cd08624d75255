// Small DOM helpers shared by the shell (phone.js) and the kinds' modules (csikit/kinds/<kind>/phone.js).
//
// People's text always goes in with textContent (`h(tag, {text})` or a string child): never
// innerHTML, so a typed "<script>" or "<img onerror=…>" shows as typed and runs nothing; an
// element given text gets dir="auto", so an Arabic or Hebrew line reads right to left.

/** An element: `h("button", {class: "x", text: "Join", onclick}, child, …)`. */
export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = String(value);
    else if (key === "style" && typeof value === "object") Object.assign(node.style, value);
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (key in node && typeof value !== "string") node[key] = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  // people's text may be right-to-left (Arabic, Hebrew): each piece finds its own direction
  if ((props && "text" in props && !("dir" in props)) || tag === "textarea" || tag === "input") node.dir = "auto";
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.appendChild(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
  }
  return node;
}

/** Replace every child of `node`. */
export function fill(node, ...children) {
  node.replaceChildren(...children.flat().filter((c) => c !== undefined && c !== null && c !== false));
  return node;
}

/** "1 dot", "3 dots". */
export function plural(n, word) {
  return `${n} ${word}${Number(n) === 1 ? "" : "s"}`;
}

/** The person's value for an item (and criterion) in `mine.values`, or undefined.
 *  Reads `{item: value}` and `{item: {criterion: value}}` alike. */
export function valueOf(mine, item, criterion = "") {
  const values = (mine && mine.values) || {};
  const v = values[item];
  if (v === undefined || v === null) return undefined;
  if (typeof v === "object") {
    const c = v[criterion || ""];
    if (c !== undefined && c !== null) return c;
    const keys = Object.keys(v);
    return !criterion && keys.length === 1 ? v[keys[0]] : undefined;
  }
  return v;
}

/** The person's comment for an item (and criterion) in `mine.comments`, or "". */
export function commentOf(mine, item, criterion = "") {
  const comments = (mine && mine.comments) || {};
  const v = comments[item];
  if (v === undefined || v === null) return "";
  if (typeof v === "object") return v[criterion || ""] || "";
  return String(v);
}

/** The answer's `values` for one item: `{item: value}`, or `{item: {criterion: value}}` with a criterion. */
export function valuesFor(item, criterion, value) {
  return criterion ? { [item]: { [criterion]: value } } : { [item]: value };
}

/** The choices of a scored kind: `activity.options` [{value, label}] or the scale's lo and labels. */
export function choicesOf(activity) {
  for (const key of ["options", "choices"]) {
    const list = activity[key];
    if (Array.isArray(list) && list.length && typeof list[0] === "object") return list;
  }
  const labels = activity.labels || (activity.scale && activity.scale.labels) || [];
  const lo = Number(activity.lo ?? (activity.scale && activity.scale.lo) ?? 0);
  if (labels.length) {
    return labels.map((label, i) => ({ value: lo + i, label: /^\d/.test(label) ? label : `${lo + i} · ${label}` }));
  }
  const hi = Number(activity.hi ?? (activity.scale && activity.scale.hi) ?? lo);
  const out = [];
  for (let v = lo; v <= hi; v++) out.push({ value: v, label: String(v) });
  return out;
}

/** A key that changes when the items (ids, in order) change. */
export function itemsKey(activity) {
  return ((activity && activity.items) || []).map((i) => i.id).join("\u0000");
}

/** Call `draw` now and on every new screen; returns the cleanup render() hands back. */
export function follow(model, draw) {
  const cb = () => draw(model.get("screen") || {});
  model.on("change:screen", cb);
  cb();
  return () => model.off("change:screen", cb);
}

/** The line "What you answered" of a closed screen. */
export function closedList(lines) {
  return lines.length
    ? h("div", { class: "csikit-mine" }, lines.map((t) => h("div", { class: "csikit-mine-line", text: `• ${t}` })))
    : h("div", { class: "csikit-mine", text: "You gave no answer." });
}
