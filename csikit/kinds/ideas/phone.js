// Ideas on the phone: a box to send one idea at a time (a live counter "n / 500"), and the
// person's own ideas, each editable (Save) or withdrawn until the activity is locked.
//
// Reads: activity.max_length (500 by default); mine.ideas [{id, text}].
// Sends: {type: "idea", activity, text}; {type: "edit", activity, idea, text};
// {type: "withdraw", activity, idea}.

import { closedList, fill, follow, h } from "../ui.js";

function counter(box, limit) {
  const out = h("div", { class: "csikit-counter", "aria-live": "polite" });
  const update = () => {
    const n = box.value.length;
    out.textContent = `${n} / ${limit()}`;
    out.classList.toggle("csikit-over", n > limit());
  };
  box.addEventListener("input", update);
  update();
  return [out, update];
}

function render({ model, el }) {
  let limit = 500;
  const box = h("textarea", { class: "csikit-idea-text", rows: "3", placeholder: "Type one idea", "aria-label": "Your idea" });
  const [count, recount] = counter(box, () => limit);
  const send = h("button", { type: "button", class: "csikit-button csikit-primary csikit-send-idea", text: "Send idea" });
  const list = h("div", { class: "csikit-my-ideas" });
  const form = h("div", { class: "csikit-idea-form" }, box, count, send);
  const root = h("div", { class: "csikit-ideas" }, form, h("b", { class: "csikit-mine-title", text: "Your ideas" }), list);
  el.appendChild(root);
  let activity = null;
  let sentText = null; // the text of the idea in flight: the box empties once the store has it
  const rows = new Map(); // idea id -> {row, area, text}

  send.addEventListener("click", () => {
    if (!activity) return;
    sentText = box.value;
    model.send({ type: "idea", activity: activity.id, text: box.value, say: "Idea sent." });
  });

  const draw = (s) => {
    const a = s.activity;
    if (!a) return;
    activity = a;
    const ideas = ((s.mine || {}).ideas || []).filter((i) => i && i.id !== undefined);
    if (s.phase !== "answering") {
      fill(root, closedList(ideas.map((i) => i.text)));
      return;
    }
    if (a.max_length) limit = Number(a.max_length);
    recount();
    if (sentText !== null && ideas.some((i) => i.text === sentText.trim())) {
      box.value = "";
      sentText = null;
      recount();
    }
    const seen = new Set();
    const ordered = [];
    for (const idea of ideas) {
      const id = String(idea.id);
      seen.add(id);
      let r = rows.get(id);
      if (!r) {
        const area = h("textarea", { class: "csikit-idea-edit", rows: "2", "aria-label": "Your idea" });
        area.value = idea.text;
        const [areaCount] = counter(area, () => limit);
        const save = h("button", { type: "button", class: "csikit-button csikit-save", text: "Save" });
        const drop = h("button", { type: "button", class: "csikit-button csikit-withdraw", text: "Withdraw" });
        save.addEventListener("click", () => model.send({ type: "edit", activity: activity.id, idea: idea.id, text: area.value, say: "Idea saved." }));
        drop.addEventListener("click", () => model.send({ type: "withdraw", activity: activity.id, idea: idea.id, say: "Idea withdrawn." }));
        r = { row: h("div", { class: "csikit-item csikit-my-idea", "data-idea": id }, area, areaCount, h("div", { class: "csikit-row" }, save, drop)), area, text: idea.text };
        rows.set(id, r);
      } else if (r.text !== idea.text) {
        if (r.area.value === r.text || document.activeElement !== r.area) {
          r.area.value = idea.text;
          r.area.dispatchEvent(new Event("input"));
        }
        r.text = idea.text;
      }
      ordered.push(r.row);
    }
    for (const id of [...rows.keys()]) if (!seen.has(id)) rows.delete(id);
    fill(list, ordered.length ? ordered : [h("div", { class: "csikit-none", text: "None yet." })]);
  };
  return follow(model, draw);
}

export default { render };
