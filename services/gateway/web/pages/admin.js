// The administrator manages accounts and the contact directory. An admin sees no case
// data: no referral, action, intelligence or review is shown here.
import { ROLES, agencyName, api, el, field, link, loads, options, page, routed, showErrors, wardNames, words, paged,
  notice } from "../core.js";
import { agreementsPage } from "../components/agreements.js";
import { directoryView } from "../components/directory.js";
import { homePage } from "../components/home.js";
import { inboxPage } from "../components/inbox.js";
import { agencySelect, th } from "../components/widgets.js";


// --- accounts -----------------------------------------------------------------------------

export const usersPage = routed("/users", async (message) => {
  const wards = await wardNames();
  const table = el("table", {}, el("caption", { class: "sr-only" }, "Accounts, by username"),
    el("thead", {}, el("tr", {}, th("Username"), th("Name"), th("Role"), th("Agency"),
                       th("Wards", "optional"), th("Email", "optional"), th("Status"))), el("tbody"));
  page("Users", notice(message),
    el("p", {}, el("button", { type: "button", class: "secondary", onclick: () => addUserPage() }, "Add a user")),
    el("div", { class: "desk" }, await paged("/api/users", { list: table, limit: 50,
      empty: "No account yet.",
      item: (u) => el("tr", { "data-username": u.username },
        el("td", {}, link(u.username, accountPage.address(u.username))), el("td", {}, u.display_name),
        el("td", {}, ROLES[u.role] || words(u.role)),
        el("td", {}, agencyName(u.agency) || "none"),
        el("td", { class: "optional" }, (u.wards || []).map((w) => wards[w] || w).join(", ") || "none"),
        el("td", { class: "optional" }, u.email || ""),
        el("td", {}, u.active === false ? "Disabled" : "Active")) })));
});

export const addUserPage = routed("/users/new", async () => {
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
});

// --- one account: change it, hand its work over, reset its password or second factor ------

/** Everything an admin does for one person, from joining to leaving (issue 18): each form
 * sends only what it is about, and each is audited by the gateway. */
export const accountPage = routed("/users/:username", async (username, message) => {
  const [user, wards] = await Promise.all([
    api("GET", `/api/users/${encodeURIComponent(username)}`), wardNames()]);
  const refresh = (text) => accountPage(username, text);
  const second = user.second_factor || {};
  const facts = [
    ["Username", user.username], ["Role", ROLES[user.role] || words(user.role)],
    ["Agency", agencyName(user.agency) || "None"],
    ["Wards", (user.wards || []).map((w) => wards[w] || w).join(", ") || "None"],
    ["Email", user.email || "Not given"], ["Status", user.active === false ? "Disabled: cannot sign in" : "Active"],
    ["Second factor", second.enrolled ? "Set up" : (second.required ? "Not set up yet (required of this role)" : "Not set up")]];
  page(`${user.display_name} (${user.username})`, notice(message),
    el("p", {}, link("All users", usersPage.address())),
    el("div", { class: "desk" },
      el("dl", { class: "facts" }, facts.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)])),
      changeForm(user, wards, refresh), handoverForm(user, refresh), resetsSection(user, refresh)));
});

function changeForm(user, wards, refresh) {
  const wardChoices = el("fieldset", { class: "choices" }, el("legend", {}, "Wards"),
    Object.entries(wards).map(([code, name], i) => el("label", { class: "choice" },
      el("input", { type: "checkbox", name: "wards", value: code, id: i ? `a-wards-${code}` : "a-wards",
                    checked: (user.wards || []).includes(code) ? "checked" : null,
                    "aria-describedby": "a-wards-error" }), ` ${name}`)),
    el("p", { class: "field-error", id: "a-wards-error", hidden: true }));
  const form = el("form", { novalidate: true, class: "desk-form", "aria-labelledby": "h-change" },
    el("h2", { id: "h-change" }, "Change the account"),
    el("div", { class: "alert", role: "alert", tabindex: "-1", hidden: true }),
    field("Full name", "display_name", el("input", { value: user.display_name, autocomplete: "off" })),
    field("Role", "role", el("select", {}, options(ROLES, user.role)),
          "A change of role signs the person out of every session at once."),
    field("Agency", "agency", agencySelect("f-agency", user.agency || "", "(none)")),
    wardChoices,
    field("Email", "email", el("input", { type: "email", value: user.email || "", autocomplete: "off" })),
    el("label", { class: "choice" }, el("input", { type: "checkbox", name: "active", id: "f-active",
      checked: user.active === false ? null : "checked" }), " Active (can sign in; untick for a leaver)"),
    el("button", { class: "primary", type: "submit" }, "Save the changes"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const changes = changedFields(user, {
      display_name: form.elements.display_name.value.trim(), role: form.elements.role.value,
      agency: form.elements.agency.value || null, email: form.elements.email.value.trim() || null,
      wards: [...form.querySelectorAll('[name="wards"]:checked')].map((c) => c.value),
      active: form.elements.active.checked });
    if (!Object.keys(changes).length) { refresh("Nothing was changed."); return; }
    try {
      await api("PATCH", `/api/users/${encodeURIComponent(user.username)}`, changes);
      refresh(`Saved: ${Object.keys(changes).map((k) => words(k)).join(", ")}.`);
    } catch (error) { showErrors(form, error); }
  });
  return form;
}

/** Only the fields that differ from the account as it is: the PATCH says what changed. */
function changedFields(user, wanted) {
  const same = (a, b) => JSON.stringify(Array.isArray(a) ? [...a].sort() : a ?? null)
                          === JSON.stringify(Array.isArray(b) ? [...b].sort() : b ?? null);
  return Object.fromEntries(Object.entries(wanted).filter(([key, value]) => !same(value, user[key])));
}

function handoverForm(user, refresh) {
  const form = el("form", { novalidate: true, class: "desk-form", "aria-labelledby": "h-handover" },
    el("h2", { id: "h-handover" }, "Hand over open work"),
    el("p", { class: "muted" }, "Moves this person's open PCSO tasks and the open actions named to them. "
                                + "Leave the successor empty to return them to the team."),
    el("div", { class: "alert", role: "alert", tabindex: "-1", hidden: true }),
    field("Successor's username", "to", el("input", { autocomplete: "off", autocapitalize: "none", spellcheck: "false" }),
          "A PCSO task can go to a PCSO of its ward; an action to someone of its agency."),
    el("button", { class: "secondary", type: "submit" }, "Hand over"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const to = form.elements.to.value.trim() || null;
    try {
      const moved = await api("POST", `/api/users/${encodeURIComponent(user.username)}/handover`, { to });
      refresh(`Handed over ${moved.pcso_tasks} PCSO task(s) and ${moved.tasking_items} action(s) `
              + (to ? `to ${to}.` : "back to the team."));
    } catch (error) { showErrors(form, error); }
  });
  return form;
}

function resetsSection(user, refresh) {
  const form = el("form", { novalidate: true, class: "desk-form", "aria-labelledby": "h-password" },
    el("h2", { id: "h-password" }, "Give a one-time password"),
    el("p", { class: "muted" }, "For a forgotten password: the person signs in with it once and must then "
                                + "choose their own. Tell it to them by a separate, safe route."),
    el("div", { class: "alert", role: "alert", tabindex: "-1", hidden: true }),
    field("One-time password", "password", el("input", { type: "password", autocomplete: "new-password" }),
          "At least 12 characters."),
    el("button", { class: "secondary", type: "submit" }, "Set the one-time password"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api("POST", `/api/users/${encodeURIComponent(user.username)}/password-reset`,
                { password: form.elements.password.value });
      refresh("One-time password set: their sessions are ended, and their next sign-in must choose a new one.");
    } catch (error) { showErrors(form, error); }
  });
  const second = user.second_factor || {};
  const resetFactor = second.enrolled ? el("section", { "aria-labelledby": "h-factor" },
    el("h2", { id: "h-factor" }, "Reset the second factor"),
    el("p", { class: "muted" }, "For a lost phone: removes the authenticator and recovery codes and ends "
                                + "their sessions; they set it up again at their next sign-in."),
    el("button", { type: "button", class: "secondary", onclick: async () => {
      await api("POST", `/api/users/${encodeURIComponent(user.username)}/second-factor/reset`);
      refresh("Second factor reset: they set it up again at their next sign-in.");
    } }, "Reset the second factor")) : null;
  return [form, resetFactor];
}

// --- the contact directory ------------------------------------------------------------------

/** The admin's directory: everyone's entries, and contacts who have no account. */
export const directoryPage = routed("/directory", loads("Directory", (filters, message) =>
  directoryView(filters, message, addContactForm)));

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

export const pages = [["Home", homePage], ["Users", usersPage], ["Add a user", addUserPage], ["Directory", directoryPage],
                      ["Sharing agreements", agreementsPage], ["Inbox", inboxPage]];
