"""Hypothesis: arbitrary bodies and query strings on the boxers API give 2xx/4xx, never 500."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.accounts.factories import AdminFactory
from tests.boxers.factories import BoxerFactory, CoachLinkFactory, FightFactory

pytestmark = pytest.mark.django_db

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.dates().map(str),
    st.sampled_from(["win", "loss", "ko", "male", "beginner", "edit_profile", "manage_fights", ""]),
)
value = st.one_of(
    scalar, st.lists(scalar, max_size=3), st.dictionaries(st.text(max_size=5), scalar, max_size=2)
)
BOXER_FIELDS = [
    "name",
    "weight_kg",
    "height_cm",
    "date_of_birth",
    "gender",
    "city",
    "country",
    "experience_level",
    "bio",
    "is_searchable",
    "is_verified",
    "club",
    "wins",
]
FIGHT_FIELDS = ["opponent_name", "date", "venue", "result", "method", "round", "notes"]
body = st.one_of(
    st.dictionaries(st.sampled_from(BOXER_FIELDS + FIGHT_FIELDS + ["rights", "boxer"]), value, max_size=6),
    value,
)
query_text = st.text(alphabet=st.characters(min_codepoint=1, max_codepoint=0x2FFF), max_size=30)
query = st.dictionaries(
    st.sampled_from(
        [
            "city",
            "country",
            "experience_level",
            "gender",
            "min_weight",
            "max_weight",
            "club",
            "is_verified",
            "search",
            "ordering",
            "page",
            "page_size",
        ]
    ),
    query_text,
    max_size=4,
)


@pytest.fixture
def no_throttles(settings):
    framework = dict(settings.REST_FRAMEWORK)
    framework["DEFAULT_THROTTLE_RATES"] = dict.fromkeys(framework["DEFAULT_THROTTLE_RATES"])
    settings.REST_FRAMEWORK = framework


@pytest.fixture
def target(db, client_for, no_throttles):
    boxer = BoxerFactory()
    link = CoachLinkFactory(boxer=boxer, status="pending")
    fight = FightFactory(boxer=boxer)
    return boxer, link, fight, client_for(AdminFactory())


@FUZZ
@given(params=query)
def test_directory_query_strings_never_500(client_for, no_throttles, params):
    response = client_for(None).get("/api/v1/boxers/", params)

    assert response.status_code in (200, 400, 404), response.content


@FUZZ
@given(payload=body)
def test_profile_patch_bodies_never_500(target, payload):
    boxer, _, _, admin = target

    response = admin.patch(f"/api/v1/boxers/{boxer.pk}/", payload, format="json")

    assert response.status_code in (200, 400), response.content


@FUZZ
@given(payload=body, method=st.sampled_from(["post", "patch"]))
def test_fight_bodies_never_500(target, payload, method):
    boxer, _, fight, admin = target
    url = f"/api/v1/boxers/{boxer.pk}/fights/" + (f"{fight.pk}/" if method == "patch" else "")

    response = getattr(admin, method)(url, payload, format="json")

    assert response.status_code in (200, 201, 400), response.content


@FUZZ
@given(payload=body, endpoint=st.sampled_from(["create", "rights", "accept"]))
def test_coach_link_bodies_never_500(target, client_for, payload, endpoint):
    boxer, link, _, admin = target

    if endpoint == "create":
        response = client_for(link.coach).post("/api/v1/coach-links/", payload, format="json")
    elif endpoint == "rights":
        response = client_for(boxer.user).patch(f"/api/v1/coach-links/{link.pk}/", payload, format="json")
    else:
        response = admin.post(f"/api/v1/coach-links/{link.pk}/accept/", payload, format="json")

    assert response.status_code in (200, 201, 400, 404, 409), response.content
