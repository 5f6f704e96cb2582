// What every page uses: the API client, element helpers, labelled fields with their errors,
// and the names people read in place of codes. Plain ES modules, no build step.
const main = document.getElementById("main");
export const state = { token: sessionStorage.getItem("wardline.token"), me: null,
                       onSignedOut: () => {} };

// The names people read in place of codes, {code: label} in display order: filled once
// from GET /api/vocabulary (shared/vocabulary.py) before any page is drawn, so that no page
// keeps a table of its own and every label is the one the services validate against.
export const ROLES = {}, AGENCY_NAMES = {}, CATEGORIES = {}, RISK_LEVELS = {}, LAWFUL_BASES = {},
  HANDLING_CODES = {}, SOURCE_EVALUATIONS = {}, ASSESSMENTS = {}, USAGES = {}, STAGES = {},
  ENTRY_KINDS = {};
export const AGENCIES = [];  // the agency codes, in order
const VOCABULARY = { roles: ROLES, agencies: AGENCY_NAMES, categories: CATEGORIES,
  risk_levels: RISK_LEVELS, lawful_bases: LAWFUL_BASES, handling_codes: HANDLING_CODES,
  source_evaluations: SOURCE_EVALUATIONS, intelligence_assessments: ASSESSMENTS,
  feedback_usages: USAGES, review_stages: STAGES, entry_kinds: ENTRY_KINDS };
let vocabularyLoaded = null;

/** Fill the label tables from the server, once. */
export function loadVocabulary() {
  vocabularyLoaded = vocabularyLoaded || api("GET", "/api/vocabulary").then((lists) => {
    for (const [name, table] of Object.entries(VOCABULARY)) {
      for (const { code, label } of lists[name] || []) table[code] = label;
    }
    AGENCIES.splice(0, AGENCIES.length, ...Object.keys(AGENCY_NAMES));
  });
  return vocabularyLoaded;
}

export const agencyName = (code) => (code ? AGENCY_NAMES[code] || words(code) : "");

let renewing = null;

/** A new access token from the session's refresh token (the HttpOnly cookie the browser
 * sends to /api/auth only): true if it came. One at a time, as each refresh token is good
 * once and the server signs out a session whose spent one comes back. */
export function renewToken() {
  renewing ||= fetch("/api/auth/refresh", { method: "POST" })
    .then(async (response) => {
      if (!response.ok) return false;
      state.token = (await response.json()).access_token;
      sessionStorage.setItem("wardline.token", state.token);
      return true;
    })
    .catch(() => false)
    .finally(() => { renewing = null; });
  return renewing;
}

/** One request with the caller's token: a 401 renews it once (access tokens last 15
 * minutes), then signs them out; any refusal is thrown with the API's message and fields
 * (docs/api.md's error body). */
async function send(method, path, body, renewed = false) {
  const headers = { "Content-Type": "application/json" };
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  const response = await fetch(path, { method, headers,
    body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 401 && state.token && !renewed && !path.startsWith("/api/auth/")
      && await renewToken()) {
    return send(method, path, body, true);
  }
  if (response.status === 401 && state.token) { state.onSignedOut(); }
  if (!response.ok) {
    const data = await response.json().catch(() => ({}));
    throw Object.assign(new Error(data.error?.message || response.statusText),
                        { status: response.status, fields: data.error?.fields || {},
                          code: data.error?.code, details: data.error || {} });
  }
  return response;
}

export async function api(method, path, body) {
  return (await send(method, path, body)).json().catch(() => ({}));
}

/** A picture the server draws (SVG), fetched with the caller's token and parsed as SVG, so
 * that nothing in it runs: the server escapes every piece of text it draws. */
export async function apiPicture(path) {
  const text = await (await send("GET", path)).text();
  const picture = new DOMParser().parseFromString(text, "image/svg+xml").documentElement;
  if (picture.nodeName !== "svg") throw new Error("The picture could not be read.");
  picture.removeAttribute("width"); picture.removeAttribute("height");  // fit the page
  picture.setAttribute("width", "100%");
  return document.importNode(picture, true);
}

/** A file the server makes (a report), fetched with the caller's token and handed to the
 * browser to save under the name the server gives it (Content-Disposition). A plain link
 * cannot carry the token, and the file is personal: it is never cached (no-store). */
export async function apiDownload(path) {
  const response = await send("GET", path);
  const named = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
  const address = URL.createObjectURL(await response.blob());
  const anchor = el("a", { href: address, download: named ? named[1] : "wardline-download" });
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(address), 60000);
  return named ? named[1] : "";
}

export function el(tag, attrs = {}, ...children) {
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

export function field(label, name, control, hint) {
  control.id = control.id || `f-${name}`;
  control.name = name;
  const error = el("p", { class: "field-error", id: `${control.id}-error`, hidden: true });
  control.setAttribute("aria-describedby", error.id);
  return el("div", { class: "field", "data-field": name },
            el("label", { for: control.id }, label), hint ? el("p", { class: "muted" }, hint) : null,
            control, error);
}

export function options(map, chosen) {
  return Object.entries(map).map(([value, text]) =>
    el("option", { value, selected: value === chosen ? "selected" : null }, text));
}

export function showErrors(form, error) {
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

/** Draw a page. Nothing is drawn once signed out: a page still loading when its reader
 * signs out would otherwise be drawn over the sign-in page (`signedOutPage` draws that). */
export function page(title, ...content) {
  if (!state.token) return;
  signedOutPage(title, ...content);
}

export function signedOutPage(title, ...content) {
  main.replaceChildren(el("h1", {}, title), ...content);
  main.removeAttribute("aria-busy");  // the page asked for is drawn (see `routed`)
  document.title = `${title} · Wardline`;
  main.focus();
}

/** The one way a date is written: "2 December 2026" (`day`), and with the time,
 * "2 December 2026, 19:23" (`when`). Nothing (never "null") when there is none. */
const DAY_FORMAT = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "long", year: "numeric" });
const TIME_FORMAT = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit" });
export const when = (iso) => {
  const date = iso ? new Date(iso) : null;
  return date && !Number.isNaN(date.getTime()) ? `${DAY_FORMAT.format(date)}, ${TIME_FORMAT.format(date)}` : "";
};
/** A date (YYYY-MM-DD) as people read it, without shifting it across time zones. */
export const day = (iso) => (iso ? DAY_FORMAT.format(new Date(`${String(iso).slice(0, 10)}T12:00:00`)) : "");
/** What just happened, read out by screen readers (and focusable for a page to move to). */
export const notice = (text) => (text ? el("p", { class: "notice", role: "status", tabindex: "-1" }, text) : null);
export const words = (code) => String(code ?? "").replaceAll("_", " ");

// --- addresses for pages ------------------------------------------------------------------
// Every page has an address (`#/referrals/WL-R-2026-000123`), so Back, Forward, reload,
// bookmarks and the links in emails work. A page function made with `routed` records its
// address when it is drawn; opening an address draws the page it names.

const ROUTES = new Map();  // pattern -> {regex, show}; a role's own module, loaded last, wins
let shownAddress = null;

function addressOf(pattern, args) {
  let i = 0;
  const path = pattern.replace(/\/:(\w+)(\?)?/g, () => {
    const value = args[i++];
    return value === undefined || value === null || value === "" ? "" : `/${encodeURIComponent(value)}`;
  });
  return `#${path}`;
}

/** Until the page asked for is drawn, the one still shown says it is out of date: screen
 * readers wait (aria-busy), and so can a test, instead of reading the last page. */
function busy() {
  main.setAttribute("aria-busy", "true");
}

/** A page function with its own address. `pattern` is its path, "/referrals/:id", whose
 * parts (":name", or ":name?" when it may be left out) are the function's first arguments;
 * arguments after them (a message to show, say) are for that drawing only. */
export function routed(pattern, show) {
  const regex = new RegExp(`^#${pattern.replace(/\/:(\w+)\?/g, "(?:/([^/]+))?")
    .replace(/\/:(\w+)/g, "/([^/]+)")}$`);
  ROUTES.set(pattern, { regex, show });
  const drawn = (...args) => {
    const address = addressOf(pattern, args);
    if (location.hash !== address) history.pushState(null, "", address);
    shownAddress = address;
    markCurrent(address);
    busy();
    return show(...args);
  };
  drawn.address = (...args) => addressOf(pattern, args);
  return drawn;
}

/** Draw the page an address names; false when it names none of this role's pages. */
export function openAddress(address) {
  for (const { regex, show } of ROUTES.values()) {
    const found = regex.exec(address);
    if (found) {
      shownAddress = address;
      markCurrent(address);
      busy();
      show(...found.slice(1).map((part) => (part === undefined ? undefined : decodeURIComponent(part))));
      return true;
    }
  }
  return false;
}

/** Back, Forward and links to an address: draw the page, unless it is already shown. */
export function followAddresses(home) {
  window.addEventListener("hashchange", () => {
    if (location.hash === shownAddress || location.hash === "#main") return;
    if (!openAddress(location.hash)) home();
  });
}

/** The main menu's link to the page shown is marked as the current page. */
function markCurrent(address) {
  document.querySelectorAll("#nav a[href]").forEach((a) => {
    const here = a.getAttribute("href");
    if (here !== "#" && (address === here || address.startsWith(`${here}/`))) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  });
}

/** A link to a page: to its address when it has one (`routed`), else one that draws it. */
export function go(label, show, attrs = {}) {
  if (show.address) return el("a", { href: show.address(), ...attrs }, label);
  return el("a", { href: "#", ...attrs, onclick: (e) => { e.preventDefault(); show(); } }, label);
}

/** A link to a record's page by its address (`#/referrals/<id>`). */
export const link = (label, address, attrs = {}) => el("a", { href: address, ...attrs }, label);

/** What people read as a record's reference: its human one, or (until it has one) its id. */
export const ref = (record) => record?.reference || record?.id || "";

// --- shared by the ward, PCSO and intelligence pages ------------------------------------

let wardRegister = null;
/** The borough's ward names by code ({dalston: "Dalston", ...}), fetched once a visit. */
export function wardNames() {
  wardRegister = wardRegister || api("GET", "/api/wards")
    .then((data) => Object.fromEntries(data.items.map((w) => [w.code, w.name])))
    .catch((error) => { wardRegister = null; throw error; });
  return wardRegister;
}

/** A list that follows the API's `next_cursor` with a "More" button. `list` is the element
 * shown (a table's rows go into its tbody), `item(record)` makes one row or card; with no
 * records at all, `empty` is shown instead; `prepare(records)`, if given, runs before. After "More", focus moves to the first new
 * record when there is nothing more to fetch, so keyboard users keep their place. */
export async function paged(path, { list, item, empty, limit = 20, more = "More", prepare }) {
  const target = list.tBodies?.[0] || list;
  const button = el("button", { type: "button", class: "secondary more", hidden: true }, more);
  let cursor = null;
  async function load() {
    const join = path.includes("?") ? "&" : "?";
    const data = await api("GET", `${path}${join}limit=${limit}`
                                  + (cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""));
    if (prepare) await prepare(data.items);  // e.g. fetch names the rows will show
    const nodes = data.items.map(item);
    target.append(...nodes);
    cursor = data.next_cursor;
    button.hidden = !cursor;
    return nodes;
  }
  button.addEventListener("click", async () => {
    const nodes = await load();
    if (button.hidden && nodes[0]) { nodes[0].tabIndex = -1; nodes[0].focus(); }
  });
  const first = await load();
  if (!first.length) return el("p", { class: "muted" }, empty);
  return el("div", { class: "paged" }, list, button);
}

/** A row of toggle buttons choosing one view (a status filter, say); `pick(value)` shows it. */
export function tabs(label, choices, chosen, pick) {
  return el("div", { class: "tabs", role: "group", "aria-label": label },
    Object.entries(choices).map(([value, text]) => el("button", {
      type: "button", "aria-pressed": String(value === chosen), onclick: () => pick(value) }, text)));
}

/** A page function that, when its data cannot be loaded, says so on the page with a
 * "Try again" button, instead of silently leaving the previous page up. */
export function loads(title, show) {
  const shown = async (...args) => {
    try {
      return await show(...args);
    } catch (error) {
      if (error.status === 401) return undefined;  // signed out: the sign-in page is up
      page(title, el("p", { class: "alert", role: "alert" }, `This page could not be loaded: ${error.message}`),
           el("button", { type: "button", class: "primary", onclick: () => shown(...args) }, "Try again"));
      return undefined;
    }
  };
  return shown;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** `el` for SVG pictures (charts, the case-review timeline). */
export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child.nodeType ? child : String(child));
  }
  return node;
}

/** yyyy-mm-ddThh:mm in local time, what a datetime-local control holds. */
export function localInput(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T`
    + `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A datetime-local value as ISO 8601 with its offset (undefined when empty or unreadable). */
export function isoFromLocal(value) {
  const d = value ? new Date(value) : null;
  return d && !Number.isNaN(d.getTime()) ? d.toISOString() : undefined;
}
