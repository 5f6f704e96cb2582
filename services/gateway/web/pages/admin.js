// The administrator manages accounts and the contact directory. An admin sees no case
// data: no referral, action, intelligence or review is shown here.
import { ROLES, agencyName, api, el, field, options, page, showErrors, wardNames, when, words, paged, notice }
  from "../core.js";
import { agreementsPage } from "../components/agreements.js";
import { inboxPage } from "../components/inbox.js";
import { agencySelect, th } from "../components/widgets.js";


// --- accounts -----------------------------------------------------------------------------

export async function usersPage(message) {
  const wards = await wardNames();
  const table = el("table", {}, el("caption", { class: "sr-only" }, "Accounts, by username"),
    el("thead", {}, el("tr", {}, th("Username"), th("Name"), th("Role"), th("Agency"),
                       th("Wards", "optional"), th("Email", "optional"))), el("tbody"));
  page("Users", notice(message),
    el("p", {}, el("button", { type: "button", class: "secondary", onclick: () => addUserPage() }, "Add a user")),
    el("div", { class: "desk" }, await paged("/api/users", { list: table, limit: 50,
      empty: "No account yet.",
      item: (u) => el("tr", { "data-username": u.username },
        el("td", {}, u.username), el("td", {}, u.display_name), el("td", {}, ROLES[u.role] || words(u.role)),
        el("td", {}, agencyName(u.agency) || "none"),
        el("td", { class: "optional" }, (u.wards || []).map((w) => wards[w] || w).join(", ") || "none"),
        el("td", { class: "optional" }, u.email || "")) })));
}

export async function addUserPage() {
  const wards = await wardNames();
  const wardChoices = el("fieldset", { class: "choices" },
    el("legend", {}, "Wards"),
    el("p", { class: "muted", id: "f-wards-hint" }, "A ward panel chair, sergeant or PCSO serves at least one ward."),
    Object.entries(wards).map(([code, name], i) => el("label", { class: "choice" },
      el("input", { type: "checkbox", name: "wards", value: code, id: i ? `f-wards-${code}` : "f-wards",
                    "aria-describedby": "f-wards-hint f-wards-error" }), ` ${name}`)),
    el("p", { class: "field-error", id: "f-wards-error", hidden: true }));
  const form = el("form", { novalidate: true, class: "desk-form" },
    el("div", { class: "alert", role: "alert", tabindex: "-1", hidden: true }),
    field("Username", "username", el("input", { autocomplete: "off", autocapitalize: "none", spellcheck: "false" }),
          "Lower-case letters, digits, dots, hyphens or underscores; used to sign in."),
    field("Full name", "display_name", el("input", { autocomplete: "off" })),
    field("Password", "password", el("input", { type: "password", autocomplete: "new-password" }),
          "At least 12 characters. Give it to the person by a separate, safe route."),
    field("Role", "role", el("select", {}, options(ROLES, "partner"))),
    field("Agency", "agency", agencySelect("f-agency", "", "(none)"), "A partner belongs to an agency."),
    wardChoices,
    field("Email", "email", el("input", { type: "email", autocomplete: "off" }),
          "Optional: for notifications by email."),
    el("button", { class: "primary", type: "submit" }, "Add the user"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = (name) => form.elements[name].value.trim();
    const body = { username: value("username"), display_name: value("display_name"),
      password: form.elements.password.value, role: value("role"),
      wards: [...form.querySelectorAll('[name="wards"]:checked')].map((c) => c.value),
      ...(value("agency") ? { agency: value("agency") } : {}),
      ...(value("email") ? { email: value("email") } : {}) };
    try {
      const user = await api("POST", "/api/users", body);
      usersPage(`Added ${user.display_name} (${user.username}) as ${(ROLES[user.role] || user.role).toLowerCase()}.`);
    } catch (error) { showErrors(form, error); }
  });
  page("Add a user", el("div", { class: "desk" }, form));
}

// --- the contact directory ------------------------------------------------------------------

export async function directoryPage(filters = {}, message) {
  const wards = await wardNames();
  const filter = el("form", { class: "filters desk-form", role: "search", "aria-label": "Filter the directory" },
    field("Ward", "ward", el("select", { id: "dir-ward" }, el("option", { value: "" }, "Every ward"),
      Object.entries(wards).map(([code, name]) => el("option", { value: code,
        selected: code === filters.ward ? "selected" : null }, name)))),
    field("Agency", "agency", agencySelect("dir-agency", filters.agency, "Every agency")),
    el("button", { class: "primary", type: "submit" }, "Show"));
  filter.addEventListener("submit", (event) => {
    event.preventDefault();
    directoryPage({ ward: filter.elements.ward.value, agency: filter.elements.agency.value });
  });
  const query = new URLSearchParams(Object.entries(filters).filter(([, v]) => v));
  const table = el("table", {}, el("caption", { class: "sr-only" }, "Contacts, by agency then name"),
    el("thead", {}, el("tr", {}, th("Name"), th("Role"), th("Agency"), th("Wards", "optional"), th("Contact"),
                       th("Checked", "optional"))), el("tbody"));
  const refresh = (message) => directoryPage(filters, message);
  page("Directory", notice(message),
    el("p", {}, "Named contacts for each ward team and agency. An entry not checked for 90 days is marked as stale."),
    el("div", { class: "desk" }, filter,
      await paged(`/api/directory${query.size ? `?${query}` : ""}`, { list: table,
        empty: "No contact matches.",
        item: (c) => el("tr", {},
          el("td", {}, c.display_name), el("td", {}, ROLES[c.role] || c.role),
          el("td", {}, agencyName(c.agency) || "none"),
          el("td", { class: "optional" }, (c.wards || []).map((w) => wards[w] || w).join(", ") || "borough-wide"),
          el("td", {}, [c.email, c.phone].filter(Boolean).join(", ") || "none given"),
          el("td", { class: "optional" }, `${when(c.confirmed_at)}${c.stale ? " (stale)" : ""} `,
            el("button", { type: "button", class: "secondary", "aria-label": `Mark ${c.display_name}'s entry as checked`,
              onclick: async () => {
                await api("POST", `/api/directory/${encodeURIComponent(c.id)}/confirm`);
                refresh(`${c.display_name}: entry marked as checked today.`);
              } }, "Still right"))) }),
      addContactForm(wards, refresh)));
}

function addContactForm(wards, refresh) {
  const form = el("form", { novalidate: true, class: "desk-form" },
    el("div", { class: "alert", role: "alert", tabindex: "-1", hidden: true }),
    field("Name", "display_name", el("input", { id: "contact-name", autocomplete: "off" })),
    field("Job title", "role", el("input", { id: "contact-role", autocomplete: "off" }), "For example “ASB caseworker”."),
    field("Agency", "agency", agencySelect("contact-agency")),
    el("fieldset", { class: "choices" }, el("legend", {}, "Wards"),
      el("p", { class: "muted", id: "contact-wards-hint" }, "Leave all unticked for a borough-wide contact."),
      Object.entries(wards).map(([code, name], i) => el("label", { class: "choice" },
        el("input", { type: "checkbox", name: "wards", value: code, id: i ? `contact-wards-${code}` : "contact-wards",
                      "aria-describedby": "contact-wards-hint contact-wards-error" }), ` ${name}`)),
      el("p", { class: "field-error", id: "contact-wards-error", hidden: true })),
    field("Email", "email", el("input", { id: "contact-email", type: "email", autocomplete: "off" })),
    field("Phone", "phone", el("input", { id: "contact-phone", type: "tel", autocomplete: "off" })),
    el("button", { class: "primary", type: "submit" }, "Add the contact"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = (name) => form.elements[name].value.trim();
    try {
      const contact = await api("POST", "/api/directory", {
        display_name: value("display_name"), role: value("role"), agency: value("agency"),
        wards: [...form.querySelectorAll('[name="wards"]:checked')].map((c) => c.value),
        ...(value("email") ? { email: value("email") } : {}), ...(value("phone") ? { phone: value("phone") } : {}) });
      refresh(`Added ${contact.display_name} to the directory.`);
    } catch (error) { showErrors(form, error); }
  });
  return el("details", {}, el("summary", {}, "Add a contact who has no account"), form);
}

export const pages = [["Users", usersPage], ["Add a user", addUserPage], ["Directory", () => directoryPage()],
                      ["Sharing agreements", () => agreementsPage()],
                      ["Inbox", inboxPage]];
