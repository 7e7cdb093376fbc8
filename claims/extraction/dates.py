"""Stage 6: when a statement was made, from the words around its cue and the publication date.

Only the words about the statement itself count (the introduction, the words between source and
cue, the tail after it): "in 2014" inside what was said dates the event, not the statement. Each
row of DATE_RULES finds an expression and resolves it against the publication date; the earliest
expression in the text wins. Month names and weekday arithmetic come from python-dateutil.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable

from dateutil import parser as date_parser
from dateutil.relativedelta import FR, MO, SA, SU, TH, TU, WE, relativedelta

MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|"
    r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
WEEKDAYS = {"monday": MO, "tuesday": TU, "wednesday": WE, "thursday": TH, "friday": FR, "saturday": SA, "sunday": SU}

Resolved = tuple[datetime.date, str]


def _month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _not_after(day: datetime.date, published: datetime.date, step: relativedelta) -> datetime.date:
    # A date written without its year is the latest such date not after publication.
    return day - step if day > published else day


def _iso(m: re.Match, pub: datetime.date) -> Resolved:
    return datetime.date(int(m["y"]), int(m["m"]), int(m["d"])), "day"


def _explicit_day(m: re.Match, pub: datetime.date) -> Resolved:
    day = date_parser.parse(m["when"].replace(".", " "), default=datetime.datetime(pub.year, pub.month, 1)).date()
    if not m["year"]:
        day = _not_after(day, pub, relativedelta(years=1))
    return day, "day"


def _explicit_month(m: re.Match, pub: datetime.date) -> Resolved:
    day = date_parser.parse(f"1 {m['month'].rstrip('.')} {m['year'] or pub.year}").date()
    if not m["year"]:
        day = _not_after(day, pub, relativedelta(years=1))
    return day, "month"


def _year(m: re.Match, pub: datetime.date) -> Resolved:
    return datetime.date(int(m["year"]), 1, 1), "year"


def _weekday(m: re.Match, pub: datetime.date) -> Resolved:
    # News writing names a weekday of the past week; in a Wednesday report "on Wednesday" is that day.
    return pub + relativedelta(weekday=WEEKDAYS[m["weekday"].lower()](-1)), "day"


def _relative(days: int = 0, months: int = 0, years: int = 0, precision: str = "day"):
    def resolve(m: re.Match, pub: datetime.date) -> Resolved:
        day = pub - relativedelta(days=days, months=months, years=years)
        if precision == "month":
            day = _month_start(day)
        elif precision == "year":
            day = day.replace(month=1, day=1)
        return day, precision

    return resolve


DATE_RULES: tuple[tuple[re.Pattern, Callable[[re.Match, datetime.date], Resolved]], ...] = (
    (re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})\b"), _iso),
    (
        re.compile(rf"\b(?P<when>{MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+(?P<year>\d{{4}}))?)\b"),
        _explicit_day,
    ),
    (
        re.compile(rf"\b(?P<when>\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTH}\.?(?:,?\s+(?P<year>\d{{4}}))?)\b"),
        _explicit_day,
    ),
    (
        re.compile(
            rf"\b(?i:in|since|during|by|from|until|early|late|mid-?)\s+(?P<month>{MONTH})\.?(?:,?\s+(?P<year>\d{{4}}))?\b"
        ),
        _explicit_month,
    ),
    (re.compile(r"\b(?i:in|since|during|by|early|late|mid-?)\s+(?P<year>(?:19|20)\d{2})\b"), _year),
    (re.compile(r"\b(?P<weekday>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"), _weekday),
    (re.compile(r"\b(?:today|tonight|this\s+(?:morning|afternoon|evening))\b", re.I), _relative()),
    (re.compile(r"\byesterday\b", re.I), _relative(days=1)),
    (re.compile(r"\blast\s+week\b", re.I), _relative(days=7, precision="month")),
    (re.compile(r"\b(?:earlier\s+)?this\s+month\b", re.I), _relative(precision="month")),
    (re.compile(r"\blast\s+month\b", re.I), _relative(months=1, precision="month")),
    (re.compile(r"\b(?:earlier\s+)?this\s+year\b", re.I), _relative(precision="year")),
    (re.compile(r"\blast\s+year\b", re.I), _relative(years=1, precision="year")),
    (re.compile(r"\b(?:in\s+)?recent\s+days\b", re.I), _relative(days=3, precision="month")),
    (
        re.compile(r"\b(?:in\s+)?(?:recent|the\s+past\s+few|the\s+last\s+few)\s+weeks\b", re.I),
        _relative(days=21, precision="month"),
    ),
    (
        re.compile(r"\b(?:in\s+)?(?:recent|the\s+past\s+few|the\s+last\s+few)\s+months\b", re.I),
        _relative(months=3, precision="month"),
    ),
)

# Date words opening what follows a cue belong to the statement: "said on Tuesday the army had...".
LEADING_DATE = re.compile(
    rf"\s*(?:(?:on|late\s+on|early\s+on|late|early)\s+)?(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|"
    rf"yesterday|today|last\s+(?:week|month|year)|(?:earlier\s+)?this\s+(?:week|month|year)|"
    rf"in\s+recent\s+(?:days|weeks|months)|(?:on\s+)?{MONTH}\.?\s+\d{{1,2}}(?:,\s+\d{{4}})?|in\s+{MONTH}(?:\s+\d{{4}})?)\b"
    r"(?:\s+(?:morning|afternoon|evening|night))?,?"
)


def find(context: str, published: datetime.date) -> Resolved | None:
    """The date the earliest date expression in ``context`` gives, or None."""
    best: tuple[int, Resolved] | None = None
    for regex, resolve in DATE_RULES:
        m = regex.search(context)
        if m and (best is None or m.start() < best[0]):
            try:
                best = (m.start(), resolve(m, published))
            except (ValueError, OverflowError):
                continue
    return best[1] if best else None


def claimed_on(context: str, aux: str, published: datetime.date) -> Resolved:
    """The statement's date: its own date words, else the publication date.

    A present perfect with no date ("has sworn to...") says only that it was said by then, so it
    gets the publication year.
    """
    found = find(context, published)
    if found:
        return found
    if re.search(r"\b(?:has|have)\b", aux):
        return published.replace(month=1, day=1), "year"
    return published, "day"
