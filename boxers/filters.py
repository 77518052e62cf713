"""Filters and orderings of the public boxer directory (GET /api/v1/boxers/)."""

import django_filters
from django.db.models import F, QuerySet
from django_filters.constants import EMPTY_VALUES

from boxers.models import Boxer, ExperienceLevel, Gender

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
    club = django_filters.UUIDFilter(field_name="club_id")
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
