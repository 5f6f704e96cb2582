// A partner refers someone and follows what happened to their referrals.
import { AGENCIES, CATEGORIES, LAWFUL_BASES, api, el, field, options, page, showErrors, notice, when } from "../core.js";

export async function referPage() {
  const wards = (await api("GET", "/api/wards")).items;
  const form = el("form", { novalidate: true },
    el("div", { class: "alert", role: "alert", tabindex: "-1", hidden: true }),
    el("fieldset", {}, el("legend", {}, "The person"),
      field("Given name", "subject.given_name", el("input", { autocomplete: "off" })),
      field("Family name", "subject.family_name", el("input", { autocomplete: "off" })),
      field("Date of birth", "subject.date_of_birth", el("input", { type: "date" }),
            "Leave empty if not known."),
      field("Address", "subject.address", el("input", { autocomplete: "off" }))),
    field("Concern", "category", el("select", {}, options(CATEGORIES))),
    field("Risk", "risk_level", el("select", {}, options({ standard: "Standard", medium: "Medium", high: "High" }))),
    field("Ward", "ward", el("select", {}, wards.map((w) => el("option", { value: w.code }, w.name)))),
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
      referralPage(referral.id, "Thank you: your referral was received.");
    } catch (error) { showErrors(form, error); }
  });
  page("Refer someone", form);
}

export async function myReferralsPage() {
  const referrals = (await api("GET", "/api/referrals?limit=50")).items;
  page("My referrals", referrals.length ? el("table", {},
    el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Sent"), el("th", { scope: "col" }, "Concern"),
       el("th", { scope: "col", class: "optional" }, "Ward"), el("th", { scope: "col" }, "Status"))),
    el("tbody", {}, referrals.map((r) => el("tr", {},
      el("td", {}, when(r.submitted_at)),
      el("td", {}, el("a", { href: "#", onclick: (e) => { e.preventDefault(); referralPage(r.id); } },
                      CATEGORIES[r.category])),
      el("td", { class: "optional" }, r.ward), el("td", {}, r.status.replaceAll("_", " "))))))
    : el("p", {}, "You have not sent any referrals yet."));
}

export async function referralPage(id, message) {
  const r = await api("GET", `/api/referrals/${id}`);
  page(`Referral: ${CATEGORIES[r.category]}`,
    notice(message),
    el("p", {}, `Status: ${r.status.replaceAll("_", " ")}. Ward ${r.ward}. Risk ${r.risk_level}.`),
    el("p", {}, r.summary),
    r.handling_code === "C" ? el("p", { class: "alert" },
      `Handling code C. Conditions: ${r.handling_conditions || "(none stated)"}`) : null,
    r.history ? null : el("p", { class: "muted" }, `Referred by ${r.referring_agency}: shared `
      + "with your agency because it owns an action on it, or it was passed to you."),
    el("h2", {}, "What you have been told"),
    (r.feedback || []).length ? el("ul", {}, r.feedback.map((f) => el("li", { class: "feedback" },
      el("strong", {}, f.title), el("br"), el("span", { class: "muted" }, f.body))))
      : el("p", { class: "muted" }, "Nothing yet: the acknowledgement arrives within seconds."),
    el("h2", {}, "Actions"),
    r.tasking_items.length ? el("ul", {}, r.tasking_items.map((t) => el("li", { class: "action" },
      t.status === "completed"
        ? `${t.title}: completed by ${t.owner_agency}${t.completed_at ? ` on ${when(t.completed_at)}` : ""}`
        : `${t.title}: ${t.overdue ? "overdue" : t.status}, owned by ${t.owner_agency}, due ${when(t.due_by)}`,
      t.outcome ? [el("br"), el("span", { class: "outcome" }, `Outcome: ${t.outcome}`)] : null)))
      : el("p", { class: "muted" }, "No actions you may see yet."),
    r.history ? [el("h2", {}, "History"),
      el("ol", {}, r.history.map((h) => {
        const why = h.reason_for_referrer || h.reason;  // a partner is given only the reason written for them
        return el("li", {}, `${h.status.replaceAll("_", " ")}: ${when(h.at)} by ${h.by}${why ? ` (${why})` : ""}`);
      }))] : null);
}
