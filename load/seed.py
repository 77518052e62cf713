"""Seed the load-test database with a realistic directory; print the actors as JSON.

300 boxers (10% hidden) in 12 cities, 20 clubs with members, 30 coaches each linked to 5
boxers, about 1,500 fights; access tokens for the actors the scenario plays.
"""

import datetime
import json
import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "boxerconnect.settings")

import django

django.setup()

from django.contrib.auth.hashers import make_password
from django.db import transaction

from accounts.models import User
from accounts.tokens import access_token_for
from boxers.models import Boxer, CoachLink, Fight
from boxers.services import boxer_recompute_record
from clubs.models import Club

PASSWORD = "Load-Test-Password-31415"
CITIES = [
    ("Cardiff", "Wales"),
    ("Swansea", "Wales"),
    ("London", "England"),
    ("Manchester", "England"),
    ("Liverpool", "England"),
    ("Glasgow", "Scotland"),
    ("Edinburgh", "Scotland"),
    ("Belfast", "Northern Ireland"),
    ("Dublin", "Ireland"),
    ("Cork", "Ireland"),
    ("Leeds", "England"),
    ("Bristol", "England"),
]
LEVELS = ["beginner", "amateur", "intermediate", "advanced", "professional"]
REGIONS = ["East Division", "West Division", "North Division", "South Division"]


def main() -> None:
    rng = random.Random(2718)
    hashed = make_password(PASSWORD)  # one Argon2 hash shared by every seeded account

    def users(role: str, n: int, prefix: str) -> list[User]:
        return User.objects.bulk_create(
            [
                User(email=f"{prefix}{i}@load.test", name=f"{prefix.title()} {i}", role=role, password=hashed)
                for i in range(n)
            ]
        )

    boxer_users = users("boxer", 300, "boxer")
    coaches = users("coach", 30, "coach")
    owners = users("gym_owner", 20, "owner")
    clubs = Club.objects.bulk_create(
        [
            Club(
                name=f"Gym {i} {CITIES[i % len(CITIES)][0]}",
                region=REGIONS[i % len(REGIONS)],
                city=CITIES[i % len(CITIES)][0],
                country=CITIES[i % len(CITIES)][1],
                owner=owners[i],
                is_published=i % 10 != 0,
                accepting_members=True,
            )
            for i in range(20)
        ]
    )
    boxers = Boxer.objects.bulk_create(
        [
            Boxer(
                user=user,
                name=user.name,
                city=CITIES[i % len(CITIES)][0],
                country=CITIES[i % len(CITIES)][1],
                experience_level=LEVELS[i % len(LEVELS)],
                gender="male" if i % 3 else "female",
                weight_kg=rng.randint(48, 110),
                height_cm=rng.randint(150, 200),
                is_searchable=i % 10 != 0,
                club=clubs[i % 20] if i % 4 else None,
            )
            for i, user in enumerate(boxer_users)
        ]
    )
    CoachLink.objects.bulk_create(
        [
            CoachLink(
                coach=coach,
                boxer=boxers[(c * 5 + k) % 300],
                status="active",
                rights=["edit_profile", "manage_fights"],
            )
            for c, coach in enumerate(coaches)
            for k in range(5)
        ]
    )
    Fight.objects.bulk_create(
        [
            Fight(
                boxer=boxer,
                opponent_name=f"Opponent {rng.randint(1, 999)}",
                date=datetime.date(2020, 1, 1) + datetime.timedelta(days=rng.randint(0, 2000)),
                result=rng.choice(["win", "win", "loss", "draw"]),
            )
            for boxer in boxers
            for _ in range(rng.randint(0, 10))
        ]
    )
    with transaction.atomic():
        for boxer in boxers:
            boxer_recompute_record(boxer=boxer)

    actors = {
        "boxers": [
            {"id": str(b.pk), "token": access_token_for(b.user), "email": b.user.email}
            for b in boxers[1:60:2]
        ],
        "coaches": [
            {
                "token": access_token_for(coach),
                "boxer_ids": [str(boxers[(c * 5 + k) % 300].pk) for k in range(5)],
            }
            for c, coach in enumerate(coaches)
        ],
        "public_boxer_ids": [str(b.pk) for i, b in enumerate(boxers) if i % 10 != 0],
        "club_ids": [str(c.pk) for i, c in enumerate(clubs) if i % 10 != 0],
        "login_emails": [u.email for u in boxer_users[100:120]],
        "password": PASSWORD,
        "cities": [c for c, _ in CITIES],
        "levels": LEVELS,
    }
    print(json.dumps(actors))


if __name__ == "__main__":
    main()
