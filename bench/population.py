"""A realistic population of boxers and clubs, written fast with PostgreSQL's COPY.

Used by the benchmarks that need data at scale (`bench.suggestions`, and `make bench-scale`).
Deterministic: the same `seed` gives the same rows. Distributions (amateur boxing in the UK,
roughly): clubs around the population centres of Great Britain, 9 in 10 with coordinates;
four boxers in five male; weights normal around 74 kg (men) and 62 kg (women); experience
skewed to the lower levels; one boxer in four under 18; club sizes skewed (a few big gyms,
many small ones); one in ten hidden from search; some availability in the next 30 days.
Names from common UK first names and surnames. Fight records are the counters only (no
Fight rows).

Rows are built from the models' own fields: a field this module does not set gets the
model's default, so a new column with a default does not break the seeder
(tests/bench/test_population.py seeds a small population to hold that).
"""

import random
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

# (town, latitude, longitude, weight): where clubs are, weighted by population.
TOWNS = [
    ("London", 51.507, -0.128, 90),
    ("Birmingham", 52.486, -1.890, 25),
    ("Manchester", 53.481, -2.243, 25),
    ("Liverpool", 53.408, -2.991, 15),
    ("Leeds", 53.801, -1.549, 15),
    ("Sheffield", 53.381, -1.470, 12),
    ("Bristol", 51.455, -2.588, 10),
    ("Newcastle upon Tyne", 54.978, -1.617, 10),
    ("Nottingham", 52.954, -1.158, 8),
    ("Leicester", 52.637, -1.140, 8),
    ("Glasgow", 55.864, -4.252, 15),
    ("Edinburgh", 55.953, -3.188, 10),
    ("Aberdeen", 57.150, -2.094, 4),
    ("Dundee", 56.462, -2.971, 3),
    ("Cardiff", 51.481, -3.179, 8),
    ("Swansea", 51.622, -3.944, 5),
    ("Newport", 51.584, -2.998, 4),
    ("Wrexham", 53.046, -2.993, 2),
    ("Bangor", 53.228, -4.129, 1),
    ("Aberystwyth", 52.415, -4.083, 1),
    ("Belfast", 54.597, -5.930, 6),
    ("Plymouth", 50.375, -4.143, 4),
    ("Southampton", 50.910, -1.404, 5),
    ("Portsmouth", 50.819, -1.088, 5),
    ("Norwich", 52.630, 1.297, 3),
    ("Hull", 53.767, -0.327, 5),
    ("Stoke-on-Trent", 53.003, -2.179, 5),
    ("Coventry", 52.407, -1.512, 5),
    ("Bradford", 53.796, -1.759, 6),
    ("Middlesbrough", 54.575, -1.235, 4),
    ("Sunderland", 54.906, -1.381, 4),
    ("Preston", 53.763, -2.703, 3),
    ("Exeter", 50.718, -3.534, 2),
    ("Cambridge", 52.205, 0.122, 2),
    ("Oxford", 51.752, -1.258, 2),
    ("Brighton", 50.822, -0.137, 4),
    ("Inverness", 57.478, -4.224, 1),
    ("Carlisle", 54.892, -2.932, 1),
]
# Names as a directory holds them: common first names and surnames (UK), so a name search
# has the selectivity of a real one (a surname matches tens to hundreds in 100,000) and the
# trigram index works with realistic trigram frequencies.
FIRST_NAMES = [
    "Oliver",
    "George",
    "Harry",
    "Jack",
    "Jacob",
    "Noah",
    "Charlie",
    "Muhammad",
    "Thomas",
    "Oscar",
    "William",
    "James",
    "Leo",
    "Alfie",
    "Henry",
    "Joshua",
    "Freddie",
    "Archie",
    "Ethan",
    "Isaac",
    "Alexander",
    "Joseph",
    "Edward",
    "Samuel",
    "Max",
    "Logan",
    "Lucas",
    "Daniel",
    "Theo",
    "Arthur",
    "Mohammed",
    "Harrison",
    "Benjamin",
    "Mason",
    "Finley",
    "Sebastian",
    "Adam",
    "Dylan",
    "Zachary",
    "Riley",
    "Teddy",
    "Theodore",
    "David",
    "Toby",
    "Jake",
    "Louie",
    "Elijah",
    "Reggie",
    "Luca",
    "Rory",
    "Tyler",
    "Dexter",
    "Kai",
    "Ryan",
    "Callum",
    "Connor",
    "Liam",
    "Ryan",
    "Sean",
    "Kieran",
    "Declan",
    "Aaron",
    "Nathan",
    "Jamie",
    "Lewis",
    "Owen",
    "Rhys",
    "Dafydd",
    "Ewan",
    "Olivia",
    "Amelia",
    "Isla",
    "Ava",
    "Emily",
    "Isabella",
    "Mia",
    "Poppy",
    "Ella",
    "Lily",
    "Evie",
    "Grace",
    "Sophia",
    "Chloe",
    "Freya",
    "Sophie",
    "Ruby",
    "Ellie",
    "Jessica",
    "Lucy",
    "Hannah",
    "Megan",
    "Niamh",
    "Aoife",
    "Siobhan",
    "Caitlin",
    "Ffion",
    "Seren",
    "Erin",
]
SURNAMES = [
    "Smith",
    "Jones",
    "Williams",
    "Taylor",
    "Brown",
    "Davies",
    "Evans",
    "Wilson",
    "Thomas",
    "Johnson",
    "Roberts",
    "Robinson",
    "Thompson",
    "Wright",
    "Walker",
    "White",
    "Edwards",
    "Hughes",
    "Green",
    "Hall",
    "Lewis",
    "Harris",
    "Clarke",
    "Patel",
    "Jackson",
    "Wood",
    "Turner",
    "Martin",
    "Cooper",
    "Hill",
    "Ward",
    "Morris",
    "Moore",
    "Clark",
    "Lee",
    "King",
    "Baker",
    "Harrison",
    "Morgan",
    "Allen",
    "James",
    "Scott",
    "Phillips",
    "Watson",
    "Davis",
    "Parker",
    "Price",
    "Bennett",
    "Young",
    "Griffiths",
    "Mitchell",
    "Kelly",
    "Cook",
    "Carter",
    "Richardson",
    "Bailey",
    "Collins",
    "Bell",
    "Shaw",
    "Murphy",
    "Miller",
    "Cox",
    "Richards",
    "Khan",
    "Marshall",
    "Anderson",
    "Simpson",
    "Ellis",
    "Adams",
    "Singh",
    "Begum",
    "Wilkinson",
    "Foster",
    "Chapman",
    "Powell",
    "Webb",
    "Rogers",
    "Gray",
    "Mason",
    "Ali",
    "Hunt",
    "Hussain",
    "Campbell",
    "Matthews",
    "Owen",
    "Palmer",
    "Holmes",
    "Mills",
    "Barnes",
    "Knight",
    "Lloyd",
    "Butler",
    "Russell",
    "Barker",
    "Fisher",
    "Stevens",
    "Jenkins",
    "Murray",
    "Dixon",
    "Harvey",
    "Graham",
    "Pearson",
    "Ahmed",
    "Fletcher",
    "Walsh",
    "Kaur",
    "Gibson",
    "Howard",
    "Andrews",
    "Stewart",
    "Elliott",
    "Reynolds",
    "Saunders",
    "Payne",
    "Fox",
    "Ford",
    "Pearce",
    "Day",
    "Brooks",
    "West",
    "Lawrence",
    "Cole",
    "Atkinson",
    "Bradley",
    "Spencer",
    "Gill",
    "Dawson",
    "Ball",
    "Burton",
    "OBrien",
    "Watts",
    "Rose",
    "Booth",
    "Perry",
    "Ryan",
    "Grant",
    "Wells",
    "Armstrong",
    "Francis",
    "Rees",
    "Hayes",
    "Hart",
    "Hudson",
    "Newman",
    "Barrett",
    "Webster",
    "Hunter",
    "Gregory",
    "Carr",
    "Lowe",
    "Page",
    "Marsh",
    "Riley",
    "Dunn",
    "Woods",
    "Parsons",
    "Berry",
    "Stone",
    "Reid",
    "Holland",
    "Hawkins",
    "Harding",
    "Porter",
    "Robertson",
    "Newton",
    "Oliver",
    "Reed",
    "Kennedy",
    "Williamson",
    "Bird",
    "Gardner",
    "Shah",
    "Dean",
    "Lane",
    "Cooke",
    "Bates",
    "Henderson",
    "Parry",
    "Burgess",
    "Bishop",
    "Walton",
    "Burns",
    "Nicholson",
    "Shepherd",
    "Ross",
    "Cross",
    "Long",
    "Freeman",
    "Warren",
    "Nicholls",
    "Hamilton",
    "Byrne",
    "Sutton",
    "McDonald",
    "Yates",
    "Hodgson",
    "Robson",
    "Curtis",
    "Hopkins",
    "OConnor",
    "Harper",
    "Coleman",
    "Watkins",
    "Moss",
    "McCarthy",
    "Chambers",
    "ONeill",
    "Griffin",
    "Sharp",
    "Hardy",
    "Wheeler",
    "Potter",
    "Osborne",
    "Johnston",
    "Gordon",
    "Doyle",
]
LEVELS = [("beginner", 30), ("amateur", 33), ("intermediate", 20), ("advanced", 12), ("professional", 5)]
BOUTS_BY_LEVEL = {"beginner": 2, "amateur": 8, "intermediate": 20, "advanced": 40, "professional": 60}
EPOCH = datetime(2026, 1, 1).astimezone()


@dataclass
class Population:
    clubs: list[uuid.UUID]
    boxers: list[uuid.UUID]
    owners: list[uuid.UUID]  # owners[i] owns clubs[i]


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _rows(model: Any, rows: Iterable[dict[str, Any]]) -> tuple[list[str], Iterator[list[Any]]]:
    """Column names and row values for COPY, every concrete field filled (defaults for those
    a row leaves out, adapted for the database like a save would)."""
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields]
    columns = [f.column for f in fields]

    def values() -> Iterator[list[Any]]:
        for row in rows:
            out = []
            for field in fields:
                value = row[field.attname] if field.attname in row else field.get_default()
                out.append(field.get_db_prep_save(value, connection))
            yield out

    return columns, values()


def copy(model: Any, rows: Iterable[dict[str, Any]]) -> None:
    from django.db import connection

    columns, values = _rows(model, rows)
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copying:
        for row in values:
            copying.write_row(row)


def _weighted(rng: random.Random, choices: list[tuple[Any, int]], n: int) -> list[Any]:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices], k=n)


def seed(boxers: int, clubs: int, *, seed: int = 7, today: date | None = None) -> Population:
    """Write `clubs` clubs (each with a gym-owner user) and `boxers` boxers (each with a user)
    into the default database; return their ids. Needs PostgreSQL (COPY) and a migrated
    database; run inside no transaction that others wait on."""
    from accounts.models import Role, User
    from boxers.models import Availability, Boxer
    from clubs.models import Club

    rng = random.Random(seed)
    today = today or date.today()
    now = datetime.now().astimezone()

    club_ids = [_uuid(rng) for _ in range(clubs)]
    owner_ids = [_uuid(rng) for _ in range(clubs)]
    towns = _weighted(rng, [((t, la, lo), w) for t, la, lo, w in TOWNS], clubs)
    copy(
        User,
        (
            {
                "id": owner_ids[i],
                "email": f"owner{i}@clubs.bench.example",
                "name": f"Owner {i}",
                "role": Role.GYM_OWNER,
                "password": "!",
                "created_at": EPOCH,
                "updated_at": EPOCH,
            }
            for i in range(clubs)
        ),
    )
    club_rows = []
    for i, (town, lat, lon) in enumerate(towns):
        placed = rng.random() < 0.9
        club_rows.append(
            {
                "id": club_ids[i],
                "name": f"{town} {rng.choice(['ABC', 'Boxing Club', 'Amateur Boxing Club', 'Gym'])} {i}",
                "city": town,
                "region": town,
                "country": "United Kingdom",
                "latitude": Decimal(f"{lat + rng.gauss(0, 0.12):.6f}") if placed else None,
                "longitude": Decimal(f"{lon + rng.gauss(0, 0.18):.6f}") if placed else None,
                "owner_id": owner_ids[i],
                "is_published": rng.random() < 0.95,
                "accepting_members": rng.random() < 0.8,
                "created_at": EPOCH,
                "updated_at": EPOCH,
            }
        )
    copy(Club, club_rows)

    # Club sizes: Zipf-like, so a few gyms are big and most are small.
    club_weights = [1 / (rank + 1) ** 0.8 for rank in range(clubs)]
    boxer_ids = [_uuid(rng) for _ in range(boxers)]
    user_ids = [_uuid(rng) for _ in range(boxers)]
    copy(
        User,
        (
            {
                "id": user_ids[i],
                "email": f"boxer{i}@bench.example",
                "name": f"Boxer {i}",
                "role": Role.BOXER,
                "password": "!",
                "created_at": EPOCH,
                "updated_at": EPOCH,
            }
            for i in range(boxers)
        ),
    )
    levels = _weighted(rng, LEVELS, boxers)
    homes = rng.choices(range(clubs), weights=club_weights, k=boxers)

    def boxer_row(i: int) -> dict[str, Any]:
        male = rng.random() < 0.82
        gender = "" if rng.random() < 0.03 else ("male" if male else "female")
        weight = rng.gauss(74, 11) if male else rng.gauss(62, 8)
        weight = min(max(weight, 40.0), 130.0)
        age = rng.uniform(11, 18) if rng.random() < 0.25 else 18 + rng.expovariate(1 / 8)
        born = None if rng.random() < 0.05 else today - timedelta(days=int(min(age, 45) * 365.25))
        level = levels[i]
        bouts = int(rng.expovariate(1 / BOUTS_BY_LEVEL[level])) if level != "beginner" else rng.randint(0, 2)
        wins = int(bouts * rng.uniform(0.3, 0.8))
        draws = int((bouts - wins) * rng.uniform(0, 0.2))
        club = homes[i] if rng.random() < 0.94 else None
        return {
            "id": boxer_ids[i],
            "user_id": user_ids[i],
            "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}",
            "weight_kg": None if rng.random() < 0.03 else Decimal(f"{weight:.1f}"),
            "date_of_birth": born,
            "gender": gender,
            "experience_level": level,
            "club_id": None if club is None else club_ids[club],
            "city": "" if club is None else club_rows[club]["city"],
            "country": "United Kingdom",
            "is_searchable": rng.random() < 0.9,
            "is_active": rng.random() < 0.98,
            "wins": wins,
            "losses": bouts - wins - draws,
            "draws": draws,
            "created_at": EPOCH,
            "updated_at": EPOCH,
        }

    copy(Boxer, (boxer_row(i) for i in range(boxers)))

    def slots() -> Iterator[dict[str, Any]]:
        for i in range(boxers):
            if rng.random() >= 0.15:
                continue
            day = rng.randint(1, 10)
            for _ in range(rng.randint(1, 3)):
                begins = (now + timedelta(days=day)).replace(
                    hour=rng.choice([9, 11, 17, 18, 19]), minute=0, second=0, microsecond=0
                )
                yield {
                    "id": _uuid(rng),
                    "boxer_id": boxer_ids[i],
                    "starts_at": begins,
                    "ends_at": begins + timedelta(hours=rng.choice([1, 2])),
                    "created_at": now,
                    "updated_at": now,
                }
                day += rng.randint(1, 7)

    copy(Availability, slots())
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return Population(clubs=club_ids, boxers=boxer_ids, owners=owner_ids)
