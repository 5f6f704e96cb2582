// A partner agency's desk: the actions the partnership gave their agency (take them up,
// record progress, complete them), their referrals and what came of them, and the
// directory (components/actions.js, referrals.js, directory.js).
import { agencyActionsPage } from "../components/actions.js";
import { directoryPage } from "../components/directory.js";
import { homePage } from "../components/home.js";
import { inboxPage } from "../components/inbox.js";
import { myReferralsPage, referPage } from "../components/referrals.js";

export const pages = [["Home", homePage], ["Our actions", agencyActionsPage], ["Refer someone", referPage],
  ["My referrals", myReferralsPage], ["Directory", directoryPage], ["Inbox", inboxPage]];
