// Every role has an inbox: acknowledgements, outcomes, feedback and escalations, each with
// a link to the record it is about. Opening one marks it read.
import { api, el, loads, page, paged, routed, when } from "../core.js";

function noticeItem(n) {
  const markRead = () => { if (!n.read_at) api("POST", `/api/notifications/${encodeURIComponent(n.id)}/read`).catch(() => {}); };
  return el("li", { class: n.read_at ? "read" : "unread" },
    n.link ? el("a", { href: n.link, onclick: markRead }, el("strong", {}, n.title)) : el("strong", {}, n.title),
    n.read_at ? "" : " (new)", el("br"), el("span", { class: "muted" }, n.body), el("br"),
    el("span", { class: "muted" }, when(n.created_at)));
}

export const inboxPage = routed("/inbox", loads("Inbox", async () => {
  page("Inbox", await paged("/api/notifications", { list: el("ul", { class: "inbox" }), item: noticeItem,
    limit: 50, more: "Older notices", empty: "Nothing in your inbox." }));
}));
