// The pcso's pages.
import { inboxPage } from "./inbox.js";

export const pages = [["Inbox", inboxPage]];
