"""factory_boy factories for boxers."""

import datetime

import factory
from django.utils import timezone

from boxers.models import Boxer, CoachLink, CoachLinkStatus, Fight, FightResult, SparringRequest
from tests.accounts.factories import CoachFactory, UserFactory


class BoxerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Boxer

    user = factory.SubFactory(UserFactory)
    name = factory.LazyAttribute(lambda o: o.user.name)
    weight_kg = 70
    height_cm = 178
    city = "Cardiff"
    country = "Wales"


class FightFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Fight

    boxer = factory.SubFactory(BoxerFactory)
    opponent_name = factory.Faker("name")
    date = datetime.date(2025, 5, 1)
    result = FightResult.WIN


class CoachLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CoachLink

    coach = factory.SubFactory(CoachFactory)
    boxer = factory.SubFactory(BoxerFactory)
    status = CoachLinkStatus.ACTIVE
    rights = factory.LazyFunction(lambda: ["edit_profile", "manage_fights"])


class SparringRequestFactory(factory.django.DjangoModelFactory):
    """A pending request for a one-hour session in `days` days, answerable for a day."""

    class Meta:
        model = SparringRequest
        exclude = ("days",)

    days = 2
    from_boxer = factory.SubFactory(BoxerFactory)
    to_boxer = factory.SubFactory(BoxerFactory)
    created_by = factory.LazyAttribute(lambda o: o.from_boxer.user)
    proposed_start = factory.LazyAttribute(lambda o: timezone.now() + datetime.timedelta(days=o.days))
    proposed_end = factory.LazyAttribute(lambda o: o.proposed_start + datetime.timedelta(hours=1))
    expires_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=1))
