"""A case review as a document, for what reviewers do in Word: the chronology (one row per
entry, with its source agency and who recorded it), the missed opportunities with their
decisions, the findings and the lessons. Word (python-docx) or PDF (fpdf2); no nameko, no
SQLAlchemy: `build` takes what the handler read, `render` gives the file's bytes.

Anonymised (`anonymised=True`), the person's names (every subject record joined to them)
become "the subject" and each member of staff who appears (by username or display name)
a role, "Reviewer 1", "YOT officer 1": the same person always gets the same replacement,
numbered in order of first appearance, in the fields that name them and wherever their
names occur in free text (summaries, reasons, findings, lessons). Names are matched as
whole words, in any case, with and without their accents (Zoë, ZOE). Ids are left out.

The PDF font must draw any name (Zoë O'Neil): fpdf2 embeds a Unicode TrueType font,
Debian's DejaVu Sans (package fonts-dejavu-core); `ReportFontMissing` says so when absent.
"""
import io
import os
import re
from collections import Counter
from dataclasses import dataclass, field

from anyascii import anyascii

from shared.dates import day_text, moment_text
from shared.vocabulary import AGENCY_LABELS, ENTRY_KIND_LABELS, REVIEW_STAGE_LABELS

SUBJECT = "the subject"
SYSTEM = "Wardline (automatic)"
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu",)
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}

ROLE_GROUPS = {"reviewer": "Reviewer", "coordinator": "Tasking coordinator",
               "sergeant": "Sergeant", "pcso": "PCSO", "analyst": "BIU analyst",
               "panel": "Ward panel chair", "admin": "Administrator"}
AGENCY_SHORT = {"yot": "YOT", "la-community-safety": "Community safety"}
DECISIONS = {"candidate": "Not yet decided", "confirmed": "Confirmed", "dismissed": "Dismissed"}


class ReportFontMissing(RuntimeError):
    """No Unicode font for the PDF on this machine."""


@dataclass
class Report:
    reference: str
    anonymised: bool
    subject: str
    stage: str
    trigger: str
    incident_date: str
    incident_summary: str
    opened: str
    published: str
    chronology: list = field(default_factory=list)   # (n, when, agency, kind, summary, by)
    missed: list = field(default_factory=list)       # (rule, summary, entries, decision, reason, by)
    findings: list = field(default_factory=list)     # (n, finding, agency, by)
    lessons: list = field(default_factory=list)      # (agency, recommendation, owner, due)

    @property
    def title(self):
        return f"Case review {self.reference}" + (" (anonymised)" if self.anonymised else "")


class Names:
    """Who people are in the report: themselves, or (anonymised) a consistent role."""

    def __init__(self, person, staff, anonymised, actors=()):
        self.anonymised = anonymised
        self.staff = {u: dict(s) for u, s in (staff or {}).items()}
        for actor in actors:  # the events' own actors, when the directory lacks them
            if actor.get("username") and actor["username"] not in self.staff:
                self.staff[actor["username"]] = {"role": actor.get("role"),
                                                 "agency": actor.get("agency")}
        person = person or {}
        records = [person, *(person.get("records") or [])]
        given = [r.get("given_name") for r in records if r.get("given_name")]
        family = [r.get("family_name") for r in records if r.get("family_name")]
        self.subject_name = " ".join(n for n in (person.get("given_name"),
                                                 person.get("family_name")) if n) or SUBJECT
        self._labels, self._counts = {}, Counter()
        found = {}  # casefolded name as it may be written -> ("subject",) or ("staff", user)
        # Every way the person may be written: whole, each name, each part of a
        # double-barrelled one (Okafor-Reid: Okafor, Reid).
        parts = [p for n in given + family for p in re.split(r"[-\s]+", n) if len(p) > 2]
        for name in [f"{g} {f}" for g in given for f in family] + given + family + parts:
            for variant in _variants(name):
                found.setdefault(variant.casefold(), ("subject", None))
        for username, known in self.staff.items():
            if known.get("role") == "system":
                continue
            display = known.get("display_name") or ""
            # "Yemi Okafor (YOT)" is also written "Yemi Okafor".
            for name in (username, display, re.sub(r"\s*\(.*?\)", "", display)):
                for variant in _variants(name or ""):
                    found.setdefault(variant.casefold(), ("staff", username))
        self._found = found
        names = sorted(found, key=len, reverse=True)
        self._pattern = (re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, names)) + r")(?!\w)",
                                    re.IGNORECASE) if names else None)

    def subject(self):
        return SUBJECT if self.anonymised else self.subject_name

    def staff_member(self, username, role=None, agency=None):
        if not username:
            return ""
        known = self.staff.get(username, {})
        role = known.get("role") or role
        if role == "system":
            return SYSTEM
        if not self.anonymised:
            display = known.get("display_name")
            return f"{display} ({username})" if display else username
        if username not in self._labels:
            group = _group(role, known.get("agency") or agency)
            self._counts[group] += 1
            self._labels[username] = f"{group} {self._counts[group]}"
        return self._labels[username]

    def text(self, value):
        """Free text, with every known name replaced when anonymised."""
        value = "" if value is None else str(value)
        if not self.anonymised or self._pattern is None:
            return value
        return self._pattern.sub(self._replace, value)

    def _replace(self, match):
        what, username = self._found.get(match.group(0).casefold(), ("subject", None))
        return SUBJECT if what == "subject" else self.staff_member(username)


def _variants(name):
    name = " ".join(name.split())
    if not name:
        return set()
    out = {name, anyascii(name)}
    out |= {v.replace("'", "\u2019") for v in out} | {v.replace("\u2019", "'") for v in out}
    return {v for v in out if v.strip()}


def _group(role, agency):
    if role == "partner" or (role is None and agency):
        return f"{AGENCY_SHORT.get(agency, AGENCY_LABELS.get(agency, agency or 'Agency'))} officer"
    return ROLE_GROUPS.get(role, "Staff member")


def build(review, entries, candidates, person=None, staff=None, anonymised=False):
    """The report's content: `review` as `repository.full` gives it, the chronology's
    `entries` oldest first, the review's `candidates`; `person` the subject (its names and
    its records' names), `staff` {username: {display_name, role, agency}}."""
    names = Names(person, staff, anonymised, actors=[e.actor for e in entries])
    text = names.text
    numbers = {e.id: n for n, e in enumerate(entries, 1)}
    reviewer = lambda user: names.staff_member(user, role="reviewer")  # noqa: E731
    history = {step["stage"]: step for step in review.get("history") or []}
    opened = history.get("open") or {}
    report = Report(
        reference=review["reference"], anonymised=anonymised, subject=names.subject(),
        stage=REVIEW_STAGE_LABELS.get(review["stage"], review["stage"]),
        trigger=text(review.get("trigger")),
        incident_date=day_text(review.get("incident_date")),
        incident_summary=text(review.get("incident_summary")),
        opened=_by_on(reviewer(review.get("opened_by")), review.get("opened_at")
                      or opened.get("at")),
        published=_by_on(reviewer(review.get("published_by")), review.get("published_at")))
    for n, entry in enumerate(entries, 1):
        actor = entry.actor or {}
        report.chronology.append((
            str(n), moment_text(entry.when), _agency(entry.agency),
            ENTRY_KIND_LABELS.get(entry.kind, entry.kind), text(entry.summary),
            names.staff_member(actor.get("username"), actor.get("role"), actor.get("agency"))))
    for candidate in candidates:
        cited = ", ".join(str(numbers[i]) for i in candidate.get("entry_ids") or []
                          if i in numbers)
        decided = candidate.get("decided_by")
        report.missed.append((
            text(candidate["rule"].replace("_", " ")), text(candidate.get("summary")), cited,
            DECISIONS.get(candidate["status"], candidate["status"]),
            text(candidate.get("reason")),
            _by_on(reviewer(decided), candidate.get("decided_at")) if decided else ""))
    for n, finding in enumerate(review.get("findings") or [], 1):
        report.findings.append((str(n), text(finding["finding"]),
                                AGENCY_LABELS.get(finding.get("agency"),
                                                  finding.get("agency") or ""),
                                reviewer(finding.get("added_by"))))
    for lesson in review.get("lessons") or []:
        report.lessons.append((AGENCY_LABELS.get(lesson["agency"], lesson["agency"]),
                               text(lesson["recommendation"]), text(lesson["owner"]),
                               day_text(lesson.get("due_date"))))
    return report


# --- the files -----------------------------------------------------------------------

CHRONOLOGY_HEAD = ("No.", "When", "Source agency", "Kind", "What happened", "Recorded by")
MISSED_HEAD = ("Rule", "What was found", "Entries", "Decision", "Reason", "Decided by")
FINDINGS_HEAD = ("No.", "Finding", "Agency", "Recorded by")
LESSONS_HEAD = ("Agency", "Recommendation", "Owner", "Due")

FORMATS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}
"""Each format the report is made in, and its media type."""


def filename(report, fmt):
    return f"{report.reference}{'-anonymised' if report.anonymised else ''}.{fmt}"


def render(report, fmt):
    """The report file's bytes in `fmt` (a key of FORMATS)."""
    return {"docx": render_docx, "pdf": render_pdf}[fmt](report)


def _sections(report):
    """(heading, column heads, rows, what to say when there are none), in order."""
    return (
        ("Chronology", CHRONOLOGY_HEAD, report.chronology, "No entries in the chronology."),
        ("Missed opportunities", MISSED_HEAD, report.missed, "No missed opportunities found."),
        ("Findings", FINDINGS_HEAD, report.findings, "No findings recorded."),
        ("Lessons", LESSONS_HEAD, report.lessons, "No lessons recorded."),
    )


def _facts(report):
    return (("Subject", report.subject), ("Stage", report.stage),
            ("Trigger", report.trigger), ("Incident date", report.incident_date),
            ("Incident", report.incident_summary), ("Opened", report.opened),
            ("Published", report.published or "Not yet published"))


def render_docx(report):
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Pt

    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    document.core_properties.title = report.title
    document.core_properties.author = "Wardline"
    document.core_properties.last_modified_by = "Wardline"
    document.core_properties.comments = ""
    document.styles["Normal"].font.size = Pt(10)
    document.add_heading(report.title, level=0)
    for label, value in _facts(report):
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{label}: ").bold = True
        paragraph.add_run(value or "")
    for heading, head, rows, none in _sections(report):
        document.add_heading(heading, level=1)
        if not rows:
            document.add_paragraph(none)
            continue
        table = document.add_table(rows=1, cols=len(head))
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, head):
            cell.text = ""
            cell.paragraphs[0].add_run(text).bold = True
        for row in rows:
            for cell, text in zip(table.add_row().cells, row):
                cell.text = text or ""
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def font_files(dirs=None):
    """{fpdf2 style: path} of the Unicode font the PDF is set in."""
    dirs = dirs or FONT_DIRS
    for folder in dirs:
        paths = {style: os.path.join(folder, name) for style, name in FONT_FILES.items()}
        if all(os.path.isfile(p) for p in paths.values()):
            return paths
    raise ReportFontMissing(
        "The PDF report needs the DejaVu Sans font (DejaVuSans.ttf and DejaVuSans-Bold.ttf; "
        "Debian package fonts-dejavu-core) to draw every name; none was found in "
        f"{', '.join(dirs)}.")


CHRONOLOGY_WIDTHS = (11, 30, 36, 26, 117, 37)
MISSED_WIDTHS = (40, 75, 17, 22, 71, 32)
FINDINGS_WIDTHS = (10, 170, 40, 37)
LESSONS_WIDTHS = (45, 130, 52, 30)


def render_pdf(report, fonts=None):
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    fonts = fonts or font_files()
    pdf = FPDF(orientation="landscape", format="A4")
    for style, path in fonts.items():
        pdf.add_font("DejaVu", style=style, fname=path)
    pdf.set_title(report.title)
    pdf.set_author("Wardline")
    pdf.set_creator("Wardline")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_margins(20, 15, 20)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 18)
    pdf.multi_cell(0, 10, report.title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for label, value in _facts(report):
        pdf.set_font("DejaVu", "B", 10)
        pdf.cell(32, 6, f"{label}:")
        pdf.set_font("DejaVu", "", 10)
        pdf.multi_cell(0, 6, value or "", new_x="LMARGIN", new_y="NEXT")
    widths = (CHRONOLOGY_WIDTHS, MISSED_WIDTHS, FINDINGS_WIDTHS, LESSONS_WIDTHS)
    for (heading, head, rows, none), col_widths in zip(_sections(report), widths):
        pdf.ln(4)
        pdf.set_font("DejaVu", "B", 13)
        pdf.cell(0, 8, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 9)
        if not rows:
            pdf.multi_cell(0, 6, none, new_x="LMARGIN", new_y="NEXT")
            continue
        with pdf.table(col_widths=col_widths, text_align="LEFT", line_height=5,
                       headings_style=FontFace(emphasis="BOLD", fill_color=(230, 230, 230)),
                       repeat_headings=1) as table:
            table.row(head)
            for row in rows:
                table.row([text or "" for text in row])
    return bytes(pdf.output())


def _agency(code):
    return AGENCY_LABELS.get(code, (code or "").capitalize())


def _by_on(who, moment):
    if not who and not moment:
        return ""
    when = ""
    if moment is not None:
        when = moment if isinstance(moment, str) else moment_text(moment)
    return f"{who}, {when}" if who and when else (who or when)
