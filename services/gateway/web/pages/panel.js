// A ward panel member sets what their ward's Safer Neighbourhoods team works on (ward
// priorities), follows them and hears what came of them: each priority's actions with
// their public outcomes (components/priorities.js; the sergeant's ward view uses it).
import { actionPage } from "../components/actions.js";
import { directoryPage } from "../components/directory.js";
import { homePage } from "../components/home.js";
import { inboxPage } from "../components/inbox.js";
import { priorityPage, wardPrioritiesPage } from "../components/priorities.js";

// Records a panel opens from its notices: a priority, and an action raised from one.
export const records = [priorityPage, actionPage];

export const pages = [["Home", homePage], ["Ward priorities", wardPrioritiesPage], ["Directory", directoryPage],
  ["Inbox", inboxPage]];
