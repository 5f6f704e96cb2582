// The data protection officer answers for what Wardline keeps and for how long: the
// records falling due under the retention schedule and their decision on each (GET
// /api/retention/due, POST /api/retention/referrals/{id}/decision), the schedule itself
// (GET /api/retention-schedule) and the sharing agreements the partnership works under. A DPO sees no casework: no referral,
// action, intelligence report or case review is shown here.
import { api, day, el, field, link, loads, notice, page, routed, showErrors, words } from "../core.js";
import { agreementsPage } from "../components/agreements.js";
import { directoryPage } from "../components/directory.js";
import { homePage } from "../components/home.js";
import { inboxPage } from "../components/inbox.js";

const ACTIONS = { review: "Review: you decide", anonymise: "Anonymise", delete: "Delete" };

/** One record's decision form: retain (why, and until when) or dispose (why). */
function decisionForm(record, refresh) {
  const id = record.record_id;
  const form = el("form", { novalidate: true },
    el("div", { class: "alert", role: "alert", tabindex: "-1", hidden: true }),
    el("fieldset", { class: "choices" }, el("legend", {}, "Decision"),
      ...[["retain", "Retain it"], ["dispose", "Dispose of it"]].map(([value, label], i) =>
        el("label", { class: "choice" }, el("input", { type: "radio", name: "decision", value,
          id: i ? `d-${id}-${value}` : `d-${id}`, checked: i === 0 }), ` ${label}`))),
    field("Reason", "reason", el("textarea", { id: `r-${id}`, rows: 2 }), "Kept with the decision for audit."),
    field("Next review on (when retained)", "retain_until", el("input", { id: `u-${id}`, type: "date" })),
    el("button", { class: "primary", type: "submit" }, "Record the decision"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const decision = form.querySelector('[name="decision"]:checked').value;
    const body = { decision, reason: form.reason.value.trim(),
                   ...(decision === "retain" && form.retain_until.value ? { retain_until: form.retain_until.value } : {}) };
    try {
      await api("POST", `/api/retention/referrals/${id}/decision`, body);
      refresh(`Recorded: ${record.reference} ${decision === "retain" ? "retained" : "to be disposed of"}.`);
    } catch (error) { showErrors(form, error); }
  });
  return form;
}

/** The DPO's queue: each record due, what the schedule says, and the decision to make. */
export const dueRecordsPage = routed("/records-due", loads("Records due for review", async (message) => {
  const due = await api("GET", "/api/retention/due");
  const entry = (r) => el("li", {}, el("h2", {}, `${words(r.record_kind)} ${r.reference}`),
    el("p", {}, `Ended ${day(r.ended_on)} (${words(r.outcome)}); due ${day(r.due_on)}. The schedule says: `,
      el("strong", {}, ACTIONS[r.action] || r.action), r.automatic ? " (automatic)" : ""),
    r.last_decision ? el("p", { class: "muted" }, `Last retained by ${r.last_decision.decided_by}: ${r.last_decision.reason}`) : null,
    decisionForm(r, (done) => dueRecordsPage(done)));
  page("Records due for review", notice(message),
    due.items.length ? el("ul", { class: "plain" }, due.items.map(entry))
      : el("p", { class: "muted" }, "No record is due for review."));
}));

/** The schedule as a table, one row per record kind and outcome, each with its source. */
export const retentionPage = routed("/retention", loads("Retention schedule", async () => {
  const schedule = await api("GET", "/api/retention-schedule");
  const row = (e) => el("tr", {}, el("td", {}, words(e.kind)), el("td", {}, words(e.outcome)),
    el("td", {}, e.after), el("td", {}, ACTIONS[e.action] || e.action),
    el("td", {}, e.automatic ? "Yes, by a timer" : "No, after a decision"),
    el("td", {}, e.source_title, e.confirm ? el("strong", {}, " (to confirm against the source)") : null));
  const sources = Object.entries(schedule.sources).map(([key, s]) => el("li", {},
    el("strong", {}, s.title), s.url ? [" ", link(s.url, s.url)] : null, el("br"),
    el("span", { class: "muted" }, s.read)));
  page("Retention schedule",
    el("p", { class: "muted" }, "How long each kind of record is kept after it ends, and what happens then."),
    el("table", {}, el("caption", { class: "sr-only" }, "Retention periods by record kind and outcome"),
      el("thead", {}, el("tr", {}, ...["Record", "Outcome", "Kept for", "Then", "Automatic", "Source"]
        .map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, schedule.entries.map(row))),
    el("h2", {}, "Sources"), el("ul", {}, sources));
}));

export const pages = [["Home", homePage], ["Records due", dueRecordsPage], ["Retention schedule", retentionPage],
  ["Sharing agreements", agreementsPage], ["Directory", directoryPage], ["Inbox", inboxPage]];
