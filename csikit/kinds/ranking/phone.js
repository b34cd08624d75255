// A ranking on the phone: the items in the person's order (most important first), each with
// ↑ and ↓; every move is saved (a ranking moved and never saved would be lost at the lock),
// and "Save my ranking" saves the order as shown (the first order is this person's fair one).
//
// Reads: activity.items; mine.values {item: position} (1 = first) or mine.order [ids].

import { closedList, fill, follow, h, itemsKey, valueOf } from "../ui.js";

function orderOf(mine, items) {
  if (mine && Array.isArray(mine.order) && mine.order.length) {
    const known = new Set(items.map((i) => i.id));
    const order = mine.order.filter((id) => known.has(id));
    return order.concat(items.map((i) => i.id).filter((id) => !order.includes(id)));
  }
  const pos = (id) => {
    const v = valueOf(mine, id);
    return v === undefined ? 1e6 : Number(v);
  };
  return items.map((i, n) => [i.id, n]).sort((x, y) => pos(x[0]) - pos(y[0]) || x[1] - y[1]).map((x) => x[0]);
}

function render({ model, el }) {
  const rows = h("div", { class: "csikit-items" });
  const save = h("button", { type: "button", class: "csikit-button csikit-primary csikit-save", text: "Save my ranking" });
  const root = h("div", { class: "csikit-ranking" }, h("div", { class: "csikit-hint", text: "Most important first. Every move is saved." }), rows, save);
  el.appendChild(root);
  let order = [];
  let texts = new Map();
  let activity = null;
  let seen = null;

  const send = () => model.send({ type: "answer", activity: activity.id,
    values: Object.fromEntries(order.map((id, n) => [id, n + 1])), say: "Ranking saved." });
  save.addEventListener("click", () => activity && send());

  const drawRows = () => {
    fill(rows, order.map((id, n) => h("div", { class: "csikit-item csikit-rank-row", "data-item": id },
      h("span", { class: "csikit-text", text: `${n + 1}. ${texts.get(id) || id}` }),
      h("button", { type: "button", class: "csikit-button csikit-up", "aria-label": "↑", text: "↑", onclick: () => move(id, -1) }),
      h("button", { type: "button", class: "csikit-button csikit-down", "aria-label": "↓", text: "↓", onclick: () => move(id, 1) }))));
  };
  const move = (id, delta) => {
    const i = order.indexOf(id);
    const j = Math.min(Math.max(i + delta, 0), order.length - 1);
    if (i === j) return;
    [order[i], order[j]] = [order[j], order[i]];
    drawRows();
    send();
  };

  const draw = (s) => {
    const a = s.activity;
    if (!a) return;
    activity = a;
    const items = a.items || [];
    texts = new Map(items.map((i) => [i.id, i.text]));
    const mine = s.mine || {};
    if (s.phase !== "answering") {
      const answered = items.some((i) => valueOf(mine, i.id) !== undefined) || (mine.order && mine.order.length);
      fill(root, closedList(answered ? orderOf(mine, items).map((id, n) => `${n + 1}. ${texts.get(id)}`) : []));
      return;
    }
    const stored = JSON.stringify([itemsKey(a), mine.values || mine.order || null]);
    if (stored === seen) return; // the screen echoes what this phone just saved: keep the order shown
    seen = stored;
    order = orderOf(mine, items);
    drawRows();
  };
  return follow(model, draw);
}

export default { render };
