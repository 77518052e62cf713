"""Every write that changes a fact bumps its generation, whatever path makes it (a service, the
Django admin, a shell, a bulk write announced with `rows_changed`): the family table's
sources, watched by boxerconnect/cache/watch.py. A write that changes no fact bumps none."""

from dataclasses import dataclass

import pytest
from django.core.cache import caches
from django.db.models import Count

from accounts.models import User
from boxerconnect.cache import watch
from boxerconnect.cache.watch import rows_changed
from boxers.models import Boxer, CoachLink, Fight
from clubs.models import ClubCoachStatus
from permissions import invalidation
from permissions.checker import Authorizer
from permissions.facts import FAMILIES, FactFamily, Source
from permissions.store import FactRef, FactStore
from tests.accounts.factories import CoachFactory, GymOwnerFactory, UserFactory
from tests.boxers.factories import BoxerFactory, CoachLinkFactory, FightFactory
from tests.clubs.factories import ClubCoachFactory, ClubFactory
from tests.support.counting import Events

pytestmark = pytest.mark.django_db(transaction=True)


def generation(ref: FactRef):
    return caches["guarded"].get(ref.gen_key)


class Generations:
    """The generations of `refs` before and after a write: which of them were bumped."""

    def __init__(self, *refs: FactRef) -> None:
        self.refs = refs

    def __enter__(self) -> "Generations":
        from boxerconnect.cache import stamped

        stamped.send_bumps([ref.gen_key for ref in self.refs])
        self.before = [generation(ref) for ref in self.refs]
        return self

    def __exit__(self, *exc) -> None:
        self.bumped = [generation(ref) != old for ref, old in zip(self.refs, self.before, strict=True)]


def test_a_plain_orm_save_of_a_fact_field_bumps_it(private_redis):
    boxer = BoxerFactory(is_searchable=True)

    with Generations(FactRef.boxer(boxer.pk), FactRef.user(boxer.user_id)) as gens:
        boxer.is_searchable = False
        boxer.save()  # no service involved: a shell or a data migration

    assert gens.bumped == [True, True]  # a full save may have moved it: its user's fact too


def test_a_save_of_fields_no_fact_reads_bumps_no_fact(private_redis):
    boxer = BoxerFactory()

    with Generations(FactRef.boxer(boxer.pk), FactRef.user(boxer.user_id)) as gens:
        boxer.bio = "Southpaw"
        boxer.save(update_fields=["bio", "updated_at"])

    assert gens.bumped == [False, False]


def test_moving_a_link_to_another_coach_bumps_the_old_pair_and_the_new(private_redis):
    link = CoachLinkFactory()
    old_coach, new_coach = link.coach, CoachFactory()
    refs = FactRef.link(old_coach.pk, link.boxer_id), FactRef.link(new_coach.pk, link.boxer_id)

    with Generations(*refs) as gens:
        link.coach = new_coach
        link.save()

    assert gens.bumped == [True, True]
    assert not Authorizer(old_coach.pk).check("boxer.update", link.boxer_id).allowed


def test_changing_a_clubs_owner_bumps_the_old_owner_and_the_new(private_redis):
    old, new = GymOwnerFactory(), GymOwnerFactory()
    club = ClubFactory(owner=old)

    with Generations(FactRef.user(old.pk), FactRef.user(new.pk), FactRef.club(club.pk)) as gens:
        club.owner = new
        club.save()

    assert gens.bumped == [True, True, True]


def test_a_coach_moved_to_another_club_bumps_its_fact(private_redis):
    club_coach = ClubCoachFactory()

    with Generations(FactRef.user(club_coach.coach_id)) as gens:
        club_coach.club = ClubFactory()
        club_coach.save()

    assert gens.bumped == [True]


def test_a_coach_accepting_an_invitation_bumps_its_fact_and_then_coaches_there(private_redis):
    invitation = ClubCoachFactory(status=ClubCoachStatus.INVITED)
    coach = invitation.coach
    assert Authorizer(coach.pk).actor.coach_club_id is None  # cached: an invitation grants nothing

    with Generations(FactRef.user(coach.pk)) as gens:
        invitation.status = ClubCoachStatus.ACTIVE
        invitation.save(update_fields=["status"])

    assert gens.bumped == [True]
    assert Authorizer(coach.pk).actor.coach_club_id == str(invitation.club_id)


def test_deactivating_a_user_bumps_its_fact_and_its_profiles(private_redis):
    boxer = BoxerFactory()
    user = User.objects.get(pk=boxer.user_id)

    with Generations(FactRef.user(user.pk), FactRef.boxer(boxer.pk)) as gens:
        user.is_active = False
        user.save(update_fields=["is_active"])

    assert gens.bumped == [True, True]


def test_deleting_a_club_bumps_its_members_whose_club_is_set_to_null(private_redis):
    club = ClubFactory()
    member = BoxerFactory(club=club)

    with Generations(FactRef.boxer(member.pk), FactRef.user(member.user_id), FactRef.club(club.pk)) as gens:
        club.delete()  # Boxer.club is ON DELETE SET NULL: no signal for the boxer rows

    assert gens.bumped == [True, True, True]
    assert Boxer.objects.get(pk=member.pk).club_id is None


def test_deleting_a_user_bumps_the_clubs_it_owned(private_redis):
    owner = GymOwnerFactory()
    club = ClubFactory(owner=owner)

    with Generations(FactRef.club(club.pk), FactRef.user(owner.pk)) as gens:
        owner.delete()

    assert gens.bumped == [True, True]


def test_deleting_a_boxer_cascades_to_its_links(private_redis):
    link = CoachLinkFactory()

    with Generations(FactRef.link(link.coach_id, link.boxer_id)) as gens:
        Boxer.objects.filter(pk=link.boxer_id).delete()

    assert gens.bumped == [True]
    assert not CoachLink.objects.filter(pk=link.pk).exists()


def test_a_bulk_write_announced_with_rows_changed_bumps_what_it_wrote(private_redis):
    user = UserFactory()

    with Generations(FactRef.user(user.pk)) as gens:
        User.objects.filter(pk=user.pk).update(role="coach")
        rows_changed.send(sender=User, rows=[user], fields=["role"])

    assert gens.bumped == [True]


def test_a_write_of_no_watched_model_bumps_nothing(private_redis):
    fight = FightFactory()

    with Events() as events:
        fight.notes = "Close"
        fight.save()

    assert events.ok == 0


# --- Adding a fact family: one row in FAMILIES and one batch loader ---------------------------


@dataclass(frozen=True)
class FightCountFact:
    """A toy family for this test: how many fights a boxer has recorded."""

    boxer_id: str
    fights: int

    def to_json(self) -> dict:
        return {"boxer_id": self.boxer_id, "fights": self.fights}

    @classmethod
    def from_json(cls, data: dict) -> "FightCountFact":
        return cls(**data)


def load_fight_counts(subjects):
    rows = (
        Fight.objects.filter(boxer_id__in=[s[0] for s in subjects]).values("boxer_id").annotate(n=Count("id"))
    )
    counts = {str(row["boxer_id"]): row["n"] for row in rows}
    return {s: FightCountFact(s[0], counts.get(s[0], 0)) for s in subjects}


@pytest.fixture
def fight_count_family(monkeypatch):
    row = FactFamily(
        "fight_count",
        FightCountFact,
        load_fight_counts,
        sources=(Source(Fight, lambda f: [(str(f.boxer_id),)]),),
    )
    monkeypatch.setitem(FAMILIES, row.name, row)
    monkeypatch.setitem(watch._watches, Fight, list(watch._watches.get(Fight, [])))  # undone after
    invalidation.register()
    return row


def test_a_new_family_is_one_row_and_one_loader_cached_and_invalidated(private_redis, fight_count_family):
    boxer = BoxerFactory()
    ref = FactRef.of("fight_count", boxer.pk)

    cold, warm = FactStore(), FactStore()
    assert cold.get(ref) == FightCountFact(str(boxer.pk), 0)
    with Events() as cached:
        assert warm.get(ref).fights == 0
    FightFactory(boxer=boxer)  # a committed write of a source: bumps the family's generation
    with Events() as after:
        fresh = FactStore().get(ref)

    assert (cached.hit, cached.miss) == (1, 0)
    assert (after.hit, after.miss, fresh.fights) == (0, 1, 1)
