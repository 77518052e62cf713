"""Seed the fuzzing database with one account per role and objects that relate them; print
their ids and access tokens as JSON (run by fuzz/run.py with DATABASE_URL set)."""

import datetime
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "boxerconnect.settings")

import django

django.setup()

from accounts.services import user_create
from accounts.tokens import access_token_for
from boxers import services as boxer_services
from clubs import services as club_services

PASSWORD = "Fuzz-Only-Password-2718"


def main() -> None:
    admin = user_create(email="admin@fuzz.test", name="Fuzz Admin", role="admin", password=PASSWORD)
    boxer_user = user_create(email="boxer@fuzz.test", name="Fuzz Boxer", role="boxer", password=PASSWORD)
    other_user = user_create(email="other@fuzz.test", name="Other Boxer", role="boxer", password=PASSWORD)
    coach = user_create(email="coach@fuzz.test", name="Fuzz Coach", role="coach", password=PASSWORD)
    owner = user_create(email="owner@fuzz.test", name="Fuzz Owner", role="gym_owner", password=PASSWORD)

    boxer = boxer_services.boxer_create(user=boxer_user, name="Fuzz Boxer", city="Cardiff", country="Wales")
    other = boxer_services.boxer_create(user=other_user, name="Other Boxer", is_searchable=False)
    fight = boxer_services.fight_create(
        boxer=boxer, opponent_name="Sparring Partner", date=datetime.date(2025, 5, 1), result="win"
    )
    link = boxer_services.coach_link_request(
        coach=coach, boxer=boxer, rights=["edit_profile", "manage_fights"]
    )
    boxer_services.coach_link_accept(link=link)
    club = club_services.club_create(name="Fuzz Gym", owner=owner, region="East Division", city="Cardiff")
    hidden_club = club_services.club_create(name="Hidden Gym", is_published=False)
    request = club_services.membership_request_create(user=boxer_user, club=club)
    club_services.club_coach_accept(club_coach=club_services.club_coach_invite(club=club, user_id=coach.pk))

    users = {"admin": admin, "boxer": boxer_user, "coach": coach, "gym_owner": owner}
    ids = [
        str(x.pk)
        for x in (
            admin,
            boxer_user,
            other_user,
            coach,
            owner,
            boxer,
            other,
            fight,
            link,
            club,
            hidden_club,
            request,
        )
    ]
    print(json.dumps({"tokens": {role: access_token_for(user) for role, user in users.items()}, "ids": ids}))


if __name__ == "__main__":
    main()
