// Wardline's web pages: plain ES modules over the JSON API, no build step and no
// framework, so the page is small, loads anywhere and is easy to audit. This module signs
// people in and loads the pages of their role from pages/<role>.js.
import { ROLES, api, el, field, followAddresses, go, loadVocabulary, notice, openAddress,
  renewToken, showErrors, signedOutPage, state } from "./core.js";
import { dashboardsPage } from "./pages/dashboards.js";
import { enrolmentPage, recoveryCodesPage, secondFactorPage } from "./components/second-factor.js";

const nav = document.getElementById("nav");

// --- signing in -------------------------------------------------------------------------

function signInPage() {
  nav.replaceChildren();
  const code = codeField();
  const form = el("form", { novalidate: true },
    el("div", { class: "alert", role: "alert", tabindex: "-1", hidden: true }),
    field("Username", "username", el("input", { autocomplete: "username", required: true })),
    field("Password", "password", el("input", { type: "password", required: true,
                                                 autocomplete: "current-password" })),
    code,
    el("button", { class: "primary", type: "submit" }, "Sign in"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const credentials = { username: form.username.value, password: form.password.value,
                          ...(code.hidden ? {} : { code: form.code.value }) };
    try {
      await signedIn(await api("POST", "/api/auth/token", credentials));
    } catch (error) { await askForMore(form, code, credentials, error); }
  });
  signedOutPage("Sign in", form);
  offerSingleSignOn(form);
}

/** The "Sign in with your organisation" button, when single sign-on is set up: it goes
 * to the identity provider, which sends the person back signed in to the page the
 * address asks for. A refused single sign-on comes back with its reason, shown here. */
async function offerSingleSignOn(form) {
  const refused = new URLSearchParams(location.search).get("sign_in_error");
  if (refused) {
    history.replaceState(null, "", location.pathname + location.hash);
    showErrors(form, { message: refused, fields: {} });
  }
  const sso = await api("GET", "/api/auth/oidc").catch(() => ({}));
  if (!sso.enabled) return;
  const next = encodeURIComponent(location.hash || "#/");
  form.after(el("p", {}, el("a", { class: "button-link", href: `${sso.start}?next=${next}` },
                          "Sign in with your organisation")));
}

/** Back from the identity provider signed in (`?single_sign_on=1`): the session's
 * refresh cookie is set, so the access token is taken as a renewal takes it. */
async function signedInThroughProvider() {
  if (!new URLSearchParams(location.search).has("single_sign_on")) return;
  history.replaceState(null, "", location.pathname + location.hash);
  await renewToken();
}

/** The code field of a sign-in form, hidden until the server asks for it. */
function codeField() {
  const code = field("Code from your authenticator app", "code",
    el("input", { autocomplete: "one-time-code", inputmode: "numeric" }),
    "The 6 digits it shows now, or one of your recovery codes.");
  code.hidden = true;
  return code;
}

/** A full token: kept for this tab, and the person's pages drawn. */
async function signedIn(answer) {
  state.token = answer.access_token;
  sessionStorage.setItem("wardline.token", state.token);
  await start();
}

/** What a refused sign-in asks for next (the error's code): the second factor's code, a
 * new password in place of a one-time one, or setting up a second factor first. */
async function askForMore(form, code, credentials, error) {
  if (error.code === "password_change_required") return newPasswordPage(credentials);
  if (error.code === "second_factor_enrolment_required") {
    state.token = error.details.enrolment_token;  // good for setting up only: not kept
    return enrolmentPage((answer) => recoveryCodesPage(answer.recovery_codes,
                                                       () => signedIn(answer)),
                         error.message);
  }
  if (error.code === "second_factor_required") code.hidden = false;
  showErrors(form, error);
  if (!code.hidden && error.code?.startsWith("second_factor")) {
    form.code.value = "";
    form.code.focus();
  }
}

/** The password was a one-time one an administrator set: choose a new one, which signs
 * in (POST /api/auth/password). */
function newPasswordPage(credentials) {
  const code = codeField();
  const form = el("form", { novalidate: true },
    el("div", { class: "alert", role: "alert", tabindex: "-1", hidden: true }),
    field("New password", "new_password", el("input", { type: "password", required: true,
      autocomplete: "new-password" }), "At least 12 characters."),
    field("New password again", "repeat", el("input", { type: "password", required: true,
      autocomplete: "new-password" })),
    code,
    el("button", { class: "primary", type: "submit" }, "Change password and sign in"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (form.new_password.value !== form.repeat.value) {
      return showErrors(form, { message: "The two new passwords differ.",
                                fields: { repeat: ["Type the same new password twice."] } });
    }
    const change = { username: credentials.username, password: credentials.password,
                     new_password: form.new_password.value,
                     ...(code.hidden ? {} : { code: form.code.value }) };
    try {
      await signedIn(await api("POST", "/api/auth/password", change));
    } catch (error) { await askForMore(form, code, change, error); }
  });
  signedOutPage("Choose a new password",
    notice("Your password was reset by an administrator: choose your own to sign in."),
    form);
}

function signOut() {
  state.token = null; state.me = null;
  sessionStorage.removeItem("wardline.token");
  signInPage();
}

/** The Sign out button: the server refuses this session's token from now on (POST
 * /api/auth/logout), then the page forgets it. Forgotten even if the server could not
 * be told (the token then lapses when it expires). */
async function signOutOfSession() {
  const logout = () => api("POST", "/api/auth/logout");
  try {
    await logout();
  } catch (error) {  // an access token past its 15 minutes: renewed, to end the session
    if (error.status === 401 && await renewToken()) await logout().catch(() => {});
  }
  signOut();
}

// --- pages by role ----------------------------------------------------------------------

/** Roles whose work the dashboards chart (the API scopes a sergeant's to their wards). */
const DASHBOARD_ROLES = ["coordinator", "sergeant", "analyst"];

/** The role's own module lists its menu, the home page first: "what needs me today". The
 * dashboards come last for the roles that have them. The module's pages, and the records'
 * pages it links to, register their addresses as it loads. */
async function rolePages(role) {
  const module = await import(`./pages/${role}.js`);
  return DASHBOARD_ROLES.includes(role) ? [...module.pages, ["Dashboards", dashboardsPage]]
    : module.pages;
}

let home = () => {};

async function renderNav() {
  const pages = await rolePages(state.me.role);
  home = pages[0][1];
  nav.replaceChildren(
    ...pages.map(([label, show]) => go(label, show)),
    el("span", {}, `${state.me.display_name} (${ROLES[state.me.role] || state.me.role})`), " ",
    el("button", { type: "button", onclick: () => secondFactorPage() }, "Second factor"), " ",
    el("button", { type: "button", onclick: () => { history.replaceState(null, "", location.pathname); signOutOfSession(); } },
       "Sign out"));
}

/** Signed in: draw the page the address asks for (a bookmark, a reload, an emailed link),
 * or the role's home page. */
async function start() {
  await Promise.all([loadVocabulary(), signedInThroughProvider()]);
  if (!state.token) return signInPage();
  try {
    state.me = await api("GET", "/api/me");
  } catch { return signOut(); }  // an expired or refused token: sign in again
  await renderNav();
  if (!location.hash || !openAddress(location.hash)) home();
}

// "Skip to content" moves the focus without changing the page's address.
document.querySelector("a.skip")?.addEventListener("click", (event) => {
  event.preventDefault();
  document.getElementById("main").focus();
});
state.onSignedOut = signOut;
followAddresses(() => home());
start();
