// A poll on the phone: a button per option; a tap chooses it (one choice) or ticks and unticks
// it (several, up to `choose`). The choice is marked by a ✓ as well as by its colour.
//
// Reads: activity.items (the options), activity.choose; mine.values {item: 1} (or mine.chosen [ids]).

import { closedList, fill, follow, h, itemsKey, valueOf } from "../ui.js";

const CHOSEN = "✓ ";

function chosenOf(mine, items) {
  if (mine && Array.isArray(mine.chosen)) return new Set(mine.chosen);
  return new Set(items.filter((i) => Number(valueOf(mine, i.id) || 0)).map((i) => i.id));
}

function render({ model, el }) {
  const hint = h("div", { class: "csikit-hint" });
  const list = h("div", { class: "csikit-options" });
  const root = h("div", { class: "csikit-poll" }, hint, list);
  el.appendChild(root);
  let built = null;
  const buttons = new Map();
  let chosen = new Set();

  const draw = (s) => {
    const a = s.activity;
    if (!a) return;
    const items = a.items || [];
    chosen = chosenOf(s.mine || {}, items);
    if (s.phase !== "answering") {
      fill(root, closedList(items.filter((i) => chosen.has(i.id)).map((i) => i.text)));
      return;
    }
    const limit = Number(a.choose || 1);
    hint.textContent = limit === 1 ? "Choose one." : `Choose up to ${limit}; tap again to untick.`;
    const key = itemsKey(a);
    if (key !== built) {
      built = key;
      buttons.clear();
      fill(list, items.map((item) => {
        const b = h("button", { type: "button", class: "csikit-button csikit-option csikit-item", "data-item": item.id });
        b.addEventListener("click", () => {
          const next = limit === 1 ? new Set([item.id]) : new Set(chosen);
          if (limit !== 1) {
            if (next.has(item.id)) next.delete(item.id);
            else next.add(item.id);
          }
          const values = {};
          for (const i of items) if (next.has(i.id)) values[i.id] = 1;
          model.send({ type: "answer", activity: a.id, values, say: "Saved." });
        });
        buttons.set(item.id, [b, item.text]);
        return b;
      }));
    }
    for (const [id, [b, text]] of buttons) {
      const on = chosen.has(id);
      b.textContent = `${on ? CHOSEN : ""}${text}`;
      b.classList.toggle("csikit-primary", on);
      b.setAttribute("aria-pressed", on ? "true" : "false");
    }
  };
  return follow(model, draw);
}

export default { render };
