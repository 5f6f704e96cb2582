// The data protection officer answers for what Wardline keeps and for how long: the
// retention schedule (GET /api/retention-schedule), the sharing agreements the
// partnership works under, and the audit trail. A DPO sees no casework: no referral,
// action, intelligence report or case review is shown here.
import { api, el, link, loads, page, routed, words } from "../core.js";
import { agreementsPage } from "../components/agreements.js";
import { directoryPage } from "../components/directory.js";
import { homePage } from "../components/home.js";
import { inboxPage } from "../components/inbox.js";

const ACTIONS = { review: "Review: you decide", anonymise: "Anonymise", delete: "Delete" };

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

export const pages = [["Home", homePage], ["Retention schedule", retentionPage],
  ["Sharing agreements", agreementsPage], ["Directory", directoryPage], ["Inbox", inboxPage]];
