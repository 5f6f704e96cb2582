// A ward panel member sets what their ward's Safer Neighbourhoods team works on (ward
// priorities) and follows them (components/priorities.js; the sergeant's ward view uses it).
import { wardPrioritiesPage } from "../components/priorities.js";
import { inboxPage } from "../components/inbox.js";

export const pages = [["Ward priorities", () => wardPrioritiesPage()], ["Inbox", inboxPage]];
