"""Page-number pagination per docs/api.md: ?page=N&page_size=M (default 20, max 100)."""

import json
from functools import cached_property
from typing import Any

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import connections
from rest_framework import pagination

# The largest OFFSET PostgreSQL accepts (a bigint).
MAX_OFFSET = 2**63 - 1


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100


class BoundedCountPage(Page):
    """A page that knows whether another follows from the row after its last (fetched with
    it), not from the count."""

    def __init__(
        self, object_list: Any, number: int, paginator: "BoundedCountPaginator", has_more: bool
    ) -> None:
        super().__init__(object_list, number, paginator)
        self._has_more = has_more

    def has_next(self) -> bool:
        return self._has_more


class BoundedCountPaginator(Paginator):
    """A paginator whose cost does not grow with the table.

    `count` is exact up to `exact_limit` matching rows, counted with
    `SELECT COUNT(*) FROM (... LIMIT exact_limit + 1)` (it stops there). Above, it is exact
    on the last page (its rows tell where the list ends), and elsewhere PostgreSQL's
    estimate of the query's rows (EXPLAIN), never less than `exact_limit + 1`. Other
    databases count exactly.

    The pagination contract does not depend on the count: a page exists when it has rows (or
    is the first), `next` exists when a row follows the page (one more row is read with it),
    and a page past the end is an EmptyPage (404). `page=last` counts exactly (an explicit
    request for the end pays for finding it: `last_page_number`). `num_pages` is from the
    count, estimate or not (DRF's browsable page controls read it).
    """

    exact_limit = 1000

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.count_is_exact = True
        self._seen_end: int | None = None  # the exact count, once a page reached the end

    def _rows(self) -> Any:
        queryset: Any = self.object_list  # a QuerySet
        return queryset.select_related(None).order_by().values("pk")

    @cached_property
    def count(self) -> int:
        capped = self._rows()[: self.exact_limit + 1].count()
        if capped <= self.exact_limit:
            return capped
        if self._seen_end is not None:
            return self._seen_end
        connection = connections[self._rows().db]
        if connection.vendor != "postgresql":
            return self._rows().count()
        self.count_is_exact = False
        plan = json.loads(self._rows().explain(format="json"))
        return max(int(plan[0]["Plan"]["Plan Rows"]), self.exact_limit + 1)

    def last_page_number(self) -> int:
        """The number of the last page, counted exactly (for `page=last`)."""
        self.__dict__.pop("num_pages", None)
        if self.count > self.exact_limit and not self.count_is_exact:
            self.__dict__["count"], self.count_is_exact = self._rows().count(), True
        return self.num_pages

    def validate_number(self, number: Any) -> int:
        """A whole number ≥ 1 (whether the page exists is known from its rows), whose
        offset fits in a bigint."""
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            value = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if value < 1:
            raise EmptyPage(self.error_messages["min_page"])
        if (value - 1) * self.per_page > MAX_OFFSET:
            # Past any table's end, and beyond what PostgreSQL's OFFSET (a bigint) can say:
            # the same 404 as any page past the end, not a DataError (make fuzz found it).
            raise EmptyPage(self.error_messages["no_results"])
        return value

    def _slice(self, bottom: int, top: int) -> Any:
        """The rows [bottom, top) in the list's order, in one statement: the page's ids in a
        subquery (`id IN (SELECT id ... ORDER BY ... LIMIT/OFFSET)`), then those rows by
        primary key with their joins, made for the page's rows only.

        Which ids, is decided by the count, which is exact up to `exact_limit` and asked for
        first (the response needs it anyway). Up to it, the matches are few: they are found
        by the filters' own indexes (a subquery with its own LIMIT: the planner cannot turn it
        into a walk of the list's order) and sorted, at most `exact_limit` of them. Above
        it, at least one row in `table / exact_limit` matches, and the ids are a walk of an
        index in the list's order that stops after the page (a name search walks
        `boxers_directory_name`, index-only: its entries carry the name and the user the
        public rule reads). Left to itself, the planner walked the name order for a rare
        combination it took for a common one (gender and weight are not independent: a
        filtered search read 100,000 rows for 21 at a million boxers)."""
        queryset: Any = self.object_list
        rows = queryset.select_related(None)
        if self.count <= self.exact_limit and self.count_is_exact:
            matching = rows.order_by().values("pk")[: self.exact_limit + 1]
            rows = rows.filter(pk__in=matching)
        return queryset.filter(pk__in=rows.values("pk")[bottom:top])

    def page(self, number: Any) -> BoundedCountPage:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self._slice(bottom, bottom + self.per_page + 1))
        if not rows and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        has_more = len(rows) > self.per_page
        if not has_more:
            self._seen_end = bottom + len(rows)
            if not self.count_is_exact:  # an estimate made before: the end is known now
                self.__dict__["count"], self.count_is_exact = self._seen_end, True
        return BoundedCountPage(rows[: self.per_page], number, self, has_more)


class BoundedCountPagination(PageNumberPagination):
    """PageNumberPagination over `BoundedCountPaginator` (`page=last` counted exactly)."""

    django_paginator_class = BoundedCountPaginator

    def get_page_number(self, request: Any, paginator: Any) -> Any:
        page_number = request.query_params.get(self.page_query_param) or 1
        if page_number in self.last_page_strings:
            return paginator.last_page_number()
        return page_number
