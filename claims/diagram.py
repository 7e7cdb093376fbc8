"""The dispute around a claim drawn as SVG, on the server: no script, no CDN.

Claims are boxes labelled with source, date and the start of their text, laid
out in columns so that a claim stands right of the claims it denies or backs;
links are arrows coloured and labelled by relation.
"""

import math
from html import escape

from django.utils.safestring import mark_safe

from claims import selectors
from claims.models import DatePrecision, LinkRelation

COLOURS = {
    LinkRelation.DENIES: "#c0392b",
    LinkRelation.CONTRADICTS: "#d35400",
    LinkRelation.SUPPORTS: "#1e8449",
    LinkRelation.RETRACTS: "#616a6b",
    LinkRelation.CLARIFIES: "#2471a3",
}
BOX_W, BOX_H = 230, 70
GAP_X, GAP_Y, MARGIN, BEND_ROOM = 110, 40, 20, 70
MAX_CLAIMS = 40


def format_claim_date(day, precision: str) -> str:
    """'8 Nov 2017', 'Nov 2017' or '2017', as precise as the record is."""
    if precision == DatePrecision.YEAR:
        return f"{day.year}"
    if precision == DatePrecision.MONTH:
        return day.strftime("%b %Y")
    return f"{day.day} {day.strftime('%b %Y')}"


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _layers(claims, links) -> dict[int, int]:
    """Column of each claim: a claim that links to others stands right of them (the report on the
    left, its denial next, what backs the denial after), so arrows read right to left."""
    layer = {c.pk: 0 for c in claims}
    for _ in range(len(claims)):  # longest-path relaxation; a cycle stops growing at the bound
        changed = False
        for link in links:
            wanted = min(layer[link.to_claim_id] + 1, len(claims) - 1)
            if layer[link.from_claim_id] < wanted:
                layer[link.from_claim_id] = wanted
                changed = True
        if not changed:
            break
    used = sorted(set(layer.values()))
    return {pk: used.index(value) for pk, value in layer.items()}


def _layout(claims, links) -> dict[int, tuple[float, float]]:
    """Top-left corner of each claim's box: columns by _layers, stacked by date within a column."""
    column_of = _layers(claims, links)
    rows: dict[int, int] = {}
    positions = {}
    for claim in sorted(claims, key=lambda c: (c.claimed_on, c.pk)):
        col = column_of[claim.pk]
        row = rows.get(col, 0)
        rows[col] = row + 1
        positions[claim.pk] = (MARGIN + col * (BOX_W + GAP_X), MARGIN + row * (BOX_H + GAP_Y))
    return positions


def _edge_point(centre, towards):
    """Where the line from a box's centre towards a point leaves the box."""
    dx, dy = towards[0] - centre[0], towards[1] - centre[1]
    if dx == 0 and dy == 0:
        return centre
    scale = min((BOX_W / 2) / abs(dx) if dx else math.inf, (BOX_H / 2) / abs(dy) if dy else math.inf)
    return centre[0] + dx * scale, centre[1] + dy * scale


def thread_svg(claims, links, *, current_id: int, url_for) -> str | None:
    """SVG markup for the thread, or None when it is too large to draw legibly.

    `url_for(claim)` gives the link target of each box. All text is escaped.
    """
    if len(claims) > MAX_CLAIMS:
        return None
    positions = _layout(claims, links)
    # Room on the right for arrows that bend around boxes of the last column.
    width = max(x for x, _ in positions.values()) + BOX_W + MARGIN + BEND_ROOM
    height = max(y for _, y in positions.values()) + BOX_H + MARGIN
    centre = {pk: (x + BOX_W / 2, y + BOX_H / 2) for pk, (x, y) in positions.items()}

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="thread-diagram" width="{width:.0f}" '
        f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" role="img" font-family="system-ui, sans-serif" '
        f'aria-label="Diagram of the claims linked to claim {current_id}">',
        "<defs>",
    ]
    for relation, colour in COLOURS.items():
        parts.append(
            f'<marker id="arrow-{relation}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" '
            f'markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
        )
    parts.append("</defs>")

    labels = []
    for link in links:
        start, end = centre[link.from_claim_id], centre[link.to_claim_id]
        # Bend each arrow a little to its left, so that opposite links between two claims do not overlap
        # and links between claims of one column go around the boxes between them.
        dx, dy = end[0] - start[0], end[1] - start[1]
        length = math.hypot(dx, dy) or 1
        bend = 40 if abs(dx) < 1 else 25
        control = ((start[0] + end[0]) / 2 - dy / length * bend, (start[1] + end[1]) / 2 + dx / length * bend)
        if abs(dx) < 1:  # same column: go around the right-hand side of the boxes between
            control = (start[0] + BOX_W / 2 + min(BEND_ROOM + GAP_X / 2, 30 + 0.3 * abs(dy)), control[1])
        p0, p2 = _edge_point(start, control), _edge_point(end, control)
        colour = COLOURS.get(link.relation, "#000")
        parts.append(
            f'<path class="link link-{escape(link.relation)}" d="M{p0[0]:.1f},{p0[1]:.1f} '
            f'Q{control[0]:.1f},{control[1]:.1f} {p2[0]:.1f},{p2[1]:.1f}" fill="none" stroke="{colour}" '
            f'stroke-width="2" marker-end="url(#arrow-{escape(link.relation)})"/>'
        )
        mid = (0.25 * p0[0] + 0.5 * control[0] + 0.25 * p2[0], 0.25 * p0[1] + 0.5 * control[1] + 0.25 * p2[1])
        text_w = 7 * len(link.relation) + 8
        labels.append(
            f'<g class="link-label"><rect x="{mid[0] - text_w / 2:.1f}" y="{mid[1] - 9:.1f}" width="{text_w}" '
            f'height="16" rx="3" fill="#fff" stroke="{colour}"/><text x="{mid[0]:.1f}" y="{mid[1] + 3:.1f}" '
            f'text-anchor="middle" font-size="11" fill="{colour}">{escape(link.relation)}</text></g>'
        )

    for claim in claims:
        x, y = positions[claim.pk]
        is_current = claim.pk == current_id
        source = escape(_shorten(claim.source.name, 28))
        day = escape(format_claim_date(claim.claimed_on, claim.claimed_on_precision))
        parts.append(
            f'<a href="{escape(url_for(claim))}" class="claim-box{" current" if is_current else ""}">'
            f"<title>#{claim.pk} {escape(claim.source.name)}: {escape(claim.text)}</title>"
            f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6" '
            f'fill="{"#fdf2e9" if is_current else "#f8f9f9"}" stroke="{"#ba4a00" if is_current else "#85929e"}" '
            f'stroke-width="{3 if is_current else 1}"/>'
            f'<text x="{x + 10}" y="{y + 20}" font-size="13" font-weight="bold" fill="#1b2631">{source}</text>'
            f'<text x="{x + 10}" y="{y + 38}" font-size="11" fill="#566573">#{claim.pk} · {day} · '
            f"{escape(claim.status)}</text>"
            f'<text x="{x + 10}" y="{y + 56}" font-size="11" fill="#1b2631">{escape(_shorten(claim.text, 34))}</text>'
            "</a>"
        )
    parts.extend(labels)  # on top of arrows and boxes, so they stay readable
    parts.append("</svg>")
    return "".join(parts)


def thread_context(claim, *, url_for) -> dict:
    """What a page needs to show `claim`'s thread: rows of claims, links with both ends, the diagram.

    Shared by the admin's change page and the public claim page; `url_for(claim)` gives each
    claim's link on that page.
    """
    thread = selectors.claim_thread(claim)
    by_id = {c.pk: c for c in thread.claims}
    svg = thread_svg(thread.claims, thread.links, current_id=claim.pk, url_for=url_for) if thread.links else None
    return {
        "thread_rows": [
            {
                "claim": c,
                "url": url_for(c),
                "date": format_claim_date(c.claimed_on, c.claimed_on_precision),
                "current": c.pk == claim.pk,
            }
            for c in thread.claims
        ],
        "thread_links": [
            {"link": link, "from": by_id[link.from_claim_id], "to": by_id[link.to_claim_id]} for link in thread.links
        ],
        "thread_truncated": thread.truncated,
        # thread_svg escapes every piece of text it draws.
        "thread_svg": mark_safe(svg) if svg else None,
    }
