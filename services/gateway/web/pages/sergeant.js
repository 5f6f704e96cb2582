// A Safer Neighbourhoods sergeant: the ward's priorities, the PCSOs tasked to answer them,
// and what the Borough Intelligence Unit said about their reports.
import { api, el, field, isoFromLocal, link, loads, localInput, page, paged, ref, routed, showErrors, state, tabs,
  wardNames, when, words, notice } from "../core.js";
import { actionPage } from "../components/actions.js";
import { directoryPage } from "../components/directory.js";
import { homePage } from "../components/home.js";
import { inboxPage } from "../components/inbox.js";
import { reportCard, reportPage, reportsView } from "../components/intelligence.js";
import { priorityPage, prioritiesSection, priorityForm, reviewForm, reviewedMessage } from "../components/priorities.js";
import { referPage, referralPage } from "../components/referrals.js";
import { TASK_STATUSES } from "../components/widgets.js";


function tasksTable() {
  return el("table", {},
    el("thead", {}, el("tr", {},
      el("th", { scope: "col" }, "Task"), el("th", { scope: "col" }, "PCSO"),
      el("th", { scope: "col", class: "optional" }, "Ward"), el("th", { scope: "col" }, "Due"),
      el("th", { scope: "col" }, "Reports"), el("th", { scope: "col" }, "Status"))),
    el("tbody"));
}

// A task handed back from a leaver (POST /api/users/{username}/handover) waits with the team.
const UNASSIGNED = "None: back with the team";

function taskRow(t, names) {
  return el("tr", { class: "pcso-task" },
    el("td", {}, link(t.brief, taskPage.address(t.id))),
    el("td", {}, t.assignee || UNASSIGNED), el("td", { class: "optional" }, names[t.ward] || t.ward),
    el("td", {}, when(t.due_by)), el("td", {}, `${t.reports_filed} of ${t.reports_wanted}`),
    el("td", {}, TASK_STATUSES[t.status] || words(t.status)));
}

export const wardPage = routed("/ward-view", loads("Ward view", async (message) => {
  const wards = state.me.wards || [];
  const names = await wardNames();
  const taskFrom = (p) => p.status === "closed" ? null : el("button", { type: "button",
    class: "secondary", "aria-label": `Task a PCSO: ${p.title}`, onclick: () => taskPcsoPage("ward_priority", p.id) },
    "Task a PCSO");
  const act = (p) => el("div", { class: "priority-actions" }, taskFrom(p),
    reviewForm(p, (reviewed) => wardPage(reviewedMessage(reviewed))));
  page("Ward view", el("div", { class: "ward-work" },
    notice(message),
    el("h2", {}, "Ward priorities"),
    ...(await prioritiesSection(wards, names, act)),
    el("h2", {}, "Open PCSO tasks"),
    await paged("/api/pcso-tasks?status=open", { list: tasksTable(), item: (t) => taskRow(t, names),
      more: "More open tasks", empty: "No PCSO task is open in your wards." }),
    el("h2", {}, "Set a ward priority"),
    priorityForm(wards, names, (p) => wardPage(`Priority set for ${names[p.ward] || p.ward}: "${p.title}".`))));
}));

export const tasksPage = routed("/ward-tasks/:status?", loads("PCSO tasks", async (status = "open") => {
  const names = await wardNames();
  page("PCSO tasks", el("div", { class: "ward-work" },
    tabs("Show tasks", TASK_STATUSES, status, tasksPage),
    el("h2", {}, `${TASK_STATUSES[status]} tasks`),
    await paged(`/api/pcso-tasks?status=${status}`, { list: tasksTable(),
      item: (t) => taskRow(t, names), more: "More tasks", empty: "No task here." })));
}));

async function prioritiesOf(ward) {
  return (await api("GET", `/api/ward-priorities?ward=${encodeURIComponent(ward)}&limit=50`)).items;
}

/** What a task answers, as a link to it: a ward priority, a referral or an action. */
async function answers(task) {
  if (task.source_type === "ward_priority") {
    const source = (await prioritiesOf(task.ward).catch(() => [])).find((p) => p.id === task.source_id);
    return link(`Ward priority: ${source ? source.title : "open it"}`, `#/priorities/${encodeURIComponent(task.source_id)}`);
  }
  if (task.source_type === "referral") return link("A referral", `#/referrals/${encodeURIComponent(task.source_id)}`);
  if (task.source_type === "tasking_item") return link("An action", `#/actions/${encodeURIComponent(task.source_id)}`);
  return words(task.source_type);
}

export const taskPage = routed("/pcso-tasks/:id", loads("PCSO task", async (id, message) => {
  const [task, names] = await Promise.all([api("GET", `/api/pcso-tasks/${encodeURIComponent(id)}`), wardNames()]);
  const source = await answers(task);
  page(`PCSO task ${ref(task)}: ${task.brief}`, el("div", { class: "ward-work" },
    notice(message),
    el("dl", { class: "facts task-facts" },
      el("dt", {}, "PCSO"), el("dd", {}, task.assignee || UNASSIGNED),
      el("dt", {}, "Ward"), el("dd", {}, names[task.ward] || task.ward),
      el("dt", {}, "Answers"), el("dd", {}, source),
      el("dt", {}, "Look for"), el("dd", {}, task.look_for),
      el("dt", {}, "Due"), el("dd", {}, when(task.due_by)),
      el("dt", {}, "Status"), el("dd", {}, `${TASK_STATUSES[task.status] || words(task.status)}, `
                                          + `${task.reports_filed} of ${task.reports_wanted} reports in`),
      el("dt", {}, "Set"), el("dd", {}, `${when(task.assigned_at)} by ${task.assigned_by}`)),
    state.me.role === "sergeant" && task.status === "open" ? await giveForm(task) : null,
    el("h2", {}, "Reports and the BIU's feedback"),
    task.reports.length ? el("div", { class: "reports" }, task.reports.map((r) => reportCard(r, names)))
      : el("p", { class: "muted" }, "No report filed yet.")));
}));

/** The ward's sergeant gives an open task to another PCSO of its ward: one back with the
 * team after its PCSO left, or one moved between PCSOs (POST /api/pcso-tasks/{id}/assignee). */
async function giveForm(task) {
  const directory = await api("GET", `/api/directory?ward=${encodeURIComponent(task.ward)}&limit=200`);
  const pcsos = directory.items.filter((c) => c.role === "pcso" && c.username && c.username !== task.assignee);
  const pcsoSelect = el("select", {}, pcsos.length ? pcsos.map((c) => el("option", { value: c.username },
    `${c.display_name} (${c.username})`)) : [el("option", { value: "" }, "No other PCSO serves this ward")]);
  const form = el("form", { novalidate: true, class: "give-task" },
    el("h2", {}, task.assignee ? "Give this task to another PCSO" : "Give this task to a PCSO"),
    el("div", { class: "alert", role: "alert", tabindex: "-1", hidden: true }),
    field("PCSO", "assignee", pcsoSelect, "The PCSOs who serve this ward. They are told at once."),
    el("button", { class: "primary", type: "submit" }, "Give task"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const assignee = pcsoSelect.value;
    try {
      const given = await api("POST", `/api/pcso-tasks/${encodeURIComponent(task.id)}/assignee`,
                              assignee ? { assignee } : {});
      taskPage(given.id, `Task given to ${given.assignee}, who has been told.`);
    } catch (error) { showErrors(form, error); }
  });
  return form;
}

/** The referral or action a task is set from (from its page's "Task a PCSO" link). */
async function taskedFrom(sourceType, sourceId) {
  if (sourceType === "referral") {
    const r = await api("GET", `/api/referrals/${encodeURIComponent(sourceId)}`);
    return { type: "referral", id: r.id, ward: r.ward, label: `Referral ${ref(r)}: ${r.summary}` };
  }
  if (sourceType === "tasking_item") {
    const i = await api("GET", `/api/tasking/items/${encodeURIComponent(sourceId)}`);
    return { type: "tasking_item", id: i.id, ward: i.ward, label: `Action ${ref(i)}: ${i.title}` };
  }
  return null;
}

/** Task a PCSO of one's ward, from one of its priorities, a referral or an action. */
export const taskPcsoPage = routed("/task-a-pcso/:source_type?/:source_id?", loads("Task a PCSO", async (sourceType, sourceId) => {
  const wards = state.me.wards || [];
  const names = await wardNames();
  const from = sourceId ? await taskedFrom(sourceType, sourceId) : null;
  const priority = sourceType === "ward_priority" ? { id: sourceId } : null;
  const wardSelect = el("select", {}, wards.map((w) => el("option", {
    value: w, selected: (from?.ward || priority?.ward) === w ? "selected" : null }, names[w] || w)));
  const prioritySelect = el("select", {});
  const pcsoSelect = el("select", {});
  const due = new Date(Date.now() + 7 * 86400000);
  due.setMinutes(0);
  const form = el("form", { novalidate: true, class: "task-pcso" },
    el("div", { class: "alert", role: "alert", tabindex: "-1", hidden: true }),
    field("Ward", "ward", wardSelect),
    from ? el("p", { class: "box" }, "This task answers ", el("strong", {}, from.label), ".")
      : field("Ward priority it answers", "source_id", prioritySelect),
    field("PCSO", "assignee", pcsoSelect, "The PCSOs who serve this ward."),
    field("Brief", "brief", el("textarea", { maxlength: 2000 }), "What you want done, and why."),
    field("Look for", "look_for", el("textarea", { maxlength: 2000 }),
          "What to note: vehicles, times, who, where."),
    field("Due by", "due_by", el("input", { type: "datetime-local", value: localInput(due) })),
    field("Reports wanted", "reports_wanted", el("input", { type: "number", min: 1, max: 20, value: 1,
                                                            inputmode: "numeric" })),
    el("button", { class: "primary", type: "submit" }, "Task PCSO"));

  async function fillChoices() {
    const ward = wardSelect.value;
    if (!priority?.ward && priority) {  // the priority's ward, once known, is chosen
      const found = (await Promise.all(wards.map(prioritiesOf))).flat().find((p) => p.id === priority.id);
      if (found) { priority.ward = found.ward; wardSelect.value = found.ward; return fillChoices(); }
    }
    const [priorities, directory] = await Promise.all([prioritiesOf(ward),
      api("GET", `/api/directory?ward=${encodeURIComponent(ward)}&limit=200`)]);
    prioritySelect.replaceChildren(...(priorities.length ? priorities.map((p) => el("option", {
      value: p.id, selected: p.id === priority?.id ? "selected" : null }, p.title))
      : [el("option", { value: "" }, "No priority set for this ward yet")]));
    const pcsos = directory.items.filter((c) => c.role === "pcso" && c.username);
    pcsoSelect.replaceChildren(...(pcsos.length ? pcsos.map((c) => el("option", { value: c.username },
      `${c.display_name} (${c.username})`)) : [el("option", { value: "" }, "No PCSO serves this ward")]));
  }
  wardSelect.addEventListener("change", fillChoices);
  await fillChoices();

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = (name) => form.querySelector(`[name="${name}"]`).value.trim();
    const given = { ward: value("ward"), assignee: value("assignee"), brief: value("brief"),
      look_for: value("look_for"), source_type: from ? from.type : "ward_priority",
      source_id: from ? from.id : value("source_id"),
      due_by: isoFromLocal(value("due_by")), reports_wanted: Number(value("reports_wanted") || 1) };
    // An empty choice is left out, so the answer says "required" beside its field.
    const body = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== "" && v !== undefined));
    try {
      const task = await api("POST", "/api/pcso-tasks", body);
      taskPage(task.id, `Task set: ${task.assignee} has been told.`);
    } catch (error) { showErrors(form, error); }
  });
  page("Task a PCSO", el("div", { class: "ward-work" }, form));
}));

export const intelligencePage = routed("/ward-intelligence/:status?", (status = "closed") =>
  reportsView("Intelligence from your wards",
    "What your PCSOs reported, how the Borough Intelligence Unit graded it and how it was used.",
    status, (s) => intelligencePage(s)));

// Records a sergeant opens from links and notices.
export const records = [referralPage, actionPage, reportPage, priorityPage];

export const pages = [["Home", homePage], ["Ward view", wardPage], ["Task a PCSO", taskPcsoPage],
  ["PCSO tasks", tasksPage], ["Intelligence", intelligencePage], ["Refer someone", referPage],
  ["Directory", directoryPage], ["Inbox", inboxPage]];
