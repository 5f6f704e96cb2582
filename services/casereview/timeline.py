"""The chronology as a picture, drawn here and nowhere else: the reviewer's page shows this
SVG (`GET /api/case-reviews/{id}/timeline.svg?key=false`) and the printable file is the
same picture with its numbered key (`key=true`). One lane per agency, each entry a numbered
mark at its time (marks close in time nudged apart along the lane), the marks a possible
missed opportunity cites ringed, a legend of the kinds shown, and a text alternative that
says what the picture holds.

Every piece of text is escaped: summaries, reasons and outcomes are people's free text.
"""
from xml.sax.saxutils import escape

from shared.dates import day_text, moment_text
from shared.vocabulary import AGENCY_LABELS, ENTRY_KIND_LABELS

LEFT = 290          # lane labels
RIGHT = 30
TOP = 30
LANE = 48
GAP = 24            # the least distance between two marks on one lane
SPAN = 640          # the time axis
LINE = 20           # one line of the legend or the key
KIND_COLOURS = {
    "referral": "#1d4f91", "triage": "#6b4fa0", "tasking_item": "#1e6b24",
    "update": "#4a6b1e", "overdue": "#a35200", "pcso_task": "#00686f",
    "intelligence_report": "#37474f", "feedback": "#ad1457",
}
"""Each kind's colour (white numbers on each read at 4.5:1 or better)."""
OTHER_COLOUR = "#1b1b1b"
CITED_COLOUR = "#a4001d"


def render_timeline(entries, candidates, title, key=True):
    """SVG text for `entries` (oldest first) and the `candidates` not dismissed (each
    citing `entry_ids`); `key`: the numbered list of entries and candidates below, for
    paper (the page has its own table)."""
    cited = _citations(candidates)
    agencies = list(dict.fromkeys(e.agency for e in entries))
    marks = _marks(entries, agencies)
    width = max([LEFT + SPAN + 30 + RIGHT] + [x + RIGHT for _, _, x, _ in marks])
    chart_bottom = TOP + LANE * max(len(agencies), 1)
    kinds = [kind for kind in KIND_COLOURS if any(e.kind == kind for e in entries)]
    legend_top = chart_bottom + 50
    key_top = legend_top + LINE * (len(kinds) + 2)
    height = key_top + (LINE * (len(entries) + len(candidates) + 4) if key else 0)
    label = _label(entries, agencies, cited)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{_text(label)}" '
           f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
           'font-family="system-ui, sans-serif" font-size="15">',
           f"<title>{_text(title)}: {_text(label)}</title>",
           f'<rect width="{width}" height="{height}" fill="#ffffff"/>']
    if not entries:
        out.append(f'<text x="{LEFT}" y="{TOP + 20}" fill="{OTHER_COLOUR}">'
                   "No entries in the chronology yet.</text>")
    for i, agency in enumerate(agencies):
        y = TOP + LANE * i + LANE / 2
        out.append(f'<g class="lane"><line x1="{LEFT}" y1="{y}" x2="{width - RIGHT}" '
                   f'y2="{y}" stroke="#767676" stroke-width="1"/><text x="{LEFT - 12}" '
                   f'y="{y + 4}" text-anchor="end" fill="{OTHER_COLOUR}">'
                   f"{_text(agency_name(agency))}</text></g>")
    for entry, n, x, y in marks:
        out.append(_mark(entry, n, x, y, entry.id in cited))
    if entries:
        out.append(f'<text x="{LEFT}" y="{chart_bottom + 24}" fill="#4a4a4a">'
                   f"{_text(day_text(entries[0].when))}</text>")
        out.append(f'<text x="{width - RIGHT}" y="{chart_bottom + 24}" fill="#4a4a4a" '
                   f'text-anchor="end">{_text(day_text(entries[-1].when))}</text>')
    out += _legend(kinds, bool(cited), legend_top)
    if key:
        out += _key(entries, candidates, cited, {e.id: n for e, n, _, _ in marks}, key_top)
    out.append("</svg>")
    return "\n".join(out)


def agency_name(code):
    return AGENCY_LABELS.get(code, code)


def _citations(candidates):
    cited = {}
    for m, candidate in enumerate(candidates, start=1):
        for entry_id in candidate["entry_ids"]:
            cited.setdefault(entry_id, []).append(m)
    return cited


def _marks(entries, agencies):
    """(entry, number, x, y) of each mark; a mark too close to the one before it on its
    lane moves along, so that no two sit on top of each other."""
    if not entries:
        return []
    first, last = entries[0].when, entries[-1].when
    span = (last - first).total_seconds()
    lane_last, marks = {}, []
    for n, entry in enumerate(entries, start=1):
        x = LEFT + 15 + (SPAN * (entry.when - first).total_seconds() / span if span
                         else SPAN / 2)
        if entry.agency in lane_last and x < lane_last[entry.agency] + GAP:
            x = lane_last[entry.agency] + GAP
        lane_last[entry.agency] = x
        marks.append((entry, n, round(x, 1), TOP + LANE * agencies.index(entry.agency)
                      + LANE / 2))
    return marks


def _mark(entry, n, x, y, cited):
    tip = f"{n}. {agency_name(entry.agency)}, {moment_text(entry.when)}: {entry.summary}"
    ring = (f'<circle class="candidate" cx="{x}" cy="{y}" r="14" fill="none" '
            f'stroke="{CITED_COLOUR}" stroke-width="3"/>' if cited else "")
    return (f'<g class="mark entry" data-agency="{_text(entry.agency)}" '
            f'data-entry-id="{_text(entry.id)}"><title>{_text(tip)}</title>{ring}'
            f'<circle cx="{x}" cy="{y}" r="10" '
            f'fill="{KIND_COLOURS.get(entry.kind, OTHER_COLOUR)}"/>'
            f'<text x="{x}" y="{y + 4}" text-anchor="middle" fill="#ffffff" font-size="11" '
            f'font-weight="700">{n}</text></g>')


def _legend(kinds, any_cited, top):
    out, y = ['<g class="legend">'], top
    for kind in kinds:
        out.append(f'<circle cx="{LEFT + 7}" cy="{y - 5}" r="7" fill="{KIND_COLOURS[kind]}"/>'
                   f'<text x="{LEFT + 22}" y="{y}" fill="{OTHER_COLOUR}">'
                   f"{_text(ENTRY_KIND_LABELS.get(kind, kind))}</text>")
        y += LINE
    if any_cited:
        out.append(f'<circle cx="{LEFT + 7}" cy="{y - 5}" r="6" fill="none" '
                   f'stroke="{CITED_COLOUR}" stroke-width="3"/><text x="{LEFT + 22}" '
                   f'y="{y}" fill="{OTHER_COLOUR}">Cited by a possible missed opportunity</text>')
    out.append("</g>")
    return out


def _key(entries, candidates, cited, numbers, top):
    out, y = [f'<text x="20" y="{top}" font-weight="bold" fill="{OTHER_COLOUR}">Chronology'
              "</text>"], top
    for entry in entries:
        y += LINE
        marks = "".join(f" [possible missed opportunity {m}]" for m in cited.get(entry.id, ()))
        out.append(f'<text x="20" y="{y}" fill="{OTHER_COLOUR}">{numbers[entry.id]}. '
                   f"{_text(moment_text(entry.when))} - {_text(agency_name(entry.agency))} "
                   f"({_text(ENTRY_KIND_LABELS.get(entry.kind, entry.kind))}): "
                   f"{_text(entry.summary)}{_text(marks)}</text>")
    if candidates:
        y += LINE * 2
        out.append(f'<text x="20" y="{y}" font-weight="bold" fill="{OTHER_COLOUR}">Possible '
                   "missed opportunities (for learning, not blame)</text>")
        for m, candidate in enumerate(candidates, start=1):
            y += LINE
            cites = ", ".join(str(numbers[i]) for i in candidate["entry_ids"] if i in numbers)
            out.append(f'<text x="20" y="{y}" fill="{CITED_COLOUR}">{m}. '
                       f"{_text(candidate['summary'])} (entries {_text(cites)}; "
                       f"{_text(candidate['status'])})</text>")
    return out


def _label(entries, agencies, cited):
    """The picture's text alternative: how many entries, from which agencies, over when."""
    if not entries:
        return "Timeline: no entries yet"
    first, last = entries[0].when, entries[-1].when
    same_day = day_text(first) == day_text(last)
    start, end = (moment_text(first), moment_text(last)) if same_day else (day_text(first), day_text(last))
    plural = "agency" if len(agencies) == 1 else "agencies"
    label = (f"Timeline of {len(entries)} entries from {len(agencies)} {plural} "
             f"({', '.join(agency_name(a) for a in agencies)}), "
             + (f"at {start}" if start == end else f"from {start} to {end}"))
    if cited:
        label += f"; {len(cited)} entries are cited by a possible missed opportunity"
    return label + ". The table below lists every entry."


def _text(value):
    return escape(str(value), {'"': "&quot;", "'": "&#x27;"})
