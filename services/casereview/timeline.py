"""The chronology as a picture: an SVG swimlane timeline, one lane per agency, each entry a
numbered mark at its time, the marks a possible missed opportunity cites ringed, and a
numbered key below so that it reads on paper as well as on screen.

Every piece of text is escaped: summaries, reasons and outcomes are people's free text.
"""
from xml.sax.saxutils import escape

WIDTH = 1100
LEFT = 190          # lane labels
RIGHT = 40
TOP = 70
LANE = 44
LINE = 18           # one line of the key
KIND_COLOURS = {
    "referral": "#1f5fa8", "triage": "#6b4fa0", "tasking_item": "#2e7d32",
    "update": "#558b2f", "overdue": "#c77700", "pcso_task": "#00838f",
    "intelligence_report": "#37474f", "feedback": "#ad1457",
}
CANDIDATE_COLOUR = "#d32f2f"


def _text(value):
    return escape(str(value), {'"': "&quot;", "'": "&#x27;"})


def render_timeline(entries, candidates, title):
    """SVG text for `entries` (oldest first) with `candidates` (each citing `entry_ids`)."""
    agencies = list(dict.fromkeys(e.agency for e in entries))
    numbers = {e.id: n for n, e in enumerate(entries, start=1)}
    cited = {}
    for m, candidate in enumerate(candidates, start=1):
        for entry_id in candidate["entry_ids"]:
            cited.setdefault(entry_id, []).append(m)
    chart_bottom = TOP + LANE * max(len(agencies), 1)
    key_top = chart_bottom + 50
    height = key_top + LINE * (len(entries) + len(candidates) + 3) + 20
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
           f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">',
           f"<title>{_text(title)}</title>",
           f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
           f'<text x="{LEFT}" y="28" font-size="16" font-weight="bold">{_text(title)}</text>',
           '<text x="{}" y="48" fill="#555">One lane per agency; numbers match the key '
           'below; a red ring marks an entry a possible missed opportunity cites.</text>'
           .format(LEFT)]
    if not entries:
        out.append(f'<text x="{LEFT}" y="{TOP + 20}">No entries in the chronology yet.</text>')
    lane_y = {agency: TOP + LANE * i + LANE / 2 for i, agency in enumerate(agencies)}
    for agency, y in lane_y.items():
        out.append(f'<line x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}" '
                   'stroke="#ccc"/>')
        out.append(f'<text x="{LEFT - 10}" y="{y + 4}" text-anchor="end">'
                   f"{_text(agency)}</text>")
    x_of = _time_axis(entries)
    if entries:
        first, last = entries[0].when, entries[-1].when
        out.append(f'<text x="{LEFT}" y="{chart_bottom + 20}" fill="#555">'
                   f"{_text(first.strftime('%d %b %Y'))}</text>")
        out.append(f'<text x="{WIDTH - RIGHT}" y="{chart_bottom + 20}" fill="#555" '
                   f'text-anchor="end">{_text(last.strftime("%d %b %Y"))}</text>')
    for entry in entries:
        x, y = x_of(entry.when), lane_y[entry.agency]
        colour = KIND_COLOURS.get(entry.kind, "#333")
        tip = f"{entry.when.strftime('%d %b %Y %H:%M')} {entry.agency}: {entry.summary}"
        out.append(f'<g class="entry" data-entry-id="{_text(entry.id)}">'
                   f"<title>{_text(tip)}</title>")
        if entry.id in cited:
            out.append(f'<circle cx="{x:.1f}" cy="{y}" r="13" fill="none" '
                       f'stroke="{CANDIDATE_COLOUR}" stroke-width="3" class="candidate"/>')
        out.append(f'<circle cx="{x:.1f}" cy="{y}" r="9" fill="{colour}"/>')
        out.append(f'<text x="{x:.1f}" y="{y + 4}" fill="#fff" font-size="9" '
                   f'text-anchor="middle">{numbers[entry.id]}</text></g>')
    y = key_top
    out.append(f'<text x="20" y="{y}" font-weight="bold">Chronology</text>')
    for entry in entries:
        y += LINE
        marks = "".join(f" [possible missed opportunity {m}]" for m in cited.get(entry.id, ()))
        out.append(f'<text x="20" y="{y}">{numbers[entry.id]}. '
                   f"{_text(entry.when.strftime('%d %b %Y %H:%M'))} - {_text(entry.agency)} "
                   f"({_text(entry.kind.replace('_', ' '))}): {_text(entry.summary)}"
                   f"{_text(marks)}</text>")
    if candidates:
        y += LINE * 2
        out.append(f'<text x="20" y="{y}" font-weight="bold">Possible missed opportunities '
                   "(for learning, not blame)</text>")
        for m, candidate in enumerate(candidates, start=1):
            y += LINE
            cites = ", ".join(str(numbers[i]) for i in candidate["entry_ids"] if i in numbers)
            out.append(f'<text x="20" y="{y}" fill="{CANDIDATE_COLOUR}">{m}. '
                       f"{_text(candidate['summary'])} (entries {_text(cites)}; "
                       f"{_text(candidate['status'])})</text>")
    out.append("</svg>")
    return "\n".join(out)


def _time_axis(entries):
    if not entries:
        return lambda when: LEFT
    first, last = entries[0].when, entries[-1].when
    span = (last - first).total_seconds() or 1.0
    usable = WIDTH - LEFT - RIGHT - 30
    return lambda when: LEFT + 15 + usable * (when - first).total_seconds() / span
