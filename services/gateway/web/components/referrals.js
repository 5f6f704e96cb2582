// Referring someone and following what happened: the partner's, coordinator's, sergeant's
// and PCSO's "Refer someone", "My referrals", and one referral's page.
import { CATEGORIES, LAWFUL_BASES, RISK_LEVELS, agencyName, api, el, field, link, loads, notice, options,
  page, paged, ref, routed, showErrors, state, wardNames, when, words } from "../core.js";
import { th } from "./widgets.js";

export const REFERRAL_STATUSES = { received: "Received, waiting for triage", accepted: "Accepted",
  redirected: "Passed to another agency", no_further_action: "No further action", closed: "Closed" };

export const referralAddress = (id) => `#/referrals/${encodeURIComponent(id)}`;

export const referPage = routed("/refer", loads("Refer someone", async () => {
  const names = await wardNames();
  const form = el("form", { novalidate: true },
    el("div", { class: "alert", role: "alert", tabindex: "-1", hidden: true }),
    el("fieldset", {}, el("legend", {}, "The person"),
      field("Given name", "subject.given_name", el("input", { autocomplete: "off" })),
      field("Family name", "subject.family_name", el("input", { autocomplete: "off" })),
      field("Date of birth", "subject.date_of_birth", el("input", { type: "date" }),
            "Leave empty if not known."),
      field("Address", "subject.address", el("input", { autocomplete: "off" }))),
    field("Concern", "category", el("select", {}, options(CATEGORIES))),
    field("Risk", "risk_level", el("select", {}, options(RISK_LEVELS))),
    field("Ward", "ward", el("select", {}, Object.entries(names).map(([code, name]) =>
      el("option", { value: code, selected: (state.me.wards || [])[0] === code ? "selected" : null }, name)))),
    field("Summary", "summary", el("textarea", { maxlength: 500 }), "What is the concern, in a sentence or two?"),
    field("Details", "details", el("textarea", {})),
    field("Lawful basis for sharing", "lawful_basis", el("select", {}, options(LAWFUL_BASES))),
    field("Handling code", "handling_code", el("select", {}, options({
      P: "P: may be shared lawfully", C: "C: may be shared with conditions" })),
      "Choose C when the information may only be shared under conditions, and say which."),
    field("Handling conditions (code C)", "handling_conditions", el("textarea", { maxlength: 1000 }),
          "Shown to everyone who reads the referral, and in its notices."),
    el("button", { class: "primary", type: "submit" }, "Send referral"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = (name) => form.querySelector(`[name="${name}"]`).value.trim();
    const body = {
      subject: { given_name: value("subject.given_name"), family_name: value("subject.family_name"),
                 date_of_birth: value("subject.date_of_birth") || null,
                 ...(value("subject.address") ? { address: value("subject.address") } : {}) },
      category: value("category"), risk_level: value("risk_level"), ward: value("ward"),
      summary: value("summary"), lawful_basis: value("lawful_basis"),
      handling_code: value("handling_code"),
      ...(value("handling_conditions") ? { handling_conditions: value("handling_conditions") } : {}),
      ...(value("details") ? { details: value("details") } : {}) };
    try {
      const referral = await api("POST", "/api/referrals", body);
      referralPage(referral.id, `Thank you: your referral was received. Its reference is ${ref(referral)}.`);
    } catch (error) { showErrors(form, error); }
  });
  page("Refer someone", form);
}));

export const myReferralsPage = routed("/my-referrals", loads("My referrals", async () => {
  const names = await wardNames();
  const table = el("table", {}, el("caption", { class: "sr-only" }, "Referrals, newest first"),
    el("thead", {}, el("tr", {}, th("Reference"), th("Sent"), th("Concern"), th("Ward", "optional"),
                       th("Status"))), el("tbody"));
  page("My referrals", await paged("/api/referrals", { list: table, more: "More referrals",
    empty: "You have not sent any referrals yet.", item: (r) => el("tr", {},
      el("td", {}, link(ref(r), referralAddress(r.id))),
      el("td", {}, when(r.submitted_at)),
      el("td", {}, CATEGORIES[r.category] || words(r.category)),
      el("td", { class: "optional" }, names[r.ward] || r.ward),
      el("td", {}, REFERRAL_STATUSES[r.status] || words(r.status))) }));
}));

/** The referral as the caller may read it: what the referrer was told, its actions, and
 * (for the agency it was passed to) the button to take it up. */
export const referralPage = routed("/referrals/:id", loads("Referral", async (id, message) => {
  const [r, names] = await Promise.all([api("GET", `/api/referrals/${encodeURIComponent(id)}`), wardNames()]);
  const refresh = (text) => referralPage(id, text);
  page(`Referral ${ref(r)}: ${CATEGORIES[r.category] || words(r.category)}`,
    notice(message),
    el("dl", { class: "facts" },
      el("dt", {}, "Status"), el("dd", {}, REFERRAL_STATUSES[r.status] || words(r.status)),
      el("dt", {}, "Ward"), el("dd", {}, names[r.ward] || r.ward),
      el("dt", {}, "Risk"), el("dd", {}, RISK_LEVELS[r.risk_level] || words(r.risk_level)),
      el("dt", {}, "Referred by"), el("dd", {}, `${agencyName(r.referring_agency)}, ${when(r.submitted_at)}`),
      r.redirect_to_agency ? [el("dt", {}, "Passed to"), el("dd", {}, agencyName(r.redirect_to_agency))] : null),
    el("p", {}, r.summary),
    r.details ? el("p", { class: "details" }, r.details) : null,
    r.handling_code === "C" ? el("p", { class: "alert" },
      `Handling code C. Conditions: ${r.handling_conditions || "none stated"}`) : null,
    r.history ? null : el("p", { class: "muted" }, "Shared with your agency because it owns an action "
      + "on it, or it was passed to you."),
    takeUpButton(r, refresh),
    state.me.role === "sergeant" ? el("p", {}, link("Task a PCSO about this referral",
      `#/task-a-pcso/referral/${encodeURIComponent(r.id)}`, { class: "button-link" })) : null,
    el("h2", {}, "What the referring team has been told"),
    (r.feedback || []).length ? el("ul", {}, r.feedback.map((f) => el("li", { class: "feedback" },
      el("strong", {}, f.title), el("br"), el("span", { class: "muted" }, f.body))))
      : el("p", { class: "muted" }, "Nothing yet: the acknowledgement arrives within seconds."),
    el("h2", {}, "Actions"),
    r.tasking_items.length ? el("ul", {}, r.tasking_items.map((t) => el("li", { class: "action" },
      link(`${ref(t)} ${t.title}`, `#/actions/${encodeURIComponent(t.id)}`), ": ",
      t.status === "completed"
        ? `completed by ${agencyName(t.owner_agency)}${t.completed_at ? ` on ${when(t.completed_at)}` : ""}`
        : `${t.overdue ? "overdue" : words(t.status)}, owned by ${agencyName(t.owner_agency)}, due ${when(t.due_by)}`,
      t.outcome ? [el("br"), el("span", { class: "outcome" }, `Outcome: ${t.outcome}`)] : null)))
      : el("p", { class: "muted" }, "No actions you may see yet."),
    r.history ? [el("h2", {}, "History"),
      el("ol", {}, r.history.map((h) => {
        const why = h.reason_for_referrer || h.reason;  // a partner is given only the reason written for them
        return el("li", {}, `${REFERRAL_STATUSES[h.status] || words(h.status)}: ${when(h.at)} by ${h.by}`
          + `${why ? ` (${why})` : ""}`);
      }))] : null);
}));

/** The agency a referral was passed to says it has taken it up (once). */
function takeUpButton(r, refresh) {
  if (r.status !== "redirected" || state.me.role !== "partner" || r.redirect_to_agency !== state.me.agency) return null;
  if ((r.history || []).some((h) => h.status === "acknowledged")) return null;
  const alert = el("p", { class: "alert", role: "alert", tabindex: "-1", hidden: true });
  return el("div", { class: "box" }, alert,
    el("p", {}, "This referral was passed to your agency. Say you have taken it up, so the referring team knows."),
    el("button", { type: "button", class: "primary", onclick: async () => {
      try {
        await api("POST", `/api/referrals/${encodeURIComponent(r.id)}/acknowledge`);
        refresh("Acknowledged: the referring team is told your agency has taken it up.");
      } catch (error) { alert.hidden = false; alert.textContent = error.message; alert.focus(); }
    } }, "We have taken it up"));
}
