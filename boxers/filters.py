"""Filters and orderings of the public boxer directory (GET /api/v1/boxers/), and the one
canonical form of a directory query (what its cached page is keyed on and its links show)."""

from uuid import UUID

import django_filters
from django.db.models import F, QuerySet
from django.http import QueryDict
from django_filters.constants import EMPTY_VALUES

from boxerconnect.api.canonical import CanonicalQuery, canonical_query
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


# A directory request's parameters in one canonical form (boxerconnect/api/canonical.py): the
# validated filters (unknown parameters dropped, values as the filters read them), the page
# number (None for 1) and the page size (None for the default). Every spelling of one query
# has one form: it names the cached page and builds the page's `next`/`previous` links.
DirectoryQuery = CanonicalQuery


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
    return canonical_query(
        BoxerFilter,
        params,
        page_size=page_size,
        default_page_size=default_page_size,
        last_page_strings=last_page_strings,
    )
