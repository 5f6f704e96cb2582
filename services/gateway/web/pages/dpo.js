// The data protection officer answers for what Wardline keeps and for how long: the
// sharing agreements the partnership works under, and (as they are built) the records
// falling due for review and the subject access exports. A DPO sees no casework: no
// referral, action, intelligence report or case review is shown here.
import { agreementsPage } from "../components/agreements.js";
import { directoryPage } from "../components/directory.js";
import { homePage } from "../components/home.js";
import { inboxPage } from "../components/inbox.js";

export const pages = [["Home", homePage], ["Sharing agreements", agreementsPage],
  ["Directory", directoryPage], ["Inbox", inboxPage]];
