// The first page each role sees answers "what needs me today": a few counts, each a link
// to the page where the work is done. Counts come from the same scoped lists those pages
// show, so a count never promises what its page will not show.
import { STAGES, agencyName, api, day, el, link, loads, page, routed, state, wardNames, when } from "../core.js";

const LIMIT = 100;

/** How many records a list holds, up to LIMIT ("100 or more" past it), and the records. */
async function counted(path) {
  const join = path.includes("?") ? "&" : "?";
  const data = await api("GET", `${path}${join}limit=${LIMIT}`);
  return { items: data.items, count: data.items.length, more: Boolean(data.next_cursor) };
}

const number = ({ count, more }) => (more ? `${count} or more` : String(count));

/** One count, and where to act on it. */
function tile(label, found, address, hint) {
  return el("li", { class: "tile" },
    el("a", { href: address }, el("span", { class: "count" }, number(found)), el("span", { class: "label" }, label)),
    hint ? el("p", { class: "muted" }, hint) : null);
}

const tiles = (label, ...items) => el("ul", { class: "tiles", "aria-label": label }, items.flat());

const unread = async (kinds) => {
  const inbox = await counted("/api/notifications");
  const items = inbox.items.filter((n) => !n.read_at && (!kinds || kinds.some((k) => n.kind.startsWith(k))));
  return { items, count: items.length, more: false };
};

const late = (items, field) => items.filter((i) => i[field] && new Date(i[field]) < new Date()).length;

const HOMES = {
  async coordinator() {
    const [triage, overdue, meetings] = await Promise.all([counted("/api/referrals?status=received"),
      counted("/api/tasking/items?overdue=true&status=open"), counted("/api/tasking/meetings")]);
    const open = meetings.items.find((m) => m.status === "open");
    const last = meetings.items[0];
    return [tiles("Today", tile("referrals waiting for triage", triage, "#/triage"),
                  tile("overdue actions", overdue, "#/overdue")),
      el("h2", {}, "Tasking meeting"),
      el("p", {}, open ? link(`The meeting of ${day(open.held_on)} is open`, `#/meetings/${open.id}`)
        : last ? ["No meeting is open. The last was held on ", link(day(last.held_on), `#/meetings/${last.id}`),
                  ". ", link("Hold the next one", "#/meetings"), "."]
          : ["No meeting has been held yet: ", link("hold the first", "#/meetings"), "."])];
  },
  async partner() {
    const mine = encodeURIComponent(state.me.agency || "");
    const [overdue, open, replies] = await Promise.all([
      counted(`/api/tasking/items?owner_agency=${mine}&overdue=true&status=open`),
      counted(`/api/tasking/items?owner_agency=${mine}&status=open`),
      unread(["referral.", "tasking_item.outcome"])]);
    return [tiles("Today", tile("of our actions are overdue", overdue, "#/our-actions"),
                  tile("open actions for our agency", open, "#/our-actions"),
                  tile("new replies on our referrals", replies, "#/inbox")),
      latestNotices(replies.items)];
  },
  async sergeant() {
    const soon = Date.now() + 3 * 86400000;
    const [feedback, tasks] = await Promise.all([unread(["intelligence."]), counted("/api/pcso-tasks?status=open")]);
    const due = tasks.items.filter((t) => new Date(t.due_by).getTime() < soon);
    return [tiles("Today", tile("unread words from the BIU on your PCSOs' intelligence", feedback, "#/inbox"),
                  tile("PCSO tasks due in the next three days", { count: due.length, more: false }, "#/ward-tasks"),
                  tile("open PCSO tasks", tasks, "#/ward-tasks")),
      latestNotices(feedback.items)];
  },
  async pcso() {
    const tasks = await counted("/api/pcso-tasks?assignee=me&status=open");
    return [tiles("Today", tile("open tasks from your sergeant", tasks, "#/my-tasks")),
      tasks.items.length ? el("ul", {}, tasks.items.slice(0, 5).map((t) => el("li", {},
        link(t.brief, `#/pcso-tasks/${t.id}`), `: due ${when(t.due_by)}`))) : null];
  },
  async analyst() {
    const [toNote, toGrade, toFeed] = await Promise.all([counted("/api/intelligence?status=awaiting_note"),
      counted("/api/intelligence?status=awaiting_grade"), counted("/api/intelligence?status=awaiting_feedback")]);
    const lateNotes = late(toNote.items, "note_due_by");
    const lateFeedback = late([...toNote.items, ...toGrade.items, ...toFeed.items], "feedback_due_by");
    return [tiles("Today", tile("reports to note", toNote, "#/intelligence-queue/awaiting_note",
                                `${lateNotes} past the 3-day service level`),
                  tile("reports to grade", toGrade, "#/intelligence-queue/awaiting_grade"),
                  tile("reports waiting for feedback", toFeed, "#/intelligence-queue/awaiting_feedback",
                       `${lateFeedback} past the 14-day service level`))];
  },
  async reviewer() {
    const stages = Object.keys(STAGES).filter((s) => !["declined", "published"].includes(s));
    const found = await Promise.all(stages.map((s) => counted(`/api/case-reviews?stage=${s}`)));
    return [tiles("Case reviews by stage", stages.map((s, i) =>
      tile(s === "suggested" ? "reviews the rules suggest" : `at stage: ${STAGES[s].toLowerCase()}`,
           found[i], `#/case-reviews/${s}`)))];
  },
  async panel() {
    const names = await wardNames();
    const wards = state.me.wards || [];
    const [priorities, completed] = await Promise.all([
      Promise.all(wards.map((w) => counted(`/api/ward-priorities?ward=${encodeURIComponent(w)}`))),
      counted("/api/tasking/items?status=completed")]);
    const current = priorities.flatMap((p) => p.items).filter((p) => p.status !== "closed");
    const due = current.filter((p) => p.status === "due_for_review");
    return [tiles("Your ward", tile("current priorities", { count: current.length, more: false }, "#/priorities"),
                  tile("due for review", { count: due.length, more: false }, "#/priorities"),
                  tile("actions completed on your priorities", completed, "#/priorities")),
      el("h2", {}, "What came of your priorities"),
      completed.items.length ? el("ul", {}, completed.items.slice(0, 5).map((i) => el("li", {},
        link(i.title, `#/actions/${i.id}`), ` (${[names[i.ward] || i.ward, day(i.completed_at)].filter(Boolean).join(", ")}): `,
        i.public_outcome || "completed; no public outcome was given.")))
        : el("p", { class: "muted" }, "No action on your priorities has completed yet.")];
  },
  async dpo() {
    const [records, agreements] = await Promise.all([counted("/api/retention/due"), counted("/api/sharing-agreements")]);
    const due = agreements.items.filter((a) => a.review_due || a.review_overdue).length;
    return [tiles("Today", tile("records due for a retention decision", records, "#/records-due"),
                  tile("sharing agreements due for review", { count: due, more: agreements.more },
                       "#/sharing-agreements"))];
  },
  async admin() {
    const [users, stale] = await Promise.all([counted("/api/users"), counted("/api/directory")]);
    const staleEntries = stale.items.filter((c) => c.stale).length;
    return [tiles("Today", tile("accounts", users, "#/users"),
                  tile("directory entries not checked for 90 days", { count: staleEntries, more: stale.more },
                       "#/directory"))];
  },
};

/** The newest unread notices, each a link to its record when it has one. */
function latestNotices(items) {
  if (!items.length) return null;
  return [el("h2", {}, "New in your inbox"), el("ul", {}, items.slice(0, 5).map((n) => el("li", {},
    n.link ? link(n.title, n.link) : el("strong", {}, n.title), el("br"), el("span", { class: "muted" }, n.body))))];
}

export const homePage = routed("/home", loads("Home", async () => {
  const draw = HOMES[state.me.role];
  const who = state.me.agency ? `${state.me.display_name}, ${agencyName(state.me.agency)}` : state.me.display_name;
  // A home's parts may be nested lists, or nothing where there is nothing to show.
  const parts = draw ? (await draw()).flat(2).filter(Boolean) : [];
  page("What needs you today", el("p", { class: "muted" }, who), ...parts);
}));
