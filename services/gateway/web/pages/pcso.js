// A PCSO on foot, often on a phone: the tasks their sergeant set, a short report form for
// each, and what the Borough Intelligence Unit said about the reports.
import { api, el, field, isoFromLocal, link, loads, localInput, page, paged, ref, routed, showErrors, state, tabs,
  wardNames, when, words, notice } from "../core.js";
import { directoryPage } from "../components/directory.js";
import { homePage } from "../components/home.js";
import { inboxPage } from "../components/inbox.js";
import { reportCard, reportPage, reportsView } from "../components/intelligence.js";
import { referPage, referralPage } from "../components/referrals.js";
import { TASK_STATUSES } from "../components/widgets.js";

/** When, where and what was seen; `send(body)` files it. `prefix` keeps ids unique. */
function reportForm(prefix, send, ...before) {
  const form = el("form", { novalidate: true, class: "report-form" },
    el("div", { class: "alert", role: "alert", tabindex: "-1", hidden: true }),
    ...before,
    field("When you saw it", "observed_at", el("input", { id: `${prefix}-observed_at`,
      type: "datetime-local", value: localInput(new Date()), max: localInput(new Date()) })),
    field("Where", "location", el("input", { id: `${prefix}-location`, maxlength: 300,
      autocomplete: "off" }), "A street, a block or a landmark."),
    field("What you saw", "text", el("textarea", { id: `${prefix}-text`, maxlength: 10000 }),
          "Vehicles (make, colour, registration), times, people, what they did."),
    el("button", { class: "primary", type: "submit" }, "Send report"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = (name) => form.querySelector(`[name="${name}"]`).value.trim();
    const given = { observed_at: isoFromLocal(value("observed_at")), location: value("location"),
                    text: value("text"), ...(form.querySelector('[name="ward"]') ? { ward: value("ward") } : {}) };
    try {
      await send(Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)));
    } catch (error) { showErrors(form, error); }
  });
  return form;
}

function taskCard(t, names, refresh = (text) => myTasksPage("open", text)) {
  const formId = `report-form-${t.id}`;
  const form = t.status === "open" ? reportForm(`r-${t.id}`, async (body) => {
    await api("POST", `/api/pcso-tasks/${t.id}/reports`, body);
    refresh("Report sent. The Borough Intelligence Unit notes it within 3 days "
            + "and tells you how it was used.");
  }) : null;
  if (form) { form.id = formId; form.hidden = true; }
  const toggle = form ? el("button", { type: "button", class: "secondary wide", "aria-expanded": "false",
    "aria-controls": formId, onclick: () => {
      form.hidden = !form.hidden;
      toggle.setAttribute("aria-expanded", String(!form.hidden));
      if (!form.hidden) form.querySelector("input, textarea")?.focus();
    } }, "File a report") : null;
  return el("section", { class: "box task", "aria-labelledby": `task-${t.id}` },
    el("h2", { id: `task-${t.id}` }, link(t.brief, `#/pcso-tasks/${encodeURIComponent(t.id)}`)),
    el("dl", { class: "facts" },
      el("dt", {}, "Reference"), el("dd", {}, ref(t)),
      el("dt", {}, "Look for"), el("dd", {}, t.look_for),
      el("dt", {}, "Ward"), el("dd", {}, names[t.ward] || t.ward),
      el("dt", {}, "Due"), el("dd", {}, when(t.due_by)),
      el("dt", {}, "Reports"), el("dd", {}, `${t.reports_filed} of ${t.reports_wanted} sent`),
      el("dt", {}, "Status"), el("dd", {}, TASK_STATUSES[t.status] || words(t.status)),
      el("dt", {}, "From"), el("dd", {}, `${t.assigned_by}, ${when(t.assigned_at)}`)),
    toggle, form);
}

export const myTasksPage = routed("/my-tasks/:status?", loads("My tasks", async (status = "open", message) => {
  const names = await wardNames();
  page("My tasks", el("div", { class: "ward-work" },
    notice(message),
    tabs("Show tasks", TASK_STATUSES, status, (s) => myTasksPage(s)),
    await paged(`/api/pcso-tasks?assignee=me&status=${status}`, {
      list: el("div", { class: "tasks" }), item: (t) => taskCard(t, names), limit: 10,
      more: "More tasks", empty: status === "open" ? "No open task: your sergeant's next one appears here."
                                                   : "No task here." })));
}));

/** One task's own page (the link in the sergeant's notice): the card, and the reports
 * filed for it with the BIU's word on each. */
const taskPage = routed("/pcso-tasks/:id", loads("PCSO task", async (id, message) => {
  const [t, names] = await Promise.all([api("GET", `/api/pcso-tasks/${encodeURIComponent(id)}`), wardNames()]);
  page(`PCSO task ${ref(t)}`, el("div", { class: "ward-work" }, notice(message),
    taskCard(t, names, (text) => taskPage(id, text)),
    el("h2", {}, "Reports and the BIU's feedback"),
    (t.reports || []).length ? el("div", { class: "reports" }, t.reports.map((r) => reportCard(r, names)))
      : el("p", { class: "muted" }, "No report filed yet.")));
}));

const myReportsPage = routed("/my-reports/:status?", (status = "closed", message) =>
  reportsView("My reports", "What you reported, and how the Borough Intelligence Unit used it.",
              status, (s) => myReportsPage(s), message));

const reportSomethingPage = routed("/report-something", loads("Report something", async () => {
  const wards = state.me.wards || [];
  const names = await wardNames();
  const form = reportForm("adhoc", async (body) => {
    await api("POST", "/api/intelligence", body);
    myReportsPage("awaiting_note", "Report sent. The Borough Intelligence Unit notes it within 3 days.");
  }, field("Ward", "ward", el("select", { id: "adhoc-ward" },
    wards.map((w) => el("option", { value: w }, names[w] || w)))));
  page("Report something", el("div", { class: "ward-work" },
    el("p", {}, "Seen something without a task? Report it here; the BIU treats it the same way."),
    el("div", { class: "box" }, form)));
}));

// Records a PCSO may open from a notice: their referrals and their reports.
export const records = [referralPage, reportPage];

export const pages = [["Home", homePage], ["My tasks", myTasksPage], ["My reports", myReportsPage],
  ["Report something", reportSomethingPage], ["Refer someone", referPage], ["Directory", directoryPage],
  ["Inbox", inboxPage]];
