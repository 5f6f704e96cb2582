// The partnership coordinator triages referrals as they arrive, runs the tasking meeting
// (agenda, actions with an owning agency and a due date, minutes), chases overdue actions
// and decides whether two records are one person.
import { AGENCIES, CATEGORIES, RISK_LEVELS, agencyName, api, day, el, field, isoFromLocal, link, localInput, options,
  page, paged, ref, routed, showErrors, wardNames, when, words, notice } from "../core.js";
import { actionAddress, actionCard } from "../components/actions.js";
import { agreementsPage } from "../components/agreements.js";
import { directoryPage } from "../components/directory.js";
import { homePage } from "../components/home.js";
import { inboxPage } from "../components/inbox.js";
import { referPage, referralAddress } from "../components/referrals.js";
import { agencySelect, overdueBy, th, today, uid } from "../components/widgets.js";

export const triagePage = routed("/triage", async (message) => {
  const [waiting, names] = await Promise.all([api("GET", "/api/referrals?status=received&limit=50"), wardNames()]);
  page("Triage queue", notice(message), waiting.items.length
    ? el("div", {}, waiting.items.map((r) => triageCard(r, names)))
    : el("p", {}, "No referral is waiting for triage."));
});

function triageCard(r, names) {
  const form = el("form", { novalidate: true, class: "triage" },
    el("div", { class: "alert", role: "alert", tabindex: "-1", hidden: true }),
    field("Decision", "decision", el("select", { id: `decision-${r.id}` }, options({
      accept: "Accept", redirect: "Redirect to another agency", no_further_action: "No further action" }))),
    field("Redirect to", "redirect_to_agency", el("select", { id: `agency-${r.id}` },
      el("option", { value: "" }, "(only for a redirect)"), AGENCIES.map((a) => el("option", { value: a }, agencyName(a))))),
    field("Internal reason (police and coordinator only)", "reason",
          el("textarea", { id: `reason-${r.id}` })),
    field("Reason for the referring team (needed for a redirect or no further action)",
          "reason_for_referrer", el("textarea", { id: `reason-for-referrer-${r.id}` })),
    ...(r.handling_code === "C" ? [field("I have read the handling conditions and they allow "
      + "this redirect", "handling_conditions_acknowledged",
      el("input", { type: "checkbox", id: `ack-${r.id}` }))] : []),
    el("button", { class: "primary", type: "submit" }, "Record decision"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const agency = form.redirect_to_agency.value;
    const told = form.reason_for_referrer.value.trim();
    const acknowledged = form.handling_conditions_acknowledged;
    try {
      await api("POST", `/api/referrals/${r.id}/triage`, { decision: form.decision.value,
        reason: form.reason.value, ...(told ? { reason_for_referrer: told } : {}),
        ...(agency ? { redirect_to_agency: agency } : {}),
        ...(acknowledged ? { handling_conditions_acknowledged: acknowledged.checked } : {}) });
      triagePage(`${ref(r)}: decision recorded.`);
    } catch (error) { showErrors(form, error); }
  });
  return el("section", { class: "card", "aria-labelledby": `h-${r.id}` },
    el("h2", { id: `h-${r.id}` }, `${CATEGORIES[r.category]}, ${(RISK_LEVELS[r.risk_level] || r.risk_level).toLowerCase()} risk, `
       + `${names[r.ward] || r.ward}`),
    el("p", {}, link(`Referral ${ref(r)}`, referralAddress(r.id))),
    el("p", {}, `${r.summary} (from ${agencyName(r.referring_agency)}, ${when(r.submitted_at)})`),
    ...(r.handling_code === "C" ? [el("p", { class: "alert" },
      `Handling code C. Conditions: ${r.handling_conditions || "(none stated)"}`)] : []),
    form);
}

// --- tasking meetings -------------------------------------------------------------------

export const meetingsPage = routed("/meetings", async (message) => {
  const wards = await wardNames();
  const choices = Object.entries(wards).map(([code, name], i) => el("label", { class: "choice" },
    el("input", { type: "checkbox", name: "wards", value: code, id: i ? `f-wards-${code}` : "f-wards",
                  "aria-describedby": "f-wards-error" }), ` ${name}`));
  const form = el("form", { novalidate: true, class: "desk-form" },
    el("div", { class: "alert", role: "alert", tabindex: "-1", hidden: true }),
    field("Date of the meeting", "held_on", el("input", { type: "date", value: today() })),
    el("fieldset", { class: "choices" }, el("legend", {}, "Wards the meeting covers"),
       el("p", { class: "muted" }, "The agenda gathers new referrals, overdue actions, ward "
                                   + "priorities due for review and intelligence awaiting feedback for these wards."),
       choices, el("p", { class: "field-error", id: "f-wards-error", hidden: true })),
    el("button", { class: "primary", type: "submit" }, "Hold the meeting"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = [...form.querySelectorAll('[name="wards"]:checked')].map((c) => c.value);
    try {
      const meeting = await api("POST", "/api/tasking/meetings",
                                { held_on: form.elements.held_on.value || null, wards: chosen });
      meetingPage(meeting.id, "The meeting is open and its agenda is fixed as it stood now.");
    } catch (error) { showErrors(form, error); }
  });
  const table = el("table", {}, el("caption", { class: "sr-only" }, "Tasking meetings"),
    el("thead", {}, el("tr", {}, th("Held on"), th("Wards"), th("Status"), th("Opened by", "optional"))),
    el("tbody"));
  page("Tasking meetings", notice(message),
    el("section", { class: "desk", "aria-labelledby": "h-hold" },
       el("h2", { id: "h-hold" }, "Hold a meeting"), form),
    el("section", { class: "desk", "aria-labelledby": "h-meetings" },
       el("h2", { id: "h-meetings" }, "Meetings"),
       await paged("/api/tasking/meetings", { list: table, empty: "No meeting has been held yet.",
         item: (m) => el("tr", {},
           el("td", {}, link(day(m.held_on), meetingPage.address(m.id))),
           el("td", {}, m.wards.map((w) => wards[w] || w).join(", ")),
           el("td", {}, words(m.status)), el("td", { class: "optional" }, m.opened_by)) })));
});

export const meetingPage = routed("/meetings/:id", async (id, message) => {
  const [meeting, wards] = await Promise.all([api("GET", `/api/tasking/meetings/${id}`), wardNames()]);
  const open = meeting.status === "open";
  const agenda = meeting.agenda || {};
  const refresh = (message) => meetingPage(id, message);
  const referrals = await Promise.all((agenda.new_referrals || []).map((r) =>
    api("GET", `/api/referrals/${r.referral_id}`).then((full) => ({ ...r, full }), () => r)));
  const wardList = meeting.wards.map((w) => wards[w] || w).join(", ");

  page(`Tasking meeting, ${day(meeting.held_on)}`, notice(message),
    el("p", {}, `Wards: ${wardList}. ${open ? "Open" : "Closed"}; opened by ${meeting.opened_by} `
       + `${when(meeting.opened_at)}.` + (meeting.since ? ` New since the last meeting (${when(meeting.since)}).` : "")),
    el("div", { class: "desk" },
      agendaSection("new-referrals", "New referrals", referrals, "No new referral since the last meeting.",
        (r) => agendaEntry(`${CATEGORIES[r.category] || words(r.category)}, ${r.risk_level} risk, ${wards[r.ward] || r.ward}`,
          [r.full ? el("p", {}, r.full.summary) : null,
           el("p", { class: "muted" }, `From ${agencyName(r.referring_agency)}, sent ${when(r.submitted_at)}. `
              + `Referral status: ${words(r.status)}.`)],
          open ? raiseActionForm(meeting, { ward: r.ward, source_type: "referral", source_id: r.referral_id,
                                            title: `Action on the ${(CATEGORIES[r.category] || "").toLowerCase()} referral` }, refresh) : null)),
      agendaSection("overdue", "Overdue actions", agenda.overdue_items || [], "No action is overdue.",
        (item) => actionCard(item, refresh, 3, wards)),
      agendaSection("priorities", "Ward priorities due for review", agenda.priorities_for_review || [],
        "No ward priority is due for review.",
        (p) => agendaEntry(`${p.title} (${wards[p.ward] || p.ward})`,
          [el("p", { class: "muted" }, `Review by ${day(p.review_by)}. Status: ${words(p.status)}.`)],
          open ? raiseActionForm(meeting, { ward: p.ward, source_type: "ward_priority",
                                            source_id: p.ward_priority_id, title: p.title }, refresh) : null)),
      agendaSection("intelligence", "Intelligence awaiting feedback", agenda.intelligence_awaiting_feedback || [],
        "No intelligence report is waiting for feedback.",
        (i) => agendaEntry(`Report from ${wards[i.ward] || i.ward}`,
          [el("p", { class: "muted" }, `Submitted ${when(i.submitted_at)}; feedback due by ${when(i.feedback_due_by)}. `
              + `Status: ${words(i.status)}.`)])),
      el("section", { "aria-labelledby": "h-actions" },
        el("h2", { id: "h-actions" }, "Actions raised at this meeting"),
        meeting.actions.length ? meeting.actions.map((a) => actionCard(a, refresh, 3, wards))
          : el("p", { class: "muted" }, "No action raised yet."),
        open ? el("details", {}, el("summary", {}, "Raise another action"),
                  raiseActionForm(meeting, { ward: meeting.wards[0], title: "" }, refresh, true, wards)) : null),
      el("section", { "aria-labelledby": "h-minutes" },
        el("h2", { id: "h-minutes" }, "Minutes"),
        open ? closeMeetingForm(meeting, refresh)
          : el("div", {}, el("p", { class: "minutes" }, meeting.minutes),
               el("p", { class: "muted" }, `Closed by ${meeting.closed_by} ${when(meeting.closed_at)}.`)))));
});

function agendaSection(key, title, entries, empty, show) {
  return el("section", { "aria-labelledby": `h-${key}` },
    el("h2", { id: `h-${key}` }, `${title} (${entries.length})`),
    entries.length ? entries.map(show) : el("p", { class: "muted" }, empty));
}

function agendaEntry(title, body, form) {
  return el("article", { class: "box agenda-entry" }, el("h3", {}, title), body, form);
}

/** A decision of the meeting becomes an action: what, which agency owns it, by when. */
function raiseActionForm(meeting, about, refresh, chooseWard = false, wardsNamed = {}) {
  const key = uid();
  const form = el("form", { novalidate: true, class: "desk-form" },
    el("div", { class: "alert", role: "alert", tabindex: "-1", hidden: true }),
    field("Action", "title", el("input", { id: `title-${key}`, value: about.title, maxlength: 200 })),
    field("Decision of the meeting", "decision", el("textarea", { id: `decision-${key}` }),
          "What the meeting decided, for the minutes."),
    chooseWard ? field("Ward", "ward", el("select", { id: `ward-${key}` },
      meeting.wards.map((w) => el("option", { value: w }, wardsNamed[w] || w)))) : null,
    field("Owning agency", "owner_agency", agencySelect(`owner-${key}`)),
    field("Due by", "due_by", el("input", { id: `due-${key}`, type: "datetime-local", value: localInput(new Date(Date.now() + 7 * 86400000)) })),
    el("button", { class: "primary", type: "submit" }, "Raise the action"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { title: form.elements.title.value.trim(), decision: form.elements.decision.value.trim(),
      ward: chooseWard ? form.elements.ward.value : about.ward, owner_agency: form.elements.owner_agency.value,
      due_by: isoFromLocal(form.elements.due_by.value),
      ...(about.source_type ? { source_type: about.source_type, source_id: about.source_id } : {}) };
    try {
      await api("POST", `/api/tasking/meetings/${meeting.id}/actions`, body);
      refresh(`Action raised: ${body.title}, owned by ${agencyName(body.owner_agency)}.`);
    } catch (error) { showErrors(form, error); }
  });
  return chooseWard ? form : el("details", {}, el("summary", {}, "Raise an action"), form);
}

function closeMeetingForm(meeting, refresh) {
  const form = el("form", { novalidate: true, class: "desk-form" },
    el("div", { class: "alert", role: "alert", tabindex: "-1", hidden: true }),
    field("Minutes", "minutes", el("textarea", { rows: 8 }), "Closing the meeting records its minutes; "
          + "no action can be added to it afterwards."),
    el("button", { class: "primary", type: "submit" }, "Close the meeting"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api("POST", `/api/tasking/meetings/${meeting.id}/close`, { minutes: form.elements.minutes.value });
      refresh("The meeting is closed and its minutes recorded.");
    } catch (error) { showErrors(form, error); }
  });
  return form;
}

// --- the overdue board ------------------------------------------------------------------

export const overduePage = routed("/overdue", async (filters = {}) => {
  const wards = await wardNames();
  const form = el("form", { class: "filters desk-form", role: "search", "aria-label": "Filter overdue actions" },
    field("Ward", "ward", el("select", { id: "overdue-ward" }, el("option", { value: "" }, "Every ward"),
      Object.entries(wards).map(([code, name]) => el("option", { value: code,
        selected: code === filters.ward ? "selected" : null }, name)))),
    field("Owning agency", "owner_agency", agencySelect("overdue-agency", filters.owner_agency, "Every agency")),
    el("button", { class: "primary", type: "submit" }, "Show"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    overduePage({ ward: form.elements.ward.value, owner_agency: form.elements.owner_agency.value });
  });
  const query = new URLSearchParams({ overdue: "true", status: "open" });
  if (filters.ward) query.set("ward", filters.ward);
  if (filters.owner_agency) query.set("owner_agency", filters.owner_agency);
  const table = el("table", { class: "overdue" },
    el("caption", { class: "sr-only" }, "Overdue actions, the longest overdue first"),
    el("thead", {}, el("tr", {}, th("Action"), th("Owning agency"), th("Due by"), th("Overdue by"),
                       th("Ward", "optional"), th("Escalated to", "optional"))),
    el("tbody"));
  page("Overdue board", el("div", { class: "desk" }, form,
    await paged(`/api/tasking/items?${query}`, { list: table,
      empty: "No action is overdue" + (filters.ward || filters.owner_agency ? " for this choice." : "."),
      item: (i) => el("tr", {},
        el("td", {}, link(i.title, actionAddress(i.id))),
        el("td", {}, agencyName(i.owner_agency) + (i.owner_user ? ` (${i.owner_user})` : "")),
        el("td", {}, when(i.due_by)),
        el("td", {}, overdueBy(i.due_by)),
        el("td", { class: "optional" }, wards[i.ward] || i.ward),
        el("td", { class: "optional" }, i.escalated_to || "not yet")) })));
});

// --- subject links: are two records one person? ----------------------------------------

export const subjectLinksPage = routed("/possible-matches", async (message) => {
  const list = el("div", { class: "links" });
  page("Possible matches", notice(message),
    el("p", {}, "Records the matcher thinks may be one person. Confirm to join them (their "
                + "referrals are then seen together), or reject to keep them apart."),
    el("div", { class: "desk" }, await paged("/api/subject-links?status=pending", { list,
      empty: "No possible match is waiting for a decision.", item: linkCard })));
});

function linkCard(link) {
  const key = link.id;
  const people = (link.subjects?.length ? link.subjects : link.subject_ids.map((id) => ({ id })));
  const form = el("form", { novalidate: true, class: "desk-form" },
    el("div", { class: "alert", role: "alert", tabindex: "-1", hidden: true }),
    field("Reason", "reason", el("textarea", { id: `link-reason-${key}` }), "Optional: what you checked."),
    el("div", { class: "buttons" },
      el("button", { class: "primary", type: "submit", value: "confirm" }, "Confirm: one person"),
      el("button", { class: "secondary", type: "submit", value: "reject" }, "Reject: different people")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const decision = event.submitter?.value === "reject" ? "reject" : "confirm";
    const reason = form.elements.reason.value.trim();
    try {
      await api("POST", `/api/subject-links/${key}/${decision}`, reason ? { reason } : {});
      subjectLinksPage(decision === "confirm" ? "Confirmed: the records are joined as one person."
                                              : "Rejected: the records stay apart.");
    } catch (error) { showErrors(form, error); }
  });
  return el("article", { class: "box", "aria-labelledby": `h-link-${key}` },
    el("h2", { id: `h-link-${key}` }, people.map(personName).join(" and ")),
    el("ul", {}, people.map((p) => el("li", {}, `${personName(p)}: born ${p.date_of_birth ? day(p.date_of_birth) : "unknown"}`
                                                + (p.address ? `, ${p.address}` : "")))),
    el("p", {}, `Match score ${Math.round((link.score || 0) * 100)}%. ${(link.reasons || []).map(words).join("; ")}`),
    form);
}

const personName = (p) => [p.given_name, p.family_name].filter(Boolean).join(" ") || `record ${p.id}`;


export const pages = [["Home", homePage], ["Triage queue", triagePage], ["Tasking meetings", meetingsPage],
                      ["Overdue board", overduePage], ["Possible matches", subjectLinksPage],
                      ["Refer someone", referPage], ["Directory", directoryPage],
                      ["Sharing agreements", agreementsPage], ["Inbox", inboxPage]];
