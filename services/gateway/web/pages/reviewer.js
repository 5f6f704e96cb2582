// A missed-opportunity case review (journey 3): after a serious incident the reviewer opens
// a review of one person, reads every agency's contacts with them on one timeline, decides
// on the possible missed opportunities the rules found, records findings and lessons, and
// publishes the lessons to partners. The language is about learning, never blame.
import { CATEGORIES, ENTRY_KINDS, RISK_LEVELS, STAGES, agencyName, api, apiDownload, apiPicture, el, field, go, link, page, ref,
  routed, showErrors, wardNames, when, words, paged, notice, day } from "../core.js";
import { directoryPage } from "../components/directory.js";
import { homePage } from "../components/home.js";
import { inboxPage } from "../components/inbox.js";
import { agencySelect, th, today, uid } from "../components/widgets.js";

const NEXT_STAGE = { open: ["gathering", "Start gathering information"], gathering: ["panel", "Take it to panel"] };
const WORKING = ["open", "gathering", "panel"];
const RULES = {
  multi_agency_referrals_without_completed_action: "Several agencies referred, no action completed",
  high_risk_action_overdue: "High-risk action went past its due date",
  re_referred_after_no_further_action: "Referred again soon after no further action",
  intelligence_without_feedback: "Intelligence without feedback",
  redirect_not_acknowledged: "Redirect not taken up" };

// --- the list of reviews ----------------------------------------------------------------

export const reviewsPage = routed("/case-reviews/:stage?", async (stage = "") => {
  const filter = el("form", { class: "filters desk-form", role: "search", "aria-label": "Filter case reviews" },
    field("Stage", "stage", el("select", { id: "reviews-stage" }, el("option", { value: "" }, "Every stage"),
      Object.entries(STAGES).map(([code, name]) => el("option", { value: code,
        selected: code === stage ? "selected" : null }, name)))),
    el("button", { class: "primary", type: "submit" }, "Show"));
  filter.addEventListener("submit", (event) => {
    event.preventDefault();
    reviewsPage(filter.elements.stage.value);
  });
  const table = el("table", {}, el("caption", { class: "sr-only" }, "Case reviews, newest first"),
    el("thead", {}, el("tr", {}, th("Review"), th("Stage"), th("Incident date"), th("Started", "optional"))),
    el("tbody"));
  page("Case reviews",
    el("p", {}, go("Open a case review", openReviewPage, { class: "button-link" })),
    el("div", { class: "desk" }, filter,
      await paged(`/api/case-reviews${stage ? `?stage=${stage}` : ""}`, { list: table,
        empty: stage ? "No case review at this stage." : "No case review yet.",
        item: (r) => el("tr", {},
          el("td", {}, link(`${ref(r)} ${r.trigger}`, reviewPage.address(r.id))),
          el("td", {}, STAGES[r.stage] || words(r.stage)),
          el("td", {}, day(r.incident_date)),
          el("td", { class: "optional" }, when(r.created_at))) })));
});

// --- opening a review -------------------------------------------------------------------

/** The reviewer finds the person through the referrals about them (the API has no search
 * by name), chooses one, and describes the incident. */
export const openReviewPage = routed("/open-a-review", async (filters = {}) => {
  const wards = await wardNames();
  const chosen = el("p", { class: "notice", role: "status", hidden: true });
  const form = el("form", { novalidate: true, class: "desk-form" },
    el("div", { class: "alert", role: "alert", tabindex: "-1", hidden: true }),
    field("Person's record (subject id)", "subject_id", el("input", { autocomplete: "off" }),
          "Choose the person from the referrals below, or paste the subject id of one of their referrals."),
    chosen,
    field("What happened", "trigger", el("input", { maxlength: 200 }),
          "A few words, for the list of reviews: for example “Stabbing, March 2026”."),
    field("Date of the incident", "incident_date", el("input", { type: "date", max: today() })),
    field("Incident summary", "incident_summary", el("textarea", { maxlength: 4000 }),
          "Kept inside the review: it is never sent to partners."),
    el("button", { class: "primary", type: "submit" }, "Open the case review"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = (name) => form.elements[name].value.trim();
    try {
      const review = await api("POST", "/api/case-reviews", { subject_id: value("subject_id"),
        trigger: value("trigger"), incident_summary: value("incident_summary"),
        incident_date: value("incident_date") || null });
      reviewPage(review.id, "The case review is open. Its chronology gathers every agency's records about the person.");
    } catch (error) { showErrors(form, error); }
  });
  // The referral list names the subject record, not the person: read each person once.
  const people = new Map();
  const prepare = (referrals) => Promise.all([...new Set(referrals.map((r) => r.subject_id))]
    .filter((id) => !people.has(id))
    .map((id) => api("GET", `/api/subjects/${id}`).then((p) => people.set(id, p), () => people.set(id, null))));
  const who = (r) => people.get(r.subject_id) || r.subject;
  const choose = (r) => {
    form.elements.subject_id.value = r.subject_id;
    chosen.hidden = false;
    chosen.textContent = `Chosen: ${personOf(who(r))}.`;
    form.elements.trigger.focus();
  };

  const finder = el("form", { class: "filters desk-form", role: "search", "aria-label": "Find the person's referrals" },
    field("Referring agency", "agency", agencySelect("find-agency", filters.agency, "Every agency")),
    field("Ward", "ward", el("select", { id: "find-ward" }, el("option", { value: "" }, "Every ward"),
      Object.entries(wards).map(([code, name]) => el("option", { value: code,
        selected: code === filters.ward ? "selected" : null }, name)))),
    el("button", { class: "primary", type: "submit" }, "Show referrals"));
  finder.addEventListener("submit", (event) => {
    event.preventDefault();
    openReviewPage({ agency: finder.elements.agency.value, ward: finder.elements.ward.value });
  });
  const query = new URLSearchParams(Object.entries(filters).filter(([, v]) => v));
  const table = el("table", {}, el("caption", { class: "sr-only" }, "Referrals, to find the person"),
    el("thead", {}, el("tr", {}, th("Person"), th("Concern"), th("Referred by"), th("Sent", "optional"),
                       th("Choose"))), el("tbody"));
  page("Open a case review",
    el("div", { class: "desk" },
      el("section", { "aria-labelledby": "h-incident" }, el("h2", { id: "h-incident" }, "The person and the incident"), form),
      el("section", { "aria-labelledby": "h-find" }, el("h2", { id: "h-find" }, "Find the person"), finder,
        await paged(`/api/referrals${query.size ? `?${query}` : ""}`, { list: table,
          empty: "No referral matches.", prepare,
          item: (r) => el("tr", {},
            el("td", {}, personOf(who(r))),
            el("td", {}, `${CATEGORIES[r.category] || words(r.category)}, ${(RISK_LEVELS[r.risk_level] || r.risk_level).toLowerCase()} risk, ${wards[r.ward] || r.ward}`),
            el("td", {}, agencyName(r.referring_agency)),
            el("td", { class: "optional" }, when(r.submitted_at)),
            el("td", {}, el("button", { type: "button", class: "secondary", onclick: () => choose(r),
              "aria-label": `Choose ${personOf(who(r))} (${CATEGORIES[r.category] || words(r.category)} referral from ${agencyName(r.referring_agency)})` },
              "Choose"))) }))));
});

// --- one review ---------------------------------------------------------------------------

export const reviewPage = routed("/reviews/:id", async (id, message) => {
  const [review, entries, candidates] = await Promise.all([
    api("GET", `/api/case-reviews/${id}`), timelineOf(id),
    api("GET", `/api/case-reviews/${id}/missed-opportunities`).then((d) => d.items)]);
  const [person, picture] = await Promise.all([
    api("GET", `/api/subjects/${review.subject_id}`).catch(() => null), timelinePicture(id, entries)]);
  const working = WORKING.includes(review.stage);
  const refresh = (message) => reviewPage(id, message);
  const numbers = Object.fromEntries(entries.map((e, i) => [e.id, i + 1]));
  const facts = [
    ["Person", person ? personOf(person) : review.subject_id],
    ["Stage", STAGES[review.stage] || words(review.stage)],
    ["Incident date", day(review.incident_date)],
    ["Incident summary", review.incident_summary],
    review.opened_at ? ["Opened", `${when(review.opened_at)} by ${review.opened_by}`] : null,
    review.published_at ? ["Published", `${when(review.published_at)} by ${review.published_by}`] : null,
  ].filter(Boolean);

  page(`Case review ${ref(review)}: ${review.trigger}`, notice(message),
    el("p", { class: "muted" }, "A missed-opportunity review is about learning, not blame: it names "
                                + "the lesson, never a culprit."),
    el("div", { class: "desk" },
      el("dl", { class: "facts" }, facts.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)])),
      stageSection(review, candidates, refresh),
      el("section", { "aria-labelledby": "h-chronology" },
        el("h2", { id: "h-chronology" }, `Chronology (${entries.length} entries)`),
        el("button", { type: "button", class: "secondary", onclick: () => refresh("The chronology was refreshed.") },
           "Refresh the chronology"),
        picture, timelineTable(entries, candidates)),
      el("section", { "aria-labelledby": "h-candidates" },
        el("h2", { id: "h-candidates" }, `Possible missed opportunities (${candidates.length})`),
        el("p", { class: "muted" }, "Found by the rules in the chronology. The rules suggest; the reviewers "
                                    + "decide: confirm or dismiss each one, with the reason."),
        candidates.length ? candidates.map((c) => candidateCard(review, c, numbers, working, refresh))
          : el("p", { class: "muted" }, "The rules found none.")),
      el("section", { "aria-labelledby": "h-findings" },
        el("h2", { id: "h-findings" }, "Findings and lessons"),
        findingsList(review, candidates),
        working ? findingForm(review, candidates, refresh) : null),
      reportSection(review)));
});

/** The review as a document for the panel's papers or the partners: Word to edit, PDF to
 * circulate, and either anonymised (roles instead of names) for a wider audience. Each
 * download is recorded in the person's trail, as a reading of the review. */
function reportSection(review) {
  // Announced without being the page's status (the notice at the top is that).
  const status = el("p", { "aria-live": "polite", class: "muted report-status" });
  const download = (format, anonymised) => async () => {
    status.textContent = "Preparing the report…";
    try {
      const name = await apiDownload(`/api/case-reviews/${review.id}/report.${format}`
                                     + (anonymised ? "?anonymised=true" : ""));
      status.textContent = `Downloaded ${name}.`;
    } catch (error) {
      status.textContent = `The report could not be made: ${error.message}`;
    }
  };
  const button = (label, format, anonymised) => el("button", {
    type: "button", class: "secondary", onclick: download(format, anonymised) }, label);
  return el("section", { "aria-labelledby": "h-report" },
    el("h2", { id: "h-report" }, "Report"),
    el("p", { class: "muted" }, "The chronology, the missed opportunities with their decisions, the "
                                + "findings and the lessons. The anonymised report names roles and "
                                + "agencies, never people."),
    el("div", { class: "buttons" },
      button("Download (Word)", "docx", false), button("Download (PDF)", "pdf", false),
      button("Anonymised (Word)", "docx", true), button("Anonymised (PDF)", "pdf", true)),
    status);
}

/** Every entry, following next_cursor (the timeline is the whole story, not one page). */
async function timelineOf(id) {
  const entries = [];
  let cursor = null;
  for (let pages = 0; pages < 20; pages += 1) {
    const data = await api("GET", `/api/case-reviews/${id}/timeline?limit=1000`
                                  + (cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""));
    entries.push(...data.items);
    cursor = data.next_cursor;
    if (!cursor) break;
  }
  return entries;
}

function stageSection(review, candidates, refresh) {
  const [next, nextLabel] = NEXT_STAGE[review.stage] || [];
  const undecided = candidates.filter((c) => c.status === "candidate").length;
  const alert = el("div", { class: "alert", role: "alert", tabindex: "-1", hidden: true });
  const act = async (send, message) => {
    try { await send(); refresh(message); } catch (error) {
      alert.hidden = false; alert.textContent = error.message; alert.focus();
    }
  };
  return el("section", { "aria-labelledby": "h-stage" },
    el("h2", { id: "h-stage" }, "Where the review is"),
    el("ol", { class: "stages" }, ["open", "gathering", "panel", "published"].map((s) =>
      el("li", { "aria-current": s === review.stage ? "step" : null }, STAGES[s]))),
    alert,
    next ? el("button", { type: "button", class: "primary", onclick: () => act(
      () => api("POST", `/api/case-reviews/${review.id}/stage`, { stage: next }),
      `The review moved on: ${STAGES[next].toLowerCase()}.`) }, nextLabel) : null,
    review.stage === "panel" ? [
      el("p", {}, undecided ? `${undecided} possible missed opportunit${undecided === 1 ? "y is" : "ies are"} still to decide. `
                              + "Publishing needs every one decided and at least one lesson."
                            : "Publishing sends the lessons (not the incident or the findings) to every partner agency."),
      el("button", { type: "button", class: "primary", onclick: () => act(
        () => api("POST", `/api/case-reviews/${review.id}/publish`),
        "Published: the lessons were sent to every partner agency.") }, "Publish the lessons")] : null,
    review.stage === "published" ? el("p", {}, "Published: this review is the record of what was learned and no longer changes.") : null);
}

// --- the timeline: a picture with one lane per agency, and the same entries as a table ----


function citations(candidates) {
  const cited = {};
  candidates.forEach((c, i) => {
    if (c.status === "dismissed") return;
    for (const entryId of c.entries) (cited[entryId] = cited[entryId] || []).push(i + 1);
  });
  return cited;
}

/** The server's picture of the chronology (casereview/timeline.py draws it, for this page
 * and for paper alike), without its printed key: the table below lists every entry. */
async function timelinePicture(id, entries) {
  if (!entries.length) return el("p", { class: "muted" }, "No entry in the chronology yet: records arrive "
                                 + "from the other services within seconds. Refresh to see them.");
  try {
    return el("figure", { class: "timeline" }, await apiPicture(`/api/case-reviews/${id}/timeline.svg?key=false`));
  } catch (error) {
    return el("p", { class: "muted" }, `The timeline picture could not be drawn (${error.message}); `
                                        + "the table below lists every entry.");
  }
}

function timelineTable(entries, candidates) {
  if (!entries.length) return null;
  const cited = citations(candidates);
  return el("table", { class: "chronology" },
    el("caption", {}, "Every entry of the chronology, oldest first (the numbers match the timeline)"),
    el("thead", {}, el("tr", {}, th("No."), th("When"), th("Agency"), th("What"), th("Summary"),
                       th("Possible missed opportunity", "optional"))),
    el("tbody", {}, entries.map((e, i) => el("tr", { "data-agency": e.agency },
      el("td", {}, String(i + 1)), el("td", {}, when(e.when)), el("td", {}, agencyName(e.agency)),
      el("td", {}, ENTRY_KINDS[e.kind] || words(e.kind)), el("td", {}, e.summary),
      el("td", { class: "optional" }, (cited[e.id] || []).map((m) => `#${m}`).join(", "))))));
}

// --- possible missed opportunities --------------------------------------------------------

function candidateCard(review, c, numbers, working, refresh) {
  const key = c.id;
  const form = working ? el("form", { novalidate: true, class: "desk-form" },
    el("div", { class: "alert", role: "alert", tabindex: "-1", hidden: true }),
    field("Reason", "reason", el("textarea", { id: `mo-reason-${key}` }), "Why you confirm or dismiss it."),
    el("div", { class: "buttons" },
      el("button", { type: "submit", class: "primary", value: "confirm" }, "Confirm"),
      el("button", { type: "submit", class: "secondary", value: "dismiss" }, "Dismiss"))) : null;
  form?.addEventListener("submit", async (event) => {
    event.preventDefault();
    const decision = event.submitter?.value === "dismiss" ? "dismiss" : "confirm";
    try {
      await api("POST", `/api/case-reviews/${review.id}/missed-opportunities/${key}/${decision}`,
                { reason: form.elements.reason.value.trim() });
      refresh(`Possible missed opportunity ${decision === "confirm" ? "confirmed" : "dismissed"}.`);
    } catch (error) { showErrors(form, error); }
  });
  const cites = c.entries.map((e) => numbers[e]).filter(Boolean).map((n) => `#${n}`);
  return el("article", { class: "box candidate", "aria-labelledby": `h-mo-${key}`, "data-status": c.status },
    el("h3", { id: `h-mo-${key}` }, RULES[c.rule] || words(c.rule)),
    el("p", {}, c.summary),
    el("p", { class: "muted" }, `Entries ${cites.join(", ") || "none"}. Decision: ${words(c.status)}`
      + (c.reason ? ` (${c.reason}, by ${c.decided_by} ${when(c.decided_at)})` : "") + "."
      + (c.still_found === false ? " The rules no longer find it in the chronology." : "")),
    form);
}

// --- findings and lessons -----------------------------------------------------------------

function findingsList(review, candidates) {
  if (!review.findings.length && !review.lessons.length) return el("p", { class: "muted" }, "No finding recorded yet.");
  const rule = Object.fromEntries(candidates.map((c) => [c.id, RULES[c.rule] || words(c.rule)]));
  const lessonItem = (l) => el("li", { class: "lesson" },
    `Lesson for ${agencyName(l.agency)}: ${l.recommendation} (owner: ${l.owner}, by ${day(l.due_date)})`);
  const loose = review.lessons.filter((l) => !l.finding_id);
  return el("ul", { class: "findings" },
    review.findings.map((f) => el("li", { class: "finding" },
      el("strong", {}, f.finding),
      el("span", { class: "muted" }, ` (${[f.agency ? agencyName(f.agency) : null,
        f.missed_opportunity_id ? `from “${rule[f.missed_opportunity_id] || "a possible missed opportunity"}”` : null,
        `${f.added_by}, ${when(f.added_at)}`].filter(Boolean).join("; ")})`),
      el("ul", {}, review.lessons.filter((l) => l.finding_id === f.id).map(lessonItem)))),
    loose.map(lessonItem));
}

function findingForm(review, candidates, refresh) {
  const key = uid();
  const form = el("form", { novalidate: true, class: "desk-form" },
    el("div", { class: "alert", role: "alert", tabindex: "-1", hidden: true }),
    field("About", "missed_opportunity_id", el("select", { id: `finding-mo-${key}` },
      el("option", { value: "" }, "A finding the rules did not find"),
      candidates.filter((c) => c.status !== "dismissed").map((c) => el("option", { value: c.id },
        RULES[c.rule] || words(c.rule)))), "Recording a finding about a possible missed opportunity confirms it."),
    field("Finding", "finding", el("textarea", { id: `finding-${key}`, maxlength: 4000 }),
          "What happened and where an agency could have stepped in."),
    field("Agency", "agency", agencySelect(`finding-agency-${key}`, "", "(no one agency)"),
          "The agency the finding and its lesson are about."),
    el("fieldset", {}, el("legend", {}, "The lesson (sent to every partner agency when published)"),
      field("Recommendation", "lesson.recommendation", el("textarea", { id: `lesson-rec-${key}`, maxlength: 4000 })),
      field("Owner", "lesson.owner", el("input", { id: `lesson-owner-${key}`, maxlength: 200 }),
            "Who sees it through: a role or team, for example “YOT service manager”."),
      field("Due date", "lesson.due_date", el("input", { id: `lesson-due-${key}`, type: "date" }))),
    el("button", { class: "primary", type: "submit" }, "Record the finding"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = (name) => form.elements[name].value.trim();
    const lesson = { recommendation: value("lesson.recommendation"), owner: value("lesson.owner"),
                     due_date: value("lesson.due_date") || null };
    const withLesson = lesson.recommendation || lesson.owner || lesson.due_date;
    try {
      await api("POST", `/api/case-reviews/${review.id}/findings`, {
        finding: value("finding"),
        ...(value("missed_opportunity_id") ? { missed_opportunity_id: value("missed_opportunity_id") } : {}),
        ...(value("agency") ? { agency: value("agency") } : {}),
        ...(withLesson ? { lesson } : {}) });
      refresh(withLesson ? "Finding and lesson recorded." : "Finding recorded.");
    } catch (error) {
      // "Name the agency the lesson is for" belongs beside the one agency control.
      if (error.fields?.["lesson.agency"]) error.fields.agency = error.fields["lesson.agency"];
      showErrors(form, error);
    }
  });
  return el("section", { "aria-labelledby": `h-add-finding-${key}` },
    el("h3", { id: `h-add-finding-${key}` }, "Record a finding"), form);
}

const personOf = (s) => (s ? `${[s.given_name, s.family_name].filter(Boolean).join(" ")}`
  + (s.date_of_birth ? `, born ${day(s.date_of_birth)}` : "") : "unknown person");

export const pages = [["Home", homePage], ["Case reviews", reviewsPage], ["Open a case review", openReviewPage],
                      ["Directory", directoryPage], ["Inbox", inboxPage]];
