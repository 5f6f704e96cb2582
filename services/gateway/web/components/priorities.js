// A ward panel member sets what their ward's Safer Neighbourhoods team works on (ward
// priorities) and follows them. The sergeant's ward view reuses the list and the form.
import { agencyName, api, day, el, field, link, loads, page, paged, ref, routed, showErrors, state, wardNames, when,
  notice, words } from "../core.js";

export const PRIORITY_STATUSES = { active: "Active", due_for_review: "Due for review", closed: "Closed" };

/** The current priorities of each ward, newest first; `action(priority)` may add a control
 * to each row (the sergeant's "Task a PCSO"). */
export async function prioritiesSection(wards, names, action) {
  const sections = [];
  for (const ward of wards) {
    const table = el("table", {},
      el("caption", { class: "visually-hidden" }, `Ward priorities for ${names[ward] || ward}`),
      el("thead", {}, el("tr", {},
        el("th", { scope: "col" }, "Priority"),
        el("th", { scope: "col" }, "Review by"),
        el("th", { scope: "col", class: "optional" }, "Set"),
        el("th", { scope: "col" }, "Status"),
        action ? el("th", { scope: "col" }, el("span", { class: "visually-hidden" }, "Action")) : null)),
      el("tbody"));
    const item = (p) => el("tr", { class: "priority" },
      el("td", {}, el("strong", {}, link(p.title, priorityPage.address(p.id))), el("br"),
        el("span", { class: "muted" }, p.description)),
      el("td", {}, p.status === "closed" ? "—" : day(p.review_by)),
      el("td", { class: "optional" }, `${when(p.set_at)} by ${p.set_by}`),
      el("td", {}, PRIORITY_STATUSES[p.status] || p.status,
        p.reviewed_by ? el("span", { class: "muted" }, el("br"),
          `Reviewed ${when(p.reviewed_at)} by ${p.reviewed_by}${p.review_note ? `: ${p.review_note}` : ""}`) : null),
      action ? el("td", {}, action(p)) : null);
    sections.push(el("h3", {}, names[ward] || ward),
      await paged(`/api/ward-priorities?ward=${encodeURIComponent(ward)}`, {
        list: table, item, limit: 10, more: `More priorities for ${names[ward] || ward}`,
        empty: `No priority is set for ${names[ward] || ward} yet.` }));
  }
  return sections;
}

/** The form to set a ward priority; `done(priority)` runs once it is stored. */
export function priorityForm(wards, names, done) {
  const form = el("form", { novalidate: true, class: "priority-form" },
    el("div", { class: "alert", role: "alert", tabindex: "-1", hidden: true }),
    field("Ward", "ward", el("select", {}, wards.map((w) => el("option", { value: w }, names[w] || w)))),
    field("Priority", "title", el("input", { maxlength: 200, autocomplete: "off" }),
          "In a few words, e.g. \"Drug dealing around the estate's garages\"."),
    field("What the panel wants done", "description", el("textarea", { maxlength: 5000 }),
          "What people see, where and when, and what would count as better."),
    field("Review by", "review_by", el("input", { type: "date" }),
          "Leave empty for the usual review in six weeks."),
    el("button", { class: "primary", type: "submit" }, "Set priority"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = (name) => form.querySelector(`[name="${name}"]`).value.trim();
    const body = { ward: value("ward"), title: value("title"), description: value("description"),
                   ...(value("review_by") ? { review_by: value("review_by") } : {}) };
    try {
      done(await api("POST", "/api/ward-priorities", body));
    } catch (error) { showErrors(form, error); }
  });
  return form;
}

/** What the page says once a review is saved. */
export function reviewedMessage(priority) {
  return priority.status === "closed" ? `Priority closed: "${priority.title}".`
    : `Priority kept until ${day(priority.review_by)}: "${priority.title}".`;
}

/** The ward's review of a priority (panel or sergeant): keep it for another period (six
 * weeks unless a date is given) or close it, saying why. Closing it closes its open
 * actions in tasking. Nothing for a closed priority. */
export function reviewForm(priority, done) {
  if (priority.status === "closed") return null;
  const id = (name) => `review-${priority.id}-${name}`;  // one form per priority on the page
  const form = el("form", { novalidate: true, class: "review-form" },
    el("div", { class: "alert", role: "alert", tabindex: "-1", hidden: true }),
    field("Decision", "decision", el("select", { id: id("decision") },
      el("option", { value: "continue" }, "Keep for another period"),
      el("option", { value: "close" }, "Close this priority"))),
    field("Next review", "review_by", el("input", { type: "date", id: id("review_by") }),
          "When keeping it: leave empty for six weeks from today."),
    field("Why", "note", el("textarea", { maxlength: 2000, id: id("note") }),
          "Needed to close: the ward team and the tasking meeting read it."),
    el("button", { type: "submit" }, "Save review"));
  const decision = form.querySelector('[name="decision"]');
  decision.addEventListener("change", () => {  // a closed priority has no next review
    form.querySelector('[name="review_by"]').disabled = decision.value === "close";
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = (name) => {
      const control = form.querySelector(`[name="${name}"]`);
      return control.disabled ? "" : control.value.trim();  // closing: no next review
    };
    const body = { decision: value("decision"),
                   ...(value("review_by") ? { review_by: value("review_by") } : {}),
                   ...(value("note") ? { note: value("note") } : {}) };
    try {
      done(await api("POST", `/api/ward-priorities/${encodeURIComponent(priority.id)}/review`, body));
    } catch (error) { showErrors(form, error); }
  });
  return el("details", {}, el("summary", {}, `Review "${priority.title}"`), form);
}

export const wardPrioritiesPage = routed("/priorities", loads("Ward priorities", async (message) => {
  const wards = state.me.wards || [];
  const names = await wardNames();
  if (!wards.length) {
    return page("Ward priorities", el("p", {}, "Your account serves no ward yet: ask an administrator to add yours."));
  }
  page("Ward priorities", el("div", { class: "ward-work" },
    notice(message),
    el("h2", {}, "Current priorities"),
    ...(await prioritiesSection(wards, names,
      (p) => reviewForm(p, (reviewed) => wardPrioritiesPage(reviewedMessage(reviewed))))),
    el("h2", {}, "Set a new priority"),
    priorityForm(wards, names, (p) => wardPrioritiesPage(
      `Priority set for ${names[p.ward] || p.ward}: "${p.title}".`))));
}));

/** One priority and what came of it: the actions raised from it, each with its public
 * outcome (a panel reads only public fields; tasking shapes what each caller gets). */
export const priorityPage = routed("/priorities/:id", loads("Ward priority", async (id, message) => {
  const [p, names] = await Promise.all([api("GET", `/api/ward-priorities/${encodeURIComponent(id)}`), wardNames()]);
  const actions = await api("GET", `/api/tasking/items?source_id=${encodeURIComponent(p.id)}&limit=50`);
  page(`Ward priority: ${p.title}`, el("div", { class: "ward-work" }, notice(message),
    el("dl", { class: "facts" },
      el("dt", {}, "Ward"), el("dd", {}, names[p.ward] || p.ward),
      el("dt", {}, "Status"), el("dd", {}, PRIORITY_STATUSES[p.status] || words(p.status)),
      el("dt", {}, "Set"), el("dd", {}, `${when(p.set_at)} by ${p.set_by}`),
      p.status === "closed" ? null : [el("dt", {}, "Review by"), el("dd", {}, day(p.review_by))]),
    el("p", {}, p.description),
    el("h2", {}, "Actions and what came of them"),
    actions.items.length ? el("ul", { class: "priority-outcomes" }, actions.items.map((i) => el("li", { class: "action" },
      link(`${ref(i)} ${i.title}`, `#/actions/${encodeURIComponent(i.id)}`),
      i.owner_agency ? ` (${agencyName(i.owner_agency)})` : "", ": ",
      i.status === "completed" ? `completed ${day(i.completed_at)}. ${i.public_outcome || "No public outcome was given."}`
        : `${i.overdue ? "overdue" : "open"}, due ${day(i.due_by)}.${i.public_outcome ? ` So far: ${i.public_outcome}` : ""}`)))
      : el("p", { class: "muted" }, "No action has been raised from this priority yet."),
    reviewForm(p, (reviewed) => priorityPage(id, reviewedMessage(reviewed)))));
}));
