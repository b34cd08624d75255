// A rating on the phone (Likert, impact × effort, objectives …): a choice per item and criterion,
// saved as soon as it changes. A criterion gets its own line above its choice (a long
// objective never overlaps the choice on a phone); a KPI item shows its trend line.
//
// Reads: activity.items [{id, text, trend?}], activity.criteria [{id, name}] (one with id "" for a
// plain rating), activity.options [{value, label}] (or activity.scale {lo, labels}),
// activity.trends {item: line} (KPIs); mine.values
// {item: value} or {item: {criterion: value}}. Maturity uses this module (csikit/kinds/maturity/phone.js).

import { choicesOf, closedList, fill, follow, h, itemsKey, valueOf, valuesFor } from "../ui.js";

const CHOOSE = "— choose —";

function criteriaOf(a) {
  const c = Array.isArray(a.criteria) && a.criteria.length ? a.criteria : [{ id: "", name: "" }];
  return c.map((x) => (typeof x === "string" ? { id: x, name: x } : { id: x.id || "", name: x.name || x.id || "" }));
}

export function render({ model, el }) {
  const list = h("div", { class: "csikit-items" });
  const root = h("div", { class: "csikit-rating" }, list);
  el.appendChild(root);
  let built = null;
  const selects = [];

  const draw = (s) => {
    const a = s.activity;
    if (!a) return;
    const items = a.items || [];
    const criteria = criteriaOf(a);
    const choices = choicesOf(a);
    const mine = s.mine || {};
    if (s.phase !== "answering") {
      const label = (v) => (choices.find((c) => Number(c.value) === Number(v)) || { label: String(v) }).label;
      const lines = [];
      for (const item of items) {
        for (const c of criteria) {
          const v = valueOf(mine, item.id, c.id);
          if (v === undefined) continue;
          lines.push(`${item.text}${criteria.length > 1 || (c.name && c.id) ? ` (${c.name})` : ""}: ${label(v)}`);
        }
      }
      fill(root, closedList(lines));
      return;
    }
    const key = `${itemsKey(a)}|${criteria.map((c) => c.id).join(",")}`;
    if (key !== built) {
      built = key;
      selects.length = 0;
      fill(list, items.map((item) => {
        const parts = [h("div", { class: "csikit-text csikit-item-title" }, h("b", { text: item.text }))];
        const trend = item.trend || (a.trends || {})[item.id];
        if (trend) parts.push(h("div", { class: "csikit-kpi-trend", text: trend }));
        for (const c of criteria) {
          if (criteria.length > 1) parts.push(h("div", { class: "csikit-criterion", text: c.name }));
          const select = h("select", { class: "csikit-choice", "aria-label": criteria.length > 1 ? `${item.text}: ${c.name}` : item.text },
            h("option", { value: "", text: CHOOSE }),
            choices.map((o) => h("option", { value: String(o.value), text: o.label })));
          select.addEventListener("change", () => {
            if (select.value === "") return;
            model.send({ type: "answer", activity: a.id, values: valuesFor(item.id, c.id, Number(select.value)), say: "Saved." });
          });
          selects.push([select, item.id, c.id]);
          parts.push(select);
        }
        return h("div", { class: "csikit-item", "data-item": item.id }, parts);
      }));
    }
    for (const [select, item, criterion] of selects) {
      const v = valueOf(mine, item, criterion);
      const want = v === undefined ? "" : String(v);
      if (select.value !== want && document.activeElement !== select) select.value = want;
    }
  };
  return follow(model, draw);
}

export default { render };
