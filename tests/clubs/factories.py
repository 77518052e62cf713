"""factory_boy factories for clubs."""

import factory

from clubs.models import Club, ClubCoach, ClubCoachStatus, MembershipRequest
from tests.accounts.factories import CoachFactory, UserFactory


class ClubFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Club

    name = factory.Sequence(lambda n: f"Club {n} ABC")
    region = "East Division"
    city = "Cardiff"
    country = "Wales"
    postcode = factory.Sequence(lambda n: f"CF{n % 90 + 10} 1AA")
    contact_email = factory.Sequence(lambda n: f"club{n}@clubs.example.org")
    contact_phone = "01632 960000"
    is_published = True
    accepting_members = True


class ClubCoachFactory(factory.django.DjangoModelFactory):
    """A coach who accepted: coaching at the club (status="invited" for a pending invitation)."""

    class Meta:
        model = ClubCoach

    club = factory.SubFactory(ClubFactory)
    coach = factory.SubFactory(CoachFactory)
    status = ClubCoachStatus.ACTIVE


class MembershipRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MembershipRequest

    user = factory.SubFactory(UserFactory)
    club = factory.SubFactory(ClubFactory)
