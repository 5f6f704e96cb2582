// A partner refers someone and follows what happened to their referrals
// (components/referrals.js; the coordinator refers from the same form).
import { myReferralsPage, referPage } from "../components/referrals.js";
import { inboxPage } from "../components/inbox.js";

export const pages = [["Refer someone", referPage], ["My referrals", myReferralsPage], ["Inbox", inboxPage]];
