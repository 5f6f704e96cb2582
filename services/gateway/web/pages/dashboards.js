// Dashboards for the coordinator, sergeants (their own wards: the API scopes the figures)
// and the BIU: overdue items by ward, referral-to-action time and intelligence feedback
// turnaround, drawn as inline SVG bar charts from GET /api/dashboards/tasking. Each chart
// is one image with a spoken summary (role="img", aria-label), and the same figures
// follow it in a table, for screen readers and for anyone who wants the numbers. Colours
// come from app.css classes (the page's CSP allows no inline style).
import { api, el, loads, page, routed, svg, wardNames, words } from "../core.js";

const PERIODS = { 4: "Last 4 weeks", 12: "Last 12 weeks", 26: "Last 26 weeks", 52: "Last 52 weeks" };
let weeksShown = "12";

export const dashboardsPage = routed("/dashboards", loads("Dashboards", async () => {
  const [data, names] = await Promise.all([
    api("GET", `/api/dashboards/tasking?weeks=${weeksShown}`),
    wardNames().catch(() => ({})),  // codes will do if the register cannot be read
  ]);
  const ward = (code) => names[code] || code;
  const scope = data.wards === null ? "the whole borough"
    : data.wards.length ? data.wards.map(ward).join(", ") : "no ward";
  page("Dashboards",
    el("p", { class: "muted" }, `Figures for ${scope}, as of ${clock(data.generated_at)}. `
       + "Counts and times only: no names and no records."),
    periodForm(),
    overdueSection(data.overdue_by_ward, ward),
    referralSection(data.referral_to_action, data.weeks),
    feedbackSection(data.intelligence_feedback, data.weeks));
}));

function periodForm() {
  const select = el("select", { id: "dashboard-weeks", name: "weeks" },
    Object.entries(PERIODS).map(([value, text]) =>
      el("option", { value, selected: value === weeksShown ? "selected" : null }, text)));
  const form = el("form", { class: "dashboard-period" },
    el("label", { for: select.id }, "Period"), select,
    el("button", { type: "submit", class: "secondary" }, "Show"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    weeksShown = select.value;
    dashboardsPage();
  });
  return form;
}

// --- the three dashboards ---------------------------------------------------------------

function overdueSection(overdue, ward) {
  const rows = overdue.wards;
  return section("dash-overdue", "Overdue items by ward",
    figures([["Overdue", overdue.overdue], ["Open", overdue.open]]),
    rows.length ? [
      chart(`Overdue tasking items by ward: ${overdue.overdue} of ${overdue.open} open items `
            + `are overdue, in ${plural(rows.length, "ward")}. ${topWard(rows, ward)}The table below lists every ward.`,
            wardBars(rows, ward),
            el("p", { class: "legend" }, swatch("overdue"), "overdue ", swatch("open"), "open")),
      table("Overdue and open tasking items by ward", ["Ward", "Overdue", "Open"],
            rows.map((r) => [ward(r.ward), r.overdue, r.open]))]
      : el("p", {}, "No tasking item is open."));
}

function referralSection(timing, weeks) {
  const heading = "Referral to first action";
  return section("dash-referrals", heading,
    el("p", { class: "muted" }, "From a referral's submission to the first step a person took on "
       + "its actions: raised at a meeting, assigned, progress recorded or completed."),
    figures([["Median", duration(timing.median_hours)], ["90th percentile", duration(timing.p90_hours)],
             ["Acted on", timing.count], ["Still waiting", timing.waiting]]),
    timing.count ? [
      chart(`${heading} by week, last ${weeks} weeks: median ${duration(timing.median_hours)}, `
            + `90th percentile ${duration(timing.p90_hours)}, ${plural(timing.count, "referral")} acted on. `
            + "The table below gives each week.", weekColumns(timing.by_week),
            legend()),
      table(`${heading}, by week`, ["Week starting", "Acted on", "Median", "90th percentile"],
            timing.by_week.map((w) => [weekName(w.week), w.count, duration(w.median_hours),
                                       duration(w.p90_hours)])),
      table(`${heading}, by risk`, ["Risk", "Acted on", "Median", "90th percentile"],
            timing.by_risk.map((r) => [words(r.risk_level), r.count, duration(r.median_hours),
                                       duration(r.p90_hours)]))]
      : el("p", {}, `No referral was acted on in the last ${weeks} weeks.`));
}

function feedbackSection(turnaround, weeks) {
  const heading = "Intelligence feedback turnaround";
  return section("dash-feedback", heading,
    el("p", { class: "muted" }, "From a report's filing to the BIU telling the team how it was used."),
    figures([["Median", duration(turnaround.median_hours)], ["90th percentile", duration(turnaround.p90_hours)],
             ["Fed back in time", `${turnaround.within_service_level} of ${turnaround.count}`],
             ["Waiting", turnaround.waiting], ["Waiting past due", turnaround.waiting_past_due]]),
    turnaround.count ? [
      chart(`${heading} by week, last ${weeks} weeks: median ${duration(turnaround.median_hours)}, `
            + `90th percentile ${duration(turnaround.p90_hours)}, ${plural(turnaround.count, "report")} fed back. `
            + "The table below gives each week.", weekColumns(turnaround.by_week),
            legend()),
      table(`${heading}, by week`, ["Week starting", "Fed back", "Median", "90th percentile"],
            turnaround.by_week.map((w) => [weekName(w.week), w.count, duration(w.median_hours),
                                           duration(w.p90_hours)]))]
      : el("p", {}, `No intelligence report was fed back in the last ${weeks} weeks.`));
}

// --- charts -----------------------------------------------------------------------------


/** Horizontal bars, one ward a row: the open items outlined, the overdue ones filled. */
function wardBars(rows, ward) {
  const rowHeight = 30, labelWidth = 200, barSpace = 330, width = labelWidth + barSpace + 90;
  const most = Math.max(1, ...rows.map((r) => r.open));
  const scale = (n) => (n / most) * barSpace;
  return svg("svg", { viewBox: `0 0 ${width} ${rows.length * rowHeight + 8}`, class: "bars" },
    rows.map((r, i) => {
      const y = 4 + i * rowHeight, middle = y + rowHeight / 2;
      return svg("g", {},
        svg("text", { x: labelWidth - 10, y: middle, "text-anchor": "end", "dominant-baseline": "middle" },
            ward(r.ward)),
        svg("rect", { class: "open", x: labelWidth, y: y + 5, width: Math.max(scale(r.open), 1),
                      height: rowHeight - 10 }),
        svg("rect", { class: "overdue", x: labelWidth, y: y + 5, width: scale(r.overdue),
                      height: rowHeight - 10 }),
        svg("text", { x: labelWidth + scale(r.open) + 8, y: middle, "dominant-baseline": "middle" },
            `${r.overdue} of ${r.open}`));
    }));
}

/** One column a week: the median's height, with a mark at the 90th percentile; the axis
 * counts minutes, hours or days, whichever suits the longest time shown. */
function weekColumns(weeks) {
  const width = 640, height = 230, left = 64, bottom = 40, top = 12;
  const plot = height - bottom - top, step = (width - left - 8) / weeks.length;
  const longest = Math.max(0, ...weeks.map((w) => w.p90_hours ?? w.median_hours ?? 0));
  const [unit, perHour] = longest < 1 ? ["min", 60] : longest < 72 ? ["h", 1] : ["d", 1 / 24];
  const convert = (h) => h * perHour;
  const most = Math.max(1e-9, convert(longest));
  const y = (value) => top + plot - (value / most) * plot;
  const every = Math.ceil(weeks.length / 13);  // at most 13 week labels side by side
  return svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "columns" },
    [0, most / 2, most].map((value) => svg("g", { class: "grid" },
      svg("line", { x1: left, x2: width - 8, y1: y(value), y2: y(value) }),
      svg("text", { x: left - 6, y: y(value), "text-anchor": "end", "dominant-baseline": "middle" },
          `${round(value)} ${unit}`))),
    weeks.map((w, i) => {
      const x = left + i * step, bar = Math.min(step * 0.7, 40), middle = x + step / 2;
      const median = w.median_hours === null ? null : convert(w.median_hours);
      const p90 = w.p90_hours === null ? null : convert(w.p90_hours);
      return svg("g", {},
        median === null ? null : svg("rect", { class: "median", x: middle - bar / 2, y: y(median),
                                               width: bar, height: Math.max(top + plot - y(median), 1) }),
        p90 === null ? null : svg("line", { class: "p90", x1: middle - bar / 2 - 3, x2: middle + bar / 2 + 3,
                                             y1: y(p90), y2: y(p90) }),
        i % every ? null : svg("text", { x: middle, y: height - bottom + 18, "text-anchor": "middle" },
                               weekName(w.week, true)));
    }));
}

/** The drawing as one image named by its summary; its own texts are not read out. */
function chart(summary, drawing, ...after) {
  drawing.setAttribute("role", "img");
  drawing.setAttribute("aria-label", summary);
  return el("figure", { class: "chart" }, drawing, ...after);
}

function legend() {
  return el("p", { class: "legend" }, swatch("median"), "median ", swatch("p90"), "90th percentile");
}

function swatch(kind) {
  return el("span", { class: `swatch ${kind}`, "aria-hidden": "true" });
}

// --- tables and figures ---------------------------------------------------------------

function section(id, heading, ...content) {
  return el("section", { class: "dashboard", "aria-labelledby": id }, el("h2", { id }, heading), ...content);
}

function figures(pairs) {
  return el("dl", { class: "dashboard-figures" },
    pairs.map(([term, value]) => el("div", {}, el("dt", {}, term), el("dd", {}, String(value)))));
}

function table(caption, headings, rows) {
  return el("table", { class: "dashboard-table" }, el("caption", {}, caption),
    el("thead", {}, el("tr", {}, headings.map((h, i) => el("th", { scope: "col", class: i ? "number" : null }, h)))),
    el("tbody", {}, rows.map(([first, ...rest]) => el("tr", {},
      el("th", { scope: "row" }, first), rest.map((cell) => el("td", { class: "number" }, String(cell)))))));
}

function topWard(rows, ward) {
  const top = rows[0];
  return top && top.overdue ? `Most overdue: ${ward(top.ward)}, ${top.overdue}. ` : "";
}

const plural = (n, noun) => `${n} ${noun}${n === 1 ? "" : "s"}`;
const round = (n) => (n >= 10 ? Math.round(n) : Math.round(n * 10) / 10);
/** A duration given in hours, in the unit people would say it in. */
function duration(h) {
  if (h === null) return "none";
  if (h < 1) return plural(Math.round(h * 60), "minute");
  return h < 72 ? `${round(h)} hours` : `${round(h / 24)} days`;
}
const clock = (iso) => new Date(iso).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });

function weekName(monday, short = false) {
  return new Date(`${monday}T00:00:00Z`).toLocaleDateString("en-GB", {
    day: "numeric", month: "short", ...(short ? {} : { year: "numeric" }), timeZone: "UTC" });
}
