"""The demo borough's story: about three months of a partnership's work, played into a
running stack so that every page has something on it.

The story (people, places, texts, the order of steps) is data, in
`wardline/boroughs/<borough>-story.yaml`; this module only plays it. It plays it through the
gateway's public HTTP API, signed in as each demo user, so every record is made by the
services' own code paths and events (validation, routing, need to know, the audit trail,
case review's rules) and nothing is written into a table: what the demo shows is what the
system would do. The services stamp records with the time they are made; the story's
three months live in the dates people give (meetings held, things seen, due dates, review
dates), relative to the day it runs, so each run tells the same story.

It runs once: on a borough with no referrals yet. Anything asynchronous a later step needs
(the action tasking raises from a referral, the owner it moves to after a redirect) is
waited for by polling, with a timeout.
"""
import json
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from wardline.demo import DEMO_PASSWORD

LONDON = ZoneInfo("Europe/London")
OVERDUE_LEAD = timedelta(seconds=5)
"""How far ahead an action the story has gone overdue is due: the services refuse a due
date in the past, so it is due a moment after it is made, and past due when the story ends."""
DUE_AT = clock(10, 0)  # the partnership's working due time (the tasking meeting's hour)


class StoryError(Exception):
    """A step the stack refused or did not finish in time: says which, and why."""


def story_file(borough):
    return Path(__file__).with_name("boroughs") / f"{borough}-story.yaml"


def load_story(borough):
    """The borough's story file, read as data (a borough with none has no story)."""
    path = story_file(borough)
    if not path.exists():
        raise StoryError(f"no demo story for borough '{borough}' ({path.name})")
    return yaml.safe_load(path.read_text())


# --- the gateway, as the demo users --------------------------------------------------------

class Gateway:
    """The public HTTP API, signed in as whichever demo user takes a step (one token each,
    from POST /api/auth/token). Only the standard library: this runs from `wardline`,
    which does not depend on an HTTP client."""

    def __init__(self, base_url, password=DEMO_PASSWORD, timeout=30):
        self.base_url = base_url.rstrip("/")
        self.password, self.timeout = password, timeout
        self._tokens = {}

    def get(self, path, user):
        return self.call("GET", path, user)

    def post(self, path, user, body=None):
        return self.call("POST", path, user, body)

    def call(self, method, path, user=None, body=None):
        """The answer's JSON; a StoryError naming the request and the stack's error
        otherwise (a demo that fails half way should say exactly where)."""
        headers = {"Accept": "application/json"}
        if user:
            headers["Authorization"] = f"Bearer {self.token(user)}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.base_url + path, data=data, method=method,
                                         headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                text = answer.read().decode()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")[:600]
            raise StoryError(f"{method} {path} as {user}: {exc.code} {detail}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise StoryError(f"{method} {path}: the gateway did not answer ({exc})") from None
        return json.loads(text) if text else None

    def token(self, user):
        if user not in self._tokens:
            try:
                signed_in = self.call("POST", "/api/auth/token", None,
                                      {"username": user, "password": self.password})
            except StoryError as exc:
                if "second_factor" in str(exc):  # the secure default: a demo has no phones
                    raise StoryError(f"cannot sign in as {user} without a second factor: "
                                     "play the demo with WARDLINE_MFA_REQUIRED_ROLES=none "
                                     "(make run does)") from None
                raise StoryError(f"cannot sign in as {user} (run `wardline demo seed` "
                                 f"first): {exc}") from None
            self._tokens[user] = signed_in["access_token"]
        return self._tokens[user]

    def healthy(self):
        try:
            self.call("GET", "/health")
            return True
        except StoryError:
            return False


def wait_for(check, what, timeout, interval=0.2):
    """`check()`'s first truthy result; a StoryError naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise StoryError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


# --- the story ----------------------------------------------------------------------------

class Story:
    """Plays a story's steps in order. Each `do:` names a method `_<do>`; each record a step
    makes is kept under its `key`, so later steps name it (`referral: marcus`)."""

    COORDINATOR, ANALYST = "coordinator", "biu.analyst"

    def __init__(self, gateway, story, today=None, timeout=30):
        self.api, self.story = gateway, story
        self.today = today or datetime.now(LONDON).date()
        self.timeout = timeout
        self.records = {}  # key -> {"kind": ..., "id": ...}

    def already_told(self):
        """Whether the borough has activity already (any referral): the story is told
        once, on an empty borough, never on top of real or earlier work."""
        return bool(self.api.get("/api/referrals?limit=1", self.COORDINATOR)["items"])

    def play(self):
        """Every step in order, then wait until the actions it left overdue are past
        due, so that what it promises holds once it returns."""
        for number, step in enumerate(self.story["steps"], 1):
            try:
                getattr(self, f"_{step['do']}")(step)
            except StoryError as exc:
                raise StoryError(f"step {number} ({step['do']} {step.get('key') or ''}): "
                                 f"{exc}") from None
        self._wait_overdue()

    # --- referrals ------------------------------------------------------------------------

    def _refer(self, step):
        """A partner (or police officer) refers someone; tasking raises its action from
        the event, which is waited for: triage and the meeting agenda need it there."""
        body = {"category": step["category"], "risk_level": step["risk_level"],
                "ward": step["ward"], "subject": dict(self.story["people"][step["person"]]),
                "summary": step["summary"], "lawful_basis": step["lawful_basis"]}
        if step.get("details"):
            body["details"] = step["details"]
        referral = self.api.post("/api/referrals", step["by"], body)
        self._keep(step["key"], "referral", referral["id"])
        self._action_of(step["key"])

    def _triage(self, step):
        """The coordinator accepts, redirects or closes with no further action; after a
        redirect, tasking moves the action to the receiving agency, which is waited for."""
        body = {key: step[key] for key in ("decision", "reason", "reason_for_referrer",
                                           "redirect_to_agency") if step.get(key)}
        referral_id = self._id(step["referral"], "referral")
        self.api.post(f"/api/referrals/{referral_id}/triage", self.COORDINATOR, body)
        if step["decision"] == "redirect":
            wait_for(lambda: self._items(referral_id, owner=step["redirect_to_agency"]),
                     f"the action to move to {step['redirect_to_agency']}", self.timeout)

    def _acknowledge(self, step):
        """The agency a referral was redirected to takes it up."""
        self.api.post(f"/api/referrals/{self._id(step['referral'], 'referral')}/acknowledge",
                      step["by"])

    def _close(self, step):
        """The coordinator closes a referral whose work is done, with its outcome."""
        self.api.post(f"/api/referrals/{self._id(step['referral'], 'referral')}/close",
                      self.COORDINATOR, {"outcome": step["outcome"]})

    # --- ward priorities and actions ------------------------------------------------------

    def _priority(self, step):
        """A ward panel or sergeant sets a priority; tasking raises the ward team's action
        from it (waited for, as later steps work on it)."""
        priority = self.api.post("/api/ward-priorities", step["by"], {
            "ward": step["ward"], "title": step["title"], "description": step["description"],
            "review_by": (self.today + timedelta(days=step["review_in_days"])).isoformat()})
        self._keep(step["key"], "ward_priority", priority["id"])
        self._action_of(step["key"])

    def _update(self, step):
        """Progress on an action, with the line the ward panel reads when one is given."""
        self.api.post(f"/api/tasking/items/{self._action_of(step['action_of'])}/updates",
                      step["by"], self._with_public(step, {"note": step["note"]}))

    def _complete(self, step):
        """An action done, with its outcome (and the public one, for the ward panel)."""
        self.api.post(f"/api/tasking/items/{self._action_of(step['action_of'])}/complete",
                      step["by"], self._with_public(step, {"outcome": step["outcome"]}))

    # --- tasking meetings -----------------------------------------------------------------

    def _meeting(self, step):
        """The coordinator opens a meeting for the Tuesday of its week (the agenda is
        built from what tasking holds now), adds the decisions as actions, and closes it
        with the minutes."""
        held_on = self._tuesday_on_or_before(self.today + timedelta(days=step["day"]))
        meeting = self.api.post("/api/tasking/meetings", self.COORDINATOR,
                                {"held_on": held_on.isoformat(), "wards": step["wards"]})
        self._keep(step["key"], "meeting", meeting["id"])
        for action in step["actions"]:
            body = {key: action[key] for key in ("title", "ward", "owner_agency", "decision")}
            body["due_by"] = self._due(action)
            if action.get("source"):
                source = self.records[action["source"]]
                body.update(source_type=source["kind"], source_id=source["id"])
            item = self.api.post(f"/api/tasking/meetings/{meeting['id']}/actions",
                                 self.COORDINATOR, body)
            self._keep(action["key"], "tasking_item", item["id"])
        self.api.post(f"/api/tasking/meetings/{meeting['id']}/close", self.COORDINATOR,
                      {"minutes": step["minutes"]})

    # --- PCSO tasks and intelligence ------------------------------------------------------

    def _pcso_task(self, step):
        """A sergeant tasks a PCSO of the ward to gather intelligence for a priority or a
        referral."""
        source = self.records[step["source"]]
        task = self.api.post("/api/pcso-tasks", step["by"], {
            "ward": step["ward"], "assignee": step["assignee"], "brief": step["brief"],
            "look_for": step["look_for"], "source_type": source["kind"],
            "source_id": source["id"], "due_by": self._due(step),
            "reports_wanted": step.get("reports_wanted", 1)})
        self._keep(step["key"], "pcso_task", task["id"])

    def _report(self, step):
        """The PCSO files what they saw, on the day and at the time they saw it."""
        task_id = self._id(step["task"], "pcso_task")
        report = self.api.post(f"/api/pcso-tasks/{task_id}/reports", step["by"],
                               self._observation(step))
        self._keep(step["key"], "intelligence_report", report["id"])

    def _ad_hoc_report(self, step):
        """Intelligence a PCSO comes across with no task asking for it."""
        report = self.api.post("/api/intelligence", step["by"],
                               {**self._observation(step), "ward": step["ward"]})
        self._keep(step["key"], "intelligence_report", report["id"])

    def _note(self, step):
        """The BIU formally notes a report (the first service level)."""
        self.api.post(f"/api/intelligence/{self._report_id(step)}/note", self.ANALYST)

    def _grade(self, step):
        """The BIU grades a report 3x5x2 (a code C states its conditions)."""
        body = {key: step[key] for key in ("source_evaluation", "intelligence_assessment",
                                           "handling_code", "conditions") if key in step}
        self.api.post(f"/api/intelligence/{self._report_id(step)}/grade", self.ANALYST, body)

    def _feedback(self, step):
        """The BIU tells the PCSO how the report was used."""
        self.api.post(f"/api/intelligence/{self._report_id(step)}/feedback", self.ANALYST,
                      {"usage": step["usage"], "note": step["note"]})

    # --- helpers --------------------------------------------------------------------------

    def _keep(self, key, kind, record_id):
        if key in self.records:
            raise StoryError(f"the key '{key}' names two records")
        self.records[key] = {"kind": kind, "id": record_id}

    def _id(self, key, kind):
        record = self.records.get(key)
        if record is None or record["kind"] != kind:
            raise StoryError(f"no {kind} '{key}' earlier in the story")
        return record["id"]

    def _report_id(self, step):
        return self._id(step["report"], "intelligence_report")

    def _action_of(self, key):
        """The tasking item a key names: itself (a meeting's action), or the action
        tasking raised from a referral or ward priority, waited for (it comes by event)."""
        record = self.records.get(key)
        if record is None:
            raise StoryError(f"nothing called '{key}' earlier in the story")
        if record["kind"] == "tasking_item":
            return record["id"]
        if "action" not in record:
            [item, *_] = wait_for(lambda: self._items(record["id"]),
                                  f"tasking's action on {record['kind']} '{key}'",
                                  self.timeout)
            record["action"] = item["id"]
        return record["action"]

    def _items(self, source_id, owner=None):
        items = self.api.get(f"/api/tasking/items?source_id={source_id}&limit=200",
                             self.COORDINATOR)["items"]
        return [item for item in items if owner is None or item["owner_agency"] == owner]

    def _due(self, step):
        """A due date `due_in_days` from today at the working due time, or, for an
        action the story has gone overdue, a moment from now (see OVERDUE_LEAD)."""
        if step.get("due") == "overdue":
            moment = datetime.now(timezone.utc) + OVERDUE_LEAD
        else:
            moment = datetime.combine(self.today + timedelta(days=step["due_in_days"]),
                                      DUE_AT, LONDON)
        return moment.isoformat()

    def _observation(self, step):
        hour, minute = map(int, step["at"].split(":"))
        seen = datetime.combine(self.today + timedelta(days=step["day"]),
                                clock(hour, minute), LONDON)
        return {"observed_at": seen.isoformat(), "location": step["location"],
                "text": step["text"]}

    @staticmethod
    def _with_public(step, body):
        return {**body, "public_outcome": step["public_outcome"]} \
            if step.get("public_outcome") else body

    @staticmethod
    def _tuesday_on_or_before(day):
        return day - timedelta(days=(day.weekday() - 1) % 7)

    def _wait_overdue(self):
        overdue = [action["key"] for step in self.story["steps"] if step["do"] == "meeting"
                   for action in step["actions"] if action.get("due") == "overdue"]
        if not overdue:
            return
        time.sleep(OVERDUE_LEAD.total_seconds())
        wait_for(lambda: len(self.api.get("/api/tasking/items?overdue=true&limit=200",
                                          self.COORDINATOR)["items"]) >= len(overdue),
                 "the overdue actions to be past due", self.timeout)


def summary(gateway):
    """What the borough holds now, in a line (for the command's last words)."""
    def count(path, user):
        found = gateway.get(path + ("&" if "?" in path else "?") + "limit=200", user)
        return f"{len(found['items'])}{'+' if found.get('next_cursor') else ''}"

    return (f"{count('/api/referrals', 'coordinator')} referrals, "
            f"{count('/api/tasking/items', 'coordinator')} actions "
            f"({count('/api/tasking/items?overdue=true', 'coordinator')} overdue), "
            f"{count('/api/tasking/meetings', 'coordinator')} meetings, "
            f"{count('/api/intelligence', 'biu.analyst')} intelligence reports, "
            f"{count('/api/case-reviews?stage=suggested', 'reviewer')} suggested case "
            "review(s)")


def tell(base_url, borough, wait_seconds=0, timeout=30, log=print):
    """`wardline demo story`: wait (up to `wait_seconds`) for the gateway to answer, then
    play the borough's story unless the borough has activity already. Returns 0, or 1
    with a line saying what failed."""
    gateway = Gateway(base_url)
    if wait_seconds:
        wait_for(gateway.healthy, f"the stack at {base_url} to be healthy", wait_seconds, 1)
    story = Story(gateway, load_story(borough), timeout=timeout)
    if story.already_told():
        log("wardline: the borough already has referrals; the demo story is told only on "
            "an empty one, so nothing was added")
        return 0
    log(f"wardline: telling the demo story of {borough} ({len(story.story['steps'])} steps)")
    started = time.monotonic()
    story.play()
    log(f"wardline: demo story told in {time.monotonic() - started:.0f}s: {summary(gateway)}")
    return 0
