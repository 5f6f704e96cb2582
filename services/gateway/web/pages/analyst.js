// The Borough Intelligence Unit notes, grades and feeds back on every intelligence report
// (components/intelligence.js draws the reports; the sergeant's and PCSO's pages use it too).
import { directoryPage } from "../components/directory.js";
import { homePage } from "../components/home.js";
import { inboxPage } from "../components/inbox.js";
import { intelligencePage } from "../components/intelligence.js";

export const pages = [["Home", homePage], ["Intelligence", intelligencePage], ["Directory", directoryPage],
  ["Inbox", inboxPage]];
