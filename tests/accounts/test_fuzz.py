"""Hypothesis: garbage and forged tokens give 401 (or 400 for malformed bodies), never 500."""

import time
import uuid

import jwt
import pytest
from django.conf import settings as django_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/auth/me/"
REFRESH = "/api/v1/auth/refresh/"
LOGOUT = "/api/v1/auth/logout/"
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Header values as a WSGI server delivers them: latin-1 text.
header_text = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=400)
json_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=50),
)
claim_value = st.one_of(json_scalar, st.lists(json_scalar, max_size=3), st.uuids().map(str))


@pytest.fixture
def no_throttles(settings):
    framework = dict(settings.REST_FRAMEWORK)
    framework["DEFAULT_THROTTLE_RATES"] = dict.fromkeys(framework["DEFAULT_THROTTLE_RATES"])
    settings.REST_FRAMEWORK = framework


@FUZZ
@given(value=header_text)
def test_garbage_authorization_header_is_401(client_for, value):
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION=value)

    response = client.get(ME)

    assert response.status_code == 401


@FUZZ
@given(value=header_text)
def test_garbage_bearer_token_is_401(client_for, value):
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {value}")

    response = client.get(ME)

    assert response.status_code == 401


@FUZZ
@given(user_id=claim_value, tv=claim_value, token_type=st.sampled_from(["access", "refresh", "x"]))
def test_forged_but_correctly_signed_access_claims_are_401(client_for, user_id, tv, token_type):
    payload = {
        "token_type": token_type,
        "exp": int(time.time()) + 600,
        "iat": int(time.time()),
        "jti": uuid.uuid4().hex,
        "user_id": user_id,
        "tv": tv,
    }
    token = jwt.encode(payload, django_settings.SIMPLE_JWT["SIGNING_KEY"], algorithm="HS256")
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    response = client.get(ME)

    assert response.status_code == 401


@FUZZ
@given(value=st.one_of(header_text, json_scalar, st.lists(json_scalar, max_size=3)))
def test_garbage_refresh_body_is_400_or_401(client_for, no_throttles, value):
    response = client_for(None).post(REFRESH, {"refresh": value}, format="json")

    assert response.status_code in (400, 401)


@FUZZ
@given(jti=claim_value, exp=st.integers(min_value=0, max_value=2**40))
def test_forged_refresh_tokens_signed_with_the_key_are_401(client_for, no_throttles, jti, exp):
    token = jwt.encode(
        {"token_type": "refresh", "exp": exp, "jti": jti, "user_id": str(uuid.uuid4())},
        django_settings.SIMPLE_JWT["SIGNING_KEY"],
        algorithm="HS256",
    )

    response = client_for(None).post(REFRESH, {"refresh": token}, format="json")

    assert response.status_code == 401


@FUZZ
@given(value=header_text)
def test_garbage_logout_token_is_400_or_401(client_for, no_throttles, value):
    user = UserFactory.build()
    user.save()

    response = client_for(user).post(LOGOUT, {"refresh": value}, format="json")

    assert response.status_code in (400, 401)


@pytest.mark.parametrize("jti", ["\x00", "a\x00b", 12345, "", "x" * 65])
def test_a_signed_refresh_token_with_an_impossible_jti_is_401_not_500(client_for, no_throttles, jti):
    token = jwt.encode(
        {"token_type": "refresh", "exp": int(time.time()) + 600, "jti": jti, "user_id": str(uuid.uuid4())},
        django_settings.SIMPLE_JWT["SIGNING_KEY"],
        algorithm="HS256",
    )

    refresh = client_for(None).post(REFRESH, {"refresh": token}, format="json")
    logout = client_for(UserFactory()).post(LOGOUT, {"refresh": token}, format="json")

    assert refresh.status_code == 401
    assert logout.status_code == 401
