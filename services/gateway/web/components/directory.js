// The contact directory, for every role: "who do I call in Dalston?", the study's most
// repeated ask. Anyone can find a ward's or an agency's contacts and confirm their own
// entry is still right; the admin keeps everyone's (pages/admin.js adds its form).
import { ROLES, agencyName, api, el, field, loads, notice, page, paged, routed, state, wardNames, when }
  from "../core.js";
import { agencySelect, th } from "./widgets.js";

/** The directory filtered by ward and agency; `extra(wards, refresh)` adds to the page. */
export async function directoryView(filters = {}, message, extra) {
  const wards = await wardNames();
  const filter = el("form", { class: "filters desk-form", role: "search", "aria-label": "Filter the directory" },
    field("Ward", "ward", el("select", { id: "dir-ward" }, el("option", { value: "" }, "Every ward"),
      Object.entries(wards).map(([code, name]) => el("option", { value: code,
        selected: code === filters.ward ? "selected" : null }, name)))),
    field("Agency", "agency", agencySelect("dir-agency", filters.agency, "Every agency")),
    el("label", { class: "filter-check" }, el("input", { type: "checkbox", name: "inactive", id: "dir-inactive",
      checked: filters.inactive ? "checked" : null }), " Include people no longer in post"),
    el("button", { class: "primary", type: "submit" }, "Show"));
  filter.addEventListener("submit", (event) => {
    event.preventDefault();
    directoryPage({ ward: filter.elements.ward.value, agency: filter.elements.agency.value,
                    inactive: filter.elements.inactive.checked ? "true" : "" });
  });
  const query = new URLSearchParams(Object.entries(filters).filter(([, v]) => v));
  const table = el("table", {}, el("caption", { class: "sr-only" }, "Contacts, by agency then name"),
    el("thead", {}, el("tr", {}, th("Name"), th("Job title"), th("Agency"), th("Wards", "optional"),
                       th("Email"), th("Phone"), th("Last checked", "optional"))), el("tbody"));
  const refresh = (text) => directoryPage(filters, text);
  page("Directory", notice(message),
    el("p", {}, "Named contacts for each ward team and agency. An entry not checked for 90 days is marked as stale: "
                + "if it is yours, say it is still right. People who have left are hidden unless you "
                + "include them, so that a handed-over case can still be traced to who held it."),
    el("div", { class: "desk" }, filter,
      await paged(`/api/directory${query.size ? `?${query}` : ""}`, { list: table, limit: 50,
        empty: "No contact matches.", more: "More contacts",
        item: (c) => el("tr", { class: c.active === false ? "inactive" : null },
          el("td", {}, c.display_name, c.active === false ? " (no longer in post)" : ""),
          el("td", {}, ROLES[c.role] || c.role || "Not given"),
          el("td", {}, agencyName(c.agency) || "None"),
          el("td", { class: "optional" }, (c.wards || []).map((w) => wards[w] || w).join(", ") || "Borough-wide"),
          el("td", {}, c.email ? el("a", { href: `mailto:${c.email}` }, c.email) : "Not given"),
          el("td", {}, c.phone ? el("a", { href: `tel:${c.phone.replace(/\s/g, "")}` }, c.phone) : "Not given"),
          el("td", { class: "optional" }, `${when(c.confirmed_at) || "Never"}${c.stale ? " (stale)" : ""} `,
            confirmButton(c, refresh))) })),
    extra ? extra(wards, refresh) : null);
}

/** "Still right": the person confirms their own entry; the admin anyone's. */
function confirmButton(contact, refresh) {
  const own = contact.username && contact.username === state.me.username;
  if (!own && state.me.role !== "admin") return null;
  return el("button", { type: "button", class: "secondary",
    "aria-label": own ? "Confirm my entry is still right" : `Mark ${contact.display_name}'s entry as checked`,
    onclick: async () => {
      await api("POST", `/api/directory/${encodeURIComponent(contact.id)}/confirm`);
      refresh(`${contact.display_name}: entry marked as checked today.`);
    } }, "Still right");
}

export const directoryPage = routed("/directory", loads("Directory", (filters, message) =>
  directoryView(filters, message)));
