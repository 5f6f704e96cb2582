"""Missed-opportunity case reviews (casereview service). A review assembles what every
agency holds about a person, police intelligence included, so only reviewers see it;
partners receive the published lessons in their inbox, and admins see no case data.
Listing and reading reviews and their chronology are written to the audit trail before the
answer leaves (`record_access`); opening, moving, deciding, findings, lessons and
publishing are recorded from casereview's own events, which commit with the change
(routes/audit.py)."""
import base64

from marshmallow import fields
from werkzeug.wrappers import Response

from services.gateway import accounts

from shared.contracts.casereview import (AcceptSuggestionSchema, DecisionSchema, EntryView,
                                         FindingSchema, LessonSchema, MissedOpportunityView,
                                         OpenReviewSchema, ReviewView)
from services.gateway.schemas import page_of

from services.gateway.http import actor, api, json_body, page_limit

REVIEWERS = ("reviewer",)
REPORT_QUERY = {"anonymised": fields.Boolean(metadata={
    "description": "true: the person's names become \"the subject\" and each member of "
                   "staff a role (\"Reviewer 1\", \"YOT officer 1\"), the same one every "
                   "time"})}


class CaseReviewRoutes:
    @api("POST", "/api/case-reviews", roles=REVIEWERS, request=OpenReviewSchema,
         response=ReviewView, status=201)
    def open_case_review(self, request):
        return 201, self.casereview.open_review(json_body(request), actor(request.principal))

    @api("GET", "/api/case-reviews", roles=REVIEWERS, response=page_of(ReviewView),
         query={"stage": fields.String()})
    def list_case_reviews(self, request):
        reviews = self.casereview.list_reviews(actor(request.principal),
                                               request.args.get("stage"), page_limit(request),
                                               request.args.get("cursor"))
        # Each review names its subject and the incident: a list of them is a consultation.
        self.record_access(request, "consultation", "case_review",
                           [review["id"] for review in reviews["items"]], "Listing case reviews")
        self.record_access(request, "consultation", "subject",
                           [review["subject_id"] for review in reviews["items"]],
                           "Listing case reviews")
        return reviews

    @api("GET", "/api/case-reviews/<string:review_id>", roles=REVIEWERS, response=ReviewView)
    def get_case_review(self, request, review_id):
        review = self.casereview.get_review(review_id, actor(request.principal))
        self._record_review_access(request, "consultation", review, "Reading a case review")
        return review

    @api("POST", "/api/case-reviews/<string:review_id>/accept", roles=REVIEWERS,
         request=AcceptSuggestionSchema, response=ReviewView)
    def accept_case_review(self, request, review_id):
        """Open a review that a pattern in the chronology suggested."""
        return self.casereview.accept_suggested_review(review_id, json_body(request),
                                                       actor(request.principal))

    @api("POST", "/api/case-reviews/<string:review_id>/stage", roles=REVIEWERS,
         response=ReviewView)
    def move_case_review(self, request, review_id):
        """`{stage: gathering | panel | declined}`; other moves are a 409."""
        return self.casereview.move_review(review_id, json_body(request).get("stage"),
                                           actor(request.principal))

    @api("GET", "/api/case-reviews/<string:review_id>/timeline", roles=REVIEWERS,
         response=page_of(EntryView))
    def case_review_timeline(self, request, review_id):
        caller = actor(request.principal)
        entries = self.casereview.timeline(review_id, caller,
                                           page_limit(request, default=200, maximum=1000),
                                           request.args.get("cursor"))
        self._record_review_access(request, "consultation",
                                   self.casereview.get_review(review_id, caller),
                                   "Case review chronology across agencies")
        return entries

    @api("GET", "/api/case-reviews/<string:review_id>/timeline.svg", roles=REVIEWERS,
         response="image/svg+xml")
    def case_review_timeline_picture(self, request, review_id):
        """The chronology as a swimlane picture (SVG), the one the reviewer's page shows;
        `?key=false` leaves out the numbered key printed below it."""
        # ?key=false: without the numbered key (the page lists the entries in a table).
        svg = self.casereview.timeline_svg(review_id, actor(request.principal),
                                           key=request.args.get("key") != "false")
        self._record_review_access(request, "consultation",
                                   self.casereview.get_review(review_id, actor(request.principal)),
                                   "Case review chronology picture")
        return Response(svg, status=200, mimetype="image/svg+xml",
                        headers={"Cache-Control": "no-store"})

    @api("GET", "/api/case-reviews/<string:review_id>/report.docx", roles=REVIEWERS,
         query=REPORT_QUERY,
         response="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    def case_review_report_docx(self, request, review_id):
        """The review as a Word file: the chronology (one row per entry, with its source
        agency), the missed opportunities with their decisions, the findings and the
        lessons; `?anonymised=true` names roles instead of people."""
        return self._review_report(request, review_id, "docx")

    @api("GET", "/api/case-reviews/<string:review_id>/report.pdf", roles=REVIEWERS,
         query=REPORT_QUERY, response="application/pdf")
    def case_review_report_pdf(self, request, review_id):
        """The same report as a PDF."""
        return self._review_report(request, review_id, "pdf")

    @api("GET", "/api/case-reviews/<string:review_id>/missed-opportunities",
         roles=REVIEWERS, response=page_of(MissedOpportunityView))
    def case_review_missed_opportunities(self, request, review_id):
        found = self.casereview.missed_opportunities(review_id, actor(request.principal))
        self._record_review_access(request, "consultation",
                                   self.casereview.get_review(review_id, actor(request.principal)),
                                   "Missed opportunities found in a chronology")
        return {"items": found, "next_cursor": None}  # a review's candidates are few

    @api("POST", "/api/case-reviews/<string:review_id>/missed-opportunities/"
                 "<string:candidate_id>/<any(confirm,dismiss):decision>", roles=REVIEWERS,
         request=DecisionSchema, response=MissedOpportunityView)
    def decide_missed_opportunity(self, request, review_id, candidate_id, decision):
        return self.casereview.decide_missed_opportunity(
            review_id, candidate_id, decision, json_body(request), actor(request.principal))

    @api("POST", "/api/case-reviews/<string:review_id>/findings", roles=REVIEWERS,
         request=FindingSchema, response=ReviewView, status=201)
    def add_case_review_finding(self, request, review_id):
        return 201, self.casereview.add_finding(review_id, json_body(request),
                                                actor(request.principal))

    @api("POST", "/api/case-reviews/<string:review_id>/lessons", roles=REVIEWERS,
         request=LessonSchema, response=ReviewView, status=201)
    def add_case_review_lesson(self, request, review_id):
        return 201, self.casereview.add_lesson(review_id, json_body(request),
                                               actor(request.principal))

    @api("POST", "/api/case-reviews/<string:review_id>/publish", roles=REVIEWERS,
         response=ReviewView)
    def publish_case_review(self, request, review_id):
        """Publish from panel: the lessons go to every partner agency, a disclosure the
        trail records from `case_review.published`."""
        return self.casereview.publish_review(review_id, actor(request.principal))

    def _review_report(self, request, review_id, fmt):
        caller = actor(request.principal)
        anonymised = request.args.get("anonymised", "false").lower() in ("true", "1", "yes")
        review = self.casereview.get_review(review_id, caller)  # the reviewer's own check
        # The names to print, or to take out: the person as referrals has them (the
        # reviewer reads the person whole) and who each member of staff is.
        person = self.referrals.get_subject(review["subject_id"], caller)
        with self.uow:
            staff = accounts.directory(self.uow.session)
        report = self.casereview.review_report(
            review["id"], caller, format=fmt, anonymised=anonymised,
            person={"given_name": person.get("given_name"),
                    "family_name": person.get("family_name"),
                    "records": [{"given_name": r.get("given_name"),
                                 "family_name": r.get("family_name")}
                                for r in person.get("records") or []]},
            staff=staff)
        self._record_review_access(
            request, "consultation", review,
            f"Case review report ({fmt}{', anonymised' if anonymised else ''})")
        return Response(base64.b64decode(report["content_base64"]), status=200,
                        mimetype=report["media_type"],
                        headers={"Cache-Control": "no-store", "Content-Disposition":
                                 f'attachment; filename="{report["filename"]}"'})

    def _record_review_access(self, request, action, review, purpose):
        """A review is about a person: the trail names the review and the subject, so
        `GET /api/audit?record_id=<subject>` shows who read their chronology (changes name
        both too, from their events)."""
        self.record_access(request, action, "case_review", [review["id"]], purpose)
        self.record_access(request, action, "subject", [review["subject_id"]], purpose)
