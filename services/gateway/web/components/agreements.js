// The register of information sharing agreements, kept by the coordinator and admins: a
// referral reaches another agency (redirected, or through an action it owns) only under
// one in force. Agreements due for review within 30 days are flagged.
import { AGENCIES, CATEGORIES, LAWFUL_BASES, api, day, el, field, notice, page, paged, routed, showErrors }
  from "../core.js";

const STATUS = { in_force: "In force", not_started: "Not started yet", ended: "Ended" };

function flag(a) {
  if (a.review_overdue) return el("strong", { class: "overdue" }, `review overdue (${day(a.review_by)})`);
  if (a.review_due) return el("strong", { class: "due" }, `review due ${day(a.review_by)}`);
  return day(a.review_by);
}

function checks(name, legend, choices) {
  return el("fieldset", { class: "choices" }, el("legend", {}, legend),
    Object.entries(choices).map(([value, label], i) => el("label", { class: "choice" },
      el("input", { type: "checkbox", name, value, id: i ? `f-${name}-${value}` : `f-${name}`,
                    "aria-describedby": `f-${name}-error` }), ` ${label}`)),
    el("p", { class: "field-error", id: `f-${name}-error`, hidden: true }));
}

export const agreementsPage = routed("/sharing-agreements", async (message) => {
  const table = el("table", {}, el("caption", { class: "sr-only" }, "Sharing agreements, soonest review first"),
    el("thead", {}, el("tr", {}, ...["Agreement", "Parties", "Covers", "Status", "Review by"]
      .map((h) => el("th", { scope: "col" }, h)))), el("tbody"));
  page("Sharing agreements", notice(message),
    el("p", { class: "muted" }, "A referral is shared with another agency only under an agreement in "
      + "force that names both agencies, the referral's category and its lawful basis."),
    el("p", {}, el("button", { type: "button", class: "secondary", onclick: () => recordAgreementPage() },
                   "Record an agreement")),
    el("div", { class: "desk" }, await paged("/api/sharing-agreements", { list: table, limit: 50,
      empty: "No agreement is recorded: no referral can be shared with another agency.",
      item: (a) => el("tr", { "data-agreement": a.id },
        el("td", {}, a.title), el("td", {}, a.parties.join(", ")),
        el("td", {}, `${a.categories.length} categories, ${a.lawful_bases.length} lawful bases`),
        el("td", {}, STATUS[a.status] || a.status), el("td", {}, flag(a), " ",
          el("button", { type: "button", class: "secondary", onclick: () => reviewAgreementPage(a) },
             "Record its review"))) })));
});

export const recordAgreementPage = routed("/sharing-agreements/new", async () => {
  const form = el("form", { novalidate: true, class: "desk-form" },
    el("div", { class: "alert", role: "alert", tabindex: "-1", hidden: true }),
    field("Title", "title", el("input", { maxlength: 200 })),
    checks("parties", "Agencies that are parties to it", Object.fromEntries(AGENCIES.map((a) => [a, a]))),
    checks("categories", "Referral categories it covers", CATEGORIES),
    checks("lawful_bases", "Lawful bases it covers", LAWFUL_BASES),
    field("In force from", "starts_on", el("input", { type: "date" })),
    field("Review by", "review_by", el("input", { type: "date" }), "Flagged from 30 days before."),
    field("Ends on", "ends_on", el("input", { type: "date" }), "Leave empty if it has no end date."),
    field("Notes", "notes", el("textarea", {})),
    el("button", { class: "primary", type: "submit" }, "Record the agreement"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = (name) => [...form.querySelectorAll(`[name="${name}"]:checked`)].map((c) => c.value);
    const value = (name) => form.elements[name].value.trim();
    try {
      await api("POST", "/api/sharing-agreements", { title: value("title"), parties: chosen("parties"),
        categories: chosen("categories"), lawful_bases: chosen("lawful_bases"),
        starts_on: value("starts_on") || null, review_by: value("review_by") || null,
        ...(value("ends_on") ? { ends_on: value("ends_on") } : {}),
        ...(value("notes") ? { notes: value("notes") } : {}) });
      agreementsPage("The agreement was recorded.");
    } catch (error) { showErrors(form, error); }
  });
  page("Record a sharing agreement", form);
});

async function reviewAgreementPage(agreement) {
  const form = el("form", { novalidate: true, class: "desk-form" },
    el("div", { class: "alert", role: "alert", tabindex: "-1", hidden: true }),
    el("p", {}, `${agreement.title}: review due ${day(agreement.review_by)}.`),
    field("Next review by", "review_by", el("input", { type: "date" })),
    field("Ends on", "ends_on", el("input", { type: "date", value: agreement.ends_on || "" }),
          "Set a date to end the agreement instead."),
    el("button", { class: "primary", type: "submit" }, "Save the review"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const changes = {};
    if (form.elements.review_by.value) changes.review_by = form.elements.review_by.value;
    if (form.elements.ends_on.value) changes.ends_on = form.elements.ends_on.value;
    try {
      await api("PATCH", `/api/sharing-agreements/${agreement.id}`, changes);
      agreementsPage("The agreement was updated.");
    } catch (error) { showErrors(form, error); }
  });
  page("Review a sharing agreement", form);
}
