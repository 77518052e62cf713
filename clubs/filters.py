"""Query-string filters of the club directory and of a club's membership requests."""

import django_filters
from django import forms
from django.db.models import QuerySet, Value
from django.db.models.functions import Replace, Upper

from clubs.models import Club, MembershipRequest, MembershipStatus

TRUE_VALUES = {"true", "1"}
FALSE_VALUES = {"false", "0"}


class StrictBooleanField(forms.Field):
    """`true`/`false` (or 1/0, any case) → bool; anything else is a validation error, not None."""

    def to_python(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in TRUE_VALUES:
            return True
        if text in FALSE_VALUES:
            return False
        raise forms.ValidationError("Must be true or false.", code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


def compact_postcode(value: str) -> str:
    """Upper-case without spaces: "cf10 5" and "CF105" compare equal."""
    return "".join(value.split()).upper()


class FoldedCharField(forms.CharField):
    """Stripped and lower-cased: the value a case-insensitive filter uses is its canonical
    form (boxerconnect/api/canonical.py), so "CARDIFF" and "cardiff" are one cached page."""

    def to_python(self, value):
        return super().to_python(value).lower()


class FoldedCharFilter(django_filters.CharFilter):
    field_class = FoldedCharField


class CompactPostcodeField(forms.CharField):
    """Upper-case without spaces (`compact_postcode`): its canonical form too."""

    def to_python(self, value):
        return compact_postcode(super().to_python(value))


class PostcodeFilter(django_filters.CharFilter):
    field_class = CompactPostcodeField


class ClubFilter(django_filters.FilterSet):
    """The public clubs directory. Every value is cleaned to the form the filter uses, which
    is also what its cached page is keyed on (clubs/readmodels.py)."""

    region = FoldedCharFilter(lookup_expr="icontains", max_length=100)
    city = FoldedCharFilter(lookup_expr="icontains", max_length=100)
    country = FoldedCharFilter(lookup_expr="icontains", max_length=100)
    postcode = PostcodeFilter(method="filter_postcode", max_length=16)
    accepting_members = StrictBooleanFilter()
    search = FoldedCharFilter(field_name="name", lookup_expr="icontains", max_length=200)

    class Meta:
        model = Club
        fields = ["region", "city", "country", "postcode", "accepting_members", "search"]

    def filter_postcode(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        prefix = compact_postcode(value)
        if not prefix:
            return queryset
        compact = Replace(Upper("postcode"), Value(" "), Value(""))
        return queryset.alias(postcode_compact=compact).filter(postcode_compact__startswith=prefix)


class MembershipRequestFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=MembershipStatus.choices)

    class Meta:
        model = MembershipRequest
        fields = ["status"]
