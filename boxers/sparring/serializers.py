"""Input and output shapes of the sparring API (API.md, "Sparring")."""

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from boxerconnect.api.serializers import RefSerializer
from boxers.models import Availability, SparringKind, SparringStatus
from boxers.sparring.selectors import compatibility
from permissions.actions import Action
from permissions.facts import ClubFact
from permissions.rules import decide_club

MAX_WINDOW_DAYS = 90
DEFAULT_WINDOW_DAYS = 30


class AwareDateTimeField(serializers.DateTimeField):
    """ISO 8601 with an offset (a naive datetime is a 400, not silently local time), in UTC
    (a time that falls outside years 1 to 9999 in UTC is a 400 too)."""

    def enforce_timezone(self, value: datetime) -> datetime:
        if timezone.is_naive(value):
            raise serializers.ValidationError("Give a time zone offset, e.g. 2026-05-01T18:00:00+01:00.")
        try:
            return value.astimezone(UTC)
        except OverflowError:
            self.fail("overflow")


class FiniteFloatField(serializers.FloatField):
    """A float that is a number: "nan" passes min_value and max_value (every comparison with
    NaN is false), so it is refused here (inf and -inf fail the bounds already)."""

    def to_internal_value(self, data: Any) -> float:
        value: float = super().to_internal_value(data)
        if not math.isfinite(value):
            raise serializers.ValidationError("A valid number is required.", code="invalid")
        return value


class StrictBooleanField(serializers.BooleanField):
    """true/false (or 1/0) only: anything else is a 400, not a silent False."""

    TRUE_VALUES = {"true", "True", "1", 1}
    FALSE_VALUES = {"false", "False", "0", 0}


# --- Availability ---------------------------------------------------------------------------------


class SlotOutputSerializer(serializers.Serializer):
    """A slot of availability. `club` is null for a caller who may not view the club (an
    unpublished club is named only to its owner and admins), as in a profile."""

    # The caller is the serializer context's "actor" (its user fact; absent: anonymous).
    id = serializers.UUIDField()
    boxer_id = serializers.UUIDField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    club = serializers.SerializerMethodField()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()

    @extend_schema_field(
        RefSerializer(allow_null=True, help_text="Null when the caller may not view the club (unpublished).")
    )
    def get_club(self, slot: Availability) -> dict[str, Any] | None:
        club = slot.club
        if club is None:
            return None
        fact = ClubFact(
            id=str(club.pk),
            owner_id=None if club.owner_id is None else str(club.owner_id),
            is_published=club.is_published,
            accepting_members=club.accepting_members,
        )
        if not decide_club(self.context.get("actor"), Action.CLUB_VIEW, fact):
            return None
        return {"id": str(club.pk), "name": club.name}


class SlotEntrySerializer(SlotOutputSerializer):
    """A slot as the availability read model stores it: its club with the facts `club.view`
    decides on (the view shows the club to the callers the rule allows)."""

    def get_club(self, slot: Availability) -> dict[str, Any] | None:
        club = slot.club
        if club is None:
            return None
        return {
            "id": str(club.pk),
            "name": club.name,
            "owner_id": None if club.owner_id is None else str(club.owner_id),
            "is_published": club.is_published,
            "accepting_members": club.accepting_members,
        }


class SlotInputSerializer(serializers.Serializer):
    starts_at = AwareDateTimeField()
    ends_at = AwareDateTimeField()
    club = serializers.UUIDField(allow_null=True, required=False)
    note = serializers.CharField(max_length=500, allow_blank=True, required=False)


class WindowInputSerializer(serializers.Serializer):
    """?from=&to=: default now → now + 30 days; at most 90 days; `to` after `from`."""

    from_ = AwareDateTimeField(required=False)
    to = AwareDateTimeField(required=False)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")  # a keyword in Python, a parameter in the URL
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start = attrs.get("from") or timezone.now()
        try:
            end = attrs.get("to") or start + timedelta(days=DEFAULT_WINDOW_DAYS)
        except OverflowError:
            raise serializers.ValidationError({"from": ["Datetime value out of range."]}) from None
        if end <= start:
            raise serializers.ValidationError({"to": ["Must be after from."]})
        if end - start > timedelta(days=MAX_WINDOW_DAYS):
            raise serializers.ValidationError({"to": [f"A window spans at most {MAX_WINDOW_DAYS} days."]})
        return {"from": start, "to": end}


# --- Requests -------------------------------------------------------------------------------------


class CompatibilitySerializer(serializers.Serializer):
    weight_diff_kg = serializers.FloatField(allow_null=True)
    bouts_diff = serializers.IntegerField()
    experience_gap = serializers.IntegerField()
    age_gap_years = serializers.IntegerField(allow_null=True)


class SparringRequestOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=SparringKind.choices)
    status = serializers.SerializerMethodField()
    from_boxer = RefSerializer()
    to_boxer = RefSerializer()
    proposed_start = serializers.DateTimeField()
    proposed_end = serializers.DateTimeField()
    venue_club = RefSerializer(allow_null=True)
    message = serializers.CharField()
    response_message = serializers.CharField()
    compatibility = serializers.SerializerMethodField()
    created_by = RefSerializer(allow_null=True)
    responded_by = RefSerializer(allow_null=True)
    expires_at = serializers.DateTimeField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(serializers.ChoiceField(choices=SparringStatus.choices))
    def get_status(self, request: Any) -> str:
        """A pending request past its expiry reads as expired."""
        effective: str | None = getattr(request, "effective_status", None)
        if effective is not None:
            return effective
        if request.status == SparringStatus.PENDING and request.expires_at <= timezone.now():
            return SparringStatus.EXPIRED
        status: str = request.status
        return status

    @extend_schema_field(CompatibilitySerializer)
    def get_compatibility(self, request: Any) -> dict[str, Any]:
        fit = compatibility(request.from_boxer, request.to_boxer, timezone.localdate())
        fit.pop("junior")
        return fit


class SparringRequestInputSerializer(serializers.Serializer):
    from_boxer = serializers.UUIDField()
    to_boxer = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=SparringKind.choices, default=SparringKind.SPARRING)
    proposed_start = AwareDateTimeField()
    proposed_end = AwareDateTimeField()
    venue_club = serializers.UUIDField(allow_null=True, required=False)
    message = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class ResponseInputSerializer(serializers.Serializer):
    response_message = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class SparringRequestFilterSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=["incoming", "outgoing"], required=False)
    status = serializers.ChoiceField(choices=SparringStatus.choices, required=False)
    boxer = serializers.UUIDField(required=False)


# --- Suggestions ----------------------------------------------------------------------------------


class SuggestionQuerySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SparringKind.choices, default=SparringKind.SPARRING)
    radius_km = FiniteFloatField(min_value=1, max_value=500, default=50)
    limit = serializers.IntegerField(min_value=1, max_value=50, default=20)
    include_same_club = StrictBooleanField(default=False)
