"""The Boxer representation (API.md "Boxers"), shared by every endpoint and app that shows a
profile: the public body, and what a caller allowed more adds to it.

Public: `age_group` instead of the date of birth, and the club only when it is published.
A caller allowed `boxer.update` on the profile also gets `date_of_birth`; one who may view
an unpublished club (its owner, an admin) also sees it. The public part is the same for
every caller and may be cached (boxers/readmodels.py); the additions are made per request by
`profile_representation`, from what the request's authorization already read.
"""

from datetime import date
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from boxerconnect.api.serializers import RefSerializer
from boxers.ages import AgeGroup, age_group
from boxers.models import Boxer, ExperienceLevel, Gender
from permissions.actions import Action
from permissions.facts import ClubFact, UserFact
from permissions.rules import decide_club

PRIVATE_HELP = "Only for callers allowed boxer.update on the profile, and in GET /boxers/me/."


class BoxerOutputSerializer(serializers.Serializer):
    """A boxer profile. `age_group` is computed on the day of the request; `date_of_birth`
    appears only for callers allowed to update the profile and in GET /boxers/me/; `club` is
    null for a caller who may not view the club."""

    # The public body: `context["today"]` is the day age groups are computed on (default:
    # today); `date_of_birth` is declared for the schema only (`profile_representation`
    # adds it), as is the unpublished club a privileged caller sees.

    id = serializers.UUIDField()
    user_id = serializers.UUIDField()
    name = serializers.CharField()
    weight_kg = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    height_cm = serializers.IntegerField(allow_null=True)
    age_group = serializers.SerializerMethodField()
    date_of_birth = serializers.DateField(allow_null=True, required=False, help_text=PRIVATE_HELP)
    gender = serializers.ChoiceField(choices=Gender.choices, allow_blank=True)
    city = serializers.CharField()
    country = serializers.CharField()
    experience_level = serializers.ChoiceField(choices=ExperienceLevel.choices)
    bio = serializers.CharField()
    club = serializers.SerializerMethodField()
    wins = serializers.IntegerField()
    losses = serializers.IntegerField()
    draws = serializers.IntegerField()
    is_searchable = serializers.BooleanField()
    is_verified = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(serializers.ChoiceField(choices=[g.value for g in AgeGroup], allow_null=True))
    def get_age_group(self, boxer: Boxer) -> str | None:
        group = age_group(boxer.date_of_birth, self.context.get("today") or timezone.localdate())
        return None if group is None else group.value

    @extend_schema_field(
        RefSerializer(allow_null=True, help_text="Null when the caller may not view the club (unpublished).")
    )
    def get_club(self, boxer: Boxer) -> dict[str, Any] | None:
        club = boxer.club
        if club is None or not club.is_published:
            return None
        return {"id": str(club.pk), "name": club.name}

    def to_representation(self, instance: Boxer) -> dict[str, Any]:
        data = super().to_representation(instance)
        data.pop("date_of_birth", None)
        return data


def profile_entry(boxer: Boxer) -> dict[str, Any]:
    """What the profile read model caches for `boxer`: the public body, and the boxer's club
    when it is unpublished (its reference and its fact, so each caller's `club.view` decides
    whether to show it). The same for every caller; never sent as it is."""
    club = boxer.club
    hidden_club = None
    if club is not None and not club.is_published:
        fact = ClubFact(
            id=str(club.pk),
            owner_id=None if club.owner_id is None else str(club.owner_id),
            is_published=club.is_published,
            accepting_members=club.accepting_members,
        )
        hidden_club = {"ref": {"id": str(club.pk), "name": club.name}, "fact": fact.to_json()}
    return {"public": BoxerOutputSerializer(boxer).data, "unpublished_club": hidden_club}


def profile_representation(
    entry: dict[str, Any],
    *,
    actor: UserFact | None,
    date_of_birth: date | str | None,
    show_private: bool,
    today: date | None = None,
) -> dict[str, Any]:
    """The Boxer one caller gets from a `profile_entry`: its age group on `today` (from
    `date_of_birth`, however old the entry), `date_of_birth` when `show_private` (the caller
    may `boxer.update` the profile, or it is the caller's own), and an unpublished club when
    the caller may view it (`club.view`, decided on the club's fact in the entry)."""
    today = today or timezone.localdate()
    birth = date_of_birth.isoformat() if isinstance(date_of_birth, date) else date_of_birth
    group = age_group(birth, today)
    hidden_club = entry.get("unpublished_club")
    club_ref = None
    if hidden_club is not None and decide_club(
        actor, Action.CLUB_VIEW, ClubFact.from_json(hidden_club["fact"])
    ):
        club_ref = hidden_club["ref"]
    body: dict[str, Any] = {}
    for name, value in entry["public"].items():
        body[name] = value
        if name == "age_group":
            body[name] = None if group is None else group.value
            if show_private:
                body["date_of_birth"] = birth
        elif name == "club" and club_ref is not None:
            body[name] = club_ref
    return body


def profile_for(boxer: Boxer, *, actor: UserFact | None, show_private: bool) -> dict[str, Any]:
    """The Boxer one caller gets for a loaded `boxer` (write responses, `me/`: not cached)."""
    return profile_representation(
        profile_entry(boxer), actor=actor, date_of_birth=boxer.date_of_birth, show_private=show_private
    )
