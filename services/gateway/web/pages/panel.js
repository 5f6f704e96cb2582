// The panel's pages.
import { inboxPage } from "./inbox.js";

export const pages = [["Inbox", inboxPage]];
