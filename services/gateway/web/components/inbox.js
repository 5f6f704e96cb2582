// Every role has an inbox: acknowledgements, outcomes, feedback and escalations.
import { api, el, page } from "../core.js";

export async function inboxPage() {
  const items = (await api("GET", "/api/notifications?limit=50")).items;
  page("Inbox", items.length ? el("ul", {}, items.map((n) => el("li", {},
    el("strong", {}, n.title), n.read_at ? "" : " (new)", el("br"), el("span", { class: "muted" }, n.body))))
    : el("p", {}, "Nothing in your inbox."));
}

