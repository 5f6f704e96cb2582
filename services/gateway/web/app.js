// Wardline's web pages: plain ES modules over the JSON API, no build step and no
// framework, so the page is small, loads anywhere and is easy to audit. This module signs
// people in and loads the pages of their role from pages/<role>.js.
import { api, el, field, loadVocabulary, page, showErrors, state } from "./core.js";
import { dashboardsPage } from "./pages/dashboards.js";

const nav = document.getElementById("nav");

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

/** Roles whose work the dashboards chart (the API scopes a sergeant's to their wards). */
const DASHBOARD_ROLES = ["coordinator", "sergeant", "analyst"];

/** The role's own module lists its pages, first one shown on sign-in; the dashboards
 * come last for the roles that have them. */
async function rolePages(role) {
  const module = await import(`./pages/${role}.js`);
  return DASHBOARD_ROLES.includes(role) ? [...module.pages, ["Dashboards", dashboardsPage]]
    : module.pages;
}

async function renderNav() {
  const pages = await rolePages(state.me.role);
  nav.replaceChildren(
    ...pages.map(([label, show]) => el("a", { href: "#", onclick: (e) => { e.preventDefault(); show(); } }, label)),
    el("span", {}, `${state.me.display_name} (${state.me.role})`), " ",
    el("button", { type: "button", onclick: signOut }, "Sign out"));
  await pages[0][1]();
}

async function start() {
  await loadVocabulary();
  if (!state.token) return signInPage();
  try {
    state.me = await api("GET", "/api/me");
  } catch { return signOut(); }  // an expired or refused token: sign in again
  await renderNav();
}

state.onSignedOut = signOut;
start();
