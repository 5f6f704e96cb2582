// A person's second factor (TOTP): setting it up (the QR code to scan, a first code to
// confirm it), the recovery codes shown once, and, signed in, its state and removal.
import { api, el, field, notice, page, showErrors } from "../core.js";

/** The QR code the server drew (SVG text), parsed as SVG so that nothing in it runs. */
function qrPicture(svgText) {
  const picture = new DOMParser().parseFromString(svgText, "image/svg+xml").documentElement;
  if (picture.nodeName !== "svg") return el("p", {}, "The QR code could not be drawn.");
  picture.setAttribute("role", "img");
  picture.setAttribute("aria-label", "QR code to scan with your authenticator app");
  if (!picture.getAttribute("viewBox")) {  // scale the drawing, not crop it
    picture.setAttribute("viewBox", `0 0 ${picture.getAttribute("width")} `
                                    + `${picture.getAttribute("height")}`);
  }
  picture.setAttribute("width", "200"); picture.setAttribute("height", "200");
  return document.importNode(picture, true);
}

const codeField = (hint) => field("Code from your authenticator app", "code",
  el("input", { autocomplete: "one-time-code", inputmode: "numeric", required: true }), hint);

/** Start setting up a second factor and draw it: the QR code and its key typed by hand,
 * and the form for the first code. `done(answer)` gets the confirming answer (the
 * recovery codes, and a full token when signed in with an enrolment token). */
export async function enrolmentPage(done, why) {
  const started = await api("POST", "/api/me/second-factor");
  const key = new URL(started.otpauth_uri).searchParams.get("secret") || "";
  const form = el("form", { novalidate: true },
    el("div", { class: "alert", role: "alert", tabindex: "-1", hidden: true }),
    codeField("The 6 digits it shows now, once it has added Wardline."),
    el("button", { class: "primary", type: "submit" }, "Confirm"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      done(await api("POST", "/api/me/second-factor/confirm", { code: form.code.value }));
    } catch (error) { showErrors(form, error); }
  });
  page("Set up a second factor",
    why ? notice(why) : null,
    el("p", {}, "Scan this QR code with an authenticator app on your phone (such as "
      + "FreeOTP, Google Authenticator or Microsoft Authenticator)."),
    el("figure", { class: "qr" }, qrPicture(started.qr_svg)),
    el("p", {}, "Cannot scan it? Enter this key in the app: ",
       el("code", { "data-otpauth-uri": started.otpauth_uri, class: "totp-key" }, key)),
    form);
  form.code.focus();
}

/** The recovery codes, shown this once: each signs in once without the phone. */
export function recoveryCodesPage(codes, next) {
  page("Keep your recovery codes",
    notice("Your second factor is set up."),
    el("p", {}, "If you lose your phone, each of these codes signs you in once. Write "
      + "them down or print them and keep them safe: they are not shown again."),
    el("ol", { class: "recovery-codes", "aria-label": "Recovery codes" },
       codes.map((code) => el("li", {}, el("code", {}, code)))),
    el("button", { class: "primary", type: "button", onclick: next },
       "I have kept these codes: continue"));
}

/** Signed in: whether a second factor is set up, setting one up, or removing it. */
export async function secondFactorPage(message) {
  const status = await api("GET", "/api/me/second-factor");
  if (!status.enrolled) {
    return page("Second factor", notice(message),
      el("p", {}, status.required ? "Your role must sign in with a second factor."
        : "A second factor (a code from an app on your phone) makes your account "
          + "much harder to take over, even if someone learns your password."),
      el("button", { class: "primary", type: "button", onclick: () => enrolmentPage(
        (answer) => recoveryCodesPage(answer.recovery_codes,
                                      () => secondFactorPage("Your second factor is set up."))) },
        "Set up a second factor"));
  }
  const form = el("form", { novalidate: true },
    el("div", { class: "alert", role: "alert", tabindex: "-1", hidden: true }),
    codeField("To remove it, type a code it shows now."),
    el("button", { type: "submit" }, "Remove the second factor"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api("POST", "/api/me/second-factor/remove", { code: form.code.value });
      secondFactorPage("Your second factor was removed.");
    } catch (error) { showErrors(form, error); }
  });
  page("Second factor", notice(message),
    el("p", {}, `You sign in with a code from your authenticator app. Recovery codes `
      + `left: ${status.recovery_codes_left}.`),
    status.required ? el("p", { class: "muted" }, "Your role requires it; if you lose "
      + "your phone and your recovery codes, ask an administrator to reset it.") : form);
}
