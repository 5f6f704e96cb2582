// The Borough Intelligence Unit notes, grades and feeds back on every intelligence report
// (components/intelligence.js draws the reports; the sergeant's and PCSO's pages use it too).
import { intelligencePage } from "../components/intelligence.js";
import { inboxPage } from "../components/inbox.js";

export const pages = [["Intelligence", () => intelligencePage()], ["Inbox", inboxPage]];
