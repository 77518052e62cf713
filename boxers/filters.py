"""Filters and orderings of the public boxer directory (GET /api/v1/boxers/), and the one
canonical form of a directory query (what its cached page is keyed on and its links show)."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

import django_filters
from django.db.models import F, QuerySet
from django.http import QueryDict
from django_filters.constants import EMPTY_VALUES

from boxers.models import Boxer, ExperienceLevel, Gender
from clubs.models import Club
from permissions.selectors import club_scope

BOOLEAN_CHOICES = [("true", "true"), ("false", "false"), ("1", "1"), ("0", "0")]


class StableOrderingFilter(django_filters.OrderingFilter):
    """OrderingFilter with empty values last and the primary key as tie-breaker (stable pages)."""

    def filter(self, qs: QuerySet, value) -> QuerySet:
        if value in EMPTY_VALUES:
            return qs
        terms = []
        for param in value:
            field = self.get_ordering_value(param)
            if field.startswith("-"):
                terms.append(F(field[1:]).desc(nulls_last=True))
            else:
                terms.append(F(field).asc(nulls_last=True))
        return qs.order_by(*terms, "id")


class BoxerFilter(django_filters.FilterSet):
    """Every value is validated: an unknown enum, a non-number or a non-UUID is a 400."""

    city = django_filters.CharFilter(lookup_expr="icontains", max_length=100)
    country = django_filters.CharFilter(lookup_expr="icontains", max_length=100)
    experience_level = django_filters.ChoiceFilter(choices=ExperienceLevel.choices)
    gender = django_filters.ChoiceFilter(choices=Gender.choices)
    min_weight = django_filters.NumberFilter(
        field_name="weight_kg", lookup_expr="gte", min_value=0, max_value=1000
    )
    max_weight = django_filters.NumberFilter(
        field_name="weight_kg", lookup_expr="lte", min_value=0, max_value=1000
    )
    club = django_filters.UUIDFilter(method="filter_club")
    is_verified = django_filters.TypedChoiceFilter(
        choices=BOOLEAN_CHOICES, coerce=lambda value: value in ("true", "1")
    )
    search = django_filters.CharFilter(field_name="name", lookup_expr="icontains", max_length=150)
    ordering = StableOrderingFilter(
        fields=(("name", "name"), ("created_at", "created_at"), ("weight_kg", "weight_kg")),
    )

    class Meta:
        model = Boxer
        fields: list[str] = []

    def filter_club(self, queryset: QuerySet, name: str, value: UUID) -> QuerySet:
        """Boxers of a club anyone may view: the directory is public, so a club that is not
        published (club_scope of an anonymous caller) matches nothing, for every caller."""
        return queryset.filter(club_id=value, club__in=Club.objects.filter(club_scope(None)))


@dataclass(frozen=True)
class DirectoryQuery:
    """A directory request's parameters in one canonical form: the validated filters (unknown
    parameters dropped, values as the filters read them), the page number (None for 1) and
    the page size (None for the default), in one order. Every spelling of one query has one
    form: it names the cached page and builds the page's `next`/`previous` links.
    """

    filters: tuple[tuple[str, str], ...]
    page: str | None
    page_size: int | None

    def query_string(self, page: int | str | None = None) -> str:
        """`?...` for this query at `page` (default: its own page), page 1 and the default
        size left out, parameters sorted by name."""
        page = self.page if page is None else page
        params = [
            *self.filters,
            *([("page", str(page))] if page not in (None, 1, "1") else []),
            *([("page_size", str(self.page_size))] if self.page_size is not None else []),
        ]
        return "?" + urlencode(sorted(params)) if params else ""


def _canonical(value: Any) -> str | None:
    if value in EMPTY_VALUES:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, list | tuple):
        return ",".join(str(item) for item in value)
    return str(value)


def directory_query(
    params: QueryDict,
    *,
    page_size: int | None,
    default_page_size: int | None,
    last_page_strings: tuple[str, ...],
) -> DirectoryQuery | None:
    """The canonical form of directory `params`, or None when they are invalid (the request
    then answers 400 or 404 and nothing is cached). `page_size` is the size the paginator
    settled on (bounded, default filled in)."""
    filterset = BoxerFilter(data=params, queryset=Boxer.objects.none())
    if not filterset.is_valid():
        return None
    filters = []
    for name in sorted(filterset.filters):
        value = _canonical(filterset.form.cleaned_data.get(name))
        if value is not None:
            filters.append((name, value))
    raw_page = params.get("page") or "1"
    if raw_page in last_page_strings:
        page: str | None = raw_page
    else:
        try:
            number = int(raw_page)  # as Django's Paginator reads it
        except ValueError:
            return None
        if number < 1:
            return None
        page = None if number == 1 else str(number)
    return DirectoryQuery(
        filters=tuple(filters), page=page, page_size=None if page_size == default_page_size else page_size
    )
