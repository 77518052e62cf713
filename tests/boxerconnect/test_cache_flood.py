"""Redis cannot be filled from outside: each public endpoint flooded with ids that do not exist,
unknown or reordered query parameters and Host/port variants, on the test's own redis-server,
counting its keys (DBSIZE) and its `used_memory`.

Under `maxmemory` with `allkeys-lru`, whatever a flood stores evicts something useful (a
throttle counter, a permission fact), so the bound is on what is stored at all: 250 such
requests add at most 12 keys (one per 20 requests, the bound 1,000 requests with 50 keys had)
and at most 8 KiB to what the keys hold (MEMORY USAGE summed over every key: exact, no
allocator noise, so a leak of 33 bytes a request fails it). Throttles are off here (they are a
separate defence with their own keys); the world is warmed first, so what is counted is the
flood alone.
"""

import random
import uuid

import pytest

from tests.accounts.factories import CoachFactory
from tests.boxers.factories import BoxerFactory, FightFactory
from tests.clubs.factories import ClubFactory
from tests.support.clients import CommitClient, authenticate

pytestmark = pytest.mark.django_db

# The flood was 1,000 requests (about 4 minutes of the suite); 250 keep the same key rate and,
# with the exact count of bytes held by keys, catch a smaller leak per request than 1,000 did.
FLOOD = 250
MAX_NEW_KEYS = 12
# Measured before the fix, per 1,000 requests: junk directory parameters +11.9 MB (a ~12 KB
# page each), random ids +370 KB (an absent fact and its generation each; +980 KB
# authenticated, with the link fact). After it, per 250 requests: 0 keys and 0 bytes held by
# keys for every flood but the club directory's (3 keys, 1,912 bytes: the pages of its few
# canonical forms, whatever the junk), and the server's used_memory moves by allocator noise
# only (-90..0 KB); 64 KiB leaves room for that, 8 KiB of key data for those pages.
MAX_NEW_DATA = 8 * 1024
MAX_NEW_MEMORY = 64 * 1024

DIRECTORY = "/api/v1/boxers/"


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    rates = {scope: None for scope in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


@pytest.fixture
def world(private_redis):
    club = ClubFactory(name="Aber ABC")
    boxers = [BoxerFactory(club=club, bio="Southpaw. " * 20) for _ in range(20)]
    FightFactory(boxer=boxers[0])
    coach = CoachFactory()
    return {"club": club, "boxers": boxers, "coach": coach, "redis": private_redis.client()}


def _junk(rng: random.Random) -> str:
    """A directory query an attacker varies: unknown names, reordered known ones, ids of clubs
    that do not exist, defaults spelled out."""
    known = [f"page_size={rng.choice(['100', '0100', '1000', '100 '])}", "city=Cardiff", "page=1"]
    unknown = [f"{rng.choice(['utm', 'x', 'cb', '_'])}{rng.randrange(10**9)}={rng.randrange(10**9)}"]
    rng.shuffle(known)
    if rng.random() < 0.3:
        return f"?club={uuid.uuid4()}&page_size=100&x={rng.randrange(10**9)}"
    return "?" + "&".join(known + unknown)


def _hosts(rng: random.Random) -> dict:
    """Host header variants ALLOWED_HOSTS lets through (another port, another case)."""
    host = rng.choice(["testserver", f"testserver:{rng.randrange(1, 65536)}", "TestServer", "localhost:8000"])
    return {"HTTP_HOST": host}


def _anonymous(world):
    return CommitClient()


def _coach(world):
    return authenticate(CommitClient(), world["coach"])


def _check(kind: str):
    action = {"boxer": "boxer.update", "club": "club.update"}[kind]
    return f"/api/v1/permissions/check/?action={action}&resource_type={kind}&resource_id={uuid.uuid4()}"


# (name, client, one request's url and extra headers)
FLOODS = [
    ("directory-junk-params", _anonymous, lambda rng: (DIRECTORY + _junk(rng), _hosts(rng))),
    ("directory-junk-params-authenticated", _coach, lambda rng: (DIRECTORY + _junk(rng), {})),
    ("profiles-of-random-ids", _anonymous, lambda rng: (f"{DIRECTORY}{uuid.uuid4()}/", {})),
    ("profiles-of-random-ids-authenticated", _coach, lambda rng: (f"{DIRECTORY}{uuid.uuid4()}/", {})),
    ("fights-of-random-boxers", _anonymous, lambda rng: (f"{DIRECTORY}{uuid.uuid4()}/fights/", {})),
    ("clubs-of-random-ids", _anonymous, lambda rng: (f"/api/v1/clubs/{uuid.uuid4()}/", {})),
    ("club-members-of-random-ids", _coach, lambda rng: (f"/api/v1/clubs/{uuid.uuid4()}/members/", {})),
    ("club-directory-junk-params", _anonymous, lambda rng: ("/api/v1/clubs/" + _junk(rng), _hosts(rng))),
    ("check-random-boxers", _anonymous, lambda rng: (_check("boxer"), {})),
    ("check-random-boxers-authenticated", _coach, lambda rng: (_check("boxer"), {})),
    ("check-random-clubs", _coach, lambda rng: (_check("club"), {})),
]


def _warm(world, client):
    """Every legitimate read once, so the flood is measured against a warm cache."""
    boxer = world["boxers"][0]
    for url in (
        DIRECTORY,
        f"{DIRECTORY}?page_size=100&city=Cardiff",
        f"{DIRECTORY}{boxer.pk}/",
        f"{DIRECTORY}{boxer.pk}/fights/",
        f"/api/v1/clubs/{world['club'].pk}/",
        f"/api/v1/permissions/check/?action=boxer.update&resource_type=boxer&resource_id={boxer.pk}",
    ):
        assert client.get(url).status_code == 200, url


def _used(redis) -> tuple[int, int, int]:
    """Keys, bytes the keys hold (MEMORY USAGE of each, summed), the server's used_memory."""
    data = sum(redis.memory_usage(key, samples=0) or 0 for key in redis.scan_iter(count=1000))
    return redis.dbsize(), data, int(redis.info("memory")["used_memory"])


@pytest.mark.parametrize(("name", "make_client", "request_of"), FLOODS, ids=[f[0] for f in FLOODS])
def test_a_flood_of_absent_ids_and_junk_parameters_stores_next_to_nothing(
    world, name, make_client, request_of
):
    client = make_client(world)
    _warm(world, client)
    rng = random.Random(name)
    keys_before, data_before, memory_before = _used(world["redis"])

    statuses = set()
    for _ in range(FLOOD):
        url, extra = request_of(rng)
        statuses.add(client.get(url, **extra).status_code)

    keys_after, data_after, memory_after = _used(world["redis"])
    assert statuses <= {200, 404}, statuses  # the flood is served, never an error
    assert keys_after - keys_before <= MAX_NEW_KEYS, (keys_before, keys_after)
    assert data_after - data_before <= MAX_NEW_DATA, (data_before, data_after)
    assert memory_after - memory_before <= MAX_NEW_MEMORY, (memory_before, memory_after)
