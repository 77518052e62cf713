"""factory_boy factories for boxers."""

import datetime

import factory

from boxers.models import Boxer, CoachLink, CoachLinkStatus, Fight, FightResult
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
