// Actions (tasking items): one action's card with what can be done with it, its page, and
// the partner's desk of their agency's actions. The coordinator's meeting and overdue
// board draw the same card.
import { agencyName, api, el, field, isoFromLocal, link, loads, notice, page, paged, ref, routed, showErrors,
  state, tabs, wardNames, when, words } from "../core.js";
import { agencySelect, overdueBy, th } from "./widgets.js";

export const actionAddress = (id) => `#/actions/${encodeURIComponent(id)}`;
const SOURCES = { referral: "A referral", ward_priority: "A ward priority", meeting: "A tasking meeting" };

/** Where the action came from, as a link to it when the caller has its page. */
function raisedFrom(item) {
  if (item.source_type === "referral" && item.source_id && state.me.role !== "panel") {
    return link(`Referral ${item.source_reference || item.source_id}`,
                `#/referrals/${encodeURIComponent(item.source_id)}`);
  }
  if (item.source_type === "ward_priority" && item.source_id) {
    return link("A ward priority", `#/priorities/${encodeURIComponent(item.source_id)}`);
  }
  return SOURCES[item.source_type] || words(item.source_type);
}

const mayWork = (item) => state.me.role === "coordinator"
  || (["partner", "sergeant", "pcso"].includes(state.me.role) && state.me.agency === item.owner_agency);

/** An action with its facts and, while open, what the caller may do with it: take it up,
 * record progress, complete it (and, for the coordinator, move it to another agency).
 * `refresh(message)` redraws the page the card sits on. */
export function actionCard(item, refresh, level = 2, names = {}) {
  const key = item.id;
  const open = item.status === "open";
  const facts = [
    ["Reference", ref(item)],
    ["Status", open && item.overdue ? "Open, overdue" : words(item.status)],
    ["Owning agency", agencyName(item.owner_agency)],
    ["Named person", item.owner_user || "Nobody named yet"],
    ["Ward", names[item.ward] || item.ward],
    ["Due by", when(item.due_by)],
    open && item.overdue ? ["Overdue by", overdueBy(item.due_by)] : null,
    item.source_type ? ["Raised from", raisedFrom(item)] : null,
    item.raised_at ? ["Raised", `${when(item.raised_at)}${item.raised_by ? ` by ${item.raised_by}` : ""}`] : null,
    item.outcome ? ["Outcome", item.outcome] : null,
    item.public_outcome ? ["Public outcome", item.public_outcome] : null,
    item.completed_at ? ["Completed", `${when(item.completed_at)}${item.completed_by ? ` by ${item.completed_by}` : ""}`] : null,
  ].filter(Boolean);
  const heading = el(`h${level}`, { id: `h-item-${key}` }, link(item.title, actionAddress(key)));
  const panelVisible = item.source_type === "ward_priority";
  return el("article", { class: "box action", "aria-labelledby": heading.id, "data-item": key },
    heading,
    el("dl", { class: "facts" }, facts.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)])),
    item.history?.length ? el("details", {}, el("summary", {}, `History (${item.history.length})`),
      el("ol", {}, item.history.map((h) => el("li", {},
        `${words(h.kind)}: ${when(h.at)} by ${h.by}${h.note ? `. ${h.note}` : ""}`)))) : null,
    open && mayWork(item) ? [
      takeUp(item, refresh),
      state.me.role === "coordinator" ? itemForm(key, "Reassign", "Reassign", [
        field("Owning agency", "owner_agency", agencySelect(`reassign-agency-${key}`, item.owner_agency)),
        field("Named person (username)", "owner_user", el("input", { id: `reassign-user-${key}`,
          value: item.owner_user || "", autocomplete: "off" }), "Optional: who in the agency takes it on."),
        field("New due date", "due_by", el("input", { id: `reassign-due-${key}`, type: "datetime-local" }),
              "Leave empty to keep the due date.")],
        (f) => api("POST", `/api/tasking/items/${key}/assign`, { owner_agency: f.elements.owner_agency.value,
          owner_user: f.elements.owner_user.value.trim() || null, due_by: isoFromLocal(f.elements.due_by.value) || null }),
        () => refresh(`${item.title}: reassigned.`)) : null,
      itemForm(key, "Record progress", "Record the progress", [
        field("Progress", "note", el("textarea", { id: `note-${key}` }), "What has been done so far.")],
        (f) => api("POST", `/api/tasking/items/${key}/updates`, { note: f.elements.note.value }),
        () => refresh(`${item.title}: progress recorded.`)),
      itemForm(key, "Complete with an outcome", "Complete the action", [
        field("Outcome", "outcome", el("textarea", { id: `outcome-${key}` }),
              "What was done and what came of it: the referring team reads this."),
        panelVisible ? field("Public outcome", "public_outcome", el("input", { id: `public-outcome-${key}`,
          maxlength: 280, autocomplete: "off" }), "One line the ward panel (residents) may read: no names.") : null],
        (f) => api("POST", `/api/tasking/items/${key}/complete`, { outcome: f.elements.outcome.value,
          ...(f.elements.public_outcome?.value.trim() ? { public_outcome: f.elements.public_outcome.value.trim() } : {}) }),
        () => refresh(`${item.title}: completed.`))] : null,
    open && state.me.role === "sergeant" ? el("p", {}, link("Task a PCSO from this action",
      `#/task-a-pcso/tasking_item/${encodeURIComponent(key)}`)) : null);
}

/** "Take it up": the caller becomes the action's named person in their agency. */
function takeUp(item, refresh) {
  if (item.owner_user === state.me.username || state.me.agency !== item.owner_agency) return null;
  const alert = el("p", { class: "alert", role: "alert", tabindex: "-1", hidden: true });
  return el("div", { class: "take-up" }, alert, el("button", { type: "button", class: "primary", onclick: async () => {
    try {
      await api("POST", `/api/tasking/items/${item.id}/assign`, { owner_agency: item.owner_agency,
                                                                  owner_user: state.me.username });
      refresh(`${item.title}: you have taken it up.`);
    } catch (error) { alert.hidden = false; alert.textContent = error.message; alert.focus(); }
  } }, "Take it up"));
}

function itemForm(key, summary, button, fields, send, done) {
  const form = el("form", { novalidate: true, class: "desk-form" },
    el("div", { class: "alert", role: "alert", tabindex: "-1", hidden: true }), fields,
    el("button", { class: "primary", type: "submit" }, button));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try { await send(form); done(); } catch (error) { showErrors(form, error); }
  });
  return el("details", {}, el("summary", {}, summary), form);
}

export const actionPage = routed("/actions/:id", loads("Action", async (id, message) => {
  const [item, names] = await Promise.all([api("GET", `/api/tasking/items/${encodeURIComponent(id)}`), wardNames()]);
  page(`Action ${ref(item)}: ${item.title}`, notice(message),
       el("div", { class: "desk" }, actionCard(item, (text) => actionPage(id, text), 2, names)));
}));

const DESK_VIEWS = { open: "Open", completed: "Completed" };

/** The partner's desk: their agency's actions, the overdue and soonest due first. */
export const agencyActionsPage = routed("/our-actions/:status?", loads("Our agency's actions", async (status = "open", message) => {
  const names = await wardNames();
  const query = new URLSearchParams({ status, owner_agency: state.me.agency || "" });
  const table = el("table", { class: "our-actions" },
    el("caption", { class: "sr-only" }, `${agencyName(state.me.agency)}'s actions, the soonest due first`),
    el("thead", {}, el("tr", {}, th("Reference"), th("Action"), th("Due by"), th("Status"),
                       th("Named person", "optional"), th("Ward", "optional"))), el("tbody"));
  page(`${agencyName(state.me.agency)}: our actions`, notice(message),
    el("p", {}, "Actions the partnership gave your agency. Open one to take it up, record progress or complete it."),
    tabs("Show actions", DESK_VIEWS, status, (s) => agencyActionsPage(s)),
    await paged(`/api/tasking/items?${query}`, { list: table, more: "More actions",
      empty: status === "open" ? "Your agency has no open action." : "No completed action yet.",
      item: (i) => el("tr", { class: i.overdue ? "overdue" : null },
        el("td", {}, ref(i)),
        el("td", {}, link(i.title, actionAddress(i.id))),
        el("td", {}, when(i.due_by)),
        el("td", {}, i.status === "open" ? (i.overdue ? `Overdue by ${overdueBy(i.due_by)}` : "Open")
                                         : `Completed ${when(i.completed_at)}`),
        el("td", { class: "optional" }, i.owner_user || "Nobody yet"),
        el("td", { class: "optional" }, names[i.ward] || i.ward)) }));
}));
