"""Property: for every actor, each list scope in SQL equals the single-object check.

Hypothesis draws small random graphs of users (every role, some inactive), clubs (published
or not, with or without owners), boxers (searchable, hidden, soft-deleted, in clubs), coach
links (pending/active, any subset of rights), club coaches (invited/active) and membership
requests; the link list scope is held to `coach_link.view` on each loaded object, the boxer
a listed link names and each club's member list to `boxer.view`, "acts for" to
`availability.manage`, the boxers whose slots an actor sees to `availability.view`, the
users told of a boxer's sparring to `rules.acts_for` (an admin's role left out: admins are
not notified as admins), and the sparring-request scope to `sparring.view`. Boxers are 18
today, 18 tomorrow, or without a date of birth. Each example lives in a
savepoint that is rolled back, on real PostgreSQL.
"""

import os
import uuid
from dataclasses import replace
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import User
from boxers.models import Boxer, CoachLink, SparringRequest
from boxers.selectors import coach_link_list
from boxers.sparring.selectors import acting_user_ids
from clubs.models import Club, ClubCoach, MembershipRequest
from clubs.selectors import club_member_boxers
from permissions.actions import Action
from permissions.checker import Authorizer
from permissions.facts import CoachLinkObject, SparringObject
from permissions.rules import acts_for, years_before
from permissions.selectors import (
    acting_for_scope,
    availability_view_scope,
    boxer_scope,
    club_scope,
    coach_link_scope,
    sparring_request_scope,
)
from permissions.store import FactRef
from tests.boxers.factories import SparringRequestFactory

pytestmark = pytest.mark.django_db

_TODAY = timezone.localdate()
DATES_OF_BIRTH = {"adult": years_before(_TODAY, 18), "minor": years_before(_TODAY, 18) + timedelta(days=1)}

ROLES = ["boxer", "coach", "gym_owner", "admin"]
RIGHTS = ["edit_profile", "manage_fights", "manage_sparring"]
AGES = [None, "adult", "minor"]  # no date of birth, 18 or over, under 18


@st.composite
def graphs(draw):
    users = draw(st.lists(st.tuples(st.sampled_from(ROLES), st.booleans()), min_size=1, max_size=7))
    n = len(users)
    user_index = st.integers(0, n - 1)
    clubs = draw(
        st.lists(
            st.tuples(st.booleans(), st.booleans(), st.none() | user_index),  # published, accepting, owner
            max_size=3,
        )
    )
    club_index = st.none() | st.integers(0, len(clubs) - 1) if clubs else st.none()
    profiles = draw(
        st.dictionaries(
            user_index,
            st.tuples(
                st.booleans(), st.booleans(), club_index, st.sampled_from(AGES)
            ),  # searchable, active, club, age
            max_size=n,
        )
    )
    owners = sorted(profiles)
    links = {}
    if owners:
        links = draw(
            st.dictionaries(
                st.tuples(user_index, st.sampled_from(owners)),  # (coach user, boxer's owner)
                st.tuples(st.sampled_from(["pending", "active"]), st.sets(st.sampled_from(RIGHTS))),
                max_size=6,
            )
        )
    club_coaches = {}
    requests = {}
    if clubs:
        club_at = st.integers(0, len(clubs) - 1)
        club_coaches = draw(
            st.dictionaries(
                user_index, st.tuples(club_at, st.sampled_from(["invited", "active"])), max_size=3
            )
        )
        requests = draw(
            st.dictionaries(
                st.tuples(user_index, club_at),
                st.sampled_from(["pending", "approved", "rejected", "cancelled"]),
                max_size=4,
            )
        )
    sparring = {}
    if len(owners) > 1:
        sparring = draw(
            st.dictionaries(
                st.tuples(st.sampled_from(owners), st.sampled_from(owners)).filter(lambda p: p[0] != p[1]),
                st.sampled_from(["pending", "accepted", "declined"]),
                max_size=4,
            )
        )
    return users, clubs, profiles, links, club_coaches, requests, sparring


class Rollback(Exception):
    pass


def build(users, clubs, profiles, links, club_coaches, requests, sparring):
    made_users = [
        User.objects.create(email=f"{uuid.uuid4().hex}@example.com", name="u", role=role, is_active=active)
        for role, active in users
    ]
    made_clubs = [
        Club.objects.create(
            name="c",
            is_published=published,
            accepting_members=accepting,
            owner=None if owner is None else made_users[owner],
        )
        for published, accepting, owner in clubs
    ]
    boxers = {
        i: Boxer.objects.create(
            user=made_users[i],
            name="b",
            is_searchable=searchable,
            is_active=active,
            club=None if club is None else made_clubs[club],
            date_of_birth=None if age is None else DATES_OF_BIRTH[age],
        )
        for i, (searchable, active, club, age) in profiles.items()
    }
    for (coach, owner), (status, rights) in links.items():
        CoachLink.objects.create(
            coach=made_users[coach], boxer=boxers[owner], status=status, rights=sorted(rights)
        )
    for coach, (club, status) in club_coaches.items():
        ClubCoach.objects.create(coach=made_users[coach], club=made_clubs[club], status=status)
    for (user, club), status in requests.items():
        MembershipRequest.objects.create(user=made_users[user], club=made_clubs[club], status=status)
    seen_pairs = set()
    for (a, b), status in sparring.items():
        pair = frozenset((a, b))
        if status == "pending" and pair in seen_pairs:
            continue  # one pending request per pair
        seen_pairs.add(pair)
        SparringRequestFactory(from_boxer=boxers[a], to_boxer=boxers[b], status=status)
    return made_users, made_clubs, list(boxers.values())


def mismatches(made_users, made_clubs, boxers):
    found = []
    for actor_id in [None, *(u.pk for u in made_users)]:
        authorizer = Authorizer(actor_id)
        actor = authorizer.actor
        scoped = set(Boxer.objects.filter(boxer_scope(actor)).values_list("pk", flat=True))
        checked = {b.pk for b in boxers if authorizer.check(Action.BOXER_VIEW, b.pk).allowed}
        if scoped != checked:
            found.append((actor, Action.BOXER_VIEW, scoped - checked, checked - scoped))
        scoped = set(Club.objects.filter(club_scope(actor)).values_list("pk", flat=True))
        checked = {c.pk for c in made_clubs if authorizer.check(Action.CLUB_VIEW, c.pk).allowed}
        if scoped != checked:
            found.append((actor, Action.CLUB_VIEW, scoped - checked, checked - scoped))
        today = timezone.localdate()
        scoped = set(Boxer.objects.filter(acting_for_scope(actor, today)).values_list("pk", flat=True))
        checked = {b.pk for b in boxers if authorizer.check(Action.AVAILABILITY_MANAGE, b.pk).allowed}
        if scoped != checked:
            found.append((actor, "acts for", scoped - checked, checked - scoped))
        slots_shown = boxer_scope(actor) & availability_view_scope(actor, today)
        scoped = set(Boxer.objects.filter(slots_shown).values_list("pk", flat=True))
        checked = {b.pk for b in boxers if authorizer.check(Action.AVAILABILITY_VIEW, b.pk).allowed}
        if scoped != checked:
            found.append((actor, Action.AVAILABILITY_VIEW, scoped - checked, checked - scoped))
        requests = SparringRequest.objects.filter(from_boxer__in=boxers)
        scoped = set(requests.filter(sparring_request_scope(actor, today)).values_list("pk", flat=True))
        checked = {
            r.pk
            for r in requests
            if authorizer.check(
                Action.SPARRING_VIEW, obj=SparringObject(str(r.from_boxer_id), str(r.to_boxer_id))
            ).allowed
        }
        if scoped != checked:
            found.append((actor, Action.SPARRING_VIEW, scoped - checked, checked - scoped))
        links = CoachLink.objects.filter(boxer__in=boxers).select_related("boxer")
        scoped = set(links.filter(coach_link_scope(actor)).values_list("pk", flat=True))
        checked = {
            link.pk
            for link in links
            if authorizer.check(
                Action.COACH_LINK_VIEW,
                obj=CoachLinkObject(coach_id=str(link.coach_id), boxer_owner_id=str(link.boxer.user_id)),
            ).allowed
        }
        if scoped != checked:
            found.append((actor, Action.COACH_LINK_VIEW, scoped - checked, checked - scoped))
        # A listed link names its boxer only to those the single check lets view the profile.
        for link in coach_link_list(actor=actor).filter(boxer__in=boxers):
            if link.boxer_visible != authorizer.check(Action.BOXER_VIEW, link.boxer_id).allowed:
                found.append((actor, "link boxer", link.pk, link.boxer_visible))
        # A club's member list shows the members the single check lets the actor view.
        for club in made_clubs:
            listed = set(club_member_boxers(club_id=club.pk, actor=actor).values_list("pk", flat=True))
            checked = {
                b.pk
                for b in boxers
                if b.club_id == club.pk and authorizer.check(Action.BOXER_VIEW, b.pk).allowed
            }
            if listed != checked:
                found.append((actor, "club members", listed - checked, checked - listed))
    found += recipient_mismatches(made_users, boxers)
    return found


def recipient_mismatches(made_users, boxers):
    """Those told of a boxer's sparring are exactly those acts_for allows, an admin judged
    without its admin role (as its own adult user or its club's owner)."""
    found = []
    today = timezone.localdate()
    for boxer in boxers:
        told = set(acting_user_ids(boxer))
        checked = set()
        for user in made_users:
            authorizer = Authorizer(user.pk)
            actor = authorizer.actor
            if actor.role == "admin":
                actor = replace(actor, role="gym_owner")
            fact = authorizer.store.get(FactRef.boxer(boxer.pk))
            link = authorizer.store.get(FactRef.link(user.pk, boxer.pk))
            if acts_for(actor, fact, link, today).allowed:
                checked.add(user.pk)
        if told != checked:
            found.append((boxer.pk, "notified", told - checked, checked - told))
    return found


# Bounded for the suite; PERMISSION_PROPERTY_EXAMPLES=500 for a deeper hunt.
EXAMPLES = int(os.environ.get("PERMISSION_PROPERTY_EXAMPLES", "25"))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(graph=graphs())
def test_list_scopes_return_exactly_what_the_single_check_allows(graph):
    found = None
    try:
        with transaction.atomic():
            found = mismatches(*build(*graph))
            raise Rollback
    except Rollback:
        pass

    assert found == []
