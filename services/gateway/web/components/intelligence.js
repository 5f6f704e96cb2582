// The Borough Intelligence Unit works through intelligence reports: notes each one, grades
// it with 3x5x2 and tells the team how it was used. The words for grades, statuses and
// usages, and the report card, are shared with the sergeant's and the PCSO's pages.
import { ASSESSMENTS, HANDLING_CODES, SOURCE_EVALUATIONS, USAGES, api, el, field, link, loads, options, page, paged,
  ref, routed, showErrors, state, tabs, wardNames, when, notice } from "../core.js";

export const REPORT_STATUSES = { awaiting_note: "Waiting for the BIU to note it",
  awaiting_grade: "Noted, waiting to be graded", awaiting_feedback: "Graded, feedback to come",
  closed: "Feedback returned" };

/** "2B P: source untested; known indirectly but corroborated; lawful sharing permitted". */
export function gradeText(r) {
  if (!r.source_evaluation) return "Not graded yet";
  const code = `${r.source_evaluation}${r.intelligence_assessment} ${r.handling_code}`;
  return `${code}: source ${SOURCE_EVALUATIONS[r.source_evaluation].toLowerCase()}; `
    + `${ASSESSMENTS[r.intelligence_assessment].toLowerCase()}; `
    + `${HANDLING_CODES[r.handling_code].toLowerCase()}`
    + (r.handling_conditions ? ` (${r.handling_conditions})` : "");
}

function facts(pairs) {
  return el("dl", { class: "facts" }, pairs.filter(([, value]) => value).flatMap(([term, value]) =>
    [el("dt", {}, term), el("dd", {}, value)]));
}

/** What the BIU said about a report, or when it is due. */
export function feedbackBlock(r) {
  if (r.status !== "closed") {
    return el("p", { class: "muted" }, r.status === "awaiting_note"
      ? `The BIU notes it by ${when(r.note_due_by)} and says how it was used by ${when(r.feedback_due_by)}.`
      : `The BIU says how it was used by ${when(r.feedback_due_by)}.`);
  }
  return el("div", { class: "feedback-given" },
    el("p", {}, el("strong", {}, "How it was used: "), USAGES[r.feedback_usage] || r.feedback_usage),
    el("p", {}, r.feedback_note),
    el("p", { class: "muted" }, `${r.feedback_by}, Borough Intelligence Unit, ${when(r.feedback_at)}`));
}

/** One report as the team that filed it (or the BIU) reads it; `extra` adds forms. */
export function reportCard(r, names, ...extra) {
  const overdue = r.status === "awaiting_note" && new Date(r.note_due_by) < new Date()
    || r.status !== "closed" && new Date(r.feedback_due_by) < new Date();
  return el("section", { class: "box report", "aria-labelledby": `report-${r.id}` },
    el("h3", { id: `report-${r.id}` }, link(`${ref(r)} ${names[r.ward] || r.ward}: ${r.location}`,
                                            `#/intelligence/${encodeURIComponent(r.id)}`)),
    el("p", { class: "report-text" }, r.text),
    facts([["Seen", when(r.observed_at)], ["Filed", `${when(r.submitted_at)} by ${r.submitted_by}`],
           ["Status", REPORT_STATUSES[r.status] + (overdue ? " (late)" : "")],
           ["Noted", r.noted_at && `${when(r.noted_at)} by ${r.noted_by}`],
           ["Grade", r.source_evaluation && gradeText(r)]]),
    feedbackBlock(r), ...extra);
}

/** Radio buttons in a fieldset, whose first button carries the group's error message, so
 * that showErrors puts the message beside the group. */
function choices(legend, name, map, prefix, hint) {
  const first = `${prefix}-${name}-${Object.keys(map)[0]}`;
  const error = el("p", { class: "field-error", id: `${first}-error`, hidden: true });
  return el("fieldset", { class: "choices", "data-field": name },
    el("legend", {}, legend), hint ? el("p", { class: "muted" }, hint) : null,
    Object.entries(map).map(([value, text]) => el("label", { for: `${prefix}-${name}-${value}` },
      el("input", { type: "radio", name, value, id: `${prefix}-${name}-${value}`,
                    "aria-describedby": error.id }),
      el("span", {}, el("strong", {}, value), ` ${text}`))),
    error);
}

function gradeForm(r, replace) {
  const form = el("form", { novalidate: true, class: "grade" },
    el("div", { class: "alert", role: "alert", tabindex: "-1", hidden: true }),
    el("h4", {}, "Grade (3x5x2)"),
    choices("Source evaluation", "source_evaluation", SOURCE_EVALUATIONS, r.id),
    choices("Intelligence assessment", "intelligence_assessment", ASSESSMENTS, r.id),
    choices("Handling code", "handling_code", HANDLING_CODES, r.id),
    field("Conditions", "conditions", el("textarea", { id: `conditions-${r.id}`, maxlength: 1000 }),
          "Only for handling code C: who may receive it and on what terms."),
    el("button", { class: "primary", type: "submit" }, "Record grade"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const picked = (name) => form.querySelector(`[name="${name}"]:checked`)?.value;
    const conditions = form.querySelector('[name="conditions"]').value.trim();
    const body = { intelligence_assessment: picked("intelligence_assessment"),
                   handling_code: picked("handling_code"),
                   ...(picked("source_evaluation") ? { source_evaluation: Number(picked("source_evaluation")) } : {}),
                   ...(conditions ? { conditions } : {}) };
    try {
      const graded = await api("POST", `/api/intelligence/${r.id}/grade`, body);
      replace(graded, `Graded ${graded.source_evaluation}${graded.intelligence_assessment} ${graded.handling_code}. `
        + `Say how it was used by ${when(graded.feedback_due_by)}.`);
    } catch (error) { showErrors(form, error); }
  });
  return form;
}

function feedbackForm(r, replace) {
  const form = el("form", { novalidate: true, class: "give-feedback" },
    el("div", { class: "alert", role: "alert", tabindex: "-1", hidden: true }),
    el("h4", {}, "Feedback to the team"),
    field("How it was used", "usage", el("select", { id: `usage-${r.id}` },
      el("option", { value: "" }, "Choose one"), options(USAGES))),
    field("Note to the team", "note", el("textarea", { id: `note-${r.id}`, maxlength: 5000 }),
          "What the PCSO and sergeant may know about how it helped, within its handling code."),
    el("button", { class: "primary", type: "submit" }, "Send feedback"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const usage = form.querySelector('[name="usage"]').value;
    const body = { note: form.querySelector('[name="note"]').value.trim(), ...(usage ? { usage } : {}) };
    try {
      replace(await api("POST", `/api/intelligence/${r.id}/feedback`, body),
              "Feedback sent: the PCSO and their sergeant are told.");
    } catch (error) { showErrors(form, error); }
  });
  return form;
}

function noteButton(r, replace) {
  const alert = el("p", { class: "alert", role: "alert", tabindex: "-1", hidden: true });
  return el("div", {}, alert, el("button", { type: "button", class: "secondary", onclick: async () => {
    try {
      replace(await api("POST", `/api/intelligence/${r.id}/note`), "Noted: the team is told it arrived.");
    } catch (error) { alert.hidden = false; alert.textContent = error.message; alert.focus(); }
  } }, "Note it as received"), el("p", { class: "muted" }, "Grading a report notes it too."));
}

/** The BIU's card: the report and the step it waits for. Each step replaces the card. */
function biuCard(r, names, message) {
  const replace = (updated, text) => {
    const card = biuCard(updated, names, text);
    current.replaceWith(card);
    card.querySelector(".notice")?.focus();
  };
  const steps = { awaiting_note: () => [noteButton(r, replace), gradeForm(r, replace)],
                  awaiting_grade: () => [gradeForm(r, replace)],
                  awaiting_feedback: () => [feedbackForm(r, replace)] };
  const current = reportCard(r, names, ...(steps[r.status]?.() || []));
  if (message) current.prepend(notice(message));
  return current;
}

const QUEUES = { awaiting_note: "To note", awaiting_grade: "To grade",
                 awaiting_feedback: "Feedback to give", closed: "Closed" };

export const intelligencePage = routed("/intelligence-queue/:status?", loads("Intelligence", async (status = "awaiting_note") => {
  const names = await wardNames();
  const list = el("div", { class: "reports" });
  page("Intelligence", el("div", { class: "ward-work" },
    el("p", {}, "Oldest first. Note each report within 3 days and say how it was used within 14."),
    tabs("Show reports", QUEUES, status, intelligencePage),
    el("h2", {}, QUEUES[status]),
    await paged(`/api/intelligence?status=${status}`, {
      list, item: (r) => biuCard(r, names), limit: 10, more: "More reports",
      empty: "No report here." })));
}));

/** One report's own page: the BIU's card with its next step, or the report as the team
 * that filed it reads it. */
export const reportPage = routed("/intelligence/:id", loads("Intelligence report", async (id) => {
  const [r, names] = await Promise.all([api("GET", `/api/intelligence/${encodeURIComponent(id)}`), wardNames()]);
  page(`Intelligence report ${ref(r)}`, el("div", { class: "ward-work" },
    state.me.role === "analyst" ? biuCard(r, names) : reportCard(r, names)));
}));

/** A read-only list of reports by status, for the sergeant's and the PCSO's pages. */
export const reportsView = loads("Intelligence", async (title, intro, status, show, message) => {
  const names = await wardNames();
  const views = { closed: "Feedback returned", awaiting_feedback: "Graded, feedback to come",
                  awaiting_grade: "Noted", awaiting_note: "Not yet noted" };
  page(title, el("div", { class: "ward-work" },
    notice(message),
    el("p", {}, intro),
    tabs("Show reports", views, status, show),
    el("h2", {}, views[status]),
    await paged(`/api/intelligence?status=${status}`, {
      list: el("div", { class: "reports" }), item: (r) => reportCard(r, names), limit: 10,
      more: "More reports", empty: "No report here." })));
});
