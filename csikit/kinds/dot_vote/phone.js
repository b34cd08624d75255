// A dot vote on the phone: each item (in this person's fair order) with − and + and its dots;
// how many dots are left and the cap per item. A tap sends a relative change
// (`delta: true`: one dot more or less on what the store holds), so another tab of the same
// person never loses a dot; the store refuses what breaks the budget or the cap, and the
// status line says so in its words.
//
// Reads: activity.items, activity.budget, activity.cap; mine.dots {item: n} (or mine.values).

import { closedList, fill, follow, h, itemsKey, plural, valueOf } from "../ui.js";

function dotsOf(mine, item) {
  if (mine && mine.dots && typeof mine.dots === "object") return Number(mine.dots[item] || 0);
  return Number(valueOf(mine, item) || 0);
}

function render({ model, el }) {
  const left = h("div", { class: "csikit-left" });
  const list = h("div", { class: "csikit-items" });
  const root = h("div", { class: "csikit-dot-vote" }, left, list);
  el.appendChild(root);
  let built = null;
  const counts = new Map();

  const draw = (s) => {
    const a = s.activity;
    if (!a) return;
    const mine = s.mine || {};
    const items = a.items || [];
    if (s.phase !== "answering") {
      const lines = items.filter((i) => dotsOf(mine, i.id)).map((i) => `${i.text}: ${dotsOf(mine, i.id)}`);
      fill(root, closedList(lines));
      return;
    }
    const key = itemsKey(a);
    if (key !== built) {
      built = key;
      counts.clear();
      fill(list, items.map((item) => {
        const count = h("span", { class: "csikit-dots", "aria-live": "polite" });
        counts.set(item.id, count);
        const change = (by) => model.send({ type: "answer", activity: a.id, values: { [item.id]: by }, delta: true, say: "" });
        return h("div", { class: "csikit-item", "data-item": item.id },
          h("div", { class: "csikit-text", text: item.text }),
          h("div", { class: "csikit-controls" },
            h("button", { type: "button", class: "csikit-button csikit-minus", "aria-label": "−", text: "−",
              onclick: () => change(-1) }),
            count,
            h("button", { type: "button", class: "csikit-button csikit-plus", "aria-label": "+", text: "+",
              onclick: () => change(1) })));
      }));
    }
    const budget = Number(a.budget || 0);
    const spent = items.reduce((n, i) => n + dotsOf(mine, i.id), 0);
    const cap = a.cap ? ` · at most ${plural(a.cap, "dot")} on one item` : "";
    fill(left, h("b", { text: `${budget - spent} of ${plural(budget, "dot")} left` }), cap);
    for (const [item, label] of counts) {
      const n = dotsOf(mine, item);
      label.textContent = `${"●".repeat(n)}${n ? " " : ""}${n}`;
    }
  };
  return follow(model, draw);
}

export default { render };
