"""Case review reports over HTTP, every service its own process: the reviewer downloads
the review as Word and PDF through the gateway, each an attachment named by the review's
reference that parses (python-docx, pypdf) and holds the lesson and the chronology; with
`?anonymised=true` neither the person's names nor the staff's appear; nobody but a
reviewer gets one; and the download is on the audit trail of the review and the person.
The PDFs' first pages are pictured (pdftoppm) in test-output/reports/."""
import io
import re

import pytest
from docx import Document
from pypdf import PdfReader

from shared.testing.factories import referral_payload
from shared.testing.waiting import wait_for
from tests.unit.test_casereview_reports import docx_everything, docx_text, pdf_text, picture

pytestmark = pytest.mark.e2e

PERSON = {"given_name": "Zoë", "family_name": "O'Neil", "date_of_birth": "2009-02-11"}
LESSON = "Acknowledge redirected referrals within two working days and name a lead officer."
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Demo accounts who appear (wardline/demo.py): their usernames and display names.
STAFF_WORDS = ("yot.partner", "yemi", "okafor", "chris coordinator", "rowan", "hughes")


@pytest.fixture(scope="module")
def review(stack):
    """The YOT refers Zoë; the coordinator passes it to housing; a reviewer opens a review
    and records a finding, with its lesson, in words that name her and the staff."""
    referral = stack.post("/api/referrals", "yot.partner", json=referral_payload(
        category="youth_at_risk", risk_level="high", ward="dalston", subject=PERSON,
        summary="Zoë O'Neil seen with older men; Yemi Okafor worried")).json()
    stack.post(f"/api/referrals/{referral['id']}/triage", "coordinator", json={
        "decision": "redirect", "reason": "Tenancy lead", "reason_for_referrer":
        "Housing lead on this", "redirect_to_agency": "housing"}).raise_for_status()
    opened = stack.post("/api/case-reviews", "reviewer", json={
        "subject_id": referral["subject_id"], "trigger": "serious_incident",
        "incident_summary": "Zoë O'Neil stabbed near the estate garages",
        "incident_date": "2026-11-20"})
    assert opened.status_code == 201, opened.text
    review = opened.json()
    wait_for(lambda: len(stack.get(f"/api/case-reviews/{review['id']}/timeline",
                                   "reviewer").json()["items"]) >= 2)
    added = stack.post(f"/api/case-reviews/{review['id']}/findings", "reviewer", json={
        "finding": "Nobody at housing took up ZOE's referral; Chris Coordinator and Rowan "
                   "Hughes saw it at tasking.", "agency": "housing",
        "lesson": {"recommendation": LESSON, "owner": "Head of tenancy services",
                   "due_date": "2027-06-30"}})
    assert added.status_code == 201, added.text
    return review


def download(stack, review, fmt, user="reviewer", anonymised=False):
    query = "?anonymised=true" if anonymised else ""
    return stack.get(f"/api/case-reviews/{review['id']}/report.{fmt}{query}", user)


def _words(text):
    return " ".join(text.split())


def test_the_reviewer_downloads_the_word_report(stack, review):
    response = download(stack, review, "docx")
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == DOCX
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="{review["reference"]}.docx"'
    assert response.headers["Cache-Control"] == "no-store"
    text = docx_text(response.content)
    assert LESSON in text and "Zoë O'Neil" in text
    chronology = Document(io.BytesIO(response.content)).tables[0]
    agencies = {row.cells[2].text for row in chronology.rows[1:]}
    assert {"Youth Offending Team", "Partnership"} <= agencies  # one row per entry


def test_the_reviewer_downloads_the_pdf_report(stack, review):
    response = download(stack, review, "pdf")
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="{review["reference"]}.pdf"'
    assert len(PdfReader(io.BytesIO(response.content)).pages) >= 1
    text = _words(pdf_text(response.content))
    assert _words(LESSON) in text and "Zoë O'Neil" in text and "Youth Offending Team" in text
    picture(response.content, "e2e-report")


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_an_anonymised_report_hides_the_person_and_the_staff(stack, review, fmt):
    response = download(stack, review, fmt, anonymised=True)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="{review["reference"]}-anonymised.{fmt}"'
    whole = docx_everything(response.content) if fmt == "docx" else pdf_text(response.content)
    lowered = whole.casefold()
    for word in ("zoë", "zoe", "o'neil", "o\u2019neil") + STAFF_WORDS:
        assert not re.search(r"(?<!\w)" + re.escape(word) + r"(?!\w)", lowered), word
    text = _words(docx_text(response.content) if fmt == "docx" else whole)
    assert _words(LESSON) in text and "the subject stabbed near the estate garages" in text
    assert "YOT officer 1" in text and "Reviewer 1" in text
    if fmt == "pdf":
        picture(response.content, "e2e-report-anonymised")


@pytest.mark.parametrize("user", ["yot.partner", "panel.dalston", "coordinator", "admin"])
def test_nobody_but_a_reviewer_gets_a_report(stack, review, user):
    for fmt in ("docx", "pdf"):
        response = download(stack, review, fmt, user=user)
        assert response.status_code in (403, 404), (user, fmt, response.status_code)
        assert "O'Neil" not in response.text


def test_an_unknown_review_has_no_report(stack):
    response = stack.get("/api/case-reviews/00000000-0000-0000-0000-000000000000/report.pdf",
                         "reviewer")
    assert response.status_code == 404


def test_downloading_a_report_is_on_the_audit_trail_of_the_review_and_the_person(stack,
                                                                                 review):
    download(stack, review, "pdf", anonymised=True).raise_for_status()
    download(stack, review, "docx").raise_for_status()
    for kind, record in (("case_review", review["id"]), ("subject", review["subject_id"])):
        trail = stack.get(f"/api/audit?limit=200&record_type={kind}&record_id={record}",
                          "admin").json()["items"]
        purposes = {(row["username"], row["purpose"]) for row in trail}
        assert ("reviewer", "Case review report (pdf, anonymised)") in purposes, purposes
        assert ("reviewer", "Case review report (docx)") in purposes, purposes
