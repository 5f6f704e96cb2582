// Wardline's web pages: plain ES modules over the JSON API, no build step and no
// framework, so the page is small, loads anywhere and is easy to audit.
const main = document.getElementById("main");
const nav = document.getElementById("nav");
const state = { token: sessionStorage.getItem("wardline.token"), me: null };

const CATEGORIES = { youth_at_risk: "Young person at risk", asb: "Anti-social behaviour",
  vulnerable_adult: "Vulnerable adult", offender_management: "Offender management",
  domestic_abuse: "Domestic abuse", exploitation: "Exploitation", other: "Other" };
const LAWFUL_BASES = { crime_and_disorder_act_s115: "Crime and Disorder Act 1998, s.115",
  safeguarding_children: "Safeguarding children", safeguarding_adults: "Safeguarding adults",
  consent: "Consent", public_task: "Public task", vital_interests: "Vital interests",
  legal_obligation: "Legal obligation" };
const AGENCIES = ["police", "la-community-safety", "yot", "probation", "health", "education",
  "fire", "youth-services", "housing"];

async function api(method, path, body) {
  const headers = { "Content-Type": "application/json" };
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  const response = await fetch(path, { method, headers,
    body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await response.json().catch(() => ({}));
  if (response.status === 401 && state.token) { signOut(); }
  if (!response.ok) throw Object.assign(new Error(data.error?.message || response.statusText),
                                        { status: response.status, fields: data.error?.fields || {} });
  return data;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child.nodeType ? child : String(child));
  }
  return node;
}

function field(label, name, control, hint) {
  control.id = control.id || `f-${name}`;
  control.name = name;
  const error = el("p", { class: "field-error", id: `${control.id}-error`, hidden: true });
  control.setAttribute("aria-describedby", error.id);
  return el("div", { class: "field", "data-field": name },
            el("label", { for: control.id }, label), hint ? el("p", { class: "muted" }, hint) : null,
            control, error);
}

function options(map, chosen) {
  return Object.entries(map).map(([value, text]) =>
    el("option", { value, selected: value === chosen ? "selected" : null }, text));
}

function showErrors(form, error) {
  form.querySelectorAll(".field-error").forEach((p) => { p.hidden = true; p.textContent = ""; });
  form.querySelectorAll("[aria-invalid]").forEach((c) => c.removeAttribute("aria-invalid"));
  const summary = form.querySelector(".alert");
  summary.hidden = false;
  summary.textContent = error.message;
  for (const [name, messages] of Object.entries(error.fields)) {
    const control = form.querySelector(`[name="${name}"]`);
    if (!control) continue;
    control.setAttribute("aria-invalid", "true");
    const p = document.getElementById(`${control.id}-error`);
    p.hidden = false;
    p.textContent = messages.join(" ");
  }
  summary.focus();
}

function page(title, ...content) {
  main.replaceChildren(el("h1", {}, title), ...content);
  document.title = `${title} · Wardline`;
  main.focus();
}

// --- signing in -------------------------------------------------------------------------

function signInPage() {
  nav.replaceChildren();
  const form = el("form", { novalidate: true },
    el("div", { class: "alert", role: "alert", tabindex: "-1", hidden: true }),
    field("Username", "username", el("input", { autocomplete: "username", required: true })),
    field("Password", "password", el("input", { type: "password", required: true,
                                                 autocomplete: "current-password" })),
    el("button", { class: "primary", type: "submit" }, "Sign in"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const data = await api("POST", "/api/auth/token", {
        username: form.username.value, password: form.password.value });
      state.token = data.access_token;
      sessionStorage.setItem("wardline.token", state.token);
      await start();
    } catch (error) { showErrors(form, error); }
  });
  page("Sign in", form);
}

function signOut() {
  state.token = null; state.me = null;
  sessionStorage.removeItem("wardline.token");
  signInPage();
}

// --- pages by role ----------------------------------------------------------------------

const PAGES = {
  partner: [["Refer someone", referPage], ["My referrals", myReferralsPage], ["Inbox", inboxPage]],
  coordinator: [["Triage queue", triagePage], ["Refer someone", referPage], ["Inbox", inboxPage]],
};
const DEFAULT_PAGES = [["Inbox", inboxPage]];

function renderNav() {
  const pages = PAGES[state.me.role] || DEFAULT_PAGES;
  nav.replaceChildren(
    ...pages.map(([label, show]) => el("a", { href: "#", onclick: (e) => { e.preventDefault(); show(); } }, label)),
    el("span", {}, `${state.me.display_name} (${state.me.role})`), " ",
    el("button", { type: "button", onclick: signOut }, "Sign out"));
  pages[0][1]();
}

async function referPage() {
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
      ...(value("details") ? { details: value("details") } : {}) };
    try {
      const referral = await api("POST", "/api/referrals", body);
      referralPage(referral.id, "Thank you: your referral was received.");
    } catch (error) { showErrors(form, error); }
  });
  page("Refer someone", form);
}

async function myReferralsPage() {
  const referrals = (await api("GET", "/api/referrals?limit=50")).items;
  page("My referrals", referrals.length ? el("table", {},
    el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Sent"), el("th", { scope: "col" }, "Concern"),
       el("th", { scope: "col", class: "optional" }, "Ward"), el("th", { scope: "col" }, "Status"))),
    el("tbody", {}, referrals.map((r) => el("tr", {},
      el("td", {}, new Date(r.submitted_at).toLocaleString("en-GB")),
      el("td", {}, el("a", { href: "#", onclick: (e) => { e.preventDefault(); referralPage(r.id); } },
                      CATEGORIES[r.category])),
      el("td", { class: "optional" }, r.ward), el("td", {}, r.status.replaceAll("_", " "))))))
    : el("p", {}, "You have not sent any referrals yet."));
}

async function referralPage(id, notice) {
  const r = await api("GET", `/api/referrals/${id}`);
  page(`Referral: ${CATEGORIES[r.category]}`,
    notice ? el("p", { class: "notice", role: "status" }, notice) : null,
    el("p", {}, `Status: ${r.status.replaceAll("_", " ")}. Ward ${r.ward}. Risk ${r.risk_level}.`),
    el("h2", {}, "What you have been told"),
    r.feedback.length ? el("ul", {}, r.feedback.map((f) => el("li", { class: "feedback" },
      el("strong", {}, f.title), el("br"), el("span", { class: "muted" }, f.body))))
      : el("p", { class: "muted" }, "Nothing yet: the acknowledgement arrives within seconds."),
    el("h2", {}, "Actions"),
    r.tasking_items.length ? el("ul", {}, r.tasking_items.map((t) => el("li", {},
      `${t.title}: ${t.status}, owned by ${t.owner_agency}, due ${new Date(t.due_by).toLocaleString("en-GB")}`)))
      : el("p", { class: "muted" }, "No actions you may see yet."),
    el("h2", {}, "History"),
    el("ol", {}, r.history.map((h) => el("li", {},
      `${h.status.replaceAll("_", " ")}: ${new Date(h.at).toLocaleString("en-GB")} by ${h.by}${h.reason ? ` (${h.reason})` : ""}`))));
}

async function triagePage() {
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

async function inboxPage() {
  const items = (await api("GET", "/api/notifications?limit=50")).items;
  page("Inbox", items.length ? el("ul", {}, items.map((n) => el("li", {},
    el("strong", {}, n.title), n.read_at ? "" : " (new)", el("br"), el("span", { class: "muted" }, n.body))))
    : el("p", {}, "Nothing in your inbox."));
}

async function start() {
  if (!state.token) return signInPage();
  try {
    state.me = await api("GET", "/api/me");
    renderNav();
  } catch { signOut(); }
}

start();
