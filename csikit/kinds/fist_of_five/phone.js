// A fist of five on the phone: per proposal, 0–5 fingers; 0–2 asks for the objection in a box
// that shows for those choices. "Send" sends the fingers and the objection.
//
// Reads: activity.items, activity.options [{value, label}], activity.objection_below (3),
// activity.objection_hint; mine.values {item: {fingers, objection}} (or {item: fingers} with
// mine.comments {item: objection}).

import { choicesOf, closedList, commentOf, fill, follow, h, itemsKey, valueOf } from "../ui.js";

const CHOOSE = "— choose —";

function fingersOf(mine, item) {
  const v = ((mine && mine.values) || {})[item];
  if (v && typeof v === "object" && "fingers" in v) return v.fingers;
  return valueOf(mine, item);
}

function objectionOf(mine, item) {
  const v = ((mine && mine.values) || {})[item];
  if (v && typeof v === "object" && "objection" in v) return v.objection || "";
  return commentOf(mine, item);
}

function render({ model, el }) {
  const list = h("div", { class: "csikit-items" });
  const root = h("div", { class: "csikit-fist" }, list);
  el.appendChild(root);
  let built = null;
  const rows = [];

  const draw = (s) => {
    const a = s.activity;
    if (!a) return;
    const items = a.items || [];
    const choices = choicesOf(a);
    const mine = s.mine || {};
    const below = Number(a.objection_below ?? 3);
    if (s.phase !== "answering") {
      const label = (v) => (choices.find((c) => Number(c.value) === Number(v)) || { label: String(v) }).label;
      const lines = items.filter((i) => fingersOf(mine, i.id) !== undefined).map((i) => {
        const objection = objectionOf(mine, i.id);
        return `${i.text}: ${label(fingersOf(mine, i.id))}${objection ? ` — ${objection}` : ""}`;
      });
      fill(root, closedList(lines));
      return;
    }
    const key = itemsKey(a);
    if (key !== built) {
      built = key;
      rows.length = 0;
      fill(list, items.map((item) => {
        const select = h("select", { class: "csikit-choice", "aria-label": item.text },
          h("option", { value: "", text: CHOOSE }),
          choices.map((o) => h("option", { value: String(o.value), text: o.label })));
        const box = h("textarea", { class: "csikit-objection", rows: "3", maxlength: "1000",
          placeholder: a.objection_hint || "What is your objection? What would make it a 3?" });
        const note = h("div", { class: "csikit-note" });
        const showBox = () => {
          const v = select.value === "" ? -1 : Number(select.value);
          box.style.display = v >= 0 && v < below ? "" : "none";
        };
        select.addEventListener("change", () => {
          note.textContent = "";
          showBox();
        });
        const send = h("button", { type: "button", class: "csikit-button csikit-primary csikit-send", text: "Send" });
        send.addEventListener("click", () => {
          if (select.value === "") {
            note.textContent = "Choose how many fingers first.";
            return;
          }
          note.textContent = "";
          const fingers = Number(select.value);
          const objection = fingers < below ? box.value : "";
          const say = fingers < below && !objection.trim()
            ? "Sent. Please also say what your objection is, so the group can address it."
            : "Sent.";
          model.send({ type: "answer", activity: a.id, values: { [item.id]: fingers }, comments: { [item.id]: objection }, say });
        });
        rows.push({ item: item.id, select, box, showBox, shown: undefined, said: undefined });
        return h("div", { class: "csikit-item", "data-item": item.id },
          h("div", { class: "csikit-text" }, h("b", { text: item.text })), select, box, note, send);
      }));
    }
    for (const row of rows) {
      const v = fingersOf(mine, row.item);
      const want = v === undefined ? "" : String(v);
      if (want !== row.shown) {
        row.shown = want;
        if (document.activeElement !== row.select) row.select.value = want;
      }
      const said = objectionOf(mine, row.item);
      if (said !== row.said) {
        if (document.activeElement !== row.box && (row.said === undefined || row.box.value === row.said)) row.box.value = said;
        row.said = said;
      }
      row.showBox();
    }
  };
  return follow(model, draw);
}

export default { render };
