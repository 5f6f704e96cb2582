"""Case review reports through the service (worker_factory, in-memory SQL, no broker): the
Word file read back with python-docx and the PDF with pypdf hold the chronology's entries,
the decisions, findings and lessons; anonymised, no trace of the person's names (given or
family, any case, with or without accents) nor of the staff's usernames and display names,
each replaced by the same role every time. The PDF's first page is pictured (pdftoppm) in
test-output/reports/."""
import base64
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from docx import Document
from nameko.testing.services import worker_factory
from pypdf import PdfReader

from services.casereview import reports
from services.casereview.orm import metadata
from services.casereview.rules import RuleBook
from services.casereview.service import CaseReviewService
from shared.errors import Forbidden, NotFound
from shared.testing.memory import InMemoryDatabase
from tests.unit.casereview_story import Story
from tests.unit.test_casereview_chronology import feed

OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "reports"
REVIEWER = {"username": "r.vale", "role": "reviewer", "agency": "la-community-safety"}
PERSON = {"id": "p1", "given_name": "Zoë", "family_name": "O'Neil",
          "records": [{"given_name": "Zoe", "family_name": "O'Neill"}]}
STAFF = {
    "r.vale": {"display_name": "Rhiannon Vale", "role": "reviewer",
               "agency": "la-community-safety"},
    "yot.worker": {"display_name": "Yusuf Okafor", "role": "partner", "agency": "yot"},
    "housing.worker": {"display_name": "Hana Przybylska", "role": "partner",
                       "agency": "housing"},
    "coordinator": {"display_name": "Cora Ndiaye", "role": "coordinator", "agency": "police"},
}
LESSON = ("Acknowledge redirected referrals within two working days and name a lead "
          "officer.")
FORBIDDEN_WORDS = ("zoë", "zoe", "o'neil", "o\u2019neil", "o'neill", "yot.worker",
                   "housing.worker", "r.vale", "rhiannon", "vale", "yusuf", "okafor",
                   "przybylska", "cora", "ndiaye")


@pytest.fixture
def service():
    return worker_factory(CaseReviewService, uow=InMemoryDatabase(metadata).unit_of_work(),
                          rulebook=RuleBook.load())


@pytest.fixture
def review(service):
    """Youth offending refers Zoë; the meeting passes it to housing; nothing more is heard.
    The reviewers' own words name her and the staff."""
    story = Story()
    referral = story.at(0).refer("yot", category="youth_at_risk")
    story.at(1).triage(referral, "redirect", reason="Tenancy matter", to="housing")
    story.at(2).raise_action(referral, "housing", title="Visit Zoë O'Neil at home")
    feed(service, story.events)
    opened = service.open_review({
        "subject_id": story.subject_id, "trigger": "serious_incident",
        "incident_summary": "Zoë O'Neil was stabbed near the estate garages; "
                            "Rhiannon Vale opened this review.",
        "incident_date": "2026-06-01"}, REVIEWER)
    found = service.missed_opportunities(opened["id"], REVIEWER)
    assert found, "the redirect not acknowledged is a candidate"
    service.decide_missed_opportunity(opened["id"], found[0]["id"], "confirm", {
        "reason": "yot.worker told zoe's mother; housing.worker (Hana Przybylska) never "
                  "replied"}, REVIEWER)
    service.add_finding(opened["id"], {
        "finding": "Nobody at housing acknowledged Zoë's referral; Cora Ndiaye did not "
                   "chase it.", "agency": "housing",
        "lesson": {"recommendation": LESSON, "owner": "Head of tenancy services",
                   "due_date": "2027-06-30"}}, REVIEWER)
    return opened


def _report(service, review, fmt, anonymised=False):
    answer = service.review_report(review["id"], REVIEWER, format=fmt, anonymised=anonymised,
                                   person=PERSON, staff=STAFF)
    return answer, base64.b64decode(answer["content_base64"])


def docx_text(content):
    document = Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def docx_everything(content):
    """Every XML part of the package (body, core properties, styles...), as text."""
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        return "\n".join(package.read(name).decode("utf-8", "replace")
                         for name in package.namelist() if name.endswith(".xml")
                         or name.endswith(".rels"))


def pdf_text(content):
    reader = PdfReader(io.BytesIO(content))
    meta = " ".join(str(v) for v in (reader.metadata or {}).values())
    return "\n".join(page.extract_text() for page in reader.pages) + "\n" + meta


def picture(content, name):
    """The PDF's first page as a PNG in test-output/reports/ (poppler's pdftoppm)."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    pdf = OUTPUT / f"{name}.pdf"
    pdf.write_bytes(content)
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile",
                    str(pdf), str(OUTPUT / name)], check=True, timeout=60)
    png = OUTPUT / f"{name}.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return png


def _words(text):
    return " ".join(text.split())


def test_the_word_report_holds_the_chronology_decisions_findings_and_lessons(service, review):
    answer, content = _report(service, review, "docx")
    assert answer["media_type"] == reports.FORMATS["docx"]
    assert answer["filename"] == f"{review['reference']}.docx"
    text = docx_text(content)
    assert LESSON in text
    assert "Visit Zoë O'Neil at home" in text  # an entry, with its source agency
    assert "Youth Offending Team" in text and "Housing" in text
    assert "Confirmed" in text and "Nobody at housing acknowledged" in text
    assert "Zoë O'Neil" in text  # the subject, named
    assert "Yusuf Okafor (yot.worker)" in text  # who recorded the referral
    document = Document(io.BytesIO(content))
    chronology = document.tables[0]
    assert [c.text for c in chronology.rows[0].cells] == list(reports.CHRONOLOGY_HEAD)
    assert len(chronology.rows) == 1 + 3  # one row per entry


def test_the_pdf_report_draws_non_ascii_names_and_holds_the_lesson(service, review):
    answer, content = _report(service, review, "pdf")
    assert content.startswith(b"%PDF-")
    assert answer["media_type"] == "application/pdf"
    assert answer["filename"] == f"{review['reference']}.pdf"
    text = _words(pdf_text(content))
    assert _words(LESSON) in text
    assert "Zoë O'Neil" in text
    assert "Visit Zoë O'Neil at home" in text
    assert "Youth Offending Team" in text
    picture(content, "report")


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_an_anonymised_report_has_no_trace_of_the_person_or_the_staff(service, review, fmt):
    answer, content = _report(service, review, fmt, anonymised=True)
    assert answer["filename"] == f"{review['reference']}-anonymised.{fmt}"
    text = docx_everything(content) if fmt == "docx" else pdf_text(content)
    lowered = text.casefold()
    for word in FORBIDDEN_WORDS:
        assert not re.search(r"(?<!\w)" + re.escape(word) + r"(?!\w)", lowered), word
    readable = _words(docx_text(content) if fmt == "docx" else pdf_text(content))
    assert _words(LESSON) in readable
    assert "the subject was stabbed near the estate garages" in readable
    assert "Visit the subject at home" in readable
    assert "YOT officer 1" in readable and "Reviewer 1" in readable
    assert "Housing officer 1" in readable and "Tasking coordinator 1" in readable
    if fmt == "pdf":
        picture(content, "report-anonymised")


def test_the_same_person_always_gets_the_same_replacement():
    names = reports.Names(PERSON, STAFF, anonymised=True)
    first = names.text("Yusuf Okafor met r.vale, then YUSUF OKAFOR met Rhiannon Vale.")
    assert first == "YOT officer 1 met Reviewer 1, then YOT officer 1 met Reviewer 1."
    assert names.text("zoë, ZOE, O’Neil and Zoe O'Neill") == ("the subject, the subject, "
                                                              "the subject and the subject")
    assert names.staff_member("housing.worker") == "Housing officer 1"
    assert names.staff_member("yot.worker") == "YOT officer 1"
    assert names.text("Valerie") == "Valerie"  # whole words only


def test_only_reviewers_get_a_report_and_unknown_formats_are_not_found(service, review):
    partner = {"username": "yot.worker", "role": "partner", "agency": "yot"}
    with pytest.raises(Forbidden):
        service.review_report(review["id"], partner, format="pdf")
    with pytest.raises(NotFound):
        service.review_report(review["id"], REVIEWER, format="odt")
    with pytest.raises(NotFound):
        service.review_report("00000000-0000-0000-0000-000000000000", REVIEWER, format="pdf")


def test_a_missing_font_is_a_clear_error(tmp_path):
    with pytest.raises(reports.ReportFontMissing, match="fonts-dejavu-core"):
        reports.font_files([str(tmp_path)])


def test_double_barrelled_names_and_display_names_without_their_agency_are_found():
    names = reports.Names({"given_name": "Jamal", "family_name": "Okafor-Reid"},
                          {"yot.partner": {"display_name": "Yemi Okafor (YOT)",
                                           "role": "partner", "agency": "yot"}},
                          anonymised=True)
    assert names.text("Okafor-Reid, reid; Yemi Okafor, Yemi Okafor (YOT)") == (
        "the subject, the subject; YOT officer 1, YOT officer 1")
