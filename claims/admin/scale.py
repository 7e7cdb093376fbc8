"""What a changelist over a table of a million rows needs (docs/performance.md, "Editors at a million claims").

Django's changelist reads every row of the table several times before it shows a page: it
counts the matches exactly, lists the dates of its date hierarchy with `DISTINCT` over every
row, builds "only the values in use" filters from every row, and reaches a deep page by
`OFFSET` over whole rows. Here:

- `LargeTablePaginator` counts exactly only up to `EXACT_COUNT_LIMIT` matches and takes the
  planner's estimate beyond, and fetches a page's ids first (an index-only scan, even deep in
  the table), then those rows;
- `IndexedDateHierarchy` finds each year, month or day in use by seeking through the index on
  the date (one short query per period shown), not by reading every row;
- `IndexedValuesFilter` lists a column's values in use by seeking through an index on it.
"""

import datetime
import json

from django.contrib import admin
from django.core.paginator import EmptyPage, Paginator
from django.db import connections
from django.db.models import Max, Min
from django.utils.functional import cached_property

# Below this many matches a changelist shows the exact number; above it, the planner's estimate.
EXACT_COUNT_LIMIT = 10_000


class LargeTablePaginator(Paginator):
    """A paginator whose count reads at most EXACT_COUNT_LIMIT + 1 rows, and whose pages are found by id."""

    estimated = False  # whether `count` is the planner's estimate

    @cached_property
    def count(self) -> int:
        keys = self.object_list.order_by().values("pk")
        connection = connections[keys.db]
        if connection.vendor != "postgresql":
            return keys.count()  # SQLite has no estimate to offer, and serves small records
        counted = keys[: EXACT_COUNT_LIMIT + 1].count()
        if counted <= EXACT_COUNT_LIMIT:
            return counted
        self.estimated = True
        sql, params = keys.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
        plan = json.loads(plan) if isinstance(plan, str) else plan
        return max(EXACT_COUNT_LIMIT + 1, int(plan[0]["Plan"]["Plan Rows"]))

    def validate_number(self, number):
        try:
            return super().validate_number(number)
        except EmptyPage:
            # An estimate may fall short of the real count: a page past it is still served (empty at worst),
            # up to twice as far; past that, it is a page that cannot be there (or an OFFSET past bigint).
            if self.estimated and 1 <= int(number) <= 2 * self.num_pages:
                return int(number)
            raise

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        # The page's ids first: the ordering's index alone, with no joins or annotations, however deep.
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in self.object_list.filter(pk__in=ids)} if ids else {}
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)


def _period_start(day: datetime.date, kind: str) -> datetime.date:
    return {"year": day.replace(month=1, day=1), "month": day.replace(day=1), "day": day}[kind]


def _next_period(day: datetime.date, kind: str) -> datetime.date:
    if kind == "year":
        return day.replace(year=day.year + 1)
    if kind == "month":
        return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return day + datetime.timedelta(days=1)


def values_in_use(queryset, field: str, *, period: str | None = None) -> list:
    """The distinct values of `field` in `queryset`, ascending, by seeking through an index on it:
    the first value past the last one found, one short query each, instead of `DISTINCT` over every row.

    With a `period` ("year", "month" or "day"), the periods a date falls in, as Django's
    `QuerySet.dates()` lists them: each seek starts at the next period.
    """
    values = queryset.filter(**{f"{field}__isnull": False}).order_by(field).values_list(field, flat=True)
    found, bound = [], None
    while True:
        step = values if bound is None else values.filter(**{f"{field}__{'gte' if period else 'gt'}": bound})
        first = step.first()
        if first is None:
            return found
        found.append(_period_start(first, period) if period else first)
        bound = _next_period(found[-1], period) if period else found[-1]


class _SeekingDates:
    """A changelist's queryset as the date hierarchy sees it: `dates()` by seeking, the rest as is."""

    def __init__(self, queryset):
        self._queryset = queryset

    def dates(self, field, kind, order="ASC"):
        found = values_in_use(self._queryset, field, period=kind)
        return found if order == "ASC" else found[::-1]

    def aggregate(self, **aggregates):
        """The first and last date (Min, Max), each read from one end of the index, however rare the matches.

        PostgreSQL computes min() over a filter such as "denied by another claim" by testing every
        claim; the first row in date order that passes is found after a few.
        """
        answer = {}
        for name, aggregate in aggregates.items():
            if not isinstance(aggregate, Min | Max):
                return self._queryset.aggregate(**aggregates)
            field = aggregate.source_expressions[0].name
            ordered = self._queryset.filter(**{f"{field}__isnull": False}).values_list(field, flat=True)
            answer[name] = ordered.order_by(field if isinstance(aggregate, Min) else f"-{field}").first()
        return answer

    def __getattr__(self, name):
        return getattr(self._queryset, name)


class IndexedDateHierarchy:
    """A changelist as Django's date hierarchy tag reads it, with the dates found by seeking."""

    def __init__(self, changelist):
        self._changelist = changelist
        self.queryset = _SeekingDates(changelist.queryset)

    def __getattr__(self, name):
        return getattr(self._changelist, name)


class IndexedValuesFilter(admin.SimpleListFilter):
    """A filter on a column's values in use, listed by seeking through an index that leads with the column.

    Django's `AllValuesFieldListFilter` lists them with `DISTINCT` over every row. Subclasses set
    `title` and `parameter_name` (the field).
    """

    def lookups(self, request, model_admin):
        return [(value, value) for value in values_in_use(model_admin.model._default_manager, self.parameter_name)]

    def queryset(self, request, queryset):
        return queryset.filter(**{self.parameter_name: self.value()}) if self.value() is not None else queryset
