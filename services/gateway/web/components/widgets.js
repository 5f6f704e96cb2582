// Small widgets more than one role's pages use: the agency select, table headings, today's
// date, element ids, "overdue by", and the PCSO task statuses.
import { AGENCIES, agencyName, el, localInput } from "../core.js";

/** A select of the agency register; with `blank`, a first empty choice of that text. */
export function agencySelect(id, chosen, blank) {
  return el("select", { id }, blank ? el("option", { value: "" }, blank) : null,
    AGENCIES.map((a) => el("option", { value: a, selected: a === chosen ? "selected" : null }, agencyName(a))));
}



export const th = (text, cls) => el("th", { scope: "col", class: cls }, text);
export const today = () => localInput(new Date()).slice(0, 10);
let uids = 0;
export const uid = () => `u${++uids}`;

export function overdueBy(due) {
  const minutes = Math.max(0, Math.floor((Date.now() - new Date(due).getTime()) / 60000));
  const days = Math.floor(minutes / 1440); const hours = Math.floor((minutes % 1440) / 60);
  const plural = (n, unit) => `${n} ${unit}${n === 1 ? "" : "s"}`;
  if (days) return hours ? `${plural(days, "day")} ${plural(hours, "hour")}` : plural(days, "day");
  return hours ? plural(hours, "hour") : plural(minutes % 60, "minute");
}

export const TASK_STATUSES = { open: "Open", reports_in: "Reports in", expired: "Expired" };
