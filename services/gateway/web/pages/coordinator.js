// The partnership coordinator triages referrals as they arrive.
import { AGENCIES, CATEGORIES, LAWFUL_BASES, api, el, field, options, page, showErrors } from "../core.js";
import { inboxPage } from "./inbox.js";
import { referPage } from "./partner.js";

export async function triagePage() {
  const waiting = (await api("GET", "/api/referrals?status=received&limit=50")).items;
  page("Triage queue", waiting.length ? el("div", {}, waiting.map(triageCard))
    : el("p", {}, "No referral is waiting for triage."));
}

function triageCard(r) {
  const form = el("form", { novalidate: true, class: "triage" },
    el("div", { class: "alert", role: "alert", tabindex: "-1", hidden: true }),
    field("Decision", "decision", el("select", { id: `decision-${r.id}` }, options({
      accept: "Accept", redirect: "Redirect to another agency", no_further_action: "No further action" }))),
    field("Redirect to", "redirect_to_agency", el("select", { id: `agency-${r.id}` },
      el("option", { value: "" }, "(only for a redirect)"), AGENCIES.map((a) => el("option", { value: a }, a)))),
    field("Reason", "reason", el("textarea", { id: `reason-${r.id}` })),
    el("button", { class: "primary", type: "submit" }, "Record decision"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const agency = form.redirect_to_agency.value;
    try {
      await api("POST", `/api/referrals/${r.id}/triage`, { decision: form.decision.value,
        reason: form.reason.value, ...(agency ? { redirect_to_agency: agency } : {}) });
      triagePage();
    } catch (error) { showErrors(form, error); }
  });
  return el("section", { class: "card", "aria-labelledby": `h-${r.id}` },
    el("h2", { id: `h-${r.id}` }, `${CATEGORIES[r.category]}, ${r.risk_level} risk, ${r.ward}`),
    el("p", {}, `${r.summary} (from ${r.referring_agency}, ${new Date(r.submitted_at).toLocaleString("en-GB")})`),
    form);
}


export const pages = [["Triage queue", triagePage], ["Refer someone", referPage], ["Inbox", inboxPage]];
